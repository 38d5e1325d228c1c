package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile permissions directory from exhausting memory.
const (
	MaxFileSize = 1 << 20 // bytes per file
	MaxFiles    = 20000   // YAML files per directory tree
	maxDepth    = 16      // YAML nesting; the schema needs 5
)

// LoadDir loads the permissions directory at dir. Positions in diagnostics
// are written relative to dir as given, e.g. "permissions/org/repo.yaml".
func LoadDir(dir string) (*Config, Diagnostics) {
	var ds Diagnostics
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		ds.Errorf(Pos{File: dir}, "no such directory: create it with one folder per org (see permissions/README.md), or pass --dir")
		return nil, ds
	case err != nil:
		ds.Errorf(Pos{File: dir}, "cannot read directory: %v", unwrapPathError(err))
		return nil, ds
	case !st.IsDir():
		ds.Errorf(Pos{File: dir}, "not a directory: --dir names the permissions directory")
		return nil, ds
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		ds.Errorf(Pos{File: dir}, "cannot open directory: %v", unwrapPathError(err))
		return nil, ds
	}
	defer root.Close()
	return Load(root.FS(), dir)
}

// Load loads a permissions tree from fsys. label prefixes file names in
// positions. fsys must not let paths escape (os.Root.FS and fstest.MapFS don't).
func Load(fsys fs.FS, label string) (*Config, Diagnostics) {
	l := &loader{fsys: fsys, label: label}
	cfg := l.load()
	l.ds.Sort()
	l.ds = l.ds.capPerFile()
	if l.ds.HasErrors() {
		return nil, l.ds
	}
	return cfg, l.ds
}

type loader struct {
	fsys  fs.FS
	label string
	ds    Diagnostics
	files int
}

func (l *loader) pos(name string) Pos {
	return Pos{File: filepath.ToSlash(filepath.Join(l.label, filepath.FromSlash(name)))}
}

func isYAML(name string) bool {
	ext := path.Ext(name)
	return ext == ".yaml" || ext == ".yml"
}

// yamlExtCase reports a YAML extension written in another case (x.YAML):
// the loader does not read such a file, and silently ignoring it would
// leave its repository unmanaged.
func (l *loader) yamlExtCase(name string) {
	ext := path.Ext(name)
	if !isYAML(name) && (strings.EqualFold(ext, ".yaml") || strings.EqualFold(ext, ".yml")) {
		l.ds.Errorf(l.pos(name), "the extension %s must be lowercase (.yaml or .yml) for the file to be read", quote(ext))
	}
}

func (l *loader) load() *Config {
	cfg := &Config{Dir: l.label}
	entries, err := fs.ReadDir(l.fsys, ".")
	if err != nil {
		l.ds.Errorf(Pos{File: l.label}, "cannot read directory: %v", unwrapPathError(err))
		return nil
	}
	type orgSeen struct {
		name string // as spelled
		file string // path inside fsys (org files only)
		pos  Pos
	}
	folders := map[string]orgSeen{}
	files := map[string]orgSeen{}
	for _, e := range entries {
		name := e.Name()
		isDir, ok := l.kind(name, e)
		if !ok {
			continue
		}
		if isDir {
			if strings.HasPrefix(name, ".") {
				continue // .git and the like are not orgs
			}
			p := l.pos(name + "/")
			if !ValidLogin(name) {
				l.ds.Errorf(p, "folder %q is not a valid GitHub organization name; each folder holds one org's repository files", name)
				continue
			}
			if prev, dup := folders[strings.ToLower(name)]; dup {
				l.ds.Errorf(p, "folders %q and %q name the same org (GitHub org names are case-insensitive)", prev.name, name)
				continue
			}
			folders[strings.ToLower(name)] = orgSeen{name: name, pos: p}
			continue
		}
		if !isYAML(name) {
			l.yamlExtCase(name)
			continue // README.md and other documents
		}
		org := strings.TrimSuffix(name, path.Ext(name))
		p := l.pos(name)
		if !ValidLogin(org) {
			l.ds.Errorf(p, "org file name %q is not a valid GitHub organization name", name)
			continue
		}
		if prev, dup := files[strings.ToLower(org)]; dup {
			l.ds.Errorf(p, "org %q has two org files: %s and %s", org, prev.pos.File, p.File)
			continue
		}
		files[strings.ToLower(org)] = orgSeen{name: org, file: name, pos: p}
	}

	folderNames, fileNames := map[string]string{}, map[string]string{}
	for k, f := range folders {
		folderNames[k] = f.name
	}
	for k, f := range files {
		fileNames[k] = f.file
	}
	l.requireOrgFiles(folderNames, fileNames)

	for key, f := range files {
		folder, ok := folders[key]
		switch {
		case !ok:
			l.ds.Errorf(f.pos, "org file has no folder %s/ of repository files beside it; create %s/<repo>.yaml or remove the org file", f.name, f.name)
			// Check it all the same, so that its own mistakes show in
			// this run rather than the next.
			if root := l.parseFile(f.file); root != nil {
				l.policy(root, f.pos.File)
			}
		case folder.name != f.name:
			l.ds.Errorf(f.pos, "org file %q and folder %q must spell the org the same way", f.file, folder.name+"/")
		}
	}

	for key, folder := range folders {
		org := &Org{Name: folder.name, Policy: DefaultPolicy()}
		if f, ok := files[key]; ok {
			org.File = f.pos.File
			if root := l.parseFile(f.file); root != nil {
				org.Policy = l.policy(root, f.pos.File)
			}
		}
		l.repos(org, folder.name)
		cfg.Orgs = append(cfg.Orgs, org)
	}
	sort.Slice(cfg.Orgs, func(i, j int) bool {
		return strings.ToLower(cfg.Orgs[i].Name) < strings.ToLower(cfg.Orgs[j].Name)
	})
	if len(cfg.Orgs) == 0 && !l.ds.HasErrors() {
		l.ds.Errorf(Pos{File: l.label}, "no org folders found: expected %s/<org>/<repo>.yaml files (see permissions/README.md)", l.label)
	}
	for _, o := range cfg.Orgs {
		for _, r := range o.Repos {
			if o.Ignored(r.Name) {
				l.ds.Errorf(o.Policy.Where(KeyIgnoreRepos, o.File), "repository %q is in ignore_repos but has a file %s; remove one of them", r.Name, r.File)
			}
		}
	}
	return cfg
}

