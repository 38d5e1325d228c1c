package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
)

// The permissions directory comes from pull requests, forks included: CI
// validates it before anyone reviews it. These tests give LoadDir real
// files that try to make it read outside the directory, block, or burn
// memory and time.

// write creates dir/name with data, making folders as needed.
func write(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
}

// loadDir runs LoadDir with a hang guard, so that a loader that blocks (on
// a FIFO, say) fails the test by name instead of hanging it. The guard is
// not a speed check: it is two minutes because a megabyte of aliases took
// 10 s under -race on a loaded 2-core machine; the work is bounded by
// counting (allocated) and the speed is the benchmarks'. Positions are
// made relative to root for the assertions.
func loadDir(t *testing.T, root, dir string) (*config.Config, []string) {
	t.Helper()
	type result struct {
		cfg *config.Config
		ds  config.Diagnostics
	}
	done := make(chan result, 1)
	go func() {
		cfg, ds := config.LoadDir(dir)
		done <- result{cfg, ds}
	}()
	select {
	case r := <-done:
		require.Equal(t, r.ds.HasErrors(), r.cfg == nil)
		var out []string
		for _, s := range strs(r.ds) {
			out = append(out, strings.ReplaceAll(s, root+string(filepath.Separator), ""))
		}
		return r.cfg, out
	case <-time.After(2 * time.Minute):
		t.Fatal("LoadDir did not return within 2 minutes: it blocks or spins")
		return nil, nil
	}
}

// outside is a file beside the permissions directory that must never be
// read: if it were, its invalid YAML would show in the diagnostics.
const outside = "write: [never read\n"

