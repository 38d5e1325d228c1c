package posture

import (
	"path"
	"regexp"
	"strings"
)

// A rough reader of the bash in run: steps, enough to tell which commands a
// step runs. It knows quotes, ${...}, command and process substitution,
// redirections, comments, heredocs, case patterns and the shell's keywords.
// It errs towards seeing a command: a rule built on it can be too strict,
// never blind to a command written plainly.

type tokKind int

const (
	tokWord  tokKind = iota
	tokOp            // ; ;; & && | || ( ) and newline
	tokRedir         // > >> < 2>&1 ...; takes the next word unless complete
)

type token struct {
	kind tokKind
	text string
	line int
}

// sub is a command substitution's script: $(...), `...`, <(...) or >(...).
type sub struct {
	script string
	line   int
}

var (
	digits     = regexp.MustCompile(`^[0-9]+$`)
	fdTarget   = regexp.MustCompile(`[<>]&[0-9-]*$`) // 2>&1, >&2: the target is written
	assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=`)
	duration   = regexp.MustCompile(`^[0-9.]+[smhd]?$`)
)

// lexShell splits a script into words, operators and redirections. The text
// of a command substitution stays in its word; its script is returned apart.
func lexShell(src string) ([]token, []sub) {
	var (
		toks     []token
		subs     []sub
		word     strings.Builder
		inWord   bool
		line     = 1
		inDouble bool
		heredocs []string // delimiters waiting for the next newline
	)
	flush := func() {
		if inWord {
			toks = append(toks, token{tokWord, word.String(), line})
			word.Reset()
			inWord = false
		}
	}
	op := func(s string) { flush(); toks = append(toks, token{tokOp, s, line}) }
	// substitution takes src[i:j+1], whose script is src[from:j].
	substitution := func(i, from, j int) {
		subs = append(subs, sub{src[from:j], line})
		word.WriteString(src[i:min(j+1, len(src))])
		line += strings.Count(src[i:min(j+1, len(src))], "\n")
		inWord = true
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			if src[i+1] == '\n' { // line continuation
				line++
			} else {
				word.WriteByte(src[i+1])
				inWord = true
			}
			i++
		case c == '\'' && !inDouble:
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				j = len(src) - i - 1
			}
			word.WriteString(src[i+1 : i+1+j])
			line += strings.Count(src[i+1:i+1+j], "\n")
			inWord = true
			i += j + 1
		case c == '"':
			inDouble = !inDouble
			inWord = true
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			j := matchBrace(src, i+2)
			word.WriteString(src[i:min(j+1, len(src))])
			inWord = true
			i = j
		case c == '$' && i+1 < len(src) && src[i+1] == '(',
			(c == '<' || c == '>') && i+1 < len(src) && src[i+1] == '(' && !inWord && !inDouble:
			j := matchParen(src, i+2)
			substitution(i, i+2, j)
			i = j
		case c == '`':
			j := i + 1
			for j < len(src) && src[j] != '`' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j, len(src)-1)
			substitution(i, i+1, j)
			i = j
		case inDouble:
			if c == '\n' {
				line++
			}
			word.WriteByte(c)
			inWord = true
		case c == '#' && !inWord:
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
		case c == '\n':
			op("\n")
			line++
			for _, delim := range heredocs { // skip each heredoc's body
				for i+1 < len(src) {
					end := strings.IndexByte(src[i+1:], '\n')
					if end < 0 {
						end = len(src) - i - 1
					}
					body := src[i+1 : i+1+end]
					i += end + 1
					line++
					if strings.TrimLeft(body, "\t") == delim {
						break
					}
				}
			}
			heredocs = nil
		case c == ' ' || c == '\t' || c == '\r':
			flush()
		case c == '<' || c == '>' || (c == '&' && i+1 < len(src) && src[i+1] == '>'):
			// a redirection, with the file descriptor written before it
			fd := ""
			if inWord && digits.MatchString(word.String()) {
				fd = word.String()
				word.Reset()
				inWord = false
			}
			flush()
			j := i
			for j < len(src) && strings.IndexByte("<>&|-", src[j]) >= 0 {
				j++
			}
			for j < len(src) && src[j] >= '0' && src[j] <= '9' && strings.ContainsRune(src[i:j], '&') {
				j++
			}
			r := src[i:j]
			toks = append(toks, token{tokRedir, fd + r, line})
			i = j - 1
			if strings.HasPrefix(r, "<<") && !strings.HasPrefix(r, "<<<") {
				// the heredoc's delimiter, quoted or not
				k := j
				for k < len(src) && (src[k] == ' ' || src[k] == '\t') {
					k++
				}
				e := k
				for e < len(src) && strings.IndexByte(" \t\n;|&<>", src[e]) < 0 {
					e++
				}
				heredocs = append(heredocs, strings.Trim(src[k:e], `'"`))
			}
		case c == ';' || c == '|' || c == '&':
			if i+1 < len(src) && (src[i+1] == c || (c == ';' && src[i+1] == '&')) {
				op(src[i : i+2])
				i++
			} else {
				op(string(c))
			}
		case c == '(' && inWord && strings.HasSuffix(word.String(), "=") && assignment.MatchString(word.String()):
			j := matchParen(src, i+1) // an array: args=(a "b" "$(x)")
			_, inner := lexShell(src[i+1 : j])
			for _, s := range inner {
				subs = append(subs, sub{s.script, s.line + line - 1})
			}
			word.WriteString(src[i:min(j+1, len(src))])
			line += strings.Count(src[i:min(j+1, len(src))], "\n")
			i = j
		case c == '(' || c == ')':
			op(string(c))
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return toks, subs
}

