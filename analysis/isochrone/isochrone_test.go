package isochrone_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/isochrone"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// town is a 12 × 12 street grid 0.002° apart (about 180 m east, 222 m
// north at 35.88° N), driven at 10 m/s.
var town = graphtest.Grid{N: 12, Origin: orb.Point{14.4, 35.88}, StepDeg: 0.002, SpeedMPS: 10}

// oracle returns the res-9 cells of the junctions reached within limit
// seconds from junction (0, 0): on a grid of positive times the fastest
// path to (x, y) is a staircase of x eastward and y northward blocks, so
// its time is x·east + y·north, with no search at all.
func oracle(tb testing.TB, limit float64) []h3.Cell {
	tb.Helper()
	east := geo.Haversine(town.Point(0, 0), town.Point(1, 0)) / town.SpeedMPS
	north := geo.Haversine(town.Point(0, 0), town.Point(0, 1)) / town.SpeedMPS
	set := map[h3.Cell]bool{}
	for y := 0; y < town.N; y++ {
		for x := 0; x < town.N; x++ {
			// float32 edge times summed along the path: allow their rounding.
			if float64(x)*east+float64(y)*north <= limit*(1+1e-6) {
				c, err := geo.CellOf(town.Point(x, y), 9)
				if err != nil {
					tb.Fatal(err)
				}
				set[c] = true
			}
		}
	}
	var out []h3.Cell
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func TestFromPointAgainstTheGrid(t *testing.T) {
	g := town.Build(t)
	s := route.NewSearch(g)
	minutes := []float64{0.5, 1, 2, 3, 30}
	bands, sn, err := isochrone.FromPoint(context.Background(), s, town.Point(0, 0), minutes, isochrone.Options{Res: 9})
	if err != nil {
		t.Fatal(err)
	}
	if sn.DistanceM > 1 {
		t.Errorf("the corner junction snapped %.1f m away, want on it", sn.DistanceM)
	}
	if len(bands) != len(minutes) {
		t.Fatalf("%d bands, want %d", len(bands), len(minutes))
	}
	for j, b := range bands {
		if b.Minutes != minutes[j] {
			t.Errorf("band %d: Minutes = %v, want %v", j, b.Minutes, minutes[j])
		}
		if want := oracle(t, minutes[j]*60); !slices.Equal(b.Cells, want) {
			t.Errorf("band %g min: %d cells, want the %d cells of the junctions within %g s", b.Minutes, len(b.Cells), len(want), minutes[j]*60)
		}
		if j > 0 { // each band holds the ones before it
			for _, c := range bands[j-1].Cells {
				if _, found := slices.BinarySearch(b.Cells, c); !found {
					t.Errorf("cell %v within %g min is missing from the %g-minute band", c, bands[j-1].Minutes, b.Minutes)
				}
			}
		}
		// The polygons are the cells dissolved: same area, to rounding.
		var cellArea float64
		for _, c := range b.Cells {
			p, err := geo.CellPolygon(c)
			if err != nil {
				t.Fatal(err)
			}
			cellArea += planar.Area(p)
		}
		if got := planar.Area(b.Geom); math.Abs(got-cellArea) > 1e-6*cellArea {
			t.Errorf("band %g min: polygon area %g deg², its cells' %g deg²", b.Minutes, got, cellArea)
		}
	}
	if last := bands[len(bands)-1]; len(last.Cells) != len(oracle(t, math.Inf(1))) {
		t.Errorf("30 min: %d cells, want every junction's cell", len(last.Cells))
	}
}

func TestFromPointErrors(t *testing.T) {
	g := town.Build(t)
	s := route.NewSearch(g)
	tests := []struct {
		name    string
		p       orb.Point
		minutes []float64
		res     int
		want    error
	}{
		{"no minutes", town.Point(0, 0), nil, 9, isochrone.ErrMinutes},
		{"zero minutes", town.Point(0, 0), []float64{0}, 9, isochrone.ErrMinutes},
		{"decreasing", town.Point(0, 0), []float64{5, 3}, 9, isochrone.ErrMinutes},
		{"repeated", town.Point(0, 0), []float64{5, 5}, 9, isochrone.ErrMinutes},
		{"infinite", town.Point(0, 0), []float64{math.Inf(1)}, 9, isochrone.ErrMinutes},
		{"NaN", town.Point(0, 0), []float64{math.NaN()}, 9, isochrone.ErrMinutes},
		{"resolution 16", town.Point(0, 0), []float64{5}, 16, geo.ErrBadResolution},
		{"far from any road", orb.Point{14.6, 36.1}, []float64{5}, 9, graph.ErrNoRoad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := isochrone.FromPoint(context.Background(), s, tt.p, tt.minutes, isochrone.Options{Res: tt.res})
			if !errors.Is(err, tt.want) {
				t.Errorf("FromPoint(%v, %v, res %d) error = %v, want %v", tt.p, tt.minutes, tt.res, err, tt.want)
			}
		})
	}
}

func TestFromPointCancelled(t *testing.T) {
	g := town.Build(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := isochrone.FromPoint(ctx, route.NewSearch(g), town.Point(0, 0), []float64{5}, isochrone.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("FromPoint with a cancelled context: error %v, want context.Canceled", err)
	}
}

// Areas reached within one and two minutes from the corner of a street
// grid 0.002° apart driven at 10 m/s.
func ExampleFromPoint() {
	var b graph.Builder
	const n = 6
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			b.AddNode(int64(y*n+x+1), int32(144_000_000+x*20_000), int32(358_800_000+y*20_000))
		}
	}
	way := b.AddWay(1)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if x+1 < n { // 0.002° of longitude: about 180 m, 18 s
				b.AddEdge(uint32(y*n+x), uint32(y*n+x+1), 18, way)
				b.AddEdge(uint32(y*n+x+1), uint32(y*n+x), 18, way)
			}
			if y+1 < n { // 0.002° of latitude: about 222 m, 22 s
				b.AddEdge(uint32(y*n+x), uint32((y+1)*n+x), 22, way)
				b.AddEdge(uint32((y+1)*n+x), uint32(y*n+x), 22, way)
			}
		}
	}
	g, err := b.Build(graph.Meta{})
	if err != nil {
		panic(err)
	}
	bands, _, err := isochrone.FromPoint(context.Background(), route.NewSearch(g), orb.Point{14.4, 35.88}, []float64{1, 2}, isochrone.Options{Res: 9})
	if err != nil {
		panic(err)
	}
	for _, band := range bands {
		fmt.Printf("%g min: %d cells in %d polygon(s)\n", band.Minutes, len(band.Cells), len(band.Geom))
	}
	// Output:
	// 1 min: 5 cells in 1 polygon(s)
	// 2 min: 12 cells in 1 polygon(s)
}
