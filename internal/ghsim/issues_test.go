package ghsim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIssuesLabelsCommentsPulls(t *testing.T) {
	f := newFixture(t)
	s := f.s
	r := call(t, s, "POST", "repos/acme/widgets/issues", f.tok, map[string]any{"title": "Drift", "body": "x", "labels": []string{"permsync-drift"}})
	wantStatus(t, r, 201)
	is := r.obj(t)
	assert.Equal(t, "permsync[bot]", is["user"].(map[string]any)["login"])
	assert.Equal(t, "Bot", is["user"].(map[string]any)["type"])
	n := int(is["number"].(float64))
	wantStatus(t, call(t, s, "GET", "repos/acme/widgets/labels/permsync-drift", f.tok, nil), 200)
	wantStatus(t, call(t, s, "POST", "repos/acme/widgets/labels", f.tok, map[string]any{"name": "permsync-drift"}), 422)
	wantStatus(t, call(t, s, "POST", "repos/acme/widgets/labels", f.tok, map[string]any{"name": "other", "color": "ff0000"}), 201)
	assert.Len(t, call(t, s, "GET", "repos/acme/widgets/labels", f.tok, nil).list(t), 2)

	s.AddPull("acme", "widgets", PullOptions{Title: "Grant", Author: "alice", MergeCommitSHA: "abc123", Merged: true, MergedBy: "root",
		Reviews: []ReviewOptions{{User: "bob", State: "APPROVED"}}})
	l := call(t, s, "GET", "repos/acme/widgets/issues?labels=permsync-drift&creator=permsync[bot]", f.tok, nil).list(t)
	require.Len(t, l, 1)
	l = call(t, s, "GET", "repos/acme/widgets/issues?creator=app/permsync", f.tok, nil).list(t)
	require.Len(t, l, 1)
	l = call(t, s, "GET", "repos/acme/widgets/issues?state=all", f.tok, nil).list(t)
	require.Len(t, l, 2)
	assert.Contains(t, l[0], "pull_request")

	big := make([]byte, 65537)
	for i := range big {
		big[i] = 'a'
	}
	wantStatus(t, call(t, s, "POST", fmt.Sprintf("repos/acme/widgets/issues/%d/comments", n), f.tok, map[string]any{"body": string(big)}), 422)
	wantStatus(t, call(t, s, "POST", fmt.Sprintf("repos/acme/widgets/issues/%d/comments", n), f.tok, map[string]any{"body": "update"}), 201)
	assert.Len(t, call(t, s, "GET", fmt.Sprintf("repos/acme/widgets/issues/%d/comments", n), f.tok, nil).list(t), 1)
	r = call(t, s, "PATCH", fmt.Sprintf("repos/acme/widgets/issues/%d", n), f.tok, map[string]any{"state": "closed", "state_reason": "completed", "body": "done"})
	wantStatus(t, r, 200)
	assert.Equal(t, "closed", r.obj(t)["state"])
	iss := s.Issues("acme", "widgets")
	require.Len(t, iss, 1)
	assert.Equal(t, "done", iss[0].Body)
	assert.Equal(t, []string{"permsync-drift"}, iss[0].Labels)
	assert.Len(t, iss[0].Comments, 1)

	pl := call(t, s, "GET", "repos/acme/widgets/commits/abc123/pulls", f.tok, nil).list(t)
	require.Len(t, pl, 1)
	pn := int(pl[0]["number"].(float64))
	pr := call(t, s, "GET", fmt.Sprintf("repos/acme/widgets/pulls/%d", pn), f.tok, nil).obj(t)
	assert.Equal(t, true, pr["merged"])
	assert.Equal(t, "root", pr["merged_by"].(map[string]any)["login"])
	rv := call(t, s, "GET", fmt.Sprintf("repos/acme/widgets/pulls/%d/reviews", pn), f.tok, nil).list(t)
	require.Len(t, rv, 1)
	assert.Equal(t, "APPROVED", rv[0]["state"])
	wantStatus(t, call(t, s, "GET", fmt.Sprintf("repos/acme/widgets/pulls/%d", n), f.tok, nil), 404)
}
