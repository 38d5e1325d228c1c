package ghsim

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

type bprNode struct {
	r      *repo
	branch string
}

type gRule struct {
	x *ruleset
	i int
}

type gBypass struct {
	x *ruleset
	i int
}

type gRef struct {
	r    *repo
	name string
}

func notFound(msg string) *resolveErr { return &resolveErr{typ: "NOT_FOUND", msg: msg} }

func forbidden() *resolveErr {
	return &resolveErr{typ: "FORBIDDEN", msg: "Resource not accessible by integration"}
}

// needs checks an installation's permission for a field.
func (e *gqlExec) needs(perm string) *resolveErr {
	id := e.c.id
	if id.kind == identInstallation && !id.tok.perms.allows(perm, "read") {
		return forbidden()
	}
	return nil
}

func upper(s string) string { return strings.ToUpper(s) }

// str is a String argument, "" when absent.
func str(args map[string]any, name string) string {
	s, _ := args[name].(string)
	return s
}

func (e *gqlExec) resolve(obj any, typ string, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch x := obj.(type) {
	case gqlRoot:
		return e.query(f, args)
	case *repo:
		return e.repoField(x, f, args)
	case *org:
		return e.orgField(x, f, args)
	case *team:
		return e.teamField(x, f, args)
	case *user:
		return scalar(e, userFields, x, typ, f)
	case *app:
		return scalar(e, appFields, x, typ, f)
	case *gconn:
		return x.field(f.Name), nil
	case *gvalue:
		return x.m[f.Name], nil
	case *gRef:
		return scalar(e, refFields, x, typ, f)
	case *bprNode:
		return e.bprField(x, f, args)
	case *ruleset:
		return e.rulesetField(x, f, args)
	case *gRule:
		return e.ruleField(x, f)
	case *gBypass:
		return scalar(e, bypassFields, x, typ, f)
	}
	return nil, notSimulated(typ, f)
}

func notSimulated(typ string, f *ast.Field) *resolveErr {
	return &resolveErr{typ: "INTERNAL", msg: fmt.Sprintf("field %s.%s is not simulated", typ, f.Name)}
}

// fields maps a type's plain fields (no arguments, no permission check)
// to their value; the rest stay in the type's switch.
type fields[T any] map[string]func(e *gqlExec, x T) any

func scalar[T any](e *gqlExec, fs fields[T], x T, typ string, f *ast.Field) (any, *resolveErr) {
	if get, ok := fs[f.Name]; ok {
		return get(e, x), nil
	}
	return nil, notSimulated(typ, f)
}

// orNil is s, or null when empty.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var userFields = fields[*user]{
	"id":         func(_ *gqlExec, u *user) any { return nodeID("User", u.id) },
	"databaseId": func(_ *gqlExec, u *user) any { return u.id },
	"login":      func(_ *gqlExec, u *user) any { return u.login },
	"name":       func(_ *gqlExec, u *user) any { return orNil(u.name) },
}

var appFields = fields[*app]{
	"id":         func(_ *gqlExec, a *app) any { return nodeID("App", a.id) },
	"databaseId": func(_ *gqlExec, a *app) any { return a.id },
	"name":       func(_ *gqlExec, a *app) any { return a.name },
	"slug":       func(_ *gqlExec, a *app) any { return a.slug },
}

var refFields = fields[*gRef]{
	"id":     func(_ *gqlExec, x *gRef) any { return nodeID("Ref", int64(fnv64(x.r.fullName()+"@"+x.name)>>12)) },
	"name":   func(_ *gqlExec, x *gRef) any { return x.name },
	"prefix": func(_ *gqlExec, x *gRef) any { return "refs/heads/" },
}

