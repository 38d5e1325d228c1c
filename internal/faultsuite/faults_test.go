package faultsuite

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/cli"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// seeds every scenario runs at; the seed picks the fault's cadence and
// the moment it strikes.
var seeds = []uint64{1, 2, 3}

// scenario is one kind of fault.
type scenario struct {
	seeds []uint64
	// arm injects the fault, after the reference plan and the snapshot
	// were taken and before apply runs.
	arm func(t *testing.T, w *world, seed uint64)
	// codes are the exit codes the faulty apply may end with.
	codes []int
	// check, when set, checks more after the faulty apply.
	check func(t *testing.T, w *world, seed uint64, before snapshot, r result)
	// heal, when set, runs before the convergence check (the faults and
	// the proxy's hook are cleared anyway).
	heal func(t *testing.T, w *world)
}

// run runs the scenario at each seed, in parallel.
func (sc scenario) run(t *testing.T) {
	ss := sc.seeds
	if ss == nil {
		ss = seeds
	}
	for _, seed := range ss {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			p := w.plan(t)
			require.Empty(t, p.Refusals)
			require.Empty(t, p.Errors)
			require.NotEmpty(t, p.Changes)
			before := w.snap()
			sc.arm(t, w, seed)
			r := w.run(t, "apply", "--yes")
			require.Contains(t, sc.codes, r.code, "%s", r)
			after := w.snap()
			checkWithinPlan(t, p, before, after)
			checkReported(t, p, before, after, r)
			if sc.check != nil {
				sc.check(t, w, seed, before, r)
			}
			if t.Failed() {
				t.Logf("the faulty apply:\n%s", r)
			}
			if sc.heal != nil {
				sc.heal(t, w)
			}
			w.checkConverges(t)
		})
	}
}

var doneOrPartial = []int{cli.ExitOK, cli.ExitPartial}

// TestWorldPlansEveryKind: the world asks for every kind of change the
// scenarios must survive, and a fault-free apply converges.
func TestWorldPlansEveryKind(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.plan(t)
	kinds := planKinds(p)
	for _, k := range []reconcile.Kind{reconcile.UserAdd, "invite", reconcile.UserChange, reconcile.UserRemove,
		reconcile.TeamAdd, reconcile.TeamChange, reconcile.TeamRemove, reconcile.InvitationCancel,
		reconcile.ProtectionCreate, reconcile.ProtectionUpdate} {
		assert.NotZero(t, kinds[k], "the plan has no %s change: %v", k, kinds)
	}
	var raises, lowers int
	for _, c := range p.Changes {
		if c.Kind == reconcile.UserChange || c.Kind == reconcile.TeamChange {
			if c.After > c.Before {
				raises++
			} else {
				lowers++
			}
		}
	}
	assert.NotZero(t, raises)
	assert.NotZero(t, lowers)
	require.Empty(t, p.Refusals)
	require.Empty(t, p.Errors)
	t.Logf("%d changes: %v", len(p.Changes), kinds)

	scenario{arm: func(*testing.T, *world, uint64) {}, codes: []int{cli.ExitOK}}.run(t)
}

// TestServerErrors: a 502 or 503 every N requests (reads, writes, token
// requests alike). Writes are retried (PUT, PATCH and DELETE are
// idempotent; the one POST, enforce_admins, is marked safe).
func TestServerErrors(t *testing.T) {
	t.Parallel()
	scenario{
		seeds: []uint64{1, 2, 3, 4},
		arm: func(t *testing.T, w *world, seed uint64) {
			w.Server.SetFaults(ghsim.Faults{ServerErrorEvery: 3 + int(seed%3), ServerErrorStatus: []int{502, 503}[seed%2]})
		},
		codes: doneOrPartial,
		check: func(t *testing.T, w *world, _ uint64, _ snapshot, r result) {
			assert.NotZero(t, w.Server.Stats().InjectedFaults)
			assert.Contains(t, r.errOut, "GitHub answered 50", "retries are logged")
		},
	}.run(t)
}

