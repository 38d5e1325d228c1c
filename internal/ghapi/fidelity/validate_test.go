package fidelity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// finding is one way an exchange departs from a description.
type finding struct {
	Spec string
	// Op is the operation id ("repos/update-branch-protection"), or
	// undocumentedOp.
	Op string
	// Pointer says where, as a JSON pointer into a notional document
	// {request: {path, query, header, body}, response: {<status>: {header,
	// body}}}, array indexes written "*": "/request/body/checks/*/app_id",
	// "/response/200/body/*/role_name", "/response/404" for a status the
	// operation does not document. For an undocumented operation it is
	// "METHOD /path/template".
	Pointer string
	Message string
	Example *exchange
}

const undocumentedOp = "(undocumented)"

// validatorOpts say how exchanges are checked.
type validatorOpts struct {
	// routes maps a concrete path to the simulator's template, to name
	// undocumented operations by template rather than by example.
	routes []simRoute
	// requestsOnly skips the responses: against GitHub Enterprise
	// Server's description, only what the adapter sends is checked (the
	// simulator answers as api.github.com does).
	requestsOnly bool
}

// filterOpts: every failure of an exchange, not the first; a status the
// operation does not document is one; so is a request body where none is
// documented. Authentication is not checked here (the simulator enforces
// tokens and App permissions itself; ghsim's own tests cover that).
var filterOpts = &openapi3filter.Options{
	MultiError:                        true,
	IncludeResponseStatus:             true,
	RejectWhenRequestBodyNotSpecified: true,
	AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
}

// validateExchange checks one REST exchange against sp: that the
// operation is documented, that the request (path, query, headers, body)
// and the response (status, headers, body) match it. It returns the
// operation id ("" when undocumented) and what departs.
func validateExchange(ctx context.Context, sp *apiSpec, vo validatorOpts, e *exchange) (string, []finding) {
	u := apiHost + e.apiPath()
	if e.URL.RawQuery != "" {
		u += "?" + e.URL.RawQuery
	}
	req, err := http.NewRequestWithContext(ctx, e.Method, u, bytes.NewReader(e.ReqBody))
	if err != nil {
		return "", []finding{{Spec: sp.Name, Op: undocumentedOp, Pointer: e.Method + " " + e.apiPath(), Message: err.Error(), Example: e}}
	}
	if len(e.ReqBody) == 0 {
		req.Body = http.NoBody
	}
	req.Header = e.ReqHeader.Clone()
	route, params, err := sp.Router.FindRoute(req)
	if err != nil {
		where := e.Method + " " + e.apiPath()
		if r, ok := matchSimRoute(vo.routes, e.Method, e.apiPath()); ok {
			where = r.String()
		}
		msg := "no such operation in GitHub's description"
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			msg = "the path is documented, but not for " + e.Method
		}
		return "", []finding{{Spec: sp.Name, Op: undocumentedOp, Pointer: where, Message: msg, Example: e}}
	}
	if _, pruned := route.Operation.Extensions[stubMark]; pruned {
		// prune judged that no recorded path could reach this template:
		// a bug of prune's, which must not pass for a check.
		return "", []finding{{Spec: sp.Name, Op: "(pruned)", Pointer: e.Method + " " + route.Path,
			Message: "the request was routed to an operation the test pruned from the description (a bug in prune)", Example: e}}
	}
	op := route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: filterOpts}
	var out []finding
	add := func(pointer, msg string) {
		out = append(out, finding{Spec: sp.Name, Op: op, Pointer: pointer, Message: msg, Example: e})
	}
	err = openapi3filter.ValidateRequest(ctx, in)
	switch {
	case e.ExpectInvalid && err == nil:
		add("/request", "the workload sends this request as an invalid one, but it matches the description")
	case e.ExpectInvalid:
		// Refused by the description, as meant: only the answer is checked.
	case err != nil:
		for _, f := range flatten(err) {
			ptr, msg := describe(f, "")
			add(ptr, msg)
		}
	}
	if vo.requestsOnly {
		return op, out
	}
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: e.Status, Header: e.RespHeader, Options: filterOpts}
	rin.SetBodyBytes(e.RespBody)
	if err := openapi3filter.ValidateResponse(ctx, rin); err != nil {
		for _, f := range flatten(err) {
			ptr, msg := describe(f, fmt.Sprintf("/response/%d", e.Status))
			add(ptr, msg)
		}
	}
	return op, out
}

