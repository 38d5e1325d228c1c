package reconcile

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func TestApplyRaisesBeforeRemovals(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "bob", Role: role.Admin}, {Login: "carol", Role: role.Maintain}}}
	f := newFixture(t, "", map[string]string{"widget": "admin:\n  users: [alice]\nwrite:\n  users: [carol]\n"}, baseOrg(repo))
	p := f.plan()
	f.apply(p)
	assert.Equal(t, []string{"set-user widget alice", "remove-user widget bob", "set-user widget carol"}, f.gh.writes,
		"alice becomes admin before bob loses it; lowering carol waits with the removals")
}

func TestFailedRaiseSkipsThatRepositorysRemovalsAndARerunConverges(t *testing.T) {
	org := baseOrg(
		&state.Repo{Name: "one", Users: []state.UserGrant{{Login: "bob", Role: role.Admin}}},
		&state.Repo{Name: "two", Users: []state.UserGrant{{Login: "bob", Role: role.Admin}}},
	)
	f := newFixture(t, "", map[string]string{
		"one": "admin:\n  users: [alice]\n",
		"two": "admin:\n  users: [alice]\n",
	}, org)
	f.gh.fail = map[string]error{"set-user one alice": errors.New("502 Bad Gateway after 3 retries")}
	res := f.apply(f.plan())
	assert.True(t, res.Partial())
	byRepo := map[string]Status{}
	for _, o := range res.Outcomes {
		byRepo[o.Change.Repo+" "+string(o.Change.Kind)] = o.Status
	}
	assert.Equal(t, map[string]Status{
		"one user_add": Failed, "one user_remove": Skipped,
		"two user_add": Done, "two user_remove": Done,
	}, byRepo)
	_, stillAdmin := f.gh.org.Repo("one").User("bob")
	assert.True(t, stillAdmin, "bob keeps admin on one: nobody is locked out")

	f.gh.fail = nil
	res = f.apply(f.plan())
	assert.False(t, res.Partial())
	assert.Empty(t, f.plan().Changes)
}

func TestApplyRereadsBeforeEachWrite(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "bob", Role: role.Write}, {Login: "carol", Role: role.Read}}}
	f := newFixture(t, "", map[string]string{"widget": "maintain:\n  users: [bob]\nwrite:\n  users: [carol]\n"}, baseOrg(repo))
	p := f.plan()
	// Between plan and apply: someone raises bob by hand to admin, and a
	// second run already made carol write.
	r := f.gh.org.Repo("widget")
	r.Users[0].Role = role.Admin
	r.Users[1].Role = role.Write
	res := f.apply(p)
	got := map[string]Status{}
	for _, o := range res.Outcomes {
		got[o.Change.User] = o.Status
	}
	assert.Equal(t, map[string]Status{"bob": Conflict, "carol": Already}, got)
	u, _ := r.User("bob")
	assert.Equal(t, role.Admin, u.Role, "a hand change made after the plan is not overwritten blindly")
	assert.Empty(t, f.gh.writes)
}

func TestApplyStopsWritingWhenCancelled(t *testing.T) {
	repo := &state.Repo{Name: "widget"}
	f := newFixture(t, "", map[string]string{"widget": "write:\n  users: [alice, bob]\n"}, baseOrg(repo))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Apply(ctx, f.plan(), f.gh, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Count(Skipped))
	assert.Empty(t, f.gh.writes)
}
