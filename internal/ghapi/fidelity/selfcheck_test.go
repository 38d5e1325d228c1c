package fidelity

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghapi"
	"github.com/vektah/gqlparser/v2"
)

// The checks themselves are checked: each departure planted here must be
// found, and a faithful exchange must pass, so that a green run cannot
// come from a check that looks at nothing (a content type never matched,
// a body never decoded).

func fakeExchange(method, path string, status int, reqBody, respBody string) *exchange {
	u, _ := url.Parse("http://127.0.0.1:1/api/v3" + path)
	e := &exchange{Method: method, URL: u, Status: status, ReqHeader: http.Header{}, RespHeader: http.Header{}, Step: "planted"}
	if reqBody != "" {
		e.ReqBody = []byte(reqBody)
		e.ReqHeader.Set("Content-Type", "application/json")
	}
	if respBody != "" {
		e.RespBody = []byte(respBody)
		e.RespHeader.Set("Content-Type", "application/json; charset=utf-8")
	}
	return e
}

func TestRESTCheckCatchesDepartures(t *testing.T) {
	specs := openAPISpecs(t)
	sp := specs[0]
	invitation := `{"id":1,"node_id":"x","repository":` + minimalRepo + `,"invitee":null,"inviter":null,"permissions":"read","created_at":"2024-01-01T00:00:00Z","expired":false,"url":"u","html_url":"ih"}`
	cases := []struct {
		name string
		e    *exchange
		want []string // pointers that must be reported; none: must pass
	}{
		{"faithful", fakeExchange("PUT", "/repos/o/r/collaborators/u", 201, `{"permission":"pull"}`, invitation), nil},
		{"304 without a body", fakeExchange("GET", "/orgs/o/members?per_page=100", 304, "", ""), nil},
		{"undocumented operation", fakeExchange("GET", "/repos/o/r/no-such-thing", 200, "", `{}`), []string{"GET /repos/o/r/no-such-thing"}},
		{"undocumented method", fakeExchange("PATCH", "/users/u", 200, `{}`, `{}`), []string{"PATCH /users/u"}},
		{"undocumented status", fakeExchange("PUT", "/repos/o/r/collaborators/u", 418, `{"permission":"pull"}`, ""), []string{"/response/418"}},
		{"request body of the wrong type", fakeExchange("PUT", "/repos/o/r/collaborators/u", 204, `{"permission":5}`, ""), []string{"/request/body/permission"}},
		{"unknown query value", fakeExchange("GET", "/repos/o/r/collaborators?affiliation=nobody", 200, "", `[]`), []string{"/request/query/affiliation"}},
		{"response field of the wrong type", fakeExchange("PUT", "/repos/o/r/collaborators/u", 201, `{"permission":"pull"}`, strings.Replace(invitation, `"id":1`, `"id":"one"`, 1)), []string{"/response/201/body/id"}},
		{"required response field missing", fakeExchange("PUT", "/repos/o/r/collaborators/u", 201, `{"permission":"pull"}`, strings.Replace(invitation, `,"html_url":"ih"`, ``, 1)), []string{"/response/201/body/html_url"}},
		{"response enum value unknown", fakeExchange("PUT", "/repos/o/r/collaborators/u", 201, `{"permission":"pull"}`, strings.Replace(invitation, `"permissions":"read"`, `"permissions":"push"`, 1)), []string{"/response/201/body/permissions"}},
		{"response date not a date", fakeExchange("PUT", "/repos/o/r/collaborators/u", 201, `{"permission":"pull"}`, strings.Replace(invitation, `2024-01-01T00:00:00Z`, `yesterday`, 1)), []string{"/response/201/body/created_at"}},
	}
	vo := validatorOpts{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, fs := validateExchange(context.Background(), sp, vo, tc.e)
			got := map[string]bool{}
			for _, f := range fs {
				got[f.Pointer] = true
			}
			if len(tc.want) == 0 && len(fs) > 0 {
				for _, f := range fs {
					t.Errorf("reported %s: %s", f.Pointer, f.Message)
				}
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("not reported: %s (got %v)", w, fs)
				}
			}
		})
	}
}

