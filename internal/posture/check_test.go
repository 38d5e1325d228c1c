package posture

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// finding is one breach of the posture, named by rule, file, job and step.
type finding struct {
	Rule string
	File string
	Line int
	Job  string
	Step string
	Msg  string
}

func (f finding) String() string {
	var b strings.Builder
	b.WriteString(".github/workflows/" + f.File)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
	}
	b.WriteString(": ")
	if f.Job != "" {
		fmt.Fprintf(&b, "job %q, ", f.Job)
	}
	if f.Step != "" {
		b.WriteString(f.Step + ": ")
	}
	fmt.Fprintf(&b, "[%s] %s", f.Rule, f.Msg)
	return b.String()
}

// The rules, each a short name a finding carries.
const (
	rulePolicy          = "policy"                  // a workflow or job the policy does not know
	ruleTriggers        = "triggers"                // an event the policy does not allow
	rulePin             = "pin"                     // uses: not pinned to a commit SHA with a version comment
	rulePermissions     = "permissions"             // the token holds more than the policy allows
	ruleTimeout         = "timeout"                 // a job without timeout-minutes
	rulePersist         = "persist-credentials"     // a checkout leaving the token in .git/config
	ruleCredScope       = "credentials-scope"       // a credential in workflow or job env: every step gets it
	ruleSecretsOnPR     = "secrets-on-pull-request" // a pull_request job reads a secret
	ruleSecrets         = "secrets"                 // a secret the policy does not give the job
	ruleReaderSecrets   = "reader-secrets"          // the reader App's key outside plan, drift and audit
	ruleWriterSecrets   = "writer-secrets"          // the writer App's key outside the apply job's run steps
	rulePRTCheckout     = "pr-target-checkout"      // a pull_request_target job checks out the pull request
	rulePRTFetch        = "pr-target-fetch"         // pull request content fetched other than by git into $RUNNER_TEMP
	rulePRTExec         = "pr-target-exec"          // code run where pull request content is
	ruleCache           = "cache"                   // a privileged job restores a cache
	ruleRequiredCheck   = "required-check"          // a required check that can be skipped or filtered out
	rulePlanGate        = "plan-gate"               // the plan does not fail on exit 1 or 3, or on missing secrets
	ruleApplyTrigger    = "apply-trigger"           // apply starts on more than a push to the default branch
	ruleApplyIf         = "apply-if"                // apply's job condition does not pin the default branch
	ruleApplyEnv        = "apply-environment"       // apply outside the environment holding the writer key
	ruleApplyConcurrent = "apply-concurrency"       // applies may overlap or be cancelled midway
	ruleApplyHead       = "apply-head-check"        // no refusal unless the commit is the default branch's head
	ruleKeyEnvironment  = "key-environment"         // the reader App's key read outside its default-branch environment
	ruleApplyPlan       = "apply-plan"              // the apply does not apply exactly the plan published for approval
	ruleExpiryOnly      = "expiry-only"             // the expiry job's writer step may apply more than expiries
	ruleExpiryAnchor    = "expiry-anchor"           // the expiry job's --approved-ref may be a run nobody approved
	ruleInstall         = "install"                 // permsync not installed by this repository's pinned install action, or built from source
	ruleInstallPin      = "install-pin"             // the install action's commit is not in this history, or its action is not this tree's
	ruleInstallSource   = "install-source"          // a job holding a key installs a release whose bytes or source commit nobody pinned
	ruleInstallEnv      = "install-env"             // a caller's env, $GITHUB_ENV or $GITHUB_PATH could steer the install action
)

type checker struct {
	findings []finding
}

func (c *checker) add(rule string, w *workflow, j *job, s *step, line int, format string, args ...any) {
	f := finding{Rule: rule, File: w.File, Line: line, Msg: fmt.Sprintf(format, args...)}
	if j != nil {
		f.Job = j.ID
	}
	if s != nil {
		f.Step = s.label()
		if f.Line == 0 {
			f.Line = s.Line
		}
	}
	if f.Line == 0 && j != nil && j.node != nil {
		f.Line = j.node.Line
	}
	c.findings = append(c.findings, f)
}

