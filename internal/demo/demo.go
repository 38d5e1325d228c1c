// Package demo builds the simulated org that "permsync demo" runs the whole
// loop on: a GitHub that mirrors the permissions files, with the kinds of
// drift people make by hand in GitHub's UI.
package demo

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// AppSlug is the demo App's name; its installation acts as "<slug>[bot]".
const AppSlug = "permsync-demo"

// World is a running simulated GitHub seeded from the files.
type World struct {
	Server *ghsim.Server
	AppID  int64
	// KeyPEM is the demo App's private key, made for this run only.
	KeyPEM []byte
	// Drift lists what was changed by hand, one line each.
	Drift []string
}

// Close stops the simulator.
func (w *World) Close() { w.Server.Close() }

// Start runs a simulator on loopback and seeds it from cfg, then drifts it.
func Start(cfg *config.Config, opts ...ghsim.Option) (*World, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	srv := ghsim.NewServer(opts...)
	w := &World{
		Server: srv,
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	}
	perms := ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read", "issues": "write", "pull_requests": "read", "organization_administration": "read"}
	w.AppID = srv.AddApp(ghsim.AppOptions{Slug: AppSlug, Name: "permsync demo", PublicKey: &key.PublicKey, Permissions: perms})
	for _, o := range cfg.Orgs {
		seedOrg(srv, o)
		srv.Install(w.AppID, o.Name, perms)
		w.Drift = append(w.Drift, drift(srv, o)...)
	}
	return w, nil
}

// member names a made-up team member: valid logins of at most 39 characters.
func member(slug string, i int) string {
	base := strings.TrimRight(slug, "-_")
	if len(base) > 33 {
		base = strings.TrimRight(base[:33], "-_")
	}
	return strings.ReplaceAll(fmt.Sprintf("%s-dev%d", base, i), "_", "-")
}

func seedOrg(srv *ghsim.Server, o *config.Org) {
	srv.AddOrg(o.Name, ghsim.OrgOptions{BaseRole: ghsim.RoleRead, Plan: ghsim.PlanTeam})
	owners := o.Policy.ExpectedOwners
	if len(owners) == 0 {
		owners = []string{"org-owner"}
	}
	for _, login := range owners {
		srv.AddUser(login)
		srv.AddMember(o.Name, login, true)
	}
	// Teams with two members each, and every user a member.
	teams := map[string]bool{}
	users := map[string]bool{}
	for _, r := range o.Repos {
		for _, g := range r.Grants {
			if g.Kind == config.Team {
				teams[g.Name] = true
			} else {
				users[g.Name] = true
			}
		}
	}
	for _, p := range o.Policy.AdminAllowed {
		if p.Kind == config.Team {
			teams[p.Name] = true
		}
	}
	for _, slug := range slices.Sorted(maps.Keys(teams)) {
		srv.AddTeam(o.Name, slug, ghsim.TeamOptions{})
		for i := 1; i <= 2; i++ {
			login := member(slug, i)
			srv.AddUser(login)
			srv.AddMember(o.Name, login, false)
			srv.AddTeamMember(o.Name, slug, login, "member")
		}
	}
	for _, login := range slices.Sorted(maps.Keys(users)) {
		srv.AddUser(login)
		srv.AddMember(o.Name, login, false)
	}
	for _, r := range o.Repos {
		def := "main"
		var branches []string
		for _, bp := range r.Protection {
			branches = append(branches, bp.Branch)
		}
		if len(branches) > 0 {
			def = branches[0]
		}
		srv.AddRepo(o.Name, r.Name, ghsim.RepoOptions{DefaultBranch: def, Branches: branches})
		for _, g := range r.Grants {
			if g.Kind == config.Team {
				srv.SetTeamRepo(o.Name, g.Name, r.Name, simRole(g.Role))
			} else {
				srv.SetCollaborator(o.Name, r.Name, g.Name, simRole(g.Role))
			}
		}
		for _, bp := range r.Protection {
			srv.SetProtection(o.Name, r.Name, bp.Branch, protection(bp, o.Policy))
		}
	}
}

