package operation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// AuditInput is what an audit covers.
type AuditInput struct {
	Dir    string
	Config *config.Config
	Orgs   []*config.Org // every org of Config, or one (maybe without files)
	Notes  []string
	// Previous is the snapshot compared with (nil: none); CompareFrom says
	// where it came from.
	Previous    *audit.Snapshot
	CompareFrom string
	// Self is the permissions repository, OWNER/REPO ("" when not known:
	// SelfNote says why).
	Self, SelfNote string
	// LookupNote, when set, says why the history's pull requests are not
	// looked up.
	LookupNote   string
	Since, Now   time.Time
	InactiveDays int // 0: inactive access is not judged
}

// Audited is an audit's report and the state it read.
type Audited struct {
	Report *audit.Report
	Actual map[string]*state.Org
	// OrgErrors holds, per org (lower case), why it could not be read; the
	// report says what is missing.
	OrgErrors map[string]string
}

// Audit reads every repository of the orgs (GitHub once), plans the
// managed ones from that state, reads the history and the permissions
// repository, and builds the report.
func (e Env) Audit(ctx context.Context, ai AuditInput) (*Audited, error) {
	client, err := e.Connect(ctx, auditPermissions, nil)
	if err != nil {
		return nil, err
	}
	actual, orgErrs, readNotes, client := e.readForAudit(ctx, client, ai.Orgs)
	p := e.planForAudit(ctx, ai, client, actual)
	selfIn := audit.SelfInput{Repo: ai.Self, Note: ai.SelfNote}
	if ai.Self != "" {
		selfIn.State, selfIn.Note = readSelfRepo(ctx, client, ai.Self, actual)
		selfIn.State = withReviewBypass(ctx, client, strings.SplitN(ai.Self, "/", 2)[0], selfIn.State)
	}
	hopts := history.Options{Dir: ai.Dir, Label: ai.Dir, Since: ai.Since, Until: ai.Now, LookupNote: ai.LookupNote}
	switch {
	case ai.LookupNote != "":
	case ai.Self == "":
		hopts.LookupNote = "the permissions repository is not known (--self-repo)"
	default:
		hopts.Lookup, hopts.LookupNote = e.pullLookupFor(ctx, ai.Self)
	}
	in := audit.Input{Dir: ai.Dir, Orgs: ai.Orgs, Actual: actual, OrgErrors: orgErrs, Plan: p, History: history.Read(ctx, hopts),
		Previous: ai.Previous, Self: selfIn, Notes: slices.Concat(ai.Notes, readNotes), Now: ai.Now}
	if ai.InactiveDays > 0 {
		in.InactiveHorizon = time.Duration(ai.InactiveDays) * 24 * time.Hour
		in.Activity = map[string]map[string]audit.RepoActivity{}
		for _, o := range ai.Orgs {
			if a := actual[strings.ToLower(o.Name)]; a != nil {
				in.Activity[strings.ToLower(o.Name)] = ReadActivity(ctx, client, a)
			}
		}
	} else {
		in.Notes = append(in.Notes, "Inactive access was not judged (--inactive-days 0).")
	}
	if ai.Previous != nil && ai.CompareFrom != "" {
		in.Notes = append(in.Notes, "Compared with "+ai.CompareFrom+".")
	}
	if ai.Previous == nil {
		in.PreviousNote = "no snapshot compared (audit --compare FILE, with a file written by audit --snapshot-out)"
	}
	return &Audited{Report: audit.Build(in), Actual: actual, OrgErrors: orgErrs}, nil
}

// readForAudit reads every repository of each org. Without the permission
// to list the org's Apps it reads again without it; an org that cannot be
// read is reported and the others go on.
func (e Env) readForAudit(ctx context.Context, client *ghapi.Client, orgs []*config.Org) (map[string]*state.Org, map[string]string, []string, *ghapi.Client) {
	actual := map[string]*state.Org{}
	errs := map[string]string{}
	var notes []string
	narrowed := false
	for _, o := range orgs {
		ro := ghapi.ReadOptions{Audit: true, Branches: reconcile.Target{Org: o, Repos: o.Repos}.Branches()}
		if len(o.Policy.IgnoreRepos) > 0 {
			// ignore_repos are never read: list the names, read the rest.
			list, err := client.ListRepos(ctx, o.Name)
			if err != nil {
				errs[strings.ToLower(o.Name)] = err.Error()
				e.Warn(fmt.Sprintf("permsync: listing the repositories of %s: %v", o.Name, err))
				continue
			}
			ro.Repos = []string{}
			for _, r := range list {
				if !o.Ignored(r.Name) {
					ro.Repos = append(ro.Repos, r.Name)
				}
			}
		}
		a, err := client.ReadOrg(ctx, o.Name, ro)
		if err != nil && !narrowed && lacksPermission(err, "organization_administration") {
			// Ask again without it: the audit works, without the org's Apps.
			c, cerr := e.Connect(ctx, ReadPermissions, nil)
			if cerr == nil {
				client, narrowed = c, true
				notes = append(notes, "The App lacks Organization administration: read, so the Apps installed on the orgs could not be listed.")
				a, err = client.ReadOrg(ctx, o.Name, ro)
			}
		}
		if err != nil {
			errs[strings.ToLower(o.Name)] = err.Error()
			e.Warn(fmt.Sprintf("permsync: reading org %s: %v", o.Name, err))
			continue
		}
		actual[strings.ToLower(o.Name)] = a
	}
	return actual, errs, notes, client
}

