package audit

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// Inactive access (issue #14): the CLI reads ghapi.Client.RepoActivity once
// per repository (cached: 304 when nothing happened) and passes it in
// Input.Activity.

// RuleInactiveAccess: write or above held by someone with no activity.
const RuleInactiveAccess Rule = "inactive-access"

// InactiveRule documents RuleInactiveAccess.
var InactiveRule = RuleInfo{RuleInactiveAccess, Low,
	"someone holds write or above on a repository (directly or through a team) and shows no activity in its events within the horizon (default 90 days)"}

// DefaultInactiveHorizon is how long without activity makes access inactive.
const DefaultInactiveHorizon = 90 * 24 * time.Hour

// RepoActivity is who acted on a repository, from its events: Last maps a
// lower-case login to their latest event; Since is how far back the events
// that were read reach.
type RepoActivity struct {
	Last  map[string]time.Time
	Since time.Time
}

// InactiveFindings lists, per repository with activity read, the people
// holding write or above (direct grants and team memberships; owners are
// left to the owner findings) with no event since now-horizon. A repository
// whose events do not reach back over the horizon (a busy one: one page
// read) is not judged, and said so in notes.
func InactiveFindings(x *access.Org, co *config.Org, activity map[string]RepoActivity, now time.Time, horizon time.Duration) (out []Finding, notes []string) {
	if horizon <= 0 {
		horizon = DefaultInactiveHorizon
	}
	cutoff := now.Add(-horizon)
	days := int(horizon / (24 * time.Hour))
	a := x.State
	for _, r := range a.Repos {
		act, ok := activity[strings.ToLower(r.Name)]
		if !ok || r.Archived || co.Ignored(r.Name) {
			continue
		}
		if act.Since.After(cutoff) {
			notes = append(notes, fmt.Sprintf("%s/%s: its events reach back only to %s, less than %d days: inactive access is not judged there", a.Name, r.Name, act.Since.UTC().Format("2006-01-02"), days))
			continue
		}
		holders := map[string][]string{} // Key(login) → sources
		names := map[string]string{}
		for k, h := range x.Holders(r) {
			for _, s := range h.Sources {
				switch {
				case s.Role < role.Write:
				case s.Kind == access.Direct:
					holders[k] = append(holders[k], fmt.Sprintf("direct %s", s.Role))
				case s.Kind == access.ViaTeam:
					holders[k] = append(holders[k], fmt.Sprintf("team %s %s", x.Team(s.Team).Slug, s.Role))
				}
			}
			names[k] = h.Login
		}
		logins := slices.Sorted(maps.Keys(holders))
		for _, k := range logins {
			if last, ok := act.Last[k]; ok && !last.Before(cutoff) {
				continue
			}
			out = append(out, Finding{Severity: Low, Rule: RuleInactiveAccess, Org: a.Name, Repo: r.Name, Subject: "user:" + names[k],
				Message: fmt.Sprintf("%s holds write or above (%s) and shows no activity in the repository's events in the last %d days (source: repository events since %s)",
					names[k], strings.Join(holders[k], ", "), days, cutoff.UTC().Format("2006-01-02")),
				Fix: "Lower the grant to read or remove it in the repository's file (or give it an expires: date), unless the access is still needed."})
		}
	}
	return out, notes
}
