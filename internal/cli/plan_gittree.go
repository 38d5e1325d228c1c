package cli

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/gittree"
	"github.com/AcademySoftwareFoundation/permsync/internal/mdsafe"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// prTree is a pull request's permissions files read from git (plan
// --git-tree), and with --git-base what it changes.
type prTree struct {
	dir     string
	head    string // full commit ids
	base    string
	cfg     *config.Config
	changed []string // paths under dir the pull request changes
	planned []string // "org/repo" whose files it adds or changes, lower case
	deleted []string // repository files it deletes (unmanaged from then on)
	all     bool     // an org file changed: every repository is planned
	nothing bool     // no repository file to plan
	managed map[string]bool
	// baseCfg is the base's files, for what the pull request adds or
	// changes (nil without --git-base, or when they do not load).
	baseCfg *config.Config
}

func readPRTree(ctx context.Context, opts *PlanOptions) (*prTree, error) {
	dir := strings.Trim(path.Clean(strings.ReplaceAll(opts.Dir, "\\", "/")), "/")
	repo := gittree.Repo{GitDir: opts.GitDir}
	tree, err := repo.Read(ctx, opts.GitTree, dir)
	if err != nil {
		return nil, fmt.Errorf("--git-tree %s: %w", opts.GitTree, err)
	}
	pr := &prTree{dir: dir, head: tree.Commit}
	if opts.GitBase == "" {
		return pr, pr.load(opts, tree)
	}
	baseTree, err := repo.Read(ctx, opts.GitBase, dir)
	if err != nil {
		return nil, fmt.Errorf("--git-base %s: %w", opts.GitBase, err)
	}
	pr.base = baseTree.Commit
	if cfg, diags := config.Load(baseTree.FS(), dir); !diags.HasErrors() {
		pr.baseCfg = cfg
	}
	pr.managed = map[string]bool{}
	for p := range baseTree.Files {
		if org, repo, ok := repoFile(p); ok {
			pr.managed[strings.ToLower(org+"/"+repo)] = true
		}
	}
	if pr.changed, err = repo.Changed(ctx, opts.GitBase, opts.GitTree, dir); err != nil {
		return nil, fmt.Errorf("--git-base %s: %w", opts.GitBase, err)
	}
	var unplanned []string
	for _, p := range pr.changed {
		rel := strings.TrimPrefix(p, dir+"/")
		if org, repo, ok := repoFile(rel); ok {
			if _, there := tree.Files[rel]; there {
				pr.planned = append(pr.planned, strings.ToLower(org+"/"+repo))
			} else {
				pr.deleted = append(pr.deleted, org+"/"+repo)
			}
			continue
		}
		if !strings.Contains(rel, "/") && isYAML(rel) {
			pr.all = true
			continue
		}
		unplanned = append(unplanned, p)
	}
	if len(unplanned) > 0 {
		return nil, fmt.Errorf("%s: the pull request changes %s, which permsync does not plan (it plans %s/ORG.yaml and %s/ORG/REPO.yaml only): the plan would not show what the merge changes; move or remove %s",
			short(tree.Commit), strings.Join(quoteAll(unplanned), ", "), dir, dir, words.Plural(len(unplanned), "file"))
	}
	// Loaded after the check above, so that a changed file the loader
	// would refuse is first named as one the plan does not show.
	if err := pr.load(opts, tree); err != nil {
		return nil, err
	}
	pr.planFloorDeletions()
	switch {
	case pr.all:
		fmt.Fprintln(opts.IO.ErrOut, "an org file changed: planning every repository")
	case len(pr.planned) == 0:
		pr.nothing = true
	default:
		opts.Repos = slices.Clone(pr.planned)
	}
	return pr, nil
}

// floorDeleted lists the deleted repository files of orgs whose floor
// ruleset covers them (floor_ruleset, not in ignore_repos).
func (pr *prTree) floorDeleted() []string {
	var out []string
	for _, d := range pr.deleted {
		org, repo, _ := strings.Cut(d, "/")
		if o := pr.cfg.Org(org); o != nil && o.Policy.FloorRuleset && !o.Ignored(repo) {
			out = append(out, d)
		}
	}
	return out
}

// planFloorDeletions: a deleted file takes its repository out of the
// org's floor ruleset, which is refused while the repository exists, not
// archived. The plan of the org's remaining repositories holds that
// ruleset change, so the check fails before the merge, not after it.
func (pr *prTree) planFloorDeletions() {
	for _, d := range pr.floorDeleted() {
		org, _, _ := strings.Cut(d, "/")
		o := pr.cfg.Org(org)
		for _, r := range o.Repos {
			name := strings.ToLower(o.Name + "/" + r.Name)
			if !o.Ignored(r.Name) && !slices.Contains(pr.planned, name) {
				pr.planned = append(pr.planned, name)
			}
		}
	}
}

