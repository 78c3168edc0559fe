package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestCellLocatorMatchesCellOf: the locator gives CellOf's cell for every
// point of random walks (steps of a fraction of a cell, so most points
// fall in the remembered cell and many cross its sides) at resolutions 5
// to 12, over every latitude (the poles and the antimeridian included),
// and it answers most of them without H3.
func TestCellLocatorMatchesCellOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for res := 5; res <= 12; res++ {
		l := NewCellLocator(res)
		edgeDeg := 10.0 / math.Pow(math.Sqrt(7), float64(res)) // about a cell's width in degrees
		hits, n := 0, 0
		for walk := 0; walk < 60; walk++ {
			p := orb.Point{rng.Float64()*360 - 180, rng.Float64()*180 - 90}
			switch walk {
			case 0:
				p = orb.Point{179.99, 10} // across the antimeridian
			case 1:
				p = orb.Point{30, 89.9} // at a pole
			case 2, 3:
				p = orb.Point{-40, 74.5} // the highest latitudes remembered, in both hemispheres
				if walk == 3 {
					p[1] = -74.5
				}
			}
			for step := 0; step < 2000; step++ {
				p[0] += (rng.Float64() - 0.5) * edgeDeg * 0.6
				p[1] += (rng.Float64() - 0.5) * edgeDeg * 0.6
				if p[0] > 180 {
					p[0] -= 360
				} else if p[0] < -180 {
					p[0] += 360
				}
				p[1] = max(-90, min(90, p[1]))
				want, err := CellOf(p, res)
				if err != nil {
					t.Fatal(err)
				}
				inDisk := false
				for i := 0; i < l.seen; i++ {
					inDisk = inDisk || l.hex[i].holds(p)
				}
				got, err := l.CellOf(p)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("res %d: %v: locator %s, CellOf %s", res, p, got, want)
				}
				if inDisk {
					hits++
				}
				n++
			}
		}
		if hits < n/3 {
			t.Errorf("res %d: %d of %d points answered without H3: the walk does not test it", res, hits, n)
		}
	}
	if _, err := NewCellLocator(9).CellOf(orb.Point{math.NaN(), 0}); err == nil {
		t.Error("NaN point: no error")
	}
}
