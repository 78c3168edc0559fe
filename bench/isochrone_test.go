package bench_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/isochrone"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// TestIsochroneAndorra: from random starts, the 5-minute area lies inside
// the 10-minute one, which lies inside the 15-minute one; each band's cells
// are exactly the cells of the nodes an unbounded search reaches in time;
// and the dissolved polygons have the cells' area.
func TestIsochroneAndorra(t *testing.T) {
	g := load(t, regions[1])
	s := route.NewSearch(g)
	full := route.NewSearch(g)
	rng := rand.New(rand.NewPCG(7, 7))
	minutes := []float64{5, 10, 15}
	const trials = 10
	checked, cutOff := 0, 0
	for trial := 0; trial < trials; trial++ {
		p := g.Point(graph.NodeID(rng.IntN(g.NumNodes())))
		bands, sn, err := isochrone.FromPoint(context.Background(), s, p, minutes, isochrone.Options{Res: 9})
		if errors.Is(err, graph.ErrNoRoad) {
			cutOff++ // a start in a small cut-off part: nothing to draw
			continue
		}
		if err != nil {
			t.Fatalf("start %v: %v", p, err)
		}
		checked++
		if err := full.Run(context.Background(), route.SnapSeeds(g, sn, 0, 0), route.Options{}); err != nil {
			t.Fatal(err)
		}
		for j, b := range bands {
			want := map[h3.Cell]bool{}
			for _, v := range full.Settled() {
				if tm, _ := full.Time(v); float64(tm) <= b.Minutes*60 {
					c, _ := geo.CellOf(g.Point(v), 9)
					want[c] = true
				}
			}
			if len(want) != len(b.Cells) {
				t.Fatalf("start %v, %v min: %d cells, the unbounded search gives %d", p, b.Minutes, len(b.Cells), len(want))
			}
			for _, c := range b.Cells {
				if !want[c] {
					t.Fatalf("start %v, %v min: cell %s not reached in time", p, b.Minutes, c)
				}
			}
			if j > 0 {
				for _, c := range bands[j-1].Cells {
					if _, ok := slices.BinarySearch(b.Cells, c); !ok {
						t.Fatalf("start %v: cell %s in the %v-min band, not in the %v-min band", p, c, bands[j-1].Minutes, b.Minutes)
					}
				}
			}
			var cellArea float64
			for _, c := range b.Cells {
				poly, _ := geo.CellPolygon(c)
				cellArea += planar.Area(poly)
			}
			if got := planar.Area(b.Geom); math.Abs(got-cellArea) > 1e-9*cellArea+1e-15 {
				t.Errorf("start %v, %v min: polygon area %.12g, cells %.12g", p, b.Minutes, got, cellArea)
			}
		}
	}
	t.Logf("%d of %d random starts checked, %d in small cut-off parts of the network", checked, trials, cutOff)
	// Andorra's network is one large part: most random nodes lie in it.
	if checked < trials/2 {
		t.Errorf("only %d of %d random starts could be checked (%d cut off)", checked, trials, cutOff)
	}
	if _, _, err := isochrone.FromPoint(context.Background(), s, orb.Point{1.5, 42.5}, []float64{10, 5}, isochrone.Options{}); !errors.Is(err, isochrone.ErrMinutes) {
		t.Errorf("FromPoint with decreasing minutes: error %v, want isochrone.ErrMinutes", err)
	}
}

// BenchmarkIsochrone_Andorra_15min is the on-demand isochrone: snap, one
// bounded search, cells, dissolve.
func BenchmarkIsochrone_Andorra_15min(b *testing.B) {
	g := load(b, regions[1])
	s := route.NewSearch(g)
	p := orb.Point{1.5199, 42.5458}
	if _, _, err := isochrone.FromPoint(context.Background(), s, p, []float64{5, 10, 15}, isochrone.Options{}); err != nil {
		b.Fatal(err) // also builds the snapping index outside the loop
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := isochrone.FromPoint(context.Background(), s, p, []float64{5, 10, 15}, isochrone.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