// protection is what the file asks of a branch, as GitHub would hold it.
func protection(bp config.BranchProtection, policy config.Policy) *ghsim.Protection {
	p := &ghsim.Protection{}
	if bp.Checks != nil || bp.Strict != nil {
		rsc := &ghsim.RequiredStatusChecks{Strict: bp.Strict != nil && *bp.Strict}
		if bp.Checks != nil {
			for _, c := range *bp.Checks {
				app := c.AppID
				for _, f := range policy.RequiredChecks {
					if f.Context == c.Context && f.AppID > 0 && app == config.Unpinned {
						app = f.AppID
					}
				}
				if app <= 0 {
					app = -1
				}
				rsc.Checks = append(rsc.Checks, ghsim.StatusCheck{Context: c.Context, AppID: app})
			}
		}
		p.RequiredStatusChecks = rsc
	}
	p.EnforceAdmins = bp.EnforceAdmins != nil && *bp.EnforceAdmins
	reviews := policy.MinReviews
	if bp.Reviews != nil {
		reviews = *bp.Reviews
	}
	if bp.Reviews != nil || reviews > 0 {
		p.RequiredPullRequestReviews = &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: reviews}
	}
	return p
}

// drift makes the changes people make by hand in GitHub's UI.
func drift(srv *ghsim.Server, o *config.Org) []string {
	var done []string
	repos := o.Repos
	pick := func(i int) *config.Repo { return repos[i%len(repos)] }
	if len(repos) == 0 {
		return nil
	}
	// A stray admin, added "just for the release".
	r := pick(0)
	srv.AddUser("drive-by-admin")
	srv.AddMember(o.Name, "drive-by-admin", false)
	srv.SetCollaborator(o.Name, r.Name, "drive-by-admin", ghsim.RoleAdmin)
	done = append(done, fmt.Sprintf("%s/%s: drive-by-admin given admin by hand", o.Name, r.Name))

	// A user added by hand.
	r = pick(1)
	srv.AddUser("hand-added-dev")
	srv.AddMember(o.Name, "hand-added-dev", false)
	srv.SetCollaborator(o.Name, r.Name, "hand-added-dev", ghsim.RoleWrite)
	done = append(done, fmt.Sprintf("%s/%s: hand-added-dev given write by hand", o.Name, r.Name))

	// Protection weakened: enforce_admins off and the CLA check dropped.
	for i := 2; i < len(repos)+2; i++ {
		r = pick(i)
		if len(r.Protection) == 0 {
			continue
		}
		bp := r.Protection[0]
		p := protection(bp, o.Policy)
		p.EnforceAdmins = false
		if p.RequiredStatusChecks != nil {
			var keep []ghsim.StatusCheck
			for _, c := range p.RequiredStatusChecks.Checks {
				if !strings.EqualFold(c.Context, "EasyCLA") {
					keep = append(keep, c)
				}
			}
			p.RequiredStatusChecks.Checks = keep
		}
		srv.SetProtection(o.Name, r.Name, bp.Branch, p)
		done = append(done, fmt.Sprintf("%s/%s: protection of %s weakened (enforce_admins off, EasyCLA no longer required)", o.Name, r.Name, bp.Branch))
		break
	}

	// A pending invitation for someone outside the org, sent by a person.
	r = pick(3)
	srv.AddUser("invited-stranger")
	srv.AddInvitation(o.Name, r.Name, "invited-stranger", ghsim.RoleRead, ghsim.InvitationOptions{})
	done = append(done, fmt.Sprintf("%s/%s: invited-stranger invited by hand (pending)", o.Name, r.Name))

	// A team grant lowered by hand.
	for i := 4; i < len(repos)+4; i++ {
		r = pick(i)
		teams := r.Teams()
		if len(teams) == 0 || teams[0].Role == role.Read {
			continue
		}
		g := teams[0]
		srv.SetTeamRepo(o.Name, g.Name, r.Name, simRole(g.Role-1))
		done = append(done, fmt.Sprintf("%s/%s: team %s lowered from %s to %s by hand", o.Name, r.Name, g.Name, g.Role, g.Role-1))
		break
	}
	return done
}

// simRole: the simulator spells the five roles as permsync's files do.
func simRole(r role.Role) ghsim.Role { return ghsim.Role(r.String()) }
