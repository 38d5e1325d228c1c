package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The end-to-end tests run the real binary, as CI and people do: flags,
// exit codes and both output streams are the contract (SPEC.md).

var (
	binary     string // the permsync binary built once for the package
	moduleRoot string
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	var err error
	moduleRoot, err = findModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "permsync-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binary = filepath.Join(tmp, "permsync")
	build := exec.Command("go", "build", "-o", binary, "./cmd/permsync")
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building permsync: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// findModuleRoot walks up from the test's working directory (the package
// directory) to the go.mod of the module.
func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// permsync runs the binary in dir and returns its exit code and output.
// Credentials in the test's environment are not passed on: validate must
// need none, and nothing here should reach GitHub.
func permsync(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GITHUB_") || strings.HasPrefix(kv, "PERMSYNC_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running permsync: %v", err)
	}
	return code, out.String(), errOut.String()
}

// cases run from the package directory, so paths in the output are
// testdata/validate/<case>/..., as a user passing --dir would see them.
func TestE2EValidate(t *testing.T) {
	const d = "testdata/validate/"
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{{
		name:   "valid",
		args:   []string{"validate", "--dir", d + "valid"},
		stdout: d + "valid is valid: 1 org, 2 repositories, 5 grants\n",
	}, {
		name:   "several orgs",
		args:   []string{"validate", "--dir", d + "several-orgs"},
		stdout: d + "several-orgs is valid: 2 orgs, 3 repositories, 4 grants\n",
	}, {
		// Warnings go to stderr and do not fail the run.
		name:   "warnings only",
		args:   []string{"validate", "--dir", d + "warnings"},
		stdout: d + "warnings is valid: 1 org, 1 repository, 1 grant\n",
		stderr: d + `warnings/acme/widgets.yaml:5:30: warning: "communitybridge/cla" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA` + "\n",
	}, {
		name: "unknown keys",
		args: []string{"validate", "--dir", d + "unknown-keys"},
		code: 1,
		stderr: d + `unknown-keys/acme.yaml:2:1: unknown key "max_admin" in an org file (did you mean "max_admins"?) (expected one of: mode, required_checks, min_reviews, admin_allowed, outside_collaborator_max_role, min_admins, max_admins, max_removals, expected_owners, ignore_repos, trusted_apps, floor_ruleset)` + "\n" +
			d + `unknown-keys/acme/widgets.yaml:1:1: unknown key "owners" (expected a role: read, triage, write, maintain, admin; or branch_protection)` + "\n" +
			d + `unknown-keys/acme/widgets.yaml:4:3: unknown key "user" in role write (did you mean "users"?) (expected one of: users, teams)` + "\n" +
			d + `unknown-keys/acme/widgets.yaml:7:5: unknown key "required_reviews" in branch_protection.main (expected one of: required_status_checks, strict, enforce_admins, required_approving_review_count)` + "\n" +
			d + "unknown-keys: 4 errors; nothing was sent to GitHub\n",
	}, {
		name: "roles: API spelling, two roles, duplicate",
		args: []string{"validate", "--dir", d + "roles"},
		code: 1,
		stderr: d + `roles/acme/widgets.yaml:1:1: unknown role "push" (did you mean "write"?)` + "\n" +
			d + `roles/acme/widgets.yaml:7:11: user "Example-Maintainer" is already granted maintain at line 4: a principal holds one role per repository` + "\n" +
			d + `roles/acme/widgets.yaml:7:50: duplicate user "EXAMPLE-COMMITTER" (already listed at line 7)` + "\n" +
			d + "roles: 3 errors; nothing was sent to GitHub\n",
	}, {
		name: "names: file, login, slug",
		args: []string{"validate", "--dir", d + "names"},
		code: 1,
		stderr: d + `names/acme/bad name.yaml: file name "bad name.yaml": a repository name has at most 100 letters, digits, '.', '-' or '_'` + "\n" +
			d + `names/acme/widgets.yaml:2:11: "under_score" is not a valid GitHub login (letters, digits and single hyphens, at most 39 characters)` + "\n" +
			d + `names/acme/widgets.yaml:3:11: "Widgets-TSC" is not a valid team slug (lowercase letters, digits, '-' and '_'); did you mean "widgets-tsc"?` + "\n" +
			d + "names: 3 errors; nothing was sent to GitHub\n",
	}, {
		name: "org file",
		args: []string{"validate", "--dir", d + "org-file"},
		code: 1,
		stderr: d + `org-file/ACME.yaml: org file "ACME.yaml" and folder "acme/" must spell the org the same way` + "\n" +
			d + `org-file/ACME.yaml:1:7: mode must be authoritative or additive, not "Additive" (did you mean "additive"?)` + "\n" +
			d + `org-file/ACME.yaml:2:14: min_reviews must not be negative (got -1)` + "\n" +
			d + `org-file/ACME.yaml:3:1: min_admins (4) is greater than max_admins (2): no repository could satisfy both` + "\n" +
			d + `org-file/ACME.yaml:5:17: admin_allowed: "releng" must be team:<slug> or user:<login> (say which: team:releng or user:releng)` + "\n" +
			d + "org-file: 5 errors; nothing was sent to GitHub\n",
	}, {
		name: "YAML syntax, anchors, documents",
		args: []string{"validate", "--dir", d + "yaml-syntax"},
		code: 1,
		stderr: d + `yaml-syntax/acme/anchors.yaml:1:7: YAML anchors and aliases are not supported in permissions files; write the values out` + "\n" +
			d + `yaml-syntax/acme/anchors.yaml:3:8: YAML anchors and aliases are not supported in permissions files; write the values out` + "\n" +
			d + `yaml-syntax/acme/tabs.yaml:2: invalid YAML: found character that cannot start any token` + "\n" +
			d + `yaml-syntax/acme/two-docs.yaml:3:1: a permissions file holds one YAML document; remove the extra "---" document` + "\n" +
			d + `yaml-syntax/acme/widgets.yaml:2: invalid YAML: did not find expected ',' or ']'` + "\n" +
			d + "yaml-syntax: 5 errors; nothing was sent to GitHub\n",
	}, {
		// Every file's problems in one run, in file order.
		name: "all errors together",
		args: []string{"validate", "--dir", d + "everything"},
		code: 1,
		stderr: d + `everything/Beta/tools.yaml:1:8: role write must hold users: and teams: lists (e.g. write: {users: [alice], teams: [core]}), not a list` + "\n" +
			d + `everything/acme.yaml:1:7: mode must be authoritative or additive, not "sometimes"` + "\n" +
			d + `everything/acme/gadgets.yaml:2:11: "Gadgets" is not a valid team slug (lowercase letters, digits, '-' and '_'); did you mean "gadgets"?` + "\n" +
			d + `everything/acme/widgets.yaml:1:1: unknown role "pull" (did you mean "read"?)` + "\n" +
			d + `everything/gamma.yaml: org file has no folder gamma/ of repository files beside it; create gamma/<repo>.yaml or remove the org file` + "\n" +
			d + "everything: 5 errors; nothing was sent to GitHub\n",
	}, {
		name: "empty directory",
		args: []string{"validate", "--dir", d + "empty"},
		code: 1,
		stderr: d + "empty: no org folders found: expected " + d + "empty/<org>/<repo>.yaml files (see permissions/README.md)\n" +
			d + "empty: 1 error; nothing was sent to GitHub\n",
	}, {
		name: "missing directory",
		args: []string{"validate", "--dir", d + "missing"},
		code: 1,
		stderr: d + "missing: no such directory: create it with one folder per org (see permissions/README.md), or pass --dir\n" +
			d + "missing: 1 error; nothing was sent to GitHub\n",
	}, {
		name: "a file instead of a directory",
		args: []string{"validate", "--dir", d + "valid/acme.yaml"},
		code: 1,
		stderr: d + "valid/acme.yaml: not a directory: --dir names the permissions directory\n" +
			d + "valid/acme.yaml: 1 error; nothing was sent to GitHub\n",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := permsync(t, ".", tc.args...)
			assert.Equal(t, tc.code, code, "exit code")
			assert.Equal(t, tc.stdout, stdout, "stdout")
			assert.Equal(t, tc.stderr, stderr, "stderr")
		})
	}
}

