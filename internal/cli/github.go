package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/buildinfo"
	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/AcademySoftwareFoundation/permsync/internal/httpcache"
	"github.com/AcademySoftwareFoundation/permsync/internal/operation"
)

// connect builds the GitHub client for a command: credentials from the
// environment (or injected by the demo), the cache, pacing from flags.
func (g *GlobalOptions) connect(ctx context.Context, io *IOStreams, perms map[string]string, repos []string) (*ghapi.Client, error) {
	g.resolve(io)
	creds := g.credentials
	if creds == nil {
		c, err := ghapi.CredentialsFromEnv(io.Getenv)
		if err != nil {
			return nil, err
		}
		creds = &c
	}
	interval := g.WriteInterval
	if interval <= 0 {
		interval = -1 // ghapi reads zero as "the default"; the flag said none
	}
	opts := ghapi.Options{
		APIURL:           g.APIURL,
		Credentials:      *creds,
		Permissions:      perms,
		Repositories:     repos,
		ReadConcurrency:  g.ReadConcurrency,
		MutationInterval: interval,
		Logf: func(format string, args ...any) {
			// The client logs from its concurrent reads: one line at a
			// time, whatever writer ErrOut is.
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(io.ErrOut, "permsync: "+format+"\n", args...)
		},
		Now:   io.GitHubNow,
		Sleep: io.GitHubSleep,
	}
	if g.CacheDir != "" && g.CacheDir != "off" {
		cache, err := httpcache.Open(g.CacheDir)
		if err != nil {
			fmt.Fprintf(io.ErrOut, "permsync: cache disabled: %v\n", err)
		} else {
			opts.Cache = cache.Wrap
		}
	}
	if io.progress != nil {
		opts.Progress = io.progress.update
	}
	return ghapi.New(ctx, opts)
}

// env is the Factory of the operations: GitHub clients built from the
// global flags and the environment, the clock, and stderr for warnings.
func (g *GlobalOptions) env(io *IOStreams) operation.Env {
	return operation.Env{
		Connect: func(ctx context.Context, perms map[string]string, repos []string) (*ghapi.Client, error) {
			return g.connect(ctx, io, perms, repos)
		},
		Now:    io.Now,
		Getenv: io.Getenv,
		Warn:   func(line string) { fmt.Fprintln(io.ErrOut, line) },
	}
}

// progressLine draws one self-overwriting line on a terminal's stderr.
type progressLine struct {
	mu    sync.Mutex
	w     interface{ Write([]byte) (int, error) }
	last  time.Time
	shown bool
}

func (p *progressLine) update(pr ghapi.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < 100*time.Millisecond && pr.Done != pr.Total {
		return
	}
	p.last = time.Now()
	total := "?"
	if pr.Total > 0 {
		total = fmt.Sprint(pr.Total)
	}
	fmt.Fprintf(p.w, "\r\x1b[Kreading %s: %s %d/%s", pr.Org, pr.Phase, pr.Done, total)
	p.shown = true
}

// clear clears the progress line; the caller holds p.mu.
func (p *progressLine) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// logMu serialises the GitHub client's log lines.
var logMu sync.Mutex

// notGitHub explains a 404 that comes from a server that is not GitHub's
// API: a wrong --api-url (https://github.com/, a GHES host without
// /api/v3/) answers 404 to the installation lookup, which ghapi can only
// read as "the App is not installed". GitHub's REST API, including
// Enterprise Server and the simulator, sets X-GitHub-Media-Type on every
// answer; GitHub's web pages do not (they do set X-GitHub-Request-Id, so
// that one proves nothing). One unauthenticated GET of the API root tells
// the two apart. Other errors pass through unchanged.
func notGitHub(ctx context.Context, g *GlobalOptions, err error) error {
	var ge *ghapi.Error
	if g == nil || g.APIURL == "" || !errors.As(err, &ge) || ge.Status != http.StatusNotFound {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, rerr := http.NewRequestWithContext(ctx, http.MethodGet, g.APIURL, nil)
	if rerr != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("User-Agent", buildinfo.UserAgent())
	resp, rerr := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if rerr != nil {
		return err // unreachable now: the original error says more
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.Header.Get("X-GitHub-Media-Type") != "" {
		return err
	}
	return fmt.Errorf("--api-url %s: this does not look like GitHub's API (it answered %d without GitHub's API headers: its 404 does not mean that the App is not installed); use https://api.github.com/, or https://HOST/api/v3/ for GitHub Enterprise Server (also $GITHUB_API_URL)", g.APIURL, resp.StatusCode)
}
