package reconcile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/access"
	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// Digests records, for every repository planned, a hash of what the files
// ask (the repository file and its org's policy) and of what GitHub held
// that the plan depends on (the repository's grants, invitations,
// protection and rulesets, the org's base role and owners, and the members
// of every team and the membership of every user involved). A saved plan is
// stale when any of them differs at apply time.
//
// Each hash is that of one JSON document; the parts that are the same for
// every repository of an org (policy, base role, owners, team members) are
// encoded once per org and spliced in, which gives the same bytes as
// encoding the whole document.
func Digests(p *Plan, in Input) []Digest {
	in = in.indexed()
	out := []Digest{}
	var buf []byte
	for _, t := range in.Targets {
		a := in.access(t.Org.Name)
		od := newOrgDigest(t.Org, a)
		for _, r := range t.Repos {
			d := Digest{Org: t.Org.Name, Repo: r.Name}
			d.Files, buf = od.files(buf[:0], r)
			if a != nil {
				d.State, buf = od.state(buf[:0], a.Repo(r.Name), r)
			}
			out = append(out, d)
		}
	}
	return out
}

// orgDigest holds the JSON of what every repository of one org shares.
type orgDigest struct {
	a      *access.Org
	policy []byte            // "Policy":…,"Floor":…
	org    []byte            // "BaseRole":…,"Owners":…
	teams  map[string][]byte // a team's members, by lower-case slug
}

func newOrgDigest(o *config.Org, a *access.Org) *orgDigest {
	pol := o.Policy
	pol.Pos = nil
	var floor []check
	for _, c := range pol.RequiredChecks {
		floor = append(floor, check{c.Context, c.AppID})
	}
	pol.RequiredChecks = nil
	od := &orgDigest{a: a, teams: map[string][]byte{}}
	od.policy = appendField(appendField(nil, "Policy", pol), "Floor", floor)
	if a != nil {
		od.org = appendField(appendField(nil, "BaseRole", a.State.BaseRole.String()), "Owners", a.State.Owners)
	}
	return od
}

// teamMembers is the JSON of a team's members (null for a team GitHub does
// not have).
func (od *orgDigest) teamMembers(slug string) []byte {
	k := strings.ToLower(slug)
	if b, ok := od.teams[k]; ok {
		return b
	}
	var members []string
	if team := od.a.Team(slug); team != nil {
		members = team.Members
	}
	b := mustJSON(members)
	od.teams[k] = b
	return b
}

type check struct {
	Context string
	AppID   int64
}

