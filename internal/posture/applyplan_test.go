package posture

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The apply job's check that the plan it downloaded is the one published
// for approval is run, not only read: it passes for the published file and
// refuses another file, or no fingerprint at all.
func TestApplyChecksThePublishedPlan(t *testing.T) {
	w, j, s := workflowStep(t, "permissions-apply.yml", "Refuse unless the plan is the one the approver was shown")

	published := []byte(`{"format_version": 1, "changes": []}` + "\n")
	sum := sha256.Sum256(published)
	for _, tc := range []struct {
		name   string
		file   []byte
		sha    string
		passes bool
	}{
		{"the published plan", published, hex.EncodeToString(sum[:]), true},
		{"another plan", []byte(`{"format_version": 1, "dir": "/tmp/evil"}` + "\n"), hex.EncodeToString(sum[:]), false},
		{"no fingerprint", published, "", false},
		{"no file", nil, hex.EncodeToString(sum[:]), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, env := pushContext()
			ctx["needs.plan.outputs.sha256"] = tc.sha
			code, out, err := runStepIn(w, j, s, ctx, env, nil, func(_, tmp string) error {
				if tc.file == nil {
					return nil
				}
				if err := os.MkdirAll(filepath.Join(tmp, "plan"), 0o755); err != nil {
					return err
				}
				return os.WriteFile(filepath.Join(tmp, "plan", "plan.json"), tc.file, 0o644)
			})
			require.NoError(t, err)
			assert.Equal(t, tc.passes, code == 0, "exit %d: %s", code, out)
		})
	}
}
