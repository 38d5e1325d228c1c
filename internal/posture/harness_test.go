package posture

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The two steps the posture rests on are run, not read: the apply's refusal
// unless the commit is the head of the default branch (against stubbed git
// and gh), and the plan's gate from exit code to check result. Each runs as
// GitHub runs a run: step on Linux (bash -e), in a scratch directory, with
// its env and ${{ }} expressions filled in from a small fake context.

const (
	headSHA  = "1111111111111111111111111111111111111111"
	newerSHA = "2222222222222222222222222222222222222222"
	olderSHA = "3333333333333333333333333333333333333333"
)

// forbidden commands fail loudly if a step under test reaches for them.
var forbidden = map[string]string{
	"go":   `echo "posture: go must not run here" >&2; exit 97`,
	"make": `echo "posture: make must not run here" >&2; exit 97`,
	"curl": `echo "posture: no network here" >&2; exit 97`,
	"wget": `echo "posture: no network here" >&2; exit 97`,
}

// headStubs answer as a remote whose default branch is at $POSTURE_HEAD.
var headStubs = map[string]string{
	"git": `for a in "$@"; do
  case "$a" in
    ls-remote) printf '%s\trefs/heads/main\n' "$POSTURE_HEAD"; exit 0 ;;
    rev-parse) printf '%s\n' "$POSTURE_HEAD"; exit 0 ;;
    fetch|config|init|cat-file|remote) exit 0 ;;
  esac
done
exit 0`,
	"gh": `printf '%s\n' "$POSTURE_HEAD"`,
}

// evalExprs fills in the ${{ }} expressions of s from ctx; a key ending in
// ".*" stands for every name under it. Secrets and tokens become dummies,
// anything else unknown the empty string.
func evalExprs(s string, ctx map[string]string) string {
	return expression.ReplaceAllStringFunc(s, func(m string) string {
		e := strings.TrimSpace(expression.FindStringSubmatch(m)[1])
		if v, ok := ctx[e]; ok {
			return v
		}
		for k, v := range ctx {
			if prefix, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(e, prefix) {
				return v
			}
		}
		if strings.HasPrefix(e, "secrets.") || tokenRef.MatchString(e) {
			return "posture-dummy-credential"
		}
		return ""
	})
}

// runStep runs a step's script with its env evaluated in ctx, extra
// variables and stub commands. It returns the exit code and the output.
func runStep(w *workflow, j *job, s *step, ctx, extra, stubs map[string]string) (int, string, error) {
	return runStepIn(w, j, s, ctx, extra, stubs, nil)
}

// runStepIn is runStep with setup called on the workspace and $RUNNER_TEMP
// before the step runs (a checkout, files a download left).
func runStepIn(w *workflow, j *job, s *step, ctx, extra, stubs map[string]string, setup func(work, tmp string) error) (int, string, error) {
	code, out, _, err := runStepOutputs(w, j, s, ctx, extra, stubs, setup)
	return code, out, err
}

// runStepOutputs is runStepIn that also returns the outputs the step wrote
// to $GITHUB_OUTPUT (name=value lines).
func runStepOutputs(w *workflow, j *job, s *step, ctx, extra, stubs map[string]string, setup func(work, tmp string) error) (code int, out string, outputs map[string]string, err error) {
	dir, err := os.MkdirTemp("", "posture-")
	if err != nil {
		return 0, "", nil, err
	}
	defer os.RemoveAll(dir)
	code, out, err = runStepDir(dir, w, j, s, ctx, extra, stubs, setup)
	if err != nil {
		return code, out, nil, err
	}
	outputs = map[string]string{}
	data, _ := os.ReadFile(filepath.Join(dir, "output"))
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			outputs[k] = v
		}
	}
	return code, out, outputs, nil
}

func runStepDir(dir string, w *workflow, j *job, s *step, ctx, extra, stubs map[string]string, setup func(work, tmp string) error) (int, string, error) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return 0, "", errors.New("bash not found: cannot run the step")
	}
	bin, work, tmp := filepath.Join(dir, "bin"), filepath.Join(dir, "work"), filepath.Join(dir, "tmp")
	for _, d := range []string{bin, work, tmp} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return 0, "", err
		}
	}
	if setup != nil {
		if err := setup(work, tmp); err != nil {
			return 0, "", err
		}
	}
	path := bin + string(os.PathListSeparator) + os.Getenv("PATH")
	if inst := installedBefore(j, s); inst != nil && len(runsPermsync(s)) > 0 {
		// What the install action leaves for the steps after it: the
		// binary at $RUNNER_TEMP/permsync-<version>/bin/permsync (its
		// path output), that directory first on PATH.
		binary, err := builtPermsync(inst.With["version"].Value)
		if err != nil {
			return 0, "", err
		}
		dir := filepath.Join(tmp, "permsync-"+inst.With["version"].Value, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, "", err
		}
		if err := os.Symlink(binary, filepath.Join(dir, "permsync")); err != nil {
			return 0, "", err
		}
		path = dir + string(os.PathListSeparator) + path
		ctx = maps.Clone(ctx)
		ctx["steps."+inst.ID.Value+".outputs.path"] = filepath.Join(dir, "permsync")
	}
	all := map[string]string{}
	for k, v := range forbidden {
		all[k] = v
	}
	for k, v := range stubs {
		all[k] = v
	}
	for name, body := range all {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			return 0, "", err
		}
	}
	script := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(script, []byte(evalExprs(s.Run.Value, ctx)), 0o644); err != nil {
		return 0, "", err
	}
	env := map[string]string{
		"PATH":                path,
		"HOME":                dir,
		"LANG":                "C",
		"CI":                  "true",
		"GITHUB_ACTIONS":      "true",
		"RUNNER_TEMP":         tmp,
		"GITHUB_WORKSPACE":    work,
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_ENV":          filepath.Join(dir, "env"),
		"GITHUB_PATH":         filepath.Join(dir, "path"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
	}
	for k, v := range envOf(w, j, s) {
		env[k] = evalExprs(v, ctx)
	}
	for k, v := range extra {
		env[k] = v
	}
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)

	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, bash, "-e", script)
	cmd.Dir, cmd.Env = work, list
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out), nil
	case err != nil:
		return 0, string(out), err
	}
	return 0, string(out), nil
}

