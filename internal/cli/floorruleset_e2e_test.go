package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

const floorRulesetOrgFile = floorOrgFile + "floor_ruleset: true\nmin_reviews: 1\n"

// floorRulesetWorld is the loop org with floor_ruleset on and a writer App
// that holds Organization administration: write (the demo App holds read).
func floorRulesetWorld(t *testing.T) *world {
	t.Helper()
	w := newWorldWith(t, map[string]string{"acme.yaml": floorRulesetOrgFile, "acme/widget.yaml": widgetClaFile})
	w.useApp(t, ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read", "organization_administration": "write"})
	return w
}

// useApp installs a new App with perms on acme and runs permsync as it.
func (w *world) useApp(t *testing.T, perms ghsim.Permissions) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	id := w.Server.AddApp(ghsim.AppOptions{Slug: "permsync-writer", Name: "permsync writer", PublicKey: &key.PublicKey, Permissions: perms})
	w.Server.Install(id, "acme", nil)
	w.env = []string{
		"PERMSYNC_APP_ID=" + itoa(id),
		"PERMSYNC_APP_PRIVATE_KEY=" + string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"GITHUB_API_URL=" + w.Server.URL(),
	}
}

func floorRuleset(t *testing.T, w *world) ghsim.Ruleset {
	t.Helper()
	var found []ghsim.Ruleset
	for _, rs := range w.Server.Rulesets("acme", "") {
		if rs.Name == "permsync floor" {
			found = append(found, rs)
		}
	}
	require.Len(t, found, 1, "exactly one floor ruleset")
	return found[0]
}

func mustRun(t *testing.T, w *world, want int, args ...string) string {
	t.Helper()
	code, out, errOut := w.run(t, args...)
	require.Equal(t, want, code, "permsync %v\nstdout:\n%s\nstderr:\n%s", args, out, errOut)
	return out + errOut
}

