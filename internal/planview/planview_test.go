package planview

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/planview -update to create it")
	assert.Equal(t, string(want), string(got))
}

func samplePlan() *reconcile.Plan {
	yes, two := true, 2
	checks := []state.Check{{Context: "EasyCLA", AppID: -1}, {Context: "build", AppID: 15368}}
	pos := func(line, col int) config.Pos {
		return config.Pos{File: "permissions/acme/widget.yaml", Line: line, Col: col}
	}
	return &reconcile.Plan{
		FormatVersion: reconcile.FormatVersion,
		CreatedAt:     time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Dir:           "permissions",
		Orgs:          []reconcile.OrgMode{{Org: "acme", Mode: config.Authoritative}},
		Repos:         []string{"acme/gadget", "acme/widget"},
		Changes: []reconcile.Change{
			{Kind: reconcile.ProtectionUpdate, Org: "acme", Repo: "widget", Branch: "main", Source: pos(9, 5),
				ProtectionBefore: &state.BranchProtection{Branch: "main", Protected: true},
				ProtectionAfter:  &state.ProtectionSettings{Checks: &checks, EnforceAdmins: &yes, Reviews: &two},
				ProtectionChanges: []reconcile.FieldChange{
					{Field: "required_status_checks", Before: "EasyCLA", After: "EasyCLA, build (app 15368)"},
					{Field: "enforce_admins", Before: "false", After: "true"},
				}},
			{Kind: reconcile.TeamAdd, Org: "acme", Repo: "widget", Team: "widget-tsc", After: role.Maintain, Source: pos(3, 12)},
			{Kind: reconcile.UserChange, Org: "acme", Repo: "widget", User: "alice", Before: role.Write, After: role.Maintain, Source: pos(4, 12)},
			{Kind: reconcile.UserAdd, Org: "acme", Repo: "widget", User: "mallory", After: role.Admin, Source: pos(2, 11), Refused: true},
			{Kind: reconcile.UserAdd, Org: "acme", Repo: "widget", User: "outsider", After: role.Write, Invite: true, Source: pos(6, 11)},
			{Kind: reconcile.UserRemove, Org: "acme", Repo: "widget", User: "bob", Before: role.Admin, Source: config.Pos{File: "permissions/acme/widget.yaml"}},
			{Kind: reconcile.InvitationCancel, Org: "acme", Repo: "widget", User: "stranger", Before: role.Read, InvitationID: 7, Source: config.Pos{File: "permissions/acme/widget.yaml"}},
		},
		Refusals: []reconcile.Refusal{{Rule: reconcile.RuleAdminAllowed, Org: "acme", RulePos: config.Pos{File: "permissions/acme.yaml", Line: 3, Col: 1},
			Message: "only the principals the org's admin_allowed lists may be given admin: grant maintain instead, or add it to admin_allowed in a reviewed change to the org file",
			Items:   []reconcile.RefusedItem{{Item: reconcile.Item{Repo: "widget", Subject: "user:mallory", Source: pos(2, 11), Detail: "user:mallory would become admin"}, Change: 3}}}},
		Errors: []reconcile.RepoError{{Org: "acme", Repo: "gadget", Source: config.Pos{File: "permissions/acme/gadget.yaml"},
			Message: "repository acme/gadget could not be read (502 Bad Gateway); nothing is planned for it"}},
		Notices: []reconcile.Notice{{Kind: reconcile.NoticeArchived, Org: "acme", Message: "acme/old is archived: its rights are reported, not changed",
			Items: []reconcile.Item{{Repo: "old", Source: config.Pos{File: "permissions/acme/old.yaml"}}}},
			{Kind: reconcile.NoticeCrossed, Rule: reconcile.RuleMaxAdmins, Severity: reconcile.SeverityHigh, Org: "acme",
				RulePos: &config.Pos{File: "permissions/acme.yaml", Line: 4, Col: 1},
				Message: "repositories already have more admins than max_admins (2): no change in this plan makes it worse, so nothing is refused",
				Items: []reconcile.Item{{Repo: "widget", Source: config.Pos{File: "permissions/acme/widget.yaml"}, Detail: "acme/widget has 3 admins (alice, bob, dave), more than max_admins (2)"},
					{Repo: "gizmo", Source: config.Pos{File: "permissions/acme/gizmo.yaml"}, Detail: "acme/gizmo has 4 admins (alice, bob, carol, dave), more than max_admins (2)"}}}},
		EffectiveAccess: []reconcile.Effect{
			{Org: "acme", Repo: "widget", Login: "alice", Before: role.Write, After: role.Maintain, SourcesBefore: []string{"direct (write)"}, SourcesAfter: []string{"direct (maintain)"}},
			{Org: "acme", Repo: "widget", Login: "bob", Before: role.Admin, After: role.Read, SourcesBefore: []string{"direct (admin)", "org base role (read)"}, SourcesAfter: []string{"org base role (read)"}},
		},
		Digests: []reconcile.Digest{{Org: "acme", Repo: "widget", Files: "f00d", State: "beef"}},
	}
}

func TestTextGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Text(&buf, samplePlan(), TextOptions{}))
	golden(t, "plan.txt", buf.Bytes())
	assert.NotContains(t, buf.String(), "\x1b[", "no colour when not asked")

	buf.Reset()
	require.NoError(t, Text(&buf, samplePlan(), TextOptions{Color: true}))
	assert.Contains(t, buf.String(), "\x1b[32m+")
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, samplePlan(), MarkdownOptions{}))
	golden(t, "plan.md", buf.Bytes())
}

func TestJSONGoldenAndRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, JSON(&buf, samplePlan()))
	golden(t, "plan.json", buf.Bytes())
	p, err := reconcile.ReadPlan(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, samplePlan(), p)

	_, err = reconcile.ReadPlan(strings.NewReader(`{"format_version": 99}`))
	assert.ErrorContains(t, err, "format_version 99 is not supported")
}

func TestEmptyPlanSummary(t *testing.T) {
	p := &reconcile.Plan{Repos: []string{"a/b", "a/c"}}
	assert.Equal(t, "No changes: GitHub matches the files (2 repositories checked).", SummaryLine(p))
}

func TestMarkdownStaysUnderGitHubsLimit(t *testing.T) {
	p := samplePlan()
	base := p.Changes[1]
	for i := range 4000 {
		c := base
		c.Repo = "repo-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + itoa(i)
		p.Changes = append(p.Changes, c)
		p.EffectiveAccess = append(p.EffectiveAccess, reconcile.Effect{Org: "acme", Repo: c.Repo, Login: "someone-" + itoa(i), Before: role.Read, After: role.Admin})
	}
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, p, MarkdownOptions{}))
	assert.Less(t, buf.Len(), CommentLimit)
	assert.Contains(t, buf.String(), "more repositories with")
	assert.Contains(t, buf.String(), "| …and ", "long effective-access tables are cut too")
	assert.Contains(t, buf.String(), "[!CAUTION]", "refusals are never cut")
}

func TestMarkdownEscapesNames(t *testing.T) {
	p := &reconcile.Plan{Repos: []string{"a/b"}, Changes: []reconcile.Change{{Kind: reconcile.ProtectionCreate, Org: "a", Repo: "b",
		Branch: "x```\n<script>@team", Source: config.Pos{File: "f"}}},
		Errors: []reconcile.RepoError{{Org: "a", Message: "<img src=x onerror=alert(1)> @everyone [link](http://x)"}}}
	var buf bytes.Buffer
	require.NoError(t, Markdown(&buf, p, MarkdownOptions{}))
	out := buf.String()
	assert.Equal(t, 2, strings.Count(out, "```"), "a name cannot close the code fence")
	assert.NotContains(t, out, "<img", "HTML outside code is escaped")
	assert.NotContains(t, out, " @everyone", "no mention")
	assert.NotContains(t, out, "[link](", "no link")
}

func TestApplyOutput(t *testing.T) {
	r := &reconcile.Result{Outcomes: []reconcile.Outcome{
		{Change: reconcile.Change{Kind: reconcile.UserAdd, Org: "acme", Repo: "widget", User: "outsider", After: role.Write, Invite: true}, Status: reconcile.Done, Invited: true},
		{Change: reconcile.Change{Kind: reconcile.UserRemove, Org: "acme", Repo: "widget", User: "bob", Before: role.Admin}, Status: reconcile.Skipped, Message: "skipped: an add failed"},
		{Change: reconcile.Change{Kind: reconcile.TeamAdd, Org: "acme", Repo: "gadget", Team: "core", After: role.Write}, Status: reconcile.Failed, Message: "502 Bad Gateway"},
	}}
	// What apply prints, as it goes: a line per outcome, then the summary.
	var buf bytes.Buffer
	for _, o := range r.Outcomes {
		buf.WriteString(OutcomeLine(o, false) + "\n")
	}
	buf.WriteString(ApplySummary(r) + "\n")
	golden(t, "apply.txt", buf.Bytes())
}

func itoa(i int) string {
	return strings.TrimLeft(strings.Repeat("0", 1)+string(rune('0'+i/1000%10))+string(rune('0'+i/100%10))+string(rune('0'+i/10%10))+string(rune('0'+i%10)), "0")
}

