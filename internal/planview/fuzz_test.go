package planview

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// FuzzMarkdown renders, for a pull request comment, a plan whose every
// name and message is the fuzzer's (names come from files a pull request
// writes and from GitHub; messages quote them). Whatever they hold, the
// comment must not gain markup: no raw '<' but the renderer's own tags, no
// @mention, no code fence opened or closed by a name, no table cell split
// by a name, and valid UTF-8 when the input is.
func FuzzMarkdown(f *testing.F) {
	f.Add("acme", "widgets", "alice", "core", "main", "acme/widgets.yaml", "repository acme/widgets could not be read", "EasyCLA")
	f.Add("acme", "w<script>alert(1)</script>", "@octocat", "team|x", "x```y", "a`b`c.yaml", "see [here](https://evil.example) @acme/admins", "<img src=x onerror=alert(1)>")
	f.Add("a\nb", "r\r\n```\n", "@\u200bx", "\\|", "main\u2028x", "f\x00.yaml", "**bold** _i_ ~~s~~ #1 !x", "&lt;b&gt;")
	f.Add("a|b", "`", "```", "~~~", "<!-- x -->", "</details><details open>", "\\", "\\`@x")
	f.Add("www.evil.example", "WWW.x.io", "https://evil.example/a.png", "ftp://x", "$x^2$", "a.yaml", "![i](https://x/i.png) $$\\sqrt{2}$$ see www.evil.example", "x$`y`$")
	f.Add("a\n::error::x", "r\x1b]8;;https://e/\x07c\x1b]8;;\x07", "u\x1b[2J", "t\u009b1m", "b\u202e", "f.yaml", "m\r\n::add-mask::x", "c\x00")
	f.Fuzz(func(t *testing.T, org, repo, user, team, branch, file, msg, check string) {
		p := fuzzPlan(org, repo, user, team, branch, file, msg, check)
		var b bytes.Buffer
		if err := Markdown(&b, p, MarkdownOptions{}); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		valid := true
		for _, s := range []string{org, repo, user, team, branch, file, msg, check} {
			valid = valid && utf8.ValidString(s)
		}
		if valid && !utf8.ValidString(md) {
			t.Fatalf("invalid UTF-8 out of valid input")
		}
		checkMarkdown(t, md)
	})
}

func fuzzPlan(org, repo, user, team, branch, file, msg, check string) *reconcile.Plan {
	src := config.Pos{File: file, Line: 3, Col: 5}
	checks := []state.Check{{Context: check, AppID: state.AnyApp}, {Context: "EasyCLA", AppID: 1861}}
	yes, two := true, 2
	before := state.BranchProtection{Branch: branch, Protected: true, StatusChecks: &state.StatusChecks{Checks: []state.Check{{Context: check, AppID: 5}}}}
	changes := []reconcile.Change{
		{Kind: reconcile.UserAdd, Org: org, Repo: repo, User: user, After: role.Write, Invite: true, Source: src, Reason: msg},
		{Kind: reconcile.UserChange, Org: org, Repo: repo, User: user, Before: role.Read, After: role.Admin, Source: src},
		{Kind: reconcile.UserRemove, Org: org, Repo: repo, User: user, Before: role.Maintain, Source: config.Pos{File: file}},
		{Kind: reconcile.TeamAdd, Org: org, Repo: repo, Team: team, After: role.Maintain, Source: src, Refused: true},
		{Kind: reconcile.TeamChange, Org: org, Repo: repo + "2", Team: team, Before: role.Read, After: role.Triage, Source: src},
		{Kind: reconcile.TeamRemove, Org: org, Repo: repo, Team: team, Before: role.Write, Source: src},
		{Kind: reconcile.InvitationChange, Org: org, Repo: repo, User: user, Before: role.Read, After: role.Write, InvitationID: 7, Source: src},
		{Kind: reconcile.InvitationCancel, Org: org, Repo: repo, User: user, Before: role.Read, InvitationID: 8, Source: src},
		{Kind: reconcile.InvitationResend, Org: org, Repo: repo, User: user, After: role.Triage, InvitationID: 9, Source: src},
		{Kind: reconcile.ProtectionCreate, Org: org, Repo: repo, Branch: branch, Source: src,
			ProtectionBefore: &state.BranchProtection{Branch: branch},
			ProtectionAfter:  &state.ProtectionSettings{Checks: &checks, EnforceAdmins: &yes, Reviews: &two},
			ProtectionChanges: []reconcile.FieldChange{{Field: "required_status_checks", Before: "none", After: check},
				{Field: msg, Before: check, After: branch, Weakens: true}}},
		{Kind: reconcile.ProtectionUpdate, Org: org, Repo: repo, Branch: branch, Source: src, ProtectionBefore: &before,
			ProtectionAfter: &state.ProtectionSettings{Strict: &yes}},
	}
	return &reconcile.Plan{
		FormatVersion: reconcile.FormatVersion,
		Dir:           file,
		Orgs:          []reconcile.OrgMode{{Org: org, Mode: config.Authoritative}},
		Changes:       changes,
		Refusals: []reconcile.Refusal{{Rule: reconcile.RuleAdminAllowed, Org: org, RulePos: src, Message: msg,
			Items: []reconcile.RefusedItem{{Item: reconcile.Item{Repo: repo, Subject: "user:" + user, Source: src, Detail: check}, Change: 3}}},
			{Rule: reconcile.RuleMaxRemovals, Org: org, Message: user + " " + check, Items: manyRefused(repo, team, src, 8)}},
		Errors: []reconcile.RepoError{{Org: org, Repo: repo, Source: src, Message: msg}, {Org: org, Message: team}},
		Notices: []reconcile.Notice{{Kind: reconcile.NoticeUnmanaged, Org: org, Message: msg, Items: []reconcile.Item{{Repo: repo, Subject: user, Source: src}}},
			{Kind: reconcile.NoticeExpired, Org: org, Message: branch},
			{Kind: reconcile.NoticeCrossed, Rule: reconcile.RuleMaxAdmins, Severity: reconcile.SeverityHigh, RulePos: &src, Org: org, Message: msg,
				Items: []reconcile.Item{{Repo: repo, Subject: user, Source: src, Detail: check}, {Repo: team, Detail: branch}}}},
		EffectiveAccess: []reconcile.Effect{{Org: org, Repo: repo, Login: user, Before: role.Read, After: role.Admin,
			SourcesBefore: []string{"team " + team}, SourcesAfter: []string{"direct (" + msg + ")"}}},
		Repos: []string{org + "/" + repo},
	}
}

