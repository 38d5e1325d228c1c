// Package buildinfo tells which permsync this is.
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// Version may be set at link time: -ldflags "-X github.com/AcademySoftwareFoundation/permsync/internal/buildinfo.Version=v1.2.3".
var Version = ""

// String returns the version: the link-time value, else the module version
// from the build info (set by "go install ...@v1.2.3"), else "devel" with the
// VCS revision when the build recorded one.
func String() string {
	if Version != "" {
		return Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		return "devel-" + rev[:min(12, len(rev))] + dirty
	}
	return "devel"
}

// UserAgent is what permsync sends to GitHub.
func UserAgent() string {
	return "permsync/" + strings.ReplaceAll(String(), " ", "_")
}
