package posture

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const workflowsDir = "../../.github/workflows"

// TestWorkflows checks the repository's own workflows against the posture.
func TestWorkflows(t *testing.T) {
	set, err := loadWorkflows(workflowsDir)
	require.NoError(t, err)
	require.NotEmpty(t, set)
	for _, f := range append(check(set), checkComplete(set)...) {
		t.Error(f)
	}
}

// TestAccept: the clean baseline that every reject case changes in one way
// passes, so that each case fails for its own reason.
func TestAccept(t *testing.T) {
	set, err := loadWorkflows("testdata/accept")
	require.NoError(t, err)
	for _, f := range append(check(set), checkComplete(set)...) {
		t.Error(f)
	}
}

// rejects: each case is the baseline with one thing wrong (its file's first
// line says what), and the rules that must catch it: exactly these.
var rejects = []struct {
	dir  string
	want []string
}{
	// pull_request jobs never meet a secret
	{"pr-secret-in-step", []string{ruleSecretsOnPR, ruleSecrets}},
	{"pr-secret-in-if", []string{ruleSecretsOnPR, ruleSecrets}},
	{"pr-secret-workflow-env", []string{ruleSecretsOnPR, ruleSecrets, ruleCredScope}},
	{"pr-reader-key", []string{ruleSecretsOnPR, ruleReaderSecrets, ruleKeyEnvironment}},
	// pins
	{"pin-tag", []string{rulePin}},
	{"pin-short-sha", []string{rulePin}},
	{"pin-no-comment", []string{rulePin}},
	{"pin-docker-tag", []string{rulePin}},
	// the token's rights
	{"permissions-missing", []string{rulePermissions}},
	{"permissions-top-write", []string{rulePermissions}},
	{"permissions-job-more", []string{rulePermissions}},
	{"permissions-apply-contents-write", []string{rulePermissions}},
	// the policy knows every workflow, job and event
	{"policy-unknown-workflow", []string{rulePolicy}},
	{"policy-unknown-job", []string{rulePolicy, rulePermissions}},
	{"triggers-workflow-run", []string{ruleTriggers}},
	// hygiene
	{"timeout-missing", []string{ruleTimeout}},
	{"persist-credentials", []string{rulePersist}},
	{"persist-credentials-true", []string{rulePersist}},
	{"credentials-job-env", []string{ruleCredScope}},
	// the reader and writer Apps' keys
	{"writer-in-nightly", []string{ruleWriterSecrets}},
	{"reader-in-apply", []string{ruleReaderSecrets}},
	{"writer-to-action", []string{ruleWriterSecrets}},
	{"writer-job-env", []string{ruleWriterSecrets, ruleCredScope}},
	// pull_request_target: the base's code, the pull request's files as data
	{"prt-checkout-head", []string{rulePRTCheckout}},
	{"prt-checkout-merge-via-env", []string{rulePRTCheckout}},
	{"prt-checkout-fork", []string{rulePRTCheckout}},
	{"prt-git-checkout", []string{rulePRTCheckout}},
	{"prt-fetch-into-workspace", []string{rulePRTFetch}},
	{"prt-fetch-curl", []string{rulePRTFetch}},
	{"prt-tar-into-workspace", []string{rulePRTFetch}},
	{"prt-script-from-pr", []string{rulePRTExec}},
	{"prt-make-in-pr-dir", []string{rulePRTExec}},
	{"prt-go-build-after-fetch", []string{rulePRTExec, ruleInstall}},
	{"prt-binary-from-pr", []string{rulePRTExec, ruleInstall}},
	{"prt-cache", []string{ruleCache, ruleInstall}},
	// required checks always report, never as skipped
	{"required-job-if", []string{ruleRequiredCheck}},
	{"required-paths", []string{ruleRequiredCheck}},
	{"required-types", []string{ruleRequiredCheck}},
	{"required-continue-on-error", []string{ruleRequiredCheck}},
	{"required-twin", []string{ruleRequiredCheck}},
	// the plan fails on exit 1 and 3, and without the reader App
	{"plan-skipped-without-key", []string{rulePlanGate}},
	{"plan-no-key-guard", []string{rulePlanGate}},
	{"plan-gate-passes-refusals", []string{rulePlanGate}},
	{"plan-gate-fails-changes", []string{rulePlanGate}},
	{"plan-gate-missing", []string{rulePlanGate}},
	{"plan-gate-ignored", []string{rulePlanGate}},
	// the apply
	{"apply-trigger-any-branch", []string{ruleApplyTrigger}},
	{"apply-trigger-pattern", []string{ruleApplyTrigger}},
	{"apply-trigger-pull-request", []string{ruleTriggers, rulePRTFetch}},
	{"apply-if-missing", []string{ruleApplyIf}},
	{"apply-if-widened", []string{ruleApplyIf}},
	{"apply-if-negated", []string{ruleApplyIf}},
	{"apply-no-environment", []string{ruleApplyEnv}},
	{"apply-other-environment", []string{ruleApplyEnv}},
	{"apply-cancel-in-progress", []string{ruleApplyConcurrent}},
	{"apply-concurrency-per-commit", []string{ruleApplyConcurrent}},
	{"apply-no-concurrency", []string{ruleApplyConcurrent}},
	{"apply-head-check-missing", []string{ruleApplyHead}},
	{"apply-head-check-after", []string{ruleApplyHead}},
	{"apply-head-check-warns", []string{ruleApplyHead}},
	{"apply-head-check-local", []string{ruleApplyHead}},
	{"apply-head-check-skippable", []string{ruleApplyHead}},
	{"apply-cache", []string{ruleCache, ruleInstall}},
	{"apply-without-plan", []string{ruleApplyPlan}},
	{"apply-plan-unverified", []string{ruleApplyPlan}},
	{"apply-plan-skippable-check", []string{ruleApplyPlan}},
	{"apply-plan-other-run", []string{ruleApplyPlan}},
	// the expiry job: the writer App's key for expiries alone
	{"expiry-without-expiries-only", []string{ruleExpiryOnly}},
	{"expiry-without-approved-ref", []string{ruleExpiryOnly}},
	{"expiry-then-full-apply", []string{ruleExpiryOnly}},
	{"expiry-no-environment", []string{ruleApplyEnv}},
	{"expiry-other-group", []string{ruleApplyConcurrent}},
	{"expiry-cache", []string{ruleCache, ruleInstall}},
	{"expiry-head-check-missing", []string{ruleApplyHead}},
	{"expiry-if-missing", []string{ruleApplyIf}},
	{"expiry-trigger-push", []string{ruleTriggers}},
	{"expiry-writer-job-env", []string{ruleWriterSecrets, ruleCredScope}},
	{"expiry-anchor-skipped-apply", []string{ruleExpiryAnchor}},
	{"expiry-anchor-successful-runs-only", []string{ruleExpiryAnchor}},
	{"expiry-anchor-latest-attempt-only", []string{ruleExpiryAnchor}},
	// the reader App's key: only in its default-branch environment, no cache
	{"reader-no-environment", []string{ruleKeyEnvironment}},
	{"reader-cache", []string{ruleCache, ruleInstall}},
	// permsync comes from this repository's install action, pinned, verified
	{"install-build-in-key-job", []string{ruleInstall}},
	{"install-go-run", []string{ruleInstall}},
	{"install-by-tag", []string{rulePin}},
	{"install-other-action", []string{ruleInstall}},
	{"install-local-action", []string{ruleInstall}},
	{"install-version-latest", []string{ruleInstall}},
	{"install-comment-mismatch", []string{ruleInstall}},
	{"install-provenance-auto", []string{ruleInstall}},
	{"install-provenance-missing", []string{ruleInstall}},
	{"install-versions-differ", []string{ruleInstall}},
	{"install-runs-other-binary", []string{ruleInstall}},
	{"install-missing", []string{ruleInstall}},
	{"install-sha256-malformed", []string{ruleInstall}},
	{"install-other-releases", []string{ruleInstall}},
	{"install-pin-unknown-commit", []string{ruleInstallPin}},
	{"install-pin-other-action", []string{ruleInstallPin}},
	// a job holding a key pins the release's bytes or source commit
	{"install-source-missing", []string{ruleInstallSource}},
	{"install-source-not-in-history", []string{ruleInstallSource}},
	{"install-source-abbreviated", []string{ruleInstallSource}},
	{"install-source-differs", []string{ruleInstallSource}},
	{"install-sha256-only-malformed", []string{ruleInstall}},
	// the install action's env is its own
	{"install-env-gh-job", []string{ruleInstallEnv}},
	{"install-env-release-url-workflow", []string{ruleInstallEnv}},
	{"install-env-github-env", []string{ruleInstallEnv}},
	{"install-env-github-path", []string{ruleInstallEnv}},
}