// TestSecondaryLimitsOnWrites: every N-th write gets a secondary rate
// limit, 403 or 429, with Retry-After or without (then apply waits a
// minute, doubling — on the simulated clock).
func TestSecondaryLimitsOnWrites(t *testing.T) {
	t.Parallel()
	cases := map[uint64]ghsim.Faults{
		1: {SecondaryLimitEvery: 2, SecondaryLimitStatus: http.StatusForbidden},
		2: {SecondaryLimitEvery: 3, SecondaryLimitStatus: http.StatusTooManyRequests, SecondaryRetryAfter: 30 * time.Second},
		3: {SecondaryLimitEvery: 2, SecondaryLimitStatus: http.StatusForbidden, SecondaryRetryAfter: 5 * time.Second},
		4: {SecondaryLimitEvery: 4, SecondaryLimitStatus: http.StatusTooManyRequests},
	}
	scenario{
		seeds: []uint64{1, 2, 3, 4},
		arm: func(t *testing.T, w *world, seed uint64) {
			w.Server.SetFaults(cases[seed])
		},
		codes: doneOrPartial,
		check: func(t *testing.T, w *world, seed uint64, _ snapshot, r result) {
			assert.NotZero(t, w.Server.Stats().SecondaryLimited)
			assert.Contains(t, r.errOut, "secondary rate limit")
			if cases[seed].SecondaryRetryAfter == 0 {
				assert.GreaterOrEqual(t, time.Duration(w.slept.Load()), time.Minute, "no Retry-After: at least a minute's wait")
			}
		},
	}.run(t)
}

// TestLatencySpikes: every N-th request is slow. Nothing fails; the
// writes stay serial.
func TestLatencySpikes(t *testing.T) {
	t.Parallel()
	scenario{
		arm: func(t *testing.T, w *world, seed uint64) {
			w.Server.SetFaults(ghsim.Faults{Jitter: 2 * time.Millisecond, SpikeEvery: 2 + int(seed%3), SpikeLatency: time.Duration(15*seed) * time.Millisecond})
		},
		codes: []int{cli.ExitOK},
	}.run(t)
}

// TestConnectionResets: every N-th connection is reset before GitHub
// handles the request.
func TestConnectionResets(t *testing.T) {
	t.Parallel()
	scenario{
		arm: func(t *testing.T, w *world, seed uint64) {
			w.Server.SetFaults(ghsim.Faults{ResetEvery: 4 + int(seed%3)})
		},
		codes: doneOrPartial,
		check: func(t *testing.T, w *world, _ uint64, _ snapshot, _ result) {
			assert.NotZero(t, w.Server.Stats().InjectedFaults)
		},
	}.run(t)
}

// TestAnswersLostAfterTheWrite: GitHub makes the write, and the
// connection drops before its answer arrives. permsync cannot know
// whether the write happened: it must neither duplicate it (an invitation
// sent twice) nor misreport it. Seed 1 and 2 drop the answer of every
// second or third write; seed 3 drops the first answer of every distinct
// write, invitations included.
func TestAnswersLostAfterTheWrite(t *testing.T) {
	t.Parallel()
	scenario{
		arm: func(t *testing.T, w *world, seed uint64) {
			var mu sync.Mutex
			seen := map[string]bool{}
			w.proxy.setAfter(func(ev event) action {
				if ev.Mutation == 0 || ev.Status >= 300 {
					return pass
				}
				if seed == 3 {
					mu.Lock()
					defer mu.Unlock()
					k := ev.Method + " " + ev.Path
					if seen[k] {
						return pass
					}
					seen[k] = true
					return dropAnswer
				}
				if ev.Mutation%int(seed+1) == 0 {
					return dropAnswer
				}
				return pass
			})
		},
		codes: doneOrPartial,
		check: func(t *testing.T, w *world, seed uint64, _ snapshot, _ result) {
			dropped := w.proxy.droppedWrites()
			require.NotEmpty(t, dropped)
			if seed == 3 {
				assert.True(t, slices.ContainsFunc(dropped, func(s string) bool {
					return strings.HasPrefix(s, "PUT ") && strings.Contains(s, "/collaborators/outsider-")
				}), "an invitation's answer was lost: %v", dropped)
			}
		},
	}.run(t)
}

