package drift

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

var sent = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func handMade() (*reconcile.Plan, map[string]*state.Org) {
	p := &reconcile.Plan{
		Orgs:  []reconcile.OrgMode{{Org: "acme", Mode: config.Authoritative}},
		Repos: []string{"acme/gadget", "acme/widget"},
		Changes: []reconcile.Change{
			{Kind: reconcile.UserRemove, Org: "acme", Repo: "widget", User: "stray", Before: role.Admin},
			{Kind: reconcile.TeamChange, Org: "acme", Repo: "widget", Team: "core", Before: role.Read, After: role.Write},
			{Kind: reconcile.InvitationCancel, Org: "acme", Repo: "gadget", User: "stranger", Before: role.Read, InvitationID: 7},
			{Kind: reconcile.ProtectionUpdate, Org: "acme", Repo: "gadget", Branch: "main", ProtectionChanges: []reconcile.FieldChange{
				{Field: "enforce_admins", Before: "off", After: "on", Weakens: false}}},
			{Kind: reconcile.UserAdd, Org: "acme", Repo: "gadget", User: "alice", After: role.Maintain},
		},
		Refusals: []reconcile.Refusal{{Rule: "max_removals", Message: "a refused change"}},
	}
	actual := map[string]*state.Org{"acme": {Name: "acme", Repos: []*state.Repo{
		{Name: "gadget", Invitations: []state.Invitation{{ID: 7, Login: "stranger", Role: role.Read, CreatedAt: sent, Inviter: "@mallory"}}},
		{Name: "widget"},
	}}}
	return p, actual
}

// TestEventsSayWhatHappened: each kind of drift reads as what was done on
// GitHub, with who and when where GitHub records them (an invitation).
func TestEventsSayWhatHappened(t *testing.T) {
	p, actual := handMade()
	var lines []string
	for _, e := range Events(p, actual) {
		lines = append(lines, e.Where()+": "+e.Line())
	}
	assert.Equal(t, []string{
		"acme/gadget: user stranger was invited as read; the file does not list them (by @mallory, on 2026-11-20)",
		"acme/gadget: protection of main changed: enforce_admins is off (the file: on)",
		"acme/gadget: user alice holds nothing; the file gives maintain (removed outside permsync, or not applied yet)",
		"acme/widget: user stray was given admin; the file does not list them",
		"acme/widget: team core lowered to read; the file gives write",
	}, lines)
	// Without the state, nothing is made up about who or when.
	for _, e := range Events(p, nil) {
		assert.Empty(t, e.By)
		assert.True(t, e.When.IsZero())
	}
}

// TestWriteTextTellsThenPlans: text drift is the story first, then the plan.
func TestWriteTextTellsThenPlans(t *testing.T) {
	p, actual := handMade()
	var b bytes.Buffer
	require.NoError(t, WriteText(&b, p, actual, false))
	out := b.String()
	require.True(t, strings.HasPrefix(out, "Changed outside permsync (5 differences in 2 repositories):\n  acme/gadget\n    user stranger was invited as read"), out)
	told, plan := strings.Index(out, "Changed outside permsync"), strings.Index(out, "What apply would do:")
	assert.Less(t, told, plan)
	assert.Contains(t, out[plan:], "stray", "the plan follows")
	assert.Contains(t, out, "audit log")

	b.Reset()
	require.NoError(t, WriteText(&b, &reconcile.Plan{}, nil, false))
	assert.Equal(t, "No drift: GitHub matches the permissions files.\n", b.String())
}

// TestBodyOrder: the issue lists the drift first and the refusals after
// it, and its how-to-fix names the full reconciliation (a push applies
// only the files it changed). A hostile inviter login stays inert text.
func TestBodyOrder(t *testing.T) {
	p, actual := handMade()
	body := Body(p, actual, time.Date(2026, 12, 1, 4, 0, 0, 0, time.UTC), "https://example.test/run/1")
	drift := strings.Index(body, "## Changed outside permsync")
	refusals := strings.Index(body, "refusal")
	fix := strings.Index(body, "How to fix")
	require.True(t, drift >= 0 && refusals >= 0 && fix >= 0, body)
	assert.Less(t, drift, refusals, "drift first, refusals after")
	assert.Less(t, refusals, fix)
	assert.Contains(t, body, "applies only the repositories whose files it changed")
	assert.Contains(t, body, "gh workflow run permissions-apply.yml -f full=true")
	assert.Contains(t, body, "@\u200bmallory", "no mention is sent from a login")
	assert.NotContains(t, body, "(by @mallory")
	assert.NotContains(t, body, "<!-- permsync:plan -->", "the plan comment's marker is not in the issue")
}

func TestBodyBoundsTheList(t *testing.T) {
	p := &reconcile.Plan{Orgs: []reconcile.OrgMode{{Org: "acme"}}}
	for i := range 200 {
		p.Changes = append(p.Changes, reconcile.Change{Kind: reconcile.UserRemove, Org: "acme", Repo: "r" + strings.Repeat("x", i%7), User: "u" + strings.Repeat("y", i), Before: role.Write})
	}
	body := Body(p, nil, time.Now(), "")
	assert.Contains(t, body, "…and 140 more")
	assert.LessOrEqual(t, len(body), 65536, "within GitHub's issue body limit")
}
