package access

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func org() *state.Org {
	return &state.Org{Name: "acme", BaseRole: role.Read, Owners: []string{"Boss"}, Members: []string{"Ann", "bob", "Boss", "carl"},
		Teams: []*state.Team{
			{Slug: "Core", Members: []string{"Ann", "dora"}}, // dora came in through the child team
			{Slug: "core-docs", Parent: "Core", Members: []string{"dora"}},
			{Slug: "rel", Members: []string{"bob"}},
		},
		Repos: []*state.Repo{{Name: "Widget"}, {Name: "widget"}}}
}

func TestIndexFindsByIdentity(t *testing.T) {
	x := Index(org())
	assert.Same(t, x.State.Repos[0], x.Repo("WIDGET"), "the first of two spellings, as a scan finds it")
	assert.Equal(t, "Core", x.Team("core").Slug)
	assert.Nil(t, x.Team("nope"))
	assert.True(t, x.IsMember("ANN"))
	assert.True(t, x.IsMember("boss"))
	assert.False(t, x.IsMember("dora"), "a team member who is not in the members list")
	assert.True(t, x.IsOwner("BOSS"))
	assert.False(t, x.IsOwner("ann"))
	assert.True(t, x.InTeam("CORE", "Dora"))
	assert.False(t, x.InTeam("rel", "dora"))
	assert.Equal(t, []string{"core-docs"}, x.Via("core", "DORA"), "a member through the child team")
	assert.Nil(t, x.Via("core", "ann"), "a direct member")
	assert.Nil(t, x.Via("ghost", "ann"))
}

func TestViaFollowsNestingAndSurvivesACycle(t *testing.T) {
	o := &state.Org{Teams: []*state.Team{
		{Slug: "a", Parent: "c", Members: []string{"x", "y"}},
		{Slug: "b2", Parent: "a", Members: []string{"x"}},
		{Slug: "B1", Parent: "a", Members: []string{"x"}},
		{Slug: "c", Parent: "b1", Members: []string{"x"}}, // a cycle GitHub would not allow
	}}
	x := Index(o)
	assert.Equal(t, []string{"B1", "c", "a"}, x.Via("a", "x"), "the first child by slug; the cycle ends at a team seen")
	assert.Nil(t, x.Via("a", "y"))
}

func TestHoldersListEverySource(t *testing.T) {
	x := Index(org())
	r := &state.Repo{Name: "widget",
		Users:       []state.UserGrant{{Login: "ANN", Role: role.Write}, {Login: "eve", Role: role.Admin}},
		Invitations: []state.Invitation{{ID: 1, Login: "fay", Role: role.Maintain}, {ID: 2, Login: "gus", Role: role.Admin, Expired: true}},
		Teams:       []state.TeamGrant{{Slug: "core", Role: role.Maintain}, {Slug: "ghost", Role: role.Admin}}}
	h := x.Holders(r)
	var got []string
	for k, acc := range h {
		var ss []string
		for _, s := range acc.Sources {
			ss = append(ss, s.String())
		}
		got = append(got, fmt.Sprintf("%s=%s %s: %s", k, acc.Login, acc.Role, strings.Join(ss, ", ")))
	}
	sort.Strings(got)
	assert.Equal(t, []string{
		"ann=ANN maintain: direct (write), team core (maintain), org base role (read)",
		"bob=bob read: org base role (read)",
		"boss=Boss admin: org owner (admin)",
		"carl=carl read: org base role (read)",
		"dora=dora maintain: team core (maintain)",
		"eve=eve admin: direct (admin)",
		"fay=fay maintain: pending invitation (maintain)",
	}, got, "an expired invitation and a team GitHub does not have grant nothing")
}