// kind says whether name is a directory or a regular file. Symbolic links are
// followed only inside the tree (fsys refuses the rest); anything else
// (devices, pipes, links leading out) is an error, never read.
func (l *loader) kind(name string, e fs.DirEntry) (isDir, ok bool) {
	t := e.Type()
	if t&fs.ModeSymlink != 0 {
		st, err := fs.Stat(l.fsys, name)
		if err != nil {
			err = unwrapPathError(err)
			if strings.Contains(err.Error(), "escapes") { // os.Root's refusal
				l.ds.Errorf(l.pos(name), "symbolic link points outside the permissions directory; it is not followed")
			} else {
				l.ds.Errorf(l.pos(name), "symbolic link cannot be followed: %v", err)
			}
			return false, false
		}
		t = st.Mode().Type()
	}
	switch {
	case t.IsDir():
		return true, true
	case t.IsRegular():
		return false, true
	}
	if isYAML(name) {
		l.ds.Errorf(l.pos(name), "not a regular file (a pipe, socket or device); it is not read")
	}
	return false, false
}

func (l *loader) repos(org *Org, folder string) {
	entries, err := fs.ReadDir(l.fsys, folder)
	if err != nil {
		l.ds.Errorf(l.pos(folder+"/"), "cannot read folder: %v", unwrapPathError(err))
		return
	}
	seen := map[string]string{}
	for _, e := range entries {
		name := path.Join(folder, e.Name())
		isDir, ok := l.kind(name, e)
		if !ok {
			continue
		}
		if isDir {
			l.ds.Errorf(l.pos(name+"/"), "unexpected folder: repository files go directly in %s/ as <repo>.yaml", folder)
			continue
		}
		if !isYAML(e.Name()) {
			l.yamlExtCase(name)
			continue
		}
		p := l.pos(name)
		repoName := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		if msg := repoNameProblem(repoName); msg != "" {
			l.ds.Errorf(p, "file name %q: %s", e.Name(), msg)
			continue
		}
		if prev, dup := seen[strings.ToLower(repoName)]; dup {
			l.ds.Errorf(p, "repository %q already has a file %s (GitHub repository names are case-insensitive)", repoName, prev)
			continue
		}
		seen[strings.ToLower(repoName)] = p.File
		l.files++
		if l.files > MaxFiles {
			l.ds.Errorf(p, "more than %d repository files; refusing to read further", MaxFiles)
			return
		}
		repo := &Repo{Org: org.Name, Name: repoName, File: p.File}
		if root := l.parseFile(name); root != nil {
			l.repo(repo, root)
		}
		org.Repos = append(org.Repos, repo)
	}
	sortRepos(org.Repos)
}