// TestPrimaryLimitNearReset: the primary limit runs out in the middle of a
// run, two minutes before it resets: apply waits and goes on.
func TestPrimaryLimitNearReset(t *testing.T) {
	t.Parallel()
	scenario{
		arm: func(t *testing.T, w *world, seed uint64) {
			inst := w.installationID(t)
			var once sync.Once
			n0, _ := w.proxy.counts()
			at := n0 + 8 + int(seed)*9 // a read for seed 1, among the writes for 3
			w.proxy.setAfter(func(ev event) action {
				if ev.N >= at {
					once.Do(func() {
						rs := w.Server.RateLimit(inst, "core")
						w.Server.Advance(rs.Reset.Sub(w.Server.Now()) - 2*time.Minute)
						w.Server.SetRateLimitRemaining(inst, "core", 0)
					})
				}
				return pass
			})
		},
		codes: []int{cli.ExitOK},
		check: func(t *testing.T, w *world, _ uint64, _ snapshot, r result) {
			assert.NotZero(t, w.Server.Stats().PrimaryLimited)
			assert.Contains(t, r.errOut, "primary rate limit (core) is exhausted; waiting")
		},
	}.run(t)
}

// TestPrimaryLimitFarReset: the primary limit runs out with its reset
// further away than permsync waits (15 minutes). Writes from then on fail
// with a message saying when the limit resets; a run after the reset
// converges. Seed 4 exhausts it while apply reads: nothing is written.
func TestPrimaryLimitFarReset(t *testing.T) {
	t.Parallel()
	scenario{
		seeds: []uint64{1, 2, 3, 4},
		arm: func(t *testing.T, w *world, seed uint64) {
			inst := w.installationID(t)
			var once sync.Once
			n0, m0 := w.proxy.counts()
			w.proxy.setAfter(func(ev event) action {
				if (seed < 4 && ev.Mutation == m0+int(seed)*3) || (seed == 4 && ev.N == n0+6) {
					once.Do(func() { w.Server.SetRateLimitRemaining(inst, "core", 0) })
				}
				return pass
			})
		},
		codes: []int{cli.ExitPartial, cli.ExitError},
		check: func(t *testing.T, w *world, seed uint64, before snapshot, r result) {
			assert.Regexp(t, `primary rate limit \(core\) is exhausted until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d`, r.out+r.errOut)
			if seed == 4 {
				assert.Equal(t, cli.ExitError, r.code)
				assert.Equal(t, before, w.snap(), "a read that failed wrote nothing")
			} else {
				assert.Equal(t, cli.ExitPartial, r.code)
			}
		},
		heal: func(t *testing.T, w *world) { w.Server.Advance(61 * time.Minute) },
	}.run(t)
}

// TestTokenExpiresBetweenWrites: the App's installation token expires
// (the simulator's clock jumps past its hour) after every k-th write; the
// client gets a new one and goes on.
func TestTokenExpiresBetweenWrites(t *testing.T) {
	t.Parallel()
	const route = "POST /app/installations/{installation_id}/access_tokens"
	var minted sync.Map
	scenario{
		arm: func(t *testing.T, w *world, seed uint64) {
			minted.Store(w, w.Server.Stats().ByRoute[route])
			_, m0 := w.proxy.counts()
			w.proxy.setAfter(func(ev event) action {
				if ev.Mutation > m0 && (ev.Mutation-m0)%int(seed) == 0 {
					w.Server.Advance(61 * time.Minute)
				}
				return pass
			})
		},
		codes: []int{cli.ExitOK},
		check: func(t *testing.T, w *world, seed uint64, _ snapshot, r result) {
			n, _ := minted.Load(w)
			assert.GreaterOrEqual(t, w.Server.Stats().ByRoute[route]-n.(int64), int64(2), "a new token after the first expired")
			assert.Contains(t, r.errOut, "rejected the installation token")
		},
	}.run(t)
}

