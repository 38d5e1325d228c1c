package ghapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The policy layer's decision after one attempt, one row per situation.
// The loop that carries the decisions out is covered end to end by
// transport_test.go and the faultsuite.

var decideNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

var decideLimits = retryLimits{server: 3, secondary: 2, primaryWait: 10 * time.Minute}

// Transport failures as net/http reports them.
var (
	errDial     = &url.Error{Op: "Get", URL: "https://api.github.com/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	errDNS      = &url.Error{Op: "Get", URL: "https://api.github.com/x", Err: &net.DNSError{Err: "no such host", Name: "api.github.com"}}
	errReset    = &url.Error{Op: "Put", URL: "https://api.github.com/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	errEOF      = &url.Error{Op: "Post", URL: "https://api.github.com/x", Err: io.ErrUnexpectedEOF}
	errNoAnswer = fmt.Errorf("no answer within 30s: %w", errTimeout)
	errTooLarge = errAnswerTooLarge{limit: maxAnswer}
)

// GET /repos/o/r, first attempt, no retries so far, jitter in the middle
// (so backoff n is exactly 1 s << (n-1)).
func get() outcome {
	return outcome{method: http.MethodGet, path: "/repos/o/r", safe: true, attempt: 1, now: decideNow, jitter: 0.5}
}

// post is a POST that may not be repeated once sent (or a PUT that sends
// an invitation: noRepeat, the same to decide).
func post() outcome {
	o := get()
	o.method, o.safe = http.MethodPost, false
	return o
}

func (o outcome) failed(err error) outcome {
	o.err = err
	return o
}

func (o outcome) canceled(err error) outcome {
	o.err, o.ctxErr = err, err
	return o
}

func (o outcome) answered(status int, header ...string) outcome {
	o.status, o.header = status, http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		o.header.Set(header[i], header[i+1])
	}
	return o
}

func (o outcome) limited(l limitInfo) outcome {
	o.limit = l
	return o
}

func (o outcome) after(t retryCounts, attempt int) outcome {
	o.tries, o.attempt = t, attempt
	return o
}

func primaryAt(reset time.Time) limitInfo {
	return limitInfo{kind: limitPrimary, reset: reset, resource: "core"}
}

func secondary(retryAfter time.Duration, has bool) limitInfo {
	return limitInfo{kind: limitSecondary, retryAfter: retryAfter, hasRetry: has, resource: "core"}
}

func primaryTooLong(reset time.Time, max time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Reset: reset, NotApplied: true,
		Message: fmt.Sprintf("GitHub's primary rate limit (core) is exhausted until %s (%s); that is longer than the allowed wait of %s",
			reset.Local().Format("2006-01-02 15:04:05 MST"), reset.UTC().Format("15:04:05 UTC"), max),
		Hint: "run again after the reset, or allow a longer wait"}
}

