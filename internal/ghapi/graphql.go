package ghapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// gqlError is one entry of a GraphQL answer's "errors".
type gqlError struct {
	Type       string `json:"type"`
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code      string `json:"code"`
		FieldName string `json:"fieldName"`
		TypeName  string `json:"typeName"`
	} `json:"extensions"`
}

// top is the first element of the error's path (an alias), or "".
func (e gqlError) top() string {
	if len(e.Path) == 0 {
		return ""
	}
	s, _ := e.Path[0].(string)
	return s
}

func (e gqlError) pathString() string {
	parts := make([]string, 0, len(e.Path))
	for _, p := range e.Path {
		parts = append(parts, fmt.Sprint(p))
	}
	return strings.Join(parts, ".")
}

// undefined reports a schema the server does not have (older GitHub
// Enterprise Server versions lack fields this package asks for).
func (e gqlError) undefined() bool {
	switch e.Extensions.Code {
	case "undefinedField", "undefinedType", "argumentNotAccepted", "undefinedArgument", "cannotSpreadFragment":
		return true
	}
	m := e.Message
	return strings.Contains(m, "doesn't exist on type") || strings.Contains(m, "doesn't accept argument") ||
		fragmentTypeRE.MatchString(m) || noSuchTypeRE.MatchString(m)
}

// The server does not know a type a query names in "... on T" (older
// GitHub Enterprise Server: RuleSource without Enterprise).
var (
	fragmentTypeRE = regexp.MustCompile(`Fragment on ([A-Za-z_][A-Za-z0-9_]*) can't be spread inside ([A-Za-z_][A-Za-z0-9_]*)`)
	noSuchTypeRE   = regexp.MustCompile(`No such type ([A-Za-z_][A-Za-z0-9_]*), so it can't be a fragment condition`)
)

// gqlResult is a decoded GraphQL answer.
type gqlResult struct {
	Data   map[string]json.RawMessage
	Errors []gqlError
}

// errorsFor returns the errors whose path starts at alias.
func (r *gqlResult) errorsFor(alias string) []gqlError {
	var out []gqlError
	for _, e := range r.Errors {
		if e.top() == alias {
			out = append(out, e)
		}
	}
	return out
}

// graphql sends one query. name is for messages ("RepoBatch"). A failure
// of the whole request is the error; per-field errors are in the result,
// for the caller to judge (a repository alias that is NOT_FOUND is an
// answer, not a failure). An answer with errors and no data at all is an
// error, as is a schema the server does not know (KindUnsupported).
func (cn *conn) graphql(ctx context.Context, name, query string, vars map[string]any, opts ...reqOpt) (*gqlResult, error) {
	c := cn.c
	limited := 0
	for tries := 0; ; tries++ {
		res, err := cn.graphqlOnce(ctx, name, c.schema.adapt(query), vars, opts...)
		var rl *gqlRateLimited
		if errors.As(err, &rl) {
			// A query costing more than what is left is refused with a
			// 200 and RATE_LIMITED (the policy layer catches the case of
			// nothing left at all).
			c.stats.rateLimited.Add(1)
			if limited >= maxPrimaryTries {
				return nil, &Error{Op: "GraphQL " + name, Kind: KindRateLimited, Reset: rl.reset, NotApplied: true, Message: redact(rl.msg)}
			}
			if werr := c.waitPrimary(ctx, rl.reset, "graphql", limited); werr != nil {
				var e *Error
				if errors.As(werr, &e) {
					e.Op = "GraphQL " + name
				}
				return nil, werr
			}
			limited++
			continue
		}
		var uf *undefinedField
		if !errors.As(err, &uf) {
			return res, err
		}
		if uf.fragment != "" {
			if optional, fresh := c.schema.dropFragment(uf.fragment); optional && tries < 10 {
				if fresh {
					c.logf("ghapi: this GitHub's GraphQL API has no %s in %s; reading without what only it would tell (%s)", uf.fragment, uf.typ, optionalFragments[uf.fragment])
				}
				continue
			}
			return nil, &Error{Op: "GraphQL " + name, Kind: KindUnsupported, Message: redact(uf.msg)}
		}
		if optional, fresh := c.schema.drop(uf.field); optional && tries < 10 {
			if fresh {
				c.logf("ghapi: this GitHub's GraphQL API has no %s.%s; reading without it", uf.typ, uf.field)
			}
			continue // a concurrent query may have dropped it already
		}
		return nil, &Error{Op: "GraphQL " + name, Kind: KindUnsupported, Message: redact(uf.msg)}
	}
}

// gqlRateLimited is a query GitHub refused for the primary limit.
type gqlRateLimited struct {
	reset time.Time
	msg   string
}

