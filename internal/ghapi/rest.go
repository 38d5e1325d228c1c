package ghapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v58/github"
)

// REST calls go through go-github's request builder (base URL, JSON body,
// Accept and API-version headers) and its error decoding, but are sent
// with the conn's http.Client directly: go-github's Do keeps its own
// wall-clock rate-limit state and refuses requests by itself, which the
// policy layer does better. Bodies are decoded into this package's own
// small structs, so that a field go-github does not know, or one GitHub
// leaves out, never fails a read.

// response is what a REST call returns besides its decoded body.
type response struct {
	Status int
	Header http.Header
	next   string // the Link header's rel="next"
}

type reqOpt func(*reqSettings)

type reqSettings struct {
	noCache   bool
	retrySafe bool
	accept    string
}

// fresh bypasses the conditional-request cache (re-reads before a write).
func fresh() reqOpt { return func(s *reqSettings) { s.noCache = true } }

// retrySafe marks a POST that may be repeated after a 5xx or a reset.
func retrySafe() reqOpt { return func(s *reqSettings) { s.retrySafe = true } }

func accept(v string) reqOpt { return func(s *reqSettings) { s.accept = v } }

// do sends one REST request. path is relative to the API base (no leading
// slash) or an absolute URL on the API host (a Link header's next page).
// out, when not nil, receives the JSON body of a 2xx answer.
func (cn *conn) do(ctx context.Context, method, path string, body, out any, opts ...reqOpt) (*response, error) {
	var set reqSettings
	for _, o := range opts {
		o(&set)
	}
	op := opName(method, cn.c.apiURL, path)
	if strings.Contains(path, "://") {
		u, err := url.Parse(path)
		if err != nil || u.Host != cn.c.apiURL.Host || u.Scheme != cn.c.apiURL.Scheme {
			return nil, &Error{Op: op, Kind: KindOther, Message: "GitHub pointed to a page on another host; not following it", NotApplied: true}
		}
	}
	req, err := cn.rest.NewRequest(method, path, body)
	if err != nil {
		return nil, &Error{Op: op, Kind: KindConfig, Message: "cannot build the request: " + err.Error(), NotApplied: true}
	}
	if set.noCache {
		req.Header.Set(NoCacheHeader, "1")
		req.Header.Set("Cache-Control", "no-cache")
	}
	if set.accept != "" {
		req.Header.Set("Accept", set.accept)
	}
	ci := callFrom(ctx)
	if ci == nil {
		ci = &callInfo{}
		ctx = withCall(ctx, ci)
	}
	ci.retrySafe = ci.retrySafe || set.retrySafe
	resp, err := cn.http.Do(req.WithContext(ctx))
	if err != nil {
		return nil, sendError(ctx, op, err, ci)
	}
	defer resp.Body.Close()
	r := &response{Status: resp.StatusCode, Header: resp.Header, next: nextLink(resp.Header)}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, cn.explain(apiError(op, resp, ci))
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && err != io.EOF {
			return r, &Error{Op: op, Status: resp.StatusCode, Kind: KindOther, Message: "could not read GitHub's answer: " + redact(err.Error())}
		}
	}
	return r, nil
}

// explain adds what the credentials of this connection suggest.
func (cn *conn) explain(err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindAuth || e.Hint != "" {
		return err
	}
	switch cn.kind {
	case connToken:
		e.Hint = "GitHub rejected the token (" + EnvToken + "): it may have expired or been revoked"
	case connInstallation:
		e.Hint = "GitHub rejected the App's installation token, even a new one"
	case connApp:
		e.Hint = "GitHub rejected the App's JWT: check " + EnvAppID + " and the private key"
	}
	return err
}

// opName is "METHOD /path" without the query, for messages.
func opName(method string, base *url.URL, path string) string {
	p := path
	if u, err := url.Parse(path); err == nil {
		p = u.Path
		if u.Host == "" {
			p = strings.TrimSuffix(base.Path, "/") + "/" + strings.TrimPrefix(u.Path, "/")
		}
	}
	p = strings.TrimPrefix(p, "/api/v3")
	return method + " " + p
}

// sendError converts a failure without an HTTP answer.
func sendError(ctx context.Context, op string, err error, ci *callInfo) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Op == "" {
			c.Op = op
		}
		return &c
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	ci.mu.Lock()
	maybe := ci.maybeSent
	ci.mu.Unlock()
	var te *transportError
	if errors.As(err, &te) {
		return &Error{Op: op, Kind: KindNetwork, Message: te.Error(), NotApplied: !te.sent && !maybe}
	}
	return &Error{Op: op, Kind: KindNetwork, Message: netErrText(err), NotApplied: false}
}