func TestDecide(t *testing.T) {
	retry := func(wait time.Duration, sent bool, log string) decision {
		return decision{act: actRetry, wait: wait, maybeSent: sent, log: log}
	}
	fail := func(err error, sent bool) decision { return decision{act: actFail, err: err, maybeSent: sent} }
	rows := []struct {
		name string
		o    outcome
		want decision
	}{
		// GitHub answered, no limit, nothing to retry.
		{"200", get().answered(200), decision{act: actAnswer}},
		{"304", get().answered(304), decision{act: actAnswer}},
		{"404", get().answered(404), decision{act: actAnswer}},
		{"422 of a POST", post().answered(422), decision{act: actAnswer}},
		{"403 that is no limit", get().answered(403), decision{act: actAnswer}},
		{"501 is not retried", get().answered(501), decision{act: actAnswer}},
		{"5xx on a later attempt, after other retries, is still an answer once retries are spent",
			get().answered(500).after(retryCounts{server: 3, secondary: 2, primary: 1}, 7), decision{act: actAnswer, maybeSent: true}},

		// 5xx: retried with backoff when safe and retries remain; Retry-After stretches it.
		{"500 safe", get().answered(500), retry(time.Second, true, "ghapi: GET /repos/o/r: GitHub answered 500; retry 1 of 3 in 1s")},
		{"502 safe", get().answered(502), retry(time.Second, true, "ghapi: GET /repos/o/r: GitHub answered 502; retry 1 of 3 in 1s")},
		{"504 third retry", get().answered(504).after(retryCounts{server: 2}, 3),
			retry(4*time.Second, true, "ghapi: GET /repos/o/r: GitHub answered 504; retry 3 of 3 in 4s")},
		{"503 with Retry-After seconds", get().answered(503, "Retry-After", "120"),
			retry(2*time.Minute, true, "ghapi: GET /repos/o/r: GitHub answered 503; retry 1 of 3 in 2m0s")},
		{"503 with Retry-After as a date", get().answered(503, "Retry-After", decideNow.Add(90*time.Second).Format(http.TimeFormat)),
			retry(90*time.Second, true, "ghapi: GET /repos/o/r: GitHub answered 503; retry 1 of 3 in 1m30s")},
		{"503 with Retry-After shorter than the backoff", get().answered(503, "Retry-After", "0"),
			retry(time.Second, true, "ghapi: GET /repos/o/r: GitHub answered 503; retry 1 of 3 in 1s")},
		{"503 with Retry-After of an hour is capped", get().answered(503, "Retry-After", "3600"),
			retry(secondaryMaxWait, true, "ghapi: GET /repos/o/r: GitHub answered 503; retry 1 of 3 in 15m0s")},
		{"503 with a garbled Retry-After", get().answered(503, "Retry-After", "soon"),
			retry(time.Second, true, "ghapi: GET /repos/o/r: GitHub answered 503; retry 1 of 3 in 1s")},
		{"500 retries spent", get().answered(500).after(retryCounts{server: 3}, 4), decision{act: actAnswer, maybeSent: true}},
		{"500 to an unsafe POST", post().answered(500), decision{act: actAnswer, maybeSent: true}},
		{"503 with Retry-After to an unsafe POST", post().answered(503, "Retry-After", "5"), decision{act: actAnswer, maybeSent: true}},

		// Transport failures.
		{"canceled", get().canceled(context.Canceled), fail(context.Canceled, false)},
		{"deadline of the caller", post().canceled(context.DeadlineExceeded), fail(context.DeadlineExceeded, false)},
		{"dial failure safe", get().failed(errDial),
			retry(time.Second, false, "ghapi: GET /repos/o/r: dial: connect: connection refused; retry 1 of 3 in 1s")},
		{"dial failure of an unsafe POST: never sent, so retried", post().failed(errDial),
			retry(time.Second, false, "ghapi: POST /repos/o/r: dial: connect: connection refused; retry 1 of 3 in 1s")},
		{"DNS failure of an unsafe POST", post().failed(errDNS),
			retry(time.Second, false, "ghapi: POST /repos/o/r: lookup api.github.com: no such host; retry 1 of 3 in 1s")},
		{"reset safe", get().failed(errReset),
			retry(time.Second, true, "ghapi: GET /repos/o/r: read: connection reset by peer; retry 1 of 3 in 1s")},
		{"timeout safe, second retry", get().failed(errNoAnswer).after(retryCounts{server: 1}, 2),
			retry(2*time.Second, true, "ghapi: GET /repos/o/r: no answer within 30s: request timed out; retry 2 of 3 in 2s")},
		{"reset of an unsafe POST", post().failed(errReset),
			fail(&transportError{err: errReset, sent: true, tries: 1}, true)},
		{"unexpected EOF of an unsafe POST", post().failed(errEOF),
			fail(&transportError{err: errEOF, sent: true, tries: 1}, true)},
		{"reset, retries spent", get().failed(errReset).after(retryCounts{server: 3}, 4),
			fail(&transportError{err: errReset, sent: true, tries: 4}, true)},
		{"dial failure, retries spent", post().failed(errDial).after(retryCounts{server: 3}, 4),
			fail(&transportError{err: errDial, sent: false, tries: 4}, false)},
		{"oversized answer is never retried", get().failed(errTooLarge),
			fail(&transportError{err: errTooLarge, sent: true, tries: 1}, true)},
		{"oversized answer, wrapped", get().failed(&url.Error{Op: "Get", URL: "u", Err: errTooLarge}),
			fail(&transportError{err: &url.Error{Op: "Get", URL: "u", Err: errTooLarge}, sent: true, tries: 1}, true)},

		// Primary limit: wait for the reset within the allowed wait.
		{"primary, reset in 5 minutes", get().answered(403).limited(primaryAt(decideNow.Add(5 * time.Minute))),
			decision{act: actWaitPrimary, wait: 5*time.Minute + time.Second, limited: true,
				log: "ghapi: GitHub's primary rate limit (core) is exhausted; waiting 5m1s until it resets at 12:05:00 UTC"}},
		{"primary on GraphQL's 200", get().answered(200).limited(primaryAt(decideNow.Add(time.Minute))),
			decision{act: actWaitPrimary, wait: time.Minute + time.Second, limited: true,
				log: "ghapi: GitHub's primary rate limit (core) is exhausted; waiting 1m1s until it resets at 12:01:00 UTC"}},
		{"primary of an unsafe POST waits too (GitHub refused it)", post().answered(403).limited(primaryAt(decideNow.Add(time.Minute))),
			decision{act: actWaitPrimary, wait: time.Minute + time.Second, limited: true,
				log: "ghapi: GitHub's primary rate limit (core) is exhausted; waiting 1m1s until it resets at 12:01:00 UTC"}},
		{"primary, reset past the allowed wait", get().answered(403).limited(primaryAt(decideNow.Add(20 * time.Minute))),
			decision{act: actFail, limited: true, err: primaryTooLong(decideNow.Add(20*time.Minute), 10*time.Minute)}},
		{"primary, reset already past (clock ahead): a minute", get().answered(429).limited(primaryAt(decideNow.Add(-time.Minute))),
			decision{act: actWaitPrimary, wait: time.Minute, limited: true,
				log: "ghapi: GitHub's primary rate limit (core) is exhausted; waiting 1m0s until it resets at 12:01:00 UTC"}},
		{"primary, reset past, third wait: doubled twice", get().answered(403).limited(primaryAt(decideNow)).after(retryCounts{primary: 2}, 3),
			decision{act: actWaitPrimary, wait: 4 * time.Minute, limited: true,
				log: "ghapi: GitHub's primary rate limit (core) is exhausted; waiting 4m0s until it resets at 12:04:00 UTC"}},
		{"primary, reset past, fifth wait: capped, longer than allowed", get().answered(403).limited(primaryAt(decideNow)).after(retryCounts{primary: 4}, 5),
			decision{act: actFail, limited: true, err: primaryTooLong(decideNow.Add(secondaryMaxWait), 10*time.Minute)}},
		{"primary, waits spent", get().answered(403).limited(primaryAt(decideNow.Add(time.Minute))).after(retryCounts{primary: maxPrimaryTries}, 6),
			decision{act: actFail, limited: true, err: &Error{Kind: KindRateLimited, Reset: decideNow.Add(time.Minute), NotApplied: true,
				Message: "GitHub's primary rate limit (core) stayed exhausted after 5 waits"}}},
		{"primary counts are apart from server retries", get().answered(403).limited(primaryAt(decideNow.Add(time.Minute))).after(retryCounts{server: 3, secondary: 2}, 6),
			decision{act: actWaitPrimary, wait: time.Minute + time.Second, limited: true,
				log: "ghapi: GitHub's primary rate limit (core) is exhausted; waiting 1m1s until it resets at 12:01:00 UTC"}},

		// Secondary limit: everyone pauses; retry-after honoured (bounded), else a minute doubling.
		{"secondary without retry-after", get().answered(403).limited(secondary(0, false)),
			decision{act: actWaitSecondary, wait: time.Minute, limited: true,
				log: "ghapi: GET /repos/o/r: GitHub's secondary rate limit (403); waiting 1m0s before retry 1 of 2"}},
		{"secondary without retry-after, second time", get().answered(429).limited(secondary(0, false)).after(retryCounts{secondary: 1}, 2),
			decision{act: actWaitSecondary, wait: 2 * time.Minute, limited: true,
				log: "ghapi: GET /repos/o/r: GitHub's secondary rate limit (429); waiting 2m0s before retry 2 of 2"}},
		{"secondary with retry-after", post().answered(403).limited(secondary(30*time.Second, true)),
			decision{act: actWaitSecondary, wait: 31 * time.Second, limited: true,
				log: "ghapi: POST /repos/o/r: GitHub's secondary rate limit (403); waiting 31s before retry 1 of 2"}},
		{"secondary with retry-after 0", get().answered(403).limited(secondary(0, true)),
			decision{act: actWaitSecondary, wait: time.Second, limited: true,
				log: "ghapi: GET /repos/o/r: GitHub's secondary rate limit (403); waiting 1s before retry 1 of 2"}},
		{"secondary with retry-after of a day is bounded", get().answered(403).limited(secondary(24*time.Hour, true)),
			decision{act: actWaitSecondary, wait: maxRetryAfter + time.Second, limited: true,
				log: "ghapi: GET /repos/o/r: GitHub's secondary rate limit (403); waiting 15m1s before retry 1 of 2"}},
		{"secondary, retries spent: GitHub's answer goes to the caller", get().answered(403).limited(secondary(0, false)).after(retryCounts{secondary: 2}, 3),
			decision{act: actAnswer, limited: true}},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			assert.Equal(t, r.want, decide(r.o, decideLimits))
		})
	}
}