// TestOneCauseOneRow: 33 removals refused by max_removals are one refusal:
// one row in markdown, one entry in text showing the first few and a count,
// and every one of them in JSON.
func TestOneCauseOneRow(t *testing.T) {
	p := &reconcile.Plan{FormatVersion: reconcile.FormatVersion, Orgs: []reconcile.OrgMode{{Org: "acme", Mode: config.Authoritative}}}
	r := reconcile.Refusal{Rule: reconcile.RuleMaxRemovals, Org: "acme", RulePos: config.Pos{File: "permissions/acme.yaml", Line: 7, Col: 1},
		Message: "this run would remove 33 grants in acme, more than max_removals (20): raise it for this change in a reviewed pull request, or remove fewer at a time"}
	for i := range 33 {
		repo := fmt.Sprintf("r%d", i%6)
		p.Repos = append(p.Repos, "acme/"+repo)
		p.Changes = append(p.Changes, reconcile.Change{Kind: reconcile.UserRemove, Org: "acme", Repo: repo, User: fmt.Sprintf("u%02d", i), Before: role.Write, Refused: true,
			Source: config.Pos{File: "permissions/acme/" + repo + ".yaml"}})
		r.Items = append(r.Items, reconcile.RefusedItem{Item: reconcile.Item{Repo: repo, Subject: fmt.Sprintf("user:u%02d", i),
			Source: config.Pos{File: "permissions/acme/" + repo + ".yaml"}}, Change: i}) // worded from the change, as reconcile leaves it
	}
	p.Refusals = []reconcile.Refusal{r}

	var txt bytes.Buffer
	require.NoError(t, Text(&txt, p, TextOptions{}))
	out := txt.String()
	assert.Equal(t, 1, strings.Count(out, "! max_removals:"), "one entry")
	assert.Equal(t, ShownItems, strings.Count(out, ": remove user u"), "the first few")
	assert.Contains(t, out, "…and 28 more (6 repositories in all; every one is in the JSON plan)")
	assert.Contains(t, out, "1 refusal of 33 changes (apply will change nothing)")

	var md bytes.Buffer
	require.NoError(t, Markdown(&md, p, MarkdownOptions{}))
	assert.Equal(t, 1, strings.Count(md.String(), "| `max_removals` |"), "one row")
	assert.Contains(t, md.String(), "…and 28 more")
	checkMarkdown(t, md.String())

	var js bytes.Buffer
	require.NoError(t, JSON(&js, p))
	back, err := reconcile.ReadPlan(&js)
	require.NoError(t, err)
	require.Len(t, back.Refusals, 1)
	assert.Len(t, back.Refusals[0].Items, 33, "all of them in JSON")
}

// TestOneWording: a change reads the same in the plan, in apply's output
// and wherever an item names it (a notice of a change an expiries-only run
// leaves out), and an expiry removal says it is one (the grant is still in
// the file).
func TestOneWording(t *testing.T) {
	c := reconcile.Change{Kind: reconcile.UserRemove, Org: "acme", Repo: "widget", User: "bob", Before: role.Write, Expiry: "2026-12-01",
		Source: config.Pos{File: "permissions/acme/widget.yaml", Line: 3, Col: 9}}
	want := "remove user bob (write), expired on 2026-12-01"
	assert.Equal(t, want, Line(c))
	assert.Equal(t, "acme/widget: "+want, Describe(c))

	p := &reconcile.Plan{Repos: []string{"acme/widget"}, Changes: []reconcile.Change{c}}
	var plan bytes.Buffer
	require.NoError(t, Text(&plan, p, TextOptions{}))
	assert.Contains(t, plan.String(), "  - "+want+"  permissions/acme/widget.yaml:3:9\n")

	applied := OutcomeLine(reconcile.Outcome{Change: c, Status: reconcile.Done}, false)
	assert.Equal(t, "✓ done     acme/widget: "+want, applied)

	left := c
	left.Expiry = ""
	p = &reconcile.Plan{Notices: []reconcile.Notice{{Kind: reconcile.NoticeNotExpiry, Org: "acme", Message: "not applied by an expiries-only run (not an expiry)",
		Items: []reconcile.Item{{Repo: "widget", Subject: "user:bob", Source: left.Source, Planned: &left}}}}}
	plan.Reset()
	require.NoError(t, Text(&plan, p, TextOptions{}))
	assert.Contains(t, plan.String(), "      acme/widget: remove user bob (write)  permissions/acme/widget.yaml:3:9\n")
}
