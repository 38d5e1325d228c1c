package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// repo is a temporary git repository with a permissions/ directory.
type repo struct {
	t    *testing.T
	dir  string
	when time.Time
}

func newRepo(t *testing.T) *repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := &repo{t: t, dir: t.TempDir(), when: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	r.git("", "init", "-q", "-b", "main")
	return r
}

// git runs git as author ("Name <email>"; "" for the default).
func (r *repo) git(author string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = r.dir
	name, email := "Default Dev", "dev@example.org"
	if author != "" {
		n, e, _ := strings.Cut(author, " <")
		name, email = n, strings.TrimSuffix(e, ">")
	}
	date := r.when.Format(time.RFC3339)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email, "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME="+name, "GIT_COMMITTER_EMAIL="+email, "GIT_COMMITTER_DATE="+date,
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(r.t, err, "git %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

func (r *repo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	require.NoError(r.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(r.t, os.WriteFile(p, []byte(content), 0o644))
}

// commit commits everything as author, a day after the previous commit.
func (r *repo) commit(author, msg string) string {
	r.t.Helper()
	r.when = r.when.Add(24 * time.Hour)
	r.git(author, "add", "-A")
	r.git(author, "commit", "-q", "-m", msg)
	return r.git(author, "rev-parse", "HEAD")
}

const alice = "Alice Admin <alice@example.org>"
const bob = "Bob Builder <bob@example.org>"

func read(t *testing.T, r *repo, lk PullLookup) *Log {
	t.Helper()
	return Read(context.Background(), Options{
		Dir:    filepath.Join(r.dir, "permissions"),
		Label:  "permissions",
		Since:  time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Until:  time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Lookup: lk,
	})
}

func TestReadHistorySemanticChanges(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("README.md", "top\n")
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol]\n")
	c1 := r.commit(alice, "Add widgets")

	r.write("permissions/acme/widgets.yaml", "admin:\n  teams: [releng]\nwrite:\n  users: [carol, dave]\nbranch_protection:\n  main:\n    required_status_checks: [EasyCLA]\n    enforce_admins: true\n")
	r.write("permissions/acme.yaml", "min_reviews: 2\nexpected_owners: [svc]\n")
	c2 := r.commit(bob, "Grant releng admin; protect main")

	r.write("docs.md", "outside permissions/\n")
	r.commit(alice, "Docs only")

	r.write("permissions/acme/widgets.yaml", "admin:\n  teams: [releng]\nmaintain:\n  users: [carol]\n")
	r.write("permissions/acme/gadgets.yaml", "read:\n  teams: [everyone]\n")
	c4 := r.commit(alice, "carol maintains; gadgets managed; dave out")

	require.NoError(t, os.Remove(filepath.Join(r.dir, "permissions/acme/gadgets.yaml")))
	c5 := r.commit(bob, "Unmanage gadgets")

	l := read(t, r, nil)
	require.True(t, l.Available, l.Note)
	assert.Equal(t, "permissions", l.Path)
	assert.Equal(t, "unavailable: no credentials", l.PRLookup)
	require.Len(t, l.Entries, 4, "the docs-only commit is not listed")

	e := l.Entries[3]
	assert.Equal(t, c1, e.Commit)
	assert.Equal(t, "", e.Parent)
	assert.Equal(t, "Alice Admin", e.AuthorName)
	assert.Equal(t, "alice@example.org", e.AuthorEmail)
	assert.Equal(t, "Add widgets", e.Subject)
	assert.Equal(t, time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC), e.Date)
	assert.Equal(t, "PR lookup unavailable", e.PRNote)
	assert.Equal(t, []string{
		"acme/widgets is now managed (permissions/acme/widgets.yaml added)",
		"acme/widgets: user carol granted write",
	}, descriptions(e.Changes))

	e = l.Entries[2]
	assert.Equal(t, c2, e.Commit)
	assert.Equal(t, "Bob Builder", e.AuthorName)
	assert.Equal(t, []string{
		"acme: min_reviews 1 → 2",
		"acme: expected_owners [] → [svc]",
		"acme/widgets: team releng granted admin",
		"acme/widgets: user dave granted write",
		"acme/widgets: branch main required_status_checks (not managed) → [EasyCLA]",
		"acme/widgets: branch main enforce_admins (not managed) → true",
	}, descriptions(e.Changes))
	assert.Equal(t, Change{Kind: GrantAdd, Org: "acme", Repo: "widgets", Principal: "team:releng", After: role.Admin,
		File: "permissions/acme/widgets.yaml", Description: "acme/widgets: team releng granted admin"}, e.Changes[2])

	e = l.Entries[1]
	assert.Equal(t, c4, e.Commit)
	assert.Equal(t, []string{
		"acme/gadgets is now managed (permissions/acme/gadgets.yaml added)",
		"acme/gadgets: team everyone granted read",
		"acme/widgets: user carol write → maintain",
		"acme/widgets: user dave removed (was write)",
		"acme/widgets: branch main required_status_checks [EasyCLA] → (not managed)",
		"acme/widgets: branch main enforce_admins true → (not managed)",
	}, descriptions(e.Changes))
	assert.True(t, e.Changes[2].Touches("ACME", "Widgets", "user:Carol"))

	e = l.Entries[0]
	assert.Equal(t, c5, e.Commit)
	assert.Equal(t, []string{"acme/gadgets is no longer managed (permissions/acme/gadgets.yaml removed; its grants stay on GitHub)"}, descriptions(e.Changes))
}

func descriptions(cs []Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Description)
	}
	return out
}