func (e *gqlExec) query(f *ast.Field, args map[string]any) (any, *resolveErr) {
	st := e.s.st
	switch f.Name {
	case "repository":
		owner, name := str(args, "owner"), str(args, "name")
		if r := st.repo(owner, name); r != nil && e.s.canSeeRepo(e.c.id, r) {
			return r, nil
		}
		return nil, notFound(fmt.Sprintf("Could not resolve to a Repository with the name '%s/%s'.", owner, name))
	case "organization":
		if o := st.org(str(args, "login")); o != nil {
			return o, nil
		}
		return nil, notFound(fmt.Sprintf("Could not resolve to an Organization with the login of '%s'.", str(args, "login")))
	case "user":
		if u := st.userByLogin(str(args, "login")); u != nil {
			return u, nil
		}
		return nil, notFound(fmt.Sprintf("Could not resolve to a User with the login of '%s'.", str(args, "login")))
	case "viewer":
		return e.c.id.user, nil
	case "rateLimit":
		return &gvalue{typ: "RateLimit", m: map[string]any{
			"cost": e.costVal, "limit": e.rate.Limit, "nodeCount": e.nodeCount, "remaining": e.rate.Remaining,
			"resetAt": ts(e.rate.Reset), "used": e.rate.Used,
		}}, nil
	case "node":
		if n := e.node(str(args, "id")); n != nil {
			return n, nil
		}
		return nil, notFound(fmt.Sprintf("Could not resolve to a node with the global id of '%s'", str(args, "id")))
	case "nodes":
		ids, _ := args["ids"].([]any)
		out := make([]any, len(ids))
		for i, v := range ids {
			id, _ := v.(string)
			if n := e.node(id); n != nil {
				out[i] = n
			} else {
				e.errors = append(e.errors, gqlError{Type: "NOT_FOUND", Path: []any{f.Alias, i}, Locations: loc(f.Position),
					Message: fmt.Sprintf("Could not resolve to a node with the global id of '%s'", id)})
			}
		}
		return out, nil
	}
	return nil, notSimulated("Query", f)
}

// node resolves a global id the caller may see.
func (e *gqlExec) node(id string) any {
	typ, n, ok := parseNodeID(id)
	if !ok {
		return nil
	}
	st := e.s.st
	switch typ {
	case "Repository":
		if r := st.reposByID[n]; r != nil && e.s.canSeeRepo(e.c.id, r) {
			return r
		}
	case "User", "Bot":
		if u := st.usersByID[n]; u != nil {
			return u
		}
	case "Organization":
		for _, o := range st.orgs {
			if o.id == n {
				return o
			}
		}
	case "Team":
		if t := st.teamsByID[n]; t != nil {
			return t
		}
	case "BranchProtectionRule":
		if b := st.bprByID[n]; b != nil && e.s.canSeeRepo(e.c.id, b.repo) {
			return &bprNode{r: b.repo, branch: b.branch}
		}
	case "RepositoryRuleset":
		if x := st.rulesets[n]; x != nil {
			return x
		}
	case "App":
		if a := st.apps[n]; a != nil {
			return a
		}
	}
	return nil
}

func (e *gqlExec) repoField(r *repo, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch f.Name {
	case "ref":
		// Fully qualified names first, then the short name, as GitHub
		// documents; only branches are simulated.
		name, _ := args["qualifiedName"].(string)
		if b, ok := strings.CutPrefix(name, "refs/heads/"); ok {
			name = b
		} else if strings.HasPrefix(name, "refs/") {
			return nil, nil
		}
		if r.hasBranch(name) {
			return &gRef{r: r, name: name}, nil
		}
		return nil, nil
	case "collaborators":
		if err := e.needs("administration"); err != nil {
			return nil, err
		}
		return e.collaborators(r, args)
	case "branchProtectionRules":
		if err := e.needs("administration"); err != nil {
			return nil, err
		}
		branches := make([]string, 0, len(r.protection))
		for b := range r.protection {
			branches = append(branches, b)
		}
		sort.Slice(branches, func(i, j int) bool { return r.protIDs[branches[i]] < r.protIDs[branches[j]] })
		return e.page(f, each(branches, func(b string) connItem { return connItem{node: &bprNode{r: r, branch: b}} }), args)
	case "rulesets":
		parents, _ := args["includeParents"].(bool)
		return e.rulesetConn(f, repoRulesets(r, parents), args)
	}
	return scalar(e, repoFields, r, "Repository", f)
}