// parseFile reads and parses one YAML file, returning its top-level node
// (nil on error or when the file holds nothing but comments).
func (l *loader) parseFile(name string) *yaml.Node {
	p := l.pos(name)
	f, err := l.fsys.Open(name)
	if err != nil {
		l.ds.Errorf(p, "cannot read file: %v", unwrapPathError(err))
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		l.ds.Errorf(p, "cannot read file: %v", unwrapPathError(err))
		return nil
	}
	if len(data) > MaxFileSize {
		l.ds.Errorf(p, "file is larger than %d KiB; permissions files are small, is this the right file?", MaxFileSize>>10)
		return nil
	}
	return parseYAML(data, p, &l.ds)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func parseYAML(data []byte, p Pos, ds *Diagnostics) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file
		}
		at, msg := yamlError(err, data, p)
		ds.Errorf(at, "%s", msg)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		at := Pos{File: p.File, Line: extra.Line, Col: extra.Column}
		if err != nil {
			at, _ = yamlError(err, data, p)
		}
		ds.Errorf(at, "a permissions file holds one YAML document; remove the extra \"---\" document")
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil
	}
	if !checkStructure(doc.Content[0], p, ds, 0) {
		return nil
	}
	return doc.Content[0]
}

// yamlParserProblems are the messages of yaml.v3's parser (as opposed to its
// scanner). yaml.v3 reports a parser error's line 0-based ("line 1" is the
// second line) while scanner errors are 1-based, so these need one added.
// The line is where the parser noticed the problem or, when it knows one,
// where the enclosing mapping or list began.
var yamlParserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
	"found undefined tag handle",
}

// yamlReaderProblems are yaml.v3's reader errors about the bytes themselves.
var yamlReaderProblems = []string{
	"control characters are not allowed",
	"invalid leading UTF-8 octet",
	"incomplete UTF-8 octet sequence",
	"invalid trailing UTF-8 octet",
	"invalid length of a UTF-8 sequence",
	"invalid Unicode character",
}

var yamlUnknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)

// yamlError turns a yaml.v3 error into a position and a message. yaml.v3
// gives a line only for some errors, and no column at all, so the column is
// left out unless the loader can find the spot itself.
func yamlError(err error, data []byte, p Pos) (Pos, string) {
	s := err.Error()
	if m := yamlLine.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		if contains(yamlParserProblems, m[2]) {
			n++
		}
		// At the end of a file without a final newline, yaml.v3 puts the
		// end of the stream on a line of its own that the file lacks.
		n = min(n, yamlLines(data))
		return Pos{File: p.File, Line: n}, "invalid YAML: " + m[2]
	}
	// Errors of yaml.v3's reader (control characters, bad UTF-8) carry only
	// a byte offset it does not show: find the character ourselves.
	if contains(yamlReaderProblems, strings.TrimPrefix(s, "yaml: ")) {
		line, col, r := firstUnreadable(data)
		if line == 0 {
			return Pos{File: p.File, Line: 1}, "invalid YAML: " + strings.TrimPrefix(s, "yaml: ")
		}
		what := fmt.Sprintf("control character %U", r)
		if r < 0 {
			what = fmt.Sprintf("byte 0x%02X, which is not UTF-8,", -r)
		}
		return Pos{File: p.File, Line: line, Col: col}, fmt.Sprintf("invalid YAML: %s is not allowed; permissions files are UTF-8 text", what)
	}
	if m := yamlUnknownAnchor.FindStringSubmatch(s); m != nil {
		// An alias to an anchor that does not exist: the schema has no
		// use for either, so say that rather than yaml.v3's complaint.
		at := Pos{File: p.File, Line: 1}
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			at.Line, at.Col = lineCol(data, i)
		}
		return at, "YAML anchors and aliases are not supported in permissions files; write the values out"
	}
	if strings.HasPrefix(s, "yaml: exceeded max depth") {
		return Pos{File: p.File}, "nesting is deeper than any permissions file needs"
	}
	// Without a line, yaml.v3's error is on the first line (its 0-based
	// line 0 is the one it leaves out).
	return Pos{File: p.File, Line: 1}, "invalid YAML: " + strings.TrimPrefix(s, "yaml: ")
}

// firstUnreadable finds the first character yaml.v3's reader refuses: bytes
// that are not UTF-8, and characters outside YAML's printable set. It
// returns the character (minus the byte's value for a byte that is not
// UTF-8) and its 1-based line and column, counted in characters as yaml.v3
// counts them; line 0 when there is none.
func firstUnreadable(data []byte) (line, col int, r rune) {
	if bytes.HasPrefix(data, []byte("\uFEFF")) {
		data = data[3:] // a byte-order mark is allowed at the start
	}
	for i := 0; i < len(data); {
		c, size := utf8.DecodeRune(data[i:])
		if c == utf8.RuneError && size <= 1 {
			c = -rune(data[i])
		}
		if c < 0 || !yamlPrintable(c) {
			line, col = lineCol(data, i)
			return line, col, c
		}
		i += size
	}
	return 0, 0, 0
}

