package faultsuite

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// proxy stands between permsync and the simulator and lets a scenario act
// after GitHub answered a request and before permsync sees the answer:
// drop the answer of a write that GitHub made (a connection reset after
// the fact), or change the world (move the clock, exhaust a rate limit,
// delete a repository) at an exact point of a run.
type proxy struct {
	ts       *httptest.Server
	upstream string // the simulator's root URL, without a trailing slash
	rt       *http.Transport

	mu        sync.Mutex
	requests  int // answered by the simulator, through this proxy
	mutations int
	after     func(ev event) action
	dropped   []string // "METHOD path" of writes whose answer was dropped
}

// event is one request GitHub answered.
type event struct {
	N        int // the request's number, from 1
	Mutation int // the write's number, from 1; 0 for a read
	Method   string
	Path     string // without /api/v3
	Status   int
}

type action int

const (
	pass action = iota
	dropAnswer
)

func newProxy(t *testing.T, upstreamRoot string) *proxy {
	p := &proxy{upstream: strings.TrimSuffix(upstreamRoot, "/"), rt: &http.Transport{MaxIdleConnsPerHost: 16}}
	p.ts = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.ts.CloseClientConnections()
		p.ts.Close()
		p.rt.CloseIdleConnections()
	})
	return p
}

// URL is the REST base permsync is given (Enterprise Server layout, so that
// GraphQL goes through the proxy too).
func (p *proxy) URL() string { return p.ts.URL + "/api/v3/" }

// setAfter installs the hook called after each answer (nil: none).
func (p *proxy) setAfter(f func(ev event) action) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.after = f
}

// counts returns how many requests and writes went through so far.
func (p *proxy) counts() (requests, mutations int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.mutations
}

func (p *proxy) droppedWrites() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dropped...)
}

// isWrite: a REST request that changes something (not GraphQL, which
// permsync only queries, and not an installation token request).
func isWrite(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return !strings.HasSuffix(path, "/graphql") && !strings.HasSuffix(path, "/access_tokens")
}

func (p *proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := p.rt.RoundTrip(out)
	if err != nil {
		// The simulator reset the connection (an injected fault): pass the
		// reset on.
		reset(w)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		reset(w)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	p.mu.Lock()
	p.requests++
	ev := event{N: p.requests, Method: r.Method, Path: path, Status: resp.StatusCode}
	if isWrite(r.Method, path) {
		p.mutations++
		ev.Mutation = p.mutations
	}
	hook := p.after
	p.mu.Unlock()
	if hook != nil && hook(ev) == dropAnswer {
		p.mu.Lock()
		p.dropped = append(p.dropped, r.Method+" "+path)
		p.mu.Unlock()
		reset(w)
		return
	}
	for k, vs := range resp.Header {
		if k == "Connection" || k == "Keep-Alive" || k == "Transfer-Encoding" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// reset closes the client's connection with a TCP RST, without an answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
