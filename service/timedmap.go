package service

// timed is a cached value with the clock time it was read from the store.
type timed[V any] struct {
	v      V
	filled int64
}

// timedMap is one of the cache's maps of values read from the store: the
// owners' grants, projects, exchange sources, clients and policies. Every
// one is read and filled the same way, under the cache's lock and rules.
type timedMap[K comparable, V any] map[K]timed[V]

// lookup returns m's value for k, when and whether it is fresh.
func lookup[K comparable, V any](c *cache, m *timedMap[K, V], k K) (V, int64, bool) {
	c.mu.RLock()
	e, ok := (*m)[k]
	c.mu.RUnlock()
	return e.v, e.filled, ok && c.fresh(e.filled)
}

// store puts v under k unless a change came since gen (the value may
// predate it); past the cache's bound the map starts empty again.
func store[K comparable, V any](c *cache, gen uint64, m *timedMap[K, V], k K, v V) {
	filled := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || c.ttl < 0 {
		return
	}
	if len(*m) >= c.max {
		*m = timedMap[K, V]{}
	}
	(*m)[k] = timed[V]{v: v, filled: filled}
}