func TestReject(t *testing.T) {
	for _, tc := range rejects {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join("testdata/reject", tc.dir)
			set, err := loadWorkflows(dir)
			require.NoError(t, err)
			require.NotEmpty(t, set, dir)
			var got []string
			for _, f := range check(set) {
				got = append(got, f.Rule)
				// Every message names the file and the job, or the workflow alone.
				s := f.String()
				assert.True(t, strings.HasPrefix(s, ".github/workflows/"+f.File+":"), s)
				if f.Job != "" {
					assert.Contains(t, s, `job "`+f.Job+`"`)
				}
				t.Log(s)
			}
			want := slices.Clone(tc.want)
			slices.Sort(want)
			assert.Equal(t, want, uniq(got), "rules that caught %s", dir)
		})
	}
}

// TestRejectCasesListed: every case in testdata/reject is in the table, and
// every rule has a case that only it catches or shares.
func TestRejectCasesListed(t *testing.T) {
	entries, err := os.ReadDir("testdata/reject")
	require.NoError(t, err)
	listed := map[string]bool{}
	covered := map[string]bool{}
	for _, tc := range rejects {
		listed[tc.dir] = true
		for _, r := range tc.want {
			covered[r] = true
		}
	}
	for _, e := range entries {
		assert.True(t, listed[e.Name()], "testdata/reject/%s is not in the rejects table", e.Name())
	}
	for _, r := range []string{
		rulePolicy, ruleTriggers, rulePin, rulePermissions, ruleTimeout, rulePersist, ruleCredScope,
		ruleSecretsOnPR, ruleSecrets, ruleReaderSecrets, ruleWriterSecrets, rulePRTCheckout, rulePRTFetch,
		rulePRTExec, ruleCache, ruleRequiredCheck, rulePlanGate, ruleApplyTrigger, ruleApplyIf,
		ruleApplyEnv, ruleApplyConcurrent, ruleApplyHead, ruleKeyEnvironment, ruleApplyPlan, ruleExpiryOnly,
		ruleExpiryAnchor, ruleInstall, ruleInstallPin, ruleInstallSource, ruleInstallEnv,
	} {
		assert.True(t, covered[r], "no reject case for rule %s", r)
	}
}

