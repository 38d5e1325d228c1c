package gittree

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Each test builds a scratch repository with git and plays one trick a pull
// request could play on a reader of its files.

type scratch struct {
	t   testing.TB
	dir string
}

func newScratch(t *testing.T) *scratch {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	s := &scratch{t: t, dir: t.TempDir()}
	s.git("init", "-q", "-b", "main")
	return s
}

func (s *scratch) git(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	require.NoError(s.t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func (s *scratch) write(path, content string) {
	s.t.Helper()
	p := filepath.Join(s.dir, path)
	require.NoError(s.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(s.t, os.WriteFile(p, []byte(content), 0o644))
}

func (s *scratch) commit(msg string) string {
	s.t.Helper()
	s.git("add", "-A")
	s.git("commit", "-q", "--allow-empty", "-m", msg)
	return s.git("rev-parse", "HEAD")
}

func (s *scratch) repo() Repo { return Repo{GitDir: filepath.Join(s.dir, ".git")} }

func (s *scratch) base() string {
	s.write("permissions/acme.yaml", "mode: authoritative\n")
	s.write("permissions/acme/gadget.yaml", "read:\n  teams: [core]\n")
	return s.commit("base")
}

// A pull request's .gitattributes with export-ignore hides a file from git
// archive (so the old workflow planned nothing); the tree still has it.
func TestExportIgnoreCannotHideAFile(t *testing.T) {
	s := newScratch(t)
	base := s.base()
	s.write("permissions/.gitattributes", "acme/evil.yaml export-ignore\n")
	s.write(".gitattributes", "permissions/acme/evil.yaml export-ignore\n")
	s.write("permissions/acme/evil.yaml", "admin:\n  users: [mallory]\n")
	head := s.commit("pr")

	archive := s.git("archive", "--format=tar", head, "permissions")
	require.NotContains(t, archive, "mallory", "the trick works on git archive")

	tree, err := s.repo().Read(context.Background(), head, "permissions")
	require.NoError(t, err)
	assert.Equal(t, "admin:\n  users: [mallory]\n", string(tree.Files["acme/evil.yaml"]))
	changed, err := s.repo().Changed(context.Background(), base, head, "permissions")
	require.NoError(t, err)
	assert.Equal(t, []string{"permissions/.gitattributes", "permissions/acme/evil.yaml"}, changed)
}

// Attributes that filter or convert text change nothing: the bytes are the blob's.
func TestAttributesCannotChangeBytes(t *testing.T) {
	s := newScratch(t)
	s.base()
	s.write(".gitattributes", "*.yaml filter=evil text eol=crlf ident\n")
	s.write("permissions/acme/gadget.yaml", "read:\n  teams: [core] # $Id$\n")
	head := s.commit("pr")
	tree, err := s.repo().Read(context.Background(), head, "permissions")
	require.NoError(t, err)
	assert.Equal(t, "read:\n  teams: [core] # $Id$\n", string(tree.Files["acme/gadget.yaml"]))
}

// A symlink under permissions/ is an error naming it, never followed.
func TestSymlinkUnderDirIsAnError(t *testing.T) {
	s := newScratch(t)
	s.base()
	s.write("elsewhere.yaml", "admin:\n  users: [mallory]\n")
	require.NoError(t, os.Symlink("../../elsewhere.yaml", filepath.Join(s.dir, "permissions/acme/widget.yaml")))
	head := s.commit("pr")
	_, err := s.repo().Read(context.Background(), head, "permissions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permissions/acme/widget.yaml is a symlink")
}

// permissions itself a symlink (to a directory of files nobody reviewed as
// permissions) is an error, not followed.
func TestDirItselfASymlinkIsAnError(t *testing.T) {
	s := newScratch(t)
	s.base()
	s.git("rm", "-rq", "permissions")
	s.write("other/acme/gadget.yaml", "admin:\n  users: [mallory]\n")
	require.NoError(t, os.Symlink("other", filepath.Join(s.dir, "permissions")))
	head := s.commit("pr")
	_, err := s.repo().Read(context.Background(), head, "permissions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permissions is a symlink")
}

// A submodule (a gitlink, mode 160000) under permissions/ or as
// permissions/ is an error naming the path.
func TestSubmoduleIsAnError(t *testing.T) {
	s := newScratch(t)
	base := s.base()
	s.git("update-index", "--add", "--cacheinfo", "160000,"+base+",permissions/acme/vendored")
	s.git("commit", "-q", "-m", "pr") // the index as it is: no add of the (absent) work tree
	head := s.git("rev-parse", "HEAD")
	_, err := s.repo().Read(context.Background(), head, "permissions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permissions/acme/vendored is a submodule")

	s.git("rm", "-rq", "--cached", "permissions")
	s.git("update-index", "--add", "--cacheinfo", "160000,"+base+",permissions")
	s.git("commit", "-q", "-m", "pr2")
	head = s.git("rev-parse", "HEAD")
	_, err = s.repo().Read(context.Background(), head, "permissions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permissions is a submodule")
}

// Two names one case apart would be one file on a case-insensitive disk.
func TestCaseTwinsAreAnError(t *testing.T) {
	s := newScratch(t)
	s.base()
	s.write("permissions/acme/Gadget.yaml", "admin:\n  users: [mallory]\n")
	head := s.commit("pr")
	_, err := s.repo().Read(context.Background(), head, "permissions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "differ only in case")
}

func TestOversizedFileIsAnError(t *testing.T) {
	s := newScratch(t)
	s.base()
	s.write("permissions/acme/huge.yaml", strings.Repeat("#", MaxFileSize+1))
	head := s.commit("pr")
	_, err := s.repo().Read(context.Background(), head, "permissions")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "permissions/acme/huge.yaml is 1048577 bytes")
}

// What the pull request changes is measured from the merge-base: newer
// commits on the base are not the pull request's, and a file the pull
// request deleted is listed.
func TestChangedFromTheMergeBase(t *testing.T) {
	s := newScratch(t)
	s.base()
	s.write("permissions/acme/widget.yaml", "read:\n  teams: [core]\n")
	fork := s.commit("widget")
	s.write("permissions/acme/newer.yaml", "read:\n  teams: [core]\n")
	main := s.commit("newer on main")
	s.git("checkout", "-q", "-b", "pr", fork)
	s.git("rm", "-q", "permissions/acme/gadget.yaml")
	s.write("permissions/acme/widget.yaml", "write:\n  teams: [core]\n")
	s.write("README.md", "outside\n")
	head := s.commit("pr")

	changed, err := s.repo().Changed(context.Background(), main, head, "permissions")
	require.NoError(t, err)
	assert.Equal(t, []string{"permissions/acme/gadget.yaml", "permissions/acme/widget.yaml"}, changed)
	tree, err := s.repo().Read(context.Background(), head, "permissions")
	require.NoError(t, err)
	assert.Equal(t, []string{"permissions/acme.yaml", "permissions/acme/widget.yaml"}, tree.Paths())
}

// A bare repository holding only fetched objects, as the workflow makes.
func TestReadsABareFetch(t *testing.T) {
	s := newScratch(t)
	head := s.base()
	bare := filepath.Join(t.TempDir(), "pr.git")
	s.git("init", "-q", "--bare", bare)
	s.git("--git-dir", bare, "fetch", "-q", s.dir, "+refs/heads/main:refs/pr/head")
	tree, err := Repo{GitDir: bare}.Read(context.Background(), "refs/pr/head", "permissions")
	require.NoError(t, err)
	assert.Equal(t, head, tree.Commit)
	data, err := tree.FS().(interface {
		ReadFile(string) ([]byte, error)
	}).ReadFile("acme/gadget.yaml")
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(data, []byte("read:")))
}

func TestRevisionIsNotAnOption(t *testing.T) {
	s := newScratch(t)
	s.base()
	_, err := s.repo().Read(context.Background(), "--output=/tmp/x", "permissions")
	require.Error(t, err)
	_, err = s.repo().Read(context.Background(), "main", "../etc")
	require.Error(t, err)
}

// BenchmarkRead1000: a permissions directory of 1,000 repository files is
// read with a fixed number of git processes (ls-tree per path component,
// one recursive ls-tree, two cat-file batches), not one per file.
func BenchmarkRead1000(b *testing.B) {
	s := &scratch{t: b, dir: b.TempDir()}
	s.git("init", "-q", "-b", "main")
	for i := range 1000 {
		s.write(filepath.Join("permissions", "acme", "repo-"+strconv.Itoa(i)+".yaml"), "read:\n  teams: [core]\n")
	}
	head := s.commit("many")
	b.ResetTimer()
	for range b.N {
		tree, err := s.repo().Read(context.Background(), head, "permissions")
		if err != nil || len(tree.Files) != 1000 {
			b.Fatal(err)
		}
	}
}