// TestDecideSweep runs every combination of the dimensions decide sees
// and checks what must hold in each: the guarantees the rows above show
// one by one.
func TestDecideSweep(t *testing.T) {
	var situations []outcome
	for _, err := range []error{errDial, errDNS, errReset, errEOF, errNoAnswer, errTooLarge} {
		situations = append(situations, get().failed(err))
	}
	situations = append(situations, get().canceled(context.Canceled))
	for _, status := range []int{200, 304, 403, 404, 422, 429, 500, 501, 502, 503, 504} {
		for _, l := range []limitInfo{{}, primaryAt(decideNow.Add(time.Minute)), primaryAt(decideNow.Add(time.Hour)),
			primaryAt(decideNow.Add(-time.Hour)), secondary(0, false), secondary(time.Minute, true)} {
			for _, ra := range []string{"", "0", "7", "86400"} {
				situations = append(situations, get().answered(status, "Retry-After", ra).limited(l))
			}
		}
	}
	n := 0
	for _, base := range situations {
		for _, safe := range []bool{true, false} {
			for sv := range 5 {
				for sc := range 4 {
					for pr := range maxPrimaryTries + 1 {
						o := base.after(retryCounts{server: sv, secondary: sc, primary: pr}, sv+sc+pr+1)
						o.safe = safe
						n++
						if broken := violations(o, decide(o, decideLimits)); len(broken) > 0 {
							t.Errorf("%+v:\n\t%s", o, strings.Join(broken, "\n\t"))
						}
					}
				}
			}
		}
	}
	t.Logf("%d situations", n)
}

