package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
)

// bruteNearest is the definition Nearest must agree with.
func bruteNearest(segs []geo.Segment, p orb.Point, maxM float64, accept func(int) bool) (int, float64) {
	best, bestD := -1, math.Inf(1)
	lp := geo.NewLocalProjection(p[1])
	px, py := lp.Project(p)
	for i, s := range segs {
		if accept != nil && !accept(i) {
			continue
		}
		ax, ay := lp.Project(s.A)
		bx, by := lp.Project(s.B)
		dx, dy := bx-ax, by-ay
		f := 0.0
		if l2 := dx*dx + dy*dy; l2 > 0 {
			f = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l2))
		}
		q := orb.Point{s.A[0] + f*(s.B[0]-s.A[0]), s.A[1] + f*(s.B[1]-s.A[1])}
		if d := geo.Haversine(p, q); d < bestD {
			best, bestD = i, d
		}
	}
	if bestD > maxM {
		return -1, bestD
	}
	return best, bestD
}

func TestSegmentIndexMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	// A random street-like network around Valletta: 2,000 segments of 10-400 m.
	segs := make([]geo.Segment, 2000)
	for i := range segs {
		a := orb.Point{14.40 + rng.Float64()*0.1, 35.85 + rng.Float64()*0.08}
		ang := rng.Float64() * 2 * math.Pi
		l := (10 + rng.Float64()*390) / 111000
		segs[i] = geo.Segment{A: a, B: orb.Point{a[0] + l*math.Cos(ang), a[1] + l*math.Sin(ang)}}
	}
	ix := geo.NewSegmentIndex(segs, 0)
	odd := func(i int) bool { return i%2 == 1 }
	for q := 0; q < 2000; q++ {
		p := orb.Point{14.38 + rng.Float64()*0.14, 35.83 + rng.Float64()*0.12}
		for _, accept := range []func(int) bool{nil, odd} {
			for _, maxM := range []float64{50, 500, 5000} {
				want, wantD := bruteNearest(segs, p, maxM, accept)
				hit, ok := ix.Nearest(p, maxM, accept)
				if (want >= 0) != ok {
					t.Fatalf("Nearest(%v, %g) found = %v, want %v (brute distance %.3f m)", p, maxM, ok, want >= 0, wantD)
				}
				if ok && math.Abs(hit.DistanceM-wantD) > 1e-6 {
					t.Fatalf("Nearest(%v, %g) = seg %d at %.6f m, want seg %d at %.6f m", p, maxM, hit.Seg, hit.DistanceM, want, wantD)
				}
			}
		}
	}
}

func TestSegmentIndexFraction(t *testing.T) {
	t.Parallel()
	segs := []geo.Segment{{A: orb.Point{10, 50}, B: orb.Point{10.01, 50}}}
	ix := geo.NewSegmentIndex(segs, 0)
	hit, ok := ix.Nearest(orb.Point{10.0025, 50.0005}, 500, nil)
	if !ok {
		t.Fatal("Nearest found nothing within 500 m of a point 56 m from the segment")
	}
	if math.Abs(hit.Fraction-0.25) > 1e-9 {
		t.Errorf("Fraction = %.12f, want 0.25", hit.Fraction)
	}
	if math.Abs(hit.DistanceM-55.6) > 0.1 {
		t.Errorf("DistanceM = %.3f, want about 55.6", hit.DistanceM)
	}
	if _, ok := ix.Nearest(orb.Point{10.0025, 50.01}, 500, nil); ok {
		t.Error("Nearest found a segment 1.1 km away with maxM = 500")
	}
}

// TestSegmentIndexSpansLatitudes: on a network spanning 38° to 47° north
// (the projection is exact on its mean latitude only; cells are narrower on
// the ground towards the pole) the nearest segment is still the exact one,
// at both edges.
func TestSegmentIndexSpansLatitudes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 9))
	segs := make([]geo.Segment, 0, 600)
	for len(segs) < cap(segs) {
		// Sparse segments (about 1 per 30 km²) so that rings far from the
		// query decide the answer.
		a := orb.Point{-8.5 + rng.Float64()*1.0, 38 + rng.Float64()*9}
		if a[1] > 39 && a[1] < 46 {
			continue // the two edges only
		}
		ang := rng.Float64() * 2 * math.Pi
		l := (10 + rng.Float64()*100) / 111000
		segs = append(segs, geo.Segment{A: a, B: orb.Point{a[0] + l*math.Cos(ang), a[1] + l*math.Sin(ang)}})
	}
	ix := geo.NewSegmentIndex(segs, 0)
	for q := 0; q < 20000; q++ {
		lat := 38 + rng.Float64()
		if q%2 == 1 {
			lat = 46 + rng.Float64()
		}
		p := orb.Point{-8.5 + rng.Float64()*1.0, lat}
		want, wantD := bruteNearest(segs, p, 20000, nil)
		hit, ok := ix.Nearest(p, 20000, nil)
		if (want >= 0) != ok || (ok && math.Abs(hit.DistanceM-wantD) > 1e-6) {
			t.Fatalf("Nearest(%v) = seg %d at %.3f m (found %v), want seg %d at %.3f m", p, hit.Seg, hit.DistanceM, ok, want, wantD)
		}
	}
}
