// Package words spells counts in English, one way for every view (plan,
// audit, validate), so that they do not drift apart.
package words

import (
	"strconv"
	"strings"
)

// Plural is "1 repository", "2 repositories", "3 people".
func Plural(n int, noun string) string { return strconv.Itoa(n) + " " + Noun(n, noun) }

// Noun is noun in the number n: "person" becomes "people", a consonant
// and "y" becomes "ies" ("repositories", but "keys"), a hissing end takes
// "es" ("branches"), anything else takes an "s".
func Noun(n int, noun string) string {
	switch {
	case n == 1:
		return noun
	case strings.HasSuffix(noun, "person"):
		return strings.TrimSuffix(noun, "person") + "people"
	case strings.HasSuffix(noun, "y") && !vowelY(noun):
		return strings.TrimSuffix(noun, "y") + "ies"
	case strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"), strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"):
		return noun + "es"
	}
	return noun + "s"
}

func vowelY(noun string) bool {
	if len(noun) < 2 {
		return false
	}
	return strings.IndexByte("aeiou", noun[len(noun)-2]) >= 0
}
