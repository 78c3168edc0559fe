package route

import (
	"math"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// bucketQueue is a monotone priority queue for Dijkstra (Dial 1969, with
// exact order kept inside each bucket): times are bucketed by bucketWidth
// seconds on a ring of ringSize buckets; the least entry of the lowest
// non-empty bucket is found by a scan of that bucket, which holds a handful
// of entries on a road network. Entries beyond the ring's span wait in an
// overflow list until the ring empties. A push must not be below the last
// popped time, which Dijkstra guarantees.
type bucketQueue struct {
	ring     [ringSize][]item
	cur      int64 // absolute number of the lowest bucket that may hold entries
	inRing   int
	overflow []item
	size     int
	minAt    int // index in ring[cur] of the entry min returned
}

const (
	bucketWidth = 0.25 // seconds
	ringSize    = 8192 // buckets: a span of 2,048 s, more than any road edge
	ringMask    = ringSize - 1
)

func (q *bucketQueue) reset() {
	if q.inRing > 0 {
		for i := range q.ring {
			q.ring[i] = q.ring[i][:0]
		}
	}
	q.overflow = q.overflow[:0]
	q.cur, q.inRing, q.size = 0, 0, 0
}

func bucketOf(t graph.Seconds) int64 { return int64(math.Floor(float64(t) / bucketWidth)) }

func (q *bucketQueue) push(it item) {
	q.size++
	b := bucketOf(it.t)
	if q.inRing == 0 && len(q.overflow) == 0 {
		q.cur = b // an empty queue starts where its first entry is
	}
	if b < q.cur {
		b = q.cur // rounding at a bucket edge: the entry is not below the last popped
	}
	if b-q.cur >= ringSize {
		q.overflow = append(q.overflow, it)
		return
	}
	k := b & ringMask
	q.ring[k] = append(q.ring[k], it)
	q.inRing++
}

// min returns an entry of least time without removing it; the queue must
// not be empty.
func (q *bucketQueue) min() item {
	if q.inRing == 0 {
		q.refill()
	}
	for {
		bk := q.ring[q.cur&ringMask]
		if len(bk) > 0 {
			m := 0
			for i := 1; i < len(bk); i++ {
				if bk[i].t < bk[m].t {
					m = i
				}
			}
			q.minAt = m
			return bk[m]
		}
		q.cur++
	}
}

// refill moves the ring to the least overflow entry and brings in the
// overflow entries that now fit.
func (q *bucketQueue) refill() {
	least := bucketOf(q.overflow[0].t)
	for _, it := range q.overflow[1:] {
		least = min(least, bucketOf(it.t))
	}
	q.cur = least
	rest := q.overflow[:0]
	for _, it := range q.overflow {
		if b := bucketOf(it.t); b-q.cur < ringSize {
			k := b & ringMask
			q.ring[k] = append(q.ring[k], it)
			q.inRing++
		} else {
			rest = append(rest, it)
		}
	}
	q.overflow = rest
}

// pop removes the entry min returned.
func (q *bucketQueue) pop() {
	k := q.cur & ringMask
	bk := q.ring[k]
	last := len(bk) - 1
	bk[q.minAt] = bk[last]
	q.ring[k] = bk[:last]
	q.inRing--
	q.size--
}
