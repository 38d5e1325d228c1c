package ghsim

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type ruleset struct {
	id      int64
	def     Ruleset
	org     *org
	repo    *repo // nil for an org ruleset
	created time.Time
}

func cloneRuleset(r Ruleset) Ruleset {
	out := r
	out.Include = slices.Clone(r.Include)
	out.Exclude = slices.Clone(r.Exclude)
	out.RepoInclude = slices.Clone(r.RepoInclude)
	out.RepoExclude = slices.Clone(r.RepoExclude)
	out.BypassActors = slices.Clone(r.BypassActors)
	out.Rules = make([]Rule, len(r.Rules))
	for i, x := range r.Rules {
		out.Rules[i] = Rule{Type: x.Type, Parameters: cloneAnyMap(x.Parameters)}
	}
	return out
}

func cloneAnyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneAny(v)
	}
	return out
}

func cloneAny(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneAnyMap(x)
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = cloneAny(x[i])
		}
		return out
	}
	return v
}

var globCache sync.Map

// globMatch is fnmatch as rulesets use it: "*" stops at "/", "**" does not.
func globMatch(pattern, s string) bool {
	if v, ok := globCache.Load(pattern); ok {
		return v.(*regexp.Regexp).MatchString(s)
	}
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		ch := pattern[i]
		switch ch {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	globCache.Store(pattern, re)
	return re.MatchString(s)
}

// refMatches applies ref_name conditions to a branch of r.
func (x *ruleset) refMatches(r *repo, branch string) bool {
	ref := "refs/heads/" + branch
	m := func(p string) bool {
		switch p {
		case "~ALL":
			return true
		case "~DEFAULT_BRANCH":
			return branch == r.defaultBranch
		}
		return globMatch(p, ref)
	}
	return matches(x.def.Include, x.def.Exclude, false, m)
}

// repoMatches applies an org ruleset's repository_name conditions.
func (x *ruleset) repoMatches(r *repo) bool {
	if x.repo != nil {
		return x.repo == r
	}
	if x.org != r.org {
		return false
	}
	m := func(p string) bool { return p == "~ALL" || globMatch(lower(p), lower(r.name)) }
	return matches(x.def.RepoInclude, x.def.RepoExclude, true, m)
}

// matches is a ruleset condition: some include pattern matches (none at
// all, where noneIsAll, matches everything) and no exclude pattern does.
func matches(include, exclude []string, noneIsAll bool, m func(string) bool) bool {
	if !(noneIsAll && len(include) == 0) && !slices.ContainsFunc(include, m) {
		return false
	}
	return !slices.ContainsFunc(exclude, m)
}

func (x *ruleset) source() (typ, name string) {
	if x.repo != nil {
		return "Repository", x.repo.fullName()
	}
	return "Organization", x.org.login
}

func strs(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func (c *ctx) rulesetJSON(x *ruleset, full bool) map[string]any {
	typ, src := x.source()
	self := c.base() + "/orgs/" + x.org.login + "/rulesets/" + itoa(x.id)
	html := c.htmlBase() + "/organizations/" + x.org.login + "/settings/rules/" + itoa(x.id)
	if x.repo != nil {
		self = c.base() + "/repos/" + x.repo.fullName() + "/rulesets/" + itoa(x.id)
		html = c.htmlBase() + "/" + x.repo.fullName() + "/rules/" + itoa(x.id)
	}
	m := map[string]any{
		"id": x.id, "name": x.def.Name, "target": x.def.Target, "source_type": typ, "source": src,
		"enforcement": x.def.Enforcement, "node_id": nodeID("RepositoryRuleset", x.id),
		"_links":     map[string]any{"self": map[string]any{"href": self}, "html": map[string]any{"href": html}},
		"created_at": ts(x.created), "updated_at": ts(x.created), "current_user_can_bypass": "never",
	}
	if !full {
		return m
	}
	actors := []any{}
	for _, a := range x.def.BypassActors {
		mode := cmp.Or(a.BypassMode, "always")
		var id any = a.ActorID
		if a.ActorType == "OrganizationAdmin" && a.ActorID == 0 {
			id = nil
		}
		actors = append(actors, map[string]any{"actor_id": id, "actor_type": a.ActorType, "bypass_mode": mode})
	}
	// GitHub returns bypass_actors only to a token with write access to
	// the ruleset.
	if c.s.canWriteRuleset(c.id, x) {
		m["bypass_actors"] = actors
	}
	cond := map[string]any{"ref_name": map[string]any{"include": strs(x.def.Include), "exclude": strs(x.def.Exclude)}}
	if x.repo == nil {
		cond["repository_name"] = map[string]any{"include": strs(x.def.RepoInclude), "exclude": strs(x.def.RepoExclude), "protected": x.def.RepoProtected}
	}
	m["conditions"] = cond
	m["rules"] = each(x.def.Rules, func(r Rule) any { return ruleJSON(r) })
	return m
}

func ruleJSON(r Rule) map[string]any {
	m := map[string]any{"type": r.Type}
	if r.Parameters != nil {
		m["parameters"] = cloneAnyMap(r.Parameters)
	}
	return m
}

// repoRulesets returns the rulesets that apply to r: its own and, with
// parents, the org's whose repository conditions match.
func repoRulesets(r *repo, parents bool) []*ruleset {
	out := slices.Clone(r.rulesets)
	if parents {
		for _, x := range r.org.rulesets {
			if x.repoMatches(r) {
				out = append(out, x)
			}
		}
	}
	slices.SortFunc(out, func(a, b *ruleset) int { return int(a.id - b.id) })
	return out
}

func (c *ctx) rulesetsPage(list []*ruleset) {
	c.json(http.StatusOK, paged(c, list, func(x *ruleset) any { return c.rulesetJSON(x, false) }))
}

func hRepoRulesets(c *ctx, r *repo) {
	c.rulesetsPage(repoRulesets(r, c.r.URL.Query().Get("includes_parents") != "false"))
}

func hRepoRuleset(c *ctx, r *repo) {
	if x := c.pathRuleset(repoRulesets(r, c.r.URL.Query().Get("includes_parents") != "false")); x != nil {
		c.json(http.StatusOK, c.rulesetJSON(x, true))
	}
}

// pathRuleset is the ruleset of the path's ruleset_id in list (404 if none).
func (c *ctx) pathRuleset(list []*ruleset) *ruleset {
	id, _ := strconv.ParseInt(c.pv("ruleset_id"), 10, 64)
	if i := slices.IndexFunc(list, func(x *ruleset) bool { return x.id == id }); i >= 0 {
		return list[i]
	}
	c.notFound()
	return nil
}

func hOrgRulesets(c *ctx, o *org) {
	c.rulesetsPage(o.rulesets)
}

func hOrgRuleset(c *ctx, o *org) {
	if x := c.pathRuleset(o.rulesets); x != nil {
		c.json(http.StatusOK, c.rulesetJSON(x, true))
	}
}

// hBranchRules lists the active rules for a branch from every ruleset that
// targets it, each tagged with its ruleset.
func hBranchRules(c *ctx, r *repo) {
	branch := c.pv("branch")
	var out []any
	for _, x := range repoRulesets(r, true) {
		if x.def.Enforcement != "active" || x.def.Target != "branch" || !x.refMatches(r, branch) {
			continue
		}
		typ, src := x.source()
		for _, rule := range x.def.Rules {
			m := ruleJSON(rule)
			m["ruleset_source_type"], m["ruleset_source"], m["ruleset_id"] = typ, src, x.id
			out = append(out, m)
		}
	}
	c.json(http.StatusOK, paged(c, out, func(m any) any { return m }))
}