// flatten unpacks kin-openapi's nested errors into single failures, each
// keeping the request or response error it came from.
func flatten(err error) []error {
	var out []error
	var walk func(error, error)
	walk = func(err error, parent error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(x, parent)
			}
		case *openapi3filter.RequestError:
			if me, ok := e.Err.(openapi3.MultiError); ok {
				for _, x := range me {
					walk(x, &openapi3filter.RequestError{Input: e.Input, Parameter: e.Parameter, RequestBody: e.RequestBody, Reason: e.Reason, Err: x})
				}
				return
			}
			out = append(out, e)
		case *openapi3filter.ResponseError:
			if me, ok := e.Err.(openapi3.MultiError); ok {
				for _, x := range me {
					walk(x, &openapi3filter.ResponseError{Input: e.Input, Reason: e.Reason, Err: x})
				}
				return
			}
			out = append(out, e)
		case *openapi3.SchemaError:
			// A schema error inside a request or response error.
			switch p := parent.(type) {
			case *openapi3filter.RequestError:
				out = append(out, &openapi3filter.RequestError{Input: p.Input, Parameter: p.Parameter, RequestBody: p.RequestBody, Reason: p.Reason, Err: e})
			case *openapi3filter.ResponseError:
				out = append(out, &openapi3filter.ResponseError{Input: p.Input, Reason: p.Reason, Err: e})
			default:
				out = append(out, e)
			}
		default:
			if parent != nil {
				switch p := parent.(type) {
				case *openapi3filter.RequestError:
					out = append(out, &openapi3filter.RequestError{Input: p.Input, Parameter: p.Parameter, RequestBody: p.RequestBody, Reason: p.Reason, Err: e})
					return
				case *openapi3filter.ResponseError:
					out = append(out, &openapi3filter.ResponseError{Input: p.Input, Reason: p.Reason, Err: e})
					return
				}
			}
			out = append(out, err)
		}
	}
	walk(err, nil)
	return out
}

// describe turns one flattened failure into a pointer and a message.
func describe(err error, responseBase string) (string, string) {
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		base := "/request"
		switch {
		case e.Parameter != nil:
			base += "/" + e.Parameter.In + "/" + e.Parameter.Name
		case e.RequestBody != nil:
			base += "/body"
		}
		if se, ok := e.Err.(*openapi3.SchemaError); ok {
			return schemaPointer(base, se), schemaMessage(se)
		}
		msg := e.Reason
		if e.Err != nil {
			msg = strings.TrimPrefix(strings.TrimSpace(msg+": "+e.Err.Error()), ": ")
		}
		return base, msg
	case *openapi3filter.ResponseError:
		base := responseBase
		if e.Reason == "status is not supported" {
			return base, "status not documented for this operation"
		}
		if strings.HasPrefix(e.Reason, "response header") || strings.Contains(e.Reason, "Content-Type") {
			return base + "/header", e.Error()
		}
		if se, ok := e.Err.(*openapi3.SchemaError); ok {
			return schemaPointer(base+"/body", se), schemaMessage(se)
		}
		return base, e.Error()
	case *openapi3.SchemaError:
		return schemaPointer(responseBase, e), schemaMessage(e)
	}
	return responseBase, err.Error()
}

func schemaPointer(base string, se *openapi3.SchemaError) string {
	parts := se.JSONPointer()
	var b strings.Builder
	b.WriteString(base)
	for _, p := range parts {
		b.WriteByte('/')
		if isIndex(p) {
			b.WriteByte('*')
		} else {
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1"))
		}
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// schemaMessage is the reason, the value (short) and, for a oneOf or
// anyOf, why each branch failed.
func schemaMessage(se *openapi3.SchemaError) string {
	msg := se.Reason
	if se.SchemaField != "" && !strings.Contains(msg, se.SchemaField) {
		msg += " [" + se.SchemaField + "]"
	}
	if v, err := json.Marshal(se.Value); err == nil && se.Value != nil {
		msg += "; got " + shorten(string(v), 160)
	} else if se.Value == nil {
		msg += "; got null"
	}
	if se.Origin != nil {
		var sub []string
		for _, x := range flatten(se.Origin) {
			if s, ok := x.(*openapi3.SchemaError); ok {
				p := strings.Join(s.JSONPointer(), "/")
				if p != "" {
					p = "/" + p + ": "
				}
				sub = append(sub, p+s.Reason)
			}
		}
		sort.Strings(sub)
		sub = dedupe(sub)
		if len(sub) > 4 {
			sub = append(sub[:4], fmt.Sprintf("… %d more", len(sub)-4))
		}
		if len(sub) > 0 {
			msg += " (" + strings.Join(sub, "; ") + ")"
		}
	}
	return msg
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
