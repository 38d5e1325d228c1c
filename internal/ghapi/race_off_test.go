//go:build !race

package ghapi

const raceEnabled = false