// check returns every breach of the posture in a set of workflows.
func check(set []*workflow) []finding {
	c := &checker{}
	for _, w := range set {
		c.workflow(w)
	}
	c.requiredNames(set)
	c.installSet(set)
	sort.SliceStable(c.findings, func(i, k int) bool {
		a, b := c.findings[i], c.findings[k]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return c.findings
}

// checkComplete reports the workflows and jobs of the policy that are missing.
func checkComplete(set []*workflow) []finding {
	var out []finding
	files := map[string]*workflow{}
	for _, w := range set {
		files[w.File] = w
	}
	for _, name := range sortedKeys(policy) {
		w, ok := files[name]
		if !ok {
			out = append(out, finding{Rule: rulePolicy, File: name, Msg: "the policy expects this workflow"})
			continue
		}
		for _, id := range sortedKeys(policy[name].jobs) {
			if !slices.ContainsFunc(w.Jobs, func(j *job) bool { return j.ID == id }) {
				out = append(out, finding{Rule: rulePolicy, File: name, Job: id, Msg: "the policy expects this job"})
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *checker) workflow(w *workflow) {
	pol, known := policy[w.File]
	if !known {
		c.add(rulePolicy, w, nil, nil, 1, "workflow not in the posture policy (internal/posture/policy_test.go): add it with the least each job needs")
	}
	for _, ev := range w.On.names() {
		if known && !slices.Contains(pol.triggers, ev) {
			c.add(ruleTriggers, w, nil, nil, 0, "starts on %q; the policy allows %s", ev, strings.Join(pol.triggers, ", "))
		}
	}
	switch {
	case w.Permissions == nil:
		c.add(rulePermissions, w, nil, nil, 0, "no top-level permissions: every job without its own gets the repository's default token rights; write permissions: {}")
	default:
		for scope, level := range sortedLevels(w.Permissions) {
			if level != "read" {
				c.add(rulePermissions, w, nil, nil, w.Permissions.Line, "top-level permissions grant %s: %s; they must be {} or read-only, with each job granted what it needs", scope, level)
			}
		}
	}
	for _, k := range sortedKeys(w.Env) {
		if credentials(w.Env[k].Value) != nil {
			c.add(ruleCredScope, w, nil, nil, w.Env[k].Line, "workflow env %s holds a credential: every step of every job gets it; give it to the step that needs it", k)
		}
	}
	for _, j := range w.Jobs {
		jp, ok := pol.jobs[j.ID]
		if known && !ok {
			c.add(rulePolicy, w, j, nil, 0, "job not in the posture policy (internal/posture/policy_test.go): add it with the least it needs")
		}
		c.job(w, j, jp)
	}
}

// sortedLevels iterates a token's rights by scope.
func sortedLevels(p *permissions) func(func(string, string) bool) {
	levels := p.levels()
	return func(yield func(string, string) bool) {
		for _, k := range sortedKeys(levels) {
			if !yield(k, levels[k]) {
				return
			}
		}
	}
}

var rank = map[string]int{"": 0, "none": 0, "read": 1, "write": 2}

func (c *checker) job(w *workflow, j *job, jp jobPolicy) {
	_, onPR := w.On["pull_request"]
	_, onPRT := w.On["pull_request_target"]

	if j.Uses.Value == "" && !j.TimeoutMinutes.set {
		c.add(ruleTimeout, w, j, nil, 0, "no timeout-minutes: a hung job holds its token (and the runner) for 6 hours")
	}

	if eff := j.Permissions; eff != nil || w.Permissions != nil {
		if eff == nil {
			eff = w.Permissions
		}
		for scope, level := range sortedLevels(eff) {
			if rank[level] > rank[jp.permissions[scope]] {
				allowed := jp.permissions[scope]
				if allowed == "" {
					allowed = "none"
				}
				c.add(rulePermissions, w, j, nil, eff.Line, "the token may hold %s: %s; the policy allows %s", scope, level, allowed)
			}
		}
	}

	for _, k := range sortedKeys(j.Env) {
		if credentials(j.Env[k].Value) != nil {
			c.add(ruleCredScope, w, j, nil, j.Env[k].Line, "job env %s holds a credential: every step (and every action) of the job gets it; give it to the steps that need it", k)
		}
	}

	// Secrets: anywhere in the job, and in the workflow's env.
	refs := secretRefs(j.node)
	for _, v := range w.Env {
		refs = append(refs, secretsIn(exprText("", v.Value))...)
	}
	refs = uniq(refs)
	if onPR && (len(refs) > 0 || !j.Secrets.IsZero()) {
		c.add(ruleSecretsOnPR, w, j, nil, 0, "runs on pull_request (the pull request's code, forks included) and uses secrets %s", strings.Join(append(refs, secretsPassed(j)...), ", "))
	}
	if !j.Secrets.IsZero() && !onPR {
		c.add(ruleSecrets, w, j, nil, j.Secrets.Line, "passes secrets to a reusable workflow")
	}
	for _, name := range refs {
		if slices.Contains(jp.secrets, name) || name == "GITHUB_TOKEN" {
			continue
		}
		switch {
		case strings.HasPrefix(name, "PERMSYNC_WRITER_"):
			c.add(ruleWriterSecrets, w, j, nil, 0, "reads secrets.%s: the writer App's key belongs to the apply and expiry jobs alone", name)
		case strings.HasPrefix(name, "PERMSYNC_READER_"):
			c.add(ruleReaderSecrets, w, j, nil, 0, "reads secrets.%s: the reader App's key belongs to the plan, drift and audit jobs alone", name)
		default:
			c.add(ruleSecrets, w, j, nil, 0, "reads secrets.%s, which the policy does not give this job", name)
		}
	}
	writer := slices.ContainsFunc(refs, func(s string) bool { return strings.HasPrefix(s, "PERMSYNC_WRITER_") || s == "*" })
	if writer {
		c.writerOnlyInRunEnv(w, j)
	}
	reader := slices.ContainsFunc(refs, func(s string) bool { return strings.HasPrefix(s, "PERMSYNC_READER_") || s == "*" })
	if reader && !writer && (j.Environment == nil || j.Environment.Name.Value != readerEnvironment) {
		// The environment, limited to the default branch, is what keeps the
		// key from a workflow someone pushed on another branch.
		c.add(ruleKeyEnvironment, w, j, nil, 0, "reads the reader App's key outside the %q environment: as a repository secret, any branch's workflow could print it; keep it in that environment, limited to the default branch (docs/setup.md)", readerEnvironment)
	}

	if j.Uses.Value != "" {
		c.pin(w, j, nil, j.Uses)
	}
	for _, s := range j.Steps {
		if s.Uses.Value != "" {
			c.pin(w, j, s, s.Uses)
		}
		if s.action() == "actions/checkout" {
			if v := s.With["persist-credentials"]; v.Value != "false" {
				c.add(rulePersist, w, j, s, v.Line, "checkout without persist-credentials: false leaves the token in .git/config for every later step")
			}
		}
		if onPRT || writer || reader {
			c.cache(w, j, s)
		}
	}

	if templateWorkflow(w) {
		c.install(w, j, reader || writer)
	}
	if jp.required {
		c.required(w, j)
	}
	if onPRT {
		c.prTarget(w, j)
	}
	switch jp.role {
	case rolePlan:
		c.plan(w, j)
	case roleApply, roleExpire:
		c.apply(w, j, jp.role)
	}
}

func uniq(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}

func secretsPassed(j *job) []string {
	if j.Secrets.IsZero() {
		return nil
	}
	return []string{"(passed to a reusable workflow)"}
}

// pin: every action and reusable workflow at a full commit SHA, with the
// version it is in a comment.
var (
	shaPinned     = regexp.MustCompile(`^[^@\s]+@[0-9a-f]{40}$`)
	digestPinned  = regexp.MustCompile(`^docker://[^@\s]+@sha256:[0-9a-f]{64}$`)
	versionRemark = regexp.MustCompile(`^#\s*v?[0-9]+(\.[0-9]+)*\b`)
)

func (c *checker) pin(w *workflow, j *job, s *step, uses str) {
	v := uses.Value
	switch {
	case strings.HasPrefix(v, "./"):
		return // this repository's own, at the commit being run
	case strings.HasPrefix(v, "docker://"):
		if !digestPinned.MatchString(v) {
			c.add(rulePin, w, j, s, uses.Line, "%s is not pinned to an image digest (@sha256:...)", v)
		}
		return
	case !shaPinned.MatchString(v):
		c.add(rulePin, w, j, s, uses.Line, "%s is not pinned to a full 40-hex commit SHA: a tag or branch can be moved to other code", v)
		return
	}
	if !versionRemark.MatchString(uses.Comment) {
		c.add(rulePin, w, j, s, uses.Line, "%s has no version comment (# vX.Y.Z): reviewers and Dependabot cannot tell what it is", v)
	}
}

// cache: a job holding a key must not restore a cache another run could
// have written.
func (c *checker) cache(w *workflow, j *job, s *step) {
	switch a := s.action(); {
	case a == "actions/setup-go":
		if s.With["cache"].Value != "false" {
			c.add(ruleCache, w, j, s, s.Uses.Line, "setup-go restores the Go build cache by default: set cache: false in a job that holds a key or runs on pull_request_target (a poisoned cache would run with it)")
		}
	case a == "actions/cache" || strings.HasPrefix(a, "actions/cache/"):
		c.add(ruleCache, w, j, s, s.Uses.Line, "restores a cache in a job that holds a key or runs on pull_request_target: a poisoned cache would run with it")
	}
}

// required: a required check must always report, and never as skipped.
func (c *checker) required(w *workflow, j *job) {
	if j.If.set {
		c.add(ruleRequiredCheck, w, j, nil, j.If.Line, "a required check with a job condition: a skipped job reports success and satisfies the required check")
	}
	if truthy(j.ContinueOnError) {
		c.add(ruleRequiredCheck, w, j, nil, j.ContinueOnError.Line, "a required check with continue-on-error: its failure would not block the merge")
	}
	for _, ev := range []string{"pull_request", "pull_request_target"} {
		tr, ok := w.On[ev]
		if !ok || tr == nil {
			continue
		}
		if len(tr.Paths) > 0 || len(tr.PathsIgnore) > 0 || len(tr.BranchesIgnore) > 0 {
			c.add(ruleRequiredCheck, w, j, nil, 0, "%s is filtered (paths, paths-ignore or branches-ignore): a pull request it filters out waits forever for the required check; decide inside the job instead", ev)
		}
		if len(tr.Types) > 0 {
			for _, t := range []string{"opened", "synchronize", "reopened"} {
				if !slices.Contains(tr.Types, t) {
					c.add(ruleRequiredCheck, w, j, nil, 0, "%s types leave out %q: the required check would not run for that commit", ev, t)
				}
			}
		}
	}
}

// requiredNames: no other pull request job may report under a required
// check's name (a skipped one would satisfy it).
func (c *checker) requiredNames(set []*workflow) {
	for _, w := range set {
		for _, j := range w.Jobs {
			if !policy[w.File].jobs[j.ID].required {
				continue
			}
			for _, w2 := range set {
				_, pr := w2.On["pull_request"]
				_, prt := w2.On["pull_request_target"]
				if !pr && !prt {
					continue
				}
				for _, j2 := range w2.Jobs {
					if j2 != j && strings.EqualFold(j2.checkName(), j.checkName()) {
						c.add(ruleRequiredCheck, w2, j2, nil, 0, "reports a check named %q, like the required check of %s: a skipped one would satisfy it", j.checkName(), w.File)
					}
				}
			}
		}
	}
}

// writerOnlyInRunEnv: the writer App's key goes only into the env of run
// steps, never to an action, a job-level setting or a condition.
func (c *checker) writerOnlyInRunEnv(w *workflow, j *job) {
	inSteps := 0
	for _, s := range j.Steps {
		all := countWriter(s.node)
		if all == 0 {
			continue
		}
		inSteps += all
		inEnv := 0
		for _, v := range s.Env {
			inEnv += countWriterIn(exprText("", v.Value))
		}
		if all > inEnv || s.Run.Value == "" {
			c.add(ruleWriterSecrets, w, j, s, 0, "the writer App's key is used here other than in the env of a run step")
		}
	}
	if countWriter(j.node) > inSteps {
		c.add(ruleWriterSecrets, w, j, nil, 0, "the writer App's key is used at job level: only the env of the run step that applies may hold it")
	}
}

func countWriter(n *yaml.Node) int {
	total := 0
	walkScalars(n, func(key string, v *yaml.Node) {
		total += countWriterIn(exprText(key, v.Value))
	})
	return total
}

func countWriterIn(s string) int {
	n := 0
	for _, name := range secretsIn(s) {
		if strings.HasPrefix(name, "PERMSYNC_WRITER_") || name == "*" {
			n++
		}
	}
	return n
}

func truthy(s str) bool {
	return s.set && s.Value != "false"
}

// Expressions, secrets and credentials.

var (
	expression = regexp.MustCompile(`(?s)\$\{\{(.*?)\}\}`)
	secretRef  = regexp.MustCompile(`\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])|\bsecrets\b`)
	tokenRef   = regexp.MustCompile(`\bgithub\s*(?:\.\s*token\b|\[\s*['"]token['"]\s*\])`)
)

// exprText is the expression text of a value: its ${{ }} parts, or all of
// it for a condition (if: is an expression without ${{ }}).
func exprText(key, v string) string {
	if key == "if" {
		return v
	}
	var b strings.Builder
	for _, m := range expression.FindAllStringSubmatch(v, -1) {
		b.WriteString(m[1] + "\n")
	}
	return b.String()
}

// secretsIn lists the secrets an expression text reads ("*" for all).
func secretsIn(expr string) []string {
	var out []string
	for _, m := range secretRef.FindAllStringSubmatch(expr, -1) {
		switch {
		case m[1] != "":
			out = append(out, m[1])
		case m[2] != "":
			out = append(out, m[2])
		default:
			out = append(out, "*")
		}
	}
	return out
}

// credentials lists the secrets and tokens a value's expressions read.
func credentials(v string) []string {
	e := exprText("", v)
	out := secretsIn(e)
	if tokenRef.MatchString(e) {
		out = append(out, "github.token")
	}
	return out
}

// secretRefs lists the secrets read anywhere under a node.
func secretRefs(n *yaml.Node) []string {
	var out []string
	walkScalars(n, func(key string, v *yaml.Node) {
		out = append(out, secretsIn(exprText(key, v.Value))...)
	})
	return out
}

// walkScalars calls f on every scalar value under n, with the mapping key
// it is the value of ("" in a list).
func walkScalars(n *yaml.Node, f func(key string, v *yaml.Node)) {
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		if n == nil {
			return
		}
		switch n.Kind {
		case yaml.ScalarNode:
			f(key, n)
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], n.Content[i].Value)
			}
		default:
			for _, c := range n.Content {
				walk(c, "")
			}
		}
	}
	walk(n, "")
}

// Shell variables and env.

var varRef = regexp.MustCompile(`\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

// expand replaces the variables of env in s with their (unevaluated) values.
func expand(s string, env map[string]string) string {
	for range 3 {
		s = varRef.ReplaceAllStringFunc(s, func(m string) string {
			sm := varRef.FindStringSubmatch(m)
			name := sm[1] + sm[2] + sm[3]
			if v, ok := env[name]; ok {
				return v
			}
			return m
		})
	}
	return s
}

// envOf merges the env of the workflow, the job and the step.
func envOf(w *workflow, j *job, s *step) map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]str{w.Env, j.Env} {
		for k, v := range m {
			out[k] = v.Value
		}
	}
	if s != nil {
		for k, v := range s.Env {
			out[k] = v.Value
		}
	}
	return out
}

var runnerTempExpr = regexp.MustCompile(`\$\{\{\s*runner\.temp\s*\}\}`)

// runnerTemp normalises the spellings of $RUNNER_TEMP in a path.
func runnerTemp(p string) string {
	p = strings.ReplaceAll(p, "${RUNNER_TEMP}", "$RUNNER_TEMP")
	return runnerTempExpr.ReplaceAllString(p, "$$RUNNER_TEMP")
}

func underRunnerTemp(p string) bool {
	p = runnerTemp(p)
	return strings.HasPrefix(p, "$RUNNER_TEMP/") && !strings.Contains(p, "..")
}

// pull_request_target: the base's code only; the pull request's files are
// fetched by git into $RUNNER_TEMP and read as data.

var (
	// prHead in a checkout's ref or repository means the pull request's code.
	prHead = regexp.MustCompile(`(?i)pull_request\.head|head_ref|refs/pull/|merge_commit_sha|pull_request\.number|github\.event\.number|refs/remotes/pull/`)
	// prContent in a step's script means it fetches the pull request's files.
	prContent = regexp.MustCompile(`(?i)refs/pull/|pull_request\.head\.|github\.head_ref|merge_commit_sha`)

	// ghContent are the API paths that return a repository's files.
	ghContent = regexp.MustCompile(`tarball|zipball|/contents|/git/(blobs|trees)`)

	// gitWorktree are the git commands that write a working tree.
	gitWorktree = map[string]bool{
		"checkout": true, "switch": true, "worktree": true, "reset": true, "merge": true, "pull": true,
		"restore": true, "read-tree": true, "stash": true, "am": true, "apply": true, "rebase": true,
		"cherry-pick": true, "clone": true, "submodule": true, "checkout-index": true, "revert": true,
	}
	// gitData are the git commands a fetch step may run (in a repository
	// under $RUNNER_TEMP).
	gitData = map[string]bool{
		"init": true, "fetch": true, "archive": true, "rev-parse": true, "diff": true, "cat-file": true,
		"ls-tree": true, "log": true, "merge-base": true, "ls-remote": true, "show": true,
	}
	// fetchTools are the other commands a fetch step may run.
	fetchTools = map[string]bool{
		"git": true, "tar": true, "mkdir": true, "test": true, "[": true, "[[": true, "echo": true,
		"printf": true, "find": true, "base64": true, "export": true, "exit": true, "true": true,
		"false": true, ":": true, "cut": true, "rm": true, "head": true, "tail": true, "tr": true,
		"sort": true, "grep": true, "wc": true, "cat": true, "ls": true, "set": true, "local": true,
	}
	// builders build or interpret code: never where pull request content is.
	builders = map[string]bool{
		"go": true, "make": true, "gmake": true, "cmake": true, "ninja": true, "bazel": true,
		"bash": true, "sh": true, "dash": true, "zsh": true, "ksh": true, "source": true, ".": true,
		"eval": true, "python": true, "python3": true, "pip": true, "pip3": true, "node": true,
		"npm": true, "npx": true, "yarn": true, "pnpm": true, "cargo": true, "perl": true,
		"ruby": true, "docker": true, "chmod": true, "awk": true, "sed": true,
	}
)

// gitSub returns the git subcommand and the repository it runs in ("" for
// the workspace).
func gitSub(words []string, env map[string]string) (sub, repo string) {
	repo = env["GIT_DIR"]
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-C" || w == "--git-dir" || w == "-c" || w == "--work-tree" || w == "--namespace":
			if i+1 < len(words) && w != "-c" && w != "--namespace" {
				repo = words[i+1]
			}
			i++
		case strings.HasPrefix(w, "--git-dir="):
			repo = strings.TrimPrefix(w, "--git-dir=")
		case strings.HasPrefix(w, "-"):
		default:
			return w, repo
		}
	}
	return "", repo
}

func (c *checker) prTarget(w *workflow, j *job) {
	if j.Defaults.Run.WorkingDirectory.set {
		c.add(rulePRTExec, w, j, nil, j.Defaults.Run.WorkingDirectory.Line, "a pull_request_target job sets a working directory: its steps run where the base's code is, and nowhere else")
	}
	fetched := false
	built := map[string]bool{} // binaries built from the base before any fetch
	for _, s := range j.Steps {
		env := envOf(w, j, s)
		if s.action() == "actions/checkout" {
			for _, key := range []string{"ref", "repository"} {
				v := s.With[key]
				if x := expand(v.Value, env); prHead.MatchString(x) || (key == "repository" && v.set && !strings.Contains(x, "github.repository")) {
					c.add(rulePRTCheckout, w, j, s, v.Line, "checks out %s %q: a pull_request_target job has the base's secrets and must never check out the pull request's code; fetch its files with git into $RUNNER_TEMP instead", key, v.Value)
				}
			}
		}
		if s.action() == "actions/download-artifact" {
			c.add(rulePRTFetch, w, j, s, s.Uses.Line, "downloads an artifact, which a pull request's run may have made; fetch the pull request's files with git into $RUNNER_TEMP")
		}
		if s.WorkingDirectory.set {
			c.add(rulePRTExec, w, j, s, s.WorkingDirectory.Line, "sets a working directory in a pull_request_target job: its steps run where the base's code is, and nowhere else")
		}
		if fetched && strings.HasPrefix(s.Uses.Value, "./") {
			c.add(rulePRTExec, w, j, s, s.Uses.Line, "runs a local action after the pull request's files were fetched")
		}
		if s.Run.Value == "" {
			continue
		}
		isFetch := prContent.MatchString(expand(s.Run.Value, env))
		if isFetch {
			fetched = true
		}
		for _, cmd := range shellCommands(s.Run.Value) {
			line := scriptLine(s, cmd)
			name := runnerTemp(cmd.name())
			base := path.Base(name)
			switch {
			case base == "curl" || base == "wget":
				c.add(rulePRTFetch, w, j, s, line, "runs %s in a pull_request_target job: the pull request's files may be fetched only with git into $RUNNER_TEMP", base)
			case base == "gh" && len(cmd.words) > 2 && ((cmd.words[1] == "pr" && (cmd.words[2] == "checkout" || cmd.words[2] == "diff")) ||
				(cmd.words[1] == "repo" && cmd.words[2] == "clone") || (cmd.words[1] == "run" && cmd.words[2] == "download") ||
				(cmd.words[1] == "api" && ghContent.MatchString(strings.Join(cmd.words, " ")))):
				c.add(rulePRTFetch, w, j, s, line, "%q fetches content other than with git into $RUNNER_TEMP", cmd.String())
			case base == "git":
				sub, repo := gitSub(cmd.words, env)
				if gitWorktree[sub] {
					c.add(rulePRTCheckout, w, j, s, line, "git %s writes a working tree in a pull_request_target job: the pull request's files may be fetched only as git objects and read as data", sub)
				} else if isFetch && !gitData[sub] {
					c.add(rulePRTFetch, w, j, s, line, "git %s: a step fetching the pull request's files may only init, fetch, archive, diff and inspect", sub)
				} else if isFetch && sub != "ls-remote" && !underRunnerTemp(repo) && !(sub == "init" && underRunnerTemp(cmd.words[len(cmd.words)-1])) {
					c.add(rulePRTFetch, w, j, s, line, "git %s runs in the workspace: fetch the pull request's files into a repository under $RUNNER_TEMP (git -C \"$RUNNER_TEMP/...\")", sub)
				}
			}
			if isFetch {
				switch {
				case !fetchTools[base] && !builders[base]:
					c.add(rulePRTFetch, w, j, s, line, "runs %q in the step that fetches the pull request's files: only git, tar and simple tools may", cmd.String())
				case base == "tar" && extracts(cmd.words) && !underRunnerTemp(tarDir(cmd.words)):
					c.add(rulePRTFetch, w, j, s, line, "tar extracts outside $RUNNER_TEMP (use -C \"$RUNNER_TEMP/...\"): the pull request's files must not land in the workspace")
				case base == "find" && slices.ContainsFunc(cmd.words, func(w string) bool {
					return w == "-exec" || w == "-execdir" || w == "-ok" || w == "-okdir"
				}):
					c.add(rulePRTFetch, w, j, s, line, "find -exec runs commands on the pull request's files")
				}
			}
			if !fetched {
				if base == "go" && len(cmd.words) > 1 && cmd.words[1] == "build" {
					for i, wd := range cmd.words {
						if wd == "-o" && i+1 < len(cmd.words) {
							built[runnerTemp(cmd.words[i+1])] = true
						} else if strings.HasPrefix(wd, "-o=") {
							built[runnerTemp(strings.TrimPrefix(wd, "-o="))] = true
						}
					}
				}
				continue
			}
			switch {
			case builders[base]:
				c.add(rulePRTExec, w, j, s, line, "runs %q after the pull request's files were fetched: only the binary built from the base may run", cmd.String())
			case strings.Contains(name, "/") || strings.HasPrefix(name, "$") || strings.HasPrefix(name, "~"):
				if !built[name] {
					c.add(rulePRTExec, w, j, s, line, "runs %s after the pull request's files were fetched: only the binary built from the base before that may run", cmd.name())
				}
			}
		}
	}
}

// scriptLine is the line of the workflow file a command of a step is on.
func scriptLine(s *step, cmd command) int {
	if s.Run.Block {
		return s.Run.Line + cmd.line
	}
	return s.Run.Line + cmd.line - 1
}

func extracts(words []string) bool {
	for _, w := range words[1:] {
		if w == "--extract" || w == "--get" || (strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.ContainsAny(w, "x")) {
			return true
		}
		if !strings.HasPrefix(w, "-") && strings.Contains(w, "x") && w == words[1] { // tar xf
			return true
		}
	}
	return false
}

func tarDir(words []string) string {
	for i, w := range words {
		switch {
		case (w == "-C" || w == "--directory") && i+1 < len(words):
			return words[i+1]
		case strings.HasPrefix(w, "--directory="):
			return strings.TrimPrefix(w, "--directory=")
		}
	}
	return ""
}

// The plan: fails on exit 1 and 3, never skipped, not even without secrets.

var credentialGuard = regexp.MustCompile(`-z\s+\$\{?PERMSYNC_APP_(ID|PRIVATE_KEY)\}?`)

func (c *checker) plan(w *workflow, j *job) {
	var planStep *step
	for _, s := range j.Steps {
		if slices.Contains(secretRefs(s.node), readerKey) {
			planStep = s
			break
		}
	}
	if planStep == nil {
		c.add(rulePlanGate, w, j, nil, 0, "no step uses the reader App's key: where is the plan?")
		return
	}
	s := planStep
	if s.If.set || truthy(s.ContinueOnError) {
		c.add(rulePlanGate, w, j, s, s.If.Line, "the plan step can be skipped (if:) or fail unnoticed (continue-on-error): the check must fail when the plan cannot run")
	}
	// It must fail, not skip or plan anonymously, when the reader App is not
	// configured: a test of both variables and an exit before permsync runs.
	cmds := shellCommands(s.Run.Value)
	first := len(cmds)
	for i, cmd := range cmds {
		if strings.Contains(cmd.name(), "permsync") {
			first = i
			break
		}
	}
	guarded := map[string]bool{}
	exits := false
	for _, cmd := range cmds[:first] {
		if m := credentialGuard.FindAllStringSubmatch(cmd.String(), -1); m != nil && (cmd.name() == "[" || cmd.name() == "[[" || cmd.name() == "test") {
			for _, x := range m {
				guarded[x[1]] = true
			}
		}
		if cmd.name() == "exit" && len(cmd.words) > 1 && cmd.words[1] != "0" {
			exits = true
		}
	}
	if !guarded["ID"] || !guarded["PRIVATE_KEY"] || !exits {
		c.add(rulePlanGate, w, j, s, s.Run.Line, "does not exit non-zero before running permsync when PERMSYNC_APP_ID or PERMSYNC_APP_PRIVATE_KEY is empty: a missing reader App must fail the check")
	}
	if s.ID.Value == "" {
		c.add(rulePlanGate, w, j, s, 0, "the plan step has no id: no later step can turn its exit code into the check's result")
		return
	}
	// A later step turns the plan's exit code into the check's result: it is
	// run with each exit code.
	out := regexp.MustCompile(`steps\.` + regexp.QuoteMeta(s.ID.Value) + `\.outputs\.`)
	var problems []string
	gates := 0
	for _, g := range j.Steps[s.Index:] {
		if g.Run.Value == "" || !slices.ContainsFunc(scalarValues(g.node), out.MatchString) {
			continue
		}
		if !canGate(g) {
			problems = append(problems, fmt.Sprintf("%s can be skipped or ignored", g.label()))
			continue
		}
		gates++
		p := runGate(w, j, g, s.ID.Value)
		if p == "" {
			return
		}
		problems = append(problems, fmt.Sprintf("%s %s", g.label(), p))
	}
	if gates == 0 && len(problems) == 0 {
		problems = append(problems, "no step reads its outputs")
	}
	c.add(rulePlanGate, w, j, s, 0, "nothing fails the check on the plan's exit codes 1 and 3 (and passes it on 0 and 2): %s", strings.Join(problems, "; "))
}

// canGate: a step that runs whenever the plan step ran.
func canGate(s *step) bool {
	switch strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s.If.Value), "${{"), "}}")) {
	case "", "always()", "!cancelled()", "success()":
		return !truthy(s.ContinueOnError)
	}
	return false
}

func scalarValues(n *yaml.Node) []string {
	var out []string
	walkScalars(n, func(_ string, v *yaml.Node) { out = append(out, v.Value) })
	return out
}

// The apply: the only job with the writer App's key.

var (
	defaultRef = regexp.MustCompile(`^\(?\s*github\.ref\s*==\s*(format\(\s*'refs/heads/\{0\}'\s*,\s*github\.event\.repository\.default_branch\s*\)|'refs/heads/[^'*?\[]+')\s*\)?$`)
	globChars  = "*?[]!"
)

// apply checks a job holding the writer App's key: the apply (roleApply)
// or the expiry job (roleExpire). Both start only on the default branch, in
// their environment, one at a time in the apply's group, after a step that
// refuses unless the commit is the head of the default branch; the apply
// applies the approved plan, the expiry job expiries alone.
func (c *checker) apply(w *workflow, j *job, r role) {
	if tr, ok := w.On["push"]; ok {
		if tr == nil || len(tr.Branches) != 1 || strings.ContainsAny(tr.Branches[0], globChars) || len(tr.BranchesIgnore) > 0 || len(tr.Tags) > 0 || len(tr.TagsIgnore) > 0 {
			c.add(ruleApplyTrigger, w, j, nil, 0, "push must be limited to the default branch alone (branches: [main]), no patterns, no tags")
		}
	}

	cond := strings.TrimSpace(j.If.Value)
	cond = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(cond, "${{"), "}}"))
	ok := false
	if !strings.Contains(cond, "||") {
		for _, part := range strings.Split(cond, "&&") {
			if defaultRef.MatchString(strings.TrimSpace(part)) {
				ok = true
			}
		}
	}
	if !ok {
		c.add(ruleApplyIf, w, j, nil, j.If.Line, "the job condition must restrict it to the default branch: if: github.ref == format('refs/heads/{0}', github.event.repository.default_branch)")
	}

	switch {
	case r == roleApply && (j.Environment == nil || j.Environment.Name.Value != applyEnvironment):
		c.add(ruleApplyEnv, w, j, nil, 0, "must run in the %q environment, which holds the writer App's key behind the default branch and required reviewers", applyEnvironment)
	case r == roleExpire && (j.Environment == nil || j.Environment.Name.Value != expireEnvironment):
		c.add(ruleApplyEnv, w, j, nil, 0, "must run in the %q environment, which holds the writer App's key for the expiry job behind the default branch", expireEnvironment)
	}

	serial := false
	for _, cc := range []*concurrency{w.Concurrency, j.Concurrency} {
		if cc == nil {
			continue
		}
		switch {
		case cc.CancelInProgress.Value != "false" && cc.CancelInProgress.set:
			c.add(ruleApplyConcurrent, w, j, nil, cc.Line, "cancel-in-progress must be false: a cancelled apply stops halfway")
		case strings.Contains(cc.Group.Value, "${{"):
			c.add(ruleApplyConcurrent, w, j, nil, cc.Line, "the concurrency group %q is an expression: applies of different commits could run at once", cc.Group.Value)
		case r == roleExpire && cc.Group.Value != applyGroup:
			c.add(ruleApplyConcurrent, w, j, nil, cc.Line, "the concurrency group %q is not the apply's (%q): an expiry run could overlap an apply", cc.Group.Value, applyGroup)
		case cc.Group.Value != "" && cc.CancelInProgress.Value == "false":
			serial = true
		}
	}
	if !serial {
		c.add(ruleApplyConcurrent, w, j, nil, 0, "needs a fixed concurrency group with cancel-in-progress: false: one apply at a time, none cancelled midway")
	}

	first := -1
	for _, s := range j.Steps {
		if countWriter(s.node) > 0 {
			first = s.Index
			break
		}
	}
	if first < 0 {
		return
	}
	for i := len(j.Steps) - 1; i >= first-1; i-- {
		if s := j.Steps[i]; countWriter(s.node) > 0 && s.Run.Value != "" {
			// The run step that applies (an action given the key is writer-secrets').
			if r == roleExpire {
				c.expiriesOnly(w, j, s)
				c.expiryAnchor(w, j, s)
			} else {
				c.applyPlan(w, j, s)
			}
			break
		}
	}
	var problems []string
	for _, s := range j.Steps[:first-1] {
		if s.Run.Value == "" {
			continue
		}
		all := s.Run.Value + "\n" + strings.Join(slices.Collect(mapValues(envOf(w, j, s))), "\n")
		if !strings.Contains(all, "GITHUB_SHA") && !strings.Contains(all, "github.sha") {
			continue
		}
		if s.If.set || truthy(s.ContinueOnError) {
			problems = append(problems, fmt.Sprintf("%s can be skipped or ignored", s.label()))
			continue
		}
		p := runHeadCheck(w, j, s)
		if p == "" {
			return
		}
		problems = append(problems, fmt.Sprintf("%s %s", s.label(), p))
	}
	if len(problems) == 0 {
		problems = append(problems, "no step before it compares the commit with the branch")
	}
	c.add(ruleApplyHead, w, j, j.Steps[first-1], 0, "uses the writer App's key, but no step before it refuses unless the checked-out commit is the head of the default branch: %s", strings.Join(problems, "; "))
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, k := range sortedKeys(m) {
			if !yield(m[k]) {
				return
			}
		}
	}
}

