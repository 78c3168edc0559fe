package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
)

func TestHaversine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b orb.Point
		want float64 // metres
		tol  float64
	}{
		{"same point", orb.Point{14.5, 35.9}, orb.Point{14.5, 35.9}, 0, 0},
		// One degree of latitude on the R = 6371008.8 m sphere: R·π/180.
		{"one degree of latitude", orb.Point{0, 0}, orb.Point{0, 1}, 6371008.8 * math.Pi / 180, 1e-6},
		// Antipodes: half the circumference (the min(1, √h) clamp matters here).
		{"antipodes", orb.Point{0, 0}, orb.Point{180, 0}, 6371008.8 * math.Pi, 1e-6},
		// First edge of the contract fixture: nodes 11 -> 12 at 20 km/h is 7.974380062295478 s.
		{"contract edge 11-12", orb.Point{10.0, 50.001}, orb.Point{10.0006, 50.0011}, 7.974380062295478 * 20 / 3.6, 1e-9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := geo.Haversine(tt.a, tt.b); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("Haversine(%v, %v) = %.9f, want %.9f", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestLocalProjectionAgreesWithHaversine(t *testing.T) {
	t.Parallel()
	a := orb.Point{14.51, 35.89}
	b := orb.Point{14.515, 35.893}
	lp := geo.NewLocalProjection(a[1])
	ax, ay := lp.Project(a)
	bx, by := lp.Project(b)
	planar := math.Hypot(bx-ax, by-ay)
	sphere := geo.Haversine(a, b)
	if rel := math.Abs(planar-sphere) / sphere; rel > 1e-3 {
		t.Errorf("planar %.3f m vs haversine %.3f m: relative difference %.2g, want < 1e-3", planar, sphere, rel)
	}
}
