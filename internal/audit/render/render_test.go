package render_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func report(t *testing.T) *audit.Report {
	t.Helper()
	return audit.Build(audittest.Input())
}

func draw(t *testing.T, format string, r *audit.Report) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "md":
		err = render.Markdown(&b, r, render.MarkdownOptions{})
	case "summary.md":
		err = render.Markdown(&b, r, render.MarkdownOptions{SummaryOnly: true, TopFindings: 5})
	case "html":
		err = render.HTML(&b, r)
	case "json":
		err = render.JSON(&b, r)
	case "csv":
		err = render.CSV(&b, r)
	case "txt":
		err = render.Text(&b, r, render.TextOptions{})
	}
	require.NoError(t, err)
	return b.String()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./internal/audit/render -update to create the golden files")
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n%s", name, firstDiff(string(want), got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return ""
}

func TestGolden(t *testing.T) {
	r := report(t)
	for _, f := range []string{"md", "summary.md", "html", "json", "csv", "txt"} {
		t.Run(f, func(t *testing.T) {
			golden(t, "report."+f, draw(t, f, r))
		})
	}
}

// TestJSONRoundTrip: the JSON form decodes back into the model, with its version.
func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := report(t)
	var back audit.Report
	require.NoError(t, json.Unmarshal([]byte(draw(t, "json", r)), &back))
	assert.Equal(t, audit.FormatVersion, back.FormatVersion)
	assert.Equal(t, 2, back.FormatVersion, "findings grouped by cause changed the shape")
	assert.Equal(t, len(r.Findings), len(back.Findings))
	assert.Equal(t, r.Findings[0], back.Findings[0])
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(draw(t, "json", r)), &raw))
	for _, k := range []string{"format_version", "generated_at", "summary", "findings", "orgs", "repositories_without_cla", "matrix", "history", "compare", "self_check", "notes"} {
		assert.Contains(t, raw, k)
	}
}

// Names come from GitHub and the files: none may become markup, a mention
// or a formula.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	r := report(t)
	md := draw(t, "md", r)
	// Inside a code span markdown shows text as it is; everywhere else
	// it must be escaped.
	prose := regexp.MustCompile("`[^`\n]*`").ReplaceAllString(md, "")
	assert.NotContains(t, prose, "<img")
	assert.NotContains(t, prose, "<script")
	assert.Contains(t, prose, "Dana &lt;script&gt;")
	assert.NotRegexp(t, `(^|[^\x{200b}])@(alice|bob|everyone)`, md, "no mention")

	h := draw(t, "html", r)
	assert.NotContains(t, h, "<img")
	assert.Equal(t, 1, strings.Count(h, "<script"), "only the page's own script element")
	assert.Contains(t, h, "&lt;img src=x onerror=alert(1)&gt;")
	assert.Contains(t, h, "Dana &lt;script&gt;")

	rows, err := csv.NewReader(strings.NewReader(draw(t, "csv", r))).ReadAll()
	require.NoError(t, err)
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" {
				assert.NotContains(t, "=+-@\t\r", cell[:1], "cell %q could run as a formula", cell)
			}
		}
	}
}

// The HTML page fetches nothing: no external URL in any src or href, and a
// policy that forbids it anyway.
func TestHTMLSelfContained(t *testing.T) {
	t.Parallel()
	h := draw(t, "html", report(t))
	assert.NotRegexp(t, `(?i)<[a-z]+[^>]*\ssrc\s*=`, h, "no external asset")
	for _, m := range regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(h, -1) {
		assert.Regexp(t, `^(#|https://github\.com/)`, m[1], "links are anchors or pull requests, never assets")
	}
	assert.NotRegexp(t, `(?i)<link|@import|url\(`, h)
	assert.Regexp(t, `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;sha256-[A-Za-z0-9+/=&#;]+&#39;; script-src &#39;sha256-`, h)
	assert.Contains(t, h, "@media print")
	// Readable without JavaScript: the tables are in the page, the
	// filters are hidden until the script shows them.
	assert.Contains(t, h, `id="matrix-table"`)
	assert.Regexp(t, regexp.MustCompile(`<input class="filter" id="matrix-repos"[^>]*hidden>`), h)
	assert.Contains(t, h, `<td class="r-admin" data-sort="5"`)
}

func TestCSVRows(t *testing.T) {
	t.Parallel()
	rows, err := csv.NewReader(strings.NewReader(draw(t, "csv", report(t)))).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, render.CSVHeader, rows[0])
	find := func(want ...string) bool {
		for _, r := range rows {
			if r[0] == want[0] && r[1] == want[1] && r[2] == want[2] && r[3] == want[3] && r[4] == want[4] {
				return true
			}
		}
		return false
	}
	assert.True(t, find("acme", "widgets", "user:carol", "admin", "team:releng"), "a nested team member, through the parent's grant")
	assert.True(t, find("acme", "widgets", "team:releng", "admin", "grant"))
	assert.True(t, find("acme", "gadgets", "user:mallory", "admin", "direct"))
	assert.True(t, find("acme", "gadgets", "user:yan", "write", "invitation"))
	assert.True(t, find("acme", "gadgets", "user:root-eve", "admin", "owner"))
	assert.True(t, find("acme", "gadgets", "org:acme", "read", "base"))
	for _, r := range rows {
		if r[2] == "user:mallory" && r[1] == "gadgets" {
			assert.Equal(t, "true", r[5], "outside_collaborator")
		}
		if r[2] == "user:yan" {
			assert.Equal(t, "true", r[6], "pending")
		}
		if r[2] == "user:carol" && r[4] == "team:releng" {
			assert.Equal(t, "releng-oncall", r[8], "via")
		}
	}
}