func TestLoadDirHostile(t *testing.T) {
	t.Run("file over the size limit", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "perm/acme/ok.yaml", aRepo)
		write(t, root, "perm/acme/big.yaml", "# "+strings.Repeat("x", config.MaxFileSize))
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Equal(t, []string{"perm/acme/big.yaml: file is larger than 1024 KiB; permissions files are small, is this the right file?"}, got)
	})
	t.Run("file at the size limit", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "perm/acme/ok.yaml", aRepo+"#"+strings.Repeat("x", config.MaxFileSize-len(aRepo)-1))
		cfg, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Empty(t, got)
		assert.NotNil(t, cfg)
	})
	t.Run("symbolic links leading outside", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "secret.yaml", outside)
		write(t, root, "elsewhere/repo.yaml", outside)
		write(t, root, "perm/acme/ok.yaml", aRepo)
		require.NoError(t, os.Symlink(filepath.Join(root, "secret.yaml"), filepath.Join(root, "perm/acme/absolute.yaml")))
		require.NoError(t, os.Symlink("../../secret.yaml", filepath.Join(root, "perm/acme/relative.yaml")))
		require.NoError(t, os.Symlink("../elsewhere", filepath.Join(root, "perm/evil")))
		require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(root, "perm/acme.yaml")))
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Equal(t, []string{
			"perm/acme.yaml: symbolic link points outside the permissions directory; it is not followed",
			"perm/acme/absolute.yaml: symbolic link points outside the permissions directory; it is not followed",
			"perm/acme/relative.yaml: symbolic link points outside the permissions directory; it is not followed",
			"perm/evil: symbolic link points outside the permissions directory; it is not followed",
		}, got)
	})
	t.Run("symbolic links inside are followed", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "perm/acme/widgets.yaml", "maintain:\n  teams: [widgets-tsc]\n")
		write(t, root, "perm/.shared/acme.yaml", "mode: additive\n") // dot-folders are no orgs
		require.NoError(t, os.Symlink("widgets.yaml", filepath.Join(root, "perm/acme/widgets-mirror.yaml")))
		require.NoError(t, os.Symlink(".shared/acme.yaml", filepath.Join(root, "perm/acme.yaml")))
		require.NoError(t, os.Symlink("acme", filepath.Join(root, "perm/acme2")))
		require.NoError(t, os.Symlink(".shared/acme.yaml", filepath.Join(root, "perm/acme2.yaml"))) // every org folder has its org file
		cfg, got := loadDir(t, root, filepath.Join(root, "perm"))
		require.Empty(t, got)
		acme := cfg.Org("acme")
		assert.Equal(t, config.Additive, acme.Policy.Mode)
		require.NotNil(t, acme.Repo("widgets-mirror"), "a link is a repository named after the link")
		assert.Equal(t, "perm/acme/widgets-mirror.yaml", strings.TrimPrefix(acme.Repo("widgets-mirror").File, root+"/"))
		assert.Len(t, cfg.Org("acme2").Repos, 2)
	})
	t.Run("dangling symbolic link", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "perm/acme/ok.yaml", aRepo)
		require.NoError(t, os.Symlink("gone.yaml", filepath.Join(root, "perm/acme/dangling.yaml")))
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Equal(t, []string{"perm/acme/dangling.yaml: symbolic link cannot be followed: no such file or directory"}, got)
	})
	t.Run("FIFO named like a permissions file does not block", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "perm/acme/ok.yaml", aRepo)
		// Opening a FIFO for reading blocks until a writer comes: the
		// loader must not open it at all (loadDir's deadline catches it).
		require.NoError(t, syscall.Mkfifo(filepath.Join(root, "perm/acme/x.yaml"), 0o644))
		require.NoError(t, syscall.Mkfifo(filepath.Join(root, "perm/acme/pipe"), 0o644))
		require.NoError(t, os.Symlink("x.yaml", filepath.Join(root, "perm/acme/link.yaml")))
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Equal(t, []string{
			"perm/acme/link.yaml: not a regular file (a pipe, socket or device); it is not read",
			"perm/acme/x.yaml: not a regular file (a pipe, socket or device); it is not read",
		}, got, "a FIFO without a YAML name is ignored like any other non-YAML file")
	})
	t.Run("empty directory", func(t *testing.T) {
		root := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(root, "perm"), 0o755))
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Equal(t, []string{"perm: no org folders found: expected perm/<org>/<repo>.yaml files (see permissions/README.md)"}, got)
	})
	t.Run("missing directory", func(t *testing.T) {
		root := t.TempDir()
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		assert.Equal(t, []string{"perm: no such directory: create it with one folder per org (see permissions/README.md), or pass --dir"}, got)
	})
	t.Run("a file instead of a directory", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "acme.yaml", "mode: additive\n")
		_, got := loadDir(t, root, filepath.Join(root, "acme.yaml"))
		assert.Equal(t, []string{"acme.yaml: not a directory: --dir names the permissions directory"}, got)
	})
	t.Run("control characters in a file name", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "perm/acme/ok.yaml", aRepo)
		write(t, root, "perm/acme/evil\x1b[2J.yaml", aRepo)
		_, got := loadDir(t, root, filepath.Join(root, "perm"))
		// The name is echoed escaped inside the message; only the path
		// prefix shows it raw, as the file system spells it.
		require.Len(t, got, 1)
		assert.True(t, strings.HasSuffix(got[0], `: file name "evil\x1b[2J.yaml": a repository name has at most 100 letters, digits, '.', '-' or '_'`), got[0])
	})
}

