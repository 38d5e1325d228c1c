package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/render"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
)

type AuditOptions struct {
	IO          *IOStreams
	Global      *GlobalOptions
	Dir         string
	Org         string
	Format      string
	Out         string
	Since       string
	SnapshotOut string
	Compare     string
	CompareFrom string
	SelfRepo    string
	// InactiveDays is the inactive-access horizon; 0 skips the rule (and
	// its one request per repository).
	InactiveDays int

	summaryOnly bool // the demo shows the summary and findings only
}

func newAuditCmd(io *IOStreams, g *GlobalOptions, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Report who can do what, everywhere, and what changed",
		Long: `Read every repository of each org (managed or not) and report, for release
engineering:

  - who holds which role on each repository, and through what: a direct
    grant, a team (nested teams resolved to people), org ownership, the org
    base role, a pending invitation; outside collaborators marked;
  - what each person can administer, maintain and write;
  - org owners, expected or not; every App installation and deploy key with
    its reach, flagging Apps with Administration write outside trusted_apps
    and deploy keys that can push;
  - people with write or above and no event in a repository's events for
    --inactive-days (default 90; one request per repository, cached);
  - user entries not pinned to an account ({login, id});
  - each default branch's protection, and whether each required_checks entry
    (EasyCLA, DCO) is required, pinned to its App or spoofable;
  - drift and refusals (the plan), unmanaged and archived repositories;
  - findings ranked by severity, each with a fix;
  - the rights changes in the files' git history since --since, each with the
    pull request it came from and who approved it;
  - with --compare, what changed on GitHub since a snapshot that no file
    explains (made by hand);
  - a self-check of the permissions repository (--self-repo, default
    $GITHUB_REPOSITORY, else the checkout's origin remote).

Formats: markdown (an issue or job summary), text (a terminal: summary,
findings, who administers what, the CLA check, the changes and their
approvers), html (one self-contained page to read or print: folded
sections, a role matrix), json (docs/audit-json.md), csv (one row per
repository, principal, role and source). Findings are one per cause: a rule
of the org file or an org ruleset is one finding listing its repositories. Nothing is changed on
GitHub, and no secret is written: snapshots hold GitHub's state only.

Needs the reader App's Administration, Members and Metadata read; with
Organization administration read it also lists the org's Apps, and with Pull
requests read on the permissions repository it names each change's approvers.

Exit codes: 0 the report was written (findings are not errors), 1 error
(an org that could not be read still gets a report, then exit 1).`,
		Example: `  # The nightly job summary
  permsync audit >> "$GITHUB_STEP_SUMMARY"

  # Everything, as one page to open or print
  permsync audit --format html --out audit.html

  # Who changed rights since a date, and who approved it (from a laptop:
  # name the permissions repository; any credential that can read it)
  permsync audit --format text --since 2025-01-01 --self-repo acme/permissions

  # What changed on GitHub since last night, outside the files' history
  permsync audit --compare audit-state.json --snapshot-out audit-state.json

  # For a spreadsheet; as JSON for tooling
  permsync audit --format csv --out access.csv
  permsync audit --org AcademySoftwareFoundation --format json --out audit.json`,
		Args: noArgs,
		RunE: runE(opts, runF, auditRun),
	}
	f := cmd.Flags()
	selection{orgHelp: "only this org (an org without files is audited with the default policy)"}.register(f, &opts.Dir, &opts.Org, nil)
	f.StringVar(&opts.Format, "format", "markdown", "output format: markdown, text, html, json, csv (who holds what) or findings-csv (every finding, one row per repository)")
	f.StringVar(&opts.Out, "out", "", "write the report to this file instead of stdout")
	f.StringVar(&opts.Since, "since", "", "history window start, YYYY-MM-DD (default: 30 days ago)")
	f.StringVar(&opts.SnapshotOut, "snapshot-out", "", "store the state read in this file, for a later --compare (no secrets)")
	f.StringVar(&opts.Compare, "compare", "", "report what changed on GitHub since this snapshot")
	f.StringVar(&opts.CompareFrom, "compare-from", "", "where the --compare snapshot came from, said in the report")
	f.IntVar(&opts.InactiveDays, "inactive-days", 90, "report write access with no event in a repository's events for this many days (1-90: GitHub keeps 90 days of events; 0: skip, saving one request per repository)")
	f.StringVar(&opts.SelfRepo, "self-repo", "", "the permissions repository OWNER/REPO, for its self-check and pull request lookups (default $GITHUB_REPOSITORY, else the checkout's origin remote)")
	return cmd
}

