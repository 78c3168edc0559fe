package route

import (
	"math"
	"math/bits"
)

// radixHeap is a monotone priority queue (Ahuja, Mehlhorn, Orlin and Tarjan
// 1990) over non-negative float64 times, keyed by their IEEE-754 bits, which
// order like the values for non-negative numbers. Dijkstra never pushes a
// time below the last one popped, which is all a radix heap asks; in return
// a push is O(1) and an element moves down at most 64 buckets in its life.
// Bucket i holds the entries whose key first differs from last at bit i-1
// (bucket 0: equal to last).
type radixHeap struct {
	last    uint64
	size    int
	buckets [65][]item
}

func (h *radixHeap) reset() {
	for i := range h.buckets {
		h.buckets[i] = h.buckets[i][:0]
	}
	h.last, h.size = 0, 0
}

func (h *radixHeap) bucket(key uint64) int { return bits.Len64(key ^ h.last) }

func (h *radixHeap) push(it item) {
	b := h.bucket(math.Float64bits(float64(it.t)))
	h.buckets[b] = append(h.buckets[b], it)
	h.size++
}

// min returns an entry of least time without removing it; the queue must not
// be empty. It may redistribute a bucket to bring the least entries to bucket 0.
func (h *radixHeap) min() item {
	if len(h.buckets[0]) == 0 {
		i := 1
		for len(h.buckets[i]) == 0 {
			i++
		}
		src := h.buckets[i]
		least := math.Float64bits(float64(src[0].t))
		for _, it := range src[1:] {
			least = min(least, math.Float64bits(float64(it.t)))
		}
		h.last = least
		for _, it := range src {
			b := h.bucket(math.Float64bits(float64(it.t)))
			h.buckets[b] = append(h.buckets[b], it)
		}
		h.buckets[i] = src[:0]
	}
	return h.buckets[0][len(h.buckets[0])-1]
}

// pop removes the entry min returned.
func (h *radixHeap) pop() {
	h.buckets[0] = h.buckets[0][:len(h.buckets[0])-1]
	h.size--
}