// installedBefore returns the install step that runs before s in j, if any.
func installedBefore(j *job, s *step) *step {
	for _, x := range j.Steps[:s.Index-1] {
		if isInstallStep(x) {
			return x
		}
	}
	return nil
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// builtPermsync is the release the install action would install: permsync
// built once from this tree, saying it is version (as a release binary
// does, and as the action checks). It lives until TestMain removes it.
func builtPermsync(version string) (string, error) {
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "posture-permsync-"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(buildDir, "permsync"),
			"-ldflags", "-X github.com/AcademySoftwareFoundation/permsync/internal/buildinfo.Version="+version, "./cmd/permsync")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building permsync for the steps: %v: %s", err, out)
		}
	})
	return filepath.Join(buildDir, "permsync"), buildErr
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	if mainlineRepo.dir != "" {
		_ = os.RemoveAll(mainlineRepo.dir)
	}
	os.Exit(code)
}

// pushContext is the context of a push of headSHA to main.
func pushContext() (ctx, env map[string]string) {
	ctx = map[string]string{
		"github.sha":                             headSHA,
		"github.ref":                             "refs/heads/main",
		"github.event_name":                      "push",
		"github.repository":                      "octo-org/permissions",
		"github.server_url":                      "https://github.invalid",
		"github.api_url":                         "https://api.github.invalid",
		"github.event.before":                    olderSHA,
		"github.event.repository.default_branch": "main",
	}
	env = map[string]string{
		"GITHUB_SHA":        headSHA,
		"GITHUB_REF":        "refs/heads/main",
		"GITHUB_REF_NAME":   "main",
		"GITHUB_EVENT_NAME": "push",
		"GITHUB_REPOSITORY": "octo-org/permissions",
		"GITHUB_SERVER_URL": "https://github.invalid",
		"GITHUB_API_URL":    "https://api.github.invalid",
	}
	return ctx, env
}

// runHeadCheck says what is wrong with s as the apply's head check ("" if
// nothing): it must pass when the default branch is at the commit, and fail
// when the branch has moved on.
func runHeadCheck(w *workflow, j *job, s *step) string {
	ctx, env := pushContext()
	env["POSTURE_HEAD"] = headSHA
	code, out, err := runStep(w, j, s, ctx, env, headStubs)
	if err != nil {
		return err.Error()
	}
	if code != 0 {
		return fmt.Sprintf("fails (exit %d) even when the commit is the head: %s", code, firstLine(out))
	}
	env["POSTURE_HEAD"] = newerSHA
	code, _, err = runStep(w, j, s, ctx, env, headStubs)
	if err != nil {
		return err.Error()
	}
	if code == 0 {
		return "does not refuse when the default branch has moved on to a newer commit"
	}
	return ""
}

// runGate says what is wrong with g as the gate of the plan step with id
// plan ("" if nothing): the plan's exit codes 0 and 2 pass the check, 1, 3,
// 4 and none at all fail it.
func runGate(w *workflow, j *job, g *step, plan string) string {
	for _, tc := range []struct {
		rc   string
		pass bool
	}{{"0", true}, {"2", true}, {"1", false}, {"3", false}, {"4", false}, {"", false}} {
		ctx, env := pushContext()
		ctx["github.event_name"] = "pull_request_target"
		ctx["steps."+plan+".outputs.*"] = tc.rc
		code, out, err := runStep(w, j, g, ctx, env, nil)
		if err != nil {
			return err.Error()
		}
		what := "exits " + tc.rc
		if tc.rc == "" {
			what = "wrote no exit code"
		}
		switch {
		case tc.pass && code != 0:
			return fmt.Sprintf("fails the check when the plan %s (exit %d: %s)", what, code, firstLine(out))
		case !tc.pass && code == 0:
			return fmt.Sprintf("passes the check when the plan %s", what)
		}
	}
	return ""
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// workflowStep finds the step named name in the repository's workflow file,
// failing the test when it is not there.
func workflowStep(t *testing.T, file, name string) (*workflow, *job, *step) {
	t.Helper()
	set, err := loadWorkflows(workflowsDir)
	require.NoError(t, err)
	for _, w := range set {
		if w.File != file {
			continue
		}
		for _, j := range w.Jobs {
			for _, s := range j.Steps {
				if s.Name.Value == name {
					return w, j, s
				}
			}
		}
	}
	require.FailNowf(t, "step not found", "%s has no step %q", file, name)
	return nil, nil, nil
}

// gitIn runs git in work, with fixed identities and dates and no user or
// system configuration, so that commits are the same on every machine.
func gitIn(work string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.invalid", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.invalid", "GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z",
			"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", &exec.Error{Name: "git " + strings.Join(args, " ") + ": " + string(out), Err: err}
		}
		return strings.TrimSpace(string(out)), nil
	}
}
