package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// ReadOptions say what ReadOrg reads.
type ReadOptions struct {
	// Repos are the repositories to read; nil reads every repository of
	// the org.
	Repos []string
	// Branches are branches whose protection matters, per repository,
	// besides the default branch.
	Branches map[string][]string
	// Audit also reads the org's App installations, each repository's
	// deploy keys and ruleset bypass actors. Without the permission for
	// them they are left nil.
	Audit bool
	// Narrow, with at most 20 Repos (and not Audit), reads only what a
	// plan of those repositories depends on, whatever the org's size:
	// the teams holding grants on them (each with its parents and its
	// children that inherit) and the teams in Teams, with their members;
	// the membership of the logins holding grants on them or named in
	// Logins. Every team of the org is listed (slug, parent), but the
	// members of the others are nil (not read), and Members holds only
	// the members among those logins (owners and the members of the teams
	// read included). What it reads of the repositories is what the full
	// read gives.
	Narrow bool
	Teams  []string // team slugs whose members matter (the files name them)
	Logins []string // logins whose membership matters (the files name them)
}

// ReadOrg reads an org's actual state: base role, owners, members, teams
// and, for each repository, direct user grants with their exact role,
// invitations, team grants, branch protection and rulesets.
//
// A repository that does not exist comes back with NotFound; one whose
// read failed after retries with ReadError, and the others go on. A
// failure of what every repository depends on (the org, its members or
// teams) fails the whole read.
func (c *Client) ReadOrg(ctx context.Context, org string, opts ReadOptions) (*state.Org, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, err
	}
	r := newOrgReader(c, cn, org, opts)
	o, err := r.read(ctx)
	if err != nil && isUnsupported(err) {
		c.logf("ghapi: %v; reading %s through the REST API instead (slower, and a direct grant below a team's role cannot be told apart: such roles are marked %q)", err, org, AmbiguousRoleName)
		o, err = c.readOrgREST(ctx, cn, org, opts)
	}
	if err == nil {
		c.rememberMembers(o)
	}
	return o, err
}

// orgReader is one ReadOrg run.
type orgReader struct {
	c    *Client
	cn   *conn
	org  string
	opts ReadOptions
	sem  chan struct{}

	mu        sync.Mutex
	repos     map[string]*repoRead // by lower-case name
	order     []*repoRead
	done      int
	total     int
	wg        sync.WaitGroup
	fatal     error
	notes     []string
	custom    map[string]role.Role
	customMu  sync.Mutex
	customOK  bool
	narrow    bool // see ReadOptions.Narrow
	freePlan  bool // the org's plan has no branch protection for private repositories
	planKnown bool // GitHub showed the plan (owners, Apps with the organization plan permission)
}

// repoRead collects one repository's parts.
type repoRead struct {
	repo     *state.Repo
	missing  map[string]bool // requested branches that do not exist
	rules    []*gqlRule
	rulesets []*gqlRulesetHead
	failed   []string
	// outside are the repository's outside collaborators (narrow reads);
	// outsideRead: the list is whole.
	outside     []string
	outsideRead bool
}

func (rr *repoRead) fail(format string, args ...any) {
	rr.failed = append(rr.failed, redact(fmt.Sprintf(format, args...)))
}

func newOrgReader(c *Client, cn *conn, org string, opts ReadOptions) *orgReader {
	return &orgReader{c: c, cn: cn, org: org, opts: opts, sem: make(chan struct{}, c.opts.ReadConcurrency), repos: map[string]*repoRead{}}
}

// call runs fn holding one of the ReadConcurrency slots.
func (r *orgReader) call(ctx context.Context, fn func() error) error {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.sem }()
	return fn()
}

// query runs one GraphQL query holding a ReadConcurrency slot.
func (r *orgReader) query(ctx context.Context, name, query string, vars map[string]any) (res *gqlResult, err error) {
	err = r.call(ctx, func() (err error) {
		res, err = r.cn.graphql(ctx, name, query, vars)
		return err
	})
	return res, err
}

// queryAll is query where any error in the answer fails it.
func (r *orgReader) queryAll(ctx context.Context, name, query string, vars map[string]any) (*gqlResult, error) {
	res, err := r.query(ctx, name, query, vars)
	if err == nil && len(res.Errors) > 0 {
		return nil, gqlFailure("GraphQL "+name, res.Errors)
	}
	return res, err
}

// listIn pages a REST list holding a ReadConcurrency slot.
func listIn[T any](ctx context.Context, r *orgReader, path string) (list []T, err error) {
	err = r.call(ctx, func() (err error) {
		list, err = listAll[T](ctx, r.cn, path)
		return err
	})
	return list, err
}

func (r *orgReader) setFatal(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal == nil {
		r.fatal = err
	}
}

func (r *orgReader) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.notes = append(r.notes, msg)
	r.mu.Unlock()
	r.c.logf("ghapi: %s", msg)
}

func (r *orgReader) read(ctx context.Context) (*state.Org, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	o := r.newOrg()
	// The org itself first: a missing org or missing access fails here
	// with one clear error rather than once per repository.
	if err := r.call(ctx, func() error { return r.readOrgInfo(ctx, o) }); err != nil {
		return nil, err
	}
	r.narrow = r.opts.Narrow && !r.opts.Audit && r.opts.Repos != nil && len(dedupeFold(r.opts.Repos)) <= narrowMaxRepos
	teams, membersTotal, err := r.readFirstPhase(ctx, cancel, o)
	if err != nil {
		return nil, err
	}
	var rules map[string]*gqlRulesetRules
	if r.narrow {
		// Only the teams and logins these repositories concern.
		if rules, err = r.narrowOrg(ctx, o, teams, membersTotal); err != nil {
			return nil, err
		}
	}
	// Second phase: do the requested branches exist? And the rules of the
	// active branch rulesets, once each.
	if err := r.checkBranches(ctx); err != nil {
		return nil, err
	}
	if rules == nil {
		if rules, err = r.readRulesetRules(ctx); err != nil {
			return nil, err
		}
	}
	r.probeProtectionOffered(ctx)
	r.assemble(o, r.addTeams(o, teams), rules)
	o.Sort()
	return o, nil
}

