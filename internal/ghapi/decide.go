package ghapi

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// What the policy layer does after one attempt is a pure function of what
// the attempt produced (decide), so that every situation is one row of a
// table (decide_test.go); policy.RoundTrip only carries the decisions out:
// the gate, pacing, sleeps, stats and logging.

// action is what follows one attempt.
type action int

const (
	actAnswer        action = iota // hand GitHub's answer to the caller
	actFail                        // return decision.err
	actRetry                       // back off holding the gate alone, then send again
	actWaitPrimary                 // wait for the primary bucket's reset, then send again
	actWaitSecondary               // pause every request for the secondary limit, then send again
)

// retryCounts are one request's retries so far, by cause.
type retryCounts struct{ server, secondary, primary int }

// retryLimits are the Options that bound retries and waits.
type retryLimits struct {
	server, secondary int           // Options.MaxRetries, Options.MaxSecondaryRetries
	primaryWait       time.Duration // Options.MaxRateLimitWait
}

// outcome is one attempt's result, with what the decision depends on.
type outcome struct {
	method, path string // named in log lines
	// safe: the request may be repeated after it may have reached GitHub.
	safe    bool
	attempt int // attempts made, this one included
	tries   retryCounts
	// Either err (no answer; ctxErr is then the request context's error)
	// or GitHub's answer: status, header and classifyLimit's verdict.
	err, ctxErr error
	status      int
	header      http.Header
	limit       limitInfo
	now         time.Time
	jitter      float64 // in [0, 1): spreads the backoffs
}

// decision is what to do after an attempt.
type decision struct {
	act       action
	wait      time.Duration // for the waits and retries
	err       error         // for actFail
	log       string        // for the waits and retries
	maybeSent bool          // the attempt may have reached GitHub and taken effect
	limited   bool          // a rate-limit answer (Stats.RateLimited)
}

func decide(o outcome, lim retryLimits) decision {
	if o.err != nil {
		return decideFailure(o, lim)
	}
	switch o.limit.kind {
	case limitPrimary:
		if o.tries.primary >= maxPrimaryTries {
			return decision{act: actFail, limited: true, err: &Error{Kind: KindRateLimited, Reset: o.limit.reset, NotApplied: true,
				Message: fmt.Sprintf("GitHub's primary rate limit (%s) stayed exhausted after %d waits", o.limit.resource, o.tries.primary)}}
		}
		d := primaryWait(o.limit.reset, o.limit.resource, o.tries.primary, o.now, lim.primaryWait)
		d.limited = true
		return d
	case limitSecondary:
		if o.tries.secondary >= lim.secondary {
			return decision{act: actAnswer, limited: true} // the caller reports GitHub's answer
		}
		w := secondaryWait(o.limit, o.tries.secondary)
		return decision{act: actWaitSecondary, wait: w, limited: true,
			log: fmt.Sprintf("ghapi: %s %s: GitHub's secondary rate limit (%d); waiting %s before retry %d of %d",
				o.method, o.path, o.status, w.Round(time.Second), o.tries.secondary+1, lim.secondary)}
	}
	if !retryableStatus(o.status) {
		return decision{act: actAnswer}
	}
	// A 5xx may come after the request took effect.
	if !o.safe || o.tries.server >= lim.server {
		return decision{act: actAnswer, maybeSent: true}
	}
	n := o.tries.server + 1
	w := backoffWith(n, o.jitter)
	// A 503 may say when to come back.
	if ra, ok := parseRetryAfter(o.header.Get("Retry-After"), o.now); ok && ra > w {
		w = min(ra, secondaryMaxWait)
	}
	return decision{act: actRetry, wait: w, maybeSent: true,
		log: fmt.Sprintf("ghapi: %s %s: GitHub answered %d; retry %d of %d in %s",
			o.method, o.path, o.status, n, lim.server, w.Round(time.Millisecond))}
}

// decideFailure decides after an attempt that got no answer.
func decideFailure(o outcome, lim retryLimits) decision {
	if o.ctxErr != nil {
		return decision{act: actFail, err: o.ctxErr}
	}
	sent := !notSentErr(o.err)
	fail := decision{act: actFail, maybeSent: sent, err: &transportError{err: o.err, sent: sent, tries: o.attempt}}
	if errors.As(o.err, new(errAnswerTooLarge)) {
		// The same answer would come again.
		fail.err = &transportError{err: o.err, sent: true, tries: o.attempt}
		return fail
	}
	if (!o.safe && sent) || o.tries.server >= lim.server {
		return fail
	}
	n := o.tries.server + 1
	w := backoffWith(n, o.jitter)
	return decision{act: actRetry, wait: w, maybeSent: sent,
		log: fmt.Sprintf("ghapi: %s %s: %s; retry %d of %d in %s",
			o.method, o.path, netErrText(o.err), n, lim.server, w.Round(time.Millisecond))}
}

// primaryWait decides the wait for an exhausted primary bucket: until its
// reset, when that is within max; else a failure saying when it resets. A
// reset that looks past while GitHub still says the limit is exhausted
// (this machine's clock runs ahead of GitHub's) is waited for a minute,
// doubling with tries.
func primaryWait(reset time.Time, resource string, tries int, now time.Time, max time.Duration) decision {
	d := reset.Sub(now) + time.Second
	if !reset.After(now) {
		d = min(time.Minute<<tries, secondaryMaxWait)
		reset = now.Add(d)
	}
	if d > max {
		return decision{act: actFail, err: &Error{
			Kind:       KindRateLimited,
			Reset:      reset,
			NotApplied: true,
			Message: fmt.Sprintf("GitHub's primary rate limit (%s) is exhausted until %s (%s); that is longer than the allowed wait of %s",
				resource, reset.Local().Format("2006-01-02 15:04:05 MST"), reset.UTC().Format("15:04:05 UTC"), max),
			Hint: "run again after the reset, or allow a longer wait",
		}}
	}
	return decision{act: actWaitPrimary, wait: d,
		log: fmt.Sprintf("ghapi: GitHub's primary rate limit (%s) is exhausted; waiting %s until it resets at %s",
			resource, d.Round(time.Second), reset.UTC().Format("15:04:05 UTC"))}
}
