// Command plancost measures the CPU time and memory of the plan computation
// (reconcile.Select, NeedsLookup and Diff, guardrails, effects and digests
// included) on an org generated in memory: no simulator, no network, no
// files. Each run is one process, so its peak RSS is its own:
//
//	go run ./bench/plancost -repos 10000 -changed
//
// The org: -repos repositories, each with -grants direct collaborators
// (drawn from a pool of 4×grants logins, half of them org members), 3 team
// grants out of 24 teams (a third of them child teams), an invitation and
// classic protection of the default branch. With -changed every
// repository's file differs from GitHub: one collaborator raised, one
// removed, one added (an outside collaborator not yet on GitHub in every
// 10th repository, so NeedsLookup has logins to ask for), one team's role
// changed and one more required review.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/planview"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func main() {
	runtime.MemProfileRate = 64 * 1024
	repos := flag.Int("repos", 1000, "repositories")
	grants := flag.Int("grants", 100, "direct collaborators per repository")
	changed := flag.Bool("changed", false, "every repository's file differs from GitHub")
	strict := flag.Bool("strict", false, "an org policy most repositories breach (max_admins 1, min_admins 2, admin_allowed, max_removals 20), so guardrails refuse and notices list")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the plan computation to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile to this file at the end")
	planOut := flag.String("plan", "", "write the plan as JSON to this file (to compare two versions)")
	render := flag.Bool("render", false, "also time rendering the plan (text, markdown, JSON), after the table line")
	flag.Parse()

	cfg, actual := generate(*repos, *grants, *changed, *strict)
	runtime.GC()
	rssBefore := maxRSS()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	cpu0, wall0 := cpuTime(), time.Now()

	targets, err := reconcile.Select(cfg, "", nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lookups := reconcile.NeedsLookup(targets, actual)
	unknown := map[string]bool{}
	p := reconcile.Diff(reconcile.Input{Dir: "permissions", Targets: targets, Actual: actual, UnknownUsers: unknown,
		Now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)})

	cpu, wall := cpuTime()-cpu0, time.Since(wall0)
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	if *planOut != "" {
		b, err := json.MarshalIndent(p, "", " ")
		if err == nil {
			err = os.WriteFile(*planOut, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	defer func() {
		if !*render {
			return
		}
		for _, r := range []struct {
			name string
			f    func(io.Writer) error
		}{
			{"text", func(w io.Writer) error { return planview.Text(w, p, planview.TextOptions{}) }},
			{"markdown", func(w io.Writer) error { return planview.Markdown(w, p, planview.MarkdownOptions{}) }},
			{"json", func(w io.Writer) error { return planview.JSON(w, p) }},
		} {
			c0 := cpuTime()
			var n countWriter
			if err := r.f(&n); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Printf("render %s: %.2f s CPU, %d bytes\n", r.name, (cpuTime() - c0).Seconds(), n)
		}
	}()
	mode := "no changes"
	if *changed {
		mode = "every repository changes"
	}
	fmt.Printf("| %d | %s | %d | %d | %d | %d | %.2f | %.2f | %.0f | %.0f | %.0f |\n",
		*repos, mode, len(p.Changes), len(p.Refusals), len(p.EffectiveAccess), len(lookups),
		cpu.Seconds(), wall.Seconds(), float64(ms1.TotalAlloc-ms0.TotalAlloc)/(1<<20), rssBefore, maxRSS())
}

type countWriter int

func (c *countWriter) Write(b []byte) (int, error) { *c += countWriter(len(b)); return len(b), nil }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is the process's peak resident set so far, in MiB.
func maxRSS() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // kilobytes on Linux
}

func generate(n, grants int, changed, strict bool) (*config.Config, map[string]*state.Org) {
	const org = "acme"
	a := &state.Org{Name: org, BaseRole: role.Read, Owners: []string{"owner1", "owner2"}}
	pool := 4 * grants
	login := func(i int) string { return fmt.Sprintf("user%05d", i%pool) }
	member := func(i int) bool { return (i%pool)%2 == 0 }
	a.Members = append(a.Members, a.Owners...)
	for i := 0; i < pool; i++ {
		if member(i) {
			a.Members = append(a.Members, login(i))
		}
	}
	const teams = 24
	for t := 0; t < teams; t++ {
		tm := &state.Team{Slug: fmt.Sprintf("team-%02d", t), ID: int64(t + 1)}
		if t%3 == 2 {
			tm.Parent = fmt.Sprintf("team-%02d", t-1)
		}
		for k := 0; k < 10; k++ {
			tm.Members = append(tm.Members, login(2*(t*10+k)))
		}
		a.Teams = append(a.Teams, tm)
	}
	// A parent's members include its child teams' members.
	for _, tm := range a.Teams {
		if tm.Parent != "" {
			parent := a.Team(tm.Parent)
			parent.Members = append(parent.Members, tm.Members...)
		}
	}
	policy := config.DefaultPolicy()
	policy.MaxRemovals = 1 << 30
	if strict {
		policy.MaxAdmins, policy.MinAdmins, policy.MaxRemovals = 1, 2, 20
		policy.AdminAllowed = []config.Principal{{Kind: config.Team, Name: "team-00"}}
	}
	co := &config.Org{Name: org, File: "permissions/acme.yaml", Policy: policy}
	checks := []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO", AppID: state.AnyApp}}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("repo-%05d", i)
		file := "permissions/acme/" + name + ".yaml"
		r := &state.Repo{Org: org, Name: name, ID: int64(i + 1), DefaultBranch: "main", Visibility: "public",
			Users: []state.UserGrant{}, Invitations: []state.Invitation{}, Teams: []state.TeamGrant{},
			Protection: []state.BranchProtection{{Branch: "main", Protected: true, EnforceAdmins: true,
				StatusChecks: &state.StatusChecks{Strict: true, Checks: checks}, Reviews: &state.Reviews{Count: 1}}}}
		cr := &config.Repo{Org: org, Name: name, File: file}
		line := 1
		grant := func(kind config.Kind, who string, rl role.Role) {
			line++
			cr.Grants = append(cr.Grants, config.Grant{Principal: config.Principal{Kind: kind, Name: who}, Role: rl,
				Pos: config.Pos{File: file, Line: line, Col: 5}})
		}
		start := i * 7
		for k := 0; k < grants; k++ {
			l := login(start + k)
			rl := role.Write
			switch {
			case k == 0 && member(start+k):
				rl = role.Admin
			case k%10 == 1:
				rl = role.Triage
			}
			r.Users = append(r.Users, state.UserGrant{Login: l, Role: rl})
			want := rl
			if changed && k == 3 {
				want = role.Maintain
				if strict && i%3 == 0 {
					want = role.Admin
				}
				if !member(start + k) {
					want = role.Read // an outside collaborator may hold at most write
				}
			}
			if changed && k == 5 {
				continue // removed from the file
			}
			grant(config.User, l, want)
		}
		invitee := fmt.Sprintf("guest%05d", i)
		r.Invitations = append(r.Invitations, state.Invitation{ID: int64(i + 1), Login: invitee, Role: role.Read,
			CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
		grant(config.User, invitee, role.Read)
		if changed {
			added := login(start + grants) // a member not yet on the repository
			if i%10 == 0 {
				added = fmt.Sprintf("newcomer%05d", i) // unknown to GitHub: looked up
			}
			grant(config.User, added, role.Triage)
		}
		for k := 0; k < 3; k++ {
			slug := fmt.Sprintf("team-%02d", (i+k*7)%teams)
			rl := []role.Role{role.Read, role.Write, role.Maintain}[k]
			r.Teams = append(r.Teams, state.TeamGrant{Slug: slug, Role: rl})
			want := rl
			if changed && k == 0 {
				want = role.Triage
			}
			grant(config.Team, slug, want)
		}
		reviews := 1
		if changed {
			reviews = 2
		}
		cr.Protection = []config.BranchProtection{{Branch: "main", Pos: config.Pos{File: file, Line: line + 1},
			Settings: state.Settings[config.Check]{
				Checks:        &[]config.Check{{Context: "EasyCLA", AppID: config.AnyApp}, {Context: "DCO", AppID: config.AnyApp}},
				EnforceAdmins: ptr(true), Reviews: &reviews, Strict: ptr(true)}}}
		sortGrants(cr.Grants)
		r.Sort()
		a.Repos = append(a.Repos, r)
		co.Repos = append(co.Repos, cr)
	}
	a.Sort()
	return &config.Config{Dir: "permissions", Orgs: []*config.Org{co}}, map[string]*state.Org{org: a}
}

func ptr[T any](v T) *T { return &v }

// sortGrants puts users before teams, each by name, as the loader does.
func sortGrants(gs []config.Grant) {
	less := func(x, y config.Grant) bool {
		if x.Kind != y.Kind {
			return x.Kind == config.User
		}
		return x.Name < y.Name
	}
	for i := 1; i < len(gs); i++ {
		for j := i; j > 0 && less(gs[j], gs[j-1]); j-- {
			gs[j], gs[j-1] = gs[j-1], gs[j]
		}
	}
}
