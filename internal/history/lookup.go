package history

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// PullLookup finds the pull requests of the permissions repository. The
// CLI satisfies it with the GitHub adapter, tests with a fake.
type PullLookup interface {
	// PullsForCommit lists the pull requests a commit belongs to.
	PullsForCommit(ctx context.Context, sha string) ([]PullInfo, error)
	// PullReviews lists a pull request's reviews, oldest first.
	PullReviews(ctx context.Context, number int) ([]Review, error)
}

// PullInfo is a pull request as a lookup returns it.
type PullInfo struct {
	Number         int
	Title          string
	URL            string
	Author         string
	Merged         bool
	MergedAt       time.Time
	MergeCommitSHA string
}

// Review is one pull request review.
type Review struct {
	User        string
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	SubmittedAt time.Time
}

// ErrLookupUnavailable marks a lookup error that will not go away for other
// commits (no credentials, no Pull requests permission, no such
// repository): lookups stop at the first one.
var ErrLookupUnavailable = errors.New("PR lookup unavailable")

// maxLookupFailures stops lookups after this many failures in a row.
const maxLookupFailures = 5

func lookupState(opts Options) string {
	if opts.Lookup == nil {
		note := opts.LookupNote
		if note == "" {
			note = "no credentials"
		}
		return "unavailable: " + note
	}
	return "ok"
}

// lookupPulls fills each entry's PR, or says why not.
func lookupPulls(ctx context.Context, l *Log, opts Options) {
	l.PRLookup = lookupState(opts)
	if opts.Lookup == nil {
		for i := range l.Entries {
			l.Entries[i].PRNote = "PR lookup unavailable"
		}
		return
	}
	failures := 0
	stopped := ""
	for i := range l.Entries {
		e := &l.Entries[i]
		if stopped != "" {
			e.PRNote = "PR lookup unavailable"
			continue
		}
		pr, err := findPull(ctx, opts.Lookup, e.Commit)
		switch {
		case errors.Is(err, ErrLookupUnavailable):
			stopped = err.Error()
			e.PRNote = "PR lookup unavailable"
		case err != nil:
			failures++
			e.PRNote = "PR lookup failed: " + err.Error()
			if failures >= maxLookupFailures {
				stopped = fmt.Sprintf("stopped after %d failures in a row (last: %v)", failures, err)
			}
		case pr == nil:
			failures = 0
			e.PRNote = "no pull request found (pushed directly?)"
		default:
			failures = 0
			e.PR = pr
		}
	}
	if stopped != "" {
		l.PRLookup = "unavailable: " + strings.TrimPrefix(stopped, ErrLookupUnavailable.Error()+": ")
	}
}

// findPull picks the pull request a commit landed through: the merged one
// whose merge commit it is, else any merged one, else the first.
func findPull(ctx context.Context, lk PullLookup, sha string) (*PullRequest, error) {
	pulls, err := lk.PullsForCommit(ctx, sha)
	if err != nil {
		return nil, err
	}
	if len(pulls) == 0 {
		return nil, nil
	}
	best := -1
	for i, p := range pulls {
		if p.Merged && strings.EqualFold(p.MergeCommitSHA, sha) {
			best = i
			break
		}
	}
	if best < 0 {
		for i, p := range pulls {
			if p.Merged {
				best = i
				break
			}
		}
	}
	if best < 0 {
		best = 0
	}
	p := pulls[best]
	out := &PullRequest{Number: p.Number, Title: p.Title, URL: p.URL, Author: p.Author, MergedAt: p.MergedAt.UTC(), Approvers: []string{}}
	reviews, err := lk.PullReviews(ctx, p.Number)
	if err != nil {
		if errors.Is(err, ErrLookupUnavailable) {
			return nil, err
		}
		out.ReviewsNote = "reviews could not be read: " + err.Error()
		return out, nil
	}
	out.Approvers = Approvers(reviews, p.Author)
	return out, nil
}

// Approvers returns who approved: each reviewer's latest deciding review
// (APPROVED, CHANGES_REQUESTED or DISMISSED; comments do not count) is an
// approval. The author cannot approve their own pull request.
func Approvers(reviews []Review, author string) []string {
	latest := map[string]Review{}
	names := map[string]string{}
	for _, r := range reviews {
		switch strings.ToUpper(r.State) {
		case "APPROVED", "CHANGES_REQUESTED", "DISMISSED":
		default:
			continue
		}
		if r.User == "" || strings.EqualFold(r.User, author) {
			continue
		}
		k := strings.ToLower(r.User)
		if prev, ok := latest[k]; ok && r.SubmittedAt.Before(prev.SubmittedAt) {
			continue
		}
		latest[k] = r
		names[k] = r.User
	}
	out := []string{}
	for k, r := range latest {
		if strings.EqualFold(r.State, "APPROVED") {
			out = append(out, names[k])
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}
