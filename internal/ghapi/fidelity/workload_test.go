package fidelity

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// The workload: every operation the adapter has, run for real against a
// seeded simulator, with a recorder under the adapter's HTTP stack. Each
// step names the Client method it exercises (TestEveryClientMethodIsExercised
// holds the list against the Client's method set) and the simulator
// routes it must send, so that a step silently taking another path (the
// PUT fallback of UpdateProtection, the REST read) is noticed.

const (
	appID   = 4242
	appSlug = "permsync"
	// mergeSHA is the merge commit of the seeded pull request.
	mergeSHA = "7d1b2c3e4f5a69788796a5b4c3d2e1f0a9b8c7d6"
	// wideN is past every first page the adapter asks for (100).
	wideN = 101
)

// appPermissions are what the App is granted and what its tokens are
// narrowed to: everything the adapter's operations need.
var appPermissions = map[string]string{
	"administration": "write", "members": "read", "metadata": "read", "issues": "write",
	"pull_requests": "read", "organization_administration": "read",
}

// step is one call of the workload.
type step struct {
	Method string   // the ghapi.Client method exercised
	Label  string   // what is special about this call
	Want   []string // simulator routes it must send ("GET /repos/{owner}/{repo}/invitations")
	Status int      // a status one of its answers must have (0: any)
	Err    error
	Seqs   []int // its exchanges
}

func (s *step) String() string {
	if s.Label == "" {
		return s.Method
	}
	return s.Method + " (" + s.Label + ")"
}

// workloadResult is what the workload did.
type workloadResult struct {
	Steps     []*step
	Exchanges []*exchange
	Called    map[string]bool // Client methods exercised
	Routes    []simRoute      // every route the simulator serves
	Duration  time.Duration
	Setup     error
}

var (
	workloadOnce sync.Once
	workloadRes  *workloadResult
)

// adapterWorkload runs the workload once per test binary.
func adapterWorkload() *workloadResult {
	workloadOnce.Do(func() {
		start := time.Now()
		workloadRes = runWorkload()
		workloadRes.Duration = time.Since(start)
	})
	return workloadRes
}

var (
	keyOnce sync.Once
	keyRSA  *rsa.PrivateKey
	keyPEM  []byte
)

// appKey is an RSA key generated once per test binary, and its PEM.
func appKey() (*rsa.PrivateKey, []byte) {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keyRSA = k
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	})
	return keyRSA, keyPEM
}

