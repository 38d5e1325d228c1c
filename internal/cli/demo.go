package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/demo"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/history"
)

type DemoOptions struct {
	IO     *IOStreams
	Dir    string
	Serve  bool
	Listen string

	// serving, when set, is called once the served org is up, with the
	// environment that points permsync at it (tests run commands there,
	// then cancel the context). Nil in the product.
	serving func(env []string)
}

func newDemoCmd(io *IOStreams, runF func(*DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole loop on a built-in simulated org (no credentials, no network)",
		Long: `Start a simulated GitHub on this machine (loopback only), seed it with an org
that mirrors the permissions files plus drift made "by hand" (a stray admin,
a user added in the UI, weakened branch protection, a pending invitation, a
lowered team grant), then run validate, plan, apply, plan again (now empty)
and audit against it. Nothing reaches the internet or real GitHub.

With --serve, the simulated org (the files plus the drift) keeps running
until Ctrl-C instead, and the environment that points permsync at it is
printed: edit a file, run plan, apply, drift or audit against it.`,
		Example: `  go run ./cmd/permsync demo
  permsync demo --dir permissions

  # Keep the simulated org running, then plan your own edits against it
  permsync demo --serve`,
		Args: noArgs,
		RunE: runE(opts, runF, demoRun),
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "permissions", "permissions directory to mirror")
	cmd.Flags().BoolVar(&opts.Serve, "serve", false, "keep the simulated org running (until Ctrl-C) and print the environment to point permsync at it")
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:0", "with --serve: the address to serve on (keep it on loopback)")
	return cmd
}

// demoServe starts the simulated org and keeps it until ctx ends or the
// process is interrupted.
func demoServe(ctx context.Context, opts *DemoOptions) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := opts.IO.Out
	if _, err := os.Stat(opts.Dir); err != nil {
		return fmt.Errorf("demo: %s not found: run it from the repository root, or pass --dir", opts.Dir)
	}
	cfg, err := loadConfig(opts.IO, opts.Dir)
	if err != nil {
		return err
	}
	world, err := startWorld(cfg, opts.Listen)
	if err != nil {
		return fmt.Errorf("demo: starting the simulated GitHub on %s: %w", opts.Listen, err)
	}
	defer world.Close()
	keyDir, err := os.MkdirTemp("", "permsync-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(keyDir)
	keyFile := filepath.Join(keyDir, "app.pem")
	// The key of a throwaway App on a loopback simulator, but a key all the
	// same: only its owner reads it.
	if err := os.WriteFile(keyFile, world.KeyPEM, 0o600); err != nil {
		return err
	}
	env := []string{
		"GITHUB_API_URL=" + world.Server.URL(),
		"PERMSYNC_APP_ID=" + strconv.FormatInt(world.AppID, 10),
		"PERMSYNC_APP_PRIVATE_KEY_FILE=" + keyFile,
	}
	fmt.Fprintf(out, "A simulated GitHub is running at %s (loopback only), mirroring %s\n", world.Server.URL(), opts.Dir)
	fmt.Fprintln(out, "plus what was changed by hand in its UI:")
	printDrift(out, world)
	fmt.Fprintf(out, "\nPoint permsync at it from another shell (the App %q is installed on every org):\n\n", demo.AppSlug)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(out, "  export %s=%s\n", k, shellQuote(v))
	}
	fmt.Fprintf(out, "  permsync plan --dir %s --cache-dir off\n\n", shellQuote(opts.Dir))
	fmt.Fprintln(out, "Edit a file and plan again; apply makes the simulated GitHub match, drift and audit report on it.")
	fmt.Fprintln(out, "Ctrl-C stops it (nothing is kept).")
	if opts.serving != nil {
		opts.serving(env)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "\nStopped the simulated GitHub.")
	return nil
}

