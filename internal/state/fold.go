package state

import (
	"sort"
	"strings"
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
