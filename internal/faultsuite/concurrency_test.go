package faultsuite

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/cli"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
)

// The concurrency tests run the built binary: separate processes, each
// with its own client, limits and view of GitHub, as two people (or a
// person and the workflow) would run permsync against one org.

var binary string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "permsync-faultsuite-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binary = filepath.Join(tmp, "permsync")
	build := exec.Command("go", "build", "-o", binary, "./cmd/permsync")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building permsync: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// command prepares the binary with the world's App credentials, talking
// to the simulator directly, with its own cache directory and no pacing.
func (w *world) command(cache string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	args = append(args, "--dir", w.dir, "--cache-dir", cache, "--write-interval", "0s")
	cmd := exec.Command(binary, args...)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GITHUB_") || strings.HasPrefix(kv, "PERMSYNC_") || strings.HasPrefix(kv, "CI=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	for k, v := range w.env {
		if k == "GITHUB_API_URL" {
			v = w.Server.URL()
		}
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("running permsync: %v", err)
	return -1
}

// runBinary runs the binary to its end.
func (w *world) runBinary(t *testing.T, cache string, args ...string) result {
	t.Helper()
	cmd, out, errOut := w.command(cache, args...)
	code := exitCode(t, cmd.Run())
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

var outcomeLine = regexp.MustCompile(`(?m)^[✓=✗≠…] (done|already|failed|conflict|skipped) +(.*)$`)

// outcomes maps each change's description to its status in an apply's output.
func outcomes(out string) map[string]string {
	m := map[string]string{}
	for _, x := range outcomeLine.FindAllStringSubmatch(out, -1) {
		desc := x[2]
		if i := strings.Index(desc, " (invitation sent)"); i >= 0 {
			desc = desc[:i]
		}
		if i := strings.Index(desc, ": GitHub changed since the plan"); i >= 0 {
			desc = desc[:i]
		}
		m[desc] = x[1]
	}
	return m
}

// TestTwoAppliesAtOnce: two people run apply at the same moment against
// one org, with the same files. No lock can help across machines: each
// write is preceded by a fresh read of what it changes, so the second
// writer finds the work done ("already") or changed ("conflict"), and
// whatever both write is the same value. The end state is the files', no
// invitation is sent twice, and a third run has nothing to do.
func TestTwoAppliesAtOnce(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			p := w.plan(t)
			before := w.snap()
			if seed == 3 {
				// Slower writes: the two runs' writes interleave more.
				w.Server.SetFaults(ghsim.Faults{Jitter: 3 * time.Millisecond})
			}
			a, aOut, aErr := w.command(filepath.Join(t.TempDir(), "cache-a"), "apply", "--yes")
			b, bOut, bErr := w.command(filepath.Join(t.TempDir(), "cache-b"), "apply", "--yes")
			require.NoError(t, a.Start())
			// A stagger that varies the interleaving between seeds, not a
			// timing assumption: the assertions hold for every interleaving.
			time.Sleep(time.Duration(seed-1) * 15 * time.Millisecond)
			require.NoError(t, b.Start())
			ra := result{code: exitCode(t, a.Wait()), out: aOut.String(), errOut: aErr.String()}
			rb := result{code: exitCode(t, b.Wait()), out: bOut.String(), errOut: bErr.String()}
			assert.Contains(t, []int{cli.ExitOK, cli.ExitPartial}, ra.code, "first run:\n%s", ra)
			assert.Contains(t, []int{cli.ExitOK, cli.ExitPartial}, rb.code, "second run:\n%s", rb)
			w.Server.SetFaults(ghsim.Faults{})

			after := w.snap()
			checkWithinPlan(t, p, before, after)
			checkNoDuplicateInvitations(t, after)
			oa, ob := outcomes(ra.out), outcomes(rb.out)
			both, already := 0, 0
			for _, c := range p.Changes {
				assert.True(t, reflected(after, c), "not made by either run: %s", planview.Describe(c))
				d := planview.Describe(c)
				sa, sb := oa[d], ob[d]
				for _, s := range []string{sa, sb} {
					assert.Contains(t, []string{"", "done", "already", "conflict"}, s, "%s", d)
				}
				switch {
				case sa == "done" && sb == "done":
					both++ // re-read by both before either wrote: the same value, twice
				case sa == "already" || sb == "already":
					already++
				}
				assert.True(t, sa == "done" || sb == "done", "%s: made by neither run (%q, %q)", d, sa, sb)
			}
			t.Logf("%d changes: %d written by both runs (same value), %d found already made by the other", len(p.Changes), both, already)

			third := w.runBinary(t, filepath.Join(t.TempDir(), "cache-c"), "apply", "--yes")
			assert.Equal(t, cli.ExitOK, third.code, "%s", third)
			assert.Contains(t, third.out, "No changes")
			assert.Equal(t, after, w.snap(), "the third run changed nothing")
		})
	}
}

