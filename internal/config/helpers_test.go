package config_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// doc strips the newline that opens a raw string, so that a test's YAML
// starts on line 1 and the line numbers asserted are the ones seen in it.
func doc(s string) string { return strings.TrimPrefix(s, "\n") }

// tree builds an in-memory permissions directory from path → content.
func tree(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// strs renders diagnostics as users see them: "file:line:col: message".
func strs(ds config.Diagnostics) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// loadOK loads files that must be valid and returns the config.
func loadOK(t *testing.T, files map[string]string) *config.Config {
	t.Helper()
	cfg, ds := config.Load(tree(files), "permissions")
	require.Empty(t, strs(ds.Filter(config.SevError)), "the files should be valid")
	require.NotNil(t, cfg)
	return cfg
}

// loadDiags loads files and returns every diagnostic as a string; a config
// is returned exactly when there are no errors.
func loadDiags(t *testing.T, files map[string]string) []string {
	t.Helper()
	cfg, ds := config.Load(tree(files), "permissions")
	require.Equal(t, ds.HasErrors(), cfg == nil, "Load returns a config exactly when there are no errors")
	return strs(ds)
}