// newOrg is an org with nothing read yet (empty lists, not nil).
func (r *orgReader) newOrg() *state.Org {
	return &state.Org{Name: r.org, Owners: []string{}, Members: []string{}, Teams: []*state.Team{}, Repos: []*state.Repo{}, ReadAt: r.c.now().UTC()}
}

// newRepo is a repository with nothing read yet (empty lists, not nil).
func (r *orgReader) newRepo(name string) *state.Repo {
	return &state.Repo{Org: r.org, Name: name, Users: []state.UserGrant{}, Invitations: []state.Invitation{}, Teams: []state.TeamGrant{}, Protection: []state.BranchProtection{}}
}

// readFirstPhase reads at once the org's owners, its members and teams
// (a narrow read: only the teams' grants on its repositories, and the
// member count) and the repositories. The first failure cancels the rest.
func (r *orgReader) readFirstPhase(ctx context.Context, cancel context.CancelFunc, o *state.Org) (teams []*gqlTeam, membersTotal int, err error) {
	var wg sync.WaitGroup
	task := func(fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				r.setFatal(err)
				cancel()
			}
		}()
	}
	orgPath := "orgs/" + pathSeg(r.org)
	if !r.narrow {
		task(func() (err error) { o.Members, err = r.logins(ctx, orgPath+"/members"); return err })
	}
	task(func() (err error) { o.Owners, err = r.logins(ctx, orgPath+"/members?role=admin"); return err })
	if !r.narrow {
		task(func() (err error) { teams, err = r.readTeams(ctx); return err })
	}
	if r.opts.Audit {
		task(func() error { o.Installations = r.readInstallations(ctx); return nil })
	}
	switch names := dedupeFold(r.opts.Repos); {
	case r.narrow:
		// One query for the repositories and the first page of teams.
		r.total = len(names)
		task(func() error {
			pre, err := r.readBatchNarrow(ctx, names)
			if err != nil {
				return err
			}
			teams, membersTotal, err = r.readTeamsFor(ctx, names, pre)
			return err
		})
	case r.opts.Repos == nil:
		task(func() error { return r.listRepos(ctx) })
	default:
		r.total = len(names)
		idx := indexes(len(names))
		for start := 0; start < len(idx); start += repoBatchSize {
			batch := idx[start:min(start+repoBatchSize, len(idx))]
			task(func() error { return r.readBatch(ctx, names, batch) })
		}
	}
	wg.Wait()
	r.wg.Wait() // per-repository tasks started by the batches
	if r.fatal != nil {
		return nil, 0, r.fatal
	}
	return teams, membersTotal, ctx.Err()
}

// indexes is 0, 1, … n-1.
func indexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// addTeams adds the teams read to o and returns each repository's team
// grants (by lower-case name), with what a team inherits.
func (r *orgReader) addTeams(o *state.Org, teams []*gqlTeam) map[string][]state.TeamGrant {
	teamGrants := map[string][]state.TeamGrant{}
	parentOf := map[string]string{}
	for _, t := range teams {
		st := r.stateTeam(t)
		o.Teams = append(o.Teams, st)
		parentOf[strings.ToLower(t.Slug)] = strings.ToLower(st.Parent)
		if t.Repositories != nil {
			for _, e := range t.Repositories.Edges {
				if e == nil || e.Node == nil {
					continue
				}
				ro, _ := role.FromAPI(e.Permission)
				key := strings.ToLower(e.Node.Name)
				teamGrants[key] = append(teamGrants[key], state.TeamGrant{Slug: t.Slug, Role: ro})
			}
		}
	}
	for key, grants := range teamGrants {
		teamGrants[key] = withInherited(grants, teams, parentOf)
	}
	return teamGrants
}

// stateTeam is one team read, its members once each (nil in a narrow
// read when no repository of the read concerns it: not read).
func (r *orgReader) stateTeam(t *gqlTeam) *state.Team {
	st := &state.Team{Slug: t.Slug, Name: t.Name, ID: t.DatabaseID, Members: []string{}}
	if t.ParentTeam != nil {
		st.Parent = t.ParentTeam.Slug
	}
	if t.Members == nil {
		if r.narrow {
			st.Members = nil
		}
		return st
	}
	for _, m := range t.Members.Nodes {
		if m != nil && m.Login != "" {
			st.Members = append(st.Members, m.Login)
		}
	}
	st.Members = dedupeFold(st.Members)
	return st
}

// assemble adds the repositories read to o, each with its team grants,
// the protection of its branches that matter and its rulesets' rules.
func (r *orgReader) assemble(o *state.Org, teamGrants map[string][]state.TeamGrant, rules map[string]*gqlRulesetRules) {
	for _, rr := range r.order {
		repo := rr.repo
		o.Repos = append(o.Repos, repo)
		if repo.NotFound {
			continue
		}
		repo.Teams = append(repo.Teams, teamGrants[strings.ToLower(repo.Name)]...)
		r.assembleProtection(rr)
		for _, h := range rr.rulesets {
			if h == nil {
				continue
			}
			rs := h.ruleset()
			if h.needsRules() {
				if rr, ok := rules[h.ID]; ok {
					rr.applyRules(&rs)
				} else {
					rs.Incomplete = true
				}
			}
			repo.Rulesets = append(repo.Rulesets, rs)
		}
		if len(rr.failed) > 0 {
			repo.ReadError = strings.Join(rr.failed, "; ")
		}
	}
}