// TestRepositoryDeletedBetweenPlanAndApply: a saved plan whose repository
// was deleted is stale (nothing is changed); a plain apply reports that
// repository as an error and converges the others.
func TestRepositoryDeletedBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	for _, victim := range []string{"delta", "gamma", "alpha"} {
		t.Run(victim, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			saved := filepath.Join(t.TempDir(), "plan.json")
			r := w.run(t, "plan", "--format", "json", "--out", saved)
			require.Equal(t, cli.ExitOK, r.code, "%s", r)
			p := w.plan(t)
			w.Server.DeleteRepo(org, victim)
			before := w.snap()

			r = w.run(t, "apply", "--plan", saved, "--yes")
			assert.Equal(t, cli.ExitError, r.code, "%s", r)
			assert.Contains(t, r.errOut, "stale plan: GitHub's state of acme/"+victim+" changed")
			assert.Equal(t, before, w.snap(), "a stale plan changes nothing")

			r = w.run(t, "apply", "--yes")
			assert.Equal(t, cli.ExitError, r.code, "%s", r)
			assert.Contains(t, r.out+r.errOut, "repository acme/"+victim+" does not exist on GitHub")
			after := w.snap()
			checkWithinPlan(t, p, before, after)
			for _, c := range p.Changes {
				if !strings.EqualFold(c.Repo, victim) {
					assert.True(t, reflected(after, c), "not made: %s", planview.Describe(c))
				}
			}

			// Again: only the error is left.
			r = w.run(t, "plan", "--format", "json", "--out", saved)
			assert.Equal(t, cli.ExitError, r.code, "%s", r)
			again := w.plan(t)
			assert.Empty(t, again.Changes)
			require.Len(t, again.Errors, 1)
			assert.Equal(t, victim, again.Errors[0].Repo)

			// Its file removed, the rest converges.
			require.NoError(t, os.Remove(filepath.Join(w.dir, org, victim+".yaml")))
			w.checkConverges(t)
		})
	}
}

// TestRepositoryDeletedDuringApply: a repository disappears after apply
// planned it and before its writes: its changes fail (re-read first, so
// nothing is written blindly), the other repositories converge.
func TestRepositoryDeletedDuringApply(t *testing.T) {
	t.Parallel()
	victims := map[uint64]string{1: "gamma", 2: "delta", 3: "epsilon"}
	scenario{
		arm: func(t *testing.T, w *world, seed uint64) {
			var once sync.Once
			w.proxy.setAfter(func(ev event) action {
				if ev.Mutation > 0 && !strings.Contains(ev.Path, "/"+victims[seed]+"/") && !strings.HasSuffix(ev.Path, "/"+victims[seed]) {
					once.Do(func() { w.Server.DeleteRepo(org, victims[seed]) })
				}
				return pass
			})
		},
		codes: []int{cli.ExitPartial},
		check: func(t *testing.T, w *world, seed uint64, _ snapshot, r result) {
			assert.NotContains(t, w.Server.Repos(org), victims[seed])
			assert.Regexp(t, `(?m)^✗ failed +acme/`+victims[seed]+`: `, r.out)
		},
		heal: func(t *testing.T, w *world) {
			for _, name := range []string{"gamma", "delta", "epsilon"} {
				if !slices.Contains(w.Server.Repos(org), name) {
					require.NoError(t, os.Remove(filepath.Join(w.dir, org, name+".yaml")))
				}
			}
		},
	}.run(t)
}

