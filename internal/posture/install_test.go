package posture

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// permsync reaches the runner of every permissions-*.yml in one way: the
// install action of this repository, pinned by full commit SHA, installs one
// pinned release, verified. Nothing builds it from source (the template an
// org copies holds no source), every job runs the permsync the action put on
// PATH, every workflow installs the same version (a bump that forgets one
// workflow would run two versions against the same files), and a job that
// holds an App's key fails when the build provenance cannot be verified.
//
// The pinned SHA names a commit of this repository: it must be in this
// repository's history, and its .github/actions/install must be the one in
// the working tree, which install_action_test.go (internal/cli) tests. Else
// the workflows would run action code nobody here reviewed or tested.

const (
	installActionPath = ".github/actions/install"
	// repoRoot is the repository's top directory, seen from this package.
	repoRoot = "../.."
)

var (
	releaseVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)
	sha256Hex      = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)
	commitHex      = regexp.MustCompile(`^[0-9a-f]{40}$`)
	// envWrite: a mention of the files that set the env or PATH of the
	// steps that follow, however a script or an expression spells them.
	envWrite       = regexp.MustCompile(`(?i)\bGITHUB_(ENV|PATH)\b|\bgithub\.(env|path)\b`)
	commentVersion = regexp.MustCompile(`^#\s*(v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)\b`)

	thisRepoOnce sync.Once
	thisRepoName string
)

// thisRepo is OWNER/REPO of this repository, from go.mod's module path
// (github.com/OWNER/REPO): the one whose install action the workflows pin.
func thisRepo() string {
	thisRepoOnce.Do(func() {
		data, err := os.ReadFile(filepath.Join(repoRoot, "go.mod"))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if mod, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
				thisRepoName = strings.TrimPrefix(strings.TrimSpace(mod), "github.com/")
				return
			}
		}
	})
	return thisRepoName
}

// installAction is what the workflows must use: OWNER/REPO/.github/actions/install.
func installAction() string { return thisRepo() + "/" + installActionPath }

// isInstallStep: a step that uses an install action, this repository's or
// another one's, by SHA or otherwise.
func isInstallStep(s *step) bool {
	a := s.action()
	return strings.HasSuffix(a, "/"+installActionPath) || a == "./"+installActionPath || a == installActionPath
}

// templateWorkflow: the workflows an org copies, which run permsync.
func templateWorkflow(w *workflow) bool { return strings.HasPrefix(w.File, "permissions-") }

// runsPermsync lists the commands of s that run permsync, however spelled.
func runsPermsync(s *step) []command {
	var out []command
	for _, cmd := range shellCommands(s.Run.Value) {
		if strings.Contains(strings.ToLower(cmd.String()), "permsync") && (strings.Contains(strings.ToLower(cmd.name()), "permsync") ||
			(cmd.name() == "go" && len(cmd.words) > 1 && slices.ContainsFunc(cmd.words[2:], func(w string) bool { return strings.Contains(w, "cmd/permsync") }))) {
			out = append(out, cmd)
		}
	}
	return out
}

// steersInstall says why an env variable of a workflow or job could steer
// the install action ("" if it cannot): install.sh reads PERMSYNC_*
// (PERMSYNC_GH, a gh that verifies anything; PERMSYNC_RELEASE_URL, another
// server), and though the action sets each in its step's own env, only the
// App's credentials (PERMSYNC_APP_*) have a reason to be there.
func steersInstall(name string) bool {
	return strings.HasPrefix(strings.ToUpper(name), "PERMSYNC_") && !strings.HasPrefix(strings.ToUpper(name), "PERMSYNC_APP_")
}

