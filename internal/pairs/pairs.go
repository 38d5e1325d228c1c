// Package pairs lines up two versions of a keyed list (the files before
// and after a commit, GitHub's state at a snapshot and now), so that each
// diff walks one sequence of old/new pairs instead of two maps and the union
// of their keys.
package pairs

import "sort"

// Pair is one key's value in the old and the new list; InOld and InNew say
// whether the list holds it (Old or New is the zero value where not).
type Pair[T any] struct {
	Key          string
	Old, New     T
	InOld, InNew bool
}

// Of pairs old and cur by key, in key order. Where a list holds a key twice,
// the last wins.
func Of[T any](old, cur []T, key func(T) string) []Pair[T] {
	at := map[string]int{}
	var out []Pair[T]
	get := func(k string) *Pair[T] {
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, Pair[T]{Key: k})
		}
		return &out[i]
	}
	for _, v := range old {
		p := get(key(v))
		p.Old, p.InOld = v, true
	}
	for _, v := range cur {
		p := get(key(v))
		p.New, p.InNew = v, true
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Latest is the new value where the new list holds the key, else the old.
func (p Pair[T]) Latest() T {
	if p.InNew {
		return p.New
	}
	return p.Old
}