var repoFields = fields[*repo]{
	"id":               func(_ *gqlExec, r *repo) any { return nodeID("Repository", r.id) },
	"databaseId":       func(_ *gqlExec, r *repo) any { return r.id },
	"name":             func(_ *gqlExec, r *repo) any { return r.name },
	"nameWithOwner":    func(_ *gqlExec, r *repo) any { return r.fullName() },
	"isArchived":       func(_ *gqlExec, r *repo) any { return r.archived },
	"isPrivate":        func(_ *gqlExec, r *repo) any { return r.private },
	"isDisabled":       func(_ *gqlExec, r *repo) any { return r.disabled },
	"visibility":       func(_ *gqlExec, r *repo) any { return upper(r.visibility) },
	"defaultBranchRef": func(_ *gqlExec, r *repo) any { return &gRef{r: r, name: r.defaultBranch} },
	"owner":            func(_ *gqlExec, r *repo) any { return r.org },
	"url":              func(e *gqlExec, r *repo) any { return e.c.htmlBase() + "/" + r.fullName() },
	"description":      func(_ *gqlExec, r *repo) any { return orNil(r.description) },
}

// page is the connection page of items the field's arguments ask for (a
// failed page's value is dropped with its error).
func (e *gqlExec) page(f *ast.Field, items []connItem, args map[string]any) (any, *resolveErr) {
	return paginate(f.Definition.Type.Name(), items, args)
}

// collaborators: permission is the highest role; permissionSources lists
// every source, with permission folded to ADMIN/WRITE/READ and the exact
// role in roleName.
func (e *gqlExec) collaborators(r *repo, args map[string]any) (any, *resolveErr) {
	users := e.s.st.repoUsers(r, lower(cmp.Or(str(args, "affiliation"), "ALL")))
	login, query := str(args, "login"), str(args, "query")
	items := make([]connItem, 0, len(users))
	for _, u := range users {
		if login != "" && !strings.EqualFold(u.login, login) {
			continue
		}
		if query != "" && !strings.Contains(lower(u.login), lower(query)) {
			continue
		}
		role, srcs := e.s.st.access(r, u)
		nullRole := e.s.fidelity().NullRoleName
		ps := make([]any, 0, len(srcs))
		for _, s := range srcs {
			var src any = r
			switch s.kind {
			case "team":
				src = s.team
			case "organization":
				src = r.org
			}
			var roleName any = string(s.role)
			if nullRole {
				roleName = nil
			}
			ps = append(ps, &gvalue{typ: "PermissionSource", m: map[string]any{
				"organization": r.org, "permission": upper(s.role.legacyPermission()), "roleName": roleName, "source": src,
			}})
		}
		items = append(items, connItem{node: u, edge: map[string]any{"permission": upper(string(role)), "permissionSources": ps}})
	}
	return paginate("RepositoryCollaboratorConnection", items, args)
}

func (e *gqlExec) bprField(b *bprNode, f *ast.Field, args map[string]any) (any, *resolveErr) {
	p := b.r.protection[b.branch]
	if p == nil {
		return nil, nil
	}
	switch f.Name {
	case "id":
		return nodeID("BranchProtectionRule", b.r.protIDs[b.branch]), nil
	case "databaseId":
		return b.r.protIDs[b.branch], nil
	case "pattern":
		return b.branch, nil
	case "repository":
		return b.r, nil
	case "requiredStatusChecks":
		out := []any{}
		if rsc := p.RequiredStatusChecks; rsc != nil {
			for _, ch := range rsc.Checks {
				var a any
				if ch.AppID > 0 {
					a = e.appByID(ch.AppID)
				}
				out = append(out, &gvalue{typ: "RequiredStatusCheckDescription", m: map[string]any{"context": ch.Context, "app": a}})
			}
		}
		return out, nil
	case "matchingRefs":
		var items []connItem
		for _, br := range b.r.branches {
			if globMatch(b.branch, br) {
				items = append(items, connItem{node: &gRef{r: b.r, name: br}})
			}
		}
		return e.page(f, items, args)
	}
	return scalar(e, bprFields, p, "BranchProtectionRule", f)
}