func TestE2EValidateJSON(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := permsync(t, ".", "validate", "--dir", "testdata/validate/roles", "--format", "json")
	assert.Equal(t, 1, code)
	assert.Empty(t, stderr, "JSON output keeps stderr clean for scripts")
	assert.Equal(t, `{
  "format_version": 1,
  "valid": false,
  "orgs": 0,
  "repositories": 0,
  "grants": 0,
  "diagnostics": [
    {
      "severity": "error",
      "file": "testdata/validate/roles/acme/widgets.yaml",
      "line": 1,
      "column": 1,
      "message": "unknown role \"push\" (did you mean \"write\"?)"
    },
    {
      "severity": "error",
      "file": "testdata/validate/roles/acme/widgets.yaml",
      "line": 7,
      "column": 11,
      "message": "user \"Example-Maintainer\" is already granted maintain at line 4: a principal holds one role per repository"
    },
    {
      "severity": "error",
      "file": "testdata/validate/roles/acme/widgets.yaml",
      "line": 7,
      "column": 50,
      "message": "duplicate user \"EXAMPLE-COMMITTER\" (already listed at line 7)"
    }
  ]
}
`, stdout)

	code, stdout, stderr = permsync(t, ".", "validate", "--dir", "testdata/validate/warnings", "--format", "json")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	assert.Equal(t, `{
  "format_version": 1,
  "valid": true,
  "orgs": 1,
  "repositories": 1,
  "grants": 1,
  "diagnostics": [
    {
      "severity": "warning",
      "file": "testdata/validate/warnings/acme/widgets.yaml",
      "line": 5,
      "column": 30,
      "message": "\"communitybridge/cla\" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA"
    }
  ]
}
`, stdout)

	// A diagnostic without a line (the whole file) has no line or column.
	code, stdout, _ = permsync(t, ".", "validate", "--dir", "testdata/validate/missing", "--format", "json")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, `"file": "testdata/validate/missing",
      "message": "no such directory`)
	assert.Contains(t, stdout, `"diagnostics": [`)

	code, stdout, _ = permsync(t, ".", "validate", "--dir", "testdata/validate/valid", "--format", "json")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, `"diagnostics": []`, "an empty list, not null")
}

