package ghapi

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Kind classifies a failure so that callers can decide without parsing
// messages.
type Kind int

// Kinds of failure.
const (
	KindOther       Kind = iota
	KindNotFound         // 404: the resource does not exist or is hidden from the credentials
	KindAuth             // 401: the credentials were rejected
	KindForbidden        // 403: the credentials lack a permission
	KindValidation       // 422 (or 400): GitHub refused the request as invalid
	KindConflict         // 409
	KindRateLimited      // a rate limit did not lift within the allowed wait
	KindServer           // 5xx after retries
	KindNetwork          // the connection failed after retries
	KindGraphQL          // the GraphQL API answered with errors
	KindUnsupported      // the endpoint or field does not exist here (old GitHub Enterprise Server)
	KindConfig           // a usage error before anything was sent
)

func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not found"
	case KindAuth:
		return "authentication failed"
	case KindForbidden:
		return "forbidden"
	case KindValidation:
		return "validation failed"
	case KindConflict:
		return "conflict"
	case KindRateLimited:
		return "rate limited"
	case KindServer:
		return "server error"
	case KindNetwork:
		return "network error"
	case KindGraphQL:
		return "GraphQL error"
	case KindUnsupported:
		return "unsupported"
	case KindConfig:
		return "configuration error"
	}
	return "error"
}

// Error is every error the adapter returns for a GitHub call. Its text
// names the request by method and path only, and whatever GitHub said is
// passed through redaction: no token, JWT or key can appear in it.
type Error struct {
	Op      string // "PUT /repos/o/r/collaborators/u", "GraphQL repositories"
	Status  int    // HTTP status, 0 when none was received
	Kind    Kind
	Message string // GitHub's message or the failure's cause
	Details []string
	// Permission is what GitHub said the endpoint needs
	// (X-Accepted-GitHub-Permissions), e.g. "administration=write".
	Permission string
	// Lacks names the permissions the App's installation was not granted
	// (e.g. "organization_administration"), when that is why it failed.
	Lacks []string
	// Reset is when an exhausted rate limit lifts (KindRateLimited).
	Reset time.Time
	// NotApplied is true when a write certainly did not take effect: GitHub
	// refused it (4xx) or it was never sent. A false value on a failed
	// write means the outcome is unknown (e.g. a 502 or a connection reset
	// after sending): re-read before deciding.
	NotApplied bool
	// Hint says what to do about it, when there is something to say.
	Hint string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d ", e.Status)
	}
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	b.WriteString(msg)
	if len(e.Details) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(e.Details, "; "))
		b.WriteString(")")
	}
	if e.Permission != "" {
		fmt.Fprintf(&b, "; this needs the GitHub App permission %s", e.Permission)
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return redact(b.String())
}

// GoString keeps %#v from printing unredacted fields.
func (e *Error) GoString() string { return "ghapi.Error{" + e.Error() + "}" }

// Is lets errors.Is(err, ErrNotFound) and friends work.
func (e *Error) Is(target error) bool {
	k, ok := target.(kindError)
	return ok && Kind(k) == e.Kind
}

type kindError Kind

func (k kindError) Error() string { return Kind(k).String() }

// Sentinels for errors.Is.
var (
	ErrNotFound    error = kindError(KindNotFound)
	ErrAuth        error = kindError(KindAuth)
	ErrForbidden   error = kindError(KindForbidden)
	ErrRateLimited error = kindError(KindRateLimited)
	ErrUnsupported error = kindError(KindUnsupported)
)

// NotApplied reports whether err says a write certainly did not happen.
// It is false for nil and for errors of unknown outcome.
func NotApplied(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.NotApplied
}

// KindOf returns the Kind of an adapter error, KindOther for anything else.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}

func kindForStatus(status int) Kind {
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		return KindNotFound
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusUnprocessableEntity || status == http.StatusBadRequest:
		return KindValidation
	case status == http.StatusConflict:
		return KindConflict
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status == http.StatusNotImplemented:
		return KindUnsupported
	case status >= 500:
		return KindServer
	}
	return KindOther
}

// Secrets: the patterns below catch GitHub tokens, JWTs and PEM blocks
// wherever they come from (a proxy's error page, an echoing server); the
// registry catches the exact values this process holds.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)`),
	// A key's body without its header (a fragment pasted alone): PKCS#1
	// and PKCS#8 RSA keys begin with these base64 characters.
	regexp.MustCompile(`\bMII[A-Za-z0-9+/]{20,}={0,2}`),
	regexp.MustCompile(`\b(gh[pousr]_[A-Za-z0-9_]{10,}|github_pat_[A-Za-z0-9_]{10,}|v1\.[0-9a-f]{40})\b`),
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`),
	regexp.MustCompile(`(?i)\b(bearer|token)\s+[A-Za-z0-9_.\-]{20,}`),
}

var secrets struct {
	sync.Mutex
	values []string
}

// maxSecrets bounds the registry: installation tokens are renewed hourly,
// and a key registers one value per line.
const maxSecrets = 512

// RegisterSecret makes Redact remove s wherever it appears from now on:
// every credential the process loads is registered as soon as it is read,
// whatever variable it came from. A value of several lines (a PEM key) is
// registered whole and line by line, so that a fragment of it is caught
// too. Short values are ignored: they cannot be told from ordinary words.
func RegisterSecret(s string) {
	registerSecret(s)
	registerSecret(strings.TrimSpace(s))
	lines := strings.FieldsFunc(strings.ReplaceAll(s, `\n`, "\n"), func(r rune) bool { return r == '\n' || r == '\r' })
	if len(lines) < 2 {
		return
	}
	for _, line := range lines {
		if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			registerSecret(line)
		}
	}
}

func registerSecret(s string) {
	if len(s) < 8 {
		return
	}
	secrets.Lock()
	defer secrets.Unlock()
	for _, v := range secrets.values {
		if v == s {
			return
		}
	}
	if len(secrets.values) >= maxSecrets {
		secrets.values = secrets.values[1:]
	}
	secrets.values = append(secrets.values, s)
}

// Redact removes every secret from s: the values registered with
// RegisterSecret, and anything shaped like a GitHub token, a JWT or a PEM
// private key wherever it came from. It is the one redaction point: the
// adapter's errors and logs pass through it, and so does everything the
// command line writes to stdout and stderr.
func Redact(s string) string { return redact(s) }

// redact removes every secret from s.
func redact(s string) string {
	secrets.Lock()
	vals := append([]string(nil), secrets.values...)
	secrets.Unlock()
	// Longest first: a whole key before the lines it holds.
	sort.Slice(vals, func(i, j int) bool { return len(vals[i]) > len(vals[j]) })
	for _, v := range vals {
		s = strings.ReplaceAll(s, v, "[REDACTED]")
	}
	for _, re := range secretPatterns {
		s = re.ReplaceAllString(s, "[REDACTED]")
	}
	return s
}
