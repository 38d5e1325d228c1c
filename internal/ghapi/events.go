package ghapi

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Activity is who acted on a repository recently, as its events show.
type Activity struct {
	// Last maps a lower-case login to the time of their latest event.
	Last map[string]time.Time
	// Since is how far back the events reach: the oldest event read when
	// the page was full (older activity is not visible), else the events
	// API's own horizon (90 days before now).
	Since time.Time
}

// EventsHorizon is how far back GitHub's events API reaches.
const EventsHorizon = 90 * 24 * time.Hour

// RepoActivity reads one page (100 events, newest first) of a repository's
// events: one request per repository, answered 304 from the cache when
// nothing happened since the last audit.
func (c *Client) RepoActivity(ctx context.Context, org, repo string) (Activity, error) {
	cn, err := c.auth.conn(ctx, org)
	if err != nil {
		return Activity{}, err
	}
	var events []struct {
		Actor struct {
			Login string `json:"login"`
		} `json:"actor"`
		CreatedAt time.Time `json:"created_at"`
	}
	if _, err := cn.do(ctx, http.MethodGet, repoPath(org, repo)+"/events?per_page=100", nil, &events); err != nil {
		return Activity{}, err
	}
	act := Activity{Last: map[string]time.Time{}, Since: c.now().Add(-EventsHorizon)}
	for _, e := range events {
		k := strings.ToLower(e.Actor.Login)
		if k != "" && e.CreatedAt.After(act.Last[k]) {
			act.Last[k] = e.CreatedAt
		}
	}
	if len(events) == 100 {
		oldest := events[len(events)-1].CreatedAt
		for _, e := range events {
			if e.CreatedAt.Before(oldest) {
				oldest = e.CreatedAt
			}
		}
		if oldest.After(act.Since) {
			act.Since = oldest
		}
	}
	return act, nil
}
