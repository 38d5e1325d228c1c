package ghsim

import (
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
		switch f.Name {
		case "id":
			return nodeID("User", x.id), nil
		case "databaseId":
			return x.id, nil
		case "login":
			return x.login, nil
		case "name":
			if x.name == "" {
				return nil, nil
			}
			return x.name, nil
		}
	case *app:
		switch f.Name {
		case "id":
			return nodeID("App", x.id), nil
		case "databaseId":
			return x.id, nil
		case "name":
			return x.name, nil
		case "slug":
			return x.slug, nil
		}
	case *gconn:
		return x.field(f.Name), nil
	case *gvalue:
		return x.m[f.Name], nil
	case *gRef:
		switch f.Name {
		case "id":
			return nodeID("Ref", int64(fnv64(x.r.fullName()+"@"+x.name)>>12)), nil
		case "name":
			return x.name, nil
		case "prefix":
			return "refs/heads/", nil
		}
	case *bprNode:
		return e.bprField(x, f, args)
	case *ruleset:
		return e.rulesetField(x, f, args)
	case *gRule:
		return e.ruleField(x, f)
	case *gBypass:
		return e.bypassField(x, f)
	}
	return nil, &resolveErr{typ: "INTERNAL", msg: fmt.Sprintf("field %s.%s is not simulated", typ, f.Name)}
}

