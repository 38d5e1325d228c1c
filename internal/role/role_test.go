package role_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// TestOrder: comparisons between roles (guardrails, "raise" vs "lower")
// rely on the constants being ordered as GitHub orders the roles.
func TestOrder(t *testing.T) {
	assert.Equal(t, []role.Role{role.Read, role.Triage, role.Write, role.Maintain, role.Admin}, role.All)
	for i := 1; i < len(role.All); i++ {
		assert.Less(t, role.All[i-1], role.All[i])
	}
	assert.Less(t, role.None, role.Read)
}

func TestNames(t *testing.T) {
	cases := []struct {
		r        role.Role
		name     string
		apiName  string
		fromFile bool
	}{
		{role.None, "none", "none", false},
		{role.Read, "read", "pull", true},
		{role.Triage, "triage", "triage", true},
		{role.Write, "write", "push", true},
		{role.Maintain, "maintain", "maintain", true},
		{role.Admin, "admin", "admin", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.name, tc.r.String())
			assert.Equal(t, tc.apiName, tc.r.APIName())
			got, err := role.Parse(tc.name)
			if tc.fromFile {
				require.NoError(t, err)
				assert.Equal(t, tc.r, got)
			} else {
				assert.Error(t, err, "none is not a role a file can grant")
			}
			// What APIName writes, FromAPI reads back.
			back, ok := role.FromAPI(tc.r.APIName())
			assert.True(t, ok)
			assert.Equal(t, tc.r, back)
		})
	}
}

func TestStringOutOfRange(t *testing.T) {
	assert.Equal(t, "role(9)", role.Role(9).String())
	assert.Equal(t, "role(-1)", role.Role(-1).String())
}

// TestParse: files use one vocabulary. The API's pull and push are refused
// with a hint; so are other spellings, which a file must not rely on.
func TestParse(t *testing.T) {
	cases := map[string]string{
		"pull":  `unknown role "pull" (did you mean "read"?)`,
		"push":  `unknown role "push" (did you mean "write"?)`,
		"Admin": `unknown role "Admin" (roles are read, triage, write, maintain, admin)`,
		"READ":  `unknown role "READ" (roles are read, triage, write, maintain, admin)`,
		"owner": `unknown role "owner" (roles are read, triage, write, maintain, admin)`,
		"none":  `unknown role "none" (roles are read, triage, write, maintain, admin)`,
		"":      `unknown role "" (roles are read, triage, write, maintain, admin)`,
		" read": `unknown role " read" (roles are read, triage, write, maintain, admin)`,
	}
	for in, want := range cases {
		got, err := role.Parse(in)
		assert.EqualError(t, err, want, in)
		assert.Equal(t, role.None, got, in)
	}
}

// TestFromAPI: every spelling GitHub returns somewhere (REST role_name and
// bodies, GraphQL enums, the org base role "none").
func TestFromAPI(t *testing.T) {
	cases := map[string]role.Role{
		"":         role.None,
		"none":     role.None,
		"NONE":     role.None,
		"read":     role.Read,
		"pull":     role.Read,
		"READ":     role.Read,
		"triage":   role.Triage,
		"TRIAGE":   role.Triage,
		"write":    role.Write,
		"push":     role.Write,
		"WRITE":    role.Write,
		"maintain": role.Maintain,
		"MAINTAIN": role.Maintain,
		"admin":    role.Admin,
		"ADMIN":    role.Admin,
	}
	for in, want := range cases {
		got, ok := role.FromAPI(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	// An Enterprise custom role is no role permsync knows: the caller
	// must decide, not get a silent None.
	for _, in := range []string{"security-manager", "owner", "member", " read"} {
		_, ok := role.FromAPI(in)
		assert.False(t, ok, in)
	}
}

func TestText(t *testing.T) {
	type doc struct {
		Role role.Role `json:"role"`
	}
	b, err := json.Marshal(doc{role.Maintain})
	require.NoError(t, err)
	assert.JSONEq(t, `{"role":"maintain"}`, string(b))

	for in, want := range map[string]role.Role{`"maintain"`: role.Maintain, `"push"`: role.Write, `"ADMIN"`: role.Admin} {
		var d doc
		require.NoError(t, json.Unmarshal([]byte(`{"role":`+in+`}`), &d), in)
		assert.Equal(t, want, d.Role, in)
	}
	var d doc
	assert.EqualError(t, json.Unmarshal([]byte(`{"role":"owner"}`), &d), `unknown role "owner"`)

	// Every role survives a round trip.
	for _, r := range append([]role.Role{role.None}, role.All...) {
		text, err := r.MarshalText()
		require.NoError(t, err)
		var back role.Role
		require.NoError(t, back.UnmarshalText(text))
		assert.Equal(t, r, back)
	}
}
