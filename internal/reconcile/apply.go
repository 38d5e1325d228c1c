package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Writer changes GitHub. Each write is preceded by a fresh read of the one
// grant or branch it changes, so a hand change or a second run in between
// is never overwritten blindly.
type Writer interface {
	UserGrant(ctx context.Context, org, repo, login string) (*state.UserGrant, *state.Invitation, error)
	TeamGrant(ctx context.Context, org, repo, slug string) (*state.TeamGrant, error)
	BranchProtection(ctx context.Context, org, repo, branch string) (state.BranchProtection, error)

	SetUserGrant(ctx context.Context, org, repo, login string, r role.Role) (*state.Invitation, error)
	RemoveUserGrant(ctx context.Context, org, repo, login string) error
	UpdateInvitation(ctx context.Context, org, repo string, id int64, r role.Role) error
	DeleteInvitation(ctx context.Context, org, repo string, id int64) error
	SetTeamGrant(ctx context.Context, org, repo, slug string, r role.Role) error
	RemoveTeamGrant(ctx context.Context, org, repo, slug string) error
	CreateProtection(ctx context.Context, org, repo, branch string, want state.ProtectionSettings) error
	UpdateProtection(ctx context.Context, org, repo, branch string, want state.ProtectionSettings) error
}

// Status is what happened to one change.
type Status string

const (
	Done     Status = "done"
	Already  Status = "already"  // GitHub already matched when re-read
	Failed   Status = "failed"   // the write failed after retries
	Conflict Status = "conflict" // GitHub changed since the plan; not touched
	Skipped  Status = "skipped"  // an add or raise failed in the same repository
)

// Outcome is one change and what happened to it.
type Outcome struct {
	Change  Change `json:"change"`
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	// Invited is set when GitHub answered a grant with an invitation.
	Invited bool `json:"invited,omitempty"`
}

// Result is what an apply did, change by change.
type Result struct {
	Outcomes []Outcome `json:"outcomes"`
}

// Count returns how many outcomes have status s.
func (r *Result) Count(s Status) int {
	n := 0
	for _, o := range r.Outcomes {
		if o.Status == s {
			n++
		}
	}
	return n
}

// Partial reports whether some change was not made.
func (r *Result) Partial() bool {
	return r.Count(Failed)+r.Count(Conflict)+r.Count(Skipped) > 0
}

// ErrRefused is returned by Apply for a plan holding a refusal: nothing is written.
var ErrRefused = errors.New("the plan holds refused changes: nothing was changed")

// Apply makes the plan's changes: adds and raises first, then lowers and
// removals, so nobody is locked out half way. When an add or raise fails in
// a repository, that repository's lowers and removals are skipped. Failures
// are collected, not fatal; a re-run converges. progress, when set, is told
// each outcome as it happens.
func Apply(ctx context.Context, p *Plan, w Writer, progress func(Outcome)) (*Result, error) {
	if len(p.Refusals) > 0 {
		return nil, ErrRefused
	}
	res := &Result{}
	record := func(o Outcome) {
		res.Outcomes = append(res.Outcomes, o)
		if progress != nil {
			progress(o)
		}
	}
	failedRaise := map[string]bool{}
	for _, phase := range []bool{true, false} {
		for _, c := range p.Changes {
			if c.Raises() != phase {
				continue
			}
			key := strings.ToLower(c.Org + "/" + c.Repo)
			if !phase && failedRaise[key] {
				record(Outcome{Change: c, Status: Skipped, Message: "skipped: an add or raise failed in this repository, so its lowers and removals wait for the next run"})
				continue
			}
			if err := ctx.Err(); err != nil {
				record(Outcome{Change: c, Status: Skipped, Message: "skipped: " + err.Error()})
				continue
			}
			o := applyOne(ctx, w, c)
			if phase && (o.Status == Failed || o.Status == Conflict) {
				failedRaise[key] = true
			}
			record(o)
		}
	}
	return res, nil
}

