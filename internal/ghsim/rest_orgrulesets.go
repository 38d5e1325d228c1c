package ghsim

import (
	"net/http"
	"slices"
)

// Org ruleset writes: POST /orgs/{org}/rulesets and PUT
// /orgs/{org}/rulesets/{ruleset_id}, which need Organization
// administration: write (the route says so). Only repository_name
// conditions are kept; a ruleset naming repositories another way is refused
// here, as the simulator could not match it.

// rulesetIn is a create or update body; absent fields keep their value on
// update.
type rulesetIn struct {
	Name         *string `json:"name"`
	Target       *string `json:"target"`
	Enforcement  *string `json:"enforcement"`
	BypassActors *[]struct {
		ActorID    *int64 `json:"actor_id"`
		ActorType  string `json:"actor_type"`
		BypassMode string `json:"bypass_mode"`
	} `json:"bypass_actors"`
	Conditions *struct {
		RefName *struct {
			Include []string `json:"include"`
			Exclude []string `json:"exclude"`
		} `json:"ref_name"`
		RepositoryName *struct {
			Include   []string `json:"include"`
			Exclude   []string `json:"exclude"`
			Protected bool     `json:"protected"`
		} `json:"repository_name"`
		RepositoryID       any `json:"repository_id"`
		RepositoryProperty any `json:"repository_property"`
	} `json:"conditions"`
	Rules *[]struct {
		Type       string         `json:"type"`
		Parameters map[string]any `json:"parameters"`
	} `json:"rules"`
}

// applyTo writes the body over def; false when it answered 422.
func (c *ctx) applyRulesetIn(o *org, self *ruleset, in *rulesetIn, def *Ruleset) bool {
	if in.Name != nil {
		for _, x := range o.rulesets {
			if x != self && lower(x.def.Name) == lower(*in.Name) {
				c.validation("Ruleset", "name", "already_exists", "Name must be unique")
				return false
			}
		}
		def.Name = *in.Name
	}
	if !c.setEnum("target", in.Target, &def.Target, "branch", "tag", "push") ||
		!c.setEnum("enforcement", in.Enforcement, &def.Enforcement, "active", "evaluate", "disabled") {
		return false
	}
	if in.BypassActors != nil {
		def.BypassActors = nil
		for _, a := range *in.BypassActors {
			if !slices.Contains([]string{"Integration", "OrganizationAdmin", "RepositoryRole", "Team", "DeployKey", "EnterpriseOwner"}, a.ActorType) ||
				!slices.Contains([]string{"always", "pull_request", ""}, a.BypassMode) {
				c.validation("Ruleset", "bypass_actors", "invalid", "")
				return false
			}
			var id int64
			if a.ActorID != nil {
				id = *a.ActorID
			}
			def.BypassActors = append(def.BypassActors, BypassActor{ActorID: id, ActorType: a.ActorType, BypassMode: a.BypassMode})
		}
	}
	if cd := in.Conditions; cd != nil {
		if cd.RepositoryID != nil || cd.RepositoryProperty != nil {
			c.validation("Ruleset", "conditions", "invalid", "the simulator matches org rulesets by repository_name only")
			return false
		}
		if cd.RefName != nil {
			def.Include, def.Exclude = slices.Clone(cd.RefName.Include), slices.Clone(cd.RefName.Exclude)
		}
		if cd.RepositoryName != nil {
			def.RepoInclude, def.RepoExclude = slices.Clone(cd.RepositoryName.Include), slices.Clone(cd.RepositoryName.Exclude)
			def.RepoProtected = cd.RepositoryName.Protected
		}
	}
	if in.Rules != nil {
		def.Rules = nil
		for _, r := range *in.Rules {
			if r.Type == "" {
				c.validation("Ruleset", "rules", "missing_field", "")
				return false
			}
			def.Rules = append(def.Rules, Rule{Type: r.Type, Parameters: cloneAnyMap(r.Parameters)})
		}
	}
	return true
}

// setEnum sets *dst to *v when given and one of allowed; false when it
// answered 422.
func (c *ctx) setEnum(field string, v *string, dst *string, allowed ...string) bool {
	if v == nil {
		return true
	}
	if !slices.Contains(allowed, *v) {
		c.validation("Ruleset", field, "invalid", "")
		return false
	}
	*dst = *v
	return true
}

func hCreateOrgRuleset(c *ctx, o *org) {
	var in rulesetIn
	if !c.decode(&in) {
		return
	}
	if in.Name == nil || *in.Name == "" {
		c.validation("Ruleset", "name", "missing_field", "")
		return
	}
	def := Ruleset{Target: "branch", Enforcement: "disabled"} // GitHub's defaults
	if !c.applyRulesetIn(o, nil, &in, &def) {
		return
	}
	x := &ruleset{id: c.st.id(), org: o, created: c.now}
	def.ID = x.id
	x.def = def
	o.rulesets = append(o.rulesets, x)
	c.st.rulesets[x.id] = x
	c.json(http.StatusCreated, c.rulesetJSON(x, true))
}

func hUpdateOrgRuleset(c *ctx, o *org) {
	x := c.pathRuleset(o.rulesets)
	if x == nil {
		return
	}
	var in rulesetIn
	if !c.decode(&in) {
		return
	}
	def := cloneRuleset(x.def)
	if !c.applyRulesetIn(o, x, &in, &def) {
		return
	}
	x.def = def
	c.json(http.StatusOK, c.rulesetJSON(x, true))
}

// EditRuleset changes a ruleset as a person would by hand in GitHub's
// settings (tests drift the floor ruleset with it). It reports whether the
// ruleset exists.
func (s *Server) EditRuleset(id int64, edit func(*Ruleset)) bool {
	defer s.lock()()
	x := s.st.rulesets[id]
	if x == nil {
		return false
	}
	def := cloneRuleset(x.def)
	edit(&def)
	def.ID = x.id
	x.def = def
	return true
}