// install checks one job of a template workflow; keyed says it holds an App's key.
func (c *checker) install(w *workflow, j *job, keyed bool) {
	for _, k := range sortedKeys(j.Env) {
		if steersInstall(k) {
			c.add(ruleInstallEnv, w, j, nil, j.Env[k].Line, "job env sets %s: only the App's credentials (PERMSYNC_APP_*) may be PERMSYNC_* here; the rest steer the install action (PERMSYNC_GH, PERMSYNC_RELEASE_URL are test hooks)", k)
		}
	}
	if keyed {
		// $GITHUB_ENV and $GITHUB_PATH reach every later step, the install
		// action's included: a gh or curl of one's own on PATH passes any
		// check. A job that holds a key writes neither.
		for _, s := range j.Steps {
			texts := []str{s.Run}
			for _, k := range sortedKeys(s.Env) {
				texts = append(texts, s.Env[k])
			}
			for _, k := range sortedKeys(s.With) {
				texts = append(texts, s.With[k])
			}
			for _, t := range texts {
				if m := envWrite.FindString(t.Value); m != "" {
					c.add(ruleInstallEnv, w, j, s, t.Line, "names %s in a job that holds an App's key: what a step writes there reaches every later step, the install action and the key included; write step outputs ($GITHUB_OUTPUT) instead", m)
					break
				}
			}
		}
	}
	var installs []*step
	for _, s := range j.Steps {
		if a := s.action(); a == "actions/setup-go" {
			c.add(ruleInstall, w, j, s, s.Uses.Line, "sets up Go: the template installs permsync with %s and builds nothing (an org's copy holds no source)", installAction())
		}
		if isInstallStep(s) {
			installs = append(installs, s)
			c.installStep(w, j, s, keyed)
		}
		for _, cmd := range shellCommands(s.Run.Value) {
			if cmd.name() == "go" {
				c.add(ruleInstall, w, j, s, scriptLine(s, cmd), "runs %q: permsync comes from the install action's pinned release, never from source", cmd.String())
			}
		}
		for _, cmd := range runsPermsync(s) {
			switch {
			case cmd.name() == "go":
				// said above
			case cmd.name() != "permsync":
				c.add(ruleInstall, w, j, s, scriptLine(s, cmd), "runs %s: run the permsync the install action put on PATH (plain `permsync`), nothing else", cmd.name())
			case len(installs) == 0:
				c.add(ruleInstall, w, j, s, scriptLine(s, cmd), "runs permsync, but no step before it installs it with %s@<commit SHA>", installAction())
			}
		}
	}
	if len(installs) > 1 {
		c.add(ruleInstall, w, j, installs[1], installs[1].Uses.Line, "installs permsync a second time: one install step per job")
	}
}

// installStep checks the install step s: this repository's action, a pinned
// release named alike in the comment and the version input, the provenance
// verified where a key is held, the sha256 input well-formed when given.
func (c *checker) installStep(w *workflow, j *job, s *step, keyed bool) {
	action, ref, _ := strings.Cut(s.Uses.Value, "@")
	if !strings.EqualFold(action, installAction()) {
		c.add(ruleInstall, w, j, s, s.Uses.Line, "installs with %s: only %s (pinned by commit SHA) may install permsync", action, installAction())
	}
	v := s.With["version"]
	switch {
	case !v.set || v.Value == "":
		c.add(ruleInstall, w, j, s, s.Uses.Line, "no version input: pin a release (version: vX.Y.Z)")
	case !releaseVersion.MatchString(v.Value):
		c.add(ruleInstall, w, j, s, v.Line, "version %q is not a release (vX.Y.Z): pin one", v.Value)
	default:
		if m := commentVersion.FindStringSubmatch(s.Uses.Comment); m != nil && m[1] != v.Value {
			c.add(ruleInstall, w, j, s, s.Uses.Line, "the comment says %s but version installs %s: bump them together", m[1], v.Value)
		}
	}
	if keyed {
		if p := s.With["verify-provenance"]; p.Value != "true" {
			c.add(ruleInstall, w, j, s, s.Uses.Line, "this job holds an App's key: set verify-provenance: \"true\", so that a binary whose build provenance does not verify never runs with it")
		}
	}
	if r, ok := s.With["repository"]; ok && !strings.EqualFold(r.Value, thisRepo()) {
		// The releases, and the workflow their provenance must name, of
		// another repository: whoever controls it controls the binary.
		c.add(ruleInstall, w, j, s, r.Line, "installs the releases of %q: only %s's releases (the default) may run here", r.Value, thisRepo())
	}
	h, hasSHA := s.With["sha256"]
	if hasSHA && !sha256Hex.MatchString(h.Value) {
		c.add(ruleInstall, w, j, s, h.Line, "sha256 %q is not a SHA-256 (64 hex digits from the release's SHA256SUMS)", h.Value)
	}
	c.installSource(w, j, s, keyed, hasSHA && sha256Hex.MatchString(h.Value))
	if strings.EqualFold(action, installAction()) && shaPinned.MatchString(s.Uses.Value) {
		if problem := pinnedActionProblem(ref); problem != "" {
			c.add(ruleInstallPin, w, j, s, s.Uses.Line, "%s", problem)
		}
	}
}

