package config

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The file schema is config's in both directions: the loader reads it and
// the editor below rewrites entries of a repository file (pin, offboard,
// import). yaml.v3 locates the entries; the bytes are spliced in place, so
// every comment, blank line and layout choice outside the edited entries
// stays exactly as it was (re-encoding a yaml.Node would drop blank lines
// and re-indent). Every edit is checked by loading the result: an edit that
// would produce a file the loader refuses is an error, never written.

// EditedEntry says what an edit did to one entry.
type EditedEntry struct {
	Line  int    // in the file before the edit
	Kind  Kind   // user or team
	Name  string // login or slug as written
	Role  string // the role block it was in
	Entry string // the entry as it was written
}

type splice struct {
	start, end int // byte offsets in the original
	text       string
}

// userItem is one entry of a users: list with the nodes an edit needs.
type userItem struct {
	seq   *yaml.Node // the users: list
	item  *yaml.Node // the entry (scalar or mapping)
	login *yaml.Node // the login scalar
	id    *yaml.Node // the id value, when pinned
	role  string
}

// PinUsers rewrites plain user entries (and mapping entries without an id)
// whose login ids maps (lower-case login → account id) into the pinned form
// {login: alice, id: 583231}. It returns the new bytes and the entries it
// pinned; data is unchanged when nothing needed pinning.
func PinUsers(file string, data []byte, ids map[string]int64) ([]byte, []EditedEntry, error) {
	items, err := userItems(file, data)
	if err != nil {
		return nil, nil, err
	}
	ix := newIndex(data)
	var edits []splice
	var done []EditedEntry
	for _, it := range items {
		id, ok := ids[strings.ToLower(it.login.Value)]
		if !ok || it.id != nil {
			continue
		}
		start := ix.offset(it.login.Line, it.login.Column)
		end := scalarEnd(data, start, it.seq.Style&yaml.FlowStyle != 0 || it.item.Style&yaml.FlowStyle != 0)
		switch {
		case it.item.Kind == yaml.ScalarNode:
			edits = append(edits, splice{start, end, fmt.Sprintf("{%s: %s, %s: %d}", KeyLogin, data[start:end], KeyID, id)})
		case it.item.Style&yaml.FlowStyle != 0:
			edits = append(edits, splice{end, end, fmt.Sprintf(", %s: %d", KeyID, id)})
		default:
			// A block mapping: a new line under the login key, aligned with it.
			eol := lineEnd(data, end)
			edits = append(edits, splice{eol, eol, fmt.Sprintf("\n%s%s: %d", strings.Repeat(" ", it.login.Column-1-keyIndentShift(it)), KeyID, id)})
		}
		done = append(done, EditedEntry{Line: it.item.Line, Kind: User, Name: it.login.Value, Role: it.role, Entry: entryText(data, ix, it)})
	}
	out, err := applyEdits(file, data, edits)
	return out, done, err
}

// keyIndentShift is how far left of the login value its key starts: the
// new id key is aligned with the login key, not its value.
func keyIndentShift(it userItem) int {
	for i := 0; i+1 < len(it.item.Content); i += 2 {
		if it.item.Content[i+1] == it.login {
			return it.login.Column - it.item.Content[i].Column
		}
	}
	return 0
}

// RenameUser rewrites the login of the entry pinned to account id (a
// renamed account) to login, keeping the id. It returns the entries changed.
func RenameUser(file string, data []byte, id int64, login string) ([]byte, []EditedEntry, error) {
	if !ValidLogin(login) {
		return nil, nil, fmt.Errorf("%q is not a valid GitHub login", login)
	}
	items, err := userItems(file, data)
	if err != nil {
		return nil, nil, err
	}
	ix := newIndex(data)
	var edits []splice
	var done []EditedEntry
	for _, it := range items {
		if it.id == nil || it.id.Value != fmt.Sprint(id) || it.login.Value == login {
			continue
		}
		start := ix.offset(it.login.Line, it.login.Column)
		end := scalarEnd(data, start, true)
		edits = append(edits, splice{start, end, login})
		done = append(done, EditedEntry{Line: it.item.Line, Kind: User, Name: it.login.Value, Role: it.role, Entry: entryText(data, ix, it)})
	}
	out, err := applyEdits(file, data, edits)
	return out, done, err
}