func TestReadHistoryWindowAndMerges(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol]\n")
	r.commit(alice, "old") // 2025-03-02
	r.git("", "checkout", "-q", "-b", "feature")
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol, erin]\n")
	r.commit(bob, "add erin")
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol, erin, frank]\n")
	r.commit(bob, "add frank")
	r.git("", "checkout", "-q", "main")
	r.when = r.when.Add(24 * time.Hour)
	r.git(alice, "merge", "-q", "--no-ff", "-m", "Merge pull request #7 from feature", "feature")
	merge := r.git("", "rev-parse", "HEAD")

	l := Read(context.Background(), Options{
		Dir: filepath.Join(r.dir, "permissions"), Label: "permissions",
		Since: time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	require.True(t, l.Available, l.Note)
	// First parent only: the merge stands for the pull request, diffed
	// against main before it; the old commit is outside the window.
	require.Len(t, l.Entries, 1)
	assert.Equal(t, merge, l.Entries[0].Commit)
	assert.Equal(t, []string{"acme/widgets: user erin granted write", "acme/widgets: user frank granted write"}, descriptions(l.Entries[0].Changes))
}

// The change's authors, not only who merged it: a merge commit names the
// authors of the commits it brings in and, apart, the person who merged;
// Co-authored-by trailers are authors too (their names, not addresses).
func TestReadHistoryAuthors(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol]\n")
	r.commit(alice, "first")
	r.git("", "checkout", "-q", "-b", "feature")
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol, erin]\n")
	r.commit(bob, "add erin\n\nCo-authored-by: Dana Docs <dana@example.org>")
	r.git("", "checkout", "-q", "main")
	r.when = r.when.Add(24 * time.Hour)
	r.git(alice, "merge", "-q", "--no-ff", "-m", "Merge pull request #7 from feature", "feature")
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol, erin, frank]\n")
	r.commit(bob, "add frank (squashed)")

	l := Read(context.Background(), Options{Dir: filepath.Join(r.dir, "permissions"), Label: "permissions",
		Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	require.True(t, l.Available, l.Note)
	require.Len(t, l.Entries, 3)
	squash, merge, first := l.Entries[0], l.Entries[1], l.Entries[2]
	assert.Equal(t, []string{"Bob Builder"}, squash.Authors)
	assert.Empty(t, squash.MergedBy)
	assert.Equal(t, []string{"Bob Builder", "Dana Docs"}, merge.Authors, "the brought-in commit's author and co-author")
	assert.Equal(t, "Alice Admin", merge.MergedBy, "who pressed merge, apart from who wrote it")
	assert.Equal(t, "Alice Admin", merge.AuthorName)
	assert.Equal(t, []string{"Alice Admin"}, first.Authors, "a root commit")
	for _, e := range l.Entries {
		for _, a := range e.Authors {
			assert.NotContains(t, a, "@", "no e-mail address in the authors")
		}
	}
}

func TestReadHistoryFilesThatDoNotLoad(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol]\n")
	r.commit(alice, "good")
	r.write("permissions/acme/widgets.yaml", "write: [carol\n")
	r.commit(bob, "broken")
	l := read(t, r, nil)
	require.Len(t, l.Entries, 2)
	e := l.Entries[0]
	assert.Contains(t, e.LoadNote, "the files did not load (1 errors, first: permissions/acme/widgets.yaml:")
	assert.Equal(t, []string{"file changed: permissions/acme/widgets.yaml"}, descriptions(e.Changes))
}

