package ghapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// AmbiguousRoleName marks a direct grant read through REST alone (a GitHub
// without the GraphQL fields this package uses) whose exact role cannot
// be known: REST's role_name is the highest role from every source, so
// when a team or the base role gives the same role, the direct grant may
// be that role or any lower one. Role then holds that upper bound: the
// direct grant is at most Role (and, the user being a direct collaborator,
// at least read). A planner should not lower such a grant on this basis.
const AmbiguousRoleName = state.RoleNameAmbiguous

// readOrgREST reads an org through the REST API only: about five requests
// per repository instead of about one, and direct roles that may be
// ambiguous (see AmbiguousRoleName).
func (c *Client) readOrgREST(ctx context.Context, cn *conn, org string, opts ReadOptions) (*state.Org, error) {
	r := newOrgReader(c, cn, org, opts)
	o := r.newOrg()
	if err := r.call(ctx, func() error { return r.readOrgInfo(ctx, o) }); err != nil {
		return nil, err
	}
	var err error
	if o.Members, err = r.logins(ctx, "orgs/"+pathSeg(org)+"/members"); err != nil {
		return nil, err
	}
	if o.Owners, err = r.logins(ctx, "orgs/"+pathSeg(org)+"/members?role=admin"); err != nil {
		return nil, err
	}
	if opts.Audit {
		o.Installations = r.readInstallations(ctx)
	}
	members, err := r.readTeamsREST(ctx, o)
	if err != nil {
		return nil, err
	}
	list, err := r.listReposREST(ctx)
	if err != nil {
		return nil, err
	}
	rulesetCache := &rulesetCache{m: map[int64]*rulesetEntry{}}
	repos := make([]*state.Repo, len(list))
	r.total = len(list)
	var wg sync.WaitGroup
	for i, rr := range list {
		repo := r.newRepo(rr.Name)
		repos[i] = repo
		switch rr.ID {
		case -1:
			repo.NotFound = true
			continue
		case -2:
			repo.ReadError = rr.Visibility
			continue
		}
		repo.ID, repo.Archived, repo.Private, repo.Visibility, repo.DefaultBranch = rr.ID, rr.Archived, rr.Private, rr.Visibility, rr.DefaultBranch
		repo.Disabled = rr.Disabled
		repo.ProtectionUnavailable = rr.Private && r.freePlan
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.progressed()
			if err := r.finishREST(ctx, o, repo, members, rulesetCache); err != nil {
				repo.ReadError = redact(err.Error())
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.Repos = repos
	o.Sort()
	return o, nil
}

// readTeamsREST adds the org's teams with their members to o, and returns
// the members of each team (lower-case slug → lower-case logins).
func (r *orgReader) readTeamsREST(ctx context.Context, o *state.Org) (map[string]map[string]bool, error) {
	teams, err := listIn[restTeam](ctx, r, "orgs/"+pathSeg(r.org)+"/teams")
	if err != nil {
		return nil, err
	}
	members := map[string]map[string]bool{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, t := range teams {
		st := &state.Team{Slug: t.Slug, Name: t.Name, ID: t.ID, Members: []string{}}
		if t.Parent != nil {
			st.Parent = t.Parent.Slug
		}
		o.Teams = append(o.Teams, st)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Team members include the members of child teams.
			m, err := r.logins(ctx, "orgs/"+pathSeg(r.org)+"/teams/"+pathSeg(st.Slug)+"/members")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			st.Members = m
			set := map[string]bool{}
			for _, l := range m {
				set[strings.ToLower(l)] = true
			}
			members[strings.ToLower(st.Slug)] = set
		}()
	}
	wg.Wait()
	return members, firstErr
}

// restRepo is a repository as REST lists it. ID -1 is one not found, -2
// one whose read failed (Visibility then holds the error).
type restRepo struct {
	Name          string `json:"name"`
	ID            int64  `json:"id"`
	Archived      bool   `json:"archived"`
	Disabled      bool   `json:"disabled"`
	Private       bool   `json:"private"`
	Visibility    string `json:"visibility"`
	DefaultBranch string `json:"default_branch"`
}

// listReposREST lists the repositories to read: every one of the org, or
// those named.
func (r *orgReader) listReposREST(ctx context.Context) ([]restRepo, error) {
	if r.opts.Repos == nil {
		return listIn[restRepo](ctx, r, "orgs/"+pathSeg(r.org)+"/repos?type=all")
	}
	names := dedupeFold(r.opts.Repos)
	list := make([]restRepo, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rr restRepo
			err := r.call(ctx, func() error {
				_, err := r.cn.do(ctx, http.MethodGet, repoPath(r.org, name), nil, &rr)
				return err
			})
			switch {
			case err == nil:
				list[i] = rr
			case KindOf(err) == KindNotFound:
				list[i] = restRepo{Name: name, ID: -1}
			default:
				list[i] = restRepo{Name: name, ID: -2, Visibility: err.Error()}
			}
		}()
	}
	wg.Wait()
	return list, nil
}

// finishREST reads one repository's grants, invitations, protection and
// rulesets through REST.
func (r *orgReader) finishREST(ctx context.Context, o *state.Org, repo *state.Repo, members map[string]map[string]bool, rc *rulesetCache) error {
	if err := r.teamGrantsREST(ctx, repo); err != nil {
		return fmt.Errorf("teams: %w", err)
	}
	if err := r.userGrantsREST(ctx, o, repo, members); err != nil {
		return fmt.Errorf("collaborators: %w", err)
	}
	if err := r.call(ctx, func() error {
		inv, err := r.c.listInvitations(ctx, r.cn, r.org, repo.Name)
		repo.Invitations = inv
		return err
	}); err != nil {
		return fmt.Errorf("invitations: %w", err)
	}
	for _, b := range r.branchesFor(repo) {
		if err := r.protectionREST(ctx, repo, b); err != nil {
			return fmt.Errorf("protection of %s: %w", b, err)
		}
	}
	if err := r.rulesetsREST(ctx, repo, rc); err != nil {
		r.note("could not read the rulesets of %s/%s: %v", r.org, repo.Name, err)
	}
	if r.opts.Audit {
		r.readDeployKeys(ctx, repo)
	}
	return nil
}

// teamGrantsREST reads the team grants of a repository.
func (r *orgReader) teamGrantsREST(ctx context.Context, repo *state.Repo) error {
	teams, err := listIn[restTeam](ctx, r, repoPath(r.org, repo.Name)+"/teams")
	if err != nil {
		return err
	}
	parentOf := map[string]string{}
	for _, t := range teams {
		if t.AccessSource != "" && !strings.EqualFold(t.AccessSource, "direct") {
			continue // through an org role or the enterprise, not a grant on the repository
		}
		g := state.TeamGrant{Slug: t.Slug, Role: t.role()}
		if _, ok := role.FromAPI(t.RoleName); t.RoleName != "" && !ok {
			g.RoleName = t.RoleName
		}
		repo.Teams = append(repo.Teams, g)
		if t.Parent != nil {
			parentOf[strings.ToLower(t.Slug)] = strings.ToLower(t.Parent.Slug)
		}
	}
	markInherited(repo.Teams, parentOf)
	return nil
}

// userGrantsREST reads the direct user grants of a repository (after its
// team grants): REST's role is the highest from every source, so one no
// higher than what the user holds otherwise is ambiguous.
func (r *orgReader) userGrantsREST(ctx context.Context, o *state.Org, repo *state.Repo, members map[string]map[string]bool) error {
	type collaborator struct {
		Login       string          `json:"login"`
		ID          int64           `json:"id"`
		RoleName    string          `json:"role_name"`
		Permissions map[string]bool `json:"permissions"`
	}
	collabs, err := listIn[collaborator](ctx, r, repoPath(r.org, repo.Name)+"/collaborators?affiliation=direct")
	if err != nil {
		return err
	}
	for _, u := range collabs {
		if u.Login == "" {
			continue
		}
		high, name := role.Role(0), ""
		if ro, ok := role.FromAPI(u.RoleName); ok && ro != role.None {
			high = ro
		} else {
			high, name = highest(u.Permissions), u.RoleName
		}
		// What the user holds from elsewhere: owner, base role, teams.
		other := role.None
		if o.IsOwner(u.Login) {
			other = role.Admin
		} else if o.IsMember(u.Login) {
			other = o.BaseRole
		}
		for _, t := range repo.Teams {
			if members[strings.ToLower(t.Slug)][strings.ToLower(u.Login)] && t.Role > other {
				other = t.Role
			}
		}
		g := state.UserGrant{Login: u.Login, ID: u.ID, Role: high, RoleName: name}
		if high <= other {
			g.RoleName = AmbiguousRoleName
		}
		repo.Users = append(repo.Users, g)
	}
	return nil
}

// protectionREST reads the protection of branch b.
func (r *orgReader) protectionREST(ctx context.Context, repo *state.Repo, b string) error {
	if repo.ProtectionUnavailable {
		repo.Protection = append(repo.Protection, state.BranchProtection{Branch: b})
		return nil
	}
	var p *restProtection
	if err := r.call(ctx, func() (err error) {
		p, err = r.c.getProtection(ctx, r.cn, r.org, repo.Name, b)
		return err
	}); err != nil {
		if branchMissing(err) {
			repo.Protection = append(repo.Protection, state.BranchProtection{Branch: b, Missing: true})
			return nil
		}
		if repo.Private && protectionNotOffered(err) {
			// The plan was not shown; GitHub's 403 says it.
			repo.ProtectionUnavailable = true
			repo.Protection = append(repo.Protection, state.BranchProtection{Branch: b})
			return nil
		}
		return err
	}
	if p == nil {
		repo.Protection = append(repo.Protection, state.BranchProtection{Branch: b})
	} else {
		repo.Protection = append(repo.Protection, p.state(b))
	}
	return nil
}

// rulesetCache keeps each ruleset's detail once per read.
type rulesetCache struct {
	mu sync.Mutex
	m  map[int64]*rulesetEntry
}

type rulesetEntry struct {
	once sync.Once
	rs   state.Ruleset
	err  error
}

// restRuleset is GET /repos/{o}/{r}/rulesets/{id}.
type restRuleset struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Target      string `json:"target"`
	SourceType  string `json:"source_type"`
	Source      string `json:"source"`
	Enforcement string `json:"enforcement"`
	Conditions  *struct {
		RefName *struct {
			Include []string `json:"include"`
			Exclude []string `json:"exclude"`
		} `json:"ref_name"`
	} `json:"conditions"`
	Rules []struct {
		Type       string `json:"type"`
		Parameters *struct {
			RequiredStatusChecks []struct {
				Context       string `json:"context"`
				IntegrationID *int64 `json:"integration_id"`
			} `json:"required_status_checks"`
			Strict                       bool `json:"strict_required_status_checks_policy"`
			RequiredApprovingReviewCount *int `json:"required_approving_review_count"`
		} `json:"parameters"`
	} `json:"rules"`
	// BypassActors is absent (nil) for a token without write access to
	// the ruleset.
	BypassActors *[]struct {
		ActorID    *int64 `json:"actor_id"`
		ActorType  string `json:"actor_type"`
		BypassMode string `json:"bypass_mode"`
	} `json:"bypass_actors"`
}

