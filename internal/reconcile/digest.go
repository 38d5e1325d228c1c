package reconcile

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Digests records, for every repository planned, a hash of what the files
// ask (the repository file and its org's policy) and of what GitHub held
// that the plan depends on (the repository's grants, invitations,
// protection and rulesets, the org's base role and owners, and the members
// of every team and the membership of every user involved). A saved plan is
// stale when any of them differs at apply time.
func Digests(p *Plan, in Input) []Digest {
	in = in.indexed()
	out := []Digest{}
	for _, t := range in.Targets {
		a := in.access(t.Org.Name)
		for _, r := range t.Repos {
			d := Digest{Org: t.Org.Name, Repo: r.Name, Files: filesDigest(t.Org, r)}
			if a != nil {
				d.State = stateDigest(a, a.Repo(r.Name), r)
			}
			out = append(out, d)
		}
	}
	return out
}

func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain data is hashed; a failure here is a programming error.
		panic("reconcile: digest: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func filesDigest(o *config.Org, r *config.Repo) string {
	type check struct {
		Context string
		AppID   int64
	}
	type protection struct {
		Branch        string
		Checks        *[]check
		Strict        *bool
		EnforceAdmins *bool
		Reviews       *int
	}
	type grant struct {
		Principal string
		Role      string
	}
	var grants []grant
	for _, g := range r.Grants {
		grants = append(grants, grant{g.Key(), g.Role.String()})
	}
	var prot []protection
	for _, bp := range r.Protection {
		pr := protection{Branch: bp.Branch, Strict: bp.Strict, EnforceAdmins: bp.EnforceAdmins, Reviews: bp.Reviews}
		if bp.RequiredChecks != nil {
			cs := []check{}
			for _, c := range *bp.RequiredChecks {
				cs = append(cs, check{c.Context, c.AppID})
			}
			pr.Checks = &cs
		}
		prot = append(prot, pr)
	}
	pol := o.Policy
	pol.Pos = nil
	var floor []check
	for _, c := range pol.RequiredChecks {
		floor = append(floor, check{c.Context, c.AppID})
	}
	pol.RequiredChecks = nil
	return hashJSON(struct {
		Policy     config.Policy
		Floor      []check
		Grants     []grant
		Protection []protection
	}{pol, floor, grants, prot})
}

func stateDigest(a *access.Org, r *state.Repo, desired *config.Repo) string {
	if r == nil {
		return hashJSON("absent")
	}
	teams := map[string][]string{}
	for _, t := range r.Teams {
		if team := a.Team(t.Slug); team != nil {
			teams[strings.ToLower(t.Slug)] = team.Members
		}
	}
	members := map[string]bool{}
	for _, g := range desired.Grants {
		if g.Kind == config.Team {
			if team := a.Team(g.Name); team != nil {
				teams[strings.ToLower(g.Name)] = team.Members
			} else {
				teams[strings.ToLower(g.Name)] = nil
			}
		} else {
			members[strings.ToLower(g.Name)] = a.IsMember(g.Name)
		}
	}
	for _, u := range r.Users {
		members[strings.ToLower(u.Login)] = a.IsMember(u.Login)
	}
	repo := *r
	repo.DeployKeys = nil // read for audits only; not something a plan depends on
	return hashJSON(struct {
		Repo     state.Repo
		BaseRole string
		Owners   []string
		Teams    map[string][]string
		Members  map[string]bool
	}{repo, a.State.BaseRole.String(), a.State.Owners, teams, members})
}
