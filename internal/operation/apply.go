package operation

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/reconcile"
)

// StalePlanError says why a saved plan no longer holds: nothing was
// changed (exit 1).
type StalePlanError struct {
	File string // the saved plan
	Why  string
}

func (e *StalePlanError) Error() string {
	return fmt.Sprintf("stale plan: %s since %s was made; run permsync plan again (with the same --dir, --org and --repo) and have it approved again", e.Why, e.File)
}

// RefusedError: the plan holds a change permsync will not make, so apply
// changed nothing at all (exit 3).
type RefusedError struct{ Plan *reconcile.Plan }

func (e *RefusedError) Error() string {
	return "the plan holds refused changes: nothing was changed on GitHub"
}

// CheckSaved returns a *StalePlanError unless now, the plan just made of
// the same files, is the saved one (the approver saw the saved plan; only
// that may run) and neither the files nor GitHub changed for any of its
// repositories.
func CheckSaved(saved, now *reconcile.Plan, file string) error {
	why := staleness(saved, now)
	if why == "" {
		why = planDiffers(saved, now)
	}
	if why == "" {
		return nil
	}
	return &StalePlanError{File: file, Why: why}
}

// Apply makes the plan's changes through the client that read it.
func (e Env) Apply(ctx context.Context, p *Planned, outcome func(reconcile.Outcome)) (*reconcile.Result, error) {
	return reconcile.Apply(ctx, p.Plan, p.Client, outcome)
}

// staleness says why a saved plan no longer holds, or "".
func staleness(saved, now *reconcile.Plan) string {
	cur := map[string]reconcile.Digest{}
	for _, d := range now.Digests {
		cur[strings.ToLower(d.Org+"/"+d.Repo)] = d
	}
	for _, d := range saved.Digests {
		n, ok := cur[strings.ToLower(d.Org+"/"+d.Repo)]
		switch {
		case !ok:
			return fmt.Sprintf("%s/%s is no longer in the files", d.Org, d.Repo)
		case n.Files != d.Files:
			return fmt.Sprintf("the files for %s/%s changed", d.Org, d.Repo)
		case n.State != d.State:
			return fmt.Sprintf("GitHub's state of %s/%s changed", d.Org, d.Repo)
		}
	}
	return ""
}

// planDiffers says how a saved plan differs from the plan just made of the
// same files, or "".
func planDiffers(saved, now *reconcile.Plan) string {
	var buf bytes.Buffer
	if err := now.WriteJSON(&buf); err != nil {
		return "the new plan cannot be compared: " + err.Error()
	}
	// Through JSON, as the saved plan came, so that both are compared alike.
	cur, err := reconcile.ReadPlan(&buf)
	if err != nil {
		return "the new plan cannot be compared: " + err.Error()
	}
	norm := func(repos []string) []string {
		out := make([]string, len(repos))
		for i, r := range repos {
			out[i] = strings.ToLower(r)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(norm(saved.Repos), norm(cur.Repos)) {
		return fmt.Sprintf("the repositories planned (%s) are not the saved plan's (%s)", strings.Join(cur.Repos, ", "), strings.Join(saved.Repos, ", "))
	}
	for _, part := range []struct {
		what      string
		old, next any
	}{
		{"orgs' modes", saved.Orgs, cur.Orgs},
		{"changes", saved.Changes, cur.Changes},
		{"refusals", saved.Refusals, cur.Refusals},
		{"file and GitHub digests", saved.Digests, cur.Digests},
	} {
		a, _ := json.Marshal(part.old)
		b, _ := json.Marshal(part.next)
		if !bytes.Equal(a, b) {
			return "the " + part.what + " planned now are not the saved plan's"
		}
	}
	return ""
}
