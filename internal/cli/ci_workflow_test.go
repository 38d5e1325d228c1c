package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestCIRightsOnlyScope runs ci.yml's scope step in a repository whose
// HEAD is a pull request's merge commit: only a pull request that changes
// nothing but permissions/** skips the full .ci/run. A pull request that
// also touches the checks themselves (.ci/rights, the workflow, the code)
// gets the full run.
func TestCIRightsOnlyScope(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	data, err := os.ReadFile(filepath.Join(moduleRoot, ".github", "workflows", "ci.yml"))
	require.NoError(t, err)
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				ID  string `yaml:"id"`
				Run string `yaml:"run"`
				If  string `yaml:"if"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	require.NoError(t, yaml.Unmarshal(data, &wf))
	var script string
	var ifs []string
	for _, s := range wf.Jobs["ci"].Steps {
		if s.ID == "scope" {
			script = s.Run
		}
		if s.If != "" {
			ifs = append(ifs, s.If)
		}
	}
	require.NotEmpty(t, script, "ci.yml's job ci has a step with id scope")
	assert.ElementsMatch(t, []string{"steps.scope.outputs.rights_only != 'true'", "steps.scope.outputs.rights_only == 'true'"}, ifs,
		"exactly one of the full run and the rights-only run happens")

	cases := []struct {
		name    string
		event   string
		changed []string
		want    string
	}{
		{"rights only", "pull_request", []string{"permissions/acme/widget.yaml", "permissions/acme.yaml"}, "true"},
		{"rights and the check itself", "pull_request", []string{"permissions/acme/widget.yaml", ".ci/rights"}, "false"},
		{"rights and the workflow", "pull_request", []string{"permissions/acme/widget.yaml", ".github/workflows/ci.yml"}, "false"},
		{"a look-alike directory", "pull_request", []string{"permissions-tool/x.go"}, "false"},
		{"code", "pull_request", []string{"internal/cli/root.go"}, "false"},
		{"push to main", "push", []string{"permissions/acme/widget.yaml"}, "false"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			git := func(args ...string) {
				cmd := exec.Command("git", args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, string(out))
			}
			write := func(name, content string) {
				p := filepath.Join(dir, name)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
			}
			git("init", "-q", "-b", "main")
			for _, f := range tc.changed {
				write(f, "base\n")
			}
			write("README.md", "base\n")
			git("add", "-A")
			git("commit", "-qm", "base")
			git("checkout", "-qb", "pr")
			for _, f := range tc.changed {
				write(f, "changed\n")
			}
			git("commit", "-qam", "the pull request")
			git("checkout", "-q", "main")
			write("README.md", "main moved on\n")
			git("commit", "-qam", "main moves on")
			git("merge", "-q", "--no-ff", "-m", "merge", "pr") // what GitHub checks out: refs/pull/N/merge

			output := filepath.Join(t.TempDir(), "output")
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "EVENT="+tc.event, "GITHUB_OUTPUT="+output)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			got, err := os.ReadFile(output)
			require.NoError(t, err)
			assert.Equal(t, "rights_only="+tc.want+"\n", string(got), string(out))
			assert.NotContains(t, strings.ToLower(string(out)), "fatal")
		})
	}
}