func auditRun(ctx context.Context, opts *AuditOptions) error {
	draw := auditFormats[opts.Format]
	if draw == nil {
		return usageError{fmt.Errorf("--format must be markdown, text, html, json, csv or findings-csv, not %q", opts.Format)}
	}
	if opts.InactiveDays < 0 || opts.InactiveDays > 90 {
		return usageError{fmt.Errorf("--inactive-days must be from 1 to 90 (GitHub's events reach back 90 days), or 0 to skip, not %d", opts.InactiveDays)}
	}
	now := opts.IO.Now().UTC()
	since, err := parseSince(opts.Since, now)
	if err != nil {
		return usageError{err}
	}
	cfg, err := loadConfig(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	orgs, notes, err := auditOrgs(cfg, opts.Org)
	if err != nil {
		return usageError{err}
	}
	var previous *audit.Snapshot
	if opts.Compare != "" {
		previous, err = readFile("--compare", opts.Compare, audit.ReadSnapshot)
		if err != nil {
			return err
		}
	}
	self, selfNote := resolveSelfRepo(ctx, opts)
	in := operation.AuditInput{Dir: opts.Dir, Config: cfg, Orgs: orgs, Notes: notes, Previous: previous, CompareFrom: opts.CompareFrom,
		Self: self, SelfNote: selfNote, Since: since, Now: now, InactiveDays: opts.InactiveDays}
	if opts.summaryOnly && opts.SelfRepo == "" {
		in.LookupNote = "not looked up for a summary"
	}
	done, err := opts.Global.env(opts.IO).Audit(ctx, in)
	if err != nil {
		return err
	}
	rep, orgErrs := done.Report, done.OrgErrors

	if opts.SnapshotOut != "" && !opts.summaryOnly {
		snap := audit.NewSnapshot(done.Actual, now)
		if err := writeOut(opts.IO, opts.SnapshotOut, func(w io.Writer, _ bool) error { return audit.WriteSnapshot(w, snap) }); err != nil {
			return fmt.Errorf("--snapshot-out: %w", err)
		}
	}
	if opts.summaryOnly {
		if err := render.Markdown(opts.IO.Out, rep, render.MarkdownOptions{SummaryOnly: true, TopFindings: 8, History: opts.SelfRepo != ""}); err != nil {
			return err
		}
	} else if err := writeOut(opts.IO, opts.Out, func(w io.Writer, _ bool) error { return draw(w, rep) }); err != nil {
		return err
	}
	if opts.Out != "" {
		fmt.Fprintf(opts.IO.ErrOut, "audit: findings: %s; report written to %s\n", render.FindingCounts(rep), opts.Out)
	}
	if opts.SnapshotOut != "" && !opts.summaryOnly {
		fmt.Fprintf(opts.IO.ErrOut, "audit: snapshot of the state read written to %s\n", opts.SnapshotOut)
	}
	if len(orgErrs) > 0 {
		var names []string
		for _, o := range orgs {
			if msg, ok := orgErrs[strings.ToLower(o.Name)]; ok {
				names = append(names, o.Name+" ("+msg+")")
			}
		}
		return fmt.Errorf("could not read %s; the report says what is missing", strings.Join(names, ", "))
	}
	return nil
}

// auditFormats is the one table of --format: checked and drawn through it.
var auditFormats = map[string]func(io.Writer, *audit.Report) error{
	"markdown": func(w io.Writer, rep *audit.Report) error {
		// A job summary holds at most 1 MiB; the HTML and JSON reports hold the rest.
		return render.Markdown(w, rep, render.MarkdownOptions{MaxBytes: render.JobSummaryLimit - 16<<10})
	},
	"text":         func(w io.Writer, rep *audit.Report) error { return render.Text(w, rep, render.TextOptions{}) },
	"html":         render.HTML,
	"json":         render.JSON,
	"csv":          render.CSV,
	"findings-csv": render.FindingsCSV,
}

// parseSince reads --since (YYYY-MM-DD, the start of that day in UTC;
// default: 30 days ago).
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.Add(-30 * 24 * time.Hour), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--since must be a date as YYYY-MM-DD, not %q", s)
	}
	if t.After(now) {
		return time.Time{}, fmt.Errorf("--since %s is in the future", s)
	}
	return t, nil
}

