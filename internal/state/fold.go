package state

import (
	"sort"
	"strings"
	"sync/atomic"
)

// Logins, slugs and repository names compare case-insensitively, as GitHub
// compares them; these helpers are the one spelling of that for lists.

// ContainsFold reports whether list holds s, case-insensitively.
func ContainsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// LessFold orders case-insensitively, then by the exact spelling, so that
// a sort is stable whatever the input order.
func LessFold(a, b string) bool {
	la, lb := strings.ToLower(a), strings.ToLower(b)
	if la != lb {
		return la < lb
	}
	return a < b
}

// SortFold sorts s by LessFold.
func SortFold(s []string) { sort.Slice(s, func(i, j int) bool { return LessFold(s[i], s[j]) }) }

// NormApp is a required check's App id as GitHub reads it back: any id that
// pins no App (0, or below) is AnyApp.
func NormApp(id int64) int64 {
	if id <= 0 {
		return AnyApp
	}
	return id
}

// NameIndex finds an element of a list by name, case-insensitively, in
// constant time: plans and audits look a repository up once per repository,
// and a scan made that quadratic. The index is built on first use and
// rebuilt when the list is appended to or replaced, or an element found
// under a key no longer has that name; the zero value is ready.
type NameIndex[T any] struct {
	p atomic.Pointer[nameIndex[T]]
}

type nameIndex[T any] struct {
	list   []*T
	byName map[string]*T
}

// Find returns the element of list whose name (as name gives it) equals
// key case-insensitively, or nil. Names compare as GitHub's repository
// names and slugs do (ASCII), so lower-casing is folding.
func (x *NameIndex[T]) Find(list []*T, key string, name func(*T) string) *T {
	ix := x.p.Load()
	if ix == nil || len(ix.list) != len(list) || (len(list) > 0 && &ix.list[0] != &list[0]) {
		ix = x.build(list, name)
	}
	e := ix.byName[strings.ToLower(key)]
	if e != nil && !strings.EqualFold(name(e), key) { // renamed since the build
		e = x.build(list, name).byName[strings.ToLower(key)]
	}
	return e
}

func (x *NameIndex[T]) build(list []*T, name func(*T) string) *nameIndex[T] {
	ix := &nameIndex[T]{list: list, byName: make(map[string]*T, len(list))}
	for _, e := range list {
		k := strings.ToLower(name(e))
		if _, dup := ix.byName[k]; !dup { // the first wins, as a scan would
			ix.byName[k] = e
		}
	}
	x.p.Store(ix)
	return ix
}
