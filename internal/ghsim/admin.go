package ghsim

import (
	"encoding/json"
	"net/http"
)

// serveAdmin is the simulator's own control surface under /_ghsim/ (not
// part of GitHub's API): GET /_ghsim/stats, POST /_ghsim/stats/reset.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/_ghsim/stats" && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(s.Stats())
	case r.URL.Path == "/_ghsim/stats/reset" && r.Method == http.MethodPost:
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Not Found"}`))
	}
}
