package audit_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Every kind of change the comparison reports, at the org and the
// repository level: each line is what, repository, subject, before, after,
// hand-made.
func TestCompareEveryKind(t *testing.T) {
	t.Parallel()
	in := audittest.Input()
	in.History = nil
	prev := audittest.Previous()
	old := prev.Org("acme")
	old.BaseRole = role.None
	old.Members = []string{"alice", "bob", "carol", "dave", "erin", "svc-bot", "Gone-Member"} // frank joined; Gone-Member left
	old.Teams = []*state.Team{
		{Slug: "Devs", Members: []string{"dave"}},             // erin joined devs (slug spelled otherwise)
		{Slug: "releng", Members: []string{"alice", "carol"}}, // bob joined
		{Slug: "retired", Members: []string{"x"}},             // deleted since
	} // releng-oncall created since
	old.Installations = []state.Installation{
		{AppSlug: "ci-bot", AppID: 77, Permissions: map[string]string{"checks": "read", "metadata": "read"}}, // permissions changed
		{AppSlug: "old-app", AppID: 5, Permissions: map[string]string{"metadata": "read"}},                   // uninstalled; permsync-writer installed
	}
	var repos []*state.Repo
	for _, r := range old.Repos {
		switch r.Name {
		case "legacy": // created since
			continue
		case "gadgets":
			r.Archived = true
			r.DefaultBranch = "trunk"
			r.Invitations = []state.Invitation{{ID: 501, Login: "yan", Role: role.Read}, {ID: 502, Login: "zed", Role: role.Read}, {ID: 503, Login: "quinn", Role: role.Write, Expired: true}}
			r.Teams = []state.TeamGrant{{Slug: "releng", Role: role.Admin, RoleName: "custom-admin"}}
		case "ruled":
			r.Rulesets[0].Enforcement = "evaluate"
			r.Rulesets = append(r.Rulesets, state.Ruleset{ID: 8, Name: "old-rules", Enforcement: "active"})
			r.DeployKeys = []state.DeployKey{{ID: 12, Title: "rw", ReadOnly: true}}
		}
		repos = append(repos, r)
	}
	old.Repos = append(repos, &state.Repo{Org: "acme", Name: "deleted", DefaultBranch: "main"})
	in.Previous = prev
	for _, r := range in.Actual["acme"].Repos {
		if r.Name == "ruled" {
			r.DeployKeys = []state.DeployKey{{ID: 12, Title: "rw", ReadOnly: false}}
		}
	}
	rep := audit.Build(in)
	var got []string
	for _, ch := range rep.Compare.Changes {
		if ch.Org == "acme" {
			got = append(got, strings.Join([]string{ch.What, ch.Repo, ch.Subject, ch.Before, ch.After, map[bool]string{true: "hand", false: ch.Explained}[ch.HandMade]}, " | "))
		}
	}
	sort.Strings(got)
	assert.Equal(t, []string{
		"app |  | app:ci-bot | checks: read, metadata: read | checks: write, metadata: read | hand",
		"app |  | app:old-app | metadata: read | (none) | hand",
		"app |  | app:permsync-writer | (none) | administration: write, members: read, metadata: read | hand",
		"archived | gadgets |  | true | false | hand",
		"base_role |  |  | none | read | hand",
		"default_branch | gadgets |  | trunk | main | hand",
		"deploy_key | gadgets | key:release-bot | (none) | read-write | hand",
		"deploy_key | ruled | key:rw | read-only | read-write | hand",
		"invitation | gadgets | user:quinn | write | (none) | matches the files",
		"invitation | gadgets | user:yan | read | write | hand",
		"invitation | gadgets | user:zed | pending | expired | expired after 7 days",
		"member |  | user:Gone-Member | org member | (none) | hand",
		"member |  | user:frank | (none) | org member | hand",
		"owner |  | user:root-eve | (none) | org owner | hand",
		"repository | deleted |  | existed | (none) | hand",
		"repository | legacy |  | (none) | created | hand",
		"ruleset | ruled | ruleset:cla-floor | evaluate; checks [EasyCLA (app 3000), DCO (app 999)]; bypass [Team releng] | active; checks [EasyCLA (app 3000), DCO (app 999)]; bypass [Team releng] | hand",
		"ruleset | ruled | ruleset:old-rules | active; checks []; bypass [] | (none) | hand",
		"team |  | team:releng-oncall | (none) | created | hand",
		"team |  | team:retired | existed | (none) | hand",
		"team_grant | gadgets | team:releng | admin | admin | matches the files",
		"team_grant | widgets | team:devs | read | write | matches the files",
		"team_member |  | team:devs user:erin | (none) | member of team devs | hand",
		"team_member |  | team:releng user:bob | (none) | member of team releng | hand",
		"team_member |  | team:releng-oncall user:carol | (none) | member of team releng-oncall | hand",
		"user_grant | gadgets | user:mallory | (none) | admin | hand",
		"user_grant | legacy | user:frank | (none) | maintain | hand",
	}, got)
}
