package ghapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// The floor ruleset (floor_ruleset in the org file) is one org ruleset that
// permsync manages, found by its name. Reading it whole, bypass list
// included, and writing it need Organization administration: write.

// orgRulesetConditions are an org ruleset's conditions beyond ref_name.
type orgRulesetConditions struct {
	Conditions *struct {
		RepositoryName *struct {
			Include   []string `json:"include"`
			Exclude   []string `json:"exclude"`
			Protected bool     `json:"protected"`
		} `json:"repository_name"`
		RepositoryID       json.RawMessage `json:"repository_id"`
		RepositoryProperty json.RawMessage `json:"repository_property"`
	} `json:"conditions"`
	Rules []json.RawMessage `json:"rules"`
}

// ReadFloorRuleset fills o's floor ruleset fields: the ruleset, nil when the
// org has none, or why it could not be read (FloorRulesetUnread). A missing
// permission is not an error of the read: the plan says what to grant.
func (c *Client) ReadFloorRuleset(ctx context.Context, o *state.Org) error {
	if p := c.opts.Permissions; p != nil && p["organization_administration"] != "write" {
		o.FloorRulesetReadOnly = true
	}
	rs, err := c.FloorRuleset(ctx, o.Name)
	if err == nil {
		o.FloorRuleset = rs
		return nil
	}
	switch KindOf(err) {
	case KindForbidden, KindNotFound:
		o.FloorRulesetUnread = redact(err.Error())
		return nil
	}
	return err
}

// FloorRuleset reads the org's floor ruleset whole, or nil when there is
// none. GitHub omits its bypass list for a token that cannot write it
// (BypassRead is then false).
func (c *Client) FloorRuleset(ctx context.Context, org string) (*state.OrgRuleset, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, err
	}
	type head struct {
		ID         int64  `json:"id"`
		Name       string `json:"name"`
		SourceType string `json:"source_type"`
	}
	list, err := listAll[head](ctx, cn, "orgs/"+pathSeg(org)+"/rulesets", fresh())
	if err != nil {
		return nil, err
	}
	for _, h := range list {
		if h.Name != state.FloorRulesetName || (h.SourceType != "" && h.SourceType != "Organization") {
			continue
		}
		rs, _, err := c.orgRuleset(ctx, cn, org, h.ID)
		return rs, err
	}
	return nil, nil
}

// orgRuleset reads one org ruleset, and its rules as GitHub sent them.
func (c *Client) orgRuleset(ctx context.Context, cn *conn, org string, id int64) (*state.OrgRuleset, []json.RawMessage, error) {
	var raw json.RawMessage
	if _, err := cn.do(ctx, http.MethodGet, "orgs/"+pathSeg(org)+"/rulesets/"+strconv.FormatInt(id, 10), nil, &raw, fresh()); err != nil {
		return nil, nil, err
	}
	var common restRuleset
	var extra orgRulesetConditions
	if err := json.Unmarshal(raw, &common); err != nil {
		return nil, nil, &Error{Op: "GET /orgs/" + org + "/rulesets/" + strconv.FormatInt(id, 10), Kind: KindOther, Message: "could not read GitHub's answer: " + redact(err.Error())}
	}
	_ = json.Unmarshal(raw, &extra) // the same document: it decoded above
	out := &state.OrgRuleset{Ruleset: common.state(), RepoInclude: []string{}}
	if cd := extra.Conditions; cd != nil {
		if rn := cd.RepositoryName; rn != nil {
			out.RepoInclude = append(out.RepoInclude, rn.Include...)
			out.RepoExclude = rn.Exclude
			out.RepoProtected = rn.Protected
		}
		out.RepoOther = len(cd.RepositoryID) > 0 && string(cd.RepositoryID) != "null" ||
			len(cd.RepositoryProperty) > 0 && string(cd.RepositoryProperty) != "null"
	}
	return out, extra.Rules, nil
}

