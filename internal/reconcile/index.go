package reconcile

import (
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// planIndex is what one Diff computes once and its steps share.
type planIndex struct {
	orgs map[string]*access.Org // by lower-case org name
	// after holds each repository touched as all of the plan's grant
	// changes leave it (by lower-case "org/repo"): the admin-count guard
	// and the effects both need it.
	after map[string]*state.Repo
}

// indexed returns in with every org of Actual indexed by identity (see
// package access), so that no step scans a list per repository or change.
// Every exported entry point calls it; it is a no-op when in already is.
func (in Input) indexed() Input {
	if in.ix != nil {
		return in
	}
	in.ix = &planIndex{orgs: indexOrgs(in.Actual), after: map[string]*state.Repo{}}
	return in
}

func indexOrgs(actual map[string]*state.Org) map[string]*access.Org {
	ix := make(map[string]*access.Org, len(actual))
	for k, o := range actual {
		if o != nil {
			ix[strings.ToLower(k)] = access.Index(o)
		}
	}
	return ix
}

// access returns the index of org, or nil when it was not read.
func (in Input) access(org string) *access.Org {
	if in.ix == nil {
		if a := in.actual(org); a != nil {
			return access.Index(a) // an Input not indexed: correct, only slower
		}
		return nil
	}
	return in.ix.orgs[strings.ToLower(org)]
}

// afterPlan returns r (the repository key, lower-case "org/repo") as all
// of p's grant changes to it, p.Changes[idx], leave it.
func (in Input) afterPlan(key string, r *state.Repo, p *Plan, idx []int) *state.Repo {
	if in.ix == nil {
		return simulate(r, p.Changes, idx)
	}
	a, ok := in.ix.after[key]
	if !ok {
		a = simulate(r, p.Changes, idx)
		in.ix.after[key] = a
	}
	return a
}