// --format github: workflow annotations on stdout for the pull request's
// files, and the readable text on stderr for the log.
func TestE2EValidateGitHub(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := permsync(t, ".", "validate", "--dir", "testdata/validate/roles", "--format", "github")
	assert.Equal(t, 1, code)
	assert.Equal(t, `::error file=testdata/validate/roles/acme/widgets.yaml,line=1,col=1::unknown role "push" (did you mean "write"?)
::error file=testdata/validate/roles/acme/widgets.yaml,line=7,col=11::user "Example-Maintainer" is already granted maintain at line 4: a principal holds one role per repository
::error file=testdata/validate/roles/acme/widgets.yaml,line=7,col=50::duplicate user "EXAMPLE-COMMITTER" (already listed at line 7)
`, stdout)
	assert.Equal(t, `testdata/validate/roles/acme/widgets.yaml:1:1: unknown role "push" (did you mean "write"?)
testdata/validate/roles/acme/widgets.yaml:7:11: user "Example-Maintainer" is already granted maintain at line 4: a principal holds one role per repository
testdata/validate/roles/acme/widgets.yaml:7:50: duplicate user "EXAMPLE-COMMITTER" (already listed at line 7)
testdata/validate/roles: 3 errors; nothing was sent to GitHub
`, stderr)

	code, stdout, stderr = permsync(t, ".", "validate", "--dir", "testdata/validate/warnings", "--format", "github")
	assert.Equal(t, 0, code)
	assert.Equal(t, `::warning file=testdata/validate/warnings/acme/widgets.yaml,line=5,col=30::"communitybridge/cla" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA
testdata/validate/warnings is valid: 1 org, 1 repository, 1 grant
`, stdout)
	assert.Equal(t, `testdata/validate/warnings/acme/widgets.yaml:5:30: warning: "communitybridge/cla" is a legacy CLA check; the Linux Foundation's current CLA check is EasyCLA
`, stderr)
}

// TestE2EHelp: --help lists every command of SPEC.md.
func TestE2EHelp(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := permsync(t, ".", "--help")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	for _, c := range []string{"validate", "plan", "apply", "drift", "audit", "import", "demo", "version"} {
		assert.Regexp(t, regexp.MustCompile(`(?m)^  `+c+` +\S`), stdout, "--help lists %s with its summary", c)
	}
	assert.Contains(t, stdout, "--api-url")
	assert.Contains(t, stdout, "--cache-dir")

	// Each command's own help names its flags.
	code, stdout, _ = permsync(t, ".", "validate", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "--dir string")
	assert.Contains(t, stdout, "--format string")
}

func TestE2EVersion(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := permsync(t, ".", "version")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	assert.Regexp(t, `^permsync \S+ \(go1\.[0-9.]+\S*, `+runtime.GOOS+`/`+runtime.GOARCH+`\)\n$`, stdout)
}

// Usage mistakes exit 1, say what is wrong on stderr, and point at --help.
func TestE2EUsageErrors(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		stderr string
	}{{
		name:   "unknown flag of a command",
		args:   []string{"validate", "--nope"},
		stderr: "permsync: unknown flag: --nope\nRun 'permsync validate --help' for usage.\n",
	}, {
		name:   "unknown global flag",
		args:   []string{"--nope"},
		stderr: "permsync: unknown flag: --nope\nRun 'permsync --help' for usage.\n",
	}, {
		name:   "bad format",
		args:   []string{"validate", "--dir", "testdata/validate/valid", "--format", "xml"},
		stderr: "permsync: --format must be text, json or github, not \"xml\"\nRun 'permsync validate --help' for usage.\n",
	}, {
		name:   "positional argument",
		args:   []string{"validate", "testdata/validate/valid"},
		stderr: "permsync validate takes no arguments, got \"testdata/validate/valid\" (flags go after the command, e.g. --dir)\nRun 'permsync validate --help' for usage.\n",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := permsync(t, ".", tc.args...)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout)
			assert.Equal(t, tc.stderr, stderr)
		})
	}
}

// TestE2EPermissionsDirectory: the repository's own permissions/ must
// validate, both named and as the default --dir from the repository root
// (where CI runs it).
func TestE2EPermissionsDirectory(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := permsync(t, moduleRoot, "validate")
	assert.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr, "no warnings either")
	assert.Regexp(t, `^permissions is valid: 1 org, \d+ repositories, \d+ grants\n$`, stdout)

	code, _, stderr = permsync(t, ".", "validate", "--dir", filepath.Join(moduleRoot, "permissions"))
	assert.Equal(t, 0, code, stderr)
	require.Empty(t, stderr)
}
