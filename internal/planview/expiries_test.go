package planview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// The dates to approve: one line each, in a block no name in the files can
// break out of, cut to fit a pull request comment.
func TestExpiriesSection(t *testing.T) {
	p := &reconcile.Plan{ExpiriesSince: "0123456789abcdef0123456789abcdef01234567"}
	assert.Empty(t, ExpiriesText(p))
	assert.Empty(t, ExpiriesMarkdown(p))
	p.ExpiryChanges = []reconcile.ExpiryChange{
		{Change: reconcile.ExpiryRemoved, Org: "acme", Repo: "a", Principal: "user:bob", Expires: "2027-06-01", Source: config.Pos{File: "permissions/acme/a.yaml", Line: 3}},
		{Change: reconcile.ExpiryAdded, Org: "acme", Repo: "a", Principal: "team:x`\n# Approved", ID: 0, Expires: "2026-12-08", Source: config.Pos{File: "permissions/acme/a.yaml", Line: 4}},
		{Change: reconcile.ExpiryAdded, Org: "acme", Repo: "a", Principal: "user:dave", ID: 7, Expires: "2026-12-08", Source: config.Pos{File: "permissions/acme/a.yaml", Line: 5}},
	}
	text := ExpiriesText(p)
	assert.Contains(t, text, "expires: dates to approve\n")
	assert.Contains(t, text, "\n  - permissions/acme/a.yaml:3: user:bob expires 2027-06-01 (removed)")
	assert.Contains(t, text, "\n  + permissions/acme/a.yaml:5: user:dave (id 7) expires 2026-12-08 (added)")
	md := ExpiriesMarkdown(p)
	assert.Contains(t, md, "\n### expires: dates to approve\n")
	assert.Contains(t, md, "since 0123456789abcdef0123456789abcdef01234567")
	assert.Contains(t, md, "- removed: `permissions/acme/a.yaml:3` `user:bob` expires `2027-06-01`\n")
	assert.NotContains(t, md, "\n# Approved", "a name cannot start a heading")
	assert.Equal(t, 3, strings.Count(md, "\n- "), "one line per date: %s", md)

	p.ExpiryChanges = nil
	for i := range 205 {
		p.ExpiryChanges = append(p.ExpiryChanges, reconcile.ExpiryChange{Change: reconcile.ExpiryAdded, Principal: fmt.Sprintf("user:u%d", i), Expires: "2027-01-01", Source: config.Pos{File: "f", Line: i + 1}})
	}
	md = ExpiriesMarkdown(p)
	assert.Contains(t, md, "`user:u199`")
	assert.NotContains(t, md, "`user:u200`")
	assert.Contains(t, md, "And 5 more: the JSON plan's expiry_changes lists them all.")
}
