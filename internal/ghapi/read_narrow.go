package ghapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// A narrow read (ReadOptions.Narrow) is what a pull request's plan needs:
// a few repositories, in an org of any size. The full read pages every
// team with all its repositories and every member; a narrow one asks for
// the teams' grants on the named repositories only (one request per 100
// teams and 5 names; the first page comes in the repositories' query),
// the members of the teams that matter (with the rulesets' rules: one
// request per 100 teams), and membership only for the logins that
// matter: the outside collaborators come with the repositories, team
// members and owners are members, and the few other logins are asked one
// by one, or the member list is paged when that is fewer requests. A plan
// of k repositories then costs k (invitations, which only REST lists) + 2
// GraphQL queries + the org and its owners + those logins, and the App's
// token: 8 for k = 1 in bench/pr.sh's 1,000-repository org.

// narrowMaxRepos is the most repositories a narrow read covers; beyond,
// the full read costs about as much.
const narrowMaxRepos = 20

// narrowNamesPerQuery is the number of repository names filtered per
// TeamsFor query: 100 teams × 5 connections, 5 points.
const narrowNamesPerQuery = 5

// readTeamsFor lists every team (slug, name, id, parent) with its grants on
// the named repositories only, and the org's member count.
// pre, when not nil, is the answer holding the first page for the first
// names (readBatchNarrow's).
func (r *orgReader) readTeamsFor(ctx context.Context, names []string, pre *gqlResult) ([]*gqlTeam, int, error) {
	tf := &teamsFor{bySlug: map[string]*gqlTeam{}}
	for start := 0; start < len(names); start += narrowNamesPerQuery {
		chunk := names[start:min(start+narrowNamesPerQuery, len(names))]
		after := ""
		for page := 0; ; page++ {
			vars := map[string]any{"org": r.org, "after": nullable(after)}
			for j, n := range chunk {
				vars[fmt.Sprintf("q%d", j)] = n
			}
			res := pre
			var err error
			if start == 0 && page == 0 && pre != nil {
				if errs := res.errorsFor("organization"); len(errs) > 0 {
					return nil, 0, gqlFailure(teamsForOp, errs)
				}
			} else if res, err = r.queryAll(ctx, "TeamsFor", QueryTeamsFor(len(chunk)), vars); err != nil {
				return nil, 0, err
			}
			pi, err := r.addTeamsFor(ctx, tf, res, chunk)
			if err != nil {
				return nil, 0, err
			}
			if !pi.HasNextPage || pi.EndCursor == "" {
				break
			}
			if page >= maxPages {
				return nil, 0, &Error{Op: teamsForOp, Kind: KindOther, Message: "too many pages"}
			}
			after = pi.EndCursor
		}
	}
	return tf.teams, tf.total, nil
}

const teamsForOp = "GraphQL TeamsFor"

// teamsFor is what readTeamsFor has read so far.
type teamsFor struct {
	bySlug map[string]*gqlTeam // lower-case slug
	teams  []*gqlTeam
	total  int // the org's members
}

// addTeamsFor takes one page of teams with their grants on the names of
// chunk (aliases g0…) and returns its page info.
func (r *orgReader) addTeamsFor(ctx context.Context, tf *teamsFor, res *gqlResult, chunk []string) (pageInfo, error) {
	var data struct {
		MembersWithRole *struct {
			TotalCount int `json:"totalCount"`
		} `json:"membersWithRole"`
		Teams *struct {
			PageInfo pageInfo          `json:"pageInfo"`
			Nodes    []json.RawMessage `json:"nodes"`
		} `json:"teams"`
	}
	ok, err := res.decodeField("organization", &data)
	if err != nil {
		return pageInfo{}, &Error{Op: teamsForOp, Kind: KindOther, Message: err.Error()}
	}
	if !ok || data.Teams == nil {
		return pageInfo{}, &Error{Op: teamsForOp, Kind: KindNotFound, Message: fmt.Sprintf("the org %s was not found", r.org)}
	}
	if data.MembersWithRole != nil {
		tf.total = data.MembersWithRole.TotalCount
	}
	for _, raw := range data.Teams.Nodes {
		var t gqlTeam
		var aliases map[string]json.RawMessage
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return pageInfo{}, &Error{Op: teamsForOp, Kind: KindOther, Message: err.Error()}
		}
		if err := json.Unmarshal(raw, &aliases); err != nil {
			return pageInfo{}, &Error{Op: teamsForOp, Kind: KindOther, Message: err.Error()}
		}
		if t.Slug == "" {
			continue
		}
		key := strings.ToLower(t.Slug)
		have := tf.bySlug[key]
		if have == nil {
			have = &t
			have.Repositories = &teamRepoConn{}
			tf.bySlug[key] = have
			tf.teams = append(tf.teams, have)
		}
		for j, name := range chunk {
			var c teamRepoConn
			if v := aliases[fmt.Sprintf("g%d", j)]; len(v) > 0 && string(v) != "null" {
				if err := json.Unmarshal(v, &c); err != nil {
					return pageInfo{}, &Error{Op: teamsForOp, Kind: KindOther, Message: err.Error()}
				}
			}
			edges := c.Edges
			if c.PageInfo.HasNextPage {
				// More than 100 of the team's repositories contain
				// the name: list them all, keep the one.
				if edges, err = r.teamReposNamed(ctx, t.Slug); err != nil {
					return pageInfo{}, err
				}
			}
			for _, e := range edges {
				// GitHub matches by substring: keep the exact name.
				if e != nil && e.Node != nil && strings.EqualFold(e.Node.Name, name) {
					have.Repositories.Edges = append(have.Repositories.Edges, e)
				}
			}
		}
	}
	return data.Teams.PageInfo, nil
}