// TestCacheSurvivesAKilledRun: a plan killed (SIGKILL) in the middle of
// its read leaves the cache usable: the next plan from it succeeds and
// shows exactly what a plan with a fresh cache shows.
func TestCacheSurvivesAKilledRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cache := filepath.Join(t.TempDir(), "cache")
	fresh := w.runBinary(t, filepath.Join(t.TempDir(), "fresh"), "plan")
	require.Equal(t, cli.ExitOK, fresh.code, "%s", fresh)

	// Slow answers, so that the read is caught in the middle: once the
	// cache has grown, answers stop (the simulator holds every request)
	// and the run is killed while it waits. No deadline: the wait ends when
	// the cache grows or the run exits, whatever the machine's speed; go
	// test's -timeout is the hang guard.
	killed := 0
	for round := 0; round < 3; round++ {
		w.Server.SetFaults(ghsim.Faults{Latency: 15 * time.Millisecond})
		cmd, _, _ := w.command(cache, "plan")
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
	wait:
		for {
			select {
			case err = <-exited:
				break wait
			default:
			}
			if entries, _ := os.ReadDir(cache); len(entries) > round*2+1 {
				w.Server.SetFaults(ghsim.Faults{Latency: time.Hour})
				require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
				err = <-exited
				break
			}
			time.Sleep(time.Millisecond)
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) && !ee.Exited() {
			killed++
		}
	}
	assert.NotZero(t, killed, "the plan was killed before it finished")
	w.Server.SetFaults(ghsim.Faults{})

	again := w.runBinary(t, cache, "plan")
	require.Equal(t, cli.ExitOK, again.code, "%s", again)
	assert.Equal(t, fresh.out, again.out, "the same plan as with a fresh cache")
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	assert.NotEmpty(t, entries)
}

// TestTwoRunsShareACache: two plans at once on one cache directory, then
// an apply and a plan at once: every run succeeds, and a plan from the
// shared cache afterwards is what a plan with a fresh cache shows.
func TestTwoRunsShareACache(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cache := filepath.Join(t.TempDir(), "shared")
	fresh := w.runBinary(t, filepath.Join(t.TempDir(), "fresh"), "plan")
	require.Equal(t, cli.ExitOK, fresh.code, "%s", fresh)

	both := func(args1, args2 []string) (result, result) {
		a, aOut, aErr := w.command(cache, args1...)
		b, bOut, bErr := w.command(cache, args2...)
		require.NoError(t, a.Start())
		require.NoError(t, b.Start())
		ra := result{code: exitCode(t, a.Wait()), out: aOut.String(), errOut: aErr.String()}
		rb := result{code: exitCode(t, b.Wait()), out: bOut.String(), errOut: bErr.String()}
		return ra, rb
	}
	ra, rb := both([]string{"plan"}, []string{"plan"})
	assert.Equal(t, cli.ExitOK, ra.code, "%s", ra)
	assert.Equal(t, cli.ExitOK, rb.code, "%s", rb)
	assert.Equal(t, fresh.out, ra.out)
	assert.Equal(t, fresh.out, rb.out)

	ra, rb = both([]string{"apply", "--yes"}, []string{"plan"})
	assert.Equal(t, cli.ExitOK, ra.code, "%s", ra)
	assert.Contains(t, []int{cli.ExitOK}, rb.code, "%s", rb)

	shared := w.runBinary(t, cache, "plan", "--detailed-exitcode")
	clean := w.runBinary(t, filepath.Join(t.TempDir(), "fresh2"), "plan", "--detailed-exitcode")
	assert.Equal(t, cli.ExitOK, clean.code, "%s", clean)
	assert.Equal(t, clean, shared, "the shared cache serves nothing stale")
}
