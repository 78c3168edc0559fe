package minheap

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHeapSorts: popping everything gives the keys in order, interleaved
// pushes and pops included, against a sorted-slice model.
func TestHeapSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var h Heap[int]
	var model []float64
	for step := 0; step < 20000; step++ {
		if h.Len() == 0 || rng.IntN(3) > 0 {
			k := float64(rng.IntN(1000)) / 7
			h.Push(k, step)
			model = append(model, k)
			continue
		}
		slices.Sort(model)
		it := h.Pop()
		if it.Key != model[0] {
			t.Fatalf("step %d: popped %v, want %v", step, it.Key, model[0])
		}
		model = model[1:]
	}
	if h.Len() != len(model) {
		t.Fatalf("%d left, model %d", h.Len(), len(model))
	}
}

func TestPushDoesNotAllocate(t *testing.T) {
	h := make(Heap[int32], 0, 1024)
	if n := testing.AllocsPerRun(100, func() {
		for i := 0; i < 512; i++ {
			h.Push(float64(i%17), int32(i))
		}
		for h.Len() > 0 {
			h.Pop()
		}
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
