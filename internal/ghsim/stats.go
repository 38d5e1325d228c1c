package ghsim

import (
	"maps"
	"sync"
)

// Stats are counters since the server started or since ResetStats.
type Stats struct {
	Requests    int64            `json:"requests"`
	ByRoute     map[string]int64 `json:"by_route"` // "GET /repos/{owner}/{repo}"
	ByStatus    map[int]int64    `json:"by_status"`
	NotModified int64            `json:"not_modified"`
	// PrimaryCost is what the primary limits were charged: 1 per REST
	// request not answered 304, the computed cost per GraphQL query.
	PrimaryCost      int64 `json:"primary_cost"`
	GraphQLQueries   int64 `json:"graphql_queries"`
	GraphQLMutations int64 `json:"graphql_mutations"`
	MaxInFlight      int64 `json:"max_in_flight"`
	// SecondaryLimited counts every secondary-limit answer, injected or enforced.
	SecondaryLimited int64 `json:"secondary_limited"`
	// PrimaryLimited counts answers for an exhausted primary limit.
	PrimaryLimited int64 `json:"primary_limited"`
	// PeakPointsPerMinute is the highest secondary-limit points any one
	// caller spent within a minute (REST and GraphQL counted apart).
	PeakPointsPerMinute int64 `json:"peak_points_per_minute"`
	InjectedFaults      int64 `json:"injected_faults"`
}

type statsCollector struct {
	mu sync.Mutex
	s  Stats
}

func newStatsCollector() *statsCollector {
	return &statsCollector{s: Stats{ByRoute: map[string]int64{}, ByStatus: map[int]int64{}}}
}

func (c *statsCollector) update(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.s)
}

func (c *statsCollector) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.s
	out.ByRoute = maps.Clone(c.s.ByRoute)
	out.ByStatus = maps.Clone(c.s.ByStatus)
	return out
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.stats.update(func(st *Stats) {
		*st = Stats{ByRoute: map[string]int64{}, ByStatus: map[int]int64{}}
	})
}
