package cli

import (
	"cmp"

	"github.com/spf13/pflag"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// The selection flag group: the permissions directory, and the orgs and
// repositories of it a command works on. Defined here once; a command
// registers the members it takes (org and repos nil: not taken), and
// selectTargets is the one validation (a name without a file is an error
// with a did-you-mean, so a typo never silently plans nothing).
type selection struct {
	orgHelp, repoHelp string // "" keeps the usual wording
}

func (s selection) register(f *pflag.FlagSet, dir, org *string, repos *[]string) {
	f.StringVar(dir, "dir", "permissions", "permissions directory")
	if org != nil {
		f.StringVar(org, "org", "", cmp.Or(s.orgHelp, "only this org"))
	}
	if repos != nil {
		f.StringSliceVar(repos, "repo", nil, cmp.Or(s.repoHelp, "only this repository, as REPO or ORG/REPO (repeatable)"))
	}
}

// selectTargets loads the directory and picks the targets of --org and
// --repo.
func selectTargets(ios *IOStreams, dir, org string, repos []string) (*config.Config, []reconcile.Target, error) {
	cfg, err := loadConfig(ios, dir)
	if err != nil {
		return nil, nil, err
	}
	targets, err := pickTargets(cfg, org, repos)
	return cfg, targets, err
}

func pickTargets(cfg *config.Config, org string, repos []string) ([]reconcile.Target, error) {
	targets, err := reconcile.Select(cfg, org, repos)
	if err != nil {
		return nil, usageError{err}
	}
	return targets, nil
}
