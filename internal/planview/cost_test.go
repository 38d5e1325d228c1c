package planview

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// bigPlan is n repositories with 5 changes and 2 effects each, the shape
// bench/plancost -changed gives.
func bigPlan(n int) *reconcile.Plan {
	p := &reconcile.Plan{FormatVersion: reconcile.FormatVersion, Orgs: []reconcile.OrgMode{{Org: "acme", Mode: config.Authoritative}}}
	for i := range n {
		repo := fmt.Sprintf("repo-%05d", n-i) // not in order: the sort is exercised
		p.Repos = append(p.Repos, "acme/"+repo)
		src := config.Pos{File: "permissions/acme/" + repo + ".yaml", Line: 4, Col: 9}
		p.Changes = append(p.Changes,
			reconcile.Change{Kind: reconcile.UserChange, Org: "acme", Repo: repo, User: "alice", Before: role.Read, After: role.Write, Source: src},
			reconcile.Change{Kind: reconcile.UserRemove, Org: "acme", Repo: repo, User: "bob", Before: role.Write, Source: config.Pos{File: src.File}},
			reconcile.Change{Kind: reconcile.UserAdd, Org: "acme", Repo: repo, User: "carol", After: role.Maintain, Source: src},
			reconcile.Change{Kind: reconcile.TeamChange, Org: "acme", Repo: repo, Team: "core", Before: role.Read, After: role.Write, Source: src},
			reconcile.Change{Kind: reconcile.ProtectionUpdate, Org: "acme", Repo: repo, Branch: "main", Source: src,
				ProtectionChanges: []reconcile.FieldChange{{Field: "required_approving_review_count", Before: "1", After: "2"}}})
		p.EffectiveAccess = append(p.EffectiveAccess,
			reconcile.Effect{Org: "acme", Repo: repo, Login: "alice", Before: role.Read, After: role.Write, SourcesAfter: []string{"direct (write)"}},
			reconcile.Effect{Org: "acme", Repo: repo, Login: "carol", Before: role.Read, After: role.Maintain, SourcesAfter: []string{"direct (maintain)"}})
	}
	return p
}

// TestMarkdownDrawsWhatFits: a plan far larger than a comment is drawn in
// proportion to the comment, not to the plan: no repository block or
// effect row is drawn twice, and none past the size limit.
func TestMarkdownDrawsWhatFits(t *testing.T) {
	p := bigPlan(10000)
	d := newMarkdownDoc(p, MarkdownOptions{MaxBytes: CommentLimit - 2048, Title: "permsync plan"})
	out := d.render()
	assert.LessOrEqual(t, len(out), CommentLimit-2048)
	shown := strings.Count(out, "<details><summary><code>acme/repo-")
	require.Positive(t, shown)
	assert.Contains(t, out, fmt.Sprintf("…and %d more repositories with %d changes", 10000-shown, 5*(10000-shown)))
	assert.Contains(t, out, "<code>acme/repo-00001</code>", "in name order")
	// A block is ~400 bytes: the limit holds ~150, drawn once each.
	t.Logf("shown %d, drawn %d blocks, %d rows", shown, len(d.repos.done), len(d.effects.done))
	assert.Less(t, len(d.repos.done), 300, "repository blocks drawn (of 10,000)")
	assert.Less(t, len(d.effects.done), 1500, "effect rows drawn (of 20,000)")
}

// BenchmarkRender draws a 10,000-repository plan, every repository
// changed, in each format (bench/RESULTS.md, "Rendering the plan").
func BenchmarkRender(b *testing.B) {
	p := bigPlan(10000)
	for _, f := range []Format{FormatText, FormatMarkdown, FormatJSON} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Render(io.Discard, p, f, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