func TestReadHistoryHostileNames(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	// A subject and author with markup and separators: stored as they are,
	// escaping is the renderers' job.
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol]\n")
	r.commit("Mal'lory & *x* | @everyone <m@example.org>", "subject with \x1f unit separator, `code` and <script>")
	r.write("permissions/acme/weird name.txt", "not yaml\n")
	r.commit(alice, "a file with a space")
	l := read(t, r, nil)
	require.Len(t, l.Entries, 2)
	assert.Equal(t, "Mal'lory & *x* | @everyone", l.Entries[1].AuthorName)
	assert.Equal(t, "subject with \x1f unit separator, `code` and <script>", l.Entries[1].Subject)
	assert.Empty(t, l.Entries[0].Changes, "a non-YAML file changes no rights")
}

func TestReadHistoryNotGit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := Read(context.Background(), Options{Dir: dir, Since: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.False(t, l.Available)
	assert.Contains(t, l.Note, "is not in a git checkout")
	assert.Empty(t, l.Entries)

	l = Read(context.Background(), Options{Dir: dir, Git: "/nonexistent/git"})
	assert.False(t, l.Available)
	assert.Contains(t, l.Note, "is not in a git checkout")

	l = Read(context.Background(), Options{Dir: dir, Git: "permsync-no-such-git"})
	assert.Equal(t, "git is not installed: the history of the files is not shown", l.Note)
}

func TestReadHistoryEmptyRepository(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	require.NoError(t, os.MkdirAll(filepath.Join(r.dir, "permissions"), 0o755))
	l := read(t, r, nil)
	assert.True(t, l.Available, l.Note)
	assert.Empty(t, l.Entries)
}

// fakeLookup answers from maps and counts calls.
type fakeLookup struct {
	pulls   map[string][]PullInfo
	reviews map[int][]Review
	err     error
	calls   int
}

func (f *fakeLookup) PullsForCommit(_ context.Context, sha string) ([]PullInfo, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return f.pulls[sha], nil
}

func (f *fakeLookup) PullReviews(_ context.Context, n int) ([]Review, error) {
	f.calls++
	return f.reviews[n], nil
}

func TestReadHistoryPullRequests(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("permissions/acme/widgets.yaml", "write:\n  users: [carol]\n")
	c1 := r.commit(alice, "direct push")
	r.write("permissions/acme/widgets.yaml", "admin:\n  users: [carol]\n")
	c2 := r.commit(bob, "carol admin (#12)")
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	lk := &fakeLookup{
		pulls: map[string][]PullInfo{c2: {
			{Number: 11, Title: "closed attempt", Merged: false},
			{Number: 12, Title: "carol admin", URL: "https://github.com/acme/perms/pull/12", Author: "bob", Merged: true, MergedAt: t0, MergeCommitSHA: c2},
		}},
		reviews: map[int][]Review{12: {
			{User: "dana", State: "CHANGES_REQUESTED", SubmittedAt: t0.Add(-3 * time.Hour)},
			{User: "erin", State: "APPROVED", SubmittedAt: t0.Add(-2 * time.Hour)},
			{User: "dana", State: "APPROVED", SubmittedAt: t0.Add(-time.Hour)},
			{User: "frank", State: "APPROVED", SubmittedAt: t0.Add(-2 * time.Hour)},
			{User: "frank", State: "DISMISSED", SubmittedAt: t0.Add(-time.Hour)},
			{User: "gus", State: "COMMENTED", SubmittedAt: t0},
			{User: "bob", State: "APPROVED", SubmittedAt: t0},
		}},
	}
	l := read(t, r, lk)
	assert.Equal(t, "ok", l.PRLookup)
	require.Len(t, l.Entries, 2)
	assert.Equal(t, c2, l.Entries[0].Commit)
	require.NotNil(t, l.Entries[0].PR)
	assert.Equal(t, &PullRequest{Number: 12, Title: "carol admin", URL: "https://github.com/acme/perms/pull/12", Author: "bob",
		MergedAt: t0, Approvers: []string{"dana", "erin"}}, l.Entries[0].PR)
	assert.Equal(t, c1, l.Entries[1].Commit)
	assert.Nil(t, l.Entries[1].PR)
	assert.Equal(t, "no pull request found (pushed directly?)", l.Entries[1].PRNote)
}

func TestReadHistoryLookupUnavailable(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	for i := 0; i < 3; i++ {
		r.write("permissions/acme/widgets.yaml", fmt.Sprintf("write:\n  users: [u%d]\n", i))
		r.commit(alice, fmt.Sprint("c", i))
	}
	lk := &fakeLookup{err: fmt.Errorf("%w: the App lacks pull_requests: read", ErrLookupUnavailable)}
	l := read(t, r, lk)
	assert.Equal(t, "unavailable: the App lacks pull_requests: read", l.PRLookup)
	assert.Equal(t, 1, lk.calls, "no more lookups after the first says it is unavailable")
	for _, e := range l.Entries {
		assert.Equal(t, "PR lookup unavailable", e.PRNote)
		assert.NotEmpty(t, e.Changes, "commits are still shown")
	}

	lk = &fakeLookup{err: errors.New("boom")}
	l = read(t, r, lk)
	assert.Equal(t, "ok", l.PRLookup)
	assert.Equal(t, "PR lookup failed: boom", l.Entries[0].PRNote)
}

func TestApprovers(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{}, Approvers(nil, "x"))
	assert.Equal(t, []string{"A", "b"}, Approvers([]Review{{User: "b", State: "APPROVED"}, {User: "A", State: "approved"}}, "c"))
}

