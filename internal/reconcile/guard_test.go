package reconcile

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/role"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// rulesOf lists every refused change as "rule subject".
func rulesOf(p *Plan) []string {
	var out []string
	for _, r := range p.Refusals {
		for _, it := range r.Items {
			out = append(out, string(r.Rule)+" "+it.Subject)
		}
	}
	return out
}

// crossedOf lists every rule_already_crossed item as "rule repo subject".
func crossedOf(p *Plan) []string {
	var out []string
	for _, n := range p.Notices {
		if n.Kind != NoticeCrossed {
			continue
		}
		for _, it := range n.Items {
			out = append(out, strings.TrimSpace(string(n.Rule)+" "+it.Repo+" "+it.Subject))
		}
	}
	return out
}

func TestGuardrails(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	manyUsers := func(n int, r role.Role) []state.UserGrant {
		var out []state.UserGrant
		for i := range n {
			out = append(out, state.UserGrant{Login: fmt.Sprintf("u%02d", i), Role: r})
		}
		return out
	}
	cases := []struct {
		name    string
		orgFile string
		file    string
		repo    state.Repo
		refused []string
		crossed []string // rule_already_crossed items, "rule repo subject"
		rulePos string   // where the first refusal says the rule is set
	}{
		{name: "max_removals", orgFile: "max_removals: 2", file: "{}",
			repo:    state.Repo{Users: manyUsers(3, role.Write)},
			refused: []string{"max_removals user:u00", "max_removals user:u01", "max_removals user:u02"},
			rulePos: "permissions/acme.yaml:1:1"},
		{name: "max_removals not reached", orgFile: "max_removals: 3", file: "{}",
			repo: state.Repo{Users: manyUsers(3, role.Write)}},
		{name: "max_admins counts team members and invitations", orgFile: "max_admins: 3\noutside_collaborator_max_role: admin",
			file:    "admin:\n  teams: [core]\n  users: [carol, newbie]\n",
			repo:    state.Repo{},
			refused: []string{"max_admins team:core", "max_admins user:carol", "max_admins user:newbie"}},
		{name: "max_admins does not count expected owners", orgFile: "max_admins: 2\nexpected_owners: [alice]",
			file: "admin:\n  teams: [core]\n  users: [carol]\n"},
		{name: "already over max_admins: lowering allowed", orgFile: "max_admins: 1",
			file: "admin:\n  users: [alice, bob]\n", repo: state.Repo{Users: []state.UserGrant{{Login: "alice", Role: role.Admin}, {Login: "bob", Role: role.Admin}, {Login: "carol", Role: role.Admin}}},
			crossed: []string{"max_admins widget"}},
		{name: "min_admins", orgFile: "min_admins: 2", file: "admin:\n  users: [alice]\n",
			repo:    state.Repo{Users: []state.UserGrant{{Login: "alice", Role: role.Admin}, {Login: "bob", Role: role.Admin}}},
			refused: []string{"min_admins user:bob"}},
		{name: "min_admins counts team members", orgFile: "min_admins: 2", file: "admin:\n  teams: [core]\n",
			repo: state.Repo{Users: []state.UserGrant{{Login: "alice", Role: role.Admin}, {Login: "bob", Role: role.Admin}}}},
		{name: "admin_allowed refuses a new admin", orgFile: "admin_allowed: [team:admins]", file: "admin:\n  users: [alice]\n",
			refused: []string{"admin_allowed user:alice"}, rulePos: "permissions/acme.yaml:1:1"},
		{name: "admin_allowed reports, not refuses, an admin the file keeps", orgFile: "admin_allowed: [team:admins]",
			file:    "admin:\n  users: [alice]\n  teams: [admins]\n",
			repo:    state.Repo{Users: []state.UserGrant{{Login: "alice", Role: role.Admin}}, Teams: []state.TeamGrant{{Slug: "admins", Role: role.Admin}}},
			crossed: []string{"admin_allowed widget user:alice"}},
		{name: "outside collaborator max role", file: "maintain:\n  users: [outsider]\n",
			refused: []string{"outside_collaborator_max_role user:outsider"}},
		{name: "outside collaborator at the max", file: "write:\n  users: [outsider]\n"},
		{name: "member below base role", file: "read:\n  users: [alice]\n",
			repo: state.Repo{}, refused: []string{"base_role user:alice"}},
		{name: "invitation limit counts the last day", file: "read:\n  users: [" + strings.Join(func() []string {
			var s []string
			for i := range 3 {
				s = append(s, fmt.Sprintf("new%d", i))
			}
			return s
		}(), ", ") + "]\n",
			repo: state.Repo{Invitations: func() []state.Invitation {
				var out []state.Invitation
				for i := range 48 {
					out = append(out, state.Invitation{ID: int64(i + 1), Login: fmt.Sprintf("old%02d", i), Role: role.Read, CreatedAt: now.Add(-time.Hour)})
				}
				return out
			}()},
			orgFile: "max_removals: 100",
			refused: []string{"invitation_limit user:new2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repo := tc.repo
			repo.Name = "widget"
			org := baseOrg(&repo)
			if tc.name == "member below base role" {
				org.BaseRole = role.Write
			}
			f := newFixture(t, tc.orgFile, map[string]string{"widget": tc.file}, org)
			p := f.plan()
			assert.Equal(t, tc.refused, rulesOf(p))
			assert.Equal(t, tc.crossed, crossedOf(p))
			if tc.rulePos != "" {
				assert.Equal(t, tc.rulePos, p.Refusals[0].RulePos.String())
			}
			if len(tc.refused) > 0 {
				_, err := Apply(t.Context(), p, f.gh, nil)
				assert.True(t, errors.Is(err, ErrRefused))
				assert.Empty(t, f.gh.writes, "a refused plan changes nothing at all")
			}
		})
	}
}