// planForAudit computes the plan of the managed repositories from the state
// already read (GitHub is not read twice).
func (e Env) planForAudit(ctx context.Context, ai AuditInput, client *ghapi.Client, actual map[string]*state.Org) *reconcile.Plan {
	var targets []reconcile.Target
	for _, o := range ai.Orgs {
		if ai.Config.Org(o.Name) == nil || actual[strings.ToLower(o.Name)] == nil {
			continue
		}
		ts, err := reconcile.Select(ai.Config, o.Name, nil)
		if err == nil {
			targets = append(targets, ts...)
		}
	}
	// The files' logins and pinned accounts are looked up as plan does, so
	// a renamed account keeps its grant and a re-registered login gets none.
	in, err := e.lookupInput(ctx, client, ai.Dir, targets, actual, ai.Now)
	if err != nil {
		e.Warn(fmt.Sprintf("permsync: %v (the logins and pinned accounts the files name are not all checked)", err))
	}
	return reconcile.Diff(in)
}

// ReadActivity reads each repository's events once (one request per
// repository; 304 from the cache when nothing happened) for the audit's
// inactive-access rule. A repository whose events cannot be read is left
// out (it is then not judged).
func ReadActivity(ctx context.Context, c *ghapi.Client, o *state.Org) map[string]audit.RepoActivity {
	out := map[string]audit.RepoActivity{}
	for _, r := range o.Repos {
		if r.Archived || !r.Readable() {
			continue
		}
		act, err := c.RepoActivity(ctx, o.Name, r.Name)
		if err != nil {
			continue
		}
		out[strings.ToLower(r.Name)] = audit.RepoActivity{Last: act.Last, Since: act.Since}
	}
	return out
}

// readSelfRepo reads the permissions repository when it is outside the
// audited orgs (inside, the audit finds it in the state already read).
func readSelfRepo(ctx context.Context, client *ghapi.Client, self string, actual map[string]*state.Org) (*state.Repo, string) {
	owner, name, _ := strings.Cut(self, "/")
	if a := actual[strings.ToLower(owner)]; a != nil {
		if r := a.Repo(name); r != nil {
			return r, ""
		}
	}
	o, err := client.ReadOrg(ctx, owner, ghapi.ReadOptions{Repos: []string{name}})
	if err != nil {
		return nil, fmt.Sprintf("skipped: %s could not be read (%v)", self, err)
	}
	r := o.Repo(name)
	if r == nil || r.NotFound {
		return nil, fmt.Sprintf("skipped: %s does not exist, or the credentials cannot see it", self)
	}
	return r, ""
}

// withReviewBypass returns r with its default branch's pull request bypass
// allowances read (REST; the org read does not ask for them), so that the
// audit's self-check can say whether review can be skipped. r is not
// changed; on an error the copy says the list was not read.
func withReviewBypass(ctx context.Context, client *ghapi.Client, org string, r *state.Repo) *state.Repo {
	if r == nil || r.DefaultBranch == "" {
		return r
	}
	cp := *r
	cp.Protection = append([]state.BranchProtection(nil), r.Protection...)
	for i, bp := range cp.Protection {
		if bp.Branch != r.DefaultBranch || bp.Reviews == nil {
			continue
		}
		rv := *bp.Reviews
		who, read, err := client.PullRequestBypass(ctx, org, r.Name, r.DefaultBranch)
		rv.Bypass, rv.BypassRead = who, read && err == nil
		cp.Protection[i].Reviews = &rv
	}
	return &cp
}

// pullLookupFor looks pull requests up with a token narrowed to the
// permissions repository and Pull requests read.
func (e Env) pullLookupFor(ctx context.Context, self string) (history.PullLookup, string) {
	owner, name, _ := strings.Cut(self, "/")
	c, err := e.Connect(ctx, pullPermissions, []string{self})
	if err != nil {
		return nil, "no credentials for pull requests (" + err.Error() + ")"
	}
	return &pullLookup{c: c, owner: owner, repo: name}, ""
}

// pullLookup is history.PullLookup over the GitHub adapter.
type pullLookup struct {
	c           *ghapi.Client
	owner, repo string
}

func (p *pullLookup) PullsForCommit(ctx context.Context, sha string) ([]history.PullInfo, error) {
	prs, err := p.c.PullsForCommit(ctx, p.owner, p.repo, sha)
	if err != nil {
		return nil, lookupError(err)
	}
	out := make([]history.PullInfo, 0, len(prs))
	for _, pr := range prs {
		out = append(out, history.PullInfo{Number: pr.Number, Title: pr.Title, URL: pr.URL, Author: pr.Author,
			Merged: pr.Merged, MergedAt: pr.MergedAt, MergeCommitSHA: pr.MergeCommitSHA})
	}
	return out, nil
}

func (p *pullLookup) PullReviews(ctx context.Context, number int) ([]history.Review, error) {
	rs, err := p.c.PullReviews(ctx, p.owner, p.repo, number)
	if err != nil {
		return nil, lookupError(err)
	}
	out := make([]history.Review, 0, len(rs))
	for _, r := range rs {
		out = append(out, history.Review{User: r.User, State: r.State, SubmittedAt: r.SubmittedAt})
	}
	return out, nil
}

// lookupError marks failures that will not go away for the next commit
// (no credentials, no permission) so that lookups stop at the first.
func lookupError(err error) error {
	switch ghapi.KindOf(err) {
	case ghapi.KindAuth, ghapi.KindForbidden, ghapi.KindConfig, ghapi.KindRateLimited:
		return fmt.Errorf("%w: %v", history.ErrLookupUnavailable, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %v", history.ErrLookupUnavailable, err)
	}
	return err
}