// files hashes {Policy, Floor, Grants, Protection}.
func (od *orgDigest) files(buf []byte, r *config.Repo) (string, []byte) {
	type protection struct {
		Branch        string
		Checks        *[]check
		Strict        *bool
		EnforceAdmins *bool
		Reviews       *int
	}
	var prot []protection
	for _, bp := range r.Protection {
		pr := protection{Branch: bp.Branch, Strict: bp.Strict, EnforceAdmins: bp.EnforceAdmins, Reviews: bp.Reviews}
		if bp.Checks != nil {
			cs := []check{}
			for _, c := range *bp.Checks {
				cs = append(cs, check{c.Context, c.AppID})
			}
			pr.Checks = &cs
		}
		prot = append(prot, pr)
	}
	buf = append(buf, '{')
	buf = append(buf, od.policy...)
	buf = append(buf, ',')
	// Grants: [{"Principal":key,"Role":role},…], or null; written by hand,
	// as they are most of the document.
	buf = append(buf, `"Grants":`...)
	if r.Grants == nil {
		buf = append(buf, "null"...)
	} else {
		buf = append(buf, '[')
		for i, g := range r.Grants {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"Principal":`...)
			buf = appendString(buf, g.Key())
			buf = append(buf, `,"Role":`...)
			buf = appendString(buf, g.Role.String())
			buf = append(buf, '}')
		}
		buf = append(buf, ']')
	}
	buf = appendField(buf, "Protection", prot)
	buf = append(buf, '}')
	return hashBytes(buf), buf
}

// state hashes {Repo, BaseRole, Owners, Teams, Members}: the repository as
// read (deploy keys aside: read for audits only), the org's base role and
// owners, the members of every team it grants or the file names, and the
// membership of every user it grants or the file names.
func (od *orgDigest) state(buf []byte, r *state.Repo, desired *config.Repo) (string, []byte) {
	if r == nil {
		return hashBytes(mustJSON("absent")), buf
	}
	teams := map[string][]byte{}
	// Members as a sorted list, not a map: a hundred logins a repository,
	// ten thousand repositories, and a map's table was most of the cost.
	members := make([]membership, 0, len(desired.Grants)+len(r.Users))
	for _, t := range r.Teams {
		if od.a.Team(t.Slug) != nil {
			teams[strings.ToLower(t.Slug)] = od.teamMembers(t.Slug)
		}
	}
	for _, g := range desired.Grants {
		if g.Kind == config.Team {
			teams[strings.ToLower(g.Name)] = od.teamMembers(g.Name)
		} else {
			members = append(members, membership{strings.ToLower(g.Name), od.a.IsMember(g.Name)})
		}
	}
	for _, u := range r.Users {
		members = append(members, membership{strings.ToLower(u.Login), od.a.IsMember(u.Login)})
	}
	slices.SortFunc(members, func(a, b membership) int { return strings.Compare(a.login, b.login) })
	members = slices.CompactFunc(members, func(a, b membership) bool { return a.login == b.login })
	buf = append(buf, '{')
	buf = appendRepo(appendKey(buf, "Repo"), r)
	buf = append(buf, ',')
	buf = append(buf, od.org...)
	buf = append(buf, `,"Teams":`...)
	buf = appendMap(buf, teams, func(b []byte, v []byte) []byte { return append(b, v...) })
	buf = append(buf, `,"Members":`...)
	buf = append(buf, '{')
	for i, m := range members {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendBool(appendKey(buf, m.login), m.member)
	}
	buf = append(buf, '}')
	buf = append(buf, '}')
	return hashBytes(buf), buf
}

// membership: whether a login (lower-cased) is an org member.
type membership struct {
	login  string
	member bool
}

// appendRepo appends r as encoding/json writes it, deploy keys left out.
// Its direct grants, most of it, are written by hand (appendUsers) into the
// place encoding/json leaves for them: the first "users":null, which no
// field before it can hold (a string would escape the quotes).
func appendRepo(buf []byte, r *state.Repo) []byte {
	repo := *r
	repo.DeployKeys, repo.Users = nil, nil
	js := mustJSON(repo)
	const hole = `"users":null`
	i := bytes.Index(js, []byte(hole))
	if i < 0 {
		panic("reconcile: digest: state.Repo has no \"users\" field")
	}
	buf = append(buf, js[:i+len(`"users":`)]...)
	buf = appendUsers(buf, r.Users)
	return append(buf, js[i+len(hole):]...)
}

// appendUsers appends us as encoding/json writes []state.UserGrant
// (TestDigestUsersAsEncodingJSON holds it to the struct's fields).
func appendUsers(buf []byte, us []state.UserGrant) []byte {
	if us == nil {
		return append(buf, "null"...)
	}
	buf = append(buf, '[')
	for i, u := range us {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"login":`...)
		buf = appendString(buf, u.Login)
		if u.ID != 0 {
			buf = append(buf, `,"id":`...)
			buf = strconv.AppendInt(buf, u.ID, 10)
		}
		buf = append(buf, `,"role":`...)
		buf = appendString(buf, u.Role.String())
		if u.RoleName != "" {
			buf = append(buf, `,"role_name":`...)
			buf = appendString(buf, u.RoleName)
		}
		buf = append(buf, '}')
	}
	return append(buf, ']')
}

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain data is hashed; a failure here is a programming error.
		panic("reconcile: digest: " + err.Error())
	}
	return b
}

// appendField appends "name":value (after a comma when buf does not end a
// brace), as encoding/json writes a struct field.
func appendField(buf []byte, name string, v any) []byte {
	if n := len(buf); n > 0 && buf[n-1] != '{' && buf[n-1] != ',' {
		buf = append(buf, ',')
	}
	buf = appendKey(buf, name)
	return append(buf, mustJSON(v)...)
}

// appendMap appends m as encoding/json does: keys sorted, no spaces.
func appendMap[V any](buf []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = value(appendKey(buf, k), m[k])
	}
	return append(buf, '}')
}

// appendKey appends "k": as encoding/json writes a key.
func appendKey(buf []byte, k string) []byte { return append(appendString(buf, k), ':') }

// appendString appends k as encoding/json writes a string; logins and slugs
// need no escaping, anything else goes through encoding/json.
func appendString(buf []byte, k string) []byte {
	plain := true
	for i := 0; i < len(k) && plain; i++ {
		c := k[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plain {
		buf = append(buf, '"')
		buf = append(buf, k...)
		buf = append(buf, '"')
	} else {
		buf = append(buf, mustJSON(k)...)
	}
	return buf
}
