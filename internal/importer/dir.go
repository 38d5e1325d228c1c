package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// Dir is the permissions directory an import writes into. Every name in a
// path comes from GitHub (repository names, the org's login), so every
// access goes through an os.Root: nothing is read or written outside the
// directory, whatever a name holds ("../x", an absolute path, a symlink
// planted inside the directory), as the loader reads it.
type Dir struct {
	root *os.Root
	name string
}

// OpenDir opens dir, creating it if needed.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Dir{root: root, name: dir}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// FileName is the path, inside the directory, of a repository's file:
// "<org>/<repo>.yaml". It refuses an org or repository name that is not
// one GitHub allows (GitHub's answer is not trusted to hold only those),
// so no name can climb out, name a directory, or hide a separator.
func FileName(org, repo string) (string, error) {
	if !config.ValidLogin(org) {
		return "", fmt.Errorf("%q is not an org name", org)
	}
	if !config.ValidRepoName(repo) {
		return "", fmt.Errorf("GitHub answered a repository name that cannot be a file name (%q): not imported", repo)
	}
	return org + "/" + repo + ".yaml", nil
}

// OrgFiles lists the YAML files of the org's folder by lower-cased
// repository name; none when the folder is not there.
func (d *Dir) OrgFiles(org string) (map[string]string, error) {
	if !config.ValidLogin(org) {
		return nil, fmt.Errorf("%q is not an org name", org)
	}
	f, err := d.root.Open(org)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if ext := path.Ext(name); ext == ".yaml" || ext == ".yml" {
			out[strings.ToLower(strings.TrimSuffix(name, ext))] = name
		}
	}
	return out, nil
}

// Exists reports whether rel exists in the directory.
func (d *Dir) Exists(rel string) bool {
	_, err := d.root.Lstat(rel)
	return err == nil
}

// WriteFile writes rel atomically (a temporary file renamed over it, so a
// symlink at rel is replaced, never followed), creating its folder.
func (d *Dir) WriteFile(rel string, data []byte) error {
	if !fs.ValidPath(rel) || strings.ContainsAny(rel, "\\\x00") {
		return fmt.Errorf("%q is not a path inside %s", rel, d.name)
	}
	if dir := path.Dir(rel); dir != "." {
		if err := d.root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path.Join(path.Dir(rel), ".permsync-import-"+path.Base(rel))
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer d.root.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return d.root.Rename(tmp, rel)
}
