//go:build race

package ghapi

// raceEnabled: the race detector makes loading GitHub's 13 MB OpenAPI
// description take ten times longer; that check has no concurrency to
// watch, so it runs only without -race.
const raceEnabled = true
