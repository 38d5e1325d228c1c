package ghsim_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
)

func Example() {
	srv := ghsim.NewServer()
	defer srv.Close()
	srv.AddOrg("acme", ghsim.OrgOptions{BaseRole: ghsim.RoleRead})
	srv.AddMember("acme", "alice", false)
	srv.AddRepo("acme", "widgets", ghsim.RepoOptions{})
	appID := srv.AddApp(ghsim.AppOptions{Slug: "permsync",
		Permissions: ghsim.Permissions{"administration": "write", "members": "read"}})
	tok := srv.InstallationToken(srv.Install(appID, "acme", nil), nil)

	req, _ := http.NewRequest("PUT", srv.URL()+"repos/acme/widgets/collaborators/alice",
		strings.NewReader(`{"permission":"maintain"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()

	fmt.Println(res.StatusCode, srv.Collaborators("acme", "widgets")["alice"])
	fmt.Println(srv.Stats().ByRoute["PUT /repos/{owner}/{repo}/collaborators/{username}"])
	// Output:
	// 204 maintain
	// 1
}