// TestE2EFloorRuleset: floor_ruleset on → plan creates the org ruleset →
// apply → plan empty; each hand edit (evaluate, a bypass actor, a check
// removed or unpinned, a repository dropped, disabled) → plan restores it.
func TestE2EFloorRuleset(t *testing.T) {
	w := floorRulesetWorld(t)
	out := mustRun(t, w, ExitChanges, "plan", "--detailed-exitcode")
	assert.Contains(t, out, `org ruleset "permsync floor": create (repository admins cannot change it): active on the default branch of 3 repositories; checks EasyCLA (App 1003); 1 approval; bypass: org owners only`)
	mustRun(t, w, ExitOK, "apply", "--yes")

	rs := floorRuleset(t, w)
	assert.Equal(t, "active", rs.Enforcement)
	assert.Equal(t, []string{"~DEFAULT_BRANCH"}, rs.Include)
	assert.Empty(t, rs.Exclude)
	assert.Equal(t, []string{"gadget", "perms", "widget"}, rs.RepoInclude, "the managed repositories, and only those")
	assert.Equal(t, []ghsim.BypassActor{{ActorID: 1, ActorType: "OrganizationAdmin", BypassMode: "always"}}, rs.BypassActors)
	var types []string
	for _, r := range rs.Rules {
		types = append(types, r.Type)
		switch r.Type {
		case "required_status_checks":
			assert.Equal(t, []any{map[string]any{"context": "EasyCLA", "integration_id": float64(1003)}}, r.Parameters["required_status_checks"])
		case "pull_request":
			assert.EqualValues(t, 1, r.Parameters["required_approving_review_count"])
		}
	}
	assert.ElementsMatch(t, []string{"required_status_checks", "pull_request"}, types)

	// What floor_ruleset costs a plan: the org's rulesets listed once and
	// the floor ruleset read once, whatever the number of repositories.
	w.Server.ResetStats()
	assert.Contains(t, mustRun(t, w, ExitOK, "plan", "--detailed-exitcode"), "No changes")
	st := w.Server.Stats()
	assert.EqualValues(t, 1, st.ByRoute["GET /orgs/{org}/rulesets"], "%v", st.ByRoute)
	assert.EqualValues(t, 1, st.ByRoute["GET /orgs/{org}/rulesets/{ruleset_id}"], "%v", st.ByRoute)
	assert.Zero(t, st.ByRoute["POST /orgs/{org}/rulesets"]+st.ByRoute["PUT /orgs/{org}/rulesets/{ruleset_id}"], "a plan writes nothing")
	t.Logf("plan with floor_ruleset: %d requests: %v", st.Requests, st.ByRoute)

	for name, edit := range map[string]func(*ghsim.Ruleset){
		"evaluate": func(r *ghsim.Ruleset) { r.Enforcement = "evaluate" },
		"disabled": func(r *ghsim.Ruleset) { r.Enforcement = "disabled" },
		"bypass added": func(r *ghsim.Ruleset) {
			r.BypassActors = append(r.BypassActors, ghsim.BypassActor{ActorType: "RepositoryRole", ActorID: 2, BypassMode: "always"})
		},
		"check removed": func(r *ghsim.Ruleset) {
			r.Rules = slices.DeleteFunc(r.Rules, func(x ghsim.Rule) bool { return x.Type == "required_status_checks" })
		},
		"check unpinned": func(r *ghsim.Ruleset) {
			for i, x := range r.Rules {
				if x.Type == "required_status_checks" {
					r.Rules[i] = ghsim.RequiredStatusChecksRule(false, ghsim.StatusCheck{Context: "EasyCLA"})
				}
			}
		},
		"repository dropped":      func(r *ghsim.Ruleset) { r.RepoInclude = []string{"gadget", "perms"} },
		"default branch excluded": func(r *ghsim.Ruleset) { r.Exclude = []string{"~DEFAULT_BRANCH"} },
	} {
		t.Run(name, func(t *testing.T) {
			require.True(t, w.Server.EditRuleset(rs.ID, edit))
			out := mustRun(t, w, ExitChanges, "plan", "--detailed-exitcode")
			assert.Contains(t, out, `org ruleset "permsync floor": restore`)
			mustRun(t, w, ExitOK, "apply", "--yes")
			got := floorRuleset(t, w)
			assert.Equal(t, rs.ID, got.ID, "updated in place, never deleted")
			assert.Equal(t, "active", got.Enforcement)
			assert.Equal(t, rs.BypassActors, got.BypassActors)
			assert.Equal(t, rs.RepoInclude, got.RepoInclude)
			assert.Empty(t, got.Exclude)
			assert.Contains(t, mustRun(t, w, ExitOK, "plan", "--detailed-exitcode"), "No changes")
		})
	}
}

