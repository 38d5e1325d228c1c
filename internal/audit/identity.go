package audit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Identity findings (issue #14): plain logins that are not pinned to an
// account, and the reach of non-human principals.

// Rules of this file.
const (
	RuleNotPinned Rule = "user-not-pinned"
)

// NotPinnedRule documents RuleNotPinned (for Rules and docs/audit-json.md).
var NotPinnedRule = RuleInfo{RuleNotPinned, Low,
	"a repository file grants users by plain login: if a login is renamed and registered again by someone else, the newcomer would inherit the grant (run permsync pin)"}

// NotPinnedFindings is one low finding per repository file that lists
// users by plain login, with their count and lines (expired entries, which
// grant nothing, are left out by the caller's choice of now).
func NotPinnedFindings(co *config.Org) []Finding {
	var out []Finding
	for _, r := range co.Repos {
		if co.Ignored(r.Name) {
			continue
		}
		var lines []int
		for _, g := range r.Users() {
			if g.ID == 0 {
				lines = append(lines, g.Pos.Line)
			}
		}
		if len(lines) == 0 {
			continue
		}
		sort.Ints(lines)
		text := make([]string, len(lines))
		for i, l := range lines {
			text[i] = strconv.Itoa(l)
		}
		noun := "user entries are plain logins"
		if len(lines) == 1 {
			noun = "user entry is a plain login"
		}
		out = append(out, Finding{Severity: Low, Rule: RuleNotPinned, Org: co.Name, Repo: r.Name,
			Source:  r.File,
			Message: fmt.Sprintf("%d %s, not pinned to accounts (line %s)", len(lines), noun, strings.Join(text, ", ")),
			Fix:     "Run permsync pin to write them as {login, id}: a renamed account then keeps its access, and a re-registered login gets none."})
	}
	return out
}

// NonHuman is one non-human principal's reach: a deploy key or an App
// installation, for the People/Access tables beside humans.
type NonHuman struct {
	Kind   string   `json:"kind"` // deploy_key or app
	Name   string   `json:"name"` // key title or App slug
	ID     int64    `json:"id"`
	Write  bool     `json:"write"`
	Repos  []string `json:"repos"` // the repositories it reaches; ["*"] for an App on all repositories
	Perms  []string `json:"permissions,omitempty"`
	Flag   string   `json:"flag,omitempty"` // why it is flagged, or ""
	Reason Rule     `json:"rule,omitempty"`
}

// NonHumanAccess lists an org's deploy keys and App installations with
// their reach, flagging write deploy keys and Apps with Administration:
// write that trusted_apps does not list. Repositories in ignore_repos are
// left out, as everywhere in the report.
func NonHumanAccess(a *state.Org, co *config.Org) []NonHuman {
	policy := co.Policy
	out := []NonHuman{}
	for _, in := range a.Installations {
		nh := NonHuman{Kind: "app", Name: in.AppSlug, ID: in.AppID, Repos: []string{"*"}}
		if in.RepositorySelection == "selected" {
			nh.Repos = []string{"(selected repositories)"}
		}
		for p, lvl := range in.Permissions {
			nh.Perms = append(nh.Perms, p+":"+lvl)
			if lvl == "write" || lvl == "admin" {
				nh.Write = true
			}
		}
		sort.Strings(nh.Perms)
		if in.Permissions["administration"] == "write" && !policy.TrustedApp(in.AppID) {
			nh.Flag = fmt.Sprintf("Administration: write, and App id %d is not in trusted_apps", in.AppID)
			nh.Reason = RuleAppAdministrationWrite
		}
		out = append(out, nh)
	}
	for _, r := range a.Repos {
		if co.Ignored(r.Name) {
			continue
		}
		for _, k := range r.DeployKeys {
			nh := NonHuman{Kind: "deploy_key", Name: k.Title, ID: k.ID, Write: !k.ReadOnly, Repos: []string{r.Name}}
			if nh.Write && !r.Archived {
				nh.Flag = "a write deploy key can push"
				nh.Reason = RuleDeployKeyWrite
			}
			out = append(out, nh)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}

// sameAccount reports whether the file entry g names the principal p that
// GitHub shows with account id (0: not read). A pinned user entry names an
// account: it matches that account under any login (a renamed person is one
// person) and never another account holding its login (re-registered).
// Without both ids, logins are compared, as GitHub compares them.
func sameAccount(g config.Grant, p config.Principal, id int64) bool {
	if g.Kind == config.User && p.Kind == config.User && g.ID > 0 && id > 0 {
		return g.ID == id
	}
	return g.Equal(p)
}