func (e *gqlRateLimited) Error() string { return e.msg }

// undefinedField is a query the server's schema refuses.
type undefinedField struct {
	field, typ, msg string
	fragment        string // a type named in "... on T" that the server does not know (there)
}

func (e *undefinedField) Error() string { return e.msg }

var undefinedFieldRE = regexp.MustCompile(`Field '([A-Za-z_][A-Za-z0-9_]*)' doesn't exist on type '([A-Za-z_][A-Za-z0-9_]*)'`)

// optionalFields may be left out of a query when a server lacks them
// (older GitHub Enterprise Server): scalars whose absence reads as the
// zero value, which the state treats as "off" or "unknown". The fields
// that make a read exact (roleName, permissionSources…) are not here: a
// server without them is read through REST instead.
var optionalFields = map[string]bool{
	"rateLimit": true, "totalCount": true, "visibility": true, "target": true,
	"requireLastPushApproval": true, "requiresCommitSignatures": true, "requiresLinearHistory": true,
	"restrictsPushes": true, "allowsDeletions": true, "allowsForcePushes": true,
	"dismissesStaleReviews": true, "requiresCodeOwnerReviews": true,
	"dismissStaleReviewsOnPush": true, "requireCodeOwnerReview": true,
	"enterpriseOwner": true, "deployKey": true, "repositoryRoleDatabaseId": true,
	"isDisabled": true,
	// A server without bypass actors leaves every bypass list unread:
	// such a ruleset counts as bypassable, never as "no bypass".
	"bypassActors": true,
}

// optionalFragments are the "... on T" selections a query may lose when a
// server lacks the type there, with what is then not read. None carries
// what a guardrail needs: a ruleset from the enterprise still reads as
// one (its __typename), only without the enterprise's slug.
var optionalFragments = map[string]string{
	"Enterprise": "the enterprise's name on rulesets it sets",
}

// schemaAdapter removes the optional fields a server turned out to lack.
type schemaAdapter struct {
	mu        sync.Mutex
	dropped   map[string]*regexp.Regexp
	fragments map[string]bool
}

