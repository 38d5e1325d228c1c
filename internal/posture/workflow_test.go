package posture

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// The subset of GitHub Actions' workflow syntax that the posture depends on.
// Every job and step also keeps its YAML node, so that a rule can look at all
// of its values (a secret may hide in any of them).

// str is a scalar with where it was written and its line comment.
type str struct {
	Value   string
	Line    int
	Comment string
	Block   bool // a literal or folded block (run: |): its text starts on the next line
	set     bool
}

func (s *str) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a scalar", n.Line)
	}
	*s = str{Value: n.Value, Line: n.Line, Comment: n.LineComment, set: n.Tag != "!!null",
		Block: n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0}
	return nil
}

// strs is a string or a list of strings.
type strs []string

func (s *strs) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = strs{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = l
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list", n.Line)
}

type workflow struct {
	File        string         // base name, e.g. permissions-apply.yml
	Name        string         `yaml:"name"`
	On          triggers       `yaml:"on"`
	Permissions *permissions   `yaml:"permissions"`
	Env         map[string]str `yaml:"env"`
	Defaults    defaults       `yaml:"defaults"`
	Concurrency *concurrency   `yaml:"concurrency"`
	Jobs        jobs           `yaml:"jobs"`
}

type defaults struct {
	Run struct {
		Shell            str `yaml:"shell"`
		WorkingDirectory str `yaml:"working-directory"`
	} `yaml:"run"`
}

// triggers maps each event to its filters (nil for an event without any).
type triggers map[string]*trigger

type trigger struct {
	Branches       strs `yaml:"branches"`
	BranchesIgnore strs `yaml:"branches-ignore"`
	Tags           strs `yaml:"tags"`
	TagsIgnore     strs `yaml:"tags-ignore"`
	Paths          strs `yaml:"paths"`
	PathsIgnore    strs `yaml:"paths-ignore"`
	Types          strs `yaml:"types"`
}

func (t *triggers) UnmarshalYAML(n *yaml.Node) error {
	*t = triggers{}
	switch n.Kind {
	case yaml.ScalarNode:
		(*t)[n.Value] = nil
	case yaml.SequenceNode:
		for _, e := range n.Content {
			(*t)[e.Value] = nil
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.MappingNode { // schedule is a list; "push:" alone is null
				(*t)[k.Value] = nil
				continue
			}
			var tr trigger
			if err := v.Decode(&tr); err != nil {
				return err
			}
			(*t)[k.Value] = &tr
		}
	default:
		return fmt.Errorf("line %d: unexpected value of on", n.Line)
	}
	return nil
}

// names lists the events, sorted.
func (t triggers) names() []string {
	var out []string
	for k := range t {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// permissions is the GITHUB_TOKEN's rights: read-all, write-all, or a map
// from scope (contents, pull-requests, ...) to read, write or none.
type permissions struct {
	All    string // read-all or write-all, when written that way
	Scopes map[string]string
	Line   int
}

func (p *permissions) UnmarshalYAML(n *yaml.Node) error {
	p.Line = n.Line
	switch n.Kind {
	case yaml.ScalarNode:
		p.All = n.Value
		return nil
	case yaml.MappingNode:
		return n.Decode(&p.Scopes)
	}
	return fmt.Errorf("line %d: unexpected value of permissions", n.Line)
}

// scopes lists the scopes every GITHUB_TOKEN permission may name.
var scopes = []string{
	"actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token",
	"issues", "models", "packages", "pages", "pull-requests", "repository-projects",
	"security-events", "statuses",
}

// levels returns the level of each scope ("" meaning none).
func (p *permissions) levels() map[string]string {
	out := map[string]string{}
	switch p.All {
	case "read-all":
		for _, s := range scopes {
			out[s] = "read"
		}
	case "write-all":
		for _, s := range scopes {
			out[s] = "write"
		}
	}
	for k, v := range p.Scopes {
		if v != "none" {
			out[k] = v
		}
	}
	return out
}

type concurrency struct {
	Group            str
	CancelInProgress str
	Line             int
}

func (c *concurrency) UnmarshalYAML(n *yaml.Node) error {
	c.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		c.Group = str{Value: n.Value, Line: n.Line, set: true}
		return nil
	}
	var raw struct {
		Group            str `yaml:"group"`
		CancelInProgress str `yaml:"cancel-in-progress"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	c.Group, c.CancelInProgress = raw.Group, raw.CancelInProgress
	return nil
}

// environment is a job's deployment environment: a name or {name, url}.
type environment struct {
	Name str
}

func (e *environment) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&e.Name)
	}
	var raw struct {
		Name str `yaml:"name"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	e.Name = raw.Name
	return nil
}

// jobs keeps the order in which the jobs are written.
type jobs []*job

func (js *jobs) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: jobs must be a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		j := &job{}
		if err := n.Content[i+1].Decode(j); err != nil {
			return fmt.Errorf("job %s: %w", n.Content[i].Value, err)
		}
		j.ID = n.Content[i].Value
		*js = append(*js, j)
	}
	return nil
}