// readBatchNarrow reads the named repositories (at most narrowMaxRepos,
// one batch) with the first page of teams in one query, and returns that
// answer for readTeamsFor; nil when the query failed and the repositories
// were read as readBatch reads them (split as needed).
func (r *orgReader) readBatchNarrow(ctx context.Context, names []string) (*gqlResult, error) {
	idx := indexes(len(names))
	res, err := r.query(ctx, "RepoBatchNarrowTeams", QueryRepoBatchNarrowTeams(idx, min(len(names), narrowNamesPerQuery)), r.batchVars(names, idx))
	if err != nil {
		if !splitHelps(ctx, err) {
			return nil, err
		}
		return nil, r.readBatch(ctx, names, idx)
	}
	r.acceptBatch(ctx, res, names, idx)
	return res, nil
}

// teamReposNamed lists all of one team's repositories (the rare team with
// more than 100 repositories whose names contain a name read).
func (r *orgReader) teamReposNamed(ctx context.Context, slug string) ([]*teamRepoEdge, error) {
	t := &gqlTeam{Slug: slug, Repositories: &teamRepoConn{PageInfo: pageInfo{HasNextPage: true}}}
	if err := r.teamsRepositoriesFrom(ctx, []*gqlTeam{t}); err != nil {
		return nil, err
	}
	return t.Repositories.Edges, nil
}

// narrowOrg reads the members of the teams that matter and the membership
// of the logins that matter, and sets o.Members to the members among them.
// It reads the rules of the repositories' active branch rulesets in the
// same request: rules is nil when they are left to readRulesetRules.
func (r *orgReader) narrowOrg(ctx context.Context, o *state.Org, teams []*gqlTeam, membersTotal int) (rules map[string]*gqlRulesetRules, err error) {
	want := r.teamsThatMatter(teams)
	if rules, err = r.readTeamsMembers(ctx, want); err != nil {
		return nil, err
	}
	member, unknown := r.knownMembers(o, want)
	if err := r.askMembers(ctx, member, unknown, membersTotal); err != nil {
		return nil, err
	}
	o.Members = o.Members[:0]
	for _, l := range member {
		o.Members = append(o.Members, l)
	}
	return rules, nil
}

// teamsThatMatter are those with a grant on a repository read, those that
// inherit one from an ancestor, and those the files name.
func (r *orgReader) teamsThatMatter(teams []*gqlTeam) []*gqlTeam {
	parentOf := map[string]string{}
	bySlug := map[string]*gqlTeam{}
	granted := map[string]bool{}
	for _, t := range teams {
		k := strings.ToLower(t.Slug)
		bySlug[k] = t
		if t.ParentTeam != nil {
			parentOf[k] = strings.ToLower(t.ParentTeam.Slug)
		}
		if t.Repositories != nil && len(t.Repositories.Edges) > 0 {
			granted[k] = true
		}
	}
	var want []*gqlTeam
	seen := map[string]bool{}
	for _, t := range teams {
		k := strings.ToLower(t.Slug)
		hit := granted[k]
		visited := map[string]bool{k: true}
		for p := parentOf[k]; !hit && p != "" && !visited[p]; p = parentOf[p] {
			visited[p] = true
			hit = granted[p]
		}
		if hit {
			want = append(want, t)
			seen[k] = true
		}
	}
	for _, slug := range r.opts.Teams {
		k := strings.ToLower(slug)
		if t := bySlug[k]; t != nil && !seen[k] {
			want = append(want, t)
			seen[k] = true
		}
	}
	return want
}