// yamlPrintable is YAML 1.2's c-printable set, as yaml.v3's reader checks it.
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// yamlLines counts the lines of data as YAML does, with the empty line an
// editor shows after a final line break.
func yamlLines(data []byte) int {
	line, _ := lineCol(data, len(data))
	return line
}

// lineCol is the 1-based line and character column of byte offset i. Lines
// break where YAML breaks them: at \n, \r\n, \r, NEL, LS and PS.
func lineCol(data []byte, i int) (line, col int) {
	line, start := 1, 0 // start: where the line of offset i begins
	for j := 0; j < i; {
		r, size := utf8.DecodeRune(data[j:i])
		if r == '\r' && j+1 < i && data[j+1] == '\n' {
			size = 2
		}
		j += size
		switch r {
		case '\n', '\r', 0x85, 0x2028, 0x2029:
			line, start = line+1, j
		}
	}
	return line, utf8.RuneCount(data[start:i]) + 1
}

// checkStructure refuses anchors, aliases, merge keys and deep nesting: the
// schema never needs them, and refusing them rules out alias bombs.
func checkStructure(n *yaml.Node, p Pos, ds *Diagnostics, depth int) bool {
	at := Pos{File: p.File, Line: n.Line, Col: n.Column}
	if depth > maxDepth {
		ds.Errorf(at, "nesting is deeper than any permissions file needs")
		return false
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		ds.Errorf(at, "YAML anchors and aliases are not supported in permissions files; write the values out")
		return false
	}
	ok := true
	for _, c := range n.Content {
		if !checkStructure(c, p, ds, depth+1) {
			ok = false
			if depth+1 > maxDepth {
				break // the first child too deep says it; its siblings would repeat it
			}
		}
	}
	return ok
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// at is the position of a node in file.
func at(file string, n *yaml.Node) Pos { return Pos{File: file, Line: n.Line, Col: n.Column} }

type entry struct{ key, val *yaml.Node }

// mapping returns a mapping's entries in order. A null node is an empty
// mapping. Duplicate and unknown keys are reported; allowed lists the known
// keys (nil: any key).
func mapping(n *yaml.Node, file, what string, allowed []string, ds *Diagnostics) ([]entry, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		ds.Errorf(at(file, n), "%s must be a mapping (key: value), not %s", what, describe(n))
		return nil, false
	}
	var out []entry
	seen := map[string]int{}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			ds.Errorf(at(file, k), "%s: keys must be plain names", what)
			ok = false
			continue
		}
		if line, dup := seen[k.Value]; dup {
			ds.Errorf(at(file, k), "duplicate key %s (first at line %d)", quote(k.Value), line)
			ok = false
			continue
		}
		seen[k.Value] = k.Line
		if allowed != nil && !contains(allowed, k.Value) {
			ds.Errorf(at(file, k), "unknown key %s in %s%s (expected one of: %s)", quote(k.Value), what, suggest(k.Value, allowed), strings.Join(allowed, ", "))
			ok = false
			continue
		}
		out = append(out, entry{k, v})
	}
	return out, ok
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return quote(n.Value)
	}
	return "this"
}

// scalarList reads a list of plain values. null is an empty list.
func scalarList(n *yaml.Node, file, what string, ds *Diagnostics) ([]*yaml.Node, bool) {
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.SequenceNode {
		ds.Errorf(at(file, n), "%s must be a list, not %s", what, describe(n))
		return nil, false
	}
	ok := true
	var out []*yaml.Node
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode || isNull(c) {
			ds.Errorf(at(file, c), "%s: each entry must be a name, not %s", what, describe(c))
			ok = false
			continue
		}
		out = append(out, c)
	}
	return out, ok
}

func scalarString(n *yaml.Node, file, what string, ds *Diagnostics) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		ds.Errorf(at(file, n), "%s must be a value, not %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

func scalarBool(n *yaml.Node, file, what string, ds *Diagnostics) (bool, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			return b, true
		}
	}
	ds.Errorf(at(file, n), "%s must be true or false, not %s", what, describe(n))
	return false, false
}

func scalarInt(n *yaml.Node, file, what string, lo, hi int, ds *Diagnostics) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, err := strconv.Atoi(n.Value)
		if err == nil && v >= lo && v <= hi {
			return v, true
		}
		if err == nil && v < 0 && lo >= 0 {
			ds.Errorf(at(file, n), "%s must not be negative (got %d)", what, v)
			return 0, false
		}
	}
	ds.Errorf(at(file, n), "%s must be a whole number from %d to %d, not %s", what, lo, hi, describe(n))
	return 0, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