// RemoveUser removes every entry of login (case-insensitive), or pinned to
// account id when id is not 0, from a repository file's role blocks.
func RemoveUser(file string, data []byte, login string, id int64) ([]byte, []EditedEntry, error) {
	items, err := userItems(file, data)
	if err != nil {
		return nil, nil, err
	}
	ix := newIndex(data)
	var edits []splice
	var done []EditedEntry
	for _, it := range items {
		match := strings.EqualFold(it.login.Value, login) || (id != 0 && it.id != nil && it.id.Value == fmt.Sprint(id))
		if !match {
			continue
		}
		done = append(done, EditedEntry{Line: it.item.Line, Kind: User, Name: it.login.Value, Role: it.role, Entry: entryText(data, ix, it)})
		edits = append(edits, removeItem(data, ix, it.seq, it.item))
	}
	out, err := applyEdits(file, data, edits)
	return out, done, err
}

// userItems parses a repository file and lists its user entries. A file
// the loader refuses is not edited.
func userItems(file string, data []byte) ([]userItem, error) {
	if err := checkRepoFile(file, data); err != nil {
		return nil, err
	}
	var ds Diagnostics
	root := parseYAML(data, Pos{File: file}, &ds)
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, nil
	}
	var out []userItem
	for i := 0; i+1 < len(root.Content); i += 2 {
		roleName, block := root.Content[i].Value, root.Content[i+1]
		if !contains(roleKeys, roleName) || block.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(block.Content); j += 2 {
			if block.Content[j].Value != KeyUsers || block.Content[j+1].Kind != yaml.SequenceNode {
				continue
			}
			seq := block.Content[j+1]
			for _, item := range seq.Content {
				it := userItem{seq: seq, item: item, login: item, role: roleName}
				if item.Kind == yaml.MappingNode {
					it.login = nil
					for k := 0; k+1 < len(item.Content); k += 2 {
						switch item.Content[k].Value {
						case KeyLogin:
							it.login = item.Content[k+1]
						case KeyID:
							it.id = item.Content[k+1]
						}
					}
				}
				if it.login != nil {
					out = append(out, it)
				}
			}
		}
	}
	return out, nil
}

// checkRepoFile loads data as a repository file and returns its errors.
func checkRepoFile(file string, data []byte) error {
	l := &loader{}
	root := parseYAML(data, Pos{File: file}, &l.ds)
	if root != nil {
		l.repo(&Repo{File: file}, root)
	}
	return l.ds.Err()
}

