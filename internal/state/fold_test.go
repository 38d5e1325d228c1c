package state

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestNameIndexConstantWork: a lookup per repository costs a constant
// number of name reads, not a scan (counted, not timed).
func TestNameIndexConstantWork(t *testing.T) {
	t.Parallel()
	o := &Org{}
	for i := range 1000 {
		o.Repos = append(o.Repos, &Repo{Name: fmt.Sprintf("Repo-%d", i)})
	}
	reads := 0
	name := func(r *Repo) string { reads++; return r.Name }
	var x NameIndex[Repo]
	for i := range 1000 {
		assert.Same(t, o.Repos[i], x.Find(o.Repos, fmt.Sprintf("repo-%d", i), name))
		assert.Nil(t, x.Find(o.Repos, fmt.Sprintf("other-%d", i), name))
	}
	assert.LessOrEqual(t, reads, 2*1000, "one build (1000 reads) and one check per hit")
}

// TestOrgRepoFollowsChanges: the index never answers from a list that has
// changed since it was built (appended, replaced, an element renamed).
func TestOrgRepoFollowsChanges(t *testing.T) {
	t.Parallel()
	o := &Org{Repos: []*Repo{{Name: "Widgets"}, {Name: "gadgets"}}}
	assert.Equal(t, "Widgets", o.Repo("WIDGETS").Name)
	assert.Nil(t, o.Repo("tools"))

	o.Repos = append(o.Repos, &Repo{Name: "tools"})
	assert.Equal(t, "tools", o.Repo("Tools").Name, "appended after the first lookup")

	o.Repos = []*Repo{{Name: "fresh"}, {Name: "other"}, {Name: "third"}}
	assert.Nil(t, o.Repo("widgets"), "a replaced list of the same length")
	assert.Equal(t, "fresh", o.Repo("fresh").Name)

	o.Repos[0].Name = "renamed"
	assert.Nil(t, o.Repo("fresh"), "renamed in place: not found under its old name")

	dup := &Org{Repos: []*Repo{{Name: "a", ID: 1}, {Name: "A", ID: 2}}}
	assert.Equal(t, int64(1), dup.Repo("a").ID, "the first of two spellings, as a scan")
}

// TestOrgRepoConcurrent: lookups from many goroutines (apply and audits
// read one org in parallel) share the index without a data race.
func TestOrgRepoConcurrent(t *testing.T) {
	t.Parallel()
	o := &Org{}
	for i := range 100 {
		o.Repos = append(o.Repos, &Repo{Name: fmt.Sprintf("r%d", i)})
	}
	done := make(chan bool)
	for g := range 8 {
		go func() {
			ok := true
			for i := range 100 {
				ok = ok && o.Repo(fmt.Sprintf("R%d", (i+g)%100)) != nil
			}
			done <- ok
		}()
	}
	for range 8 {
		assert.True(t, <-done)
	}
}
