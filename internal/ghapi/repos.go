package ghapi

import (
	"context"
	"sort"
	"strings"
)

// RepoSummary is a repository as an org's listing names it.
type RepoSummary struct {
	Name     string
	Archived bool
	Private  bool
}

// ListRepos lists an org's repositories by name (GET /orgs/{org}/repos, 100
// a page): cheap, and answered 304 from the cache when nothing changed. It
// lets a caller leave repositories out of ReadOrg (ignore_repos: never
// read) without reading them first.
func (c *Client) ListRepos(ctx context.Context, org string) ([]RepoSummary, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return nil, err
	}
	type restRepo struct {
		Name     string `json:"name"`
		Archived bool   `json:"archived"`
		Private  bool   `json:"private"`
	}
	list, err := listAll[restRepo](ctx, cn, "orgs/"+pathSeg(org)+"/repos?type=all&sort=full_name")
	if err != nil {
		return nil, err
	}
	out := make([]RepoSummary, 0, len(list))
	for _, r := range list {
		if r.Name == "" {
			continue
		}
		out = append(out, RepoSummary(r))
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}
