package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Severity ranks findings: critical first.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Low
	Medium
	High
	Critical
)

// Severities lists every severity, highest first.
var Severities = []Severity{Critical, High, Medium, Low, Info}

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText makes severities read as names in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	for i, n := range severityNames {
		if n == string(b) {
			*s = Severity(i)
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Rule is a finding's stable identifier (docs/audit-json.md lists them).
type Rule string

// Finding rules. The strings are a contract: tooling filters on them.
const (
	RuleCLANotRequired         Rule = "cla-not-required"
	RuleCheckNotRequired       Rule = "required-check-missing"
	RuleCheckSpoofable         Rule = "required-check-spoofable"
	RuleCheckWrongApp          Rule = "required-check-wrong-app"
	RuleProtectionMissing      Rule = "protection-missing"
	RuleEnforceAdminsOff       Rule = "enforce-admins-off"
	RuleReviewsBelowMin        Rule = "reviews-below-minimum"
	RuleForcePushAllowed       Rule = "force-push-allowed"
	RuleDeletionAllowed        Rule = "deletion-allowed"
	RuleUnexpectedOwner        Rule = "unexpected-owner"
	RuleAdminsOverMax          Rule = "admins-over-max"
	RuleAdminsUnderMin         Rule = "admins-under-min"
	RuleOutsideAdmin           Rule = "outside-collaborator-admin"
	RuleOutsideAboveMax        Rule = "outside-collaborator-above-max"
	RuleBaseRoleAboveRead      Rule = "base-role-above-read"
	RuleAppAdministrationWrite Rule = "app-administration-write"
	RuleDeployKeyWrite         Rule = "deploy-key-write"
	RuleRulesetBypass          Rule = "ruleset-bypass"
	RuleDrift                  Rule = "drift"
	RuleRefusal                Rule = "refusal"
	RulePlanError              Rule = "plan-error"
	RuleReadError              Rule = "read-error"
	RuleUnlistedGrant          Rule = "unlisted-grant"
	RuleUnmanagedRepo          Rule = "unmanaged-repository"
	RuleArchivedRepo           Rule = "archived-repository"
	RuleInvitationExpired      Rule = "invitation-expired"
	RuleHandMadeChange         Rule = "hand-made-change"
	RuleSelfUnprotected        Rule = "self-check-unprotected"
	RuleSelfCodeOwners         Rule = "self-check-code-owners"
	RuleSelfEnforceAdmins      Rule = "self-check-enforce-admins"
	RuleSelfBypass             Rule = "self-check-bypass"
	RuleSelfReview             Rule = "self-check-review"
	RuleAdminNotDeclared       Rule = "admin-not-declared"
	RuleAdminNotAllowed        Rule = "admin-not-allowed"
	RuleRulesetBypassUnread    Rule = "ruleset-bypass-unreadable"
)

// RuleInfo documents a rule: its usual severity and what it means.
type RuleInfo struct {
	Rule     Rule
	Severity Severity
	Meaning  string
}

// Rules lists every rule, in the order docs/audit-json.md lists them.
var Rules = []RuleInfo{
	{RuleAdminNotDeclared, Critical, "someone holds admin on a managed repository through a grant no file declares (made by hand on GitHub)"},
	{RuleCLANotRequired, Critical, "a CLA check of required_checks (EasyCLA or a legacy CLA context) is not required on the default branch, by branch protection or an active ruleset"},
	{RuleOutsideAdmin, Critical, "an outside collaborator holds a direct admin grant (or a pending admin invitation) above outside_collaborator_max_role"},
	{RuleSelfUnprotected, Critical, "the permissions repository's default branch is not protected"},
	{RuleBaseRoleAboveRead, High, "the org base role is write or admin: every member holds it on every repository (critical when admin)"},
	{RuleCheckWrongApp, High, "the org file pins a check to an App, and GitHub requires it from another App or any source"},
	{RuleProtectionMissing, High, "the default branch has no branch protection and no active ruleset"},
	{RuleUnexpectedOwner, High, "an org owner is not in expected_owners"},
	{RuleAdminsOverMax, High, "more people hold direct or team admin than max_admins"},
	{RuleOutsideAboveMax, High, "an outside collaborator holds a role above outside_collaborator_max_role"},
	{RuleRulesetBypass, High, "an active ruleset that requires a required_checks entry on the default branch can be bypassed by someone below an org owner"},
	{RuleRulesetBypassUnread, High, "an active ruleset that requires a required_checks entry on the default branch has a bypass list the credentials cannot read: who can skip the check cannot be verified"},
	{RuleAdminNotAllowed, High, "someone holds admin through a direct or team grant, or a pending admin invitation, outside admin_allowed"},
	{RuleRefusal, High, "the plan holds a change permsync refuses to make (a guardrail)"},
	{RulePlanError, High, "the plan could not be computed for a managed repository"},
	{RuleReadError, High, "the repository could not be read completely"},
	{RuleSelfCodeOwners, High, "the permissions repository does not require code-owner review"},
	{RuleSelfEnforceAdmins, High, "the permissions repository's protection does not apply to admins"},
	{RuleSelfBypass, High, "someone may bypass the permissions repository's rulesets"},
	{RuleSelfReview, High, "the permissions repository's review can be made not to bite: pull request bypass allowances, stale approvals kept, the last push not approved, or the plan check not required from GitHub Actions"},
	{RuleCheckSpoofable, Medium, "a required_checks entry is required from any source: anyone with write access can post a passing status of that name"},
	{RuleEnforceAdminsOff, Medium, "branch protection does not apply to admins (enforce_admins off)"},
	{RuleReviewsBelowMin, Medium, "fewer approving reviews are required than min_reviews"},
	{RuleForcePushAllowed, Medium, "force pushes are allowed on the default branch"},
	{RuleDeletionAllowed, Medium, "the default branch may be deleted"},
	{RuleAdminsUnderMin, Medium, "fewer people hold direct or team admin than min_admins"},
	{RuleAppAdministrationWrite, Medium, "a GitHub App installed on the org has Administration: write (it can change rights and protection, and delete repositories) and trusted_apps does not list it"},
	{RuleDeployKeyWrite, Medium, "a deploy key has write access (it can push, bypassing reviews unless protection stops it)"},
	{RuleDrift, Medium, "GitHub differs from the files: the plan holds changes"},
	{RuleHandMadeChange, Medium, "something changed on GitHub since the snapshot that no file explains"},
	{RuleCheckNotRequired, Low, "another required_checks entry (e.g. DCO) is not required on the default branch (the org file's floor keeps a check required where it is; it does not add it elsewhere)"},
	{RuleUnlistedGrant, Low, "additive mode: a grant on GitHub that the files do not list"},
	{RuleUnmanagedRepo, Low, "a repository has no permissions file"},
	{RuleInvitationExpired, Low, "an invitation expired unaccepted"},
	NotPinnedRule,
	InactiveRule,
	{RuleArchivedRepo, Info, "the repository is archived (read-only; its rights are reported, not changed)"},
}

// Finding is one thing release engineering should look at.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     Rule     `json:"rule"`
	Org      string   `json:"org"`
	// Repo is set when the finding is about exactly one repository.
	Repo string `json:"repo,omitempty"`
	// Repos lists every repository the finding's cause affects (one
	// finding per cause: an org file's rule or an org ruleset affects
	// many); empty for org-wide findings.
	Repos []string `json:"repositories"`
	// Subject names what it is about: user:x, team:y, check:z, app:s,
	// key:title, branch:b.
	Subject string `json:"subject,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
	// Source is the file:line the finding relates to, when there is one.
	Source string `json:"source,omitempty"`
}

// Where is "org/repo", or "org" for org-wide findings and for findings
// about several repositories (Repos lists them).
func (f Finding) Where() string {
	if f.Repo == "" {
		return f.Org
	}
	return f.Org + "/" + f.Repo
}

// Affects reports whether the finding is about the repository "org/repo".
func (f Finding) Affects(full string) bool {
	org, repo, _ := strings.Cut(full, "/")
	if !strings.EqualFold(org, f.Org) {
		return false
	}
	for _, r := range f.Repos {
		if strings.EqualFold(r, repo) {
			return true
		}
	}
	return strings.EqualFold(f.Repo, repo)
}

// WhereShort is Where with the first n repositories of a finding about
// several, and how many more: "acme: a, b, c and 9 more".
func (f Finding) WhereShort(n int) string {
	if len(f.Repos) <= 1 {
		return f.Where()
	}
	return fmt.Sprintf("%s (%d repositories): %s", f.Org, len(f.Repos), few(f.Repos, ", ", n, n, " and %d more"))
}

// sortFindings ranks by severity, then org, repository, rule and subject.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if x, y := strings.ToLower(a.Org), strings.ToLower(b.Org); x != y {
			return x < y
		}
		if x, y := strings.ToLower(firstRepo(a)), strings.ToLower(firstRepo(b)); x != y {
			return x < y
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return strings.ToLower(a.Subject) < strings.ToLower(b.Subject)
	})
}

// findings collects findings during a build.
type findings []Finding

func (fs *findings) add(sev Severity, rule Rule, org, repo, subject, fix, format string, args ...any) *Finding {
	*fs = append(*fs, Finding{Severity: sev, Rule: rule, Org: org, Repo: repo, Subject: subject, Fix: fix, Message: fmt.Sprintf(format, args...)})
	return &(*fs)[len(*fs)-1]
}

func firstRepo(f Finding) string {
	if f.Repo == "" && len(f.Repos) > 0 {
		return f.Repos[0]
	}
	return f.Repo
}

// cause is one finding standing for every repository a cause affects.
type cause struct {
	idx   int // in the builder's findings
	repos []string
	seen  map[string]bool
	// mixed: the repositories' subjects differ (the finding has none).
	mixed bool
	// msg words the finding once every repository is known.
	msg func(repos []string) string
}

// grouped adds repo to the finding of cause key, making it the first time:
// one org file rule or one org ruleset is one finding, not one per
// repository.
func (b *builder) grouped(key string, sev Severity, rule Rule, org, repo, subject, fix string, msg func(repos []string) string) *Finding {
	if b.causes == nil {
		b.causes = map[string]*cause{}
	}
	key = strings.ToLower(string(rule) + "\x00" + org + "\x00" + key)
	c := b.causes[key]
	if c == nil {
		b.fs.add(sev, rule, org, "", subject, fix, "%s", "")
		c = &cause{idx: len(b.fs) - 1, seen: map[string]bool{}, msg: msg}
		b.causes[key] = c
	}
	if f := &b.fs[c.idx]; !c.mixed && !strings.EqualFold(f.Subject, subject) {
		c.mixed, f.Subject = true, ""
	}
	if k := strings.ToLower(repo); repo != "" && !c.seen[k] {
		c.seen[k] = true
		c.repos = append(c.repos, repo)
	}
	return &b.fs[c.idx]
}

// finishFindings words the grouped findings and lists every finding's
// repositories.
func (b *builder) finishFindings() {
	for _, c := range b.causes {
		f := &b.fs[c.idx]
		state.SortFold(c.repos)
		f.Repos = c.repos
		if len(c.repos) == 1 {
			f.Repo = c.repos[0]
		}
		f.Message = c.msg(c.repos)
	}
	for i := range b.fs {
		f := &b.fs[i]
		if f.Repos == nil {
			f.Repos = []string{}
			if f.Repo != "" {
				f.Repos = []string{f.Repo}
			}
		}
	}
}

// listRepos names repositories in a message: all of them up to five, else
// the first three and how many more.
func listRepos(org string, repos []string) string {
	if len(repos) == 1 {
		return org + "/" + repos[0]
	}
	return fmt.Sprintf("%d repositories of %s (%s)", len(repos), org, few(repos, ", ", 5, 3, " and %d more"))
}