// TestFindingNamesStep: a finding in a step names the file, the line, the
// job and the step.
func TestFindingNamesStep(t *testing.T) {
	set, err := loadWorkflows("testdata/reject/apply-head-check-warns")
	require.NoError(t, err)
	fs := check(set)
	require.Len(t, fs, 1)
	assert.Regexp(t, `^\.github/workflows/permissions-apply\.yml:\d+: job "apply", step "Apply with the writer App": \[apply-head-check\] `+
		`.*step "Refuse unless this commit is the head of the default branch" does not refuse when the default branch has moved on`, fs[0].String())
}

// TestCheckCompleteNamesMissing: a workflow or job of the policy that is
// gone is reported.
func TestCheckCompleteNamesMissing(t *testing.T) {
	set, err := loadWorkflows("testdata/accept")
	require.NoError(t, err)
	var kept []*workflow
	for _, w := range set {
		switch w.File {
		case "permissions-apply.yml":
		case "permissions-nightly.yml":
			w.Jobs = w.Jobs[:1]
			kept = append(kept, w)
		default:
			kept = append(kept, w)
		}
	}
	var got []string
	for _, f := range checkComplete(kept) {
		got = append(got, f.String())
	}
	assert.Equal(t, []string{
		".github/workflows/permissions-apply.yml: [policy] the policy expects this workflow",
		`.github/workflows/permissions-nightly.yml: job "audit", [policy] the policy expects this job`,
	}, got)
}
