package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// TestDigestsAreThoseOfTheWholeDocument: the digests splice per-org parts
// into each repository's JSON; the hash must be that of encoding/json
// encoding the whole document, as plans saved before did, so a saved plan
// stays fresh across the change, names that JSON escapes included.
func TestDigestsAreThoseOfTheWholeDocument(t *testing.T) {
	yes := true
	two := 2
	pol := config.DefaultPolicy()
	pol.AdminAllowed = []config.Principal{{Kind: config.Team, Name: "rel<eng>"}}
	pol.ExpectedOwners = []string{"Boss"}
	pol.Pos = map[string]config.Pos{"mode": {File: "acme.yaml", Line: 2}}
	org := &config.Org{Name: "acme", File: "acme.yaml", Policy: pol}
	a := &state.Org{Name: "acme", BaseRole: role.Read, Owners: []string{"Boss", "o&wner"}, Members: []string{"Ann", "bob", "Boss", "zoé"},
		Teams: []*state.Team{{Slug: "core", Members: []string{"Ann", "bob"}}, {Slug: "empty"}, {Slug: "q\"uote", Members: []string{"zoé"}}}}
	repo := &state.Repo{Org: "acme", Name: "widget", DefaultBranch: "main",
		Users: []state.UserGrant{{Login: "Ann", Role: role.Admin, ID: 7}, {Login: "outsider", Role: role.Write, RoleName: state.RoleNameAmbiguous},
			{Login: "zoé", Role: role.Read, RoleName: "<custom>"}},
		Invitations: []state.Invitation{{ID: 4, Login: "guest", Role: role.Triage}},
		Teams:       []state.TeamGrant{{Slug: "core", Role: role.Maintain}, {Slug: "ghost", Role: role.Read}, {Slug: "q\"uote", Role: role.Write}},
		Protection: []state.BranchProtection{{Branch: "main", Protected: true, EnforceAdmins: true,
			StatusChecks: &state.StatusChecks{Checks: []state.Check{{Context: "DCO", AppID: -1}}}, Reviews: &state.Reviews{Count: 1}}},
		DeployKeys: []state.DeployKey{{ID: 1, Title: "k"}}}
	files := []*config.Repo{
		{Org: "acme", Name: "widget", File: "acme/widget.yaml", Grants: []config.Grant{
			{Principal: config.Principal{Kind: config.User, Name: "ANN"}, Role: role.Admin},
			{Principal: config.Principal{Kind: config.User, Name: "<new>"}, Role: role.Read},
			{Principal: config.Principal{Kind: config.Team, Name: "core"}, Role: role.Maintain},
			{Principal: config.Principal{Kind: config.Team, Name: "missing"}, Role: role.Read},
			{Principal: config.Principal{Kind: config.Team, Name: "empty"}, Role: role.Read}},
			Protection: []config.BranchProtection{{Branch: "main", Settings: state.Settings[config.Check]{Reviews: &two, EnforceAdmins: &yes,
				Checks: &[]config.Check{{Context: "DCO", AppID: config.AnyApp}}}}}},
		{Org: "acme", Name: "gone", File: "acme/gone.yaml"},
	}
	a.Repos = []*state.Repo{repo}
	in := Input{Targets: []Target{{Org: org, Repos: files}}, Actual: map[string]*state.Org{"acme": a}}
	got := Digests(&Plan{}, in)
	require.Len(t, got, 2)
	for i, r := range files {
		assert.Equal(t, wholeFilesDigest(org, r), got[i].Files, r.Name)
		assert.Equal(t, wholeStateDigest(a, a.Repo(r.Name), r), got[i].State, r.Name)
	}
	assert.Equal(t, wholeHash("absent"), got[1].State)

	// And every input the state digest depends on moves it.
	before := got[0].State
	a.Members = append(a.Members, "outsider")
	assert.NotEqual(t, before, Digests(&Plan{}, in)[0].State, "membership of a user granted")
	before = Digests(&Plan{}, in)[0].State
	a.Teams[0].Members = append(a.Teams[0].Members, "carl")
	assert.NotEqual(t, before, Digests(&Plan{}, in)[0].State, "a team's members")
}

// TestDigestUsersAsEncodingJSON: the digest writes direct grants by hand;
// a field added to state.UserGrant must be added there too, or a change in
// it would not make a saved plan stale.
func TestDigestUsersAsEncodingJSON(t *testing.T) {
	var fields []string
	ty := reflect.TypeOf(state.UserGrant{})
	for i := 0; i < ty.NumField(); i++ {
		fields = append(fields, ty.Field(i).Name+" "+ty.Field(i).Tag.Get("json"))
	}
	require.Equal(t, []string{"Login login", "ID id,omitempty", "Role role", "RoleName role_name,omitempty"}, fields,
		"state.UserGrant changed: update appendUsers in digest.go, then this list")
	for _, us := range [][]state.UserGrant{nil, {}, {{Login: "a\"b<", ID: -3, Role: role.None, RoleName: "x&y"}, {Login: "é", Role: role.Maintain}}} {
		want, err := json.Marshal(us)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendUsers(nil, us)))
	}
}

// wholeFilesDigest and wholeStateDigest are the digests as encoding/json
// writes the whole document.
func wholeFilesDigest(o *config.Org, r *config.Repo) string {
	type protection struct {
		Branch        string
		Checks        *[]check
		Strict        *bool
		EnforceAdmins *bool
		Reviews       *int
	}
	type grant struct {
		Principal string
		Role      string
	}
	var grants []grant
	for _, g := range r.Grants {
		grants = append(grants, grant{g.Key(), g.Role.String()})
	}
	var prot []protection
	for _, bp := range r.Protection {
		pr := protection{Branch: bp.Branch, Strict: bp.Strict, EnforceAdmins: bp.EnforceAdmins, Reviews: bp.Reviews}
		if bp.Checks != nil {
			cs := []check{}
			for _, c := range *bp.Checks {
				cs = append(cs, check{c.Context, c.AppID})
			}
			pr.Checks = &cs
		}
		prot = append(prot, pr)
	}
	pol := o.Policy
	pol.Pos = nil
	var floor []check
	for _, c := range pol.RequiredChecks {
		floor = append(floor, check{c.Context, c.AppID})
	}
	pol.RequiredChecks = nil
	return wholeHash(struct {
		Policy     config.Policy
		Floor      []check
		Grants     []grant
		Protection []protection
	}{pol, floor, grants, prot})
}

func wholeStateDigest(a *state.Org, r *state.Repo, desired *config.Repo) string {
	if r == nil {
		return wholeHash("absent")
	}
	teams := map[string][]string{}
	for _, t := range r.Teams {
		if team := a.Team(t.Slug); team != nil {
			teams[strings.ToLower(t.Slug)] = team.Members
		}
	}
	members := map[string]bool{}
	for _, g := range desired.Grants {
		if g.Kind == config.Team {
			if team := a.Team(g.Name); team != nil {
				teams[strings.ToLower(g.Name)] = team.Members
			} else {
				teams[strings.ToLower(g.Name)] = nil
			}
		} else {
			members[strings.ToLower(g.Name)] = a.IsMember(g.Name)
		}
	}
	for _, u := range r.Users {
		members[strings.ToLower(u.Login)] = a.IsMember(u.Login)
	}
	repo := *r
	repo.DeployKeys = nil
	return wholeHash(struct {
		Repo     state.Repo
		BaseRole string
		Owners   []string
		Teams    map[string][]string
		Members  map[string]bool
	}{repo, a.BaseRole.String(), a.Owners, teams, members})
}

func wholeHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
