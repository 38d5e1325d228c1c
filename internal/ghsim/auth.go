package ghsim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

type identKind int

const (
	identAnonymous identKind = iota
	identApp
	identInstallation
	identUser
)

// identity is the caller of one request.
type identity struct {
	kind identKind
	app  *app
	tok  *token
	user *user // the user of a user token; the bot of an installation
	// key names the primary rate-limit bucket; subject is how GitHub's
	// exhaustion message names it ("installation ID 42").
	key     string
	subject string
}

// jwtSkew is the clock drift GitHub tolerates on iat and exp.
const jwtSkew = 60 * time.Second

// authError is a 401 with GitHub's message.
type authError struct{ msg string }

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	for _, p := range []string{"Bearer ", "bearer ", "token ", "Token "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):]), true
		}
	}
	return "", true
}

// authenticate resolves the caller. Called with the state lock held.
func (s *Server) authenticate(r *http.Request, mode authMode) (*identity, *authError) {
	raw, present := bearer(r)
	if !present {
		return &identity{kind: identAnonymous, key: "anon", subject: "anonymous"}, nil
	}
	if raw == "" {
		return nil, &authError{"Bad credentials"}
	}
	if t := s.st.tokens[raw]; t != nil {
		if mode == authJWT {
			return nil, &authError{"A JSON web token could not be decoded"}
		}
		if !t.expires.IsZero() && !s.clock.Now().Before(t.expires) {
			return nil, &authError{"Bad credentials"}
		}
		switch t.kind {
		case tokenInstallation:
			return &identity{kind: identInstallation, tok: t, app: t.inst.app, user: t.inst.app.bot,
				key: "inst:" + strconv.FormatInt(t.inst.id, 10), subject: fmt.Sprintf("installation ID %d", t.inst.id)}, nil
		default:
			return &identity{kind: identUser, tok: t, user: t.user,
				key: "user:" + strconv.FormatInt(t.user.id, 10), subject: fmt.Sprintf("user ID %d", t.user.id)}, nil
		}
	}
	if strings.Count(raw, ".") == 2 {
		a, err := s.verifyJWT(raw)
		if err != nil {
			return nil, err
		}
		if mode != authJWT {
			// GitHub answers a JWT on a non-App endpoint this way.
			return nil, &authError{"A JSON web token could not be used for this endpoint"}
		}
		return &identity{kind: identApp, app: a, key: "app:" + strconv.FormatInt(a.id, 10),
			subject: fmt.Sprintf("app ID %d", a.id)}, nil
	}
	return nil, &authError{"Bad credentials"}
}

// verifyJWT checks an App JWT as GitHub documents: RS256, iss the App id
// (string or number), iat/exp at most 10 minutes apart, 60 s of skew.
func (s *Server) verifyJWT(raw string) (*app, *authError) {
	bad := &authError{"A JSON web token could not be decoded"}
	claims := jwt.MapClaims{}
	p := jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"RS256"}))
	var found *app
	_, err := p.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		id, ok := issuer(claims["iss"])
		if !ok {
			return nil, fmt.Errorf("no iss")
		}
		found = s.st.apps[id]
		if found == nil || found.key == nil {
			return nil, fmt.Errorf("unknown app")
		}
		return found.key, nil
	})
	if err != nil || found == nil {
		if found == nil && err != nil && strings.Contains(err.Error(), "unknown app") {
			return nil, &authError{"Integration not found"}
		}
		return nil, bad
	}
	now := s.clock.Now()
	iat, ok1 := numClaim(claims["iat"])
	exp, ok2 := numClaim(claims["exp"])
	if !ok2 || time.Unix(exp, 0).Before(now.Add(-jwtSkew)) {
		return nil, &authError{"'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"}
	}
	if !ok1 || time.Unix(iat, 0).After(now.Add(jwtSkew)) {
		return nil, &authError{"'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"}
	}
	if exp-iat > int64((10*time.Minute)/time.Second) || time.Unix(exp, 0).After(now.Add(10*time.Minute+jwtSkew)) {
		return nil, &authError{"'Expiration time' claim ('exp') is too far in the future"}
	}
	return found, nil
}

func issuer(v any) (int64, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	case float64:
		return int64(x), x == float64(int64(x))
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

func numClaim(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	}
	return 0, false
}

func newTokenValue(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 36)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

var permRank = map[string]int{"read": 1, "write": 2, "admin": 3}

// allows reports whether granted permissions cover perm at level. Every
// installation has metadata read, as GitHub forces it.
func (p Permissions) allows(perm, level string) bool {
	if perm == "" {
		return true
	}
	if perm == "metadata" && level == "read" {
		return true
	}
	return permRank[p[perm]] >= permRank[level]
}

func (p Permissions) clone() Permissions {
	out := Permissions{}
	for k, v := range p {
		out[k] = v
	}
	return out
}

// withMetadata returns p plus the implied metadata read.
func (p Permissions) withMetadata() Permissions {
	out := p.clone()
	if _, ok := out["metadata"]; !ok {
		out["metadata"] = "read"
	}
	return out
}

// canSeeRepo: an installation token reaches its org's repositories (only
// the selected or narrowed ones); a user token what the user can read.
func (s *Server) canSeeRepo(id *identity, r *repo) bool {
	switch id.kind {
	case identInstallation:
		t := id.tok
		if t.inst.org != r.org {
			return !r.private
		}
		if t.inst.selection == "selected" && !t.inst.repos[r.id] {
			return false
		}
		if t.repos != nil && !t.repos[r.id] {
			return false
		}
		return true
	case identUser:
		if !r.private {
			return true
		}
		role, _ := s.st.access(r, id.user)
		return role != RoleNone
	case identAnonymous:
		return !r.private
	}
	return false
}

// installedOn: the token's installation covers the repository's org (not
// just the public read anyone has).
func (id *identity) installedOn(r *repo) bool {
	return id.kind == identInstallation && id.tok.inst.org == r.org
}
