package render_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/audit"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/audittest"
	"github.com/AcademySoftwareFoundation/permsync/internal/audit/render"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
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

// wideReport is the fixture with twelve more repositories whose long names
// and grouped findings are what overflowed a 1,400 px window.
func wideReport(t *testing.T) *audit.Report {
	t.Helper()
	in := audittest.Input()
	acme := in.Actual["acme"]
	var widgets *state.Repo
	for _, r := range acme.Repos {
		if r.Name == "widgets" {
			widgets = r
		}
	}
	require.NotNil(t, widgets)
	for i := 0; i < 12; i++ {
		c := *widgets
		c.Name = fmt.Sprintf("OpenColorIO-Config-ACES-with-a-much-longer-name-%02d", i)
		acme.Repos = append(acme.Repos, &c)
	}
	return audit.Build(in)
}

// TestHTMLFitsAt1400 opens the report in a 1,400 px wide window and
// measures it after layout: nothing may reach past the window's right edge
// (the findings' Fix column was cut), and the long sections are folded so
// that the page stays short.
func TestHTMLFitsAt1400(t *testing.T) {
	bin := findChromium(t)
	dir := t.TempDir()
	page := draw(t, "html", wideReport(t))
	// The probe runs only in this test's copy: the shipped page's policy
	// allows no other script, so the copy drops it.
	page = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`).ReplaceAllString(page, "")
	page = strings.Replace(page, "</body>", `<script>
(function(){var W=window.innerWidth,bad=[];
document.querySelectorAll("table,tr,td,th,code,p,li,summary,h1,h2,h3,dl,dd").forEach(function(e){
 var r=e.getBoundingClientRect();if(r.width>0&&r.right>W+1&&bad.length<10){bad.push(e.tagName+"."+e.className+" right="+Math.round(r.right)+" "+e.textContent.slice(0,50).replace(/\s+/g," "));}});
var secs=[];document.querySelectorAll("body>section,body>details").forEach(function(e){secs.push(e.id+" "+e.offsetHeight);});
var o=document.createElement("pre");o.id="probe";
o.textContent=JSON.stringify({sections:secs,width:W,scrollWidth:document.documentElement.scrollWidth,height:document.documentElement.scrollHeight,overflow:bad,
 findingsFix:(function(){var c=document.querySelector("#findings-table tbody tr td:last-child");return c?Math.round(c.getBoundingClientRect().right):-1;})()});
document.body.appendChild(o);})();
</script></body>`, 1)
	file := filepath.Join(dir, "audit.html")
	require.NoError(t, os.WriteFile(file, []byte(page), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--virtual-time-budget=5000",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--window-size=1400,1000", "--dump-dom", "file://"+file)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Run(), "chromium: %s", errOut.String())
	m := regexp.MustCompile(`(?s)<pre id="probe">(.*?)</pre>`).FindStringSubmatch(out.String())
	require.NotNil(t, m, "the probe did not run: %s", errOut.String())
	var got struct {
		Width, ScrollWidth, Height, FindingsFix int
		Overflow, Sections                      []string
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
	t.Logf("at %d px: page %d px wide, %d px tall (%v); the findings' Fix column ends at %d px", got.Width, got.ScrollWidth, got.Height, got.Sections, got.FindingsFix)
	require.Equal(t, 1400, got.Width)
	assert.LessOrEqual(t, got.ScrollWidth, got.Width, "the page scrolls sideways")
	assert.Empty(t, got.Overflow, "elements reach past the right edge")
	assert.Greater(t, got.FindingsFix, 0, "the findings table is drawn")
	assert.LessOrEqual(t, got.FindingsFix, got.Width, "the Fix column is cut")
	// Folded, 25 repositories and their detail take a few screens, not dozens.
	assert.Less(t, got.Height, 12000, "the page is too tall to read: long sections should fold")
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
