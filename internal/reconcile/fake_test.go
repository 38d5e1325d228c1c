package reconcile

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// memGitHub is an in-memory GitHub for the domain's unit tests: it applies
// writes to a state.Org the way GitHub would (members are added at once,
// others invited). End-to-end behaviour over HTTP is tested against the
// simulator elsewhere.
type memGitHub struct {
	org     *state.Org
	nextInv int64
	fail    map[string]error // "kind org/repo subject" → error
	writes  []string
	now     time.Time
}

func (m *memGitHub) repo(name string) *state.Repo {
	r := m.org.Repo(name)
	if r == nil {
		panic("no repo " + name)
	}
	return r
}

func (m *memGitHub) check(op, repo, subject string) error {
	m.writes = append(m.writes, op+" "+repo+" "+subject)
	return m.fail[op+" "+repo+" "+subject]
}

func (m *memGitHub) UserGrant(_ context.Context, org, repo, login string) (*state.UserGrant, *state.Invitation, error) {
	r := m.repo(repo)
	var g *state.UserGrant
	if u, ok := r.User(login); ok {
		g = &u
	}
	var inv *state.Invitation
	if i, ok := r.Invitation(login); ok {
		inv = &i
	}
	return g, inv, nil
}

func (m *memGitHub) TeamGrant(_ context.Context, org, repo, slug string) (*state.TeamGrant, error) {
	if t, ok := m.repo(repo).Team(slug); ok {
		return &t, nil
	}
	return nil, nil
}

func (m *memGitHub) BranchProtection(_ context.Context, org, repo, branch string) (state.BranchProtection, error) {
	if b, ok := m.repo(repo).Branch(branch); ok {
		return b, nil
	}
	return state.BranchProtection{Branch: branch}, nil
}

func (m *memGitHub) SetUserGrant(_ context.Context, org, repo, login string, rl role.Role) (*state.Invitation, error) {
	if err := m.check("set-user", repo, login); err != nil {
		return nil, err
	}
	r := m.repo(repo)
	for i := range r.Users {
		if strings.EqualFold(r.Users[i].Login, login) {
			r.Users[i].Role, r.Users[i].RoleName = rl, ""
			return nil, nil
		}
	}
	if m.org.IsMember(login) {
		r.Users = append(r.Users, state.UserGrant{Login: login, Role: rl})
		r.Sort()
		return nil, nil
	}
	for i := range r.Invitations {
		if strings.EqualFold(r.Invitations[i].Login, login) {
			r.Invitations[i].Role = rl
			return &r.Invitations[i], nil
		}
	}
	m.nextInv++
	inv := state.Invitation{ID: 1000 + m.nextInv, Login: login, Role: rl, CreatedAt: m.now, Inviter: "permsync[bot]", InviterBot: true}
	r.Invitations = append(r.Invitations, inv)
	r.Sort()
	return &inv, nil
}

func (m *memGitHub) RemoveUserGrant(_ context.Context, org, repo, login string) error {
	if err := m.check("remove-user", repo, login); err != nil {
		return err
	}
	r := m.repo(repo)
	r.Users = dropUser(r.Users, login)
	return nil
}

func (m *memGitHub) UpdateInvitation(_ context.Context, org, repo string, id int64, rl role.Role) error {
	if err := m.check("update-invitation", repo, fmt.Sprint(id)); err != nil {
		return err
	}
	r := m.repo(repo)
	for i := range r.Invitations {
		if r.Invitations[i].ID == id {
			r.Invitations[i].Role = rl
			return nil
		}
	}
	return fmt.Errorf("404 invitation %d", id)
}

func (m *memGitHub) DeleteInvitation(_ context.Context, org, repo string, id int64) error {
	if err := m.check("delete-invitation", repo, fmt.Sprint(id)); err != nil {
		return err
	}
	r := m.repo(repo)
	var keep []state.Invitation
	for _, inv := range r.Invitations {
		if inv.ID != id {
			keep = append(keep, inv)
		}
	}
	r.Invitations = keep
	return nil
}

func (m *memGitHub) SetTeamGrant(_ context.Context, org, repo, slug string, rl role.Role) error {
	if err := m.check("set-team", repo, slug); err != nil {
		return err
	}
	r := m.repo(repo)
	for i := range r.Teams {
		if strings.EqualFold(r.Teams[i].Slug, slug) {
			r.Teams[i].Role = rl
			return nil
		}
	}
	r.Teams = append(r.Teams, state.TeamGrant{Slug: slug, Role: rl})
	r.Sort()
	return nil
}

func (m *memGitHub) RemoveTeamGrant(_ context.Context, org, repo, slug string) error {
	if err := m.check("remove-team", repo, slug); err != nil {
		return err
	}
	r := m.repo(repo)
	var keep []state.TeamGrant
	for _, t := range r.Teams {
		if !strings.EqualFold(t.Slug, slug) {
			keep = append(keep, t)
		}
	}
	r.Teams = keep
	return nil
}

func (m *memGitHub) setProtection(repo, branch string, want state.ProtectionSettings, create bool) {
	r := m.repo(repo)
	for i := range r.Protection {
		b := &r.Protection[i]
		if b.Branch != branch {
			continue
		}
		if create {
			*b = state.BranchProtection{Branch: branch, Protected: true}
		}
		if want.Checks != nil || want.Strict != nil {
			if b.StatusChecks == nil {
				b.StatusChecks = &state.StatusChecks{Checks: []state.Check{}}
			}
			if want.Checks != nil {
				b.StatusChecks.Checks = append([]state.Check{}, *want.Checks...)
			}
			if want.Strict != nil {
				b.StatusChecks.Strict = *want.Strict
			}
		}
		if want.EnforceAdmins != nil {
			b.EnforceAdmins = *want.EnforceAdmins
		}
		if want.Reviews != nil {
			if b.Reviews == nil {
				b.Reviews = &state.Reviews{}
			}
			b.Reviews.Count = *want.Reviews
		}
	}
}