// startWorld is demo.Start on addr, with the simulator's panic on an
// address it cannot listen on turned into an error.
func startWorld(cfg *config.Config, addr string) (w *demo.World, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return demo.Start(cfg, ghsim.WithAddr(addr))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r == '=' || r == '+' || r == ',' || r == '@' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'))
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func printDrift(out io.Writer, world *demo.World) {
	for _, d := range world.Drift {
		fmt.Fprintf(out, "  - %s\n", d)
	}
}

func demoRun(ctx context.Context, opts *DemoOptions) error {
	if opts.Serve {
		return demoServe(ctx, opts)
	}
	out := opts.IO.Out
	step := func(n int, title, why string) {
		fmt.Fprintf(out, "\n== %d/5 %s\n   %s\n\n", n, title, why)
	}

	step(1, "validate", "The files are checked offline: syntax, roles, logins, one role per person per repository.")
	if err := validateRun(&ValidateOptions{IO: opts.IO, Dir: opts.Dir, Format: "text"}); err != nil {
		if _, statErr := os.Stat(opts.Dir); statErr != nil {
			return fmt.Errorf("demo: %s not found: run it from the repository root, or pass --dir", opts.Dir)
		}
		return err
	}
	cfg, err := loadConfig(opts.IO, opts.Dir)
	if err != nil {
		return err
	}

	world, err := demo.Start(cfg)
	if err != nil {
		return fmt.Errorf("demo: starting the simulated GitHub: %w", err)
	}
	defer world.Close()
	creds, err := ghapi.AppCredentials(world.AppID, world.KeyPEM, 0)
	if err != nil {
		return err
	}
	cacheDir, err := os.MkdirTemp("", "permsync-demo-cache-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cacheDir)
	g := &GlobalOptions{
		APIURL:          world.Server.URL(),
		CacheDir:        cacheDir,
		ReadConcurrency: 4,
		WriteInterval:   20 * time.Millisecond, // the simulator needs no pacing
		credentials:     &creds,
	}
	fmt.Fprintf(out, "\nA simulated GitHub is running at %s, authenticating permsync as the GitHub App %q.\n", world.Server.URL(), demo.AppSlug)
	fmt.Fprintln(out, "It mirrors the files, except for what was changed by hand in its UI:")
	printDrift(out, world)

	step(2, "plan", "What differs between the files and GitHub, and who gains or loses access.")
	if err := planRun(ctx, &PlanOptions{IO: opts.IO, Global: g, Dir: opts.Dir, Format: "text"}); exitCode(err) != ExitOK {
		return demoFailed("plan", err)
	}

	step(3, "apply", "Make GitHub match: adds and raises first, each grant re-read before it is written.")
	if err := applyRun(ctx, &ApplyOptions{IO: opts.IO, Global: g, Dir: opts.Dir, Yes: true, hidePlan: true}); exitCode(err) != ExitOK {
		return demoFailed("apply", err)
	}

	step(4, "plan again", "GitHub now matches the files: the plan is empty (exit 0 with --detailed-exitcode).")
	if err := planRun(ctx, &PlanOptions{IO: opts.IO, Global: g, Dir: opts.Dir, Format: "text", DetailedExitCode: true}); exitCode(err) != ExitOK {
		return demoFailed("the second plan", err)
	}

	step(5, "audit", "Who can administer what, what release engineering should look at, and who approved each change.")
	// The simulated permissions repository serves a reviewed pull request
	// for each commit of the files' history: the audit names the approvers.
	self := cfg.Orgs[0].Name + "/permissions"
	hist := history.Read(ctx, history.Options{Dir: opts.Dir, Since: time.Unix(0, 0), Until: opts.IO.Now()})
	world.SeedPullRequests(cfg.Orgs[0], "permissions", hist.Entries)
	if err := auditRun(ctx, &AuditOptions{IO: opts.IO, Global: g, Dir: opts.Dir, Format: "markdown", SelfRepo: self, Since: "2000-01-01", summaryOnly: true}); err != nil {
		return demoFailed("audit", err)
	}

	fmt.Fprintln(out, "\nDone: the files and the simulated GitHub agree. Next: docs/setup.md adopts permsync for a real org.")
	return nil
}

func demoFailed(what string, err error) error {
	if err == nil {
		err = errors.New("unexpected exit code")
	}
	return fmt.Errorf("demo: %s failed: %w", what, err)
}
