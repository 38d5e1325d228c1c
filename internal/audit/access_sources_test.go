package audit_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// A repository's access lists everyone holding it beyond the base role,
// with every source in order: direct, invitations, teams (not an inherited
// grant: the ancestor's is listed), ownership, base role.
func TestAccessSources(t *testing.T) {
	t.Parallel()
	in := audittest.Input()
	a := in.Actual["acme"]
	for _, r := range a.Repos {
		if r.Name == "widgets" {
			r.Users = append(r.Users, state.UserGrant{Login: "Carol", Role: role.Triage, RoleName: "custom-triage"}, state.UserGrant{Login: "svc-bot", Role: role.Read})
			r.Invitations = []state.Invitation{
				{ID: 1, Login: "olga", Role: role.Maintain},
				{ID: 2, Login: "pat", Role: role.Read, Expired: true},
				{ID: 3, Login: "quinn", Role: role.Write},
			}
			r.Teams = append(r.Teams, state.TeamGrant{Slug: "releng-oncall", Role: role.Admin, Inherited: "releng"}, state.TeamGrant{Slug: "ghost", Role: role.Write})
		}
	}
	rep := audit.Build(in)
	var got []string
	for _, o := range rep.Orgs {
		for _, r := range o.Repos {
			if r.Name != "widgets" {
				continue
			}
			got = append(got, fmt.Sprintf("base members %d; teams %d; invitations %d", r.BaseMembers, len(r.Teams), len(r.Invitations)))
			for _, acc := range r.Access {
				var src []string
				for _, s := range acc.Sources {
					src = append(src, fmt.Sprintf("%s:%s:%s:%s:%v:%s", s.Kind, s.Role, s.RoleName, s.Team, s.Via, s.Declared))
				}
				got = append(got, fmt.Sprintf("%s %s outside=%t pending=%t undeclared=%t | %s", acc.Login, acc.Role, acc.Outside, acc.Pending, acc.Undeclared, strings.Join(src, ", ")))
			}
		}
	}
	assert.Equal(t, []string{
		"base members 6; teams 3; invitations 3",
		"alice admin outside=false pending=false undeclared=false | team:admin::releng:[]:permissions/acme/widgets.yaml:2:11, base:read:::[]:",
		"bob admin outside=false pending=false undeclared=false | team:admin::releng:[]:permissions/acme/widgets.yaml:2:11, base:read:::[]:",
		"Carol admin outside=false pending=false undeclared=false | direct:triage:custom-triage::[]:, team:admin::releng:[releng-oncall]:permissions/acme/widgets.yaml:2:11, base:read:::[]:",
		"root-eve admin outside=false pending=false undeclared=true | owner:admin:::[]:",
		"svc-bot admin outside=false pending=false undeclared=false | direct:read:::[]:, owner:admin:::[]:",
		"olga maintain outside=true pending=false undeclared=true | direct:write:::[]:permissions/acme/widgets.yaml:5:11, invitation:maintain:::[]:",
		"dave write outside=false pending=false undeclared=false | team:write::devs:[]:permissions/acme/widgets.yaml:4:11, base:read:::[]:",
		"erin write outside=false pending=false undeclared=false | team:write::devs:[]:permissions/acme/widgets.yaml:4:11, base:read:::[]:",
		"quinn write outside=true pending=true undeclared=true | invitation:write:::[]:",
	}, got)
}