func applyOne(ctx context.Context, w Writer, c Change) Outcome {
	switch c.Kind {
	case UserAdd, UserChange, UserRemove, InvitationChange, InvitationCancel, InvitationResend:
		return applyUser(ctx, w, c)
	case TeamAdd, TeamChange, TeamRemove:
		return applyTeam(ctx, w, c)
	case ProtectionCreate, ProtectionUpdate:
		return applyProtection(ctx, w, c)
	case FloorRulesetCreate, FloorRulesetUpdate:
		return applyFloorRuleset(ctx, w, c)
	}
	return Outcome{Change: c, Status: Failed, Message: "unknown change kind " + string(c.Kind)}
}

func failed(c Change, err error) Outcome {
	return Outcome{Change: c, Status: Failed, Message: err.Error()}
}

func conflict(c Change, now string) Outcome {
	return Outcome{Change: c, Status: Conflict, Message: "GitHub changed since the plan (now " + now + "); not touched: run plan again"}
}

func applyUser(ctx context.Context, w Writer, c Change) Outcome {
	grant, inv, err := w.UserGrant(ctx, c.Org, c.Repo, c.User)
	if err != nil {
		return failed(c, fmt.Errorf("re-reading %s: %w", c.User, err))
	}
	direct := role.None
	if grant != nil {
		direct = grant.Role
	}
	pending := inv != nil && !inv.Expired
	now := describeUser(grant, inv)
	switch c.Kind {
	case UserAdd, UserChange:
		if direct == c.After && (grant == nil || grant.RoleName == "") {
			return Outcome{Change: c, Status: Already}
		}
		if pending && inv.Role == c.After && c.Kind == UserAdd {
			return Outcome{Change: c, Status: Already, Invited: true}
		}
		if direct != c.Before || (c.Kind == UserAdd && inv != nil) {
			return conflict(c, now)
		}
		newInv, err := w.SetUserGrant(ctx, c.Org, c.Repo, c.User, c.After)
		if err != nil {
			return failed(c, err)
		}
		return Outcome{Change: c, Status: Done, Invited: newInv != nil}
	case UserRemove:
		if grant == nil {
			return Outcome{Change: c, Status: Already}
		}
		if direct != c.Before {
			return conflict(c, now)
		}
		if err := w.RemoveUserGrant(ctx, c.Org, c.Repo, c.User); err != nil {
			return failed(c, err)
		}
	case InvitationChange:
		switch {
		case inv == nil || inv.ID != c.InvitationID:
			return conflict(c, now)
		case inv.Role == c.After:
			return Outcome{Change: c, Status: Already}
		case inv.Role != c.Before:
			return conflict(c, now)
		}
		if err := w.UpdateInvitation(ctx, c.Org, c.Repo, c.InvitationID, c.After); err != nil {
			return failed(c, err)
		}
	case InvitationCancel:
		if inv == nil || inv.ID != c.InvitationID {
			return Outcome{Change: c, Status: Already}
		}
		if err := w.DeleteInvitation(ctx, c.Org, c.Repo, c.InvitationID); err != nil {
			return failed(c, err)
		}
	case InvitationResend:
		switch {
		case grant != nil && direct == c.After:
			return Outcome{Change: c, Status: Already} // accepted meanwhile
		case pending && inv.Role == c.After:
			return Outcome{Change: c, Status: Already, Invited: true} // re-sent meanwhile
		case inv == nil || inv.ID != c.InvitationID || !inv.Expired:
			return conflict(c, now)
		}
		// The expired invitation goes first, so GitHub sends a fresh one
		// rather than answering about the old.
		if err := w.DeleteInvitation(ctx, c.Org, c.Repo, c.InvitationID); err != nil {
			return failed(c, err)
		}
		newInv, err := w.SetUserGrant(ctx, c.Org, c.Repo, c.User, c.After)
		if err != nil {
			return failed(c, err)
		}
		return Outcome{Change: c, Status: Done, Invited: newInv != nil}
	}
	return Outcome{Change: c, Status: Done}
}