// readOrgInfo reads GET /orgs/{org}: the login's spelling and the base role.
func (r *orgReader) readOrgInfo(ctx context.Context, o *state.Org) error {
	var info struct {
		Login                        string  `json:"login"`
		DefaultRepositoryPermission  *string `json:"default_repository_permission"`
		MembersCanCreateRepositories *bool   `json:"members_can_create_repositories"`
		// Shown to owners (and installations on the org) only: nil
		// otherwise, which the state keeps as "cannot tell".
		TwoFactorRequirementEnabled *bool `json:"two_factor_requirement_enabled"`
		Plan                        *struct {
			Name string `json:"name"`
		} `json:"plan"`
	}
	_, err := r.cn.do(ctx, http.MethodGet, "orgs/"+pathSeg(r.org), nil, &info)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == KindNotFound {
			e.Message = fmt.Sprintf("the org %s does not exist or these credentials cannot see it", r.org)
		}
		return err
	}
	if info.Login != "" {
		o.Name = info.Login
	}
	o.TwoFactorRequired = info.TwoFactorRequirementEnabled
	// The free plan offers branch protection on public repositories only
	// (GitHub answers 403 for a private one).
	r.freePlan = info.Plan != nil && strings.EqualFold(info.Plan.Name, "free")
	r.planKnown = info.Plan != nil
	if info.DefaultRepositoryPermission == nil {
		// GitHub shows the base role only to owners and to Apps with the
		// organization administration permission.
		r.note("GitHub did not show the base role of %s (default_repository_permission); it is taken as none", r.org)
		o.BaseRole = role.None
		o.BaseRoleUnread = true
		return nil
	}
	br, ok := role.FromAPI(*info.DefaultRepositoryPermission)
	if !ok {
		r.note("unknown base role %q for %s; taken as none", *info.DefaultRepositoryPermission, r.org)
		o.BaseRoleUnread = true
	}
	o.BaseRole = br
	return nil
}

// logins lists the logins of a REST list of users.
func (r *orgReader) logins(ctx context.Context, path string) ([]string, error) {
	users, err := listIn[struct {
		Login string `json:"login"`
	}](ctx, r, path)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(users))
	for _, u := range users {
		if u.Login != "" {
			out = append(out, u.Login)
		}
	}
	return dedupeFold(out), nil
}

// readInstallations lists the org's App installations (audits only).
func (r *orgReader) readInstallations(ctx context.Context) []state.Installation {
	var out []state.Installation
	err := r.call(ctx, func() error {
		return eachPage(ctx, r.cn, "orgs/"+pathSeg(r.org)+"/installations", func(raw json.RawMessage) error {
			var page struct {
				Installations []struct {
					AppSlug             string            `json:"app_slug"`
					AppID               int64             `json:"app_id"`
					Permissions         map[string]string `json:"permissions"`
					RepositorySelection string            `json:"repository_selection"`
				} `json:"installations"`
			}
			if err := json.Unmarshal(raw, &page); err != nil {
				return err
			}
			for _, i := range page.Installations {
				out = append(out, state.Installation{AppSlug: i.AppSlug, AppID: i.AppID, Permissions: i.Permissions, RepositorySelection: i.RepositorySelection})
			}
			return nil
		})
	})
	if err != nil {
		r.note("could not list the App installations of %s: %v", r.org, err)
		return nil
	}
	if out == nil {
		out = []state.Installation{}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AppSlug < out[j].AppSlug })
	return out
}

// readTeams reads every team with its members and repository grants.
func (r *orgReader) readTeams(ctx context.Context) ([]*gqlTeam, error) {
	var teams []*gqlTeam
	after := ""
	for page := 0; ; page++ {
		vars := map[string]any{"org": r.org, "after": nullable(after)}
		res, err := r.queryAll(ctx, "OrgTeams", QueryOrgTeams, vars)
		if err != nil {
			return nil, err
		}
		var data struct {
			Teams *struct {
				PageInfo pageInfo   `json:"pageInfo"`
				Nodes    []*gqlTeam `json:"nodes"`
			} `json:"teams"`
		}
		ok, err := res.decodeField("organization", &data)
		if err != nil {
			return nil, &Error{Op: "GraphQL OrgTeams", Kind: KindOther, Message: err.Error()}
		}
		if !ok || data.Teams == nil {
			return nil, &Error{Op: "GraphQL OrgTeams", Kind: KindNotFound, Message: fmt.Sprintf("the org %s was not found", r.org)}
		}
		for _, t := range data.Teams.Nodes {
			if t != nil && t.Slug != "" {
				teams = append(teams, t)
			}
		}
		if !data.Teams.PageInfo.HasNextPage || data.Teams.PageInfo.EndCursor == "" || page > maxPages {
			break
		}
		after = data.Teams.PageInfo.EndCursor
	}
	// Teams with more than 100 members or repositories: page the rest,
	// the repositories of many teams per query (a warm run pays for
	// every GraphQL query: one per team and page was most of its cost).
	for _, t := range teams {
		if t.Members != nil && t.Members.PageInfo.HasNextPage {
			if err := r.moreTeamMembers(ctx, t); err != nil {
				return nil, err
			}
		}
	}
	if err := r.moreTeamsRepos(ctx, teams); err != nil {
		return nil, err
	}
	return teams, nil
}

// teamPagesPerQuery is the number of team repository pages read per
// TeamsRepositories query: one connection each, so 1 point.
const teamPagesPerQuery = 100

