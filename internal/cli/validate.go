package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/words"
)

type ValidateOptions struct {
	IO     *IOStreams
	Dir    string
	Format string
}

func newValidateCmd(io *IOStreams, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the permissions files (offline, needs no credentials)",
		Long: `Check every file of the permissions directory: YAML syntax, known keys and
roles, valid logins, team slugs and repository names, one role per principal
per repository, and the org files' settings. All problems are reported at
once as file:line:col: message. Nothing is sent to GitHub.`,
		Example: `  permsync validate
  permsync validate --dir permissions
  # annotate a pull request's files in GitHub Actions
  permsync validate --format github`,
		Args: noArgs,
		RunE: runE(opts, runF, func(_ context.Context, o *ValidateOptions) error { return validateRun(o) }),
	}
	selection{}.register(cmd.Flags(), &opts.Dir, nil, nil)
	cmd.Flags().StringVar(&opts.Format, "format", "text", "output format: text, json, or github (workflow annotations)")
	return cmd
}

func validateRun(opts *ValidateOptions) error {
	switch opts.Format {
	case "text", "json", "github":
	default:
		return usageError{fmt.Errorf("--format must be text, json or github, not %q", opts.Format)}
	}
	cfg, diags := config.LoadDir(opts.Dir)
	var orgs, repos, grants int
	if cfg != nil {
		orgs, repos, grants = cfg.Counts()
		diags = append(diags, cfg.ExpiryWarnings(opts.IO.Now())...) // dates: past or near (#14)
		diags.Sort()
	}
	nerr := len(diags.Filter(config.SevError))
	switch opts.Format {
	case "json":
		writeValidateJSON(opts, diags, orgs, repos, grants)
	case "github":
		for _, d := range diags {
			opts.IO.Annotation(githubAnnotation(d))
		}
		fallthrough
	default:
		for _, d := range diags {
			fmt.Fprintln(opts.IO.ErrOut, printable(d.String()))
		}
		if nerr == 0 {
			fmt.Fprintf(opts.IO.Out, "%s is valid: %s, %s, %s\n", printable(opts.Dir),
				words.Plural(orgs, "org"), words.Plural(repos, "repository"), words.Plural(grants, "grant"))
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %s; nothing was sent to GitHub\n", printable(opts.Dir), words.Plural(nerr, "error"))
		}
	}
	if nerr > 0 {
		return exit(ExitError, nil)
	}
	return nil
}

// ValidateJSON is the --format json output of validate (format_version 1).
type ValidateJSON struct {
	FormatVersion int                  `json:"format_version"`
	Valid         bool                 `json:"valid"`
	Orgs          int                  `json:"orgs"`
	Repositories  int                  `json:"repositories"`
	Grants        int                  `json:"grants"`
	Diagnostics   []ValidateDiagnostic `json:"diagnostics"`
}

// ValidateDiagnostic is one problem in ValidateJSON.
type ValidateDiagnostic struct {
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Message  string `json:"message"`
}

func writeValidateJSON(opts *ValidateOptions, diags config.Diagnostics, orgs, repos, grants int) {
	out := ValidateJSON{FormatVersion: 1, Valid: !diags.HasErrors(), Orgs: orgs, Repositories: repos, Grants: grants,
		Diagnostics: []ValidateDiagnostic{}}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, ValidateDiagnostic{Severity: severity(d), File: d.Pos.File, Line: d.Pos.Line, Column: d.Pos.Col, Message: d.Message})
	}
	enc := json.NewEncoder(opts.IO.Out)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}

// githubAnnotation formats a diagnostic as a GitHub Actions workflow command,
// escaped as the runner expects so a hostile message cannot inject commands.
func githubAnnotation(d config.Diagnostic) string {
	props := "file=" + escapeProperty(printableExceptNewlines(d.Pos.File))
	if d.Pos.Line > 0 {
		props += fmt.Sprintf(",line=%d", d.Pos.Line)
	}
	if d.Pos.Col > 0 {
		props += fmt.Sprintf(",col=%d", d.Pos.Col)
	}
	return fmt.Sprintf("::%s %s::%s", severity(d), props, escapeData(printableExceptNewlines(d.Message)))
}

// severity is "error" or "warning", as JSON and workflow commands spell it.
func severity(d config.Diagnostic) string {
	if d.Severity == config.SevWarning {
		return "warning"
	}
	return "error"
}

// printableExceptNewlines is printable for a workflow command's values,
// whose line breaks the runner's own escaping (%0A, %0D) handles.
func printableExceptNewlines(s string) string { return escapeControls(s, true) }

var (
	escapeData     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace
	escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
)
