// Command ghsim runs the simulated GitHub of package ghsim as a
// standalone server, for scripts, benchmarks and manual runs of permsync.
//
//	ghsim -repos 1000 -collaborators 30 -key-out /tmp/app.pem -stats-out /tmp/stats.json
//
// It prints one JSON line on stdout (rest_url, graphql_url, app_id,
// installation_id, org, key_file) and serves until SIGINT or SIGTERM.
// SIGUSR1 writes the statistics (to -stats-out, else stderr). The
// simulator's own admin endpoints live under /_ghsim/ (GET /_ghsim/stats,
// POST /_ghsim/stats/reset); they are not part of GitHub's API.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil)) }

type config struct {
	listen        string
	org           string
	repos         int
	collaborators int
	teamGrants    int
	teams         int
	seed          uint64
	protection    bool
	rulesets      bool
	latency       time.Duration
	jitter        time.Duration
	enforce       bool
	rateLimit     int
	scaledLimits  bool
	appID         int64
	keyOut        string
	statsOut      string
	requestLog    bool
	userToken     bool
}

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("ghsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "address to listen on (keep it on loopback)")
	fs.StringVar(&c.org, "org", "acme", "organization to generate")
	fs.IntVar(&c.repos, "repos", 10, "repositories to generate")
	fs.IntVar(&c.collaborators, "collaborators", 5, "direct collaborators per repository")
	fs.IntVar(&c.teamGrants, "team-grants", 2, "team grants per repository")
	fs.IntVar(&c.teams, "teams", 8, "teams to generate")
	fs.Uint64Var(&c.seed, "seed", 1, "generator seed (same seed, same org)")
	fs.BoolVar(&c.protection, "protection", true, "protect every default branch")
	fs.BoolVar(&c.rulesets, "rulesets", true, "add an org ruleset and some repository rulesets")
	fs.DurationVar(&c.latency, "latency", 0, "latency added to every request (e.g. 50ms)")
	fs.DurationVar(&c.jitter, "jitter", 0, "random extra latency up to this much")
	fs.BoolVar(&c.enforce, "enforce-secondary-limits", false, "enforce GitHub's documented secondary rate limits")
	fs.IntVar(&c.rateLimit, "rate-limit", 5000, "primary rate limit per hour (REST and GraphQL)")
	fs.BoolVar(&c.scaledLimits, "scaled-limits", false, "scale the installation's limit as GitHub does (+50/h per repo and member over 20, max 12,500)")
	fs.Int64Var(&c.appID, "app-id", 0, "GitHub App id to register (0: assigned)")
	fs.StringVar(&c.keyOut, "key-out", "", "write the App's private key (PEM, mode 0600) to this file")
	fs.StringVar(&c.statsOut, "stats-out", "", "write statistics JSON here on exit and on SIGUSR1")
	fs.BoolVar(&c.requestLog, "request-log", false, "log each request (method, path, status) to stderr")
	fs.BoolVar(&c.userToken, "user-token", false, "also print a token acting as the first org owner")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, nil
}

// run is main without the process: stop, when not nil, replaces signals
// (tests close it to stop the server).
func run(args []string, stdout, stderr io.Writer, stop <-chan struct{}) int {
	c, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "ghsim:", err)
		return 2
	}
	opts := []ghsim.Option{ghsim.WithAddr(c.listen), ghsim.WithRateLimit(c.rateLimit), ghsim.WithGraphQLRateLimit(c.rateLimit)}
	if c.scaledLimits {
		opts = append(opts, ghsim.WithScaledInstallationLimits())
	}
	if c.requestLog {
		opts = append(opts, ghsim.WithRequestLog(stderr))
	}
	srv, err := newServer(opts)
	if err != nil {
		fmt.Fprintln(stderr, "ghsim:", err)
		return 1
	}
	defer srv.Close()
	gen := ghsim.GenerateOrg(srv, ghsim.GenSpec{
		Org: c.org, Repos: c.repos, DirectCollaborators: c.collaborators, TeamGrants: c.teamGrants,
		Teams: c.teams, Protection: c.protection, Rulesets: c.rulesets, Seed: c.seed,
	})
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		fmt.Fprintln(stderr, "ghsim:", err)
		return 1
	}
	appID := srv.AddApp(ghsim.AppOptions{ID: c.appID, Slug: "permsync", Name: "permsync", PublicKey: &key.PublicKey,
		Permissions: ghsim.Permissions{"administration": "write", "members": "read", "metadata": "read",
			"issues": "write", "pull_requests": "read", "organization_administration": "read"}})
	inst := srv.Install(appID, c.org, nil)
	if c.keyOut != "" {
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if err := os.WriteFile(c.keyOut, pemBytes, 0o600); err != nil {
			fmt.Fprintln(stderr, "ghsim:", err)
			return 1
		}
		// WriteFile keeps an existing file's mode: make sure it is 0600.
		if err := os.Chmod(c.keyOut, 0o600); err != nil {
			fmt.Fprintln(stderr, "ghsim:", err)
			return 1
		}
	}
	ready := map[string]any{
		"rest_url": srv.URL(), "graphql_url": srv.GraphQLURL(), "app_id": appID, "installation_id": inst,
		"org": c.org, "repos": len(gen.Repos), "owners": gen.Owners,
	}
	if c.keyOut != "" {
		ready["key_file"] = c.keyOut
	}
	if c.userToken {
		ready["user_token"] = srv.AddUserToken(gen.Owners[0])
	}
	if err := json.NewEncoder(stdout).Encode(ready); err != nil {
		return 1
	}
	if c.latency > 0 || c.jitter > 0 || c.enforce {
		srv.SetFaults(ghsim.Faults{Latency: c.latency, Jitter: c.jitter, EnforceSecondaryLimits: c.enforce})
	}

	writeStats := func() {
		b, _ := json.MarshalIndent(srv.Stats(), "", "  ")
		if c.statsOut == "" {
			fmt.Fprintln(stderr, string(b))
			return
		}
		if err := os.WriteFile(c.statsOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "ghsim:", err)
		}
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	for {
		select {
		case <-stop:
			if c.statsOut != "" {
				writeStats()
			}
			return 0
		case sig := <-sigs:
			if sig == syscall.SIGUSR1 {
				writeStats()
				continue
			}
			if c.statsOut != "" {
				writeStats()
			}
			return 0
		}
	}
}

// newServer turns NewServer's panic on a bad address into an error.
func newServer(opts []ghsim.Option) (srv *ghsim.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return ghsim.NewServer(opts...), nil
}