// moreTeamsRepos pages the repositories of every team that has more than
// one page, in rounds: each round reads the next page of up to
// teamPagesPerQuery teams in one query.
func (r *orgReader) moreTeamsRepos(ctx context.Context, teams []*gqlTeam) error {
	var pending []*gqlTeam
	for _, t := range teams {
		if t.Repositories != nil && t.Repositories.PageInfo.HasNextPage && t.Repositories.PageInfo.EndCursor != "" {
			pending = append(pending, t)
		}
	}
	return r.teamsRepositoriesFrom(ctx, pending)
}

// teamsRepositoriesFrom pages the repositories of teams from each one's
// Repositories.PageInfo.EndCursor ("" from the start) to the end.
func (r *orgReader) teamsRepositoriesFrom(ctx context.Context, pending []*gqlTeam) error {
	for round := 0; len(pending) > 0; round++ {
		if round > maxPages {
			return &Error{Op: "GraphQL TeamsRepositories", Kind: KindOther, Message: "too many pages"}
		}
		var next []*gqlTeam
		for start := 0; start < len(pending); start += teamPagesPerQuery {
			batch := pending[start:min(start+teamPagesPerQuery, len(pending))]
			vars := map[string]any{"org": r.org}
			for i, t := range batch {
				vars[fmt.Sprintf("s%d", i)] = t.Slug
				vars[fmt.Sprintf("a%d", i)] = nullable(t.Repositories.PageInfo.EndCursor)
			}
			res, err := r.queryAll(ctx, "TeamsRepositories", QueryTeamsRepositories(len(batch)), vars)
			if err != nil {
				return err
			}
			var data map[string]*struct {
				Slug         string        `json:"slug"`
				Repositories *teamRepoConn `json:"repositories"`
			}
			if _, err := res.decodeField("organization", &data); err != nil {
				return &Error{Op: "GraphQL TeamsRepositories", Kind: KindOther, Message: err.Error()}
			}
			for i, t := range batch {
				got := data[fmt.Sprintf("t%d", i)]
				if got == nil || got.Repositories == nil {
					return &Error{Op: "GraphQL TeamsRepositories", Kind: KindNotFound, Message: "team " + t.Slug + " disappeared during the read"}
				}
				t.Repositories.Edges = append(t.Repositories.Edges, got.Repositories.Edges...)
				t.Repositories.PageInfo = got.Repositories.PageInfo
				if got.Repositories.PageInfo.HasNextPage && got.Repositories.PageInfo.EndCursor != "" {
					next = append(next, t)
				}
			}
		}
		pending = next
	}
	return nil
}

func (r *orgReader) moreTeamMembers(ctx context.Context, t *gqlTeam) error {
	after := t.Members.PageInfo.EndCursor
	for page := 0; after != "" && page < maxPages; page++ {
		res, err := r.queryAll(ctx, "TeamMembers", QueryTeamMembers, map[string]any{"org": r.org, "slug": t.Slug, "after": after})
		if err != nil {
			return err
		}
		var data struct {
			Team *gqlTeam `json:"team"`
		}
		if _, err := res.decodeField("organization", &data); err != nil {
			return &Error{Op: "GraphQL TeamMembers", Kind: KindOther, Message: err.Error()}
		}
		if data.Team == nil || data.Team.Members == nil {
			return &Error{Op: "GraphQL TeamMembers", Kind: KindNotFound, Message: "team " + t.Slug + " disappeared during the read"}
		}
		t.Members.Nodes = append(t.Members.Nodes, data.Team.Members.Nodes...)
		if !data.Team.Members.PageInfo.HasNextPage {
			break
		}
		after = data.Team.Members.PageInfo.EndCursor
	}
	return nil
}

// listRepos pages through every repository of the org, 49 at a time with
// all their fields, handing each page's repositories on at once.
func (r *orgReader) listRepos(ctx context.Context) error {
	after := ""
	size := repoBatchSize
	for page := 0; page < maxPages; page++ {
		res, err := r.query(ctx, "OrgRepos", QueryOrgRepos, map[string]any{"org": r.org, "first": size, "after": nullable(after)})
		if err != nil {
			// GitHub gives up on a query that takes over 10 s: ask for
			// fewer repositories a page.
			if k := KindOf(err); size > 1 && (k == KindServer || k == KindGraphQL || k == KindNetwork) && ctx.Err() == nil {
				size /= 2
				r.note("reading the repositories of %s %d at a time after: %v", r.org, size, err)
				page--
				continue
			}
			return err
		}
		var data struct {
			Repositories *struct {
				TotalCount int        `json:"totalCount"`
				PageInfo   pageInfo   `json:"pageInfo"`
				Nodes      []*gqlRepo `json:"nodes"`
			} `json:"repositories"`
		}
		ok, derr := res.decodeField("organization", &data)
		if derr != nil {
			return &Error{Op: "GraphQL OrgRepos", Kind: KindOther, Message: derr.Error()}
		}
		if !ok || data.Repositories == nil {
			if len(res.Errors) > 0 {
				return gqlFailure("GraphQL OrgRepos", res.Errors)
			}
			return &Error{Op: "GraphQL OrgRepos", Kind: KindNotFound, Message: fmt.Sprintf("the org %s was not found", r.org)}
		}
		r.mu.Lock()
		r.total = data.Repositories.TotalCount
		r.mu.Unlock()
		// Errors inside one repository's fields: re-read those repositories
		// on their own (by name, aliased), so one bad repository does not
		// spoil the page.
		bad := map[int]bool{}
		for _, e := range res.Errors {
			if i, ok := nodeIndex(e.Path); ok {
				bad[i] = true
			} else {
				return gqlFailure("GraphQL OrgRepos", res.Errors)
			}
		}
		var retry []string
		for i, g := range data.Repositories.Nodes {
			if g == nil || g.Name == "" {
				continue
			}
			if bad[i] {
				retry = append(retry, g.Name)
				continue
			}
			r.accept(ctx, g.Name, g, nil)
		}
		if len(retry) > 0 {
			if err := r.readBatch(ctx, retry, indexes(len(retry))); err != nil {
				return err
			}
		}
		if !data.Repositories.PageInfo.HasNextPage || data.Repositories.PageInfo.EndCursor == "" {
			return nil
		}
		after = data.Repositories.PageInfo.EndCursor
	}
	return &Error{Op: "GraphQL OrgRepos", Kind: KindOther, Message: "too many pages"}
}