var (
	needsOutput = regexp.MustCompile(`needs\.[A-Za-z0-9_-]+\.outputs\.`)
	applyPlanF  = regexp.MustCompile(`\bapply\b[^\n]*\s--plan[\s=]`)
)

// applyPlan: the writer applies the plan the approver was shown, not one it
// computes after approval: it runs apply --plan on a file of this run, after
// a step that cannot be skipped checks the file's sha256 against the plan
// job's output.
func (c *checker) applyPlan(w *workflow, j *job, writer *step) {
	if !applyPlanF.MatchString(writer.Run.Value) {
		c.add(ruleApplyPlan, w, j, writer, 0, "applies without --plan: the approver approved blind, and what runs is computed after the approval; apply --plan the plan the approval showed")
	}
	verified := false
	for _, s := range j.Steps[:writer.Index-1] {
		if s.action() == "actions/download-artifact" {
			for _, k := range []string{"run-id", "github-token", "repository"} {
				if v, ok := s.With[k]; ok {
					c.add(ruleApplyPlan, w, j, s, v.Line, "downloads the plan with %s: only an artifact of this run may be applied", k)
				}
			}
		}
		if s.Run.Value == "" || s.If.set || truthy(s.ContinueOnError) {
			continue
		}
		text := s.Run.Value + "\n" + strings.Join(slices.Collect(mapValues(envOf(w, j, s))), "\n")
		if strings.Contains(s.Run.Value, "sha256sum") && (strings.Contains(s.Run.Value, "--check") || strings.Contains(s.Run.Value, "-c")) && needsOutput.MatchString(text) {
			verified = true
		}
	}
	if !verified {
		c.add(ruleApplyPlan, w, j, writer, 0, "no step before it (that cannot be skipped) checks the saved plan's sha256 against the plan job's output: a file from elsewhere could stand in for the approved plan")
	}
}

