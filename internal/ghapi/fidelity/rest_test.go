package fidelity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRESTMatchesGitHub checks every REST exchange of both workloads (the
// adapter's and the simulator's own) against api.github.com's OpenAPI
// description: the operation is documented; the request's parameters and
// body match it; the response's status is documented for it and its
// headers and body match the schema. Every route the simulator serves
// must be a documented operation answered 2xx at least once by the
// workloads. Against the newest GitHub Enterprise Server description, the
// adapter's requests are checked too (operation and request only: the
// simulator answers as api.github.com does). Every departure is reported
// at once, grouped by operation; knownDescriptionBugs and pendingFixes
// hold the accepted ones.
func TestRESTMatchesGitHub(t *testing.T) {
	specs := openAPISpecs(t)
	for _, sp := range specs {
		t.Logf("%s: %d paths, loaded in %v", sp.Name, sp.Doc.Paths.Len(), sp.Load.Round(time.Millisecond))
	}
	aw := adapterWorkload()
	if aw.Setup != nil {
		t.Fatal(aw.Setup)
	}
	sw := simulatorWorkload()
	if sw.Setup != nil {
		t.Fatal(sw.Setup)
	}
	for _, e := range sw.Errors {
		t.Errorf("simulator workload: %s", e)
	}
	used := map[*allowed]bool{}
	ctx := context.Background()
	ran, want := 0, 0
	check := func(sp *apiSpec, name string, list []*exchange, requestsOnly bool) {
		want++
		t.Run(sp.Name+"/"+name, func(t *testing.T) {
			ran++
			start := time.Now()
			vo := validatorOpts{routes: aw.Routes, requestsOnly: requestsOnly}
			var all []finding
			ops := map[string]bool{}
			n := 0
			for _, e := range list {
				if e.isGraphQL() {
					continue
				}
				n++
				op, fs := validateExchange(ctx, sp, vo, e)
				if op != "" {
					ops[op] = true
				}
				all = append(all, fs...)
			}
			t.Logf("%d exchanges, %d operations, validated in %v", n, len(ops), time.Since(start).Round(time.Millisecond))
			reportFindings(t, all, used)
		})
	}
	for i, sp := range specs {
		if i == 0 {
			check(sp, "adapter", aw.Exchanges, false)
			check(sp, "simulator", sw.Exchanges, false)
			want++
			t.Run(sp.Name+"/routes", func(t *testing.T) {
				ran++
				checkRoutes(t, sp, aw, sw, used)
			})
			continue
		}
		check(sp, "adapter-requests", aw.Exchanges, true)
		want++
		t.Run(sp.Name+"/adapter-routes", func(t *testing.T) {
			ran++
			reportFindings(t, checkAdapterRoutes(t, sp), used)
		})
	}
	if ran == want && !t.Failed() {
		names := map[string]bool{}
		for _, sp := range specs {
			names[sp.Name] = true
		}
		checkAllowListUsed(t, names, true, used)
	}
}

// checkRoutes: every route the simulator serves is a documented
// operation, and the workloads have it answered 2xx at least once.
func checkRoutes(t *testing.T, sp *apiSpec, aw *workloadResult, sw *simWorkloadResult, used map[*allowed]bool) {
	hit := map[string]bool{}
	for _, list := range [][]*exchange{aw.Exchanges, sw.Exchanges} {
		for _, e := range list {
			if e.isGraphQL() || e.Status < 200 || e.Status > 299 {
				continue
			}
			if r, ok := matchSimRoute(aw.Routes, e.Method, e.apiPath()); ok {
				hit[r.String()] = true
			}
		}
	}
	var fs []finding
	var unexercised []string
	for _, r := range aw.Routes {
		if !hit[r.String()] {
			unexercised = append(unexercised, r.String())
		}
		if !documented(sp, r.Method, r.openAPIPath()) {
			fs = append(fs, finding{Spec: sp.Name, Op: undocumentedOp, Pointer: r.String(), Message: "the simulator serves it; GitHub's description has no such operation"})
		}
	}
	fs = append(fs, checkAdapterRoutes(t, sp)...)
	reportFindings(t, fs, used)
	t.Logf("%d simulator routes, %d answered 2xx by the workloads", len(aw.Routes), len(aw.Routes)-len(unexercised))
	if len(unexercised) > 0 {
		t.Errorf("no workload got a 2xx answer from these simulator routes, so their answers go unchecked: add a request to simulator_workload_test.go (or a step to the adapter's workload):\n  %s",
			strings.Join(unexercised, "\n  "))
	}
}

// checkAdapterRoutes checks the operations the adapter can send but the
// workload cannot reach (adapterRoutesNotExercised) statically: each must
// be in sp, or in the Enterprise Cloud description next to it when the
// entry says it is an Enterprise Cloud feature.
func checkAdapterRoutes(t *testing.T, sp *apiSpec) []finding {
	var fs []finding
	for _, a := range adapterRoutesNotExercised {
		if documented(sp, a.method, a.path) {
			continue
		}
		if a.ghec {
			ghec := filepath.Join(filepath.Dir(sp.Path), "ghec.json")
			ok, err := documentedInFile(ghec, a.method, a.path)
			if err != nil {
				t.Errorf("%s: %v", ghec, err)
			}
			if ok {
				t.Logf("%s %s: not in %s, documented for Enterprise Cloud (ghec.json)", a.method, a.path, sp.Name)
				continue
			}
		}
		fs = append(fs, finding{Spec: sp.Name, Op: undocumentedOp, Pointer: a.method + " " + a.path, Message: "the adapter may send it; GitHub's description has no such operation"})
	}
	return fs
}

// documented reports whether sp has the operation method path (a
// template; parameter names may differ).
func documented(sp *apiSpec, method, path string) bool {
	item := sp.Doc.Paths.Find(path)
	return item != nil && item.GetOperation(method) != nil
}

var (
	pathIndexMu sync.Mutex
	pathIndex   = map[string]map[string]bool{} // file → "METHOD /normalized/{}" set
)

// documentedInFile looks an operation up in a description without
// loading it whole: only its paths and their methods are decoded.
func documentedInFile(file, method, path string) (bool, error) {
	pathIndexMu.Lock()
	defer pathIndexMu.Unlock()
	idx := pathIndex[file]
	if idx == nil {
		data, err := os.ReadFile(file)
		if err != nil {
			return false, err
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return false, err
		}
		idx = map[string]bool{}
		for p, ops := range doc.Paths {
			for m := range ops {
				idx[strings.ToUpper(m)+" "+normTemplate(p)] = true
			}
		}
		pathIndex[file] = idx
	}
	return idx[strings.ToUpper(method)+" "+normTemplate(path)], nil
}

// adapterRoute is a REST operation the adapter can send that the
// workload cannot reach against the simulator; it is checked statically.
type adapterRoute struct {
	method, path string
	ghec         bool // an Enterprise Cloud feature: ghec.json documents it
	why          string
}

var adapterRoutesNotExercised = []adapterRoute{
	{"GET", "/orgs/{org}/custom-repository-roles", true,
		"read.go customRole: sent only when a grant names a custom role, an Enterprise Cloud feature the simulator does not model"},
}

// group is the findings sharing an operation, pointer and message.
type group struct {
	finding
	Count int
}

// reportFindings applies the allow-lists and reports what is left, all
// at once, by operation.
func reportFindings(t *testing.T, fs []finding, used map[*allowed]bool) {
	t.Helper()
	groups := map[string]*group{}
	var keys []string
	for _, f := range fs {
		k := f.Spec + "\x00" + f.Op + "\x00" + f.Pointer + "\x00" + f.Message
		if g := groups[k]; g != nil {
			g.Count++
			continue
		}
		groups[k] = &group{finding: f, Count: 1}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var failures, pending, bugs []string
	lastOp := ""
	for _, k := range keys {
		g := groups[k]
		line := fmt.Sprintf("  %s: %s", g.Pointer, g.Message)
		if g.Example != nil {
			line += fmt.Sprintf("\n      %d× e.g. %s, %s", g.Count, g.Example, g.Example.Step)
		}
		switch a := match(g.finding); {
		case a != nil && a.list == "knownDescriptionBugs":
			used[a] = true
			bugs = append(bugs, g.Op+line)
		case a != nil:
			used[a] = true
			pending = append(pending, g.Op+line)
		default:
			if g.Op != lastOp {
				failures = append(failures, g.Op+":")
				lastOp = g.Op
			}
			failures = append(failures, line)
		}
	}
	if len(bugs) > 0 {
		t.Logf("accepted, GitHub's description is wrong (knownDescriptionBugs):\n%s", strings.Join(bugs, "\n"))
	}
	if len(pending) > 0 {
		t.Logf("known deviations awaiting a fix (pendingFixes):\n%s", strings.Join(pending, "\n"))
	}
	if len(failures) > 0 {
		t.Errorf("%d departures from GitHub's description, by operation:\n%s\n\nFix the adapter or the simulator; only where GitHub's description itself is wrong, add an entry to knownDescriptionBugs (allow_test.go) saying why.",
			len(keys)-len(bugs)-len(pending), strings.Join(failures, "\n"))
	}
}

// checkAllowListUsed fails on entries nothing matched any more: a fixed
// deviation must leave pendingFixes, a corrected description
// knownDescriptionBugs. Only entries for the descriptions checked (names;
// blank: the entries for every OpenAPI description) are considered.
func checkAllowListUsed(t *testing.T, names map[string]bool, blank bool, used map[*allowed]bool) {
	for _, list := range [][]*allowed{knownDescriptionBugs, pendingFixes} {
		for _, a := range list {
			if a.Spec == "" && !blank || a.Spec != "" && !names[a.Spec] {
				continue
			}
			if !used[a] {
				t.Errorf("%s entry {%q, %q, %q} matches nothing any more: remove it", a.list, a.Spec, a.Op, a.Pointer)
			}
		}
	}
}