// violations lists the guarantees decision d breaks for outcome o.
func violations(o outcome, d decision) []string {
	var out []string
	must := func(ok bool, what string) {
		if !ok {
			out = append(out, what)
		}
	}
	waits := d.act == actRetry || d.act == actWaitPrimary || d.act == actWaitSecondary
	must(waits == (d.wait > 0), "a wait, and only a wait, has a duration")
	must(waits == (d.log != ""), "a wait, and only a wait, is logged")
	must((d.act == actFail) == (d.err != nil), "an error, and only an error, fails")
	must(d.wait <= maxRetryAfter+time.Second, "no wait past the bound")
	must(d.limited == (o.err == nil && o.limit.kind != limitNone), "rate-limit answers, and only they, are counted")
	must(!strings.Contains(d.log, "api.github.com/x"), "no URL in log lines")
	if o.err == nil && o.limit.kind == limitNone {
		must(d.maybeSent == retryableStatus(o.status), "a 5xx, and only a 5xx, may have taken effect")
	}
	switch d.act {
	case actRetry:
		must(o.tries.server < decideLimits.server, "server retries are bounded")
		// The guarantee behind TestUnsafePostNotRetried and the invitations' noRepeat.
		must(o.safe || !d.maybeSent, "an unsafe request that may have been sent is never repeated")
		must(!errors.As(o.err, new(errAnswerTooLarge)), "an oversized answer is never retried")
		must(o.err != nil || retryableStatus(o.status), "only failures and 5xx are retried")
	case actWaitSecondary:
		must(o.tries.secondary < decideLimits.secondary, "secondary retries are bounded")
	case actWaitPrimary:
		must(o.tries.primary < maxPrimaryTries, "primary waits are bounded")
		must(d.wait <= decideLimits.primaryWait, "no primary wait past the allowed one")
	case actFail:
		if o.ctxErr != nil {
			must(d.err == o.ctxErr && !d.maybeSent, "a canceled request returns its context's error")
		}
	}
	return out
}

