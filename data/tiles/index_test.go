package tiles

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestGridQuery: the grid returns exactly the parts a brute-force scan
// finds, each once, for random parts and boxes (some outside the grid).
func TestGridQuery(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(*seed, 2))
	box := func(size float64) orb.Bound {
		x, y := rng.Float64()*1.2-0.1, rng.Float64()*1.2-0.1
		w, h := rng.Float64()*size, rng.Float64()*size
		return orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}
	}
	for _, n := range []int{0, 1, 7, 100, 5000} {
		bounds := make([]orb.Bound, n)
		for i := range bounds {
			size := 0.01
			if i%50 == 0 {
				size = 0.5 // a few large parts across many buckets
			}
			bounds[i] = box(size)
		}
		g := newGrid(bounds)
		for range 500 {
			q := box(0.2)
			got := g.query(q, nil)
			slices.Sort(got)
			var want []int32
			for i, b := range bounds {
				if b.Intersects(q) {
					want = append(want, int32(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d, %d parts: query(%v) = %v, want %v", *seed, n, q, got, want)
			}
		}
	}
}
