package ghapi

import (
	"context"
	"net/http"
	"strconv"
)

// Accounts, not logins: a pinned entry names an account by id, and its
// login may have been renamed, then registered again by someone else.

// AccountByLogin returns the id of the account holding login and GitHub's
// spelling of it (GET /users/{login}); id 0 when no account has it. org
// names the installation to ask through ("": any already used).
func (c *Client) AccountByLogin(ctx context.Context, org, login string) (id int64, canonical string, err error) {
	var u struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
		Type  string `json:"type"`
	}
	found, err := c.getAccount(ctx, org, "users/"+pathSeg(login), &u)
	if err != nil || !found || u.Type == "Organization" {
		return 0, "", err
	}
	return u.ID, u.Login, nil
}

// AccountByID returns the login the account has now (GET /user/{id}); ""
// when the account no longer exists.
func (c *Client) AccountByID(ctx context.Context, org string, id int64) (string, error) {
	var u struct {
		Login string `json:"login"`
		ID    int64  `json:"id"`
	}
	found, err := c.getAccount(ctx, org, "user/"+strconv.FormatInt(id, 10), &u)
	if err != nil || !found || u.ID != id {
		return "", err
	}
	return u.Login, nil
}

func (c *Client) getAccount(ctx context.Context, org, path string, out any) (bool, error) {
	cn, err := c.anyConn(ctx)
	if org != "" {
		cn, err = c.auth.conn(ctx, org)
	}
	if err != nil {
		return false, err
	}
	if _, err := cn.do(ctx, http.MethodGet, path, nil, out); err != nil {
		if KindOf(err) == KindNotFound {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
