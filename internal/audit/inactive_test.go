package audit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func TestInactiveAccess(t *testing.T) {
	now := time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC)
	a := &state.Org{Name: "acme",
		Teams: []*state.Team{{Slug: "core", Members: []string{"carol", "dave"}}, {Slug: "readers", Members: []string{"erin"}}},
		Repos: []*state.Repo{
			{Name: "w", Users: []state.UserGrant{{Login: "Alice", Role: role.Write}, {Login: "bob", Role: role.Admin}, {Login: "frank", Role: role.Triage}},
				Teams: []state.TeamGrant{{Slug: "core", Role: role.Maintain}, {Slug: "readers", Role: role.Read}}},
			{Name: "busy", Users: []state.UserGrant{{Login: "alice", Role: role.Write}}},
			{Name: "unread", Users: []state.UserGrant{{Login: "alice", Role: role.Write}}},
		}}
	activity := map[string]RepoActivity{
		"w": {Since: now.AddDate(0, 0, -90), Last: map[string]time.Time{
			"bob":   now.AddDate(0, 0, -89), // active, just
			"carol": now.AddDate(0, 0, -91), // before the horizon
		}},
		"busy": {Since: now.AddDate(0, 0, -5), Last: map[string]time.Time{}},
	}
	got, notes := InactiveFindings(access.Index(a), &config.Org{Name: "acme"}, activity, now, 0)
	var subjects []string
	for _, f := range got {
		subjects = append(subjects, f.Repo+" "+f.Subject)
	}
	require.Equal(t, []string{"w user:Alice", "w user:carol", "w user:dave"}, subjects, "erin (read) and frank (triage) are below write; bob is active")
	require.Equal(t, "Alice holds write or above (direct write) and shows no activity in the repository's events in the last 90 days (source: repository events since 2027-01-31)", got[0].Message)
	require.Equal(t, []string{"acme/busy: its events reach back only to 2027-04-26, less than 90 days: inactive access is not judged there"}, notes)
}