// matchParen returns the index of the ")" closing a "(" just before i.
func matchParen(src string, i int) int {
	depth, inDouble := 1, false
	for ; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++
		case c == '\'' && !inDouble:
			j := strings.IndexByte(src[i+1:], '\'')
			if j < 0 {
				return len(src) - 1
			}
			i += j + 1
		case c == '"':
			inDouble = !inDouble
		case c == '$' && i+1 < len(src) && src[i+1] == '(':
			i = matchParen(src, i+2)
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			i = matchBrace(src, i+2)
		case inDouble:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(src) - 1
}

// matchBrace returns the index of the "}" closing a "${" just before i.
func matchBrace(src string, i int) int {
	depth := 1
	for ; i < len(src); i++ {
		switch src[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(src) - 1
}

// command is one simple command: its words, quotes removed.
type command struct {
	words []string
	line  int // counted from the script's first line, 1-based
}

func (c command) name() string { return c.words[0] }

func (c command) String() string { return strings.Join(c.words, " ") }

var (
	keywords = map[string]bool{
		"if": true, "then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true,
		"while": true, "until": true, "!": true, "{": true, "}": true, "time": true,
	}
	// wrappers run the command that follows them
	wrappers = map[string]bool{
		"env": true, "command": true, "exec": true, "sudo": true, "nohup": true, "xargs": true,
		"builtin": true, "nice": true, "timeout": true, "stdbuf": true,
	}
)

// shellCommands lists the simple commands a script runs, wrappers and
// keywords stripped: "if ! sudo make x; then" gives "make x". The commands
// of command substitutions follow the others.
func shellCommands(script string) []command {
	toks, subs := lexShell(script)
	var (
		out       []command
		cur       command
		skipNext  bool // the word after a redirection is its target
		caseHead  bool // between "case" and "in"
		inPattern bool // a case pattern, up to its ")"
		caseDepth int
		loopHead  bool // "for x in a b c": no command
	)
	end := func() {
		if w := strip(cur.words); len(w) > 0 && !loopHead {
			out = append(out, command{words: w, line: cur.line})
		}
		cur, loopHead = command{}, false
	}
	for _, t := range toks {
		if inPattern {
			switch {
			case t.kind == tokWord && t.text == "esac":
				caseDepth--
				inPattern = false
			case t.kind == tokOp && t.text == ")":
				inPattern = false
			}
			continue
		}
		switch t.kind {
		case tokRedir:
			skipNext = !fdTarget.MatchString(t.text)
		case tokWord:
			if skipNext {
				skipNext = false
				continue
			}
			if caseHead {
				if t.text == "in" {
					caseHead, inPattern = false, true
				}
				continue
			}
			if len(strip(cur.words)) == 0 {
				switch t.text {
				case "case":
					cur, caseHead = command{}, true
					caseDepth++
					continue
				case "esac":
					if caseDepth > 0 {
						caseDepth--
					}
					continue
				case "for", "select", "function":
					loopHead = true
				}
			}
			if len(cur.words) == 0 {
				cur.line = t.line
			}
			cur.words = append(cur.words, t.text)
		case tokOp:
			skipNext = false
			end()
			if (t.text == ";;" || t.text == ";&" || t.text == ";;&") && caseDepth > 0 {
				inPattern = true
			}
		}
	}
	end()
	for _, s := range subs {
		for _, c := range shellCommands(s.script) {
			c.line += s.line - 1
			out = append(out, c)
		}
	}
	return out
}

// strip drops the keywords, assignments and wrappers (with their options)
// in front of a command's name.
func strip(words []string) []string {
	for len(words) > 0 {
		w := words[0]
		switch {
		case keywords[w], assignment.MatchString(w):
			words = words[1:]
		case wrappers[path.Base(w)]:
			words = words[1:]
			for len(words) > 0 && (strings.HasPrefix(words[0], "-") || assignment.MatchString(words[0]) || duration.MatchString(words[0])) {
				words = words[1:]
			}
		default:
			return words
		}
	}
	return nil
}
