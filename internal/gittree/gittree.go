// Package gittree reads a directory of a commit from git's objects, never
// from a working tree or an archive: what a pull request's .gitattributes
// say (export-ignore, filters, text conversion) cannot hide, add or change a
// file, and a symlink or submodule cannot redirect one, because the tree is
// read entry by entry (ls-tree) and each file's bytes are its blob's
// (cat-file). A symlink or submodule under the directory, or the directory
// itself being one, is an error naming the path: it is never followed.
package gittree

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/AcademySoftwareFoundation/permsync/internal/memfs"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxFileSize caps one file's size: a permissions file is a few kilobytes.
const MaxFileSize = 1 << 20

// Repo is a git repository read by running git (a bare one is fine).
type Repo struct {
	// GitDir is the repository's git directory (or a work tree's top).
	GitDir string
	// Git is the git binary ("git" if empty).
	Git string
}

// Tree is the files of one directory of a commit.
type Tree struct {
	Commit string // the full commit id the tree was read from
	Dir    string // the directory, relative to the top of the commit's tree
	// Files maps each file's path, relative to Dir, to its bytes.
	Files map[string][]byte
}

// FS is the tree as a read-only file system (for config.Load).
func (t *Tree) FS() fs.FS {
	m := memfs.FS{}
	for p, b := range t.Files {
		m[p] = &memfs.File{Data: b, Mode: 0o444, ModTime: time.Unix(0, 0)}
	}
	return m
}

// Paths lists the files' paths relative to the top of the commit, sorted.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.Files))
	for p := range t.Files {
		out = append(out, t.Dir+"/"+p)
	}
	slices.Sort(out)
	return out
}

// git runs git on the repository with an environment of its own: no
// credentials, no user or system configuration, no prompts, no pager.
func (r Repo) git(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	bin := r.Git
	if bin == "" {
		bin = "git"
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--git-dir", r.GitDir, "--no-replace-objects"}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"LC_ALL=C",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_NO_LAZY_FETCH=1",
		"GIT_PAGER=cat",
	}
	cmd.Stdin = stdin
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("git %s: %v: %s", args[0], err, msg)
	}
	return out.Bytes(), nil
}

