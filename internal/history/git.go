package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// git runs git commands in one directory with fixed, explicit arguments.
type git struct {
	bin string
	dir string
}

// gitError is a failed git command, with the first line git wrote on stderr.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	msg := e.stderr
	if msg == "" {
		msg = e.err.Error()
	}
	return fmt.Sprintf("git %s: %s", e.args[0], msg)
}

func (e *gitError) Unwrap() error { return e.err }

// baseArgs keep a user's git configuration from changing what is parsed.
var baseArgs = []string{
	"-c", "core.quotepath=false",
	"-c", "log.showSignature=false",
	"-c", "color.ui=false",
	"--no-pager",
	"--literal-pathspecs",
}

func (g git) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, g.bin, append(append([]string{"-C", g.dir}, baseArgs...), args...)...)
	// No prompts, no pager, no hooks' environment: git only reads here.
	// git never needs permsync's credentials: a hook, a credential helper
	// or a config-set command it runs must not find them.
	cmd.Env = append(childEnv(cmd.Environ()), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	return cmd
}

// childEnv is environ without any variable that may hold a credential:
// permsync's own (PERMSYNC_*), GitHub's and Actions' tokens, and any name
// that says it holds a token, key, secret or password, or whose value
// looks like a GitHub token or a PEM key, whatever its name.
func childEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if secretEnvName(name) || secretLooking(val) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func secretEnvName(name string) bool {
	n := strings.ToUpper(name)
	if strings.HasPrefix(n, "PERMSYNC_") {
		return true
	}
	for _, w := range []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PRIVATE_KEY", "CREDENTIAL", "API_KEY"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func secretLooking(v string) bool {
	for _, p := range []string{"-----BEGIN", "ghp_", "ghs_", "gho_", "ghu_", "ghr_", "github_pat_"} {
		if strings.Contains(v, p) {
			return true
		}
	}
	return false
}

func (g git) output(ctx context.Context, args ...string) ([]byte, error) {
	cmd := g.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &gitError{args: args, stderr: firstLine(stderr.String()), err: err}
	}
	return out, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "fatal: ")
}

// repoInfo locates the permissions directory in its checkout: the
// repository's top level and the directory's path inside it.
func (g git) repoInfo(ctx context.Context) (top, prefix string, err error) {
	out, err := g.output(ctx, "rev-parse", "--show-toplevel", "--show-prefix")
	if err != nil {
		return "", "", err
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) < 1 {
		return "", "", errors.New("git rev-parse gave no answer")
	}
	top = lines[0]
	if len(lines) > 1 {
		prefix = strings.TrimSuffix(lines[1], "/")
	}
	return top, prefix, nil
}

// commit is one line of git log.
type commit struct {
	hash, parent, authorName, authorEmail, committer, subject string
	date                                                      time.Time
}

// logFields is the number of NUL-terminated fields per commit.
const logFields = 7

// log lists the commits that changed the directory in [since, until], newest
// first, following first parents.
func (g git) log(ctx context.Context, since, until time.Time, max int) ([]commit, error) {
	args := []string{"log", "--first-parent", "-z",
		"--format=tformat:%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%s",
		"--since=" + since.UTC().Format(time.RFC3339),
		"--until=" + until.UTC().Format(time.RFC3339),
		"--max-count=" + strconv.Itoa(max),
		"HEAD", "--", "."}
	out, err := g.output(ctx, args...)
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) && (strings.Contains(ge.stderr, "does not have any commits") || strings.Contains(ge.stderr, "bad default revision") || strings.Contains(ge.stderr, "bad revision 'HEAD'") || strings.Contains(ge.stderr, "unknown revision")) {
			return nil, nil // a repository with no commit yet
		}
		return nil, err
	}
	return parseLog(out)
}