func (rr *restRuleset) state() state.Ruleset {
	rs := state.Ruleset{ID: rr.ID, Name: rr.Name, Source: rr.Source, SourceType: rr.SourceType,
		Enforcement: strings.ToLower(rr.Enforcement), Target: strings.ToLower(rr.Target), Include: []string{}, Exclude: []string{}}
	if rr.Conditions != nil && rr.Conditions.RefName != nil {
		rs.Include = append(rs.Include, rr.Conditions.RefName.Include...)
		rs.Exclude = append(rs.Exclude, rr.Conditions.RefName.Exclude...)
	}
	other := map[string]bool{}
	for _, rule := range rr.Rules {
		switch {
		case rule.Type == "required_status_checks" && rule.Parameters != nil:
			rs.StrictChecks = rs.StrictChecks || rule.Parameters.Strict
			for _, c := range rule.Parameters.RequiredStatusChecks {
				rs.RequiredChecks = append(rs.RequiredChecks, checkOf(c.Context, c.IntegrationID))
			}
		case rule.Type == "pull_request" && rule.Parameters != nil:
			addReviews(&rs, rule.Parameters.RequiredApprovingReviewCount)
		default:
			other[rule.Type] = true
		}
	}
	sortRules(&rs, other)
	if rr.BypassActors != nil {
		rs.BypassRead = true
		for _, a := range *rr.BypassActors {
			b := state.BypassActor{Kind: a.ActorType, Mode: a.BypassMode}
			switch a.ActorType {
			case "Integration":
				b.Kind = "App"
			}
			if a.ActorID != nil && *a.ActorID > 0 {
				b.Name = strconv.FormatInt(*a.ActorID, 10)
			}
			rs.Bypass = append(rs.Bypass, b)
		}
	}
	return rs
}