// CreateOrgRuleset creates the floor ruleset. POST is not repeated after an
// ambiguous failure: the next plan finds the ruleset by its name.
func (c *Client) CreateOrgRuleset(ctx context.Context, org string, want state.OrgRuleset) error {
	return c.send(ctx, org, http.MethodPost, "orgs/"+pathSeg(org)+"/rulesets", orgRulesetBody(want, nil))
}

// UpdateOrgRuleset writes want over ruleset id. Rules permsync does not
// manage, and the pull_request rule's other settings, are kept as GitHub
// holds them.
func (c *Client) UpdateOrgRuleset(ctx context.Context, org string, id int64, want state.OrgRuleset) error {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return err
	}
	_, rules, err := c.orgRuleset(ctx, cn, org, id)
	if err != nil {
		return err
	}
	_, err = cn.do(ctx, http.MethodPut, "orgs/"+pathSeg(org)+"/rulesets/"+strconv.FormatInt(id, 10), orgRulesetBody(want, rules), nil, retrySafe())
	return err
}

// orgRulesetBody is the request body for want; cur are the rules GitHub
// holds now (nil for a new ruleset).
func orgRulesetBody(want state.OrgRuleset, cur []json.RawMessage) map[string]any {
	checks := make([]map[string]any, 0, len(want.RequiredChecks))
	for _, ch := range want.RequiredChecks {
		m := map[string]any{"context": ch.Context}
		if ch.AppID > 0 {
			m["integration_id"] = ch.AppID
		}
		checks = append(checks, m)
	}
	strict := want.StrictChecks
	pr := map[string]any{
		"dismiss_stale_reviews_on_push":     false,
		"require_code_owner_review":         false,
		"require_last_push_approval":        false,
		"required_review_thread_resolution": false,
	}
	var rules []any
	for _, raw := range cur {
		var r struct {
			Type       string         `json:"type"`
			Parameters map[string]any `json:"parameters"`
		}
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		switch r.Type {
		case "required_status_checks":
			if s, ok := r.Parameters["strict_required_status_checks_policy"].(bool); ok {
				strict = strict || s // up-to-date branches: kept if set by hand
			}
		case "pull_request":
			for k, v := range r.Parameters {
				pr[k] = v
			}
		default:
			rules = append(rules, raw)
		}
	}
	rules = append(rules, map[string]any{"type": "required_status_checks", "parameters": map[string]any{
		"required_status_checks":               checks,
		"strict_required_status_checks_policy": strict,
	}})
	if want.Reviews != nil {
		pr["required_approving_review_count"] = *want.Reviews
		rules = append(rules, map[string]any{"type": "pull_request", "parameters": pr})
	}
	bypass := make([]map[string]any, 0, len(want.Bypass))
	for _, b := range want.Bypass {
		m := map[string]any{"actor_type": b.Kind, "bypass_mode": strings.ToLower(b.Mode)}
		if id, err := strconv.ParseInt(b.Name, 10, 64); err == nil {
			m["actor_id"] = id
		} else if b.Kind == "OrganizationAdmin" {
			m["actor_id"] = 1 // GitHub's documented id for the OrganizationAdmin actor
		}
		if m["bypass_mode"] == "" {
			m["bypass_mode"] = "always"
		}
		bypass = append(bypass, m)
	}
	return map[string]any{
		"name":          want.Name,
		"target":        want.Target,
		"enforcement":   want.Enforcement,
		"bypass_actors": bypass,
		"conditions": map[string]any{
			"ref_name":        map[string]any{"include": nonNil(want.Include), "exclude": nonNil(want.Exclude)},
			"repository_name": map[string]any{"include": nonNil(want.RepoInclude), "exclude": nonNil(want.RepoExclude), "protected": want.RepoProtected},
		},
		"rules": rules,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CheckAccess authenticates for org now, rather than on the first request:
// a caller learns at once whether the installation grants what it asked.
func (c *Client) CheckAccess(ctx context.Context, org string) error {
	_, err := c.auth.conn(ctx, org)
	return err
}
