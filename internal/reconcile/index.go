package reconcile

import (
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// indexed returns in with every org of Actual indexed by identity (see
// package access), so that no step scans a list per repository or change.
// Every exported entry point calls it; it is a no-op when in already is.
func (in Input) indexed() Input {
	if in.ix != nil {
		return in
	}
	in.ix = indexOrgs(in.Actual)
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
	return in.ix[strings.ToLower(org)]
}
