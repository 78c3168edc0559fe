package siting

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortRowKeys: the key sort orders a row as the comparison sort does
// (time, then cell), with ties in time, zeros, and a negative zero.
func TestSortRowKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var keys []uint64
	for trial := 0; trial < 200; trial++ {
		r := make([]Entry, rng.IntN(300))
		for i := range r {
			r[i] = Entry{Cell: uint32(rng.IntN(1000)), Seconds: Seconds(rng.IntN(50)) * 0.5}
		}
		if trial%7 == 3 && len(r) > 0 {
			r[rng.IntN(len(r))].Seconds = Seconds(math.Copysign(0, -1))
		}
		want := slices.Clone(r)
		slices.SortFunc(want, func(a, b Entry) int {
			if c := cmp.Compare(a.Seconds, b.Seconds); c != 0 {
				return c
			}
			return cmp.Compare(a.Cell, b.Cell)
		})
		keys = sortRowKeys(r, keys)
		for i := range r {
			if r[i].Cell != want[i].Cell || math.Float32bits(float32(r[i].Seconds)) != math.Float32bits(float32(want[i].Seconds)) {
				t.Fatalf("trial %d: entry %d = %+v, want %+v", trial, i, r[i], want[i])
			}
		}
	}
}