func TestParseTree(t *testing.T) {
	t.Parallel()
	data := []byte("100644 a.yaml\x00" + strings.Repeat("\x01", 20) + "40000 dir\x00" + strings.Repeat("\xff", 20))
	es, err := parseTree(data, 20)
	require.NoError(t, err)
	assert.Equal(t, []treeEntry{{"100644", "a.yaml", strings.Repeat("01", 20)}, {"40000", "dir", strings.Repeat("ff", 20)}}, es)
	_, err = parseTree([]byte("100644 a.yaml\x00short"), 20)
	assert.Error(t, err)
}

func TestParseLog(t *testing.T) {
	t.Parallel()
	_, err := parseLog([]byte("abc\x00"))
	assert.Error(t, err)
	cs, err := parseLog(nil)
	assert.NoError(t, err)
	assert.Empty(t, cs)
}

func TestOriginURL(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	assert.Equal(t, "", OriginURL(context.Background(), r.dir, ""))
	r.git("", "remote", "add", "origin", "https://github.com/acme/permissions.git")
	require.NoError(t, os.MkdirAll(filepath.Join(r.dir, "permissions"), 0o755))
	assert.Equal(t, "https://github.com/acme/permissions.git", OriginURL(context.Background(), filepath.Join(r.dir, "permissions"), ""))
	assert.Equal(t, "", OriginURL(context.Background(), t.TempDir(), ""))
}

// An import is one line per org, not one per grant; other changes of the
// same commit keep their lines.
func TestEntryLinesImport(t *testing.T) {
	t.Parallel()
	e := Entry{Changes: []Change{
		{Kind: FileAdd, Org: "acme", Repo: "a", Description: "acme/a: file added"},
		{Kind: GrantAdd, Org: "acme", Repo: "a", Description: "acme/a: user x granted write"},
		{Kind: FileAdd, Org: "acme", Repo: "b", Description: "acme/b: file added"},
		{Kind: GrantAdd, Org: "acme", Repo: "b", Description: "acme/b: team t granted admin"},
		{Kind: ProtectionChange, Org: "acme", Repo: "b", Branch: "main", Description: "acme/b: main enforce_admins"},
		{Kind: FileAdd, Org: "acme", Repo: "c", Description: "acme/c: file added"},
		{Kind: GrantChange, Org: "acme", Repo: "old", Description: "acme/old: user y write → admin"},
	}}
	assert.Equal(t, []string{"imported 3 repositories of acme (2 grants, 1 protected branch)", "acme/old: user y write → admin"}, e.Lines())

	small := Entry{Changes: e.Changes[:2]}
	assert.Equal(t, []string{"acme/a: file added", "acme/a: user x granted write"}, small.Lines(), "one new file is not an import")
	assert.Empty(t, Entry{}.Lines())
}