func (pr *prTree) load(opts *PlanOptions, tree *gittree.Tree) error {
	cfg, diags := config.Load(tree.FS(), pr.dir)
	pr.cfg = cfg
	return loaded(opts.IO, diags, pr.dir+" at "+short(tree.Commit))
}

// checkPlanned: every repository file the pull request adds or changes was
// planned. A file the loader skipped, or a repository Select left out, would
// otherwise pass unseen.
func (pr *prTree) checkPlanned(p *reconcile.Plan) error {
	got := map[string]bool{}
	for _, r := range p.Repos {
		got[strings.ToLower(r)] = true
	}
	var missing []string
	for _, r := range pr.planned {
		if !got[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the pull request changes the files of %s, but the plan does not cover them: the plan would not show what the merge changes", strings.Join(missing, ", "))
	}
	return nil
}

func repoFile(rel string) (org, repo string, ok bool) {
	org, file, ok := strings.Cut(rel, "/")
	if !ok || strings.Contains(file, "/") || !isYAML(file) {
		return "", "", false
	}
	return org, strings.TrimSuffix(strings.TrimSuffix(file, ".yaml"), ".yml"), true
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// withholder says why a repository's details are withheld from the pull
// request's author, or "".
func (pr *prTree) withholder(actual map[string]*state.Org, fromFork bool) func(org, repo string) string {
	return func(org, repo string) string {
		if !pr.managed[strings.ToLower(org+"/"+repo)] {
			return "not managed on the base branch"
		}
		if !fromFork {
			return ""
		}
		if o := actual[strings.ToLower(org)]; o != nil {
			if r := o.Repo(repo); r != nil {
				if !r.Private && (r.Visibility == "" || r.Visibility == "public") {
					return ""
				}
				return "private, and the pull request comes from a fork"
			}
		}
		return "its visibility is unknown, and the pull request comes from a fork"
	}
}

// whereFull says, truly, where a maintainer sees what is withheld.
func (pr *prTree) whereFull(opts *PlanOptions) string {
	return fmt.Sprintf("A maintainer sees the full plan by running `permsync plan --git-tree %s --git-base %s` with their own credentials in a clone that has fetched this pull request; "+
		"after the merge, the apply run publishes the full plan for approval before it changes anything.", pr.head, pr.base)
}

// deletedNote says which repositories the pull request stops managing.
func (pr *prTree) deletedNote() string {
	names := make([]string, len(pr.deleted))
	for i, d := range pr.deleted {
		names[i] = "`" + mdsafe.Code(d) + "`"
	}
	return fmt.Sprintf("\nThis pull request deletes the files of %s: permsync stops managing them, and changes none of their grants on GitHub.%s\n", strings.Join(names, ", "), pr.floorNote(true))
}

// floorNote says what a deletion does to the floor ruleset, or "".
func (pr *prTree) floorNote(markdown bool) string {
	fd := pr.floorDeleted()
	if len(fd) == 0 {
		return ""
	}
	for i, d := range fd {
		if markdown {
			fd[i] = "`" + mdsafe.Code(d) + "`"
		}
	}
	return fmt.Sprintf(" It also takes %s out of the org's floor ruleset (floor_ruleset), which weakens the floor: permsync refuses that (nothing is applied, exit 3) while the repository exists on GitHub, not archived. Archive or delete the repository first, or list it in ignore_repos in the org file (a reviewed change), or keep its file.", strings.Join(fd, ", "))
}

// writeNothingToPlan: the pull request adds or changes no repository file.
func writeNothingToPlan(opts *PlanOptions, pr *prTree) error {
	msg := fmt.Sprintf("This pull request adds or changes no repository file under %s/: nothing to plan.", pr.dir)
	if len(pr.deleted) > 0 {
		msg += fmt.Sprintf(" It deletes the files of %s: permsync stops managing them and changes none of their grants on GitHub.", strings.Join(pr.deleted, ", ")) + pr.floorNote(false)
	}
	if err := writeOut(opts.IO, opts.Out, func(w io.Writer, _ bool) error {
		var err error
		switch opts.Format {
		case "markdown":
			// The second marker tells the workflow not to start a comment
			// thread for it (names are escaped: no other line can hold it).
			_, err = fmt.Fprintf(w, "<!-- permsync:plan -->\n<!-- permsync:nothing-to-plan -->\n## permsync plan\n\n%s\n", mdsafe.Text(msg))
		case "json":
			_, err = fmt.Fprintf(w, "{\"nothing_to_plan\": true}\n")
		default:
			_, err = fmt.Fprintln(w, msg)
		}
		return err
	}); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.ErrOut, msg)
	return nil
}