// seedWorld builds the simulated GitHub the workload runs against:
//
//   - acme, base role read: owner root; members alice, bob, carol, dave;
//     outsiders olga, ivan, nina. Teams core (alice) and its child (bob).
//     Repositories widgets (main fully protected, dev with only
//     enforce_admins, hotfix with only status checks, release
//     unprotected), gadgets (main with reviews only), legacy (archived,
//     private). Grants, an invitation to ivan,
//     a repository and an org ruleset, a deploy key, issues with labels, a
//     merged pull request with reviews.
//   - big: wide enough that every GraphQL connection the adapter reads
//     needs a second page (members, team members and repositories,
//     collaborators, protection rules, rulesets).
func seedWorld(srv *ghsim.Server) seeded {
	var ids seeded
	srv.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead, Name: "Acme"})
	srv.AddMember("acme", "root", true)
	for _, m := range []string{"alice", "bob", "carol", "dave"} {
		srv.AddMember("acme", m, false)
	}
	for _, u := range []string{"olga", "ivan", "nina"} {
		srv.AddUser(u)
	}
	srv.AddTeam("acme", "core", ghsim.TeamOptions{Name: "Core", Description: "the core team"})
	srv.AddTeam("acme", "child", ghsim.TeamOptions{Parent: "core"})
	srv.AddTeamMember("acme", "core", "alice", "maintainer")
	srv.AddTeamMember("acme", "child", "bob", "member")
	ids.widgets = srv.AddRepo("acme", "widgets", ghsim.RepoOptions{Branches: []string{"dev", "release", "hotfix"}, Description: "widgets"})
	srv.AddRepo("acme", "gadgets", ghsim.RepoOptions{})
	srv.AddRepo("acme", "legacy", ghsim.RepoOptions{Archived: true, Private: true})
	srv.SetTeamRepo("acme", "core", "widgets", ghsim.RoleMaintain)
	srv.SetTeamRepo("acme", "child", "gadgets", ghsim.RoleTriage)
	srv.SetCollaborator("acme", "widgets", "olga", ghsim.RoleWrite)
	srv.SetCollaborator("acme", "widgets", "carol", ghsim.RoleAdmin)
	srv.SetCollaborator("acme", "gadgets", "bob", ghsim.RoleTriage)
	ids.invitation = srv.AddInvitation("acme", "widgets", "ivan", ghsim.RoleTriage, ghsim.InvitationOptions{Inviter: "root"})
	srv.SetProtection("acme", "widgets", "main", &ghsim.Protection{
		RequiredStatusChecks: &ghsim.RequiredStatusChecks{Strict: true, Checks: []ghsim.StatusCheck{{Context: "EasyCLA"}, {Context: "DCO", AppID: appID}}},
		EnforceAdmins:        true,
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 1, DismissStaleReviews: true,
			DismissalRestrictions: &ghsim.Restrictions{Users: []string{"alice"}, Teams: []string{"core"}},
			BypassAllowances:      &ghsim.Restrictions{Apps: []string{appSlug}}},
		Restrictions:          &ghsim.Restrictions{Users: []string{"alice"}, Teams: []string{"core"}, Apps: []string{appSlug}},
		RequiredLinearHistory: true,
		RequiredSignatures:    true,
	})
	srv.SetProtection("acme", "widgets", "dev", &ghsim.Protection{EnforceAdmins: true, AllowForcePushes: true})
	srv.SetProtection("acme", "widgets", "hotfix", &ghsim.Protection{RequiredStatusChecks: &ghsim.RequiredStatusChecks{Checks: []ghsim.StatusCheck{{Context: "DCO"}}}})
	srv.SetProtection("acme", "gadgets", "main", &ghsim.Protection{
		RequiredPullRequestReviews: &ghsim.RequiredPullRequestReviews{RequiredApprovingReviewCount: 2, RequireCodeOwnerReviews: true},
	})
	ids.ruleset = srv.AddRuleset("acme", "widgets", ghsim.Ruleset{Name: "checks", Include: []string{"~DEFAULT_BRANCH"},
		Rules: []ghsim.Rule{
			ghsim.RequiredStatusChecksRule(true, ghsim.StatusCheck{Context: "EasyCLA", AppID: 1861}),
			ghsim.PullRequestRule(1, true, false), ghsim.MergeQueueRule(), {Type: "deletion"},
		},
		BypassActors: []ghsim.BypassActor{{ActorType: "OrganizationAdmin"}, {ActorID: appID, ActorType: "Integration"}}})
	ids.orgRuleset = srv.AddRuleset("acme", "", ghsim.Ruleset{Name: "org-wide", Include: []string{"~ALL"}, RepoInclude: []string{"~ALL"},
		Rules: []ghsim.Rule{{Type: "non_fast_forward"}}})
	srv.AddDeployKey("acme", "widgets", "deploy", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", true)
	srv.AddLabel("acme", "widgets", "permsync-drift", "d73a4a")
	srv.AddEvent("acme", "widgets", "alice", "PushEvent", srv.Now().Add(-time.Hour))
	ids.issue = srv.AddIssue("acme", "widgets", ghsim.IssueOptions{Title: "Drift", Body: "found drift", Author: "root", Labels: []string{"permsync-drift"}})
	srv.AddIssue("acme", "widgets", ghsim.IssueOptions{Title: "Old drift", Labels: []string{"permsync-drift"}, Closed: true})
	ids.pull = srv.AddPull("acme", "widgets", ghsim.PullOptions{Title: "Grant olga write", Author: "alice", HeadSHA: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
		MergeCommitSHA: mergeSHA, Merged: true, MergedBy: "root",
		Reviews: []ghsim.ReviewOptions{{User: "bob", State: "COMMENTED", Body: "hm"}, {User: "carol", State: "APPROVED"}}})

	srv.AddOrg("big", ghsim.OrgOptions{BaseRole: ghsim.BaseRoleNone})
	srv.AddMember("big", "root", true)
	srv.AddTeam("big", "everyone", ghsim.TeamOptions{})
	srv.AddRepo("big", "wide", ghsim.RepoOptions{})
	for i := range wideN {
		u := fmt.Sprintf("user%03d", i)
		srv.AddMember("big", u, false)
		srv.AddTeamMember("big", "everyone", u, "member")
		srv.SetCollaborator("big", "wide", u, ghsim.RoleWrite)
		r := fmt.Sprintf("repo%03d", i)
		srv.AddRepo("big", r, ghsim.RepoOptions{})
		srv.SetTeamRepo("big", "everyone", r, ghsim.RoleRead)
	}
	for i := range 21 {
		b := fmt.Sprintf("rel-%02d", i)
		srv.AddBranch("big", "wide", b)
		srv.SetProtection("big", "wide", b, &ghsim.Protection{EnforceAdmins: true})
		srv.AddRuleset("big", "wide", ghsim.Ruleset{Name: "rs-" + b, Include: []string{"refs/heads/" + b},
			Rules: []ghsim.Rule{{Type: "deletion"}}})
	}
	return ids
}