// Resolve gives the full commit id of rev.
func (r Repo) Resolve(ctx context.Context, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%q is not a revision", rev)
	}
	out, err := r.git(ctx, nil, "rev-parse", "--verify", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("%s is not a commit of %s: %w", rev, r.GitDir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// entry is one line of ls-tree.
type entry struct {
	mode, typ, oid, path string
}

func (r Repo) lsTree(ctx context.Context, recursive bool, commit, dir string) ([]entry, error) {
	args := []string{"ls-tree", "-z", "--full-tree"}
	if recursive {
		args = append(args, "-r")
	}
	args = append(args, commit, "--", ":(literal)"+dir)
	out, err := r.git(ctx, nil, args...)
	if err != nil {
		return nil, err
	}
	var es []entry
	for _, rec := range bytes.Split(out, []byte{0}) {
		if len(rec) == 0 {
			continue
		}
		meta, p, ok := bytes.Cut(rec, []byte{'\t'})
		f := strings.Fields(string(meta))
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("git ls-tree: unexpected line %q", rec)
		}
		es = append(es, entry{mode: f[0], typ: f[1], oid: f[2], path: string(p)})
	}
	return es, nil
}

// Read reads the files under dir (a path from the top of the tree, such as
// "permissions") of rev.
func (r Repo) Read(ctx context.Context, rev, dir string) (*Tree, error) {
	dir = strings.Trim(dir, "/")
	if dir == "" || !fs.ValidPath(dir) {
		return nil, fmt.Errorf("%q is not a directory path inside the repository (no leading /, no ..)", dir)
	}
	commit, err := r.Resolve(ctx, rev)
	if err != nil {
		return nil, err
	}
	// Each component of dir itself: a tree, never a symlink or submodule.
	parts := strings.Split(dir, "/")
	for i := range parts {
		p := strings.Join(parts[:i+1], "/")
		es, err := r.lsTree(ctx, false, commit, p)
		if err != nil {
			return nil, err
		}
		var self *entry
		for k := range es {
			if es[k].path == p {
				self = &es[k]
			}
		}
		switch {
		case self == nil:
			return nil, fmt.Errorf("%s: no such directory in %s", p, short(commit))
		case self.mode == "120000":
			return nil, fmt.Errorf("%s is a symlink in %s: permissions are read from a directory of the commit, never through a link; make it a directory", p, short(commit))
		case self.mode == "160000":
			return nil, fmt.Errorf("%s is a submodule in %s: permissions must be files of this repository; make it a directory", p, short(commit))
		case self.typ != "tree":
			return nil, fmt.Errorf("%s is not a directory in %s", p, short(commit))
		}
	}
	es, err := r.lsTree(ctx, true, commit, dir+"/")
	if err != nil {
		return nil, err
	}
	t := &Tree{Commit: commit, Dir: dir, Files: map[string][]byte{}}
	var blobs []entry
	folded := map[string]string{}
	for _, e := range es {
		rel, ok := strings.CutPrefix(e.path, dir+"/")
		if !ok {
			return nil, fmt.Errorf("git ls-tree listed %q, outside %s", e.path, dir)
		}
		switch {
		case e.mode == "120000":
			return nil, fmt.Errorf("%s is a symlink in %s: a link is never followed; put the file itself there", e.path, short(commit))
		case e.mode == "160000":
			return nil, fmt.Errorf("%s is a submodule in %s: permissions must be files of this repository", e.path, short(commit))
		case e.typ != "blob" || (e.mode != "100644" && e.mode != "100755"):
			return nil, fmt.Errorf("%s has git mode %s in %s: only regular files may be under %s", e.path, e.mode, short(commit), dir)
		case !fs.ValidPath(rel) || slices.ContainsFunc(strings.Split(rel, "/"), func(c string) bool { return strings.EqualFold(c, ".git") }):
			return nil, fmt.Errorf("%q in %s is not a plain path", e.path, short(commit))
		}
		// Two names that differ only in case would be one file on a
		// case-insensitive checkout: which one wins must not be a question.
		if other, dup := folded[strings.ToLower(rel)]; dup {
			return nil, fmt.Errorf("%s and %s differ only in case in %s: keep one", dir+"/"+other, e.path, short(commit))
		}
		folded[strings.ToLower(rel)] = rel
		blobs = append(blobs, entry{oid: e.oid, path: rel})
	}
	if err := r.readBlobs(ctx, blobs, t); err != nil {
		return nil, err
	}
	return t, nil
}

// readBlobs reads the blobs' bytes with one cat-file --batch.
func (r Repo) readBlobs(ctx context.Context, blobs []entry, t *Tree) error {
	if len(blobs) == 0 {
		return nil
	}
	// Sizes first, so that no oversized blob is read at all.
	var in bytes.Buffer
	for _, b := range blobs {
		in.WriteString(b.oid + "\n")
	}
	out, err := r.git(ctx, bytes.NewReader(in.Bytes()), "cat-file", "--batch-check")
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(blobs) {
		return fmt.Errorf("git cat-file: %d answers for %d files", len(lines), len(blobs))
	}
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != blobs[i].oid || f[1] != "blob" {
			return fmt.Errorf("%s/%s: object %s is not a blob here (%q)", t.Dir, blobs[i].path, blobs[i].oid, l)
		}
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || n > MaxFileSize {
			return fmt.Errorf("%s/%s is %s bytes: a permissions file may be at most %d", t.Dir, blobs[i].path, f[2], MaxFileSize)
		}
	}
	out, err = r.git(ctx, bytes.NewReader(in.Bytes()), "cat-file", "--batch")
	if err != nil {
		return err
	}
	br := bufio.NewReader(bytes.NewReader(out))
	for _, b := range blobs {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("git cat-file: %w", err)
		}
		f := strings.Fields(hdr)
		if len(f) != 3 || f[0] != b.oid {
			return fmt.Errorf("git cat-file: unexpected header %q", hdr)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil || n > MaxFileSize {
			return fmt.Errorf("git cat-file: unexpected size in %q", hdr)
		}
		data := make([]byte, n+1)
		if _, err := io.ReadFull(br, data); err != nil {
			return fmt.Errorf("git cat-file: %w", err)
		}
		t.Files[b.path] = data[:n]
	}
	return nil
}

// Changed lists the paths under dir that head changes since its merge-base
// with base: what merging head into base changes there (the pull request's
// diff on GitHub). A rename counts as a deletion and an addition.
func (r Repo) Changed(ctx context.Context, base, head, dir string) ([]string, error) {
	dir = strings.Trim(dir, "/")
	b, err := r.Resolve(ctx, base)
	if err != nil {
		return nil, err
	}
	h, err := r.Resolve(ctx, head)
	if err != nil {
		return nil, err
	}
	mb, err := r.git(ctx, nil, "merge-base", b, h)
	if err != nil {
		return nil, fmt.Errorf("no merge-base of %s and %s (fetch their history, not a shallow copy): %w", short(b), short(h), err)
	}
	out, err := r.git(ctx, nil, "diff-tree", "-r", "-z", "--no-renames", "--name-only", "--no-commit-id",
		strings.TrimSpace(string(mb)), h, "--", ":(literal)"+dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range bytes.Split(out, []byte{0}) {
		if len(p) > 0 && (string(p) == dir || strings.HasPrefix(string(p), dir+"/")) {
			paths = append(paths, string(p))
		}
	}
	slices.Sort(paths)
	return slices.Compact(paths), nil
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
