package posture

// The posture's policy: every workflow file, the events that may start it,
// and for each of its jobs the most its GITHUB_TOKEN may hold and the
// secrets it may read. A workflow or job not listed here is a finding, so
// that adding one means deciding (and reviewing) what it may have.

type role int

const (
	roleNone   role = iota
	rolePlan        // the pull request plan: a required check with the reader App
	roleApply       // the apply: the writer App's key, for the approved plan
	roleExpire      // the expiry job: the writer App's key, for expiries alone
)

type jobPolicy struct {
	permissions map[string]string // the most the job's token may hold
	secrets     []string          // the secrets it may read
	required    bool              // a required status check: never skipped, never filtered out
	role        role
}

type workflowPolicy struct {
	triggers []string // the events that may start it
	jobs     map[string]jobPolicy
}

const (
	readerKey = "PERMSYNC_READER_APP_PRIVATE_KEY"
	writerKey = "PERMSYNC_WRITER_APP_PRIVATE_KEY"
	// applyEnvironment holds the writer App's key (docs/setup.md).
	applyEnvironment = "permsync-apply"
	// expireEnvironment holds the writer App's key for the expiry job:
	// limited to the default branch, without required reviewers, as the
	// job can only remove grants whose expires: date a merged pull request
	// set (docs/setup.md).
	expireEnvironment = "permsync-expire"
	// applyGroup is the apply's concurrency group: the expiry job shares
	// it, so that the two never run at once.
	applyGroup = "permsync-apply"
	// readerEnvironment holds the reader App's key, limited to the default
	// branch (pull_request_target, schedule and pushes to it run there), so
	// that a pushed branch's workflow cannot read it.
	readerEnvironment = "permsync-read"
)

var policy = map[string]workflowPolicy{
	// The product's own CI: runs the pull request's code, so no secret.
	"ci.yml": {
		triggers: []string{"pull_request", "push"},
		jobs: map[string]jobPolicy{
			"ci": {permissions: map[string]string{"contents": "read"}},
		},
	},
	// A version tag's release: builds, attests and publishes the binaries.
	// No secret; the token writes the release and signs the provenance.
	"release.yml": {
		triggers: []string{"push"},
		jobs: map[string]jobPolicy{
			"release": {permissions: map[string]string{"contents": "write", "id-token": "write", "attestations": "write"}},
		},
	},
	// validate on every pull request, forks included: no secret.
	"permissions-validate.yml": {
		triggers: []string{"pull_request"},
		jobs: map[string]jobPolicy{
			"validate": {permissions: map[string]string{"contents": "read"}, required: true},
		},
	},
	// The plan, on pull_request_target: the reader App's key, the base's code,
	// the pull request's files as data; writes its comment.
	"permissions-pr.yml": {
		triggers: []string{"pull_request_target"},
		jobs: map[string]jobPolicy{
			"plan": {
				permissions: map[string]string{"contents": "read", "pull-requests": "write"},
				secrets:     []string{readerKey},
				required:    true,
				role:        rolePlan,
			},
		},
	},
	// The apply: a plan with the reader App, published before approval
	// (pull-requests: write comments it on the merged pull request; actions:
	// read finds the last successful apply, so that nothing a refused or
	// superseded run held is lost), then the apply of exactly that plan with
	// the writer App's key (pull-requests: write posts what was applied).
	"permissions-apply.yml": {
		triggers: []string{"push", "workflow_dispatch"},
		jobs: map[string]jobPolicy{
			"plan": {
				permissions: map[string]string{"contents": "read", "pull-requests": "write", "actions": "read"},
				secrets:     []string{readerKey},
			},
			"apply": {
				permissions: map[string]string{"contents": "read", "pull-requests": "write"},
				secrets:     []string{writerKey},
				role:        roleApply,
			},
		},
	},
	// Daily: the expiries, and nothing else, with the writer App's key
	// (actions: read finds the last approved apply, whose files bound what
	// may expire unreviewed).
	"permissions-expiry.yml": {
		triggers: []string{"schedule", "workflow_dispatch"},
		jobs: map[string]jobPolicy{
			"expire": {
				permissions: map[string]string{"contents": "read", "actions": "read"},
				secrets:     []string{writerKey},
				role:        roleExpire,
			},
		},
	},
	// Nightly: drift (the reader App writes the tracking issue itself, so the
	// token only reads) and audit (actions: read fetches last night's snapshot).
	"permissions-nightly.yml": {
		triggers: []string{"schedule", "workflow_dispatch"},
		jobs: map[string]jobPolicy{
			"drift": {permissions: map[string]string{"contents": "read"}, secrets: []string{readerKey}},
			"audit": {permissions: map[string]string{"contents": "read", "actions": "read"}, secrets: []string{readerKey}},
		},
	},
}