// installSource: where a key is held, the release's bytes (sha256) or its
// source (source-commit, checked in the build provenance) are pinned, not
// only its tag: a writer of this repository can delete a release and push
// its tag again at a commit of their own, and the release workflow builds
// and attests that as well. A source-commit is a full SHA on this
// repository's history (an ancestor of HEAD): code reviewed here.
func (c *checker) installSource(w *workflow, j *job, s *step, keyed, pinnedBytes bool) {
	sc, hasSource := s.With["source-commit"]
	switch {
	case !hasSource:
	case !commitHex.MatchString(sc.Value):
		c.add(ruleInstallSource, w, j, s, sc.Line, "source-commit %q is not a full commit SHA (40 lowercase hex digits): name the commit the release is tagged at", sc.Value)
	default:
		if problem := sourceCommitProblem(sc.Value); problem != "" {
			c.add(ruleInstallSource, w, j, s, sc.Line, "%s", problem)
		}
	}
	_, hasSHA := s.With["sha256"]
	// A malformed pin is reported above (or by installStep), once.
	if keyed && !pinnedBytes && !hasSource && !hasSHA {
		c.add(ruleInstallSource, w, j, s, s.Uses.Line, "this job holds an App's key but pins neither the bytes (sha256:) nor the source (source-commit:) of the release: a tag pushed again at another commit would install, and run with the key, whatever that commit builds (docs/setup.md, \"Install and upgrade\")")
	}
}

var sourceCommits sync.Map // commit SHA -> problem ("" when it is an ancestor of HEAD)

// sourceCommitProblem says what is wrong with sha as the source-commit
// ("" if nothing): it must be a commit of this repository's history, an
// ancestor of HEAD.
func sourceCommitProblem(sha string) string {
	if p, ok := sourceCommits.Load(sha); ok {
		return p.(string)
	}
	p, err := ancestorProblem(repoRoot, sha)
	if err != nil {
		p = fmt.Sprintf("cannot tell whether source-commit %s is in this history (run the test in a git clone of this repository): %v", sha, err)
	}
	sourceCommits.Store(sha, p)
	return p
}

// ancestorProblem: "" when sha is a commit of the repository at root and an
// ancestor of (or) its HEAD.
func ancestorProblem(root, sha string) (string, error) {
	git := gitRead(root)
	if _, err := git("cat-file", "-e", sha+"^{commit}"); err != nil {
		if shallow, _ := git("rev-parse", "--is-shallow-repository"); shallow == "true" {
			return fmt.Sprintf("source-commit %s is not in this clone's history, which is shallow: fetch the full history (git fetch --unshallow; fetch-depth: 0 in CI) and run again", sha), nil
		}
		return fmt.Sprintf("source-commit %s is not a commit of this repository: name the commit of %s the release is tagged at", sha, thisRepo()), nil
	}
	if _, err := git("merge-base", "--is-ancestor", sha, "HEAD"); err != nil {
		return fmt.Sprintf("source-commit %s is not an ancestor of HEAD: name a commit on this branch's history, the one the release is tagged at", sha), nil
	}
	return "", nil
}

// installSet: every template workflow installs the same version (and the
// same sha256 and source-commit, when pinned), and no workflow's env
// steers the install action.
func (c *checker) installSet(set []*workflow) {
	type use struct {
		w *workflow
		j *job
		s *step
	}
	var uses []use
	for _, w := range set {
		if !templateWorkflow(w) {
			continue
		}
		for _, k := range sortedKeys(w.Env) {
			if steersInstall(k) {
				c.add(ruleInstallEnv, w, nil, nil, w.Env[k].Line, "workflow env sets %s: only the App's credentials (PERMSYNC_APP_*) may be PERMSYNC_* here; the rest steer the install action (PERMSYNC_GH, PERMSYNC_RELEASE_URL are test hooks)", k)
			}
		}
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if isInstallStep(s) {
					uses = append(uses, use{w, j, s})
				}
			}
		}
	}
	for _, input := range []string{"version", "sha256", "source-commit"} {
		seen := map[string][]string{}
		for _, u := range uses {
			if v := u.s.With[input]; v.Value != "" {
				seen[v.Value] = append(seen[v.Value], fmt.Sprintf("%s:%d", u.w.File, v.Line))
			}
		}
		if len(seen) < 2 {
			continue
		}
		// The value most workflows hold is the pin; each other is the odd one.
		values := sortedKeys(seen)
		slices.SortStableFunc(values, func(a, b string) int { return len(seen[b]) - len(seen[a]) })
		for _, u := range uses {
			if v := u.s.With[input]; v.Value != "" && v.Value != values[0] {
				rule := ruleInstall
				if input != "version" {
					rule = ruleInstallSource
				}
				c.add(rule, u.w, u.j, u.s, v.Line, "%s %s, while %s pin %s: bump every workflow together", input, v.Value, strings.Join(seen[values[0]], ", "), values[0])
			}
		}
	}
}