// The findings CSV holds every repository of a finding grouped by cause,
// one row each, where text and markdown show the first few.
func TestFindingsCSVRows(t *testing.T) {
	t.Parallel()
	r := report(t)
	var b bytes.Buffer
	require.NoError(t, render.FindingsCSV(&b, r))
	rows, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, render.FindingsCSVHeader, rows[0])
	want := 0
	grouped := false
	for _, f := range r.Findings {
		if len(f.Repos) > 1 {
			grouped = true
			for _, repo := range f.Repos {
				found := false
				for _, row := range rows[1:] {
					if row[1] == string(f.Rule) && row[2] == f.Org && row[3] == repo && row[5] == f.Message {
						found = true
					}
				}
				assert.True(t, found, "%s in %s/%s", f.Rule, f.Org, repo)
			}
		}
		want += max(len(f.Repos), 1)
	}
	require.True(t, grouped, "the fixture has a finding grouped across repositories")
	assert.Len(t, rows, want+1, "one row per finding and repository")
}

func TestMarkdownSizeLimit(t *testing.T) {
	t.Parallel()
	r := report(t)
	full := draw(t, "md", r)
	var b bytes.Buffer
	require.NoError(t, render.Markdown(&b, r, render.MarkdownOptions{MaxBytes: len(full) * 3 / 4}))
	assert.LessOrEqual(t, b.Len(), len(full)*3/4)
	assert.Contains(t, b.String(), "left out to stay within")
	assert.Contains(t, b.String(), "## Findings")

	b.Reset()
	require.NoError(t, render.Markdown(&b, r, render.MarkdownOptions{MaxBytes: 3000}))
	assert.LessOrEqual(t, b.Len(), 3000)
	assert.Contains(t, b.String(), "cut to fit")
}

// The HTML report ranks what matters and stays readable: an admin no file
// declares is marked in the matrix and the who-administers table, each
// matrix cell says where its role comes from, fix texts draw their code
// spans as code (no raw backticks), long sections fold, and a print
// stylesheet opens them on paper.
func TestHTMLReadable(t *testing.T) {
	t.Parallel()
	h := draw(t, "html", report(t))
	assert.Regexp(t, `<td class="r-admin undecl" data-sort="5" title="mallory on acme/gadgets: admin\n• direct admin, in no file`, h)
	assert.Contains(t, h, "declared at permissions/acme/widgets.yaml:2:11", "a declared role's tooltip names its file:line")
	assert.Regexp(t, `<code class="undecl">mallory</code>.*<span class="tag undecl">no file declares it</span>`, h)
	assert.Contains(t, h, "<code>permsync plan --repo acme/gadgets</code>", "fix texts draw code spans")
	for _, m := range regexp.MustCompile(`(?s)<td>([^<]*(?:<[^/][^>]*>[^<]*</[a-z]+>[^<]*)*)</td>`).FindAllStringSubmatch(h, -1) {
		assert.NotContains(t, m[1], "`", "a raw backtick in a cell")
	}
	assert.Contains(t, h, `<details class="section" id="findings" open>`)
	assert.Contains(t, h, `<details class="repo" id="repo-`)
	assert.Contains(t, h, `window.addEventListener("beforeprint"`, "printing opens the folded sections")
	assert.Contains(t, h, "@page{size:A4 landscape")
	assert.Contains(t, h, `<table class="sortable fit" id="findings-table">`)
}

// The terminal form answers the four questions in plain text, and no name
// can drive the terminal.
func TestText(t *testing.T) {
	t.Parallel()
	r := report(t)
	r.Orgs[0].Repos[0].Access[0].Login = "evil\x1b]0;pwned\x07\x1b[2J"
	txt := draw(t, "txt", r)
	assert.NotContains(t, txt, "\x1b", "no escape sequence reaches the terminal")
	assert.NotContains(t, txt, "\x07")
	for _, want := range []string{
		"Who administers each repository",
		"erin (direct) NO FILE DECLARES IT",
		"Repositories without the CLA check (3)",
		"acme/ruled: EasyCLA: NOT required where nobody can skip it (ruleset cla-floor, App 3000, bypass: Team releng",
		"Rights changes in the files since",
		"approved by alice, bob",
		"CRITICAL admin-not-declared",
	} {
		assert.Contains(t, strings.Join(strings.Fields(txt), " "), want, "(lines wrapped)")
	}
	for _, l := range strings.Split(txt, "\n") {
		assert.LessOrEqual(t, len([]rune(l)), 100+40, "a line far past the width: %q", l)
	}
}