// bprFields read a BranchProtectionRule's settings off the protection.
var bprFields = fields[*Protection]{
	"isAdminEnforced":      func(_ *gqlExec, p *Protection) any { return p.EnforceAdmins },
	"requiresStatusChecks": func(_ *gqlExec, p *Protection) any { return p.RequiredStatusChecks != nil },
	"requiresStrictStatusChecks": func(_ *gqlExec, p *Protection) any {
		return p.RequiredStatusChecks != nil && p.RequiredStatusChecks.Strict
	},
	"requiredStatusCheckContexts": func(_ *gqlExec, p *Protection) any {
		if p.RequiredStatusChecks == nil {
			return []string{}
		}
		return p.RequiredStatusChecks.contexts()
	},
	"requiresApprovingReviews": func(_ *gqlExec, p *Protection) any { return p.RequiredPullRequestReviews != nil },
	"requiredApprovingReviewCount": func(_ *gqlExec, p *Protection) any {
		if p.RequiredPullRequestReviews == nil {
			return nil
		}
		return p.RequiredPullRequestReviews.RequiredApprovingReviewCount
	},
	"requiresCodeOwnerReviews": func(_ *gqlExec, p *Protection) any { return p.reviews().RequireCodeOwnerReviews },
	"dismissesStaleReviews":    func(_ *gqlExec, p *Protection) any { return p.reviews().DismissStaleReviews },
	"requireLastPushApproval":  func(_ *gqlExec, p *Protection) any { return p.reviews().RequireLastPushApproval },
	"restrictsReviewDismissals": func(_ *gqlExec, p *Protection) any {
		return p.reviews().DismissalRestrictions != nil
	},
	"allowsForcePushes":              func(_ *gqlExec, p *Protection) any { return p.AllowForcePushes },
	"allowsDeletions":                func(_ *gqlExec, p *Protection) any { return p.AllowDeletions },
	"restrictsPushes":                func(_ *gqlExec, p *Protection) any { return p.Restrictions != nil },
	"lockBranch":                     func(_ *gqlExec, p *Protection) any { return p.LockBranch },
	"requiresLinearHistory":          func(_ *gqlExec, p *Protection) any { return p.RequiredLinearHistory },
	"requiresCommitSignatures":       func(_ *gqlExec, p *Protection) any { return p.RequiredSignatures },
	"requiresConversationResolution": func(_ *gqlExec, p *Protection) any { return p.RequiredConversationResolution },
	"blocksCreations":                func(_ *gqlExec, p *Protection) any { return p.BlockCreations },
}

// reviews is the pull-request review settings, all off when not required.
func (p *Protection) reviews() *RequiredPullRequestReviews {
	if p.RequiredPullRequestReviews == nil {
		return &RequiredPullRequestReviews{}
	}
	return p.RequiredPullRequestReviews
}

// appByID returns the App, or a stand-in carrying the id when the App is
// not registered in the simulator (GitHub would know every App).
func (e *gqlExec) appByID(id int64) *app {
	if a := e.s.st.apps[id]; a != nil {
		return a
	}
	return &app{id: id, slug: fmt.Sprintf("app-%d", id), name: fmt.Sprintf("App %d", id)}
}

func (e *gqlExec) rulesetConn(f *ast.Field, list []*ruleset, args map[string]any) (any, *resolveErr) {
	targets, _ := args["targets"].([]any)
	items := make([]connItem, 0, len(list))
	for _, x := range list {
		if len(targets) > 0 && !slices.Contains(targets, any(upper(x.def.Target))) {
			continue
		}
		items = append(items, connItem{node: x})
	}
	return e.page(f, items, args)
}