// rulesetsREST reads a repository's rulesets (its own and its parents').
func (r *orgReader) rulesetsREST(ctx context.Context, repo *state.Repo, rc *rulesetCache) error {
	list, err := listIn[struct {
		ID int64 `json:"id"`
	}](ctx, r, repoPath(r.org, repo.Name)+"/rulesets?includes_parents=true")
	if err != nil {
		return err
	}
	for _, item := range list {
		rc.mu.Lock()
		e := rc.m[item.ID]
		if e == nil {
			e = &rulesetEntry{}
			rc.m[item.ID] = e
		}
		rc.mu.Unlock()
		e.once.Do(func() {
			var d restRuleset
			e.err = r.call(ctx, func() error {
				_, err := r.cn.do(ctx, http.MethodGet, repoPath(r.org, repo.Name)+"/rulesets/"+strconv.FormatInt(item.ID, 10)+"?includes_parents=true", nil, &d)
				return err
			})
			e.rs = d.state()
		})
		if e.err != nil {
			repo.Rulesets = append(repo.Rulesets, state.Ruleset{ID: item.ID, Incomplete: true, Include: []string{}, Exclude: []string{}})
			continue
		}
		rs := e.rs
		rs.RequiredChecks = append([]state.Check(nil), rs.RequiredChecks...)
		repo.Rulesets = append(repo.Rulesets, rs)
	}
	return nil
}

