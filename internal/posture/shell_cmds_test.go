package posture

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShellCommands(t *testing.T) {
	names := func(script string) string {
		var out []string
		for _, c := range shellCommands(script) {
			out = append(out, c.String())
		}
		return strings.Join(out, " | ")
	}
	for _, tc := range []struct{ script, want string }{
		{`go build -o "$RUNNER_TEMP/permsync" ./cmd/permsync`, `go build -o $RUNNER_TEMP/permsync ./cmd/permsync`},
		{`if ! sudo make x; then echo 'a; b'; fi`, `make x | echo a; b`},
		{`head=$(git rev-parse "origin/$X") # comment; rm -rf /`, `git rev-parse origin/$X`},
		{`test "$(git rev-parse FETCH_HEAD)" = "$SHA" || { echo "::error::x"; exit 1; }`,
			`test $(git rev-parse FETCH_HEAD) = $SHA | echo ::error::x | exit 1 | git rev-parse FETCH_HEAD`},
		{"case \"$RC\" in\n  0|2) echo ok ;;\n  permissions/*/*.yaml|x) ./evil.sh ;;\n  *) exit 1 ;;\nesac\nnext", `echo ok | ./evil.sh | exit 1 | next`},
		{"while read -r f; do\n  case \"$f\" in\n    a/*) args+=(--repo \"$f\") ;;\n  esac\ndone < <(git diff --name-only A B -- permissions)",
			`read -r f | git diff --name-only A B -- permissions`},
		{`"$RUNNER_TEMP/permsync" plan --out x 2>&1 | tee "$RUNNER_TEMP/a.txt"`, `$RUNNER_TEMP/permsync plan --out x | tee $RUNNER_TEMP/a.txt`},
		{"cat <<EOF > f\nrm -rf /\n$(make)\nEOF\nmake all", `cat | make all`},
		{"for f in a b; do bash \"$f\"; done", `bash $f`},
		{"rel=${f#permissions/}; org=${rel%%/*}\n[ -f \"$f\" ] && args+=(x)", `[ -f $f ]`},
		{"xargs -0 -n1 sh -c 'x' < list", `sh -c x`},
		{"echo \"`make`\" \\\n  more", "echo `make` more | make"},
		{"set +e; rc=${PIPESTATUS[0]}\n. ./env.sh", "set +e | . ./env.sh"},
		{`a=(x "$(make y)")`, `make y`},
	} {
		assert.Equal(t, tc.want, names(tc.script), tc.script)
	}
}
