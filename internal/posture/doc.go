// Package posture holds only tests. They guard the security posture of the
// GitHub Actions workflows in .github/workflows/: what decides who and what
// can reach the reader and writer Apps' keys, and the token of each run.
//
// The tests parse each workflow as YAML into typed structs (gopkg.in/yaml.v3)
// and check it against the rules below, naming the file, line, job and step
// of every breach and the rule it breaks:
//
//   - pull requests never meet a secret: a job started by pull_request (the
//     pull request's own code) uses none, not even through workflow env;
//   - a pull_request_target job never checks out, builds or runs the pull
//     request's code: no checkout of its head or merge ref, no git command
//     that writes a working tree, its files fetched only by git into a
//     repository under $RUNNER_TEMP, and after that fetch nothing runs but
//     the binary built from the base before it;
//   - every action is pinned to a full commit SHA, with a version comment;
//   - every workflow's token starts with no rights or read-only ones, and each
//     job holds at most what the policy (policy_test.go) grants it; a workflow,
//     job or event the policy does not list is a breach;
//   - the writer App's key is read only by the apply job, only in the env of
//     the run step that applies: on a push to the default branch or a manual
//     dispatch, behind a job condition on the default branch, in the
//     permsync-apply environment, one run at a time and never cancelled, after
//     a step that refuses unless the commit is still the head of the default
//     branch; and it applies only the plan published for approval: apply
//     --plan of an artifact of this run, after a step that cannot be
//     skipped checks its sha256 against the plan job's output;
//   - the daily expiry job (permissions-expiry.yml) is the only other job
//     with the writer App's key: on a schedule or a manual dispatch, behind a
//     job condition on the default branch, in the permsync-expire
//     environment, in the apply's concurrency group (never cancelled), after
//     the same head check, and its writer step runs nothing but
//     permsync apply --expiries-only --approved-ref (the last approved
//     apply's commit: only what its files let expire is removed);
//   - the reader App's key is read only by the plan, drift and audit jobs,
//     and only in the permsync-read environment (limited to the default
//     branch, so that a branch's own workflow cannot print it);
//   - credentials are given to steps, never to a whole job or workflow; jobs
//     holding either key or running on pull_request_target restore no cache;
//   - permsync reaches every job of a permissions-*.yml one way: this
//     repository's install action (.github/actions/install), pinned to a
//     full commit SHA with the release in its comment, installs one pinned
//     version (vX.Y.Z, the same in every workflow, the same sha256 when
//     given), and the job runs the permsync it put on PATH; no setup-go and
//     no go command in those jobs; a job holding either key requires the
//     build provenance (verify-provenance: "true") and pins the release's
//     source (source-commit, an ancestor of HEAD) or bytes (sha256), one
//     value everywhere;
//   - no workflow or job env sets a PERMSYNC_* other than the App's
//     credentials, and no job holding a key writes $GITHUB_ENV or
//     $GITHUB_PATH: nothing steers the install action;
//   - the commit the install action is pinned to is in this repository's git
//     history, and its .github/actions/install is the working tree's (same
//     files, same git object ids and modes): the action that runs is the
//     one tested here (a full clone is needed; a shallow one says so);
//   - checkouts do not persist credentials; every job has a timeout;
//   - the required checks (plan, validate) always report and are never
//     skipped: no job condition, no path filter, no other pull request job
//     under their name; the plan fails when the reader App is not
//     configured, and on exit 1 and 3.
//
// Some steps are run rather than read, with bash, in a scratch directory:
// the apply's head check (against stubbed git and gh, once at the head, once
// behind it), the plan's gate (once per exit code), the apply's check of the
// plan's fingerprint, and the lookups that pick an earlier run: the apply's
// last successful apply, the nightly's previous snapshot and the last
// approved apply of the expiry job and of the apply (in a real git
// repository, with jq, against crafted lists of runs: a tag or branch named
// like the default one, another workflow, another event, a failed run; and
// of each run's jobs: an apply job skipped, failed, missing, named
// otherwise, of another run), the apply's list of expires: dates changed
// since that approved apply (which asks for the approval even with nothing
// to change on GitHub), and, with permsync installed as the install action leaves it
// (built once from this tree, saying the pinned version, at
// $RUNNER_TEMP/permsync-<version>/bin, first on PATH; go refused), the
// validate step on permissions/ and the expiry job's writer step against the
// simulated org.
//
// testdata/accept is a clean set of workflows; each case of testdata/reject
// changes it in one way that the checker must reject for that reason alone,
// so that no rule passes vacuously.
package posture