// TestE2EFloorRulesetWithoutOrgAdminWrite: the demo App holds Organization
// administration: read only. The plan names the missing permission at
// floor_ruleset, apply says it before writing and fails that one change,
// and no ruleset is written.
func TestE2EFloorRulesetWithoutOrgAdminWrite(t *testing.T) {
	w := newWorldWith(t, map[string]string{"acme.yaml": floorRulesetOrgFile, "acme/widget.yaml": widgetClaFile})
	before := len(w.Server.Rulesets("acme", ""))
	out := mustRun(t, w, ExitOK, "plan")
	assert.Contains(t, out, `acme.yaml:7:1: this token cannot write org ruleset "permsync floor", and GitHub shows who may bypass it only to one that can: apply needs the writer App to hold Organization administration: write`)
	code, stdout, errOut := w.run(t, "apply", "--yes")
	assert.Equal(t, ExitPartial, code, "stdout:\n%s\nstderr:\n%s", stdout, errOut)
	assert.Contains(t, errOut, "lacks permissions this command needs: organization_administration: write (has read)")
	assert.Regexp(t, `(?m)^✗ failed   acme: org ruleset "permsync floor": create \(repository admins cannot change it\): .*; bypass: org owners only: POST /orgs/acme/rulesets: 403`, stdout)
	assert.Len(t, w.Server.Rulesets("acme", ""), before, "no org ruleset written")

	// An App without Organization administration at all: the plan cannot
	// read the org's rulesets, and says so at floor_ruleset.
	w = newWorldWith(t, map[string]string{"acme.yaml": floorRulesetOrgFile, "acme/widget.yaml": widgetClaFile})
	w.useApp(t, ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read"})
	code, stdout, errOut = w.run(t, "plan")
	assert.Equal(t, ExitError, code, "stdout:\n%s\nstderr:\n%s", stdout, errOut)
	assert.Contains(t, stdout+errOut, "acme.yaml:7:1: floor_ruleset: the org's rulesets could not be read")
	assert.Contains(t, stdout+errOut, "give the writer App Organization administration: write, or set floor_ruleset: false")
}

// TestE2EFloorRulesetStandsInForClassicCLA is issue 11's reproduction with
// the floor ruleset standing: the repository file drops the classic CLA
// check; the floor ruleset (owner-only bypass, pinned App, active on the
// default branch) holds it, so the change is allowed, and GitHub still
// requires EasyCLA from App 1003 on main, in a ruleset no repository admin
// can change.
func TestE2EFloorRulesetStandsInForClassicCLA(t *testing.T) {
	w := floorRulesetWorld(t)
	mustRun(t, w, ExitOK, "apply", "--yes")
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "widget.yaml"), []byte(widgetNoChecks), 0o644))
	out := mustRun(t, w, ExitChanges, "plan", "--detailed-exitcode")
	assert.Contains(t, out, `stays required there by the active ruleset "permsync floor" (org acme), which nobody below an org owner can bypass`)
	mustRun(t, w, ExitOK, "apply", "--yes")
	p := w.Server.Protection("acme", "widget", "main")
	require.NotNil(t, p)
	if p.RequiredStatusChecks != nil {
		assert.Empty(t, p.RequiredStatusChecks.Checks)
	}
	rs := floorRuleset(t, w)
	assert.Equal(t, "active", rs.Enforcement)

	// Without the floor ruleset's stand-in (hand-disabled), the same file
	// is refused: the plan restores the ruleset, and the check
	// requirement must come back before the classic one may go.
	require.True(t, w.Server.EditRuleset(rs.ID, func(r *ghsim.Ruleset) { r.Enforcement = "disabled" }))
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "widget.yaml"), []byte(widgetClaFile), 0o644))
	mustRun(t, w, ExitOK, "apply", "--yes")
	require.NoError(t, os.WriteFile(filepath.Join(w.dir, "acme", "widget.yaml"), []byte(widgetNoChecks), 0o644))
	require.True(t, w.Server.EditRuleset(rs.ID, func(r *ghsim.Ruleset) { r.Enforcement = "evaluate" }))
	out = mustRun(t, w, ExitRefused, "plan")
	assert.Contains(t, out, `org ruleset "permsync floor": restore (repository admins cannot change it): enforcement evaluate → active`)
	assert.Contains(t, out, "EasyCLA is in the org's required_checks: where it is required it cannot stop being required")
}

// TestE2EFloorRulesetSavedReaderPlan: CI plans with the reader App, which
// cannot see the ruleset's bypass list; apply --plan with the writer App
// applies that saved plan (it is not stale for what the reader could not
// see) and restores the ruleset.
func TestE2EFloorRulesetSavedReaderPlan(t *testing.T) {
	w := newWorldWith(t, map[string]string{"acme.yaml": floorRulesetOrgFile, "acme/widget.yaml": widgetClaFile})
	reader := w.env // the demo App: Organization administration read
	w.useApp(t, ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read", "organization_administration": "write"})
	writer := w.env
	mustRun(t, w, ExitOK, "apply", "--yes")
	rs := floorRuleset(t, w)
	require.True(t, w.Server.EditRuleset(rs.ID, func(r *ghsim.Ruleset) { r.Enforcement = "evaluate" }))

	w.env = reader
	saved := filepath.Join(t.TempDir(), "plan.json")
	out := mustRun(t, w, ExitOK, "plan", "--format", "json", "--out", saved)
	_ = out
	w.env = writer
	mustRun(t, w, ExitOK, "apply", "--yes", "--plan", saved)
	assert.Equal(t, "active", floorRuleset(t, w).Enforcement)
}
