package cli

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

// AuditOptions are the inputs of "permsync audit".
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

	summaryOnly bool // the demo shows the summary and findings only
}

func newAuditCmd(io *IOStreams, g *GlobalOptions, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{IO: io, Global: g}
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Report who can do what, everywhere, and what changed",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return auditRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Dir, "dir", "permissions", "permissions directory")
	f.StringVar(&opts.Org, "org", "", "only this org")
	f.StringVar(&opts.Format, "format", "markdown", "output format: markdown, html, json or csv")
	f.StringVar(&opts.Out, "out", "", "write the report to this file instead of stdout")
	f.StringVar(&opts.Since, "since", "", "history window start (YYYY-MM-DD)")
	f.StringVar(&opts.SnapshotOut, "snapshot-out", "", "store the state read in this file (no secrets)")
	f.StringVar(&opts.Compare, "compare", "", "report what changed on GitHub since this snapshot")
	return cmd
}

var errAuditNotBuilt = errors.New("permsync audit is not built yet in this version")

func auditRun(ctx context.Context, opts *AuditOptions) error {
	return exit(ExitError, errAuditNotBuilt)
}