func manyRefused(repo, subject string, src config.Pos, n int) []reconcile.RefusedItem {
	var out []reconcile.RefusedItem
	for i := range n {
		out = append(out, reconcile.RefusedItem{Item: reconcile.Item{Repo: repo, Subject: subject, Source: src}, Change: i % 3})
	}
	return out
}

// ownTags are the HTML the renderers write themselves.
var ownTags = regexp.MustCompile(`<!-- permsync:plan -->|</?details( open)?>|</?summary>`)

// autolink is what GitHub links without markup: a URL's scheme and a
// www. name (e-mail addresses need an '@', caught as a mention).
var autolink = regexp.MustCompile(`(?i)://|\bwww\.`)

// unsafeRune is a control character other than a line break, or a bidi
// override: a terminal escape or a reordering of the text around it.
func unsafeRune(r rune) bool {
	return (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// mention is an @mention GitHub would link (and notify).
var mention = regexp.MustCompile(`@[A-Za-z0-9]`)

// checkMarkdown checks markdown for markup a name could have injected.
// Inside code (fenced blocks, `spans`, <code> elements) text is literal,
// so only the fences themselves and table pipes are checked there.
func checkMarkdown(t *testing.T, md string) {
	t.Helper()
	inFence := false
	cols := 0 // unescaped pipes in the current table's header row
	for i, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			switch {
			case !inFence && line == "```diff":
				inFence = true
			case inFence && line == "```":
				inFence = false
			default:
				t.Fatalf("line %d: a fence the renderer did not write: %q\n%s", i+1, line, md)
			}
			continue
		}
		if inFence {
			if strings.Contains(line, "`") {
				t.Fatalf("line %d: a backtick inside a fenced block: %q", i+1, line)
			}
			continue
		}
		if strings.HasPrefix(line, "|") {
			n := unescapedPipes(line)
			if cols == 0 {
				cols = n
			} else if n != cols {
				t.Fatalf("line %d: %d table cells where the header has %d: %q", i+1, n-1, cols-1, line)
			}
		} else {
			cols = 0
		}
		text := outsideCode(t, ownTags.ReplaceAllString(line, ""))
		if strings.Contains(text, "<") {
			t.Fatalf("line %d: raw '<' outside code: %q (text %q)", i+1, line, text)
		}
		if m := mention.FindString(text); m != "" {
			t.Fatalf("line %d: an @mention outside code: %q (text %q)", i+1, line, text)
		}
		if m := autolink.FindString(text); m != "" {
			t.Fatalf("line %d: %q outside code would be linked by GitHub: %q (text %q)", i+1, m, line, text)
		}
		if strings.Contains(text, "$") {
			t.Fatalf("line %d: an unescaped '$' outside code could start math: %q (text %q)", i+1, line, text)
		}
	}
	if i := strings.IndexFunc(md, unsafeRune); i >= 0 {
		t.Fatalf("a control character or bidi override (%q) in the markdown at byte %d", md[i:i+utf8.RuneLen([]rune(md[i:])[0])], i)
	}
	if inFence {
		t.Fatalf("a fenced block left open:\n%s", md)
	}
}

// unescapedPipes counts the '|' of a table row that split cells (GFM: a
// backslash escapes the next character, inside code spans too).
func unescapedPipes(line string) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n
}

// outsideCode returns the text of a line outside code spans and <code>
// elements, with backslash-escaped characters removed.
func outsideCode(t *testing.T, line string) string {
	t.Helper()
	for {
		open := strings.Index(line, "<code>")
		if open < 0 {
			break
		}
		end := strings.Index(line[open:], "</code>")
		if end < 0 {
			t.Fatalf("<code> without </code>: %q", line)
		}
		line = line[:open] + line[open+end+len("</code>"):]
	}
	var b strings.Builder
	inSpan := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case inSpan && c == '`':
			inSpan = false
		case inSpan:
		case c == '\\' && i+1 < len(line):
			i++
		case c == '`':
			inSpan = true
		default:
			b.WriteByte(c)
		}
	}
	if inSpan {
		t.Fatalf("a code span left open: %q", line)
	}
	return b.String()
}