func TestAdminsForTheMinAndTheMax(t *testing.T) {
	x := Index(org())
	r := &state.Repo{Name: "widget",
		Users:       []state.UserGrant{{Login: "Boss", Role: role.Admin}, {Login: "eve", Role: role.Admin}, {Login: "ann", Role: role.Write}},
		Invitations: []state.Invitation{{ID: 1, Login: "fay", Role: role.Admin}, {ID: 2, Login: "gus", Role: role.Admin, Expired: true}},
		Teams:       []state.TeamGrant{{Slug: "core", Role: role.Admin}, {Slug: "rel", Role: role.Maintain}}}
	a := x.Admins(r, func(l string) bool { return strings.EqualFold(l, "boss") })
	assert.Equal(t, []string{"Ann", "Boss", "dora", "eve", "fay"}, a.All, "the spelling last seen; owners only through a grant")
	assert.Equal(t, []string{"Ann", "dora", "eve", "fay"}, a.ForMax, "expected owners do not count against the maximum")
	assert.Equal(t, []string{"Ann", "Boss", "dora", "eve"}, a.ForMin, "pending invitations do not count for the minimum")
	assert.Empty(t, x.Admins(&state.Repo{}, nil).All)
}

// naiveAfter applies changes one at a time by scanning, as the plan did
// before the index: After must agree with it.
func naiveAfter(r *state.Repo, changes []Change) *state.Repo {
	after := *r
	after.Users = append([]state.UserGrant(nil), r.Users...)
	after.Invitations = append([]state.Invitation(nil), r.Invitations...)
	after.Teams = append([]state.TeamGrant(nil), r.Teams...)
	for _, c := range changes {
		switch c.Op {
		case AddUser:
			after.Users = append(after.Users, state.UserGrant{Login: c.Name, Role: c.Role})
		case InviteUser:
			after.Invitations = append(after.Invitations, state.Invitation{Login: c.Name, Role: c.Role})
		case SetUser:
			for i := range after.Users {
				if strings.EqualFold(after.Users[i].Login, c.Name) {
					after.Users[i].Role, after.Users[i].RoleName = c.Role, ""
				}
			}
		case RemoveUser:
			var keep []state.UserGrant
			for _, u := range after.Users {
				if !strings.EqualFold(u.Login, c.Name) {
					keep = append(keep, u)
				}
			}
			after.Users = keep
		case SetInvitation:
			for i := range after.Invitations {
				if after.Invitations[i].ID == c.InvitationID {
					after.Invitations[i].Role, after.Invitations[i].Expired = c.Role, false
				}
			}
		case CancelInvitation:
			var keep []state.Invitation
			for _, inv := range after.Invitations {
				if inv.ID != c.InvitationID {
					keep = append(keep, inv)
				}
			}
			after.Invitations = keep
		case AddTeam:
			after.Teams = append(after.Teams, state.TeamGrant{Slug: c.Name, Role: c.Role})
		case SetTeam:
			for i := range after.Teams {
				if strings.EqualFold(after.Teams[i].Slug, c.Name) {
					after.Teams[i].Role, after.Teams[i].RoleName = c.Role, ""
				}
			}
		case RemoveTeam:
			var keep []state.TeamGrant
			for _, t := range after.Teams {
				if !strings.EqualFold(t.Slug, c.Name) {
					keep = append(keep, t)
				}
			}
			after.Teams = keep
		}
	}
	return &after
}

