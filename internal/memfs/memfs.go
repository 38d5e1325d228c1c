// Package memfs is a read-only file system held in memory: the permissions
// tree of a git commit (history, gittree) loaded without touching the disk.
// It is what testing/fstest.MapFS offers, without linking the testing
// packages into the binary.
package memfs

import (
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// FS maps slash-separated paths (no leading slash, no "." or "..") to
// files. Parent directories need not be listed: they exist when a file
// below them does.
type FS map[string]*File

// File is a regular file's content, or a directory when Mode says so.
type File struct {
	Data    []byte
	Mode    fs.FileMode
	ModTime time.Time
}

var (
	_ fs.ReadDirFS  = FS(nil)
	_ fs.ReadFileFS = FS(nil)
	_ fs.StatFS     = FS(nil)
)

// Open opens name for reading.
func (m FS) Open(name string) (fs.File, error) {
	info, children, err := m.lookup("open", name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return &dir{info: info, entries: children}, nil
	}
	return &file{info: info, r: strings.NewReader(string(m[name].Data))}, nil
}

// ReadFile returns a copy of the file's content.
func (m FS) ReadFile(name string) ([]byte, error) {
	info, _, err := m.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	return append([]byte(nil), m[name].Data...), nil
}

// Stat describes name.
func (m FS) Stat(name string) (fs.FileInfo, error) {
	info, _, err := m.lookup("stat", name)
	return info, err
}

// ReadDir lists a directory, sorted by name.
func (m FS) ReadDir(name string) ([]fs.DirEntry, error) {
	info, children, err := m.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	return children, nil
}

// lookup finds name as a listed file, or as a directory that is listed or
// holds a listed file; for a directory it also returns its entries.
func (m FS) lookup(op, name string) (fs.FileInfo, []fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	f, listed := m[name]
	if listed && !f.Mode.IsDir() {
		return info{name: path.Base(name), f: f}, nil, nil
	}
	prefix := name + "/"
	if name == "." {
		prefix = ""
	}
	seen := map[string]fs.DirEntry{}
	for p, c := range m {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok || rest == "" || p == name {
			continue
		}
		child, _, nested := strings.Cut(rest, "/")
		if nested { // a file below child: child is a directory
			if _, known := seen[child]; !known {
				seen[child] = fs.FileInfoToDirEntry(info{name: child, f: &File{Mode: fs.ModeDir | 0o555}})
			}
			continue
		}
		seen[child] = fs.FileInfoToDirEntry(info{name: child, f: c}) // listed: its own mode wins
	}
	if !listed && len(seen) == 0 && name != "." {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	entries := make([]fs.DirEntry, 0, len(seen))
	for _, e := range seen {
		entries = append(entries, e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	if !listed {
		f = &File{Mode: fs.ModeDir | 0o555}
	}
	return info{name: path.Base(name), f: f}, entries, nil
}

type info struct {
	name string
	f    *File
}

func (i info) Name() string               { return i.name }
func (i info) Size() int64                { return int64(len(i.f.Data)) }
func (i info) Mode() fs.FileMode          { return i.f.Mode }
func (i info) ModTime() time.Time         { return i.f.ModTime }
func (i info) IsDir() bool                { return i.f.Mode.IsDir() }
func (i info) Sys() any                   { return nil }
func (i info) Info() (fs.FileInfo, error) { return i, nil }
func (i info) Type() fs.FileMode          { return i.f.Mode.Type() }

type file struct {
	info fs.FileInfo
	r    *strings.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *file) Close() error               { return nil }

type dir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	off     int
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: fs.ErrInvalid}
}
func (d *dir) Close() error { return nil }

// ReadDir returns the next n entries (all of them when n <= 0).
func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	if n > len(rest) {
		n = len(rest)
	}
	d.off += n
	return rest[:n], nil
}
