package fidelity

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
)

// notAPIMethods are the Client's exported methods that send nothing to
// GitHub: the workload need not exercise them.
var notAPIMethods = map[string]string{
	"APIURL":     "configuration accessor",
	"GraphQLURL": "configuration accessor",
	"Stats":      "local counters",
	"String":     "printing without secrets",
	"GoString":   "printing without secrets",
}

// TestEveryClientMethodIsExercised fails when ghapi.Client gains a method
// the workload does not call: its requests would go unchecked.
func TestEveryClientMethodIsExercised(t *testing.T) {
	w := adapterWorkload()
	if w.Setup != nil {
		t.Fatal(w.Setup)
	}
	typ := reflect.TypeOf(&ghapi.Client{})
	var missing []string
	for i := range typ.NumMethod() {
		m := typ.Method(i).Name
		if _, skip := notAPIMethods[m]; skip {
			continue
		}
		if !w.Called[m] {
			missing = append(missing, m)
		}
	}
	for m := range notAPIMethods {
		if _, ok := typ.MethodByName(m); !ok {
			t.Errorf("notAPIMethods lists %s, which ghapi.Client no longer has", m)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("the fidelity workload (workload_test.go) does not exercise ghapi.Client.%s: add a step for each, so that its requests are checked against GitHub's description",
			strings.Join(missing, ", ghapi.Client."))
	}
}

// TestWorkloadTookEveryPath fails when a workload step fails or does not
// send what it is there to send (e.g. UpdateProtection no longer taking
// the PUT fallback), which would leave requests unchecked.
func TestWorkloadTookEveryPath(t *testing.T) {
	w := adapterWorkload()
	if w.Setup != nil {
		t.Fatal(w.Setup)
	}
	t.Logf("workload: %d steps, %d exchanges in %v\n%s", len(w.Steps), len(w.Exchanges), w.Duration.Round(1e6), w.summary())
	bySeq := map[int]*exchange{}
	for _, e := range w.Exchanges {
		bySeq[e.Seq] = e
	}
	for _, s := range w.Steps {
		if s.Err != nil {
			t.Errorf("%s: %v", s, s.Err)
			continue
		}
		sent := map[string]bool{}
		statuses := map[int]bool{}
		for _, q := range s.Seqs {
			e := bySeq[q]
			statuses[e.Status] = true
			if e.isGraphQL() {
				continue
			}
			if r, ok := matchSimRoute(w.Routes, e.Method, e.apiPath()); ok {
				sent[r.String()] = true
			}
		}
		for _, want := range s.Want {
			if !sent[want] {
				t.Errorf("%s did not send %s", s, want)
			}
		}
		if s.Status != 0 && !statuses[s.Status] {
			t.Errorf("%s got no %d answer", s, s.Status)
		}
	}
	byStatus := map[int]int{}
	for _, e := range w.Exchanges {
		byStatus[e.Status]++
	}
	t.Logf("answers by status: %v", byStatus)
}