// TestAfterAndChangedAgreeWithTheNaiveModel: on random repositories and
// change lists (few changes, so After scans; many, so it indexes; names in
// other spellings; repeats), After equals applying the changes by scanning,
// and Changed equals comparing Holders of the whole org before and after.
func TestAfterAndChangedAgreeWithTheNaiveModel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	logins := []string{"Ann", "ann", "bob", "Boss", "carl", "dora", "eve", "fay", "gus"}
	slugs := []string{"Core", "core", "core-docs", "rel", "ghost"}
	roles := role.All
	for n := 0; n < 400; n++ {
		o := org()
		if n%2 == 1 {
			o.BaseRole = role.None
		}
		x := Index(o)
		r := &state.Repo{Name: "widget"}
		for i, k := 0, rng.Intn(8); i < k; i++ {
			r.Users = append(r.Users, state.UserGrant{Login: logins[rng.Intn(len(logins))], Role: roles[rng.Intn(5)], RoleName: []string{"", "custom"}[rng.Intn(2)]})
		}
		for i, k := 0, rng.Intn(4); i < k; i++ {
			r.Invitations = append(r.Invitations, state.Invitation{ID: int64(rng.Intn(4)), Login: logins[rng.Intn(len(logins))], Role: roles[rng.Intn(5)], Expired: rng.Intn(3) == 0})
		}
		for i, k := 0, rng.Intn(4); i < k; i++ {
			r.Teams = append(r.Teams, state.TeamGrant{Slug: slugs[rng.Intn(len(slugs))], Role: roles[rng.Intn(5)]})
		}
		var changes []Change
		for i, k := 0, rng.Intn([]int{4, 30}[n%2]); i < k; i++ {
			c := Change{Op: Op(1 + rng.Intn(int(RemoveTeam))), Role: roles[rng.Intn(5)], InvitationID: int64(rng.Intn(4))}
			switch c.Op {
			case AddTeam, SetTeam, RemoveTeam:
				c.Name = slugs[rng.Intn(len(slugs))]
			default:
				c.Name = logins[rng.Intn(len(logins))]
			}
			if c.Op == SetInvitation || c.Op == CancelInvitation {
				for _, inv := range r.Invitations {
					if inv.ID == c.InvitationID {
						c.Name = inv.Login // as the plan names them
					}
				}
			}
			changes = append(changes, c)
		}
		before := cloneRepo(r)
		got, want := After(r, changes), naiveAfter(r, changes)
		require.Equal(t, want.Users, got.Users, "case %d: %+v", n, changes)
		require.Equal(t, want.Invitations, got.Invitations, "case %d", n)
		require.Equal(t, want.Teams, got.Teams, "case %d", n)
		require.Equal(t, before, r, "After must not modify its input")

		hb, ha := x.Holders(r), x.Holders(want)
		var wantDeltas []string
		for k := range union(hb, ha) {
			var br, ar role.Role
			if hb[k] != nil {
				br = hb[k].Role
			}
			if ha[k] != nil {
				ar = ha[k].Role
			}
			if br != ar {
				wantDeltas = append(wantDeltas, k+": "+describe(hb[k])+" → "+describe(ha[k]))
			}
		}
		sort.Strings(wantDeltas)
		var gotDeltas []string
		for _, d := range x.Changed(r, got, changes) {
			gotDeltas = append(gotDeltas, Key(d.Login)+": "+describe(d.Before)+" → "+describe(d.After))
		}
		require.Equal(t, wantDeltas, gotDeltas, "case %d: %+v on %+v", n, changes, r)
	}
}

func cloneRepo(r *state.Repo) *state.Repo {
	c := *r
	c.Users = append([]state.UserGrant(nil), r.Users...)
	c.Invitations = append([]state.Invitation(nil), r.Invitations...)
	c.Teams = append([]state.TeamGrant(nil), r.Teams...)
	return &c
}

func union(a, b map[string]*Access) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func describe(a *Access) string {
	if a == nil {
		return "none"
	}
	var ss []string
	for _, s := range a.Sources {
		ss = append(ss, s.String())
	}
	return a.Login + " " + a.Role.String() + " [" + strings.Join(ss, "; ") + "]"
}

// TestGrantsFindTheFirstByIdentity: short lists are scanned, long ones
// indexed; both find the first entry of an identity, in any spelling.
func TestGrantsFindTheFirstByIdentity(t *testing.T) {
	for _, n := range []int{0, 3, shortList + 5} {
		r := &state.Repo{}
		for i := 0; i < n; i++ {
			r.Users = append(r.Users, state.UserGrant{Login: fmt.Sprintf("u%d", i), Role: role.Read})
			r.Invitations = append(r.Invitations, state.Invitation{ID: int64(i), Login: fmt.Sprintf("I%d", i)})
			r.Teams = append(r.Teams, state.TeamGrant{Slug: fmt.Sprintf("t%d", i)})
		}
		r.Users = append(r.Users, state.UserGrant{Login: "Dup", Role: role.Write}, state.UserGrant{Login: "dup", Role: role.Admin})
		g := IndexGrants(r)
		u, ok := g.User("DUP")
		assert.True(t, ok)
		assert.Equal(t, role.Write, u.Role, "the first of two spellings (%d)", n)
		_, ok = g.User("nobody")
		assert.False(t, ok)
		if n > 0 {
			inv, ok := g.Invitation("i2")
			assert.True(t, ok && inv.ID == 2 || n < 3, "n=%d", n)
			_, ok = g.Team(fmt.Sprintf("T%d", n-1))
			assert.True(t, ok)
		}
		_, ok = g.Team("ghost")
		assert.False(t, ok)
	}
}
