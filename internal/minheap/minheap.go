// Package minheap is a binary min-heap of (key, value) items, typed so that
// a push does not allocate (container/heap boxes every item in an
// interface). The searches that need a plain priority queue share it.
package minheap

// Item is a value with its key.
type Item[V any] struct {
	Key float64
	Val V
}

// Heap is a min-heap by Key; the zero value is empty and ready to use.
type Heap[V any] []Item[V]

// Push adds v with key k.
func (h *Heap[V]) Push(k float64, v V) {
	*h = append(*h, Item[V]{k, v})
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p].Key <= a[i].Key {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

// Pop removes and returns the item of least key; the heap must not be
// empty.
func (h *Heap[V]) Pop() Item[V] {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a = a[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(a) && a[l].Key < a[m].Key {
			m = l
		}
		if r < len(a) && a[r].Key < a[m].Key {
			m = r
		}
		if m == i {
			break
		}
		a[m], a[i] = a[i], a[m]
		i = m
	}
	*h = a
	return top
}

// Len is the number of items.
func (h Heap[V]) Len() int { return len(h) }