func (e *gqlExec) query(f *ast.Field, args map[string]any) (any, *resolveErr) {
	st := e.s.st
	switch f.Name {
	case "repository":
		owner, _ := args["owner"].(string)
		name, _ := args["name"].(string)
		r := st.repo(owner, name)
		if r == nil || !e.s.canSeeRepo(e.c.id, r) {
			return nil, notFound(fmt.Sprintf("Could not resolve to a Repository with the name '%s/%s'.", owner, name))
		}
		return r, nil
	case "organization":
		login, _ := args["login"].(string)
		o := st.org(login)
		if o == nil {
			return nil, notFound(fmt.Sprintf("Could not resolve to an Organization with the login of '%s'.", login))
		}
		return o, nil
	case "user":
		login, _ := args["login"].(string)
		u := st.userByLogin(login)
		if u == nil {
			return nil, notFound(fmt.Sprintf("Could not resolve to a User with the login of '%s'.", login))
		}
		return u, nil
	case "viewer":
		return e.c.id.user, nil
	case "rateLimit":
		return &gvalue{typ: "RateLimit", m: map[string]any{
			"cost": e.costVal, "limit": e.rate.Limit, "nodeCount": e.nodeCount, "remaining": e.rate.Remaining,
			"resetAt": ts(e.rate.Reset), "used": e.rate.Used,
		}}, nil
	case "node":
		id, _ := args["id"].(string)
		n := e.node(id)
		if n == nil {
			return nil, notFound(fmt.Sprintf("Could not resolve to a node with the global id of '%s'", id))
		}
		return n, nil
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
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field " + f.Name}
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
	case "id":
		return nodeID("Repository", r.id), nil
	case "databaseId":
		return r.id, nil
	case "name":
		return r.name, nil
	case "nameWithOwner":
		return r.fullName(), nil
	case "isArchived":
		return r.archived, nil
	case "isPrivate":
		return r.private, nil
	case "isDisabled":
		return r.disabled, nil
	case "visibility":
		return upper(r.visibility), nil
	case "defaultBranchRef":
		return &gRef{r: r, name: r.defaultBranch}, nil
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
	case "owner":
		return r.org, nil
	case "url":
		return e.c.htmlBase() + "/" + r.fullName(), nil
	case "description":
		if r.description == "" {
			return nil, nil
		}
		return r.description, nil
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
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field Repository." + f.Name}
}

func (e *gqlExec) page(f *ast.Field, items []connItem, args map[string]any) (any, *resolveErr) {
	c, err := paginate(f.Definition.Type.Name(), items, args)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// collaborators: permission is the highest role; permissionSources lists
// every source, with permission folded to ADMIN/WRITE/READ and the exact
// role in roleName.
func (e *gqlExec) collaborators(r *repo, args map[string]any) (any, *resolveErr) {
	aff, _ := args["affiliation"].(string)
	if aff == "" {
		aff = "ALL"
	}
	users := e.s.st.repoUsers(r, strings.ToLower(aff))
	login, _ := args["login"].(string)
	query, _ := args["query"].(string)
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
	c, err := paginate("RepositoryCollaboratorConnection", items, args)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (e *gqlExec) bprField(b *bprNode, f *ast.Field, args map[string]any) (any, *resolveErr) {
	p := b.r.protection[b.branch]
	if p == nil {
		return nil, nil
	}
	rsc, rpr := p.RequiredStatusChecks, p.RequiredPullRequestReviews
	switch f.Name {
	case "id":
		return nodeID("BranchProtectionRule", b.r.protIDs[b.branch]), nil
	case "databaseId":
		return b.r.protIDs[b.branch], nil
	case "pattern":
		return b.branch, nil
	case "isAdminEnforced":
		return p.EnforceAdmins, nil
	case "requiresStatusChecks":
		return rsc != nil, nil
	case "requiresStrictStatusChecks":
		return rsc != nil && rsc.Strict, nil
	case "requiredStatusChecks":
		out := []any{}
		if rsc != nil {
			for _, ch := range rsc.Checks {
				var a any
				if ch.AppID > 0 {
					a = e.appByID(ch.AppID)
				}
				out = append(out, &gvalue{typ: "RequiredStatusCheckDescription", m: map[string]any{"context": ch.Context, "app": a}})
			}
		}
		return out, nil
	case "requiredStatusCheckContexts":
		if rsc == nil {
			return []string{}, nil
		}
		return rsc.contexts(), nil
	case "requiresApprovingReviews":
		return rpr != nil, nil
	case "requiredApprovingReviewCount":
		if rpr == nil {
			return nil, nil
		}
		return rpr.RequiredApprovingReviewCount, nil
	case "requiresCodeOwnerReviews":
		return rpr != nil && rpr.RequireCodeOwnerReviews, nil
	case "dismissesStaleReviews":
		return rpr != nil && rpr.DismissStaleReviews, nil
	case "requireLastPushApproval":
		return rpr != nil && rpr.RequireLastPushApproval, nil
	case "restrictsReviewDismissals":
		return rpr != nil && rpr.DismissalRestrictions != nil, nil
	case "allowsForcePushes":
		return p.AllowForcePushes, nil
	case "allowsDeletions":
		return p.AllowDeletions, nil
	case "restrictsPushes":
		return p.Restrictions != nil, nil
	case "lockBranch":
		return p.LockBranch, nil
	case "requiresLinearHistory":
		return p.RequiredLinearHistory, nil
	case "requiresCommitSignatures":
		return p.RequiredSignatures, nil
	case "requiresConversationResolution":
		return p.RequiredConversationResolution, nil
	case "blocksCreations":
		return p.BlockCreations, nil
	case "repository":
		return b.r, nil
	case "matchingRefs":
		var items []connItem
		for _, br := range b.r.branches {
			if globMatch(b.branch, br) {
				items = append(items, connItem{node: &gRef{r: b.r, name: br}})
			}
		}
		return e.page(f, items, args)
	}
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field BranchProtectionRule." + f.Name}
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
	case "id":
		return nodeID("RepositoryRuleset", x.id), nil
	case "databaseId":
		return x.id, nil
	case "name":
		return x.def.Name, nil
	case "enforcement":
		return upper(x.def.Enforcement), nil
	case "target":
		return upper(x.def.Target), nil
	case "source":
		if x.repo != nil {
			return x.repo, nil
		}
		return x.org, nil
	case "createdAt", "updatedAt":
		return ts(x.created), nil
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
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field RepositoryRuleset." + f.Name}
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
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field RepositoryRule." + f.Name}
}

var repoRoleNames = map[int64]string{1: "read", 2: "maintain", 3: "triage", 4: "write", 5: "admin"}

func (e *gqlExec) bypassField(b *gBypass, f *ast.Field) (any, *resolveErr) {
	a := b.x.def.BypassActors[b.i]
	switch f.Name {
	case "id":
		return nodeID("RepositoryRulesetBypassActor", b.x.id*1000+int64(b.i)), nil
	case "actor":
		switch a.ActorType {
		case "Integration":
			return e.appByID(a.ActorID), nil
		case "Team":
			if t := e.s.st.teamsByID[a.ActorID]; t != nil {
				return t, nil
			}
		}
		return nil, nil
	case "bypassMode":
		if a.BypassMode == "" {
			return "ALWAYS", nil
		}
		return upper(a.BypassMode), nil
	case "deployKey":
		return a.ActorType == "DeployKey", nil
	case "enterpriseOwner":
		return false, nil
	case "organizationAdmin":
		return a.ActorType == "OrganizationAdmin", nil
	case "repositoryRoleDatabaseId":
		if a.ActorType == "RepositoryRole" {
			return a.ActorID, nil
		}
		return nil, nil
	case "repositoryRoleName":
		if a.ActorType == "RepositoryRole" {
			return repoRoleNames[a.ActorID], nil
		}
		return nil, nil
	case "repositoryRuleset":
		return b.x, nil
	}
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field RepositoryRulesetBypassActor." + f.Name}
}

func (e *gqlExec) orgField(o *org, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch f.Name {
	case "id":
		return nodeID("Organization", o.id), nil
	case "databaseId":
		return o.id, nil
	case "login":
		return o.login, nil
	case "name":
		if o.name == "" {
			return o.login, nil
		}
		return o.name, nil
	case "url":
		return e.c.htmlBase() + "/" + o.login, nil
	case "repositories":
		list := make([]*repo, 0, len(o.repoOrder))
		arch, hasArch := args["isArchived"].(bool)
		priv, _ := args["privacy"].(string)
		vis, _ := args["visibility"].(string)
		for _, r := range o.repoOrder {
			if !e.s.canSeeRepo(e.c.id, r) || hasArch && r.archived != arch ||
				priv != "" && upper(r.visibility) != priv && !(priv == "PRIVATE" && r.private) ||
				vis != "" && upper(r.visibility) != vis {
				continue
			}
			list = append(list, r)
		}
		if ob, ok := args["orderBy"].(map[string]any); ok {
			field, _ := ob["field"].(string)
			dir, _ := ob["direction"].(string)
			if field == "NAME" {
				sort.SliceStable(list, func(i, j int) bool { return lower(list[i].name) < lower(list[j].name) })
			}
			if dir == "DESC" {
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
		query, _ := args["query"].(string)
		list := slices.Clone(o.teamOrder)
		sort.SliceStable(list, func(i, j int) bool { return lower(list[i].name) < lower(list[j].name) })
		var items []connItem
		for _, t := range list {
			if root && t.parent != nil || query != "" && !strings.Contains(lower(t.name+" "+t.slug), lower(query)) {
				continue
			}
			if len(logins) > 0 && !slices.ContainsFunc(logins, func(l any) bool { s, _ := l.(string); _, ok := t.members[lower(s)]; return ok }) {
				continue
			}
			items = append(items, connItem{node: t})
		}
		return e.page(f, items, args)
	case "membersWithRole":
		if err := e.needs("members"); err != nil {
			return nil, err
		}
		var items []connItem
		for _, m := range sortedMembers(o) {
			role := "MEMBER"
			if m.owner {
				role = "ADMIN"
			}
			items = append(items, connItem{node: m.user, edge: map[string]any{"role": role}})
		}
		return e.page(f, items, args)
	case "rulesets":
		if err := e.needs("organization_administration"); err != nil {
			return nil, err
		}
		return e.rulesetConn(f, o.rulesets, args)
	case "repository":
		name, _ := args["name"].(string)
		if r := o.repos[lower(name)]; r != nil && e.s.canSeeRepo(e.c.id, r) {
			return r, nil
		}
		return nil, nil
	case "team":
		slug, _ := args["slug"].(string)
		if err := e.needs("members"); err != nil {
			return nil, err
		}
		if t := o.teams[lower(slug)]; t != nil {
			return t, nil
		}
		return nil, nil
	}
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field Organization." + f.Name}
}

func (e *gqlExec) teamField(t *team, f *ast.Field, args map[string]any) (any, *resolveErr) {
	switch f.Name {
	case "id":
		return nodeID("Team", t.id), nil
	case "databaseId":
		return t.id, nil
	case "slug":
		return t.slug, nil
	case "name":
		return t.name, nil
	case "description":
		if t.description == "" {
			return nil, nil
		}
		return t.description, nil
	case "privacy":
		if t.privacy == "secret" {
			return "SECRET", nil
		}
		return "VISIBLE", nil
	case "combinedSlug":
		return t.org.login + "/" + t.slug, nil
	case "parentTeam":
		if t.parent == nil {
			return nil, nil
		}
		return t.parent, nil
	case "organization":
		return t.org, nil
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
		membership, _ := args["membership"].(string)
		role, _ := args["role"].(string)
		query, _ := args["query"].(string)
		var users []*user
		switch membership {
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
		query, _ := args["query"].(string)
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
	return nil, &resolveErr{typ: "INTERNAL", msg: "unknown field Team." + f.Name}
}
