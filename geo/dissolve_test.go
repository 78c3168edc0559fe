package geo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/uber/h3-go/v4"
)

// blob returns the cells within k of the cell at (lat, lng), each interior
// cell dropped with probability drop (holes, and with a large drop several
// pieces), in a shuffled order.
func blob(t *testing.T, lat, lng float64, res, k int, drop float64, rng *rand.Rand) []h3.Cell {
	t.Helper()
	c, err := h3.LatLngToCell(h3.NewLatLng(lat, lng), res)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := c.GridDisk(k)
	if err != nil {
		t.Fatal(err)
	}
	var out []h3.Cell
	for _, d := range disk {
		dist, err := c.GridDistance(d)
		if err != nil {
			t.Fatal(err)
		}
		if dist < k-1 && rng.Float64() < drop {
			continue
		}
		out = append(out, d)
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// sameRings compares dissolve's polygons with h3's, ring by ring and
// vertex by vertex, exactly.
func sameRings(t *testing.T, name string, got, want []h3.GeoPolygon) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d polygons, h3 has %d", name, len(got), len(want))
	}
	for p := range want {
		if !slices.Equal(got[p].GeoLoop, want[p].GeoLoop) {
			t.Fatalf("%s: polygon %d outer ring differs from h3's (%d vs %d vertices)", name, p, len(got[p].GeoLoop), len(want[p].GeoLoop))
		}
		if len(got[p].Holes) != len(want[p].Holes) {
			t.Fatalf("%s: polygon %d has %d holes, h3's %d", name, p, len(got[p].Holes), len(want[p].Holes))
		}
		for h := range want[p].Holes {
			if !slices.Equal(got[p].Holes[h], want[p].Holes[h]) {
				t.Fatalf("%s: polygon %d hole %d differs from h3's", name, p, h)
			}
		}
	}
}

// TestDissolveIsH3s checks that dissolve returns h3's rings, first
// vertices and order exactly, without asking h3, on sets with holes, with
// several pieces, at every study resolution, in all four hemispheres, on
// an icosahedron face edge and around a pentagon.
func TestDissolveIsH3s(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	pent, err := h3.Pentagons(9)
	if err != nil {
		t.Fatal(err)
	}
	pll, _ := pent[3].LatLng()
	type place struct {
		name     string
		lat, lng float64
	}
	places := []place{
		{"Porto Alegre", -30.05, -51.2}, {"Andorra", 42.54, 1.52}, {"Malta", 35.9, 14.5},
		{"Shenzhen", 22.55, 114.06}, {"Porto", 41.15, -8.61}, {"Anchorage", 61.2, -149.9},
		{"face edge", 48.8, 10.7}, {"pentagon", pll.Lat, pll.Lng},
	}
	holes := 0
	for _, pl := range places {
		for res := MinRes; res <= MaxRes; res++ {
			for _, drop := range []float64{0, 0.03, 0.15} {
				cells := blob(t, pl.lat, pl.lng, res, 14, drop, rng)
				name := fmt.Sprintf("%s res %d drop %g (%d cells)", pl.name, res, drop, len(cells))
				want, err := h3.CellsToMultiPolygon(cells)
				if err != nil {
					t.Fatal(err)
				}
				got, ok := dissolve(cells)
				if !ok {
					if len(want) > 1 && len(want[0].Holes)+len(want[1].Holes) > 0 {
						continue // holes among several outer rings: h3's own search
					}
					t.Fatalf("%s: dissolve left it to h3", name)
				}
				sameRings(t, name, got, want)
				for _, p := range want {
					holes += len(p.Holes)
				}
			}
		}
	}
	if holes < 100 {
		t.Fatalf("only %d holes checked", holes)
	}
	// two pieces apart, no holes: polygons in h3's order
	a := blob(t, 41.15, -8.61, 9, 5, 0, rng)
	b := blob(t, 41.25, -8.5, 9, 7, 0, rng)
	cells := append(a, b...)
	want, _ := h3.CellsToMultiPolygon(cells)
	got, ok := dissolve(cells)
	if !ok || len(want) != 2 {
		t.Fatalf("two pieces: ok %v, h3 gives %d polygons", ok, len(want))
	}
	sameRings(t, "two pieces", got, want)
}

// TestCellsToMultiPolygonFallsBack checks the sets dissolve leaves to h3
// (holes in several pieces) still come out as h3 makes them.
func TestCellsToMultiPolygonFallsBack(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	a := blob(t, 41.15, -8.61, 9, 6, 0.1, rng)
	b := blob(t, 41.3, -8.4, 9, 6, 0.1, rng)
	cells := append(a, b...)
	want, err := h3.CellsToMultiPolygon(cells)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dissolve(cells); ok {
		t.Fatal("dissolve took holes among several pieces on itself")
	}
	mp, err := CellsToMultiPolygon(cells)
	if err != nil {
		t.Fatal(err)
	}
	if len(mp) != len(want) || len(mp[0]) != 1+len(want[0].Holes) {
		t.Fatalf("fallback: %d polygons, h3 %d", len(mp), len(want))
	}
}

// BenchmarkDissolve dissolves a 91,000-cell disk with 3 % of its cells
// missing (about 2,700 holes), as a large coverage gap is.
func BenchmarkDissolve(b *testing.B) {
	t := &testing.T{}
	cells := blob(t, 41.15, -8.61, 9, 174, 0.03, rand.New(rand.NewPCG(5, 6)))
	b.Run("go", func(b *testing.B) {
		for range b.N {
			if _, ok := dissolve(cells); !ok {
				b.Fatal("left to h3")
			}
		}
	})
	b.Run("h3", func(b *testing.B) {
		for range b.N {
			if _, err := h3.CellsToMultiPolygon(cells); err != nil {
				b.Fatal(err)
			}
		}
	})
}