func (e *gqlExec) rulesetField(x *ruleset, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch f.Name {
	case "source":
		if x.repo != nil {
			return x.repo, nil
		}
		return x.org, nil
	case "conditions":
		m := map[string]any{"refName": &gvalue{typ: "RefNameConditionTarget", m: map[string]any{"include": strs(x.def.Include), "exclude": strs(x.def.Exclude)}}}
		if x.repo == nil {
			m["repositoryName"] = &gvalue{typ: "RepositoryNameConditionTarget", m: map[string]any{
				"include": strs(x.def.RepoInclude), "exclude": strs(x.def.RepoExclude), "protected": x.def.RepoProtected}}
		} else {
			m["repositoryName"] = nil
		}
		return &gvalue{typ: "RepositoryRuleConditions", m: m}, nil
	case "rules":
		want, _ := args["type"].(string)
		var items []connItem
		for i, r := range x.def.Rules {
			if want != "" && upper(r.Type) != want {
				continue
			}
			items = append(items, connItem{node: &gRule{x: x, i: i}})
		}
		return e.page(f, items, args)
	case "bypassActors":
		if !e.s.canWriteRuleset(e.c.id, x) {
			// Hidden from a token without write access to the ruleset.
			if e.s.fidelity().BypassHiddenError {
				return nil, forbidden()
			}
			return nil, nil
		}
		var items []connItem
		for i := range x.def.BypassActors {
			items = append(items, connItem{node: &gBypass{x: x, i: i}})
		}
		return e.page(f, items, args)
	}
	return scalar(e, rulesetFields, x, "RepositoryRuleset", f)
}

var rulesetFields = fields[*ruleset]{
	"id":          func(_ *gqlExec, x *ruleset) any { return nodeID("RepositoryRuleset", x.id) },
	"databaseId":  func(_ *gqlExec, x *ruleset) any { return x.id },
	"name":        func(_ *gqlExec, x *ruleset) any { return x.def.Name },
	"enforcement": func(_ *gqlExec, x *ruleset) any { return upper(x.def.Enforcement) },
	"target":      func(_ *gqlExec, x *ruleset) any { return upper(x.def.Target) },
	"createdAt":   func(_ *gqlExec, x *ruleset) any { return ts(x.created) },
	"updatedAt":   func(_ *gqlExec, x *ruleset) any { return ts(x.created) },
}

func camel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func pascal(s string) string {
	c := camel(s)
	if c == "" {
		return c
	}
	return strings.ToUpper(c[:1]) + c[1:]
}

// paramsValue turns REST rule parameters into the GraphQL parameters type
// (RequiredStatusChecksParameters, …) with camelCase fields; required
// fields the REST shape lacks get their zero value.
func (e *gqlExec) paramsValue(typ string, params map[string]any) any {
	def := e.s.activeSchema().Types[typ]
	if def == nil {
		return nil
	}
	m := map[string]any{}
	for k, v := range params {
		m[camel(k)] = v
	}
	for _, fd := range def.Fields {
		v, ok := m[fd.Name]
		if !ok || v == nil {
			if fd.Type.NonNull {
				switch {
				case fd.Type.Elem != nil:
					m[fd.Name] = []any{}
				case fd.Type.NamedType == "Boolean":
					m[fd.Name] = false
				case fd.Type.NamedType == "Int":
					m[fd.Name] = 0
				default:
					m[fd.Name] = ""
				}
			}
			continue
		}
		// Lists of objects (e.g. requiredStatusChecks) become typed values.
		if fd.Type.Elem != nil {
			if sub := e.s.activeSchema().Types[fd.Type.Elem.NamedType]; sub != nil && sub.Kind == ast.Object {
				list := toList(v)
				out := make([]any, 0, len(list))
				for _, it := range list {
					if im, ok := it.(map[string]any); ok {
						out = append(out, e.paramsValue(sub.Name, im))
					}
				}
				m[fd.Name] = out
			}
		}
	}
	return &gvalue{typ: typ, m: m}
}

func (e *gqlExec) ruleField(r *gRule, f *ast.Field) (any, *resolveErr) {
	rule := r.x.def.Rules[r.i]
	switch f.Name {
	case "id":
		return nodeID("RepositoryRule", r.x.id*1000+int64(r.i)), nil
	case "type":
		return upper(rule.Type), nil
	case "repositoryRuleset":
		return r.x, nil
	case "parameters":
		typ := pascal(rule.Type) + "Parameters"
		if !e.applies("RuleParameters", typ) {
			return nil, nil
		}
		return e.paramsValue(typ, rule.Parameters), nil
	}
	return nil, notSimulated("RepositoryRule", f)
}