// expiriesOnly: every permsync command the expiry job's writer step runs is
// apply --expiries-only (which applies expiry removals and nothing else,
// and refuses --plan) with --approved-ref (only the entries the last
// approved apply's files held with that date), so that the key without a
// reviewer can never apply a pending change, or an expiry, nobody approved.
func (c *checker) expiriesOnly(w *workflow, j *job, writer *step) {
	runs := 0
	for _, cmd := range shellCommands(writer.Run.Value) {
		if path.Base(cmd.name()) != "permsync" {
			continue
		}
		runs++
		if len(cmd.words) < 2 || cmd.words[1] != "apply" || !slices.Contains(cmd.words[2:], "--expiries-only") {
			c.add(ruleExpiryOnly, w, j, writer, 0, "runs %q: with the writer App's key and no reviewer, only permsync apply --expiries-only may run (any other change waits for the reviewed apply)", cmd.String())
		} else if i := slices.Index(cmd.words, "--approved-ref"); i < 0 || i+1 >= len(cmd.words) || strings.HasPrefix(cmd.words[i+1], "-") {
			c.add(ruleExpiryOnly, w, j, writer, 0, "runs %q without --approved-ref: an entry merged already expired, or a date moved forward, would be removed without anyone's approval", cmd.String())
		}
	}
	if runs == 0 {
		c.add(ruleExpiryOnly, w, j, writer, 0, "runs no permsync apply --expiries-only: the writer App's key without a reviewer is only for expiries")
	}
}