// auditOrgs picks the orgs to audit: every org of the files, or --org (an
// org without files is audited against the default policy).
func auditOrgs(cfg *config.Config, org string) ([]*config.Org, []string, error) {
	if org == "" {
		return cfg.Orgs, nil, nil
	}
	if o := cfg.Org(org); o != nil {
		return []*config.Org{o}, nil, nil
	}
	if !config.ValidLogin(org) {
		return nil, nil, fmt.Errorf("--org %q is not a valid GitHub organization name", org)
	}
	note := fmt.Sprintf("%s has no files in %s: it is audited against the default policy, and each of its repositories is unmanaged.", org, cfg.Dir)
	return []*config.Org{{Name: org, Policy: config.DefaultPolicy()}}, []string{note}, nil
}

// readFile reads the file a flag names (a saved plan, an audit snapshot).
func readFile[T any](flag, file string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(file)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", flag, err)
	}
	defer f.Close()
	v, err := read(f)
	if err != nil {
		return v, fmt.Errorf("%s %s: %w", flag, file, err)
	}
	return v, nil
}

// resolveSelfRepo finds the permissions repository: --self-repo, else
// $GITHUB_REPOSITORY, else the origin remote of the checkout holding --dir
// when it is on github.com or this GitHub Enterprise Server.
func resolveSelfRepo(ctx context.Context, opts *AuditOptions) (repo, note string) {
	if opts.SelfRepo != "" {
		if r, ok := ownerRepo(opts.SelfRepo); ok {
			return r, ""
		}
		return "", fmt.Sprintf("skipped: --self-repo %q is not OWNER/REPO", opts.SelfRepo)
	}
	if r, ok := ownerRepo(opts.IO.Getenv("GITHUB_REPOSITORY")); ok {
		return r, ""
	}
	apiURL := cmp.Or(opts.Global.APIURL, opts.IO.Getenv("GITHUB_API_URL"))
	if r, ok := repoFromRemote(history.OriginURL(ctx, opts.Dir, ""), apiURL); ok {
		return r, ""
	}
	return "", "skipped: the permissions repository is not known (pass --self-repo OWNER/REPO, or run in GitHub Actions)"
}

func ownerRepo(s string) (string, bool) {
	owner, name, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || !config.ValidLogin(owner) || !config.ValidRepoName(name) {
		return "", false
	}
	return owner + "/" + name, true
}

// repoFromRemote takes OWNER/REPO from a git remote URL on github.com or on
// the API's host (GitHub Enterprise Server). The URL itself, which may hold
// credentials, is never shown.
func repoFromRemote(remote, apiURL string) (string, bool) {
	if remote == "" {
		return "", false
	}
	var host, p string
	if u, err := url.Parse(remote); err == nil && u.Host != "" {
		host, p = u.Hostname(), u.Path
	} else if at, rest, ok := strings.Cut(remote, "@"); ok && !strings.Contains(at, "/") {
		// scp-like: git@github.com:OWNER/REPO.git
		h, rp, ok := strings.Cut(rest, ":")
		if !ok {
			return "", false
		}
		host, p = h, rp
	} else {
		return "", false
	}
	hosts := []string{"github.com"}
	if u, err := url.Parse(apiURL); err == nil && u.Hostname() != "" && u.Hostname() != "api.github.com" {
		hosts = append(hosts, u.Hostname())
	}
	if !slices.ContainsFunc(hosts, func(h string) bool { return strings.EqualFold(host, h) }) {
		return "", false
	}
	p = strings.TrimSuffix(strings.Trim(path.Clean("/"+p), "/"), ".git")
	return ownerRepo(p)
}