// seeded are the ids seedWorld's objects got.
type seeded struct {
	widgets, invitation, ruleset, orgRuleset, issue, pull int64
}

// runWorkload seeds a simulator and runs every adapter operation against
// it, recording the wire.
func runWorkload() *workloadResult {
	res := &workloadResult{Called: map[string]bool{}}
	routes, err := simulatorRoutes()
	if err != nil {
		res.Setup = err
		return res
	}
	res.Routes = routes

	srv := ghsim.NewServer()
	defer srv.Close()
	ids := seedWorld(srv)
	key, keyText := appKey()
	id := srv.AddApp(ghsim.AppOptions{ID: appID, Slug: appSlug, Name: "permsync", PublicKey: &key.PublicKey, Permissions: appPermissions})
	acmeInst := srv.Install(id, "acme", nil)
	srv.Install(id, "big", nil)

	rec := newRecorder(http.DefaultTransport)
	cacheDir, err := os.MkdirTemp("", "permsync-fidelity-cache-")
	if err != nil {
		res.Setup = err
		return res
	}
	defer os.RemoveAll(cacheDir)
	cache, err := httpcache.Open(cacheDir)
	if err != nil {
		res.Setup = err
		return res
	}
	base := func(o *ghapi.Options) {
		o.APIURL = srv.URL()
		o.Transport = rec
		o.MutationInterval = -1
		o.Now = srv.Now
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			srv.Advance(d)
			return nil
		}
	}
	creds, err := ghapi.AppCredentials(appID, keyText, 0)
	if err != nil {
		res.Setup = err
		return res
	}
	ao := ghapi.Options{Credentials: creds, Permissions: appPermissions, Cache: cache.Wrap}
	base(&ao)
	app, err := ghapi.New(context.Background(), ao)
	if err != nil {
		res.Setup = err
		return res
	}
	// A second App client whose tokens are narrowed to one repository too.
	nopts := ghapi.Options{Credentials: creds, Permissions: map[string]string{"administration": "read", "members": "read", "metadata": "read"},
		Repositories: []string{"acme/widgets"}}
	base(&nopts)
	narrow, err := ghapi.New(context.Background(), nopts)
	if err != nil {
		res.Setup = err
		return res
	}
	to := ghapi.Options{Credentials: ghapi.TokenCredentials(srv.AddUserToken("root"))}
	base(&to)
	tok, err := ghapi.New(context.Background(), to)
	if err != nil {
		res.Setup = err
		return res
	}
	// An installation token given as a plain token, as GITHUB_TOKEN is in
	// GitHub Actions.
	io := ghapi.Options{Credentials: ghapi.TokenCredentials(srv.InstallationToken(acmeInst, nil))}
	base(&io)
	instTok, err := ghapi.New(context.Background(), io)
	if err != nil {
		res.Setup = err
		return res
	}

	run := func(method, label string, want []string, fn func(ctx context.Context) error) {
		s := &step{Method: method, Label: label, Want: want}
		res.Steps = append(res.Steps, s)
		res.Called[method] = true
		before := len(rec.exchanges())
		rec.setStep(s.String())
		// A hang guard, not a speed check: the client's waits run on the
		// simulator's clock, so only a step that loops comes near it.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s.Err = fn(ctx)
		for _, e := range rec.exchanges()[before:] {
			s.Seqs = append(s.Seqs, e.Seq)
		}
	}
	// expect turns an unexpected answer into a step failure.
	expect := func(cond bool, format string, args ...any) error {
		if cond {
			return nil
		}
		return fmt.Errorf(format, args...)
	}
	const (
		getProt   = "GET /repos/{owner}/{repo}/branches/{branch}/protection"
		putProt   = "PUT /repos/{owner}/{repo}/branches/{branch}/protection"
		patchRSC  = "PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_status_checks"
		invites   = "GET /repos/{owner}/{repo}/invitations"
		orgInst   = "GET /orgs/{org}/installation"
		tokenPost = "POST /app/installations/{installation_id}/access_tokens"
	)
	acmeWidgets := map[string][]string{"widgets": {"dev", "release", "no-such-branch"}}

	// The App as itself (JWT).
	run("Viewer", "GitHub App", []string{"GET /app"}, func(ctx context.Context) error {
		v, err := app.Viewer(ctx, "acme")
		if err != nil {
			return err
		}
		return expect(v == appSlug+"[bot]", "viewer %q", v)
	})

	// Reads. The first finds the installation and gets a narrowed token.
	run("ReadOrg", "GraphQL, whole org", []string{orgInst, tokenPost, "GET /orgs/{org}", "GET /orgs/{org}/members", invites},
		func(ctx context.Context) error {
			o, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Branches: acmeWidgets})
			if err != nil {
				return err
			}
			return expect(o.Repo("widgets") != nil && len(o.Repo("widgets").Invitations) == 1, "widgets not read as seeded")
		})
	run("ReadOrg", "GraphQL, audit, named repositories", []string{"GET /orgs/{org}/installations", "GET /repos/{owner}/{repo}/keys"},
		func(ctx context.Context) error {
			o, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets", "gadgets", "legacy", "no-such-repo"}, Branches: acmeWidgets, Audit: true})
			if err != nil {
				return err
			}
			return expect(o.Repo("no-such-repo") != nil && o.Repo("no-such-repo").NotFound, "a missing repository is not NotFound")
		})
	run("ReadOrg", "GraphQL, every connection paged", []string{orgInst, tokenPost}, func(ctx context.Context) error {
		o, err := app.ReadOrg(ctx, "big", ghapi.ReadOptions{Repos: []string{"wide"}, Audit: true})
		if err != nil {
			return err
		}
		w := o.Repo("wide")
		return expect(w != nil && len(w.Users) == wideN && len(w.Rulesets) >= 21, "big/wide not read whole")
	})
	run("ReadOrg", "GraphQL, repositories paged", nil, func(ctx context.Context) error {
		o, err := app.ReadOrg(ctx, "big", ghapi.ReadOptions{})
		if err != nil {
			return err
		}
		return expect(len(o.Repos) == wideN+1, "big has %d repositories, want %d", len(o.Repos), wideN+1)
	})
	// Narrow reads (a pull request's plan of a few repositories): the
	// teams' grants on those repositories only, the members of the teams
	// that matter, membership asked per login or read from the list.
	run("ReadOrg", "GraphQL, narrow, named repositories", []string{"GET /orgs/{org}/members"}, func(ctx context.Context) error {
		o, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets", "gadgets", "no-such-repo"}, Branches: acmeWidgets,
			Narrow: true, Teams: []string{"core"}, Logins: []string{"nina"}})
		if err != nil {
			return err
		}
		core, child := o.Team("core"), o.Team("child")
		return expect(core != nil && child != nil && len(core.Members) == 2 && len(child.Members) == 1 && !o.IsMember("nina") && o.IsMember("carol"),
			"narrow read of acme: teams %+v %+v, members %v", core, child, o.Members)
	})
	run("ReadOrg", "GraphQL, narrow, no team concerned", nil, func(ctx context.Context) error {
		o, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"legacy"}, Narrow: true})
		if err != nil {
			return err
		}
		return expect(o.Repo("legacy") != nil && len(o.Repo("legacy").Rulesets) == 1, "legacy not read with the org ruleset")
	})
	run("ReadOrg", "GraphQL, narrow, more names than one teams query filters", nil, func(ctx context.Context) error {
		names := []string{"wide"}
		for i := range 7 {
			names = append(names, fmt.Sprintf("repo%03d", i))
		}
		o, err := app.ReadOrg(ctx, "big", ghapi.ReadOptions{Repos: names, Narrow: true})
		if err != nil {
			return err
		}
		g, ok := o.Repo("repo006").Team("everyone")
		return expect(ok && g.Role == role.Read && len(o.Team("everyone").Members) == wideN, "big/repo006 not read with its team")
	})
	run("ReadOrg", "GraphQL, narrow, no ruleset, a login asked", []string{"GET /orgs/{org}/members/{username}"}, func(ctx context.Context) error {
		o, err := app.ReadOrg(ctx, "big", ghapi.ReadOptions{Repos: []string{"repo001"}, Narrow: true, Logins: []string{"nina", "user001"}})
		if err != nil {
			return err
		}
		return expect(!o.IsMember("nina") && o.IsMember("user001"), "big: membership of nina and user001 misread: %v", o.Members)
	})
	srv.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "POST", Path: "/graphql", Status: http.StatusBadRequest, Message: "Problems parsing JSON", Times: 1}}})
	run("ReadOrg", "GraphQL, narrow, the combined query failed", nil, func(ctx context.Context) error {
		o, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets"}, Narrow: true})
		if err != nil {
			return err
		}
		return expect(o.Repo("widgets").Readable(), "widgets: %s", o.Repo("widgets").ReadError)
	})
	srv.SetFaults(ghsim.Faults{})
	run("ReadOrg", "a token narrowed to one repository", []string{orgInst, tokenPost}, func(ctx context.Context) error {
		_, err := narrow.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets"}})
		return err
	})
	run("ReadOrg", "warm, through the conditional-request cache", nil, func(ctx context.Context) error {
		_, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets"}})
		return err
	})
	res.Steps[len(res.Steps)-1].Status = http.StatusNotModified

	run("UserExists", "GitHub App, a user", []string{"GET /users/{username}"}, func(ctx context.Context) error {
		login, ok, err := app.UserExists(ctx, "ALICE")
		if err != nil {
			return err
		}
		return expect(ok && login == "alice", "UserExists(ALICE) = %q, %v", login, ok)
	})
	run("UserExists", "token, no such user", []string{"GET /users/{username}"}, func(ctx context.Context) error {
		_, ok, err := tok.UserExists(ctx, "no-such-user")
		if err != nil {
			return err
		}
		return expect(!ok, "a missing user exists")
	})
	run("AccountByLogin", "GitHub App, a user's account id", []string{"GET /users/{username}"}, func(ctx context.Context) error {
		id, login, err := app.AccountByLogin(ctx, "acme", "ALICE")
		if err != nil {
			return err
		}
		return expect(id > 0 && login == "alice", "AccountByLogin(ALICE) = %d, %q", id, login)
	})
	run("AccountByID", "GitHub App, an account's login now", []string{"GET /user/{account_id}"}, func(ctx context.Context) error {
		id, _, err := app.AccountByLogin(ctx, "acme", "bob")
		if err != nil {
			return err
		}
		login, err := app.AccountByID(ctx, "acme", id)
		if err != nil {
			return err
		}
		return expect(login == "bob", "AccountByID = %q", login)
	})
	run("RepoActivity", "GitHub App, one page of events", []string{"GET /repos/{owner}/{repo}/events"}, func(ctx context.Context) error {
		act, err := app.RepoActivity(ctx, "acme", "widgets")
		if err != nil {
			return err
		}
		_, ok := act.Last["alice"]
		return expect(ok, "alice's event not read: %v", act.Last)
	})
	run("Viewer", "token", []string{"GET /user"}, func(ctx context.Context) error {
		v, err := tok.Viewer(ctx, "acme")
		if err != nil {
			return err
		}
		return expect(v == "root", "viewer %q", v)
	})
	run("Viewer", "an installation token: GET /user refused, then GraphQL", []string{"GET /user"}, func(ctx context.Context) error {
		v, err := instTok.Viewer(ctx, "acme")
		if err != nil {
			return err
		}
		return expect(v == appSlug+"[bot]", "viewer %q", v)
	})

	// Re-reads before writes.
	run("UserGrant", "a direct collaborator", []string{invites}, func(ctx context.Context) error {
		g, _, err := app.UserGrant(ctx, "acme", "widgets", "olga")
		if err != nil {
			return err
		}
		return expect(g != nil && g.Role == role.Write, "olga's grant %+v", g)
	})
	run("UserGrant", "an invitation", []string{invites}, func(ctx context.Context) error {
		_, inv, err := app.UserGrant(ctx, "acme", "widgets", "ivan")
		if err != nil {
			return err
		}
		return expect(inv != nil, "no invitation for ivan")
	})
	run("TeamGrant", "a grant", []string{"GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"}, func(ctx context.Context) error {
		g, err := app.TeamGrant(ctx, "acme", "widgets", "core")
		if err != nil {
			return err
		}
		return expect(g != nil && g.Role == role.Maintain, "core's grant %+v", g)
	})
	run("TeamGrant", "no grant", []string{"GET /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"}, func(ctx context.Context) error {
		g, err := app.TeamGrant(ctx, "acme", "gadgets", "core")
		if err != nil {
			return err
		}
		return expect(g == nil, "core has a grant on gadgets: %+v", g)
	})
	for _, b := range []string{"main", "release", "no-such-branch"} {
		run("BranchProtection", b, []string{getProt}, func(ctx context.Context) error {
			p, err := app.BranchProtection(ctx, "acme", "widgets", b)
			if err != nil {
				return err
			}
			return expect(p.Protected == (b == "main") && p.Missing == (b == "no-such-branch"), "protection of %s: %+v", b, p)
		})
	}
	for _, b := range []string{"main", "release"} {
		run("PullRequestBypass", b, []string{getProt}, func(ctx context.Context) error {
			_, read, err := app.PullRequestBypass(ctx, "acme", "widgets", b)
			if err != nil {
				return err
			}
			return expect(read, "bypass allowances of %s not read", b)
		})
	}

	// Writes.
	var ninaInv int64
	run("SetUserGrant", "an org member: 204", []string{"PUT /repos/{owner}/{repo}/collaborators/{username}"}, func(ctx context.Context) error {
		inv, err := app.SetUserGrant(ctx, "acme", "widgets", "dave", role.Triage)
		if err != nil {
			return err
		}
		return expect(inv == nil, "an invitation for a member")
	})
	run("SetUserGrant", "a collaborator's new role: 204", []string{"PUT /repos/{owner}/{repo}/collaborators/{username}"}, func(ctx context.Context) error {
		_, err := app.SetUserGrant(ctx, "acme", "widgets", "olga", role.Maintain)
		return err
	})
	run("SetUserGrant", "an outside collaborator: 201 and an invitation", []string{"PUT /repos/{owner}/{repo}/collaborators/{username}"}, func(ctx context.Context) error {
		inv, err := app.SetUserGrant(ctx, "acme", "widgets", "nina", role.Read)
		if err != nil {
			return err
		}
		if err := expect(inv != nil, "no invitation for nina"); err != nil {
			return err
		}
		ninaInv = inv.ID
		return nil
	})
	run("UpdateInvitation", "", []string{"PATCH /repos/{owner}/{repo}/invitations/{invitation_id}"}, func(ctx context.Context) error {
		return app.UpdateInvitation(ctx, "acme", "widgets", ids.invitation, role.Write)
	})
	run("DeleteInvitation", "", []string{"DELETE /repos/{owner}/{repo}/invitations/{invitation_id}"}, func(ctx context.Context) error {
		return app.DeleteInvitation(ctx, "acme", "widgets", ninaInv)
	})
	run("RemoveUserGrant", "", []string{"DELETE /repos/{owner}/{repo}/collaborators/{username}"}, func(ctx context.Context) error {
		return app.RemoveUserGrant(ctx, "acme", "gadgets", "bob")
	})
	run("SetTeamGrant", "", []string{"PUT /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"}, func(ctx context.Context) error {
		return app.SetTeamGrant(ctx, "acme", "gadgets", "core", role.Write)
	})
	run("RemoveTeamGrant", "", []string{"DELETE /orgs/{org}/teams/{team_slug}/repos/{owner}/{repo}"}, func(ctx context.Context) error {
		return app.RemoveTeamGrant(ctx, "acme", "gadgets", "child")
	})
	yes, no, one, two := true, false, 1, 2
	checks := []state.Check{{Context: "EasyCLA", AppID: state.AnyApp}, {Context: "DCO", AppID: appID}}
	run("CreateProtection", "an unprotected branch: PUT", []string{getProt, putProt}, func(ctx context.Context) error {
		return app.CreateProtection(ctx, "acme", "widgets", "release", state.ProtectionSettings{Checks: &checks, Strict: &yes, EnforceAdmins: &yes, Reviews: &one})
	})
	run("CreateProtection", "a protected branch: PUT keeping every setting", []string{getProt, putProt}, func(ctx context.Context) error {
		return app.CreateProtection(ctx, "acme", "gadgets", "main", state.ProtectionSettings{Checks: &checks, EnforceAdmins: &no})
	})
	run("UpdateProtection", "through the sub-resources", []string{getProt, patchRSC,
		"POST /repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins",
		"PATCH /repos/{owner}/{repo}/branches/{branch}/protection/required_pull_request_reviews"},
		func(ctx context.Context) error {
			return app.UpdateProtection(ctx, "acme", "widgets", "main", state.ProtectionSettings{Checks: &checks, Strict: &no, EnforceAdmins: &yes, Reviews: &two})
		})
	run("UpdateProtection", "enforce_admins off", []string{getProt, "DELETE /repos/{owner}/{repo}/branches/{branch}/protection/enforce_admins"},
		func(ctx context.Context) error {
			return app.UpdateProtection(ctx, "acme", "widgets", "main", state.ProtectionSettings{EnforceAdmins: &no})
		})
	run("UpdateProtection", "status checks off: one merged PUT", []string{getProt, putProt}, func(ctx context.Context) error {
		return app.UpdateProtection(ctx, "acme", "widgets", "dev", state.ProtectionSettings{Checks: &checks, Strict: &yes, Reviews: &one})
	})
	run("UpdateProtection", "reviews off: one merged PUT", []string{getProt, putProt},
		func(ctx context.Context) error {
			return app.UpdateProtection(ctx, "acme", "widgets", "hotfix", state.ProtectionSettings{Reviews: &two})
		})

	// The floor ruleset (floor_ruleset): an owner's token can write org
	// rulesets; the App here holds Organization administration: read, so
	// it reads the ruleset without its bypass list.
	floorRS := state.OrgRuleset{Ruleset: state.Ruleset{Name: state.FloorRulesetName, Enforcement: "active", Target: "branch",
		Include: []string{"~DEFAULT_BRANCH"}, RequiredChecks: []state.Check{{Context: "EasyCLA", AppID: 1861}, {Context: "DCO", AppID: state.AnyApp}},
		Reviews: &one, Bypass: []state.BypassActor{{Kind: "OrganizationAdmin", Mode: "always"}}, BypassRead: true},
		RepoInclude: []string{"gadgets", "widgets"}}
	run("FloorRuleset", "none yet", []string{"GET /orgs/{org}/rulesets"}, func(ctx context.Context) error {
		rs, err := tok.FloorRuleset(ctx, "acme")
		if err != nil {
			return err
		}
		return expect(rs == nil, "a floor ruleset before any was made: %+v", rs)
	})
	run("CreateOrgRuleset", "", []string{"POST /orgs/{org}/rulesets"}, func(ctx context.Context) error {
		return tok.CreateOrgRuleset(ctx, "acme", floorRS)
	})
	run("FloorRuleset", "whole, to a token that can write it", []string{"GET /orgs/{org}/rulesets", "GET /orgs/{org}/rulesets/{ruleset_id}"}, func(ctx context.Context) error {
		rs, err := tok.FloorRuleset(ctx, "acme")
		if err != nil {
			return err
		}
		return expect(rs != nil && rs.BypassRead && !rs.BypassBelowOwner() && rs.TargetsRepo("widgets") && !rs.TargetsRepo("legacy") &&
			len(rs.RequiredChecks) == 2 && rs.Reviews != nil && *rs.Reviews == 1, "floor ruleset read back as %+v", rs)
	})
	run("UpdateOrgRuleset", "restored, other rules kept", []string{"GET /orgs/{org}/rulesets/{ruleset_id}", "PUT /orgs/{org}/rulesets/{ruleset_id}"}, func(ctx context.Context) error {
		rs, err := tok.FloorRuleset(ctx, "acme")
		if err != nil || rs == nil {
			return expect(false, "no floor ruleset to update: %v", err)
		}
		return tok.UpdateOrgRuleset(ctx, "acme", rs.ID, floorRS)
	})
	run("ReadFloorRuleset", "an App with Organization administration: read: no bypass list", []string{"GET /orgs/{org}/rulesets", "GET /orgs/{org}/rulesets/{ruleset_id}"}, func(ctx context.Context) error {
		o := &state.Org{Name: "acme"}
		if err := app.ReadFloorRuleset(ctx, o); err != nil {
			return err
		}
		return expect(o.FloorRuleset != nil && !o.FloorRuleset.BypassRead, "read as %+v", o.FloorRuleset)
	})
	run("CheckAccess", "", nil, func(ctx context.Context) error { return app.CheckAccess(ctx, "acme") })

	// Issues, labels, pulls (drift tracking and the audit history).
	run("EnsureLabel", "exists", []string{"GET /repos/{owner}/{repo}/labels/{name}"}, func(ctx context.Context) error {
		return app.EnsureLabel(ctx, "acme", "widgets", "permsync-drift", "#d73a4a", "")
	})
	run("EnsureLabel", "missing: created", []string{"GET /repos/{owner}/{repo}/labels/{name}", "POST /repos/{owner}/{repo}/labels"}, func(ctx context.Context) error {
		return app.EnsureLabel(ctx, "acme", "widgets", "permsync-audit", "0e8a16", "permsync audit findings")
	})
	run("ListIssues", "", []string{"GET /repos/{owner}/{repo}/issues"}, func(ctx context.Context) error {
		list, err := app.ListIssues(ctx, "acme", "widgets", "permsync-drift", "all")
		if err != nil {
			return err
		}
		return expect(len(list) == 2, "%d issues, want 2", len(list))
	})
	var issue int
	run("CreateIssue", "", []string{"POST /repos/{owner}/{repo}/issues"}, func(ctx context.Context) error {
		is, err := app.CreateIssue(ctx, "acme", "widgets", "Permissions drift", "Found:\n- olga", []string{"permsync-drift", "permsync-audit"})
		issue = is.Number
		return err
	})
	run("UpdateIssue", "", []string{"PATCH /repos/{owner}/{repo}/issues/{issue_number}"}, func(ctx context.Context) error {
		title, body, st, reason := "Permissions drift (resolved)", "All fixed.", "closed", "completed"
		_, err := app.UpdateIssue(ctx, "acme", "widgets", issue, ghapi.IssueUpdate{Title: &title, Body: &body, State: &st, StateReason: &reason})
		return err
	})
	run("CreateComment", "", []string{"POST /repos/{owner}/{repo}/issues/{issue_number}/comments"}, func(ctx context.Context) error {
		return app.CreateComment(ctx, "acme", "widgets", issue, "Closed: no drift left.")
	})
	var pull int
	run("PullsForCommit", "", []string{"GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls"}, func(ctx context.Context) error {
		list, err := app.PullsForCommit(ctx, "acme", "widgets", mergeSHA)
		if err != nil {
			return err
		}
		if err := expect(len(list) == 1 && list[0].Merged, "pulls for the merge commit: %+v", list); err != nil {
			return err
		}
		pull = list[0].Number
		return nil
	})
	run("PullReviews", "", []string{"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"}, func(ctx context.Context) error {
		list, err := app.PullReviews(ctx, "acme", "widgets", pull)
		if err != nil {
			return err
		}
		return expect(len(list) == 2, "%d reviews, want 2", len(list))
	})

	run("ListRepos", "", []string{"GET /orgs/{org}/repos"}, func(ctx context.Context) error {
		list, err := app.ListRepos(ctx, "acme")
		if err != nil {
			return err
		}
		return expect(len(list) > 1, "%d repositories, want several", len(list))
	})

	// The REST paths for a GitHub without the GraphQL this adapter needs:
	// branch lookups alone, then the whole read and the grant re-read.
	srv.SetFaults(ghsim.Faults{GraphQL: []ghsim.GraphQLFault{{Alias: "b0", Type: "undefinedField",
		Message: "Field 'ref' doesn't exist on type 'Repository'"}}})
	run("ReadOrg", "branch lookups through REST", []string{"GET /repos/{owner}/{repo}/branches/{branch}"}, func(ctx context.Context) error {
		_, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets"}, Branches: acmeWidgets})
		return err
	})
	srv.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "POST", Path: "/graphql", Status: http.StatusNotFound}}})
	run("ReadOrg", "REST only (no GraphQL)", []string{"GET /orgs/{org}/teams", "GET /orgs/{org}/teams/{team_slug}/members",
		"GET /orgs/{org}/repos", "GET /repos/{owner}/{repo}/teams", "GET /repos/{owner}/{repo}/collaborators", getProt,
		"GET /repos/{owner}/{repo}/rulesets", "GET /repos/{owner}/{repo}/rulesets/{ruleset_id}", "GET /repos/{owner}/{repo}/keys"},
		func(ctx context.Context) error {
			o, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Branches: acmeWidgets, Audit: true})
			if err != nil {
				return err
			}
			return expect(len(o.Repos) == 3, "%d repositories through REST", len(o.Repos))
		})
	run("ReadOrg", "REST only, named repositories", []string{"GET /repos/{owner}/{repo}"}, func(ctx context.Context) error {
		_, err := app.ReadOrg(ctx, "acme", ghapi.ReadOptions{Repos: []string{"widgets", "no-such-repo"}})
		return err
	})
	run("UserGrant", "REST only", []string{"GET /repos/{owner}/{repo}/collaborators"}, func(ctx context.Context) error {
		g, _, err := app.UserGrant(ctx, "acme", "widgets", "olga")
		if err != nil {
			return err
		}
		return expect(g != nil, "no grant for olga through REST")
	})
	srv.SetFaults(ghsim.Faults{})

	res.Exchanges = rec.exchanges()
	return res
}

// summary lists the steps, for -v output.
func (w *workloadResult) summary() string {
	var b strings.Builder
	for _, s := range w.Steps {
		fmt.Fprintf(&b, "%-60s %3d exchanges\n", s.String(), len(s.Seqs))
	}
	return b.String()
}
