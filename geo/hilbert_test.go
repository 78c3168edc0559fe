package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/rescuegrid/rescuegrid/geo"
)

// Every cell of a small grid has its own index, the indices cover 0..4^k-1,
// and consecutive indices are neighbouring cells; HilbertCell inverts it.
func TestHilbertIndex(t *testing.T) {
	for order := uint(0); order <= 5; order++ {
		n := uint64(1) << order
		cells := make([][2]uint64, n*n)
		seen := make([]bool, n*n)
		for x := uint64(0); x < n; x++ {
			for y := uint64(0); y < n; y++ {
				d := geo.HilbertIndex(order, x, y)
				if d >= n*n || seen[d] {
					t.Fatalf("order %d: HilbertIndex(%d, %d) = %d, out of range or repeated", order, x, y, d)
				}
				seen[d], cells[d] = true, [2]uint64{x, y}
				if gx, gy := geo.HilbertCell(order, d); gx != x || gy != y {
					t.Fatalf("order %d: HilbertCell(%d) = %d, %d; want %d, %d", order, d, gx, gy, x, y)
				}
			}
		}
		for d := 1; d < len(cells); d++ {
			a, b := cells[d-1], cells[d]
			dx, dy := int64(a[0])-int64(b[0]), int64(a[1])-int64(b[1])
			if dx*dx+dy*dy != 1 {
				t.Fatalf("order %d: cells %d and %d (%v, %v) are not neighbours", order, d-1, d, a, b)
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 3))
	for i := 0; i < 1000; i++ { // the orders the graph (16) and PMTiles (up to 22) use
		order := uint(16 + rng.IntN(7))
		x, y := rng.Uint64N(1<<order), rng.Uint64N(1<<order)
		if gx, gy := geo.HilbertCell(order, geo.HilbertIndex(order, x, y)); gx != x || gy != y {
			t.Fatalf("order %d: round trip of (%d, %d) gave (%d, %d)", order, x, y, gx, gy)
		}
	}
}
