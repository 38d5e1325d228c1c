package pairs

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOf(t *testing.T) {
	got := Of([]string{"b", "A", "c", "a"}, []string{"C", "d"}, strings.ToLower)
	assert.Equal(t, []Pair[string]{
		{Key: "a", Old: "a", InOld: true}, // the last of equal keys wins
		{Key: "b", Old: "b", InOld: true},
		{Key: "c", Old: "c", New: "C", InOld: true, InNew: true},
		{Key: "d", New: "d", InNew: true},
	}, got)
	assert.Empty(t, Of(nil, nil, strings.ToLower))
}