// userGrantREST reads one user's direct grant through REST only.
func (c *Client) userGrantREST(ctx context.Context, cn *conn, org, repo, login string) (*state.UserGrant, error) {
	o, err := c.readOrgREST(ctx, cn, org, ReadOptions{Repos: []string{repo}})
	if err != nil {
		return nil, err
	}
	rp := o.Repo(repo)
	if rp == nil || rp.NotFound {
		return nil, &Error{Kind: KindNotFound, Message: fmt.Sprintf("repository %s/%s not found", org, repo)}
	}
	if rp.ReadError != "" {
		return nil, &Error{Kind: KindOther, Message: rp.ReadError}
	}
	if g, ok := rp.User(login); ok {
		return &g, nil
	}
	return nil, nil
}

// markInherited marks the grants GitHub lists for a child team at the role
// of an ancestor that holds at least as much (its own grant, if any, is
// not higher): the same form as the GraphQL read's.
func markInherited(grants []state.TeamGrant, parentOf map[string]string) {
	byslug := map[string]int{}
	for i, g := range grants {
		byslug[strings.ToLower(g.Slug)] = i
	}
	for i := range grants {
		k := strings.ToLower(grants[i].Slug)
		seen := map[string]bool{k: true}
		for p := parentOf[k]; p != "" && !seen[p]; p = parentOf[p] {
			seen[p] = true
			if j, ok := byslug[p]; ok && grants[j].Role >= grants[i].Role {
				grants[i].Inherited = grants[j].Slug
			}
		}
	}
}
