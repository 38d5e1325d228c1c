package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

// TestAuditApprovalsOutsideActions answers "what changed since D, and who
// approved it" from a laptop: no $GITHUB_REPOSITORY, --self-repo named, a
// personal token of a member who can read the permissions repository, and
// the simulator serving its pull requests and reviews. Each change shows
// its authors (not only who merged it) and its approvers; a review by the
// author does not count, a later "changes requested" cancels an approval;
// a direct push is marked; an import commit is one line.
func TestAuditApprovalsOutsideActions(t *testing.T) {
	w := newAuditWorld(t)
	s := w.srv

	// #2: erin's write, written by carol with a co-author, merged by
	// alice with a merge commit; approved by dave, then bob asked for
	// changes after approving; carol approved her own.
	w.git(t, "", "checkout", "-q", "-b", "erin")
	w.write(t, "acme/widgets.yaml", "admin:\n  teams: [releng]\nwrite:\n  users: [carol, dave]\nbranch_protection:\n  main:\n    required_status_checks: [EasyCLA, DCO]\n    enforce_admins: true\n")
	branchCommit := w.commit(t, "Carol <carol@example.org>", "dave writes widgets\n\nCo-authored-by: Erin Example <erin@example.org>", 1)
	w.git(t, "", "checkout", "-q", "main")
	merge := w.mergeAt(t, "Alice <alice@example.org>", "Merge pull request #2 from acme/erin", "erin", 1)
	at := s.Now()
	s.AddPull("acme", "permissions", ghsim.PullOptions{Title: "dave writes widgets", Author: "carol", Merged: true, MergeCommitSHA: merge,
		Commits: []string{branchCommit}, MergedBy: "alice",
		Reviews: []ghsim.ReviewOptions{
			{User: "carol", State: "APPROVED", At: at.Add(-3)},
			{User: "dave", State: "APPROVED", At: at.Add(-2)},
			{User: "bob", State: "APPROVED", At: at.Add(-2)},
			{User: "bob", State: "CHANGES_REQUESTED", At: at.Add(-1)},
		}})
	// A direct push: no pull request.
	w.write(t, "acme.yaml", auditOrgFile+"min_admins: 1\n")
	w.commit(t, "Mallory <mallory@example.org>", "tweak", 0)
	// An import of five repositories: one line.
	for i := 0; i < 5; i++ {
		s.AddRepo("acme", fmt.Sprintf("imported-%d", i), ghsim.RepoOptions{})
		w.write(t, fmt.Sprintf("acme/imported-%d.yaml", i), "write:\n  users: [alice, bob]\n")
	}
	imp := w.commit(t, "Bob <bob@example.org>", "Import acme (#3)", 0)
	s.AddPull("acme", "permissions", ghsim.PullOptions{Title: "Import acme", Author: "bob", Merged: true, MergeCommitSHA: imp,
		Reviews: []ghsim.ReviewOptions{{User: "alice", State: "APPROVED"}}})

	tok := s.AddUserToken("dave") // a member: read access to acme/permissions, nothing more
	creds := ghapi.TokenCredentials(tok)
	for _, format := range []string{"text", "markdown", "html"} {
		var out bytes.Buffer
		o := w.opts(t, &out, w.appID, w.keyPEM)
		o.Global.credentials = &creds
		o.Format, o.Since, o.SelfRepo = format, w.now.AddDate(0, 0, -10).Format("2006-01-02"), "acme/permissions"
		s.ResetStats()
		require.NoError(t, auditRun(context.Background(), o), w.stderr.String())
		got := out.String()
		flat := strings.Join(strings.Fields(got), " ")
		switch format {
		case "text":
			for _, want := range []string{
				"pull requests: ok",
				"by Carol, Erin Example, pull request by carol, merged by Alice",
				"pull request #2 approved by dave",
				"acme/widgets: user dave granted write",
				"by Mallory no pull request found (pushed directly?)",
				"pull request #3 approved by alice",
				"- imported 5 repositories of acme (10 grants)",
				"pull request #1 approved by dave",
			} {
				assert.Contains(t, flat, want)
			}
			assert.NotContains(t, flat, "imported-0: user alice granted write", "an import is one line")
			assert.NotContains(t, flat, "approved by bob", "bob's later review asked for changes")
			assert.NotContains(t, flat, "approved by carol", "the author's own approval")
		case "markdown":
			assert.Contains(t, got, "| Carol, Erin Example, pull request by carol, merged by Alice |")
			assert.Contains(t, got, "| #2 dave writes widgets | `dave` |")
		case "html":
			assert.Contains(t, got, "<td>Carol, Erin Example, pull request by carol, merged by Alice</td>")
			assert.Regexp(t, `#2</a> dave writes widgets</td><td>dave</td>|#2 dave writes widgets</td><td>dave</td>`, got)
		}
		// Pull requests cost one lookup per commit and one per pull
		// request's reviews: 4 commits, 3 pull requests.
		st := s.Stats()
		pulls := 0
		for route, n := range st.ByRoute {
			if strings.Contains(route, "/pulls") {
				pulls += int(n)
			}
		}
		assert.Equal(t, 5+3, pulls, "one lookup per commit (5 in the window) and one per pull request's reviews (3)")
	}
}

// mergeAt merges branch into the checkout with a merge commit dated
// daysAgo (the world's clock, not the machine's).
func (w *auditWorld) mergeAt(t *testing.T, author, msg, branch string, daysAgo int) string {
	t.Helper()
	date := w.now.AddDate(0, 0, -daysAgo).Format(time.RFC3339)
	name, email, _ := strings.Cut(author, " <")
	cmd := exec.Command("git", "merge", "-q", "--no-ff", "-m", msg, branch)
	cmd.Dir = w.root
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date,
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+strings.TrimSuffix(email, ">"), "GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+strings.TrimSuffix(email, ">"))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return w.git(t, "", "rev-parse", "HEAD")
}

// The demo shows who approved each change: its simulated permissions
// repository serves a reviewed pull request for each commit of the files.
func TestDemoShowsApprovals(t *testing.T) {
	dir := filepath.Join(moduleRoot, "permissions")
	var out, errOut bytes.Buffer
	io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }, Now: time.Now}
	require.NoError(t, demoRun(context.Background(), &DemoOptions{IO: io, Dir: dir}), errOut.String())
	got := out.String()
	if strings.Contains(got, "is not in a git checkout") || strings.Contains(got, "git is not installed") {
		t.Skip("the permissions directory has no git history here")
	}
	assert.Contains(t, got, "| Rights changes since 2000-01-01 |")
	assert.Contains(t, got, "(PR lookup: ok)")
	assert.Regexp(t, "\\| imported [0-9]+ repositories of AcademySoftwareFoundation \\([0-9]+ grants", got, "the import is one line")
	assert.Contains(t, got, "| `releng-reviewer` |", "the approver")
	assert.Contains(t, got, "passed (code-owner review, enforce_admins, no bypass)")
}