func describeUser(g *state.UserGrant, inv *state.Invitation) string {
	var parts []string
	if g != nil {
		parts = append(parts, "direct "+g.Role.String())
	}
	if inv != nil {
		s := "invited as " + inv.Role.String()
		if inv.Expired {
			s += " (expired)"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "no direct grant"
	}
	return strings.Join(parts, ", ")
}

func applyTeam(ctx context.Context, w Writer, c Change) Outcome {
	cur, err := w.TeamGrant(ctx, c.Org, c.Repo, c.Team)
	if err != nil {
		return failed(c, fmt.Errorf("re-reading team %s: %w", c.Team, err))
	}
	r := role.None
	if cur != nil {
		r = cur.Role
	}
	now := "no grant"
	if cur != nil {
		now = cur.Role.String()
	}
	switch {
	case r == c.After && (cur == nil || cur.RoleName == ""):
		return Outcome{Change: c, Status: Already}
	case r != c.Before:
		return conflict(c, now)
	}
	if c.Kind == TeamRemove {
		err = w.RemoveTeamGrant(ctx, c.Org, c.Repo, c.Team)
	} else {
		err = w.SetTeamGrant(ctx, c.Org, c.Repo, c.Team, c.After)
	}
	if err != nil {
		return failed(c, err)
	}
	return Outcome{Change: c, Status: Done}
}

func applyProtection(ctx context.Context, w Writer, c Change) Outcome {
	cur, err := w.BranchProtection(ctx, c.Org, c.Repo, c.Branch)
	if err != nil {
		return failed(c, fmt.Errorf("re-reading protection of %s: %w", c.Branch, err))
	}
	want := *c.ProtectionAfter
	if cur.Protected && satisfies(cur, want) {
		return Outcome{Change: c, Status: Already}
	}
	if !sameManaged(cur, *c.ProtectionBefore) {
		return conflict(c, "protection changed")
	}
	if c.Kind == ProtectionCreate {
		err = w.CreateProtection(ctx, c.Org, c.Repo, c.Branch, want)
	} else {
		err = w.UpdateProtection(ctx, c.Org, c.Repo, c.Branch, want)
	}
	if err != nil {
		return failed(c, err)
	}
	return Outcome{Change: c, Status: Done}
}

// satisfies reports whether protection already has every setting want names.
func satisfies(cur state.BranchProtection, want state.ProtectionSettings) bool {
	if want.Checks != nil {
		if cur.StatusChecks == nil {
			if len(*want.Checks) > 0 || (want.Strict != nil && *want.Strict) {
				return false
			}
		} else if !sameChecks(*want.Checks, cur.StatusChecks.Checks) {
			return false
		}
	}
	if want.Strict != nil && (cur.StatusChecks == nil && *want.Strict || cur.StatusChecks != nil && cur.StatusChecks.Strict != *want.Strict) {
		return false
	}
	if want.EnforceAdmins != nil && cur.EnforceAdmins != *want.EnforceAdmins {
		return false
	}
	if want.Reviews != nil && (cur.Reviews == nil || cur.Reviews.Count != *want.Reviews) {
		return false
	}
	return true
}

// sameManaged compares the settings a plan was computed from with a fresh read.
func sameManaged(a, b state.BranchProtection) bool {
	if a.Protected != b.Protected || a.EnforceAdmins != b.EnforceAdmins {
		return false
	}
	if (a.StatusChecks == nil) != (b.StatusChecks == nil) || (a.Reviews == nil) != (b.Reviews == nil) {
		return false
	}
	if a.StatusChecks != nil && (a.StatusChecks.Strict != b.StatusChecks.Strict || !sameChecks(a.StatusChecks.Checks, b.StatusChecks.Checks)) {
		return false
	}
	if a.Reviews != nil && a.Reviews.Count != b.Reviews.Count {
		return false
	}
	return true
}