// nodeIndex finds i in an error path organization.repositories.nodes.i….
func nodeIndex(path []any) (int, bool) {
	for k := 0; k+1 < len(path); k++ {
		if s, ok := path[k].(string); ok && s == "nodes" {
			if f, ok := path[k+1].(float64); ok {
				return int(f), true
			}
		}
	}
	return 0, false
}

// readBatch reads named repositories by alias. A failure of the whole
// query splits the batch (GitHub times out heavy queries) down to single
// repositories, which then carry the error.
func (r *orgReader) readBatch(ctx context.Context, names []string, idx []int) error {
	name, query := "RepoBatch", QueryRepoBatch(idx)
	if r.narrow {
		name, query = "RepoBatchNarrow", QueryRepoBatchNarrow(idx)
	}
	res, err := r.query(ctx, name, query, r.batchVars(names, idx))
	if err != nil {
		if !splitHelps(ctx, err) {
			return err
		}
		if len(idx) > 1 {
			half := len(idx) / 2
			if err := r.readBatch(ctx, names, idx[:half]); err != nil {
				return err
			}
			return r.readBatch(ctx, names, idx[half:])
		}
		r.accept(ctx, names[idx[0]], nil, []string{err.Error()})
		return nil
	}
	r.acceptBatch(ctx, res, names, idx)
	return nil
}

// batchVars are the variables of a query of the repositories names[idx]:
// owner, and n<i> for each.
func (r *orgReader) batchVars(names []string, idx []int) map[string]any {
	vars := map[string]any{"owner": r.org}
	for _, i := range idx {
		vars[fmt.Sprintf("n%d", i)] = names[i]
	}
	return vars
}

// splitHelps tells whether a batch query that failed with err may pass
// in smaller batches (GitHub times out heavy queries).
func splitHelps(ctx context.Context, err error) bool {
	k := KindOf(err)
	return ctx.Err() == nil && !isUnsupported(err) && k != KindAuth && k != KindRateLimited
}

// acceptBatch takes a RepoBatch answer's repositories.
func (r *orgReader) acceptBatch(ctx context.Context, res *gqlResult, names []string, idx []int) {
	// Errors not tied to one alias taint the whole batch.
	var general []string
	for _, e := range res.Errors {
		if e.top() == "" || e.top() == "rateLimit" {
			general = append(general, e.Message)
		}
	}
	for _, i := range idx {
		alias := fmt.Sprintf("r%d", i)
		errs := res.errorsFor(alias)
		var g gqlRepo
		ok, derr := res.decodeField(alias, &g)
		switch {
		case derr != nil:
			r.accept(ctx, names[i], nil, []string{derr.Error()})
		case !ok && (len(errs) == 0 || allType(errs, "NOT_FOUND")):
			r.notFound(names[i])
		case !ok || len(errs) > 0 || len(general) > 0:
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.pathString()+": "+e.Message)
			}
			msgs = append(msgs, general...)
			r.accept(ctx, names[i], nil, msgs)
		default:
			r.accept(ctx, names[i], &g, nil)
		}
	}
}

func allType(errs []gqlError, t string) bool {
	for _, e := range errs {
		if e.Type != t {
			return false
		}
	}
	return true
}

func (r *orgReader) notFound(name string) {
	rr := &repoRead{repo: &state.Repo{Org: r.org, Name: name, NotFound: true}}
	r.mu.Lock()
	r.register(rr)
	r.mu.Unlock()
	r.progressed()
}

// register adds a repository once (called with mu held).
func (r *orgReader) register(rr *repoRead) bool {
	key := strings.ToLower(rr.repo.Name)
	if _, dup := r.repos[key]; dup {
		return false
	}
	r.repos[key] = rr
	r.order = append(r.order, rr)
	return true
}

func (r *orgReader) progressed() {
	r.mu.Lock()
	defer r.mu.Unlock() // held across the call: Done only grows
	r.done++
	r.c.progress(Progress{Org: r.org, Phase: "repositories", Done: r.done, Total: r.total})
}

// accept takes one repository's GraphQL data (or its failure) and starts
// the rest of its read: follow-up pages, invitations, deploy keys.
func (r *orgReader) accept(ctx context.Context, name string, g *gqlRepo, failed []string) {
	repo := r.newRepo(name)
	rr := &repoRead{repo: repo, failed: failed}
	if g != nil && g.OutsideCollaborators != nil {
		for _, n := range g.OutsideCollaborators.Nodes {
			if n != nil && n.Login != "" {
				rr.outside = append(rr.outside, n.Login)
			}
		}
		rr.outsideRead = !g.OutsideCollaborators.PageInfo.HasNextPage
	}
	if g != nil {
		repo.Name = g.Name
		repo.ID = g.DatabaseID
		repo.Archived = g.IsArchived
		repo.Disabled = g.IsDisabled
		repo.Private = g.IsPrivate
		repo.ProtectionUnavailable = g.IsPrivate && r.freePlan
		repo.Visibility = strings.ToLower(g.Visibility)
		if repo.Visibility == "" {
			repo.Visibility = "public"
			if g.IsPrivate {
				repo.Visibility = "private"
			}
		}
		if g.DefaultBranchRef != nil {
			repo.DefaultBranch = g.DefaultBranchRef.Name
		}
	}
	r.mu.Lock()
	fresh := r.register(rr)
	r.mu.Unlock()
	if !fresh {
		return
	}
	if g == nil {
		r.progressed()
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.progressed()
		r.finish(ctx, rr, g)
	}()
}