// minimalRepo is a minimal-repository with its required fields.
const minimalRepo = `{"id":1,"node_id":"n","name":"r","full_name":"o/r","owner":` + simpleUser + `,"private":false,"html_url":"h","description":null,"fork":false,"url":"u",` +
	`"archive_url":"u","assignees_url":"u","blobs_url":"u","branches_url":"u","collaborators_url":"u","comments_url":"u","commits_url":"u","compare_url":"u","contents_url":"u","contributors_url":"u","deployments_url":"u","downloads_url":"u","events_url":"u","forks_url":"u","git_commits_url":"u","git_refs_url":"u","git_tags_url":"u","issue_comment_url":"u","issue_events_url":"u","issues_url":"u","keys_url":"u","labels_url":"u","languages_url":"u","merges_url":"u","milestones_url":"u","notifications_url":"u","pulls_url":"u","releases_url":"u","stargazers_url":"u","statuses_url":"u","subscribers_url":"u","subscription_url":"u","tags_url":"u","teams_url":"u","trees_url":"u","hooks_url":"u"}`

const simpleUser = `{"login":"o","id":1,"node_id":"n","avatar_url":"u","gravatar_id":null,"url":"u","html_url":"u","followers_url":"u","following_url":"u","gists_url":"u","starred_url":"u","subscriptions_url":"u","organizations_url":"u","repos_url":"u","events_url":"u","received_events_url":"u","type":"User","site_admin":false}`

func TestGraphQLCheckCatchesDepartures(t *testing.T) {
	schema, _ := graphQLSchema(t)
	q := ghapi.QueryUserGrant
	doc, errs := gqlparser.LoadQueryWithRules(schema, q, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	edge := func(perm, source string) string {
		return `{"data":{"repository":{"collaborators":{"edges":[{"permission":"` + perm + `","node":{"login":"u","databaseId":7},"permissionSources":[{"permission":"WRITE","roleName":"write","source":` + source + `}]}]}},"rateLimit":{"cost":1,"remaining":4999,"resetAt":"2024-01-01T00:00:00Z"}}}`
	}
	repoSrc := `{"__typename":"Repository","databaseId":1,"nameWithOwner":"o/r"}`
	cases := []struct {
		name, answer string
		want         []string
	}{
		{"faithful", edge("WRITE", repoSrc), nil},
		{"a field error nulls its field", `{"data":{"repository":null,"rateLimit":{"cost":1,"remaining":1,"resetAt":"2024-01-01T00:00:00Z"}},"errors":[{"message":"x","path":["repository"]}]}`, nil},
		{"enum value unknown", edge("PUSH", repoSrc), []string{"/data/repository/collaborators/edges/*/permission"}},
		{"non-null field null", edge("WRITE", `null`), []string{"/data/repository/collaborators/edges/*/permissionSources/*/source"}},
		{"typename outside the union", edge("WRITE", `{"__typename":"User","login":"u"}`), []string{"/data/repository/collaborators/edges/*/permissionSources/*/source/__typename"}},
		{"field of another fragment", edge("WRITE", `{"__typename":"Team","slug":"t","login":"x"}`), []string{"/data/repository/collaborators/edges/*/permissionSources/*/source/login"}},
		{"field missing", strings.Replace(edge("WRITE", repoSrc), `"roleName":"write",`, "", 1), []string{"/data/repository/collaborators/edges/*/permissionSources/*/roleName"}},
		{"scalar of the wrong type", strings.Replace(edge("WRITE", repoSrc), `"cost":1`, `"cost":"1"`, 1), []string{"/data/rateLimit/cost"}},
		{"date not a date", strings.Replace(edge("WRITE", repoSrc), `2024-01-01T00:00:00Z`, `soon`, 1), []string{"/data/rateLimit/resetAt"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := checkAnswer(schema, doc, doc.Operations[0], []byte(tc.answer))
			got := map[string]bool{}
			for _, f := range fs {
				got[f.Pointer] = true
			}
			if len(tc.want) == 0 {
				for _, f := range fs {
					t.Errorf("reported %s: %s", f.Pointer, f.Message)
				}
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("not reported: %s (got %v)", w, fs)
				}
			}
		})
	}
}