func (m *memGitHub) CreateProtection(_ context.Context, org, repo, branch string, want state.ProtectionSettings) error {
	if err := m.check("create-protection", repo, branch); err != nil {
		return err
	}
	m.setProtection(repo, branch, want, true)
	return nil
}

func (m *memGitHub) UpdateProtection(_ context.Context, org, repo, branch string, want state.ProtectionSettings) error {
	if err := m.check("update-protection", repo, branch); err != nil {
		return err
	}
	m.setProtection(repo, branch, want, false)
	return nil
}

// fixture builds a config from files and an actual org.
type fixture struct {
	t     *testing.T
	files fstest.MapFS
	gh    *memGitHub
	now   time.Time
}

func newFixture(t *testing.T, orgFile string, repos map[string]string, org *state.Org) *fixture {
	t.Helper()
	files := fstest.MapFS{}
	if orgFile != "" {
		files["acme.yaml"] = &fstest.MapFile{Data: []byte(orgFile)}
	}
	for name, body := range repos {
		files["acme/"+name+".yaml"] = &fstest.MapFile{Data: []byte(body)}
	}
	if len(repos) == 0 {
		files["acme/README.md"] = &fstest.MapFile{Data: []byte("x")}
	}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	org.Sort()
	return &fixture{t: t, files: files, gh: &memGitHub{org: org, now: now}, now: now}
}

func (f *fixture) plan() *Plan {
	f.t.Helper()
	cfg, diags := config.Load(f.files, "permissions")
	require.False(f.t, diags.HasErrors(), "%v", diags)
	targets, err := Select(cfg, "", nil)
	require.NoError(f.t, err)
	return Diff(Input{Dir: "permissions", Targets: targets, Actual: map[string]*state.Org{"acme": f.gh.org}, Now: f.now})
}

func (f *fixture) apply(p *Plan) *Result {
	f.t.Helper()
	res, err := Apply(context.Background(), p, f.gh, nil)
	require.NoError(f.t, err)
	return res
}

// baseOrg is an org with members, owners and teams, and one repository.
func baseOrg(repos ...*state.Repo) *state.Org {
	o := &state.Org{
		Name:     "acme",
		BaseRole: role.Read,
		Owners:   []string{"boss"},
		Members:  []string{"alice", "bob", "carol", "dave", "boss", "erin"},
		Teams: []*state.Team{
			{Slug: "core", Members: []string{"alice", "bob"}},
			{Slug: "admins", Members: []string{"dave"}},
			{Slug: "big", Members: []string{"alice", "bob", "carol", "dave", "erin", "frank"}},
		},
	}
	for _, r := range repos {
		r.Org = "acme"
		if r.DefaultBranch == "" {
			r.DefaultBranch = "main"
		}
		o.Repos = append(o.Repos, r)
	}
	return o
}

// describe is the tests' notation of a change: "org/repo: what". The
// product's wording is planview's (this package cannot import it); the
// notation here only has to tell changes apart.
func describe(c Change) string {
	where := c.Org + "/" + c.Repo
	switch c.Kind {
	case UserAdd:
		if c.Invite {
			return fmt.Sprintf("%s: invite user %s as %s", where, c.User, c.After)
		}
		return fmt.Sprintf("%s: grant user %s %s", where, c.User, c.After)
	case UserRemove:
		return fmt.Sprintf("%s: remove user %s (%s)", where, c.User, c.Before)
	case TeamAdd:
		return fmt.Sprintf("%s: grant team %s %s", where, c.Team, c.After)
	case TeamRemove:
		return fmt.Sprintf("%s: remove team %s (%s)", where, c.Team, c.Before)
	case InvitationChange:
		return fmt.Sprintf("%s: invitation of %s %s → %s", where, c.User, c.Before, c.After)
	case InvitationCancel:
		return fmt.Sprintf("%s: cancel invitation of %s (%s)", where, c.User, c.Before)
	case InvitationResend:
		return fmt.Sprintf("%s: re-send expired invitation of %s as %s", where, c.User, c.After)
	case ProtectionCreate:
		return fmt.Sprintf("%s: protect branch %s", where, c.Branch)
	case ProtectionUpdate:
		return fmt.Sprintf("%s: update protection of branch %s", where, c.Branch)
	case FloorRulesetCreate, FloorRulesetUpdate:
		return fmt.Sprintf("%s: %s org ruleset", c.Org, c.Kind)
	case UserChange:
		return fmt.Sprintf("%s: user %s %s → %s", where, c.User, c.Before, c.After)
	case TeamChange:
		return fmt.Sprintf("%s: team %s %s → %s", where, c.Team, c.Before, c.After)
	}
	return where + ": " + string(c.Kind)
}

func summary(p *Plan) []string {
	var out []string
	for _, c := range p.Changes {
		s := string(c.Kind.Action()) + " " + describe(c)
		if c.Refused {
			s = "! " + describe(c)
		}
		out = append(out, s)
	}
	return out
}

func dropUser(us []state.UserGrant, login string) []state.UserGrant {
	var keep []state.UserGrant
	for _, u := range us {
		if !strings.EqualFold(u.Login, login) {
			keep = append(keep, u)
		}
	}
	return keep
}
