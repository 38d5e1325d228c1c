package httpcache

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// epoch is the tests' clock: the pacing record holds the times it is given
// and compares them with since, never with the machine's clock.
var epoch = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func collect(c *Cache, key string, since time.Time) (n, pts int) {
	c.PaceSince(key, since, func(_ time.Time, p int) { n++; pts += p })
	return n, pts
}

func TestPaceRecordIsSharedByRuns(t *testing.T) {
	dir := t.TempDir()
	now := epoch
	var wg sync.WaitGroup
	for run := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(dir)
			if !assert.NoError(t, err) {
				return
			}
			rt := c.Wrap(nil).(*transport)
			for i := range 250 {
				rt.PaceRecord("api.github.com/ rest", now.Add(time.Duration(run*250+i)*time.Millisecond), 1)
			}
			rt.PaceRecord("api.github.com/ graphql", now, 5)
		}()
	}
	wg.Wait()
	c, err := Open(dir)
	require.NoError(t, err)
	n, pts := collect(c, "api.github.com/ rest", now.Add(-time.Second))
	assert.Equal(t, 1000, n, "appends from concurrent runs do not interleave")
	assert.Equal(t, 1000, pts)
	n, _ = collect(c, "api.github.com/ rest", now.Add(500*time.Millisecond))
	assert.Equal(t, 499, n, "only what was answered after since")
	_, pts = collect(c, "api.github.com/ graphql", now.Add(-time.Second))
	assert.Equal(t, 20, pts)
	n, _ = collect(c, "ghe.example.com/api/v3/ rest", now.Add(-time.Second))
	assert.Zero(t, n, "another GitHub has its own record")

	files, _ := filepath.Glob(filepath.Join(dir, paceDir, "*.log"))
	for _, f := range files {
		st, err := os.Stat(f)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	}
}

func TestPaceRecordIsCompacted(t *testing.T) {
	c, err := Open(t.TempDir())
	require.NoError(t, err)
	old := epoch.Add(-time.Hour)
	for i := range 20_000 {
		c.PaceRecord("k", old.Add(time.Duration(i)*time.Millisecond), 1)
	}
	recent := epoch
	c.PaceRecord("k", recent, 3)
	st, err := os.Stat(c.pacePath("k"))
	require.NoError(t, err)
	require.Greater(t, st.Size(), int64(paceCompactAt))

	n, pts := collect(c, "k", recent.Add(-time.Minute))
	assert.Equal(t, 1, n)
	assert.Equal(t, 3, pts)
	st, err = os.Stat(c.pacePath("k"))
	require.NoError(t, err)
	assert.Less(t, st.Size(), int64(100), "only the last minutes are kept")
	n, _ = collect(c, "k", recent.Add(-time.Minute))
	assert.Equal(t, 1, n)
}

func TestPaceRecordIgnoresGarbage(t *testing.T) {
	c, err := Open(t.TempDir())
	require.NoError(t, err)
	now := epoch
	c.PaceRecord("k", now, 1)
	f, err := os.OpenFile(c.pacePath("k"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, _ = f.WriteString("garbage\n12 x\n-5 1\n99 0\n")
	f.Close()
	c.PaceRecord("k", now, 2)
	n, pts := collect(c, "k", now.Add(-time.Second))
	assert.Equal(t, 2, n)
	assert.Equal(t, 3, pts)
}
