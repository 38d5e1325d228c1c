package words

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlural(t *testing.T) {
	for n, want := range map[string]string{
		"repository": "2 repositories", "person": "2 people", "key": "2 keys", "deploy key": "2 deploy keys",
		"change": "2 changes", "refused change": "2 refused changes", "day": "2 days", "y": "2 ies",
		"protected branch": "2 protected branches", "box": "2 boxes",
	} {
		assert.Equal(t, want, Plural(2, n))
		assert.Equal(t, "1 "+n, Plural(1, n))
	}
	assert.Equal(t, "0 notices", Plural(0, "notice"))
	assert.Equal(t, "people", Noun(3, "person"))
}
