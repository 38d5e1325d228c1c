package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/drift"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
)

// DriftOptions are the inputs of "permsync drift".
type DriftOptions struct {
	IO        *IOStreams
	Global    *GlobalOptions
	Dir       string
	Org       string
	IssueRepo string
}

func newDriftCmd(io *IOStreams, g *GlobalOptions, runF func(*DriftOptions) error) *cobra.Command {
	opts := &DriftOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "drift",
		Short: "Report rights changed by hand on GitHub in one tracking issue",
		Long: `Plan every managed repository and report the drift: first what was changed
on GitHub outside permsync (and by whom and when, where GitHub records it),
then what apply would do about it. In additive mode the grants the files do
not list are drift too. With --issue-repo, one tracking issue in that repository is opened,
updated with the current plan, or commented on and closed when the drift is
gone. The issue is found by its label (permsync-drift) and by its author
being permsync's own App, so nobody can redirect it.

Exit codes: 0 no drift, 1 error, 2 drift (3 if the plan also holds changes
permsync refuses to make).`,
		Example: `  permsync drift
  permsync drift --issue-repo AcademySoftwareFoundation/permissions`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return driftRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	selection{}.register(f, &opts.Dir, &opts.Org, nil)
	f.StringVar(&opts.IssueRepo, "issue-repo", "", "OWNER/REPO holding the tracking issue")
	return cmd
}

func driftRun(ctx context.Context, opts *DriftOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var owner, repo string
	if opts.IssueRepo != "" {
		var ok bool
		owner, repo, ok = strings.Cut(opts.IssueRepo, "/")
		if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
			return usageError{fmt.Errorf("--issue-repo must be OWNER/REPO, not %q", opts.IssueRepo)}
		}
	}
	_, targets, err := selectTargets(opts.IO, opts.Dir, opts.Org, nil)
	if err != nil {
		return err
	}
	perms := readPermissions
	repos := targetRepos(targets)
	if owner != "" {
		perms = withPermission(readPermissions, "issues", "write")
		repos = append(repos, owner+"/"+repo)
	}
	client, err := opts.Global.connectFloor(ctx, opts.IO, perms, repos, targets)
	if err != nil {
		return err
	}
	p, actual, err := computePlanState(ctx, opts.IO, client, opts.Dir, targets)
	if err != nil {
		return err
	}
	if err := drift.WriteText(opts.IO.Out, p, actual, opts.IO.Color()); err != nil {
		return err
	}
	codes := []int{planExitCode(p, false)}
	if drift.Exists(p) {
		codes = append(codes, ExitChanges)
	}
	if owner == "" {
		return exit(worst(codes...), nil)
	}
	tracker := &issueTracker{c: client, org: owner, getenv: opts.IO.Getenv}
	res, err := drift.Sync(ctx, tracker, owner, repo, p, actual, opts.IO.Now(), runURL(opts.IO.Getenv))
	if err != nil {
		return fmt.Errorf("tracking issue in %s: %w", opts.IssueRepo, err)
	}
	switch res.Action {
	case drift.None:
		fmt.Fprintf(opts.IO.Out, "No drift, and no tracking issue open in %s.\n", opts.IssueRepo)
	default:
		fmt.Fprintf(opts.IO.Out, "Tracking issue %s: #%d %s\n", res.Action, res.Issue.Number, res.Issue.URL)
	}
	for _, n := range res.Duplicates {
		fmt.Fprintf(opts.IO.Out, "Closed #%d as a duplicate.\n", n)
	}
	return exit(worst(codes...), nil)
}

func withPermission(base map[string]string, name, level string) map[string]string {
	out := map[string]string{name: level}
	for k, v := range base {
		out[k] = v
	}
	return out
}

// runURL links the GitHub Actions run, when permsync runs in one.
func runURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s/actions/runs/%s", server, repo, id)
}

// issueTracker gives drift the adapter's issue calls.
type issueTracker struct {
	c      *ghapi.Client
	org    string
	getenv func(string) string
}

func (t *issueTracker) Viewer(ctx context.Context) (string, error) {
	login, err := t.c.Viewer(ctx, t.org)
	if err != nil && t.getenv("GITHUB_ACTIONS") == "true" && t.getenv("PERMSYNC_APP_ID") == "" {
		// The Actions GITHUB_TOKEN cannot ask who it is; it acts as this bot.
		return "github-actions[bot]", nil
	}
	return login, err
}

func (t *issueTracker) OpenIssues(ctx context.Context, owner, repo, label string) ([]drift.Issue, error) {
	list, err := t.c.ListIssues(ctx, owner, repo, label, "open")
	if err != nil {
		return nil, err
	}
	out := make([]drift.Issue, 0, len(list))
	for _, is := range list {
		out = append(out, drift.Issue{Number: is.Number, Title: is.Title, Body: is.Body, State: is.State, Author: is.Author, URL: is.URL})
	}
	return out, nil
}

func (t *issueTracker) CreateIssue(ctx context.Context, owner, repo, title, body string, labels []string) (drift.Issue, error) {
	is, err := t.c.CreateIssue(ctx, owner, repo, title, body, labels)
	if err != nil {
		return drift.Issue{}, err
	}
	return drift.Issue{Number: is.Number, Title: is.Title, Body: is.Body, State: is.State, Author: is.Author, URL: is.URL}, nil
}

func (t *issueTracker) EditIssue(ctx context.Context, owner, repo string, number int, body, state, reason string) error {
	var u ghapi.IssueUpdate
	if body != "" {
		u.Body = &body
	}
	if state != "" {
		u.State = &state
	}
	if reason != "" {
		u.StateReason = &reason
	}
	_, err := t.c.UpdateIssue(ctx, owner, repo, number, u)
	return err
}

func (t *issueTracker) Comment(ctx context.Context, owner, repo string, number int, body string) error {
	return t.c.CreateComment(ctx, owner, repo, number, body)
}

func (t *issueTracker) EnsureLabel(ctx context.Context, owner, repo, name, color, description string) error {
	return t.c.EnsureLabel(ctx, owner, repo, name, color, description)
}