// finish completes one repository: the pages after the first, its
// invitations and (audits) deploy keys.
func (r *orgReader) finish(ctx context.Context, rr *repoRead, g *gqlRepo) {
	repo := rr.repo
	if g.Collaborators == nil {
		rr.fail("GitHub did not list the collaborators")
	} else {
		edges := allPages(ctx, r, rr, g.Collaborators, (*collabConn).page, "RepoCollaborators", QueryRepoCollaborators, "collaborators", "collaborators")
		seen := map[string]int{}
		for _, e := range edges {
			ug, ok := e.directGrant(r.customRole(ctx))
			if !ok {
				continue
			}
			key := strings.ToLower(ug.Login)
			if i, dup := seen[key]; dup {
				if ug.Role > repo.Users[i].Role {
					repo.Users[i] = ug
				}
				continue
			}
			seen[key] = len(repo.Users)
			repo.Users = append(repo.Users, ug)
		}
	}
	if g.BranchProtectionRules == nil {
		rr.fail("GitHub did not list the branch protection rules")
	} else {
		rr.rules = allPages(ctx, r, rr, g.BranchProtectionRules, (*ruleConn).page, "RepoProtectionRules", QueryRepoProtectionRules, "branchProtectionRules", "branch protection rules")
	}
	if g.Rulesets != nil {
		rr.rulesets = allPages(ctx, r, rr, g.Rulesets, (*rulesetConn).page, "RepoRulesets", QueryRepoRulesets, "rulesets", "rulesets")
	}
	// Invitations exist only in REST.
	err := r.call(ctx, func() error {
		inv, err := r.c.listInvitations(ctx, r.cn, r.org, repo.Name)
		if err == nil {
			repo.Invitations = inv
		}
		return err
	})
	if err != nil {
		if KindOf(err) == KindNotFound {
			repo.NotFound = true
			rr.fail("the repository disappeared during the read")
		} else {
			rr.fail("invitations: %v", err)
		}
	}
	if r.opts.Audit {
		r.readDeployKeys(ctx, repo)
	}
}

// readDeployKeys lists a repository's deploy keys (audits only); a
// failure leaves them nil (not read), with a note.
func (r *orgReader) readDeployKeys(ctx context.Context, repo *state.Repo) {
	keys, err := listIn[struct {
		ID       int64  `json:"id"`
		Title    string `json:"title"`
		ReadOnly bool   `json:"read_only"`
	}](ctx, r, repoPath(r.org, repo.Name)+"/keys")
	if err != nil {
		r.note("could not list the deploy keys of %s/%s: %v", r.org, repo.Name, err)
		return
	}
	repo.DeployKeys = []state.DeployKey{}
	for _, k := range keys {
		repo.DeployKeys = append(repo.DeployKeys, state.DeployKey{ID: k.ID, Title: k.Title, ReadOnly: k.ReadOnly})
	}
}

// allPages is a connection of the repository read, first its first page
// (pageOf gives a page's items): the items of every page. A page after the first is one query op (its
// variables owner, name and after), the connection its repository's field;
// a failure there is the repository's, named by what.
func allPages[C, N any](ctx context.Context, r *orgReader, rr *repoRead, first *C, pageOf func(*C) ([]N, pageInfo), op, query, field, what string) []N {
	out, pi := pageOf(first)
	var more []N
	for page := 0; pi.HasNextPage && pi.EndCursor != "" && page < maxPages; page++ {
		res, err := r.queryAll(ctx, op, query, map[string]any{"owner": r.org, "name": rr.repo.Name, "after": pi.EndCursor})
		var data map[string]*C
		if err == nil {
			if ok, derr := res.decodeField("repository", &data); derr != nil || !ok || data[field] == nil {
				err = &Error{Op: "GraphQL " + op, Kind: KindOther, Message: "no " + field + " in the answer"}
			}
		}
		if err != nil {
			rr.fail("%s: %v", what, err)
			return out // the first page only
		}
		var items []N
		items, pi = pageOf(data[field])
		more = append(more, items...)
	}
	return append(out, more...)
}