var repoRoleNames = map[int64]string{1: "read", 2: "maintain", 3: "triage", 4: "write", 5: "admin"}

var bypassFields = fields[*gBypass]{
	"id": func(_ *gqlExec, b *gBypass) any {
		return nodeID("RepositoryRulesetBypassActor", b.x.id*1000+int64(b.i))
	},
	"actor": func(e *gqlExec, b *gBypass) any {
		a := b.actor()
		switch a.ActorType {
		case "Integration":
			return e.appByID(a.ActorID)
		case "Team":
			if t := e.s.st.teamsByID[a.ActorID]; t != nil {
				return t
			}
		}
		return nil
	},
	"bypassMode": func(_ *gqlExec, b *gBypass) any {
		if b.actor().BypassMode == "" {
			return "ALWAYS"
		}
		return upper(b.actor().BypassMode)
	},
	"deployKey":         func(_ *gqlExec, b *gBypass) any { return b.actor().ActorType == "DeployKey" },
	"enterpriseOwner":   func(_ *gqlExec, b *gBypass) any { return false },
	"organizationAdmin": func(_ *gqlExec, b *gBypass) any { return b.actor().ActorType == "OrganizationAdmin" },
	"repositoryRoleDatabaseId": func(_ *gqlExec, b *gBypass) any {
		if a := b.actor(); a.ActorType == "RepositoryRole" {
			return a.ActorID
		}
		return nil
	},
	"repositoryRoleName": func(_ *gqlExec, b *gBypass) any {
		if a := b.actor(); a.ActorType == "RepositoryRole" {
			return repoRoleNames[a.ActorID]
		}
		return nil
	},
	"repositoryRuleset": func(_ *gqlExec, b *gBypass) any { return b.x },
}

func (b *gBypass) actor() BypassActor { return b.x.def.BypassActors[b.i] }

func (e *gqlExec) orgField(o *org, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch f.Name {
	case "repositories":
		list := make([]*repo, 0, len(o.repoOrder))
		arch, hasArch := args["isArchived"].(bool)
		priv, vis := str(args, "privacy"), str(args, "visibility")
		for _, r := range o.repoOrder {
			if !e.s.canSeeRepo(e.c.id, r) || hasArch && r.archived != arch ||
				priv != "" && upper(r.visibility) != priv && !(priv == "PRIVATE" && r.private) ||
				vis != "" && upper(r.visibility) != vis {
				continue
			}
			list = append(list, r)
		}
		if ob, ok := args["orderBy"].(map[string]any); ok {
			if str(ob, "field") == "NAME" {
				sort.SliceStable(list, func(i, j int) bool { return lower(list[i].name) < lower(list[j].name) })
			}
			if str(ob, "direction") == "DESC" {
				slices.Reverse(list)
			}
		}
		return e.page(f, each(list, func(r *repo) connItem { return connItem{node: r} }), args)
	case "teams":
		if err := e.needs("members"); err != nil {
			return nil, err
		}
		root, _ := args["rootTeamsOnly"].(bool)
		logins, _ := args["userLogins"].([]any)
		query := str(args, "query")
		list := slices.Clone(o.teamOrder)
		sort.SliceStable(list, func(i, j int) bool { return lower(list[i].name) < lower(list[j].name) })
		var items []connItem
		for _, t := range list {
			member := func(l any) bool { s, _ := l.(string); _, ok := t.members[lower(s)]; return ok }
			if (!root || t.parent == nil) && (query == "" || strings.Contains(lower(t.name+" "+t.slug), lower(query))) &&
				(len(logins) == 0 || slices.ContainsFunc(logins, member)) {
				items = append(items, connItem{node: t})
			}
		}
		return e.page(f, items, args)
	case "membersWithRole":
		if err := e.needs("members"); err != nil {
			return nil, err
		}
		var items []connItem
		for _, m := range sortedMembers(o) {
			items = append(items, connItem{node: m.user, edge: map[string]any{"role": upper(m.role())}})
		}
		return e.page(f, items, args)
	case "rulesets":
		if err := e.needs("organization_administration"); err != nil {
			return nil, err
		}
		return e.rulesetConn(f, o.rulesets, args)
	case "repository":
		if r := o.repos[lower(str(args, "name"))]; r != nil && e.s.canSeeRepo(e.c.id, r) {
			return r, nil
		}
		return nil, nil
	case "team":
		if err := e.needs("members"); err != nil {
			return nil, err
		}
		if t := o.teams[lower(str(args, "slug"))]; t != nil {
			return t, nil
		}
		return nil, nil
	}
	return scalar(e, orgFields, o, "Organization", f)
}

