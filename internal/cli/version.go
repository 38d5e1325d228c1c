package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/buildinfo"
)

// versionLine is what both "permsync version" and "permsync --version" print.
func versionLine() string {
	return fmt.Sprintf("permsync %s (%s, %s/%s)", buildinfo.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCmd(io *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print permsync's version (also: permsync --version)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(io.Out, versionLine())
			return nil
		},
	}
}

// newCompletionCmd prints a shell completion script. Cobra's own default
// command is disabled in the root so that the shells offered are the three
// this one documents, and its errors follow permsync's usage rules.
func newCompletionCmd(io *IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell on stdout.

  bash: source <(permsync completion bash)   # or save it in /etc/bash_completion.d/permsync
  zsh:  permsync completion zsh > "${fpath[1]}/_permsync"
  fish: permsync completion fish > ~/.config/fish/completions/permsync.fish`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("%s needs one shell: bash, zsh or fish", cmd.CommandPath())}
			}
			switch args[0] {
			case "bash", "zsh", "fish":
				return nil
			}
			return usageError{fmt.Errorf("%s: unknown shell %q (bash, zsh or fish)", cmd.CommandPath(), args[0])}
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(io.Out, true)
			case "zsh":
				return root.GenZshCompletion(io.Out)
			default:
				return root.GenFishCompletion(io.Out, true)
			}
		},
	}
}
