package reconcile

import (
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Deleting a repository's file makes it unmanaged (SPEC "Files"), and the
// floor ruleset covers the managed repositories by name: without this
// guard, a team owning its file could take its repository out of the floor
// by deleting the file. Taking a repository that still exists, not
// archived, out of the floor ruleset weakens the floor and is refused. The
// ways out are GitHub's (archive or delete the repository) or the org
// file's (ignore_repos: release engineering's reviewed decision).

// floorShrinkMessage is the refusal's cause and what to do, one for every
// repository it names.
const floorShrinkMessage = "taking a repository that still exists on GitHub, not archived, out of the floor ruleset weakens the floor (its default branch would stop requiring the org's checks and reviews): keep its file; or archive or delete the repository on GitHub first; or list it in ignore_repos in the org file (a reviewed change)"

// floorShrinkUnlistedMessage: GitHub's list of repositories was not read.
const floorShrinkUnlistedMessage = "taking a repository out of the floor ruleset is refused unless GitHub lists it as archived or gone, and the org's repositories were not listed: plan again with credentials that can list them, or list it in ignore_repos in the org file (a reviewed change)"

// dropsFromFloor lists the repositories named in cur's conditions that want
// no longer covers and the org file does not ignore. Patterns (a hand
// edit: permsync writes names) are left to the drift restore.
func dropsFromFloor(cur, want *state.OrgRuleset, ignored func(string) bool) []string {
	if cur == nil || want == nil {
		return nil
	}
	var out []string
	for _, n := range cur.RepoInclude {
		if strings.ContainsAny(n, "*?[~") || ignored(n) {
			continue
		}
		if !slices.ContainsFunc(want.RepoInclude, func(x string) bool { return strings.EqualFold(x, n) }) {
			out = append(out, n)
		}
	}
	return out
}

// FloorNeedsListing lists the orgs whose floor ruleset covers a repository
// the files no longer manage: whether it still exists, archived or not, is
// then asked of GitHub's list of the org's repositories (Input.Listed).
func FloorNeedsListing(targets []Target, actual map[string]*state.Org) []string {
	var out []string
	for _, t := range targets {
		a := actual[strings.ToLower(t.Org.Name)]
		if a == nil || !t.Org.Policy.FloorRuleset || a.FloorRuleset == nil {
			continue
		}
		want := desiredFloor(t.Org, a)
		if len(dropsFromFloor(a.FloorRuleset, &want, t.Org.Ignored)) > 0 {
			out = append(out, t.Org.Name)
		}
	}
	return out
}

// guardFloorShrink refuses floor change i where it takes out a repository
// that still exists, not archived (or that could not be listed).
func guardFloorShrink(i int, c Change, po policyOf, in Input) []Refusal {
	var out []Refusal
	listed := in.Listed[strings.ToLower(c.Org)]
	for _, n := range dropsFromFloor(c.FloorBefore, c.FloorAfter, po.org.Ignored) {
		msg := floorShrinkMessage
		if listed == nil {
			msg = floorShrinkUnlistedMessage
		} else if archived, exists := listed[strings.ToLower(n)]; !exists || archived {
			continue
		}
		r := refuse(RuleFloorRuleset, i, c, po.rulePos("floor_ruleset"), msg, "")
		r.Items[0].Repo = n
		out = append(out, r)
	}
	return out
}