var orgFields = fields[*org]{
	"id":         func(_ *gqlExec, o *org) any { return nodeID("Organization", o.id) },
	"databaseId": func(_ *gqlExec, o *org) any { return o.id },
	"login":      func(_ *gqlExec, o *org) any { return o.login },
	"name":       func(_ *gqlExec, o *org) any { return cmp.Or(o.name, o.login) },
	"url":        func(e *gqlExec, o *org) any { return e.c.htmlBase() + "/" + o.login },
}

func (e *gqlExec) teamField(t *team, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch f.Name {
	case "childTeams":
		immediate := true
		if v, ok := args["immediateOnly"].(bool); ok {
			immediate = v
		}
		var list []*team
		var walk func(*team)
		walk = func(x *team) {
			for _, c := range x.children {
				list = append(list, c)
				if !immediate {
					walk(c)
				}
			}
		}
		walk(t)
		return e.page(f, each(list, func(c *team) connItem { return connItem{node: c} }), args)
	case "members":
		role, query := str(args, "role"), str(args, "query")
		var users []*user
		switch str(args, "membership") {
		case "IMMEDIATE":
			users = t.memberOrder
		case "CHILD_TEAM":
			for _, u := range t.allMembers() {
				if _, direct := t.members[lower(u.login)]; !direct {
					users = append(users, u)
				}
			}
		default:
			users = t.allMembers()
		}
		var items []connItem
		for _, u := range users {
			r, _ := t.roleOf(u.login)
			r = upper(r)
			if role != "" && r != role || query != "" && !strings.Contains(lower(u.login), lower(query)) {
				continue
			}
			items = append(items, connItem{node: u, edge: map[string]any{"role": r}})
		}
		return e.page(f, items, args)
	case "repositories":
		query := str(args, "query")
		var items []connItem
		grants := t.repos
		if e.s.fidelity().TeamReposInherited {
			grants = map[int64]Role{}
			for a := t; a != nil; a = a.parent {
				for id, role := range a.repos {
					grants[id] = maxRole(grants[id], role)
				}
			}
		}
		for id, role := range grants {
			r := e.s.st.reposByID[id]
			if r == nil || query != "" && !strings.Contains(lower(r.name), lower(query)) {
				continue
			}
			items = append(items, connItem{node: r, edge: map[string]any{"permission": upper(string(role))}})
		}
		sort.Slice(items, func(i, j int) bool { return items[i].node.(*repo).id < items[j].node.(*repo).id })
		return e.page(f, items, args)
	}
	return scalar(e, teamFields, t, "Team", f)
}

var teamFields = fields[*team]{
	"id":           func(_ *gqlExec, t *team) any { return nodeID("Team", t.id) },
	"databaseId":   func(_ *gqlExec, t *team) any { return t.id },
	"slug":         func(_ *gqlExec, t *team) any { return t.slug },
	"name":         func(_ *gqlExec, t *team) any { return t.name },
	"description":  func(_ *gqlExec, t *team) any { return orNil(t.description) },
	"combinedSlug": func(_ *gqlExec, t *team) any { return t.org.login + "/" + t.slug },
	"parentTeam":   func(_ *gqlExec, t *team) any { return t.parent },
	"organization": func(_ *gqlExec, t *team) any { return t.org },
	"privacy": func(_ *gqlExec, t *team) any {
		if t.privacy == "secret" {
			return "SECRET"
		}
		return "VISIBLE"
	},
}
