package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

// SnapshotKind and SnapshotVersion identify a snapshot file
// (docs/audit-json.md, "Snapshot").
const (
	SnapshotKind    = "permsync-audit-snapshot"
	SnapshotVersion = 1
)

// Snapshot is the state an audit read, stored to compare the next audit
// with. It holds GitHub's state only: logins, roles, protection, rulesets,
// deploy key titles, App permissions. The state holds no token or key.
type Snapshot struct {
	Kind          string       `json:"kind"`
	FormatVersion int          `json:"format_version"`
	TakenAt       time.Time    `json:"taken_at"`
	Orgs          []*state.Org `json:"orgs"`
}

// NewSnapshot makes a snapshot of the state read, orgs sorted by name.
func NewSnapshot(actual map[string]*state.Org, now time.Time) *Snapshot {
	s := &Snapshot{Kind: SnapshotKind, FormatVersion: SnapshotVersion, TakenAt: now.UTC(), Orgs: []*state.Org{}}
	for _, o := range actual {
		if o != nil {
			s.Orgs = append(s.Orgs, o)
		}
	}
	sort.Slice(s.Orgs, func(i, j int) bool { return state.LessFold(s.Orgs[i].Name, s.Orgs[j].Name) })
	return s
}

// wireSnapshot is the file's form. state.Org leaves out empty App and
// deploy key lists, so the file says separately which were read: an empty
// list read must stay distinct from a list that could not be read, or a key
// added to a repository that had none would go unseen.
type wireSnapshot struct {
	Kind          string     `json:"kind"`
	FormatVersion int        `json:"format_version"`
	TakenAt       time.Time  `json:"taken_at"`
	Orgs          []*wireOrg `json:"orgs"`
}

type wireOrg struct {
	*state.Org
	InstallationsRead bool     `json:"installations_read"`
	DeployKeysRead    []string `json:"deploy_keys_read"` // repositories
}

// WriteSnapshot writes the snapshot as JSON.
func WriteSnapshot(w io.Writer, s *Snapshot) error {
	ws := wireSnapshot{Kind: s.Kind, FormatVersion: s.FormatVersion, TakenAt: s.TakenAt, Orgs: []*wireOrg{}}
	for _, o := range s.Orgs {
		wo := &wireOrg{Org: o, InstallationsRead: o.Installations != nil, DeployKeysRead: []string{}}
		for _, r := range o.Repos {
			if r.DeployKeys != nil {
				wo.DeployKeysRead = append(wo.DeployKeysRead, r.Name)
			}
		}
		ws.Orgs = append(ws.Orgs, wo)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	return enc.Encode(ws)
}

// MaxSnapshotSize bounds what ReadSnapshot reads.
const MaxSnapshotSize = 512 << 20

// ReadSnapshot reads a snapshot, refusing other files and versions.
func ReadSnapshot(r io.Reader) (*Snapshot, error) {
	var ws wireSnapshot
	dec := json.NewDecoder(io.LimitReader(r, MaxSnapshotSize))
	if err := dec.Decode(&ws); err != nil {
		return nil, fmt.Errorf("not a permsync audit snapshot: %w", err)
	}
	if ws.Kind != SnapshotKind {
		return nil, errors.New("not a permsync audit snapshot (make one with audit --snapshot-out)")
	}
	if ws.FormatVersion != SnapshotVersion {
		return nil, fmt.Errorf("snapshot format_version %d is not supported by this permsync (it reads %d)", ws.FormatVersion, SnapshotVersion)
	}
	s := &Snapshot{Kind: ws.Kind, FormatVersion: ws.FormatVersion, TakenAt: ws.TakenAt, Orgs: []*state.Org{}}
	for _, wo := range ws.Orgs {
		if wo == nil || wo.Org == nil {
			return nil, errors.New("not a permsync audit snapshot: an org is null")
		}
		o := wo.Org
		if wo.InstallationsRead && o.Installations == nil {
			o.Installations = []state.Installation{}
		}
		read := map[string]bool{}
		for _, name := range wo.DeployKeysRead {
			read[strings.ToLower(name)] = true
		}
		for _, r := range o.Repos {
			if r == nil {
				return nil, errors.New("not a permsync audit snapshot: a repository is null")
			}
			if read[strings.ToLower(r.Name)] && r.DeployKeys == nil {
				r.DeployKeys = []state.DeployKey{}
			}
		}
		for _, t := range o.Teams {
			if t == nil {
				return nil, errors.New("not a permsync audit snapshot: a team is null")
			}
		}
		s.Orgs = append(s.Orgs, o)
	}
	return s, nil
}

// Org returns the snapshot's org of that name, or nil.
func (s *Snapshot) Org(name string) *state.Org {
	for _, o := range s.Orgs {
		if strings.EqualFold(o.Name, name) {
			return o
		}
	}
	return nil
}
