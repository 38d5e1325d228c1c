package ghsim

import (
	"sync"
	"time"
)

// limiter holds the primary (hourly) buckets and the per-minute windows of
// the documented secondary limits.
type limiter struct {
	mu      sync.Mutex
	clock   *Clock
	buckets map[string]*bucket
	points  map[string]*window // secondary points per identity and resource
	creates map[string]*window // content-creating requests per identity
}

type bucket struct {
	limit int
	used  int
	reset time.Time
}

// RateSnapshot is one primary bucket as the x-ratelimit-* headers show it.
type RateSnapshot struct {
	Limit     int
	Remaining int
	Used      int
	Reset     time.Time
	Resource  string
}

func newLimiter(c *Clock) *limiter {
	return &limiter{clock: c, buckets: map[string]*bucket{}, points: map[string]*window{}, creates: map[string]*window{}}
}

func (l *limiter) bucketLocked(key, resource string, limit int) *bucket {
	now := l.clock.Now()
	k := key + "|" + resource
	b := l.buckets[k]
	if b == nil {
		b = &bucket{limit: limit, reset: now.Add(time.Hour)}
		l.buckets[k] = b
	}
	if !now.Before(b.reset) {
		b.used = 0
		b.reset = now.Add(time.Hour)
	}
	return b
}

func snap(b *bucket, resource string) RateSnapshot {
	return RateSnapshot{Limit: b.limit, Remaining: max(b.limit-b.used, 0), Used: b.used, Reset: b.reset, Resource: resource}
}

// take spends cost points; it fails (spending nothing) when the bucket
// cannot pay. A cost of 0 only reads the bucket.
func (l *limiter) take(key, resource string, limit, cost int) (RateSnapshot, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(key, resource, limit)
	if cost > 0 && b.used+cost > b.limit {
		return snap(b, resource), false
	}
	b.used += cost
	return snap(b, resource), true
}

func (l *limiter) refund(key, resource string, limit, cost int) RateSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(key, resource, limit)
	b.used = max(b.used-cost, 0)
	return snap(b, resource)
}

func (l *limiter) peek(key, resource string, limit int) RateSnapshot {
	l.mu.Lock()
	defer l.mu.Unlock()
	return snap(l.bucketLocked(key, resource, limit), resource)
}

func (l *limiter) setRemaining(key, resource string, limit, remaining int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucketLocked(key, resource, limit)
	b.used = max(b.limit-remaining, 0)
}

// window counts points per second over the last minute.
type window struct {
	sec [60]int64
	pts [60]int
}

func (w *window) sum(now int64) int {
	n := 0
	for i := range w.sec {
		if w.sec[i] > now-60 {
			n += w.pts[i]
		}
	}
	return n
}

func (w *window) add(now int64, p int) {
	i := now % 60
	if w.sec[i] != now {
		w.sec[i] = now
		w.pts[i] = 0
	}
	w.pts[i] += p
}

// retryAfter is the seconds until the oldest points leave the window.
func (w *window) retryAfter(now int64) int {
	oldest := now
	for i := range w.sec {
		if w.sec[i] > now-60 && w.pts[i] > 0 && w.sec[i] < oldest {
			oldest = w.sec[i]
		}
	}
	return int(oldest + 60 - now)
}

// spend records points for identity key; it reports the per-minute total
// after spending and, when enforce and the total would pass max, refuses
// with the seconds to wait.
func (l *limiter) spend(m map[string]*window, key string, pts, maxPts int, enforce bool) (total int, retry int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := m[key]
	if w == nil {
		w = &window{}
		m[key] = w
	}
	now := l.clock.Now().Unix()
	cur := w.sum(now)
	if enforce && cur+pts > maxPts {
		return cur, max(w.retryAfter(now), 1), false
	}
	w.add(now, pts)
	return cur + pts, 0, true
}

func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = map[string]*bucket{}
	l.points = map[string]*window{}
	l.creates = map[string]*window{}
}
