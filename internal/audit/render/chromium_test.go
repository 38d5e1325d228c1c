package render_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit/render"
)

// findChromium returns the Chromium binary, or skips the test saying why.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Skip("Chromium is not installed (apt-get install chromium; .ci/run installs it): the HTML report is not checked in a browser")
	return ""
}

// TestHTMLInChromium opens the HTML report in headless Chromium, scrolled
// to the matrix, and checks the screenshot: it decodes, is not blank, and
// shows the matrix's admin cells (a colour used nowhere else).
func TestHTMLInChromium(t *testing.T) {
	bin := findChromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "audit.html")
	shot := filepath.Join(dir, "shot.png")
	require.NoError(t, os.WriteFile(page, []byte(draw(t, "html", report(t))), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+shot, "--window-size=1400,1000",
		"file://"+page+"#matrix")
	cmd.Env = append(os.Environ(), "HOME="+dir) // nothing of the user's profile
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Run(), "chromium: %s", out.String())

	f, err := os.Open(shot)
	require.NoError(t, err, "chromium wrote no screenshot: %s", out.String())
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err, "the screenshot is not a PNG")
	b := img.Bounds()
	require.Equal(t, 1400, b.Dx())
	require.Equal(t, 1000, b.Dy())

	colours := map[[3]uint8]int{}
	nonWhite, admin := 0, 0
	want := hexRGB(render.MatrixAdminColor)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := rgb(img, x, y)
			colours[c]++
			if c != [3]uint8{255, 255, 255} {
				nonWhite++
			}
			if near(c, want, 8) {
				admin++
			}
		}
	}
	total := b.Dx() * b.Dy()
	t.Logf("%d colours, %.1f%% not white, %d admin-cell pixels", len(colours), 100*float64(nonWhite)/float64(total), admin)
	assert.Greater(t, len(colours), 50, "the page looks blank: too few colours")
	assert.Greater(t, nonWhite, total/50, "the page looks blank: almost all white")
	// An admin cell is at least 24×20 pixels; the fixture has dozens.
	assert.Greater(t, admin, 20*24*10, "the matrix's admin cells are not visible")
}

func rgb(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

func near(a, b [3]uint8, tol int) bool {
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < -tol || d > tol {
			return false
		}
	}
	return true
}

func hexRGB(s string) [3]uint8 {
	var out [3]uint8
	for i := range out {
		v, _ := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		out[i] = uint8(v)
	}
	return out
}
