package operation

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/importer"
)

// ImportInput says what to import, and where.
type ImportInput struct {
	Dir   string
	Org   string
	Repos []string // only these (nil: every repository of the org)
	Force bool     // overwrite existing files
}

// Imported counts what an import did.
type Imported struct {
	Org                 string // as the directory or the flag spells it
	Wrote, Kept, Failed int
	OrgFileWritten      bool
}

// Import reads the org from GitHub and writes one file per repository
// (and the org file when there is none). A repository that cannot be read
// or named is warned about and counted as failed; the others go on. The
// files written are loaded again: a *FilesError (with the counts) if they
// do not validate.
func (e Env) Import(ctx context.Context, ii ImportInput) (*Imported, error) {
	policy := config.DefaultPolicy()
	res := &Imported{Org: ii.Org}
	if existing, err := existingOrg(ii.Dir, ii.Org); err != nil {
		return nil, err
	} else if existing != nil {
		policy, res.Org = existing.Policy, existing.Name
	}
	org := res.Org
	var narrow []string
	for _, r := range ii.Repos {
		narrow = append(narrow, org+"/"+r)
	}
	client, err := e.Connect(ctx, ReadPermissions, narrow)
	if err != nil {
		return nil, err
	}
	actual, err := client.ReadOrg(ctx, org, ghapi.ReadOptions{Repos: ii.Repos})
	if err != nil {
		return nil, fmt.Errorf("reading org %s from GitHub: %w", org, err)
	}
	// Names below come from GitHub: every write goes through an os.Root
	// at --dir, and a name that is not a repository name is refused.
	dir, err := importer.OpenDir(ii.Dir)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	existingFiles, err := dir.OrgFiles(org)
	if err != nil {
		return nil, err
	}
	for _, r := range actual.Repos {
		switch {
		case r.NotFound:
			e.Warn(fmt.Sprintf("permsync: %s/%s: no such repository, or the credentials cannot see it", org, r.Name))
			res.Failed++
			continue
		case r.ReadError != "":
			e.Warn(fmt.Sprintf("permsync: %s/%s could not be read (%s): not imported", org, r.Name, r.ReadError))
			res.Failed++
			continue
		case slices.ContainsFunc(policy.IgnoreRepos, func(s string) bool { return strings.EqualFold(s, r.Name) }):
			continue
		}
		rel, err := importer.FileName(org, r.Name)
		if err != nil {
			e.Warn(fmt.Sprintf("permsync: %s: %v", org, err))
			res.Failed++
			continue
		}
		if prev, ok := existingFiles[strings.ToLower(r.Name)]; ok {
			if !ii.Force {
				res.Kept++
				continue
			}
			rel = org + "/" + prev
		}
		data, notes := importer.RepoFile(actual, r, policy, e.Now())
		for _, n := range notes {
			e.Warn("note: " + n)
		}
		if err := dir.WriteFile(rel, data); err != nil {
			return nil, err
		}
		res.Wrote++
	}
	if !dir.Exists(org+".yaml") && !dir.Exists(org+".yml") {
		if err := dir.WriteFile(org+".yaml", importer.OrgFile(org)); err != nil {
			return nil, err
		}
		res.OrgFileWritten = true
	}
	if _, diags := config.LoadDir(ii.Dir); diags.HasErrors() {
		return res, &FilesError{Diags: diags.Filter(config.SevError), Msg: "the imported files do not validate: please report this"}
	}
	return res, nil
}

// existingOrg returns the org as the directory already defines it, or nil
// when the directory or the org is not there yet.
func existingOrg(dir, org string) (*config.Org, error) {
	_, err := os.ReadDir(dir) // fails on a file, unlike Stat
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	cfg, diags := config.LoadDir(dir)
	if cfg != nil {
		return cfg.Org(org), nil
	}
	if err == nil && len(diags) == 1 && diags[0].Pos == (config.Pos{File: dir}) {
		// The one problem of a readable directory that is about the
		// directory itself: no org folder yet. A fine place to import into.
		return nil, nil
	}
	return nil, &FilesError{Diags: diags, Msg: fmt.Sprintf("%s has errors: fix them before importing into it", dir)}
}
