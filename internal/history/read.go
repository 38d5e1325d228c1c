package history

import (
	"context"
	"errors"
	"fmt"
	"github.com/AcademySoftwareFoundation/permsync/internal/memfs"
	"io/fs"
	"os/exec"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// Options say what Read reads.
type Options struct {
	// Dir is the permissions directory (in a git checkout).
	Dir string
	// Label prefixes file names, as config.LoadDir(Dir) would write them
	// (default: Dir).
	Label string
	// Since and Until bound the window (commit dates).
	Since, Until time.Time
	// Lookup finds the pull request of a commit; nil when unavailable,
	// LookupNote then says why (e.g. "no credentials").
	Lookup     PullLookup
	LookupNote string
	// MaxCommits bounds the commits read (default 500).
	MaxCommits int
	// Git is the git binary (default "git" on PATH).
	Git string
}

// maxTreeFiles bounds the files of one tree read into memory.
const maxTreeFiles = config.MaxFiles + 1000

// Read reads the history of opts.Dir in the window. It never fails: what
// could not be read is said in the Log (Available, Note, Warnings, and
// per entry LoadNote and PRNote).
func Read(ctx context.Context, opts Options) *Log {
	if opts.Label == "" {
		opts.Label = opts.Dir
	}
	if opts.MaxCommits <= 0 {
		opts.MaxCommits = 500
	}
	if opts.Git == "" {
		opts.Git = "git"
	}
	l := &Log{Since: opts.Since.UTC(), Until: opts.Until.UTC(), Entries: []Entry{}}
	g := git{bin: opts.Git, dir: opts.Dir}
	_, prefix, err := g.repoInfo(ctx)
	if err != nil {
		switch {
		case errors.Is(err, exec.ErrNotFound):
			l.Note = "git is not installed: the history of the files is not shown"
		default:
			l.Note = fmt.Sprintf("%s is not in a git checkout (%v): the history of the files is not shown", opts.Dir, err)
		}
		return l
	}
	l.Path = prefix
	commits, err := g.log(ctx, opts.Since, opts.Until, opts.MaxCommits)
	if err != nil {
		l.Note = fmt.Sprintf("git log failed: %v", err)
		return l
	}
	l.Available = true
	if len(commits) == opts.MaxCommits {
		l.Warnings = append(l.Warnings, fmt.Sprintf("only the newest %d commits of the window are shown", opts.MaxCommits))
	}
	if len(commits) == 0 {
		l.PRLookup = lookupState(opts)
		return l
	}

	cf, err := g.catFile(ctx)
	if err != nil {
		l.Available = false
		l.Note = fmt.Sprintf("git cat-file failed: %v", err)
		return l
	}
	defer cf.close()
	tl := &treeLoader{cf: cf, prefix: prefix, label: opts.Label, blobs: map[string][]byte{}, configs: map[string]loaded{}}
	for _, c := range commits {
		e := Entry{Commit: c.hash, Parent: c.parent, AuthorName: c.authorName, AuthorEmail: c.authorEmail,
			Date: c.date.UTC(), Committer: c.committer, Subject: c.subject, Changes: []Change{}}
		after := tl.load(c.hash)
		before := loaded{fsys: memfs.FS{}}
		if c.parent != "" {
			before = tl.load(c.parent)
		}
		switch {
		case after.err != nil:
			e.LoadNote = "could not read the files at this commit: " + after.err.Error()
		case before.err != nil:
			e.LoadNote = "could not read the files at the parent commit: " + before.err.Error()
		case !after.ok() || !before.ok():
			bad := after
			if after.ok() {
				bad = before
			}
			e.LoadNote = "the files did not load" + bad.diagNote + "; only the changed files are listed"
			e.Changes = fileChanges(before.fsys, after.fsys, opts.Label)
		default:
			e.Changes = Diff(before.cfg, after.cfg)
		}
		l.Entries = append(l.Entries, e)
	}
	authors(ctx, g, l)
	lookupPulls(ctx, l, opts)
	return l
}

// loaded is a permissions tree at one commit.
type loaded struct {
	fsys     memfs.FS
	cfg      *config.Config // nil when it did not load (or is empty)
	diagNote string
	err      error
}

// ok reports whether the tree loaded, or holds no permissions file at all.
func (l loaded) ok() bool {
	if l.cfg != nil {
		return true
	}
	for n, f := range l.fsys {
		if yamlName(n) && !f.Mode.IsDir() {
			return false
		}
	}
	return true
}

type treeLoader struct {
	cf      *catFile
	prefix  string
	label   string
	blobs   map[string][]byte
	configs map[string]loaded // by tree id
}

// load reads the permissions directory at a commit.
func (t *treeLoader) load(commit string) loaded {
	name := commit + ":" + t.prefix
	if t.prefix == "" {
		name = commit + "^{tree}"
	}
	oid, typ, _, data, err := t.cf.object(name, 16<<20)
	if errors.Is(err, errMissing) {
		return loaded{fsys: memfs.FS{}} // the directory did not exist yet
	}
	if err != nil {
		return loaded{err: err}
	}
	if typ != "tree" {
		return loaded{fsys: memfs.FS{}}
	}
	if l, ok := t.configs[oid]; ok {
		return l
	}
	fsys := memfs.FS{}
	if err := t.walk(fsys, "", data, len(oid)/2, 0); err != nil {
		l := loaded{err: err}
		t.configs[oid] = l
		return l
	}
	l := loaded{fsys: fsys}
	if len(fsys) > 0 {
		cfg, diags := config.Load(fsys, t.label)
		if diags.HasErrors() {
			errs := diags.Filter(config.SevError)
			l.diagNote = fmt.Sprintf(" (%d errors, first: %s)", len(errs), errs[0].String())
		} else {
			l.cfg = cfg
		}
	}
	t.configs[oid] = l
	return l
}

// walk adds a tree's YAML files (content) and other files (empty) to fsys,
// two levels deep as the layout needs.
func (t *treeLoader) walk(fsys memfs.FS, dir string, data []byte, hashLen, depth int) error {
	entries, err := parseTree(data, hashLen)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if len(fsys) > maxTreeFiles {
			return fmt.Errorf("more than %d files", maxTreeFiles)
		}
		p := path.Join(dir, e.name)
		if !fs.ValidPath(p) {
			continue
		}
		switch e.mode {
		case "40000", "040000":
			if depth >= 1 {
				// The loader reports folders inside an org folder; their
				// content does not matter.
				fsys[p] = &memfs.File{Mode: fs.ModeDir | 0o755}
				continue
			}
			_, typ, _, sub, err := t.cf.object(e.oid, 16<<20)
			if err != nil {
				return err
			}
			if typ != "tree" {
				continue
			}
			fsys[p] = &memfs.File{Mode: fs.ModeDir | 0o755}
			if err := t.walk(fsys, p, sub, hashLen, depth+1); err != nil {
				return err
			}
		case "100644", "100755":
			if !yamlName(e.name) {
				fsys[p] = &memfs.File{Mode: 0o644}
				continue
			}
			content, ok := t.blobs[e.oid]
			if !ok {
				_, _, _, content, err = t.cf.object(e.oid, config.MaxFileSize+1)
				if err != nil {
					return err
				}
				t.blobs[e.oid] = content
			}
			fsys[p] = &memfs.File{Data: content, Mode: 0o644}
		default:
			// Symbolic links and submodules are not read: the loader
			// would not follow a link out of the directory either.
		}
	}
	return nil
}

func yamlName(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// fileChanges lists YAML files added, removed or changed between two trees.
func fileChanges(before, after memfs.FS, label string) []Change {
	names := map[string]bool{}
	for n, f := range before {
		if yamlName(n) && !f.Mode.IsDir() {
			names[n] = true
		}
	}
	for n, f := range after {
		if yamlName(n) && !f.Mode.IsDir() {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	out := []Change{}
	for _, n := range sorted {
		b, a := before[n], after[n]
		file := path.Join(label, n)
		org, repo := orgRepoOf(n)
		c := Change{Kind: FileChange, Org: org, Repo: repo, File: file}
		switch {
		case b == nil:
			c.Description = "file added: " + file
		case a == nil:
			c.Description = "file removed: " + file
		case string(a.Data) != string(b.Data):
			c.Description = "file changed: " + file
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

func orgRepoOf(name string) (org, repo string) {
	dir, file := path.Split(name)
	base := strings.TrimSuffix(file, path.Ext(file))
	if dir == "" {
		return base, ""
	}
	return strings.TrimSuffix(dir, "/"), base
}
