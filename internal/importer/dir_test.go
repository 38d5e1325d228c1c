package importer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileNameRefusesHostileNames: no name GitHub could answer makes a
// path outside the org's folder.
func TestFileNameRefusesHostileNames(t *testing.T) {
	t.Parallel()
	for _, repo := range []string{"../x", "..", ".", "", "/etc/passwd", "a/b", `a\b`, `..\..\x`, "a\x00b", "C:x", "x\n", "a b", "wid.git"} {
		_, err := FileName("acme", repo)
		assert.Error(t, err, "%q", repo)
	}
	for _, org := range []string{"..", "../acme", "a/b", ""} {
		_, err := FileName(org, "widgets")
		assert.Error(t, err, "%q", org)
	}
	rel, err := FileName("acme", ".github")
	require.NoError(t, err)
	assert.Equal(t, "acme/.github.yaml", rel)
}

// TestDirStaysInside: writes through Dir stay in the directory even when
// asked for a path that climbs out, and a symlink planted in the
// directory is replaced, never followed.
func TestDirStaysInside(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	perms := filepath.Join(base, "permissions")
	d, err := OpenDir(perms)
	require.NoError(t, err)
	defer d.Close()
	for _, rel := range []string{"../outside.yaml", "/abs.yaml", "acme/../../outside.yaml", `acme\..\..\x.yaml`, "a\x00.yaml"} {
		assert.Error(t, d.WriteFile(rel, []byte("x")), "%q", rel)
	}
	outside := filepath.Join(base, "victim")
	require.NoError(t, os.WriteFile(outside, []byte("keep"), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(perms, "acme"), 0o755))
	require.NoError(t, os.Symlink(outside, filepath.Join(perms, "acme", "widgets.yaml")))
	require.NoError(t, d.WriteFile("acme/widgets.yaml", []byte("admin: {}\n")))
	got, err := os.ReadFile(outside)
	require.NoError(t, err)
	assert.Equal(t, "keep", string(got), "the symlink's target is untouched")
	fi, err := os.Lstat(filepath.Join(perms, "acme", "widgets.yaml"))
	require.NoError(t, err)
	assert.True(t, fi.Mode().IsRegular())
	entries, err := os.ReadDir(base)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "only permissions/ and the victim")

	// A folder symlinked out of the directory is not written through.
	require.NoError(t, os.Symlink(base, filepath.Join(perms, "evil")))
	assert.Error(t, d.WriteFile("evil/x.yaml", []byte("x")))
	assert.NoFileExists(t, filepath.Join(base, "x.yaml"))
}
