package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

// sourceText says how a role is held, in a few words.
func sourceText(s audit.Source) string {
	var out string
	switch s.Kind {
	case audit.SourceDirect:
		out = "direct " + s.Role.String()
	case audit.SourceInvitation:
		out = "pending invitation (" + s.Role.String() + ")"
	case audit.SourceTeam:
		out = "team " + s.Team + " (" + s.Role.String() + ")"
		if len(s.Via) > 0 {
			out += " through " + strings.Join(s.Via, " › ")
		}
	case audit.SourceOwner:
		out = "org owner"
	case audit.SourceBase:
		out = "org base role (" + s.Role.String() + ")"
	default:
		out = s.Kind
	}
	if s.RoleName != "" {
		out += fmt.Sprintf(" [custom role %s]", s.RoleName)
	}
	return out
}

// traceText points at the change that made a grant.
func traceText(t *audit.Trace) string {
	if t == nil {
		return ""
	}
	s := "commit " + short(t.Commit) + " by " + t.Author + " on " + day(t.Date)
	if t.PR > 0 {
		s += fmt.Sprintf(", pull request #%d", t.PR)
		if len(t.Approvers) > 0 {
			s += " approved by " + strings.Join(t.Approvers, ", ")
		} else {
			s += " (no approval recorded)"
		}
	}
	return s
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// sourceFor says how a role is held, naming the source's role only when it
// is not the one held.
func sourceFor(s audit.Source, held role.Role) string {
	if s.Role != held || s.RoleName != "" {
		return sourceText(s)
	}
	switch s.Kind {
	case audit.SourceDirect:
		return "direct"
	case audit.SourceInvitation:
		return "pending invitation"
	case audit.SourceTeam:
		out := "team " + s.Team
		if len(s.Via) > 0 {
			out += " through " + strings.Join(s.Via, " › ")
		}
		return out
	case audit.SourceBase:
		return "org base role"
	}
	return sourceText(s)
}

// whyHeld lists the sources of a person's role, leaving out the base role
// when something else gives more.
func whyHeld(a audit.Access) []string {
	var parts []string
	for _, s := range a.Sources {
		if s.Kind == audit.SourceBase && a.Role > s.Role {
			continue
		}
		parts = append(parts, sourceFor(s, a.Role))
	}
	return parts
}

// accessLine is a person, their role's sources and tags, on one line.
func accessLine(a audit.Access) string {
	parts := whyHeld(a)
	tags := ""
	if a.Outside {
		tags += ", outside collaborator"
	}
	if a.Pending {
		tags += ", pending"
	}
	return a.Login + " (" + strings.Join(parts, "; ") + tags + ")"
}

// holders lists the people holding exactly r on a repository.
func holders(rep *audit.Repo, r role.Role) []audit.Access {
	var out []audit.Access
	for _, a := range rep.Access {
		if a.Role == r {
			out = append(out, a)
		}
	}
	return out
}

// protectionText sums up a default branch's protection.
func protectionText(rep *audit.Repo) string {
	p := rep.Protection
	switch {
	case rep.DefaultBranch == "" && rep.ReadError != "":
		return "not read"
	case rep.DefaultBranch == "":
		return "no default branch (empty repository)"
	}
	if !p.Protected {
		return p.Branch + ": not protected"
	}
	var parts []string
	if p.BranchProtection {
		parts = append(parts, "branch protection")
	}
	if p.RulesetsApply > 0 {
		parts = append(parts, words.Plural(p.RulesetsApply, "ruleset"))
	}
	s := p.Branch + ": " + strings.Join(parts, " + ")
	s += fmt.Sprintf("; %d review", p.Reviews)
	if p.Reviews != 1 {
		s += "s"
	}
	if p.CodeOwnerReviews {
		s += " (code owners)"
	}
	if p.BranchProtection {
		s += "; enforce_admins " + onOff(p.EnforceAdmins)
		if p.AllowForcePushes {
			s += "; force push allowed"
		}
		if p.AllowDeletions {
			s += "; deletion allowed"
		}
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// checkText says whether a floor check is required, and how.
func checkText(c audit.CheckStatus) string {
	if !c.Required {
		return c.Context + ": NOT required"
	}
	var by []string
	for _, s := range c.By {
		t := s.Where + ", any source"
		if s.AppID > 0 {
			t = fmt.Sprintf("%s, App %d", s.Where, s.AppID)
		}
		// A ruleset's requirement is only as strong as who can bypass it.
		if s.Bypass != "" {
			t += ", bypass: " + s.Bypass
		}
		if !s.StandsIn && s.Why != "" {
			t += " — does not count: it " + s.Why
		}
		by = append(by, t)
	}
	s := c.Context + ": required (" + strings.Join(by, "; ") + ")"
	if !c.Covered {
		s = c.Context + ": NOT required where nobody can skip it (" + strings.Join(by, "; ") + ")"
	}
	switch {
	case c.WrongApp:
		s += " — not the App the org file pins"
	case c.Spoofable:
		s += " — spoofable"
	}
	return s
}

func repoState(rep *audit.Repo) string {
	var parts []string
	switch {
	case rep.Archived:
		parts = append(parts, "archived")
	case rep.Managed:
		parts = append(parts, "managed")
	default:
		parts = append(parts, "unmanaged")
	}
	if rep.Managed && rep.Archived {
		parts = append(parts, "managed")
	}
	if rep.Private {
		parts = append(parts, "private")
	}
	if rep.ReadError != "" {
		parts = append(parts, "read error")
	}
	return strings.Join(parts, ", ")
}

// sourceColumns are a person's sources, the distinct places the files
// declare them, and the distinct changes that made them, each escaped for
// the format (text, or as code) before duplicates are dropped.
func sourceColumns(a audit.Access, text, code func(string) string) (through, declared, trace []string) {
	for _, s := range a.Sources {
		through = append(through, text(sourceText(s)))
		if s.Declared != "" {
			declared = append(declared, code(s.Declared))
		}
		if s.Trace != nil {
			trace = append(trace, text(traceText(s.Trace)))
		}
	}
	return through, dedupe(declared), dedupe(trace)
}

// asIs is a format's escaper where the format escapes for itself.
func asIs(s string) string { return s }

// FindingCounts is "2 critical, 5 high, …" (zero counts left out).
func FindingCounts(r *audit.Report) string {
	var parts []string
	for _, s := range audit.Severities {
		if n := r.Summary.Findings[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// ownerNote says whether an owner is expected.
func ownerNote(o audit.Owner) string {
	if o.Expected {
		return "expected"
	}
	return "NOT in expected_owners"
}

func sinceText(r *audit.Report) string {
	if r.History == nil || r.History.Since.IsZero() {
		return ""
	}
	return day(r.History.Since)
}

// nonHumanLine is one App or deploy key: what it is, what it reaches, with
// which access, and why it is flagged ("" when it is not).
type nonHumanLine struct {
	Org, Kind, Name, Reach, Access, Flag string
}

func nonHumanLines(r *audit.Report) []nonHumanLine {
	var out []nonHumanLine
	for _, o := range r.Orgs {
		for _, nh := range o.NonHuman {
			l := nonHumanLine{Org: o.Name, Kind: "deploy key", Name: nh.Name, Flag: nh.Flag}
			access := "read"
			if nh.Write {
				access = "write"
			}
			if nh.Kind == "app" {
				l.Kind = fmt.Sprintf("App (id %d)", nh.ID)
				if len(nh.Perms) > 0 {
					access += ": " + strings.Join(nh.Perms, ", ")
				}
			}
			l.Access = access
			l.Reach = strings.Join(nh.Repos, ", ")
			if len(nh.Repos) == 1 && nh.Repos[0] == "*" {
				l.Reach = "every repository"
			}
			out = append(out, l)
		}
	}
	return out
}
