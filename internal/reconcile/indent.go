package reconcile

import "bufio"

// indentJSON writes src, compact JSON as json.Marshal writes it, indented
// by two spaces as json.Indent would (same bytes), plus a newline as
// json.Encoder ends with. json.Encoder indents into a second buffer the
// size of the document, grown by copying: half the cost of saving a large
// plan; this writes through as it goes.
func indentJSON(dst *bufio.Writer, src []byte) {
	depth := 0
	newline := func() {
		dst.WriteByte('\n')
		for range depth {
			dst.WriteString("  ")
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			// Copy the string through its closing quote; a backslash
			// escapes the next byte.
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			dst.Write(src[i : j+1])
			i = j
		case '{', '[':
			dst.WriteByte(c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst.WriteByte(src[i+1]) // empty: {} or [] stays on its line
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst.WriteByte(c)
		case ',':
			dst.WriteByte(c)
			newline()
		case ':':
			dst.WriteString(": ")
		default:
			dst.WriteByte(c)
		}
	}
	dst.WriteByte('\n')
}
