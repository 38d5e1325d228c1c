package config

import "testing"

// TestLineCol: positions the loader computes itself (yaml.v3 gives none for
// bad bytes) must count lines as yaml.v3 does, or they would disagree with
// the positions of every other diagnostic in the same file.
func TestLineCol(t *testing.T) {
	cases := []struct {
		data      string
		offset    int
		line, col int
	}{
		{"abc", 0, 1, 1},
		{"abc", 2, 1, 3},
		{"a\nbc", 3, 2, 2},
		{"a\r\nbc", 4, 2, 2}, // \r\n is one break
		{"a\rbc", 3, 2, 2},   // a lone \r breaks a line too
		{"a\u0085b", 3, 2, 1},
		{"a\u2028b\u2029c", 8, 3, 1},
		{"éé\nééx", 9, 2, 3}, // columns count characters, not bytes
	}
	for _, tc := range cases {
		line, col := lineCol([]byte(tc.data), tc.offset)
		if line != tc.line || col != tc.col {
			t.Errorf("lineCol(%q, %d) = %d:%d, want %d:%d", tc.data, tc.offset, line, col, tc.line, tc.col)
		}
	}
	for data, want := range map[string]int{"": 1, "a": 1, "a\n": 2, "a\r\n": 2, "a\nb": 2, "a\n\n": 3, "a\r\r\n": 3} {
		if got := yamlLines([]byte(data)); got != want {
			t.Errorf("yamlLines(%q) = %d, want %d", data, got, want)
		}
	}
}