// parseLog reads git log -z output of logFields NUL-separated fields per
// commit. git refuses NUL in names and subjects, so no field can hold one.
func parseLog(out []byte) ([]commit, error) {
	fields := bytes.Split(out, []byte{0})
	// Each record ends with NUL: a trailing empty element remains.
	if n := len(fields); n > 0 && len(fields[n-1]) == 0 {
		fields = fields[:n-1]
	}
	if len(fields)%logFields != 0 {
		return nil, fmt.Errorf("unexpected git log output (%d fields)", len(fields))
	}
	var out2 []commit
	for i := 0; i < len(fields); i += logFields {
		f := fields[i : i+logFields]
		c := commit{
			hash:        strings.TrimLeft(string(f[0]), "\n"),
			authorName:  string(f[2]),
			authorEmail: string(f[3]),
			committer:   string(f[5]),
			subject:     string(f[6]),
		}
		if ps := strings.Fields(string(f[1])); len(ps) > 0 {
			c.parent = ps[0]
		}
		d, err := time.Parse(time.RFC3339, string(f[4]))
		if err != nil {
			return nil, fmt.Errorf("unexpected date %q in git log output", f[4])
		}
		c.date = d
		if !isHex(c.hash) {
			return nil, fmt.Errorf("unexpected commit id %q in git log output", c.hash)
		}
		out2 = append(out2, c)
	}
	return out2, nil
}

func isHex(s string) bool {
	if len(s) < 7 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// catFile is one long-running "git cat-file --batch": objects are asked for
// one line at a time and read back by size, so content is never parsed as
// text.
type catFile struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	stdin *bufio.Writer
}

func (g git) catFile(ctx context.Context) (*catFile, error) {
	cmd := g.command(ctx, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &catFile{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10), stdin: bufio.NewWriter(in)}, nil
}

func (c *catFile) close() {
	c.in.Close()
	_ = c.cmd.Wait()
}

var errMissing = errors.New("no such object")

// object reads one object. Content beyond limit bytes is read and dropped
// (the returned size is the real one).
func (c *catFile) object(name string, limit int64) (oid, typ string, size int64, data []byte, err error) {
	if strings.ContainsAny(name, "\n\r") {
		return "", "", 0, nil, fmt.Errorf("object name holds a line break")
	}
	if _, err := c.stdin.WriteString(name + "\n"); err != nil {
		return "", "", 0, nil, err
	}
	if err := c.stdin.Flush(); err != nil {
		return "", "", 0, nil, err
	}
	header, err := c.out.ReadString('\n')
	if err != nil {
		return "", "", 0, nil, fmt.Errorf("git cat-file: %w", err)
	}
	header = strings.TrimSuffix(header, "\n")
	if strings.HasSuffix(header, " missing") || strings.HasSuffix(header, " ambiguous") {
		return "", "", 0, nil, errMissing
	}
	parts := strings.Fields(header)
	if len(parts) != 3 {
		return "", "", 0, nil, fmt.Errorf("git cat-file: unexpected header %q", header)
	}
	size, err = strconv.ParseInt(parts[2], 10, 64)
	if err != nil || size < 0 {
		return "", "", 0, nil, fmt.Errorf("git cat-file: unexpected header %q", header)
	}
	keep := min(size, limit)
	data = make([]byte, keep)
	if _, err := io.ReadFull(c.out, data); err != nil {
		return "", "", 0, nil, fmt.Errorf("git cat-file: %w", err)
	}
	if _, err := io.CopyN(io.Discard, c.out, size-keep+1); err != nil { // the rest, and the final newline
		return "", "", 0, nil, fmt.Errorf("git cat-file: %w", err)
	}
	return parts[0], parts[1], size, data, nil
}

// treeEntry is one entry of a git tree object.
type treeEntry struct {
	mode string
	name string
	oid  string
}

// parseTree reads a raw tree object: "<mode> <name>\0<hash>" repeated,
// with hashes of hashLen bytes (20 for SHA-1, 32 for SHA-256).
func parseTree(data []byte, hashLen int) ([]treeEntry, error) {
	var out []treeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, errors.New("malformed tree object")
		}
		nul := bytes.IndexByte(data[sp+1:], 0)
		if nul < 0 || sp+1+nul+1+hashLen > len(data) {
			return nil, errors.New("malformed tree object")
		}
		name := string(data[sp+1 : sp+1+nul])
		hash := data[sp+1+nul+1 : sp+1+nul+1+hashLen]
		out = append(out, treeEntry{mode: string(data[:sp]), name: name, oid: fmt.Sprintf("%x", hash)})
		data = data[sp+1+nul+1+hashLen:]
	}
	return out, nil
}

// OriginURL returns the URL of the "origin" remote of the checkout holding
// dir ("" when there is none). The URL may hold credentials: callers take
// the owner and name from it and never show it.
func OriginURL(ctx context.Context, dir, gitBin string) string {
	if gitBin == "" {
		gitBin = "git"
	}
	out, err := git{bin: gitBin, dir: dir}.output(ctx, "remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
