package route

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// TestRestrictHeapMatchesBits: the restricted part of the hierarchy is the
// same set whether it is found with a heap (few targets) or a bit per core
// node (many), and it is closed: every down edge into a kept position comes
// from a kept position.
func TestRestrictHeapMatchesBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 27))
	for trial := 0; trial < 40; trial++ {
		g := graphtest.Random(t, rng, 30+rng.IntN(300), true)
		h := g.Hierarchy()
		nc := g.NumCore()
		start := make([]uint32, 1+rng.IntN(8))
		for i := range start {
			start[i] = uint32(rng.IntN(nc))
		}
		byHeap := restrictBy(h, start, false)
		byBits := restrictBy(h, start, true)
		if !slices.Equal(byHeap, byBits) {
			t.Fatalf("trial %d: heap %v, bits %v", trial, byHeap, byBits)
		}
		if !slices.IsSorted(byHeap) || len(slices.Compact(slices.Clone(byHeap))) != len(byHeap) {
			t.Fatalf("trial %d: not ascending and unique: %v", trial, byHeap)
		}
		dnOff, dnSrc, _ := h.Down()
		for _, p := range start {
			if _, ok := slices.BinarySearch(byHeap, p); !ok {
				t.Fatalf("trial %d: start %d left out", trial, p)
			}
		}
		for _, p := range byHeap {
			for e := dnOff[p]; e < dnOff[p+1]; e++ {
				if _, ok := slices.BinarySearch(byHeap, dnSrc[e]); !ok {
					t.Fatalf("trial %d: down edge %d -> %d leaves the set", trial, dnSrc[e], p)
				}
			}
		}
	}
}

// TestRankerMatchesSearch: the ranker kept for large restricted sets gives
// every position the index a binary search over the set gives, and tells
// kept positions from the others.
func TestRankerMatchesSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 28))
	for trial := 0; trial < 20; trial++ {
		n := 1 + rng.IntN(5000)
		var pos []uint32
		for p := range n {
			if rng.IntN(1+trial%4) == 0 {
				pos = append(pos, uint32(p))
			}
		}
		r := newRanker(pos, n)
		for p := range uint32(n) {
			wi, wok := slices.BinarySearch(pos, p)
			gi, gok := r.rank(p)
			if gok != wok || (wok && int(gi) != wi) {
				t.Fatalf("trial %d position %d: ranker %d, %v; search %d, %v", trial, p, gi, gok, wi, wok)
			}
		}
	}
}