var (
	shellVar      = regexp.MustCompile(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`)
	stepOutputRef = regexp.MustCompile(`^\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)\s*\}\}$`)
)

// expiryAnchor: the commit the expiry job's writer passes as --approved-ref
// is the output of an earlier step, and that step, run against the runs
// GitHub would list, never takes a run whose apply job was skipped (its
// plan had nothing to approve: a pull request that only moves an expires:
// date) for the last approved apply.
func (c *checker) expiryAnchor(w *workflow, j *job, writer *step) {
	var ref string
	for _, cmd := range shellCommands(writer.Run.Value) {
		if i := slices.Index(cmd.words, "--approved-ref"); path.Base(cmd.name()) == "permsync" && i >= 0 && i+1 < len(cmd.words) {
			ref = cmd.words[i+1]
			break
		}
	}
	if ref == "" {
		return // expiry-only says so
	}
	expr := ref
	if m := shellVar.FindStringSubmatch(ref); m != nil {
		expr = strings.TrimSpace(envOf(w, j, writer)[m[1]])
	}
	m := stepOutputRef.FindStringSubmatch(expr)
	var finder *step
	if m != nil {
		for _, s := range j.Steps[:writer.Index-1] {
			if s.ID.Value == m[1] && s.Run.Value != "" {
				finder = s
			}
		}
	}
	if finder == nil {
		c.add(ruleExpiryAnchor, w, j, writer, 0, "--approved-ref %s is not the output of an earlier run step (through the step's env): nothing shows it is the last approved apply", ref)
		return
	}
	if p := runAnchorLookup(w, j, finder, m[2]); p != "" {
		c.add(ruleExpiryAnchor, w, j, finder, 0, "%s: the writer App would remove, without a reviewer, dates no approved apply held (a pull request that only moves an expires: date: nothing to approve, the apply job skipped), or miss the last approved apply; take the newest run one of whose attempts ran the apply job to success", p)
	}
}

// runAnchorLookup runs the step that finds the last approved apply (its
// output out) on main's first-parent line c1 → c2 → m3: it must pass over
// a newer run whose apply job was skipped, find nothing when no run's
// apply job succeeded, and find a run approved in its first attempt and
// re-run since (that attempt failed). It says what is wrong ("" if nothing).
func runAnchorLookup(w *workflow, j *job, s *step, out string) string {
	for _, tool := range []string{"git", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("%s is not installed: the lookup cannot be run", tool)
		}
	}
	m, err := theMainline()
	if err != nil {
		return err.Error()
	}
	const wf = ".github/workflows/permissions-apply.yml"
	skipped := approvedRun{run{"push", "main", m.c2, wf, "success", "2026-01-02T00:00:00Z"}, 2, "skipped", ""}
	approved := approvedRun{run{"push", "main", m.c1, wf, "success", "2026-01-01T00:00:00Z"}, 1, "success", ""}
	// Re-run since: its new attempt failed, and so did the run.
	rerun := approvedRun{run{"push", "main", m.c2, wf, "failure", "2026-01-03T00:00:00Z"}, 3, "failure", "success"}
	for _, tc := range []struct {
		runs []approvedRun
		want string
	}{
		{[]approvedRun{skipped, approved}, m.c1},
		{[]approvedRun{skipped}, ""},
		{[]approvedRun{rerun, approved}, m.c2},
	} {
		dir, err := os.MkdirTemp("", "posture-runs-")
		if err != nil {
			return err.Error()
		}
		env, err := writeRuns(dir, tc.runs)
		if err != nil {
			os.RemoveAll(dir)
			return err.Error()
		}
		ctx, base := pushContext()
		for k, v := range base {
			env[k] = v
		}
		ctx["github.event_name"], env["GITHUB_EVENT_NAME"] = "schedule", "schedule"
		ctx["github.ref_name"] = "main"
		ctx["github.sha"], env["GITHUB_SHA"] = m.m3, m.m3
		_, _, outputs, err := runStepOutputs(w, j, s, ctx, env, map[string]string{"gh": ghRunsAndJobs}, m.checkout)
		os.RemoveAll(dir)
		if err != nil {
			return err.Error()
		}
		if got := outputs[out]; got != tc.want {
			if got == m.c2 {
				return fmt.Sprintf("takes commit %s, whose run skipped its apply job, for the last approved apply", got)
			}
			if tc.want == m.c2 {
				return fmt.Sprintf("gives %s=%q where the last approved apply is %q, approved in its first attempt and re-run since (a failed attempt): a re-run moves the anchor back; list runs of any conclusion and every attempt's jobs (filter=all)", out, got, tc.want)
			}
			return fmt.Sprintf("gives %s=%q where the last approved apply is %q", out, got, tc.want)
		}
	}
	return ""
}