func TestAdminCountOutsideTheRangeIsReported(t *testing.T) {
	repo := &state.Repo{Name: "widget", Users: []state.UserGrant{{Login: "alice", Role: role.Admin}, {Login: "bob", Role: role.Admin}}}
	f := newFixture(t, "max_admins: 1\nmin_admins: 1", map[string]string{"widget": "admin:\n  users: [alice, bob]\n"}, baseOrg(repo))
	p := f.plan()
	assert.Empty(t, p.Refusals, "nothing makes it worse")
	require.Len(t, p.Notices, 1)
	n := p.Notices[0]
	assert.Equal(t, NoticeCrossed, n.Kind)
	assert.Equal(t, RuleMaxAdmins, n.Rule)
	assert.Equal(t, SeverityHigh, n.Severity)
	assert.Equal(t, "permissions/acme.yaml:1:1", n.RulePos.String())
	require.Len(t, n.Items, 1)
	assert.Equal(t, "acme/widget has 2 admins (alice, bob), more than max_admins (1)", n.Items[0].Detail)
}

func TestRefusalsNameTheRuleTheLineAndWhy(t *testing.T) {
	repo := &state.Repo{Name: "widget"}
	f := newFixture(t, "mode: authoritative\nadmin_allowed: [team:admins]\n", map[string]string{"widget": "admin:\n  users: [alice]\n"}, baseOrg(repo))
	p := f.plan()
	require.Len(t, p.Refusals, 1)
	r := p.Refusals[0]
	assert.Equal(t, RuleAdminAllowed, r.Rule)
	require.Len(t, r.Items, 1)
	assert.Equal(t, "permissions/acme/widget.yaml:2:11", r.Items[0].Source.String())
	assert.Equal(t, "permissions/acme.yaml:2:1", r.RulePos.String())
	assert.Equal(t, "only the principals the org's admin_allowed lists may be given admin: grant maintain instead, or add it to admin_allowed in a reviewed change to the org file", r.Message)
	assert.Equal(t, "user:alice would become admin", r.Items[0].Detail)
	assert.True(t, p.Changes[r.Items[0].Change].Refused)
}
