// Package history reads the rights changes recorded in the git history of a
// permissions directory: for each commit in a window, who made it, when,
// what it changed (grants, protection and org settings, computed by loading
// the files at the commit and at its parent), and the pull request it came
// from with its approving reviewers, when a PullLookup can tell.
//
// git is run with explicit arguments (never through a shell) and its output
// is read in NUL-separated forms, so no file name, author name or subject can
// confuse the parsing. A directory that is not in a git checkout, or a
// machine without git, gives a Log that says so: never an error that stops
// an audit.
package history

import (
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// Log is the history of a permissions directory over a window.
type Log struct {
	// Available is false when the history could not be read (not a git
	// checkout, git missing); Note says why.
	Available bool      `json:"available"`
	Note      string    `json:"note,omitempty"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	// Path is the permissions directory inside its repository ("" when it
	// is the repository's root).
	Path string `json:"path"`
	// PRLookup says whether pull requests were looked up: "ok", or why not
	// ("unavailable: …").
	PRLookup string   `json:"pr_lookup"`
	Entries  []Entry  `json:"entries"`
	Warnings []string `json:"warnings,omitempty"`
}

// Entry is one commit that changed the permissions directory, as it landed
// on the checked-out branch (first parent: a merge commit stands for its
// whole pull request).
type Entry struct {
	Commit      string    `json:"commit"`
	Parent      string    `json:"parent,omitempty"` // "" for a root commit
	AuthorName  string    `json:"author_name"`
	AuthorEmail string    `json:"author_email"`
	Date        time.Time `json:"date"` // author date
	Committer   string    `json:"committer"`
	Subject     string    `json:"subject"`
	// Authors wrote the change: a merge commit's brought-in commits'
	// authors (else the commit's author), and Co-authored-by names.
	Authors []string `json:"authors"`
	// MergedBy is a merge commit's author when they did not write it.
	MergedBy string   `json:"merged_by,omitempty"`
	Changes  []Change `json:"changes"`
	// LoadNote is set when the files at the commit or its parent did not
	// load: Changes then lists changed files only.
	LoadNote string `json:"load_note,omitempty"`
	// PR is the pull request the commit came from, when found.
	PR *PullRequest `json:"pull_request,omitempty"`
	// PRNote says why there is no PR: "no pull request found",
	// "PR lookup unavailable", …
	PRNote string `json:"pr_note,omitempty"`
}

// ShortCommit is the commit's first 12 hex digits.
func (e Entry) ShortCommit() string {
	if len(e.Commit) > 12 {
		return e.Commit[:12]
	}
	return e.Commit
}

// PullRequest is a merged pull request and who approved it.
type PullRequest struct {
	Number    int       `json:"number"`
	Title     string    `json:"title"`
	URL       string    `json:"url"`
	Author    string    `json:"author"`
	MergedAt  time.Time `json:"merged_at"`
	Approvers []string  `json:"approvers"`
	// ReviewsNote is set when the reviews could not be read.
	ReviewsNote string `json:"reviews_note,omitempty"`
}

// ChangeKind is what a change did.
type ChangeKind string

// Change kinds.
const (
	GrantAdd         ChangeKind = "grant_add"
	GrantRemove      ChangeKind = "grant_remove"
	GrantChange      ChangeKind = "grant_change"
	ProtectionChange ChangeKind = "protection_change"
	FileAdd          ChangeKind = "file_add"    // a repository became managed
	FileRemove       ChangeKind = "file_remove" // a repository became unmanaged
	PolicyChange     ChangeKind = "policy_change"
	FileChange       ChangeKind = "file_change" // the files did not load: only the file is known
)

// Change is one semantic change a commit made to the files.
type Change struct {
	Kind ChangeKind `json:"kind"`
	Org  string     `json:"org"`
	Repo string     `json:"repo,omitempty"`
	// Principal is user:<login> or team:<slug> for grants.
	Principal string    `json:"principal,omitempty"`
	Before    role.Role `json:"before"`
	After     role.Role `json:"after"`
	// Branch and Field name a protection setting; Key an org setting.
	Branch      string `json:"branch,omitempty"`
	Field       string `json:"field,omitempty"`
	ValueBefore string `json:"value_before,omitempty"`
	ValueAfter  string `json:"value_after,omitempty"`
	File        string `json:"file,omitempty"`
	// Description is the change in a few words.
	Description string `json:"description"`
}