// dropFragment records a type the server does not know in a fragment.
func (s *schemaAdapter) dropFragment(typ string) (optional, fresh bool) {
	if _, ok := optionalFragments[typ]; !ok {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fragments == nil {
		s.fragments = map[string]bool{}
	}
	if s.fragments[typ] {
		return true, false
	}
	s.fragments[typ] = true
	return true, true
}

// removeInlineFragment removes every "... on typ { … }" from query.
func removeInlineFragment(query, typ string) string {
	re := regexp.MustCompile(`\.\.\.\s*on\s+` + typ + `\b\s*\{`)
	for {
		loc := re.FindStringIndex(query)
		if loc == nil {
			return query
		}
		depth, end := 1, len(query)
		for i := loc[1]; i < len(query); i++ {
			if query[i] == '{' {
				depth++
			} else if query[i] == '}' {
				depth--
				if depth == 0 {
					end = i + 1
					break
				}
			}
		}
		query = query[:loc[0]] + query[end:]
	}
}

// drop records a missing field: optional says whether it can be left
// out, fresh whether this is the first time.
func (s *schemaAdapter) drop(field string) (optional, fresh bool) {
	if !optionalFields[field] {
		return false, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped == nil {
		s.dropped = map[string]*regexp.Regexp{}
	}
	if _, ok := s.dropped[field]; ok {
		return true, false
	}
	// The field, with its arguments and selection set when it has them.
	s.dropped[field] = regexp.MustCompile(`\b` + field + `\b`)
	return true, true
}

// removeField removes every selection of field (with its arguments and
// its selection set, nested braces included) from query.
func removeField(query string, re *regexp.Regexp) string {
	var b strings.Builder
	for {
		loc := re.FindStringIndex(query)
		if loc == nil {
			b.WriteString(query)
			return b.String()
		}
		b.WriteString(query[:loc[0]])
		rest := query[loc[1]:]
		i := skipSpace(rest, 0)
		if i < len(rest) && rest[i] == '(' {
			i = skipBalanced(rest, i, '(', ')')
			i = skipSpace(rest, i)
		}
		switch {
		case i < len(rest) && rest[i] == '{':
			i = skipBalanced(rest, i, '{', '}')
		case i == skipSpace(rest, 0):
			i = 0 // a bare scalar: only its name goes
		}
		query = rest[i:]
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r' || s[i] == ',') {
		i++
	}
	return i
}

// skipBalanced returns the index just past the close matching s[i] == open.
func skipBalanced(s string, i int, open, close byte) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case open:
			depth++
		case close:
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// adapt returns query without the dropped fields.
func (s *schemaAdapter) adapt(query string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, re := range s.dropped {
		query = removeField(query, re)
	}
	for typ := range s.fragments {
		query = removeInlineFragment(query, typ)
	}
	// A field whose every subfield was dropped (membersWithRole once
	// totalCount is) goes too: "{ }" is not a valid selection.
	for {
		next := emptySelection.ReplaceAllString(query, "")
		if next == query {
			return query
		}
		query = next
	}
}

// emptySelection is a field, with its alias and arguments, selecting
// nothing.
var emptySelection = regexp.MustCompile(`(\w+\s*:\s*)?\w+\s*(\([^(){}]*\))?\s*\{\s*\}`)

// graphqlOnce sends one query as it is.
func (cn *conn) graphqlOnce(ctx context.Context, name, query string, vars map[string]any, opts ...reqOpt) (*gqlResult, error) {
	c := cn.c
	op := "GraphQL " + name
	var set reqSettings
	for _, o := range opts {
		o(&set)
	}
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, &Error{Op: op, Kind: KindConfig, Message: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.graphqlURL, bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Op: op, Kind: KindConfig, Message: "cannot build the request"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	ci := &callInfo{retrySafe: true}
	resp, err := cn.http.Do(req.WithContext(withCall(ctx, ci)))
	if err != nil {
		return nil, sendError(ctx, op, err, ci)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusNotImplemented:
		return nil, &Error{Op: op, Status: resp.StatusCode, Kind: KindUnsupported, Message: "this GitHub has no GraphQL API at " + c.graphqlURL}
	case resp.StatusCode != http.StatusOK:
		return nil, cn.explain(apiError(op, resp, ci))
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &Error{Op: op, Status: resp.StatusCode, Kind: KindNetwork, Message: "reading the answer: " + netErrText(err)}
	}
	var env struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []gqlError                 `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, &Error{Op: op, Status: resp.StatusCode, Kind: KindOther, Message: "could not read GitHub's answer: " + redact(err.Error())}
	}
	if env.Data == nil {
		for _, e := range env.Errors {
			if e.Type == "RATE_LIMITED" {
				return nil, &gqlRateLimited{reset: parseReset(resp.Header, c.now()), msg: e.Message}
			}
		}
	}
	res := &gqlResult{Data: env.Data, Errors: env.Errors}
	if rl, ok := env.Data["rateLimit"]; ok {
		var r struct {
			Cost int64 `json:"cost"`
		}
		if json.Unmarshal(rl, &r) == nil {
			c.stats.graphqlPoints.Add(r.Cost)
		}
	}
	for _, e := range env.Errors {
		if e.undefined() {
			uf := &undefinedField{field: e.Extensions.FieldName, typ: e.Extensions.TypeName, msg: e.Message}
			if m := undefinedFieldRE.FindStringSubmatch(e.Message); m != nil {
				uf.field, uf.typ = m[1], m[2]
			}
			if m := fragmentTypeRE.FindStringSubmatch(e.Message); m != nil {
				uf.fragment, uf.typ = m[1], m[2]
			} else if m := noSuchTypeRE.FindStringSubmatch(e.Message); m != nil {
				uf.fragment, uf.typ = m[1], ""
			}
			return nil, uf
		}
	}
	if len(env.Errors) > 0 && env.Data == nil {
		return nil, gqlFailure(op, env.Errors)
	}
	return res, nil
}

// gqlFailure turns GraphQL errors into an Error.
func gqlFailure(op string, errs []gqlError) *Error {
	e := &Error{Op: op, Kind: KindGraphQL, NotApplied: true}
	var msgs []string
	for i, g := range errs {
		if i == 3 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(errs)-3))
			break
		}
		m := g.Message
		if p := g.pathString(); p != "" {
			m = p + ": " + m
		}
		msgs = append(msgs, m)
	}
	e.Message = redact(strings.Join(msgs, "; "))
	switch errs[0].Type {
	case "NOT_FOUND":
		e.Kind = KindNotFound
	case "FORBIDDEN":
		e.Kind = KindForbidden
	case "RATE_LIMITED":
		e.Kind = KindRateLimited
	}
	return e
}

// decodeField decodes one top-level field of data.
func (r *gqlResult) decodeField(key string, out any) (bool, error) {
	raw, ok := r.Data[key]
	if !ok || len(raw) == 0 || string(raw) == "null" {
		return false, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("could not read GitHub's answer for %s: %s", key, redact(err.Error()))
	}
	return true, nil
}

// isUnsupported reports a GraphQL API or schema this GitHub lacks.
func isUnsupported(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindUnsupported
}