// aliasBomb is the "billion laughs": nine levels of nine aliases each, 9^9
// strings if expanded.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 'b'; i <= 'i'; i++ {
		prev := string(i - 1)
		fmt.Fprintf(&b, "%c: &%c [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// allocated is what f allocated on the heap: bytes and objects. The config
// tests do not run in parallel, so nothing else allocates meanwhile.
func allocated(f func()) (bytes, objects uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}

// assertLinear: loading data allocated at most 256 bytes and 2 objects per
// byte of the file, plus a fixed 1 MiB and 10,000 objects. An expanded
// alias bomb needs gigabytes; measured: a megabyte of aliases 176 bytes
// and 0.75 objects per byte, 20,000 nested brackets 141 and 0.23.
func assertLinear(t *testing.T, data string, bytes, objects uint64) {
	t.Helper()
	n := uint64(len(data))
	assert.LessOrEqual(t, bytes, 256*n+1<<20, "bytes allocated for a %d-byte file", n)
	assert.LessOrEqual(t, objects, 2*n+10_000, "objects allocated for a %d-byte file", n)
}

var aliasBombs = map[string]string{
	"billion laughs": aliasBomb(),
	// As many aliases as fit under the size limit, in one list
	// without an anchor of its own.
	"a megabyte of aliases": "x: &x [a]\nwrite: [" + strings.Repeat("*x, ", (config.MaxFileSize-30)/4) + "*x]\n",
}

// TestAliasBombFailsFast: an alias bomb is refused without being expanded,
// with work linear in the file (counted in allocations, not timed: see
// BenchmarkAliasBomb).
func TestAliasBombFailsFast(t *testing.T) {
	for name, data := range aliasBombs {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, "perm/acme/bomb.yaml", data)
			var cfg *config.Config
			var got []string
			bytes, objects := allocated(func() { cfg, got = loadDir(t, root, filepath.Join(root, "perm")) })
			assertLinear(t, data, bytes, objects)
			assert.Nil(t, cfg)
			require.NotEmpty(t, got)
			assert.Equal(t, "perm/acme/bomb.yaml:1:4: YAML anchors and aliases are not supported in permissions files; write the values out", got[0])
			assert.LessOrEqual(t, len(got), config.MaxPerFile+1, "capped, not one line per alias")
		})
	}
}

func BenchmarkAliasBomb(b *testing.B) {
	for name, data := range aliasBombs {
		b.Run(name, func(b *testing.B) {
			fsys := tree(map[string]string{"acme/bomb.yaml": data})
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, ds := config.Load(fsys, "permissions"); !strings.Contains(strs(ds)[0], "anchors and aliases") {
					b.Fatal(strs(ds))
				}
			}
		})
	}
}

// deepBrackets nests deeper than yaml.v3 allows.
var deepBrackets = "write: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"

func TestDeepNesting(t *testing.T) {
	t.Run("deeper than the schema", func(t *testing.T) {
		got := loadDiags(t, map[string]string{"acme/deep.yaml": "write: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n"})
		assert.Equal(t, []string{"permissions/acme/deep.yaml:1:24: nesting is deeper than any permissions file needs"}, got)
	})
	t.Run("deeper than yaml.v3 allows", func(t *testing.T) {
		var got []string
		bytes, objects := allocated(func() { got = loadDiags(t, map[string]string{"acme/deep.yaml": deepBrackets}) })
		assertLinear(t, deepBrackets, bytes, objects)
		assert.Equal(t, []string{"permissions/acme/deep.yaml: nesting is deeper than any permissions file needs"}, got)
	})
	t.Run("deep block mappings", func(t *testing.T) {
		var b strings.Builder
		for i := range 30 {
			fmt.Fprintf(&b, "%sk%d:\n", strings.Repeat(" ", i), i)
		}
		got := loadDiags(t, map[string]string{"acme/deep.yaml": b.String()})
		// One message, at the first node too deep (the key k16, at depth
		// 17), not one for the key and another for its value.
		assert.Equal(t, []string{"permissions/acme/deep.yaml:17:17: nesting is deeper than any permissions file needs"}, got)
	})
}

func BenchmarkDeepNesting(b *testing.B) {
	fsys := tree(map[string]string{"acme/deep.yaml": deepBrackets})
	b.SetBytes(int64(len(deepBrackets)))
	for b.Loop() {
		if _, ds := config.Load(fsys, "permissions"); !strings.Contains(strs(ds)[0], "nesting is deeper") {
			b.Fatal(strs(ds))
		}
	}
}

// TestTooManyFiles: the file count is bounded too.
func TestTooManyFiles(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range config.MaxFiles + 1 {
		fsys[fmt.Sprintf("acme/r%05d.yaml", i)] = &fstest.MapFile{}
	}
	cfg, ds := config.Load(fsys, "permissions")
	assert.Nil(t, cfg)
	assert.Equal(t, []string{fmt.Sprintf("permissions/acme/r%05d.yaml: more than %d repository files; refusing to read further", config.MaxFiles, config.MaxFiles)}, strs(ds))
}
