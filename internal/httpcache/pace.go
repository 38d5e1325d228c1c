package httpcache

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The pacing record: one append-only file per key under pace/, a line per
// request: the Unix time in nanoseconds when its answer arrived and the
// points it cost. Appends of a short line to a file opened with O_APPEND
// do not interleave, so runs may share the files; a file that grows past
// paceCompactAt is rewritten with its last minutes only (a line another
// run appends meanwhile may be lost: pacing is best effort, GitHub's
// answers remain the authority).

const (
	paceDir       = "pace"
	paceCompactAt = 256 << 10
	paceMaxRead   = 4 << 20
	paceKeep      = 5 * time.Minute
)

func (c *Cache) pacePath(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.Dir, paceDir, hex.EncodeToString(sum[:12])+".log")
}

// PaceRecord notes that a request costing points under key (a GitHub and a
// limit) was answered at done. Failures are ignored.
func (c *Cache) PaceRecord(key string, done time.Time, points int) {
	path := c.pacePath(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if os.IsNotExist(err) {
		if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
			return
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	}
	if err != nil {
		return
	}
	_, _ = fmt.Fprintf(f, "%d %d\n", done.UnixNano(), points)
	_ = f.Close()
}

// PaceSince calls each for every record of key answered after since, and
// compacts a large file.
func (c *Cache) PaceSince(key string, since time.Time, each func(done time.Time, points int)) {
	path := c.pacePath(key)
	f, err := os.Open(path)
	if err != nil {
		return
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return
	}
	if st.Size() > paceMaxRead {
		_, _ = f.Seek(st.Size()-paceMaxRead, io.SeekStart)
	}
	data, _ := io.ReadAll(io.LimitReader(f, paceMaxRead))
	f.Close()
	keepAfter := since.Add(-paceKeep)
	var kept bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		at, pts, ok := parsePaceLine(sc.Text())
		if !ok {
			continue
		}
		if at.After(since) {
			each(at, pts)
		}
		if st.Size() > paceCompactAt && at.After(keepAfter) {
			kept.WriteString(sc.Text())
			kept.WriteByte('\n')
		}
	}
	if st.Size() > paceCompactAt {
		_ = c.writeFile(path, kept.Bytes())
	}
}

func parsePaceLine(line string) (time.Time, int, bool) {
	a, b, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok {
		return time.Time{}, 0, false
	}
	ns, err1 := strconv.ParseInt(a, 10, 64)
	pts, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || ns <= 0 || pts <= 0 || pts > 1000 {
		return time.Time{}, 0, false
	}
	return time.Unix(0, ns), pts, true
}

// writeFile replaces path atomically.
func (c *Cache) writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// PaceRecord and PaceSince make the cache's transport a pacing store for
// the client above it (ghapi.PaceStore).
func (t *transport) PaceRecord(key string, done time.Time, points int) {
	t.c.PaceRecord(key, done, points)
}

func (t *transport) PaceSince(key string, since time.Time, each func(done time.Time, points int)) {
	t.c.PaceSince(key, since, each)
}