// apiError converts a non-2xx answer. Its body is GitHub's error object:
// {"message": …, "errors": [...], "documentation_url": …}.
func apiError(op string, resp *http.Response, ci *callInfo) error {
	ci.mu.Lock()
	maybe := ci.maybeSent
	ci.mu.Unlock()
	e := &Error{
		Op:         op,
		Status:     resp.StatusCode,
		Kind:       kindForStatus(resp.StatusCode),
		NotApplied: resp.StatusCode < 500 && !maybe,
	}
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound {
		// What the endpoint needs, when the credentials may lack it.
		e.Permission = strings.TrimSpace(resp.Header.Get("X-Accepted-Github-Permissions"))
	}
	switch err := github.CheckResponse(resp).(type) {
	case *github.RateLimitError:
		e.Kind = KindRateLimited
		e.Message = err.Message
		e.Reset = err.Rate.Reset.Time
	case *github.AbuseRateLimitError:
		e.Kind = KindRateLimited
		e.Message = err.Message
		e.Hint = "GitHub's secondary rate limit persisted after retries; run again later"
	case *github.ErrorResponse:
		e.Message = err.Message
		for _, d := range err.Errors {
			switch {
			case d.Message != "" && d.Field != "":
				e.Details = append(e.Details, d.Field+": "+d.Message)
			case d.Message != "":
				e.Details = append(e.Details, d.Message)
			case d.Code != "":
				e.Details = append(e.Details, strings.Trim(d.Code+" "+d.Field, " "))
			}
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			e.Kind = KindRateLimited
		}
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Kind == KindRateLimited {
		e.Permission = ""
	}
	e.Message = redact(e.Message)
	for i := range e.Details {
		e.Details[i] = redact(e.Details[i])
	}
	if e.Kind == KindForbidden && e.Permission == "" && strings.Contains(strings.ToLower(e.Message), "not accessible by integration") {
		e.Hint = "the GitHub App lacks a permission this needs"
	}
	return e
}

// nextLink returns the URL of a Link header's rel="next".
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			segs := strings.Split(part, ";")
			if len(segs) < 2 {
				continue
			}
			u := strings.Trim(strings.TrimSpace(segs[0]), "<>")
			for _, s := range segs[1:] {
				s = strings.TrimSpace(s)
				if s == `rel="next"` || s == "rel=next" {
					return u
				}
			}
		}
	}
	return ""
}

// maxPages stops a runaway pagination (100 per page: 100,000 items).
const maxPages = 1000

// listAll reads every page of a list endpoint. path must not hold per_page.
func listAll[T any](ctx context.Context, cn *conn, path string, opts ...reqOpt) ([]T, error) {
	var all []T
	err := eachPage(ctx, cn, path, func(raw json.RawMessage) error {
		var page []T
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		all = append(all, page...)
		return nil
	}, opts...)
	return all, err
}

// eachPage calls fn with every page's raw body.
func eachPage(ctx context.Context, cn *conn, path string, fn func(json.RawMessage) error, opts ...reqOpt) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := path + sep + "per_page=100"
	for n := 0; next != ""; n++ {
		if n >= maxPages {
			return &Error{Op: opName(http.MethodGet, cn.c.apiURL, path), Kind: KindOther, Message: fmt.Sprintf("more than %d pages; stopping", maxPages)}
		}
		var raw json.RawMessage
		resp, err := cn.do(ctx, http.MethodGet, next, nil, &raw, opts...)
		if err != nil {
			return err
		}
		if len(raw) == 0 || string(raw) == "null" {
			return nil
		}
		if err := fn(raw); err != nil {
			return &Error{Op: opName(http.MethodGet, cn.c.apiURL, path), Kind: KindOther, Message: "could not read GitHub's answer: " + redact(err.Error())}
		}
		next = resp.next
	}
	return nil
}

// pathSeg escapes one path segment (a branch may hold '/').
func pathSeg(s string) string { return url.PathEscape(s) }

// repoPath is "repos/{owner}/{repo}".
func repoPath(owner, repo string) string { return "repos/" + pathSeg(owner) + "/" + pathSeg(repo) }