func applyEdits(file string, data []byte, edits []splice) ([]byte, error) {
	if len(edits) == 0 {
		return data, nil
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	out := append([]byte(nil), data...)
	for _, e := range edits {
		out = append(out[:e.start], append([]byte(e.text), out[e.end:]...)...)
	}
	if err := checkRepoFile(file, out); err != nil {
		return nil, fmt.Errorf("%s: the edit would leave the file invalid, so it was not made: %w", file, err)
	}
	return out, nil
}

// removeItem is the splice that deletes one entry of a list: in a flow list
// the entry and one comma beside it; in a block list the entry's lines.
func removeItem(data []byte, ix index, seq, item *yaml.Node) splice {
	start := ix.offset(item.Line, item.Column)
	if seq.Style&yaml.FlowStyle != 0 {
		end := flowItemEnd(data, start)
		j := skipSpaces(data, end)
		if j < len(data) && data[j] == ',' {
			return splice{start, skipSpaces(data, j+1), ""}
		}
		k := start
		for k > 0 && (data[k-1] == ' ' || data[k-1] == '\t' || data[k-1] == '\n' || data[k-1] == '\r') {
			k--
		}
		if k > 0 && data[k-1] == ',' {
			return splice{k - 1, end, ""}
		}
		return splice{start, end, ""}
	}
	// Block list: from the start of the dash's line to the end of the last
	// line indented deeper than the dash (the entry's other keys).
	dash := start
	for dash > 0 && data[dash] != '-' {
		dash--
	}
	lineStart := dash
	for lineStart > 0 && data[lineStart-1] != '\n' && data[lineStart-1] != '\r' {
		lineStart--
	}
	indent := dash - lineStart
	end := nextLine(data, start)
	for end < len(data) {
		next := nextLine(data, end)
		line := data[end:next]
		trimmed := bytes.TrimLeft(line, " \t")
		if len(bytes.TrimSpace(trimmed)) == 0 || trimmed[0] == '#' || len(line)-len(trimmed) <= indent {
			break
		}
		end = next
	}
	return splice{lineStart, end, ""}
}

func entryText(data []byte, ix index, it userItem) string {
	start := ix.offset(it.item.Line, it.item.Column)
	var end int
	switch {
	case it.item.Kind == yaml.ScalarNode:
		end = scalarEnd(data, start, it.seq.Style&yaml.FlowStyle != 0)
	case it.item.Style&yaml.FlowStyle != 0:
		end = flowItemEnd(data, start)
	default: // a block mapping: its first line
		end = scalarEnd(data, start, false)
	}
	return strings.TrimSpace(string(data[start:end]))
}

// index converts yaml.v3's 1-based line and character column to a byte
// offset.
type index struct {
	data   []byte
	starts []int
}

func newIndex(data []byte) index {
	ix := index{data: data, starts: []int{0}}
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\n':
			ix.starts = append(ix.starts, i+1)
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			ix.starts = append(ix.starts, i+1)
		}
	}
	return ix
}

func (ix index) offset(line, col int) int {
	if line < 1 || line > len(ix.starts) {
		return len(ix.data)
	}
	off := ix.starts[line-1]
	for c := 1; c < col && off < len(ix.data); c++ {
		_, size := utf8.DecodeRune(ix.data[off:])
		off += size
	}
	return off
}

// scalarEnd is the end of the scalar starting at off: past the closing
// quote of a quoted one; before a comment, a line break, or (in flow
// context) a ',', ']' or '}' for a plain one, trailing spaces left out.
func scalarEnd(data []byte, off int, flow bool) int {
	if off >= len(data) {
		return off
	}
	switch q := data[off]; q {
	case '"', '\'':
		for i := off + 1; i < len(data); i++ {
			switch {
			case q == '"' && data[i] == '\\':
				i++
			case data[i] == q && q == '\'' && i+1 < len(data) && data[i+1] == '\'':
				i++
			case data[i] == q:
				return i + 1
			}
		}
		return len(data)
	}
	i := off
	for i < len(data) {
		c := data[i]
		if c == '\n' || c == '\r' || (flow && (c == ',' || c == ']' || c == '}')) || (c == '#' && i > off && (data[i-1] == ' ' || data[i-1] == '\t')) {
			break
		}
		i++
	}
	for i > off && (data[i-1] == ' ' || data[i-1] == '\t') {
		i--
	}
	return i
}

// flowItemEnd is the end of a flow list's entry: a scalar, or a {...}
// mapping (quotes and nesting respected).
func flowItemEnd(data []byte, off int) int {
	if off >= len(data) || data[off] != '{' {
		return scalarEnd(data, off, true)
	}
	depth := 0
	for i := off; i < len(data); i++ {
		switch data[i] {
		case '"', '\'':
			i = scalarEnd(data, i, true) - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(data)
}

func skipSpaces(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	return i
}

func lineEnd(data []byte, i int) int {
	for i < len(data) && data[i] != '\n' && data[i] != '\r' {
		i++
	}
	return i
}

func nextLine(data []byte, i int) int {
	i = lineEnd(data, i)
	if i < len(data) && data[i] == '\r' {
		i++
	}
	if i < len(data) && data[i] == '\n' {
		i++
	}
	return i
}
