package audit

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/config"
	"github.com/AcademySoftwareFoundation/permsync/internal/state"
)

func TestNotPinnedFindingsCountPerRepository(t *testing.T) {
	cfg, ds := config.Load(fstest.MapFS{
		"acme/a.yaml": {Data: []byte("write:\n  users: [bob, {login: alice, id: 1}]\nread:\n  users:\n    - carol\n")},
		"acme/b.yaml": {Data: []byte("write:\n  users: [{login: alice, id: 1}]\n")},
	}, "permissions")
	require.False(t, ds.HasErrors(), "%v", ds)
	got := NotPinnedFindings(cfg.Orgs[0])
	require.Len(t, got, 1)
	require.Equal(t, "a", got[0].Repo)
	require.Equal(t, Low, got[0].Severity)
	require.Equal(t, "2 user entries are plain logins, not pinned to accounts (line 2, 5)", got[0].Message)
}

func TestNonHumanAccessFlagsUntrustedAdministrationWrite(t *testing.T) {
	a := &state.Org{Name: "acme",
		Installations: []state.Installation{
			{AppSlug: "permsync-writer", AppID: 10, Permissions: map[string]string{"administration": "write", "metadata": "read"}, RepositorySelection: "all"},
			{AppSlug: "shady", AppID: 11, Permissions: map[string]string{"administration": "write"}, RepositorySelection: "selected"},
			{AppSlug: "ci", AppID: 12, Permissions: map[string]string{"checks": "write"}, RepositorySelection: "all"},
		},
		Repos: []*state.Repo{{Name: "w", DeployKeys: []state.DeployKey{{ID: 1, Title: "deploy", ReadOnly: false}, {ID: 2, Title: "mirror", ReadOnly: true}}}}}
	got := NonHumanAccess(a, &config.Org{Name: "acme", Policy: config.Policy{TrustedApps: []int64{10}}})
	flags := map[string]string{}
	for _, n := range got {
		flags[n.Kind+":"+n.Name] = n.Flag
	}
	require.Equal(t, map[string]string{
		"app:ci": "", "app:permsync-writer": "",
		"app:shady":         "Administration: write, and App id 11 is not in trusted_apps",
		"deploy_key:deploy": "a write deploy key can push", "deploy_key:mirror": "",
	}, flags)
}