// rulesetIDs lists the distinct active branch rulesets seen, sorted.
func (r *orgReader) rulesetIDs() []string {
	seen := map[string]bool{}
	var ids []string
	for _, rr := range r.order {
		for _, h := range rr.rulesets {
			if h != nil && h.needsRules() && !seen[h.ID] {
				seen[h.ID] = true
				ids = append(ids, h.ID)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// readRulesetRules reads the rules of every distinct active branch
// ruleset seen (org rulesets appear in each repository they cover).
func (r *orgReader) readRulesetRules(ctx context.Context) (map[string]*gqlRulesetRules, error) {
	ids := r.rulesetIDs()
	out := map[string]*gqlRulesetRules{}
	if len(ids) == 0 {
		return out, nil
	}
	size := rulesetBatchSize
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for start := 0; start < len(ids); start += size {
		batch := ids[start:min(start+size, len(ids))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes, hidden, err := r.rulesBatch(ctx, batch)
			nodes, err = r.takeRules(ctx, len(batch), nodes, hidden, err)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			for id, n := range nodes {
				out[id] = n
			}
		}()
	}
	wg.Wait()
	return out, firstErr
}

// takeRules judges the rules read for n rulesets: a failure that fails
// the read is returned; another leaves them without rules (marked
// incomplete), with a note.
func (r *orgReader) takeRules(ctx context.Context, n int, rules map[string]*gqlRulesetRules, hidden int, err error) (map[string]*gqlRulesetRules, error) {
	if hidden > 0 {
		r.note("GitHub did not show who may bypass %d rulesets (it shows bypass lists only to a token with write access to the ruleset): they count as bypassable by anyone", hidden)
	}
	switch {
	case err != nil && (isUnsupported(err) || ctx.Err() != nil):
		return nil, err
	case err != nil:
		r.note("could not read the rules of %d rulesets: %v", n, err)
		return map[string]*gqlRulesetRules{}, nil
	}
	return rules, nil
}

// rulesBatch reads the rules and bypass actors of up to 100 rulesets. A
// ruleset whose rules came with an error is left out (and will be marked
// incomplete). Bypass actors GitHub did not show (null, with or without
// an error: it hides them from a token without write access to the
// ruleset) leave the ruleset's bypass list unread; hidden counts them.
func (r *orgReader) rulesBatch(ctx context.Context, ids []string) (out map[string]*gqlRulesetRules, hidden int, err error) {
	const name = "RulesetRules"
	res, err := r.query(ctx, name, QueryRulesetRules, map[string]any{"ids": ids})
	if err != nil {
		return nil, 0, err
	}
	return parseRules(res, name)
}

// parseRules reads the nodes of a RulesetRules answer. Errors under
// "organization" (the team part of a narrow read's TeamsMembersRules) are
// the caller's.
func parseRules(res *gqlResult, name string) (out map[string]*gqlRulesetRules, hidden int, err error) {
	var nodes []*gqlRulesetRules
	if _, err := res.decodeField("nodes", &nodes); err != nil {
		return nil, 0, &Error{Op: "GraphQL " + name, Kind: KindOther, Message: err.Error()}
	}
	bad := map[int]bool{}
	noBypass := map[int]bool{}
	for _, e := range res.Errors {
		if e.top() == "organization" {
			continue
		}
		if len(e.Path) >= 2 {
			if f, ok := e.Path[1].(float64); ok {
				if len(e.Path) >= 3 && e.Path[2] == "bypassActors" {
					noBypass[int(f)] = true
				} else {
					bad[int(f)] = true
				}
				continue
			}
		}
		return nil, 0, gqlFailure("GraphQL "+name, res.Errors)
	}
	out = map[string]*gqlRulesetRules{}
	for i, n := range nodes {
		if n == nil || n.ID == "" || bad[i] {
			continue
		}
		if noBypass[i] {
			n.BypassActors = nil
		}
		n.bypassRead = n.BypassActors != nil && !n.BypassActors.PageInfo.HasNextPage
		if n.BypassActors == nil {
			hidden++
		}
		out[n.ID] = n
	}
	return out, hidden, nil
}

// checkBranches finds which requested branches (besides the default
// branch, which exists) are missing, in batches of cheap ref lookups.
func (r *orgReader) checkBranches(ctx context.Context) error {
	var refs []branchWant
	for _, rr := range r.order {
		if rr.repo.NotFound || len(rr.failed) > 0 {
			continue
		}
		for _, b := range r.branchesFor(rr.repo) {
			if b != rr.repo.DefaultBranch {
				refs = append(refs, branchWant{rr, b})
			}
		}
	}
	const perQuery = 100
	var wg sync.WaitGroup
	var mu sync.Mutex // guards the repoReads and firstErr
	var firstErr error
	for start := 0; start < len(refs); start += perQuery {
		batch := refs[start:min(start+perQuery, len(refs))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.checkBranchBatch(ctx, batch, &mu); err != nil {
				mu.Lock()
				defer mu.Unlock()
				if firstErr == nil {
					firstErr = err
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// branchWant is a branch whose existence matters.
type branchWant struct {
	rr     *repoRead
	branch string
}

// checkBranchBatch looks up up to 100 branches in one query (through REST
// one by one where GraphQL lacks it). Only a cancelled read fails it: the
// other failures are the repositories'.
func (r *orgReader) checkBranchBatch(ctx context.Context, batch []branchWant, mu *sync.Mutex) error {
	vars := map[string]any{"owner": r.org}
	repoIdx := map[*repoRead]int{}
	var list []BranchRef
	for j, w := range batch {
		i, ok := repoIdx[w.rr]
		if !ok {
			i = len(repoIdx)
			repoIdx[w.rr] = i
			vars[fmt.Sprintf("n%d", i)] = w.rr.repo.Name
		}
		vars[fmt.Sprintf("b%d", j)] = "refs/heads/" + w.branch
		list = append(list, BranchRef{Repo: i, Branch: j})
	}
	res, err := r.query(ctx, "BranchRefs", QueryBranchRefs(list), vars)
	if isUnsupported(err) {
		// Ref lookups are plain REST calls too: only these branches, not
		// the whole read, need another way.
		for _, w := range batch {
			var missing bool
			err := r.call(ctx, func() error {
				_, err := r.cn.do(ctx, http.MethodGet, repoPath(r.org, w.rr.repo.Name)+"/branches/"+pathSeg(w.branch), nil, nil)
				if KindOf(err) == KindNotFound {
					missing, err = true, nil
				}
				return err
			})
			mu.Lock()
			w.outcome(err, missing)
			mu.Unlock()
		}
		return nil
	}
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		for _, w := range batch {
			w.outcome(err, false)
		}
		return nil
	}
	for j, w := range batch {
		alias := fmt.Sprintf("r%d", repoIdx[w.rr])
		var refs map[string]json.RawMessage
		ok, derr := res.decodeField(alias, &refs)
		if derr != nil || !ok || len(res.errorsFor(alias)) > 0 {
			w.rr.fail("could not check that branch %s exists", w.branch)
			continue
		}
		v := refs[fmt.Sprintf("b%d", j)]
		w.outcome(nil, len(v) == 0 || string(v) == "null")
	}
	return nil
}

// outcome records what a branch lookup found (called with the lock held).
func (w branchWant) outcome(err error, missing bool) {
	switch {
	case err != nil:
		w.rr.fail("could not check that branch %s exists: %v", w.branch, err)
	case missing:
		if w.rr.missing == nil {
			w.rr.missing = map[string]bool{}
		}
		w.rr.missing[w.branch] = true
	}
}

// assembleProtection resolves the protection of the branches that matter.
func (r *orgReader) assembleProtection(rr *repoRead) {
	repo := rr.repo
	branches := r.branchesFor(repo)
	for _, b := range branches {
		if rr.missing[b] {
			repo.Protection = append(repo.Protection, state.BranchProtection{Branch: b, Missing: true})
			continue
		}
		if rule := matchRule(rr.rules, b); rule != nil {
			repo.Protection = append(repo.Protection, rule.protection(b))
		} else {
			repo.Protection = append(repo.Protection, state.BranchProtection{Branch: b})
		}
	}
}

// branchesFor is the default branch plus the requested ones, once each.
func (r *orgReader) branchesFor(repo *state.Repo) []string {
	var out []string
	seen := map[string]bool{}
	add := func(b string) {
		if b != "" && !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	add(repo.DefaultBranch)
	for name, bs := range r.opts.Branches {
		if strings.EqualFold(name, repo.Name) {
			for _, b := range bs {
				add(b)
			}
		}
	}
	return out
}

// customRole maps an Enterprise custom repository role to its base role,
// reading the org's custom roles once, on first need.
func (r *orgReader) customRole(ctx context.Context) func(string) (role.Role, bool) {
	return func(name string) (role.Role, bool) {
		r.customMu.Lock()
		defer r.customMu.Unlock()
		if !r.customOK {
			r.customOK = true
			r.custom = map[string]role.Role{}
			var body struct {
				CustomRoles []struct {
					Name     string `json:"name"`
					BaseRole string `json:"base_role"`
				} `json:"custom_roles"`
			}
			_, err := r.cn.do(ctx, http.MethodGet, "orgs/"+pathSeg(r.org)+"/custom-repository-roles", nil, &body)
			if err != nil {
				r.note("could not read the custom repository roles of %s: %v", r.org, err)
			}
			for _, cr := range body.CustomRoles {
				if br, ok := role.FromAPI(cr.BaseRole); ok {
					r.custom[strings.ToLower(cr.Name)] = br
				}
			}
		}
		ro, ok := r.custom[strings.ToLower(name)]
		return ro, ok
	}
}

// dedupeFold removes case-insensitive duplicates, keeping the first.
func dedupeFold(in []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

// nullable turns "" into a JSON null (a first page has no cursor).
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeOrZero parses an RFC 3339 time, zero when absent or odd.
func timeOrZero(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// withInherited turns one repository's team grants, as GraphQL listed
// them, into each team's effective grant: its own or the highest of its
// ancestors', whichever is higher. GitHub's check endpoint (what apply
// re-reads before a write) and its REST listings answer that way, while
// whether GraphQL Team.repositories includes inherited repositories is not
// documented: so the plan reads the same under either answer, and a child
// team that only inherits shows at its parent's role (the reconciler
// never plans to add or remove what a parent gives).
func withInherited(grants []state.TeamGrant, teams []*gqlTeam, parentOf map[string]string) []state.TeamGrant {
	own := map[string]state.TeamGrant{}
	for _, g := range grants {
		k := strings.ToLower(g.Slug)
		if cur, ok := own[k]; !ok || g.Role > cur.Role {
			own[k] = g
		}
	}
	var out []state.TeamGrant
	for _, t := range teams {
		k := strings.ToLower(t.Slug)
		best, ok := own[k]
		seen := map[string]bool{k: true}
		for p := parentOf[k]; p != "" && !seen[p]; p = parentOf[p] {
			seen[p] = true
			if g, has := own[p]; has && g.Role >= best.Role {
				from := g.Slug
				if g.Inherited != "" {
					from = g.Inherited
				}
				best, ok = state.TeamGrant{Slug: t.Slug, Role: g.Role, RoleName: g.RoleName, Inherited: from}, true
			}
		}
		if ok && best.Role > role.None {
			best.Slug = t.Slug
			out = append(out, best)
		}
	}
	return out
}

// probeProtectionOffered finds out, when GitHub did not show the org's
// plan, whether it offers branch protection on private repositories: one
// protection read of a private repository without any rule, whose 403
// says so ("Upgrade to GitHub Pro…"). One request per read, only then.
func (r *orgReader) probeProtectionOffered(ctx context.Context) {
	if r.planKnown {
		return
	}
	var probe *repoRead
	for _, rr := range r.order {
		if rr.repo.Private && !rr.repo.NotFound && len(rr.failed) == 0 && len(rr.rules) == 0 && rr.repo.DefaultBranch != "" {
			probe = rr
			break
		}
	}
	if probe == nil {
		return
	}
	err := r.call(ctx, func() error {
		_, err := r.c.getProtection(ctx, r.cn, r.org, probe.repo.Name, probe.repo.DefaultBranch)
		return err
	})
	if !protectionNotOffered(err) {
		return
	}
	for _, rr := range r.order {
		if rr.repo.Private {
			rr.repo.ProtectionUnavailable = true
		}
	}
}
