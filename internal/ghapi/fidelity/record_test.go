package fidelity

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// exchange is one HTTP request and its answer, as they crossed the wire.
type exchange struct {
	Seq        int
	Step       string // the workload step that sent it
	Method     string
	URL        *url.URL
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	// ExpectInvalid marks a request sent on purpose against the
	// description (to check the simulator's error answer).
	ExpectInvalid bool
}

// apiPath is the request's path as on api.github.com (without the
// Enterprise Server prefix /api/v3), still escaped.
func (e *exchange) apiPath() string {
	p := e.URL.EscapedPath()
	if p == "/api/v3" || strings.HasPrefix(p, "/api/v3/") {
		p = strings.TrimPrefix(p, "/api/v3")
	}
	if p == "" {
		p = "/"
	}
	return p
}

// isGraphQL reports a request to the GraphQL endpoint.
func (e *exchange) isGraphQL() bool {
	p := e.URL.Path
	return p == "/graphql" || p == "/api/graphql"
}

// String names the exchange for messages: "PUT /repos/acme/widgets/collaborators/nina → 201".
func (e *exchange) String() string {
	s := e.Method + " " + e.apiPath()
	if e.URL.RawQuery != "" {
		s += "?" + e.URL.RawQuery
	}
	return s + " → " + http.StatusText(e.Status) + " (" + strconv.Itoa(e.Status) + ")"
}

// recorder is an http.RoundTripper that keeps a copy of every exchange.
// It sits at the bottom of the adapter's stack (Options.Transport), so it
// sees each request exactly as sent: final headers (Authorization
// included: it is never printed), body, and each retry separately.
type recorder struct {
	next http.RoundTripper

	mu   sync.Mutex
	step string
	list []*exchange
}

func newRecorder(next http.RoundTripper) *recorder { return &recorder{next: next} }

// setStep names the exchanges sent from now on.
func (r *recorder) setStep(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.step = s
}

// markLastInvalid marks the last exchange as meant to be invalid.
func (r *recorder) markLastInvalid() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.list); n > 0 {
		r.list[n-1].ExpectInvalid = true
	}
}

// exchanges returns what was recorded so far.
func (r *recorder) exchanges() []*exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*exchange(nil), r.list...)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil // not recorded: the answer was cut off
	}
	u := *req.URL
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, &exchange{
		Seq:        len(r.list) + 1,
		Step:       r.step,
		Method:     req.Method,
		URL:        &u,
		ReqHeader:  req.Header.Clone(),
		ReqBody:    reqBody,
		Status:     resp.StatusCode,
		RespHeader: resp.Header.Clone(),
		RespBody:   body,
	})
	return resp, nil
}