type job struct {
	ID              string
	Name            str            `yaml:"name"`
	If              str            `yaml:"if"`
	Permissions     *permissions   `yaml:"permissions"`
	Environment     *environment   `yaml:"environment"`
	Concurrency     *concurrency   `yaml:"concurrency"`
	Env             map[string]str `yaml:"env"`
	Defaults        defaults       `yaml:"defaults"`
	TimeoutMinutes  str            `yaml:"timeout-minutes"`
	ContinueOnError str            `yaml:"continue-on-error"`
	Uses            str            `yaml:"uses"`    // a reusable workflow
	Secrets         yaml.Node      `yaml:"secrets"` // passed to a reusable workflow
	Steps           []*step        `yaml:"steps"`

	node *yaml.Node
}

func (j *job) UnmarshalYAML(n *yaml.Node) error {
	type plain job
	if err := n.Decode((*plain)(j)); err != nil {
		return err
	}
	j.node = n
	return nil
}

// checkName is the name GitHub gives the job's check run.
func (j *job) checkName() string {
	if j.Name.Value != "" {
		return j.Name.Value
	}
	return j.ID
}

type step struct {
	ID               str            `yaml:"id"`
	Name             str            `yaml:"name"`
	If               str            `yaml:"if"`
	Uses             str            `yaml:"uses"`
	Run              str            `yaml:"run"`
	Shell            str            `yaml:"shell"`
	WorkingDirectory str            `yaml:"working-directory"`
	With             map[string]str `yaml:"with"`
	Env              map[string]str `yaml:"env"`
	ContinueOnError  str            `yaml:"continue-on-error"`

	Index int // 1-based, in its job
	Line  int
	node  *yaml.Node
}

func (s *step) UnmarshalYAML(n *yaml.Node) error {
	type plain step
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Line, s.node = n.Line, n
	return nil
}

// label names the step in a message: its name, else what it uses or runs.
func (s *step) label() string {
	switch {
	case s.Name.Value != "":
		return fmt.Sprintf("step %q", s.Name.Value)
	case s.Uses.Value != "":
		return fmt.Sprintf("step %d (uses %s)", s.Index, s.Uses.Value)
	default:
		first, _, _ := strings.Cut(strings.TrimSpace(s.Run.Value), "\n")
		return fmt.Sprintf("step %d (run: %s)", s.Index, first)
	}
}

// action is what a step uses without its version: actions/checkout.
func (s *step) action() string {
	a, _, _ := strings.Cut(s.Uses.Value, "@")
	return strings.ToLower(a)
}

// parseWorkflow reads one workflow file.
func parseWorkflow(file string, data []byte) (*workflow, error) {
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(w.Jobs) == 0 {
		return nil, fmt.Errorf("%s: no jobs", file)
	}
	w.File = file
	for _, j := range w.Jobs {
		for i, s := range j.Steps {
			s.Index = i + 1
		}
	}
	return &w, nil
}

// loadWorkflows reads every .yml and .yaml file of dir.
func loadWorkflows(dir string) ([]*workflow, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*workflow
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yml" && ext != ".yaml") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		w, err := parseWorkflow(e.Name(), data)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}
