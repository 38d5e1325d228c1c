package memfs

import (
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFS runs the standard library's conformance test of a file system,
// with directories both listed and implied by the files below them.
func TestFS(t *testing.T) {
	m := FS{
		"acme.yaml":           {Data: []byte("mode: additive\n"), Mode: 0o644},
		"acme":                {Mode: fs.ModeDir | 0o755},
		"acme/widget.yaml":    {Data: []byte("write: {}\n"), Mode: 0o644},
		"acme/README.md":      {Mode: 0o644},
		"beta/deep/tool.yaml": {Data: []byte("read: {}\n"), Mode: 0o644},
	}
	require.NoError(t, fstest.TestFS(m, "acme.yaml", "acme/widget.yaml", "acme/README.md", "beta/deep/tool.yaml"))

	entries, err := fs.ReadDir(m, ".")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"acme", "acme.yaml", "beta"}, names)
	_, err = m.Open("missing.yaml")
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = m.Open("../escape")
	assert.ErrorIs(t, err, fs.ErrInvalid)
	data, err := fs.ReadFile(m, "beta/deep/tool.yaml")
	require.NoError(t, err)
	data[0] = 'X'
	assert.Equal(t, "read: {}\n", string(m["beta/deep/tool.yaml"].Data), "ReadFile returns a copy")
}

// An empty FS is an empty directory.
func TestEmpty(t *testing.T) {
	entries, err := fs.ReadDir(FS{}, ".")
	require.NoError(t, err)
	assert.Empty(t, entries)
}