// gitRead runs read-only git commands in the repository at root, with the
// user's configuration (a safe.directory entry, say): unlike gitIn, it
// commits nothing, so there is nothing to keep deterministic.
func gitRead(root string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0")
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = strings.TrimSpace(string(ee.Stderr))
			}
			return "", fmt.Errorf("git %s: %v %s", strings.Join(args, " "), err, stderr)
		}
		return strings.TrimSpace(string(out)), nil
	}
}

var pinnedActions sync.Map // commit SHA -> problem ("" when the action there is this tree's)

// pinnedActionProblem says what is wrong with sha as the pin of this
// repository's install action ("" if nothing): it must be a commit of this
// repository's history whose .github/actions/install is the working tree's.
func pinnedActionProblem(sha string) string {
	if p, ok := pinnedActions.Load(sha); ok {
		return p.(string)
	}
	p, err := actionDiff(repoRoot, sha, filepath.Join(repoRoot, installActionPath))
	if err != nil {
		p = fmt.Sprintf("cannot compare the action at %s with %s (run the test in a git clone of this repository): %v", sha, installActionPath, err)
	}
	pinnedActions.Store(sha, p)
	return p
}

// actionDiff compares .github/actions/install at commit sha of the
// repository at root with the files of dir, by git's object ids (git
// hash-object, which writes nothing), modes included.
func actionDiff(root, sha, dir string) (string, error) {
	git := gitRead(root)
	if _, err := git("cat-file", "-e", sha+"^{commit}"); err != nil {
		shallow, _ := git("rev-parse", "--is-shallow-repository")
		if shallow == "true" {
			return fmt.Sprintf("%s is not in this clone's history, which is shallow: fetch the full history (git fetch --unshallow; fetch-depth: 0 in CI) and run again", sha), nil
		}
		return fmt.Sprintf("%s is not a commit of this repository: pin a commit of %s whose %s is the one in this tree", sha, thisRepo(), installActionPath), nil
	}
	listing, err := git("ls-tree", "-r", "--full-tree", sha, "--", installActionPath)
	if err != nil {
		return "", err
	}
	at := map[string]string{} // file -> "mode id"
	for _, line := range strings.Split(listing, "\n") {
		meta, file, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta) // mode type id
		if len(f) == 3 {
			at[strings.TrimPrefix(file, installActionPath+"/")] = f[0] + " " + f[2]
		}
	}
	if len(at) == 0 {
		return fmt.Sprintf("commit %s has no %s: pin a commit whose %s is the one in this tree", sha, installActionPath, installActionPath), nil
	}
	here := map[string]string{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := "100644"
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			mode = "120000"
		case info.Mode()&0o111 != 0:
			mode = "100755"
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		id, err := git("hash-object", "--no-filters", "--", abs)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		here[filepath.ToSlash(rel)] = mode + " " + id
		return nil
	})
	if err != nil {
		return "", err
	}
	var diffs []string
	for _, f := range sortedKeys(at) {
		switch h, ok := here[f]; {
		case !ok:
			diffs = append(diffs, f+" is gone from this tree")
		case h != at[f]:
			diffs = append(diffs, f+" differs")
		}
	}
	for _, f := range sortedKeys(here) {
		if _, ok := at[f]; !ok {
			diffs = append(diffs, f+" is new in this tree")
		}
	}
	if len(diffs) > 0 {
		return fmt.Sprintf("the action at %s is not the one in this tree (%s): the workflows would run action code this tree does not test; commit the action first, then pin that commit (docs/setup.md, \"Install and upgrade\")", sha, strings.Join(diffs, "; ")), nil
	}
	return "", nil
}