// TestRefusedPlanUnderFaults: a plan holding a change permsync refuses
// makes apply change nothing at all, with GitHub failing or not.
func TestRefusedPlanUnderFaults(t *testing.T) {
	t.Parallel()
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			require.NoError(t, os.WriteFile(filepath.Join(w.dir, org+".yaml"), []byte("mode: authoritative\nmax_removals: 20\nadmin_allowed: [team:alpha-admins, team:beta-tsc, team:eps-admins]\n"), 0o644))
			alpha, err := os.ReadFile(filepath.Join(w.dir, org, "alpha.yaml"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(w.dir, org, "alpha.yaml"),
				[]byte(strings.Replace(string(alpha), "admin:\n  teams: [alpha-admins]\n", "admin:\n  teams: [alpha-admins]\n  users: [amy]\n", 1)), 0o644))
			alpha, _ = os.ReadFile(filepath.Join(w.dir, org, "alpha.yaml"))
			require.NoError(t, os.WriteFile(filepath.Join(w.dir, org, "alpha.yaml"),
				[]byte(strings.Replace(string(alpha), "maintain:\n  users: [amy, bob]", "maintain:\n  users: [bob]", 1)), 0o644))
			before := w.snap()
			faults := []ghsim.Faults{
				{ServerErrorEvery: 3 + int(seed)},
				{ResetEvery: 4 + int(seed)},
				{SecondaryLimitEvery: 2, SecondaryLimitStatus: http.StatusTooManyRequests},
			}[seed%3]
			w.Server.SetFaults(faults)
			r := w.run(t, "apply", "--yes")
			assert.Equal(t, cli.ExitRefused, r.code, "%s", r)
			assert.Contains(t, r.out, "! admin_allowed: only the principals the org's admin_allowed lists may be given admin")
			assert.Contains(t, r.out, "acme/alpha: user:amy would become admin")
			assert.Contains(t, r.errOut, "nothing was changed on GitHub")
			assert.Equal(t, before, w.snap(), "a refused plan changes nothing")
			w.Server.SetFaults(ghsim.Faults{})
			r = w.run(t, "apply", "--yes")
			assert.Equal(t, cli.ExitRefused, r.code, "%s", r)
			assert.Equal(t, before, w.snap())
		})
	}
}

// TestHandChangeDuringApply: someone changes a grant by hand after apply
// planned it and before apply reaches it. The re-read before the write
// sees it: the change is reported as a conflict and the hand change is
// kept (not overwritten blindly); the next run plans from it.
func TestHandChangeDuringApply(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := w.plan(t)
	var once sync.Once
	_, m0 := w.proxy.counts()
	w.proxy.setAfter(func(ev event) action {
		if ev.Mutation == m0+1 {
			once.Do(func() {
				w.Server.SetCollaborator(org, "beta", "gus", ghsim.RoleAdmin)
				w.Server.SetTeamRepo(org, "gamma-dev", "gamma", ghsim.RoleRead)
			})
		}
		return pass
	})
	r := w.run(t, "apply", "--yes")
	require.Equal(t, cli.ExitPartial, r.code, "%s", r)
	assert.Regexp(t, `(?m)^≠ conflict +acme/beta: user gus read → write: GitHub changed since the plan \(now direct admin\)`, r.out)
	assert.Regexp(t, `(?m)^≠ conflict +acme/gamma: team gamma-dev triage → maintain`, r.out)
	assert.Equal(t, ghsim.RoleAdmin, w.Server.Collaborators(org, "beta")["gus"], "the hand change is kept")
	assert.Equal(t, ghsim.RoleRead, w.Server.TeamRepos(org, "gamma")["gamma-dev"])
	after := w.snap()
	for _, c := range p.Changes {
		switch {
		case c.Repo == "beta" && c.User == "gus", c.Repo == "gamma" && c.Team == "gamma-dev":
		case (c.Repo == "beta" || c.Repo == "gamma") && !c.Raises():
			// A raise that did not happen holds back its repository's
			// lowers and removals, so nobody is locked out half way.
			assert.Regexp(t, `(?m)^… skipped +`+regexp.QuoteMeta(planview.Describe(c)), r.out)
		default:
			assert.True(t, reflected(after, c), "not made: %s", planview.Describe(c))
		}
	}
	w.checkConverges(t)
}
