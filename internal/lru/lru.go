// Package lru is a size-bounded least-recently-used cache, safe for
// concurrent use. The server keeps rendered vector tiles in one.
package lru

import (
	"container/list"
	"sync"
)

// Cache maps keys to values, evicting the least recently used entries once
// the sum of the entries' sizes exceeds its capacity.
type Cache[K comparable, V any] struct {
	mu       sync.Mutex
	capacity int64
	size     int64
	order    *list.List // front: most recent; elements hold *entry[K, V]
	items    map[K]*list.Element
	hits     int64
	misses   int64
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	size int64
}

// New returns a cache holding at most capacity bytes (as the sizes given to
// Add count them). A capacity <= 0 caches nothing.
func New[K comparable, V any](capacity int64) *Cache[K, V] {
	return &Cache[K, V]{capacity: capacity, order: list.New(), items: map[K]*list.Element{}}
}

// Get returns the value of key and marks it the most recently used.
func (c *Cache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		c.hits++
		return el.Value.(*entry[K, V]).val, true
	}
	c.misses++
	var zero V
	return zero, false
}

// Add stores val under key with the given size (at least 1 is counted), and
// evicts the least recently used entries beyond the capacity. A value larger
// than the whole capacity is not stored.
func (c *Cache[K, V]) Add(key K, val V, size int64) {
	size = max(size, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*entry[K, V])
		c.size += size - e.size
		e.val, e.size = val, size
		c.order.MoveToFront(el)
	} else {
		if size > c.capacity {
			return
		}
		c.items[key] = c.order.PushFront(&entry[K, V]{key: key, val: val, size: size})
		c.size += size
	}
	for c.size > c.capacity {
		el := c.order.Back()
		e := el.Value.(*entry[K, V])
		c.order.Remove(el)
		delete(c.items, e.key)
		c.size -= e.size
	}
}

// Stats is a snapshot of the cache's counters.
type Stats struct {
	Entries      int
	Bytes        int64
	Hits, Misses int64
}

// Stats returns the entries, bytes held, hits and misses so far.
func (c *Cache[K, V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Entries: len(c.items), Bytes: c.size, Hits: c.hits, Misses: c.misses}
}
