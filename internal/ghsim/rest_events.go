package ghsim

import (
	"net/http"
	"strconv"
	"time"
)

// Repository events, as GitHub's events API serves them: newest first, only
// the last 90 days, at most 300 events (GitHub's documented limits), in
// pages of up to 100.

type event struct {
	id      int64
	typ     string
	actor   *user
	created time.Time
}

// Events API limits (GitHub's REST docs, "List repository events").
const (
	eventsWindow = 90 * 24 * time.Hour
	eventsMax    = 300
)

// AddEvent records an event by actor (a user) on a repository at a time;
// typ is GitHub's event type, e.g. PushEvent or PullRequestEvent.
func (s *Server) AddEvent(org, repoName, actor, typ string, at time.Time) {
	defer s.lock()()
	r := s.st.mustRepo(org, repoName)
	r.events = append(r.events, &event{id: s.st.id(), typ: typ, actor: s.st.mustUser(actor), created: at})
	r.updated = at
}

func hRepoEvents(c *ctx, r *repo) {
	var list []*event
	for i := len(r.events) - 1; i >= 0 && len(list) < eventsMax; i-- {
		if e := r.events[i]; c.now.Sub(e.created) <= eventsWindow {
			list = append(list, e)
		}
	}
	c.json(http.StatusOK, paged(c, list, func(e *event) any {
		return map[string]any{
			"id": strconv.FormatInt(e.id, 10), "type": e.typ, "public": !r.private, "created_at": ts(e.created),
			"actor": map[string]any{"id": e.actor.id, "login": e.actor.login, "display_login": e.actor.login,
				"gravatar_id": "", "url": c.base() + "/users/" + e.actor.login, "avatar_url": c.userJSON(e.actor).AvatarURL},
			"repo":    map[string]any{"id": r.id, "name": r.fullName(), "url": c.base() + "/repos/" + r.fullName()},
			"payload": map[string]any{},
		}
	}))
}