// knownMembers are the members the read shows (owners, the members of the
// teams read, direct collaborators not listed as outside collaborators),
// and unknown the logins that matter whose membership it does not show
// (both by lower-case login).
func (r *orgReader) knownMembers(o *state.Org, teams []*gqlTeam) (member, unknown map[string]string) {
	member, unknown = map[string]string{}, map[string]string{}
	outside := map[string]bool{}
	for _, l := range o.Owners {
		member[strings.ToLower(l)] = l
	}
	for _, t := range teams {
		if t.Members != nil {
			for _, m := range t.Members.Nodes {
				if m != nil && m.Login != "" {
					member[strings.ToLower(m.Login)] = m.Login
				}
			}
		}
	}
	ask := func(login string) {
		k := strings.ToLower(login)
		if _, ok := member[k]; !ok && !outside[k] && login != "" {
			unknown[k] = login
		}
	}
	for _, rr := range r.order {
		if !rr.repo.NotFound && rr.outsideRead {
			for _, l := range rr.outside {
				outside[strings.ToLower(l)] = true
			}
		}
	}
	for _, rr := range r.order {
		if rr.repo.NotFound || !rr.outsideRead {
			continue
		}
		for _, u := range rr.repo.Users {
			if k := strings.ToLower(u.Login); !outside[k] {
				member[k] = u.Login
			}
		}
	}
	for _, rr := range r.order {
		if rr.repo.NotFound {
			continue
		}
		for _, u := range rr.repo.Users {
			ask(u.Login)
		}
		// An invitation goes to a non-member, who may have joined since.
		for _, inv := range rr.repo.Invitations {
			ask(inv.Login)
		}
	}
	for _, l := range r.opts.Logins {
		ask(l)
	}
	return member, unknown
}

// askMembers adds to member those of unknown who are members: the member
// list paged when that takes fewer requests than asking one by one.
func (r *orgReader) askMembers(ctx context.Context, member, unknown map[string]string, membersTotal int) error {
	if len(unknown) == 0 {
		return nil
	}
	if pages := (membersTotal + 99) / 100; membersTotal > 0 && pages <= len(unknown) {
		all, err := r.logins(ctx, "orgs/"+pathSeg(r.org)+"/members")
		if err != nil {
			return err
		}
		set := map[string]string{}
		for _, l := range all {
			set[strings.ToLower(l)] = l
		}
		for k := range unknown {
			if l, ok := set[k]; ok {
				member[k] = l
			}
		}
		return nil
	}
	for k, l := range unknown {
		ok, err := r.isMember(ctx, l)
		if err != nil {
			return err
		}
		if ok {
			member[k] = l
		}
	}
	return nil
}

// readTeamsMembers reads the members of teams, 100 teams a query, and with
// the first query the rules of the active branch rulesets seen (when they
// fit in one query; rules is nil otherwise).
func (r *orgReader) readTeamsMembers(ctx context.Context, teams []*gqlTeam) (rules map[string]*gqlRulesetRules, err error) {
	ids := r.rulesetIDs()
	if len(ids) > rulesetBatchSize {
		ids = nil
	}
	withRules := ids != nil
	for start := 0; start < len(teams) || withRules; start += 100 {
		batch := teams[min(start, len(teams)):min(start+100, len(teams))]
		vars := map[string]any{}
		if len(batch) > 0 {
			vars["org"] = r.org
		}
		for i, t := range batch {
			vars[fmt.Sprintf("s%d", i)] = t.Slug
		}
		name, query := "TeamsMembers", QueryTeamsMembers(len(batch))
		if withRules {
			name, query = "TeamsMembersRules", QueryTeamsMembersRules(len(batch))
			vars["ids"] = ids
		}
		op := "GraphQL " + name
		res, err := r.query(ctx, name, query, vars)
		if err != nil {
			return nil, err
		}
		for _, e := range res.Errors {
			if e.top() == "organization" || !withRules {
				return nil, gqlFailure(op, res.Errors)
			}
		}
		if withRules {
			withRules = false
			got, hidden, err := parseRules(res, name)
			if rules, err = r.takeRules(ctx, len(ids), got, hidden, err); err != nil {
				return nil, err
			}
		}
		if len(batch) == 0 {
			continue
		}
		var data map[string]*gqlTeam
		if _, err := res.decodeField("organization", &data); err != nil {
			return nil, &Error{Op: op, Kind: KindOther, Message: err.Error()}
		}
		for i, t := range batch {
			got := data[fmt.Sprintf("t%d", i)]
			if got == nil || got.Members == nil {
				return nil, &Error{Op: op, Kind: KindNotFound, Message: "team " + t.Slug + " disappeared during the read"}
			}
			t.Members = got.Members
			if t.Members.PageInfo.HasNextPage {
				if err := r.moreTeamMembers(ctx, t); err != nil {
					return nil, err
				}
			}
		}
	}
	if rules == nil && len(r.rulesetIDs()) == 0 {
		rules = map[string]*gqlRulesetRules{}
	}
	return rules, nil
}

// isMember asks GitHub whether login is a member of the org (204 or 404).
func (r *orgReader) isMember(ctx context.Context, login string) (bool, error) {
	var member bool
	err := r.call(ctx, func() error {
		_, err := r.cn.do(ctx, http.MethodGet, "orgs/"+pathSeg(r.org)+"/members/"+pathSeg(login), nil, nil)
		switch {
		case err == nil:
			member = true
		case KindOf(err) == KindNotFound:
			err = nil
		}
		return err
	})
	return member, err
}