func TestRepeatable(t *testing.T) {
	body := func(method, path string, replay bool) *http.Request {
		r, _ := http.NewRequest(method, "https://api.github.com"+path, strings.NewReader("{}"))
		if !replay {
			r.GetBody = nil
		}
		return r
	}
	rows := []struct {
		name string
		req  *http.Request
		ci   *callInfo
		want bool
	}{
		{"GET", body(http.MethodGet, "/repos/o/r", true), nil, true},
		{"GraphQL query", body(http.MethodPost, "/graphql", true), nil, true},
		{"token request", body(http.MethodPost, "/app/installations/1/access_tokens", true), nil, true},
		{"PUT", body(http.MethodPut, "/repos/o/r/branches/main/protection", true), nil, true},
		{"DELETE", body(http.MethodDelete, "/repos/o/r/collaborators/u", true), &callInfo{}, true},
		{"POST", body(http.MethodPost, "/repos/o/r/branches/main/protection/required_signatures", true), nil, false},
		{"POST the caller says is safe", body(http.MethodPost, "/repos/o/r/branches/main/protection/enforce_admins", true), &callInfo{retrySafe: true}, true},
		{"PUT that sends an invitation", body(http.MethodPut, "/repos/o/r/collaborators/u", true), &callInfo{noRepeat: true}, false},
		{"a safe POST marked noRepeat", body(http.MethodPost, "/repos/o/r/x", true), &callInfo{retrySafe: true, noRepeat: true}, false},
		{"PUT whose body cannot be replayed", body(http.MethodPut, "/repos/o/r/x", false), nil, false},
		{"GraphQL whose body cannot be replayed", body(http.MethodPost, "/graphql", false), nil, false},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			assert.Equal(t, r.want, repeatable(r.req, classify(r.req), r.ci))
		})
	}
}

func TestBackoffWith(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 64: 30 * time.Second} {
		assert.Equal(t, want, backoffWith(n, 0.5), "n=%d", n)
	}
	assert.Equal(t, 750*time.Millisecond, backoffWith(1, 0))
	assert.Less(t, backoffWith(1, 0.999999), 1250*time.Millisecond)
}
