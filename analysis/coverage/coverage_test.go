package coverage_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// town is a 10 × 10 street grid 0.002° apart (about 180 m east, 222 m
// north at 35.88° N), driven at 10 m/s.
var town = graphtest.Grid{N: 10, Origin: orb.Point{14.4, 35.88}, StepDeg: 0.002, SpeedMPS: 10}

func std(minutes float64) *standard.Standard {
	return &standard.Standard{
		Rescue:           standard.Rescue{Minutes: minutes, CoverageTarget: 0.9, TurnoutSeconds: 30, SecondBaseHorizonMinutes: 30},
		Teams:            standard.Teams{MinMembers: map[string]int{"township": 10}},
		Access:           standard.Access{WalkKPH: 4.5, SnapDistanceM: 500},
		IsochroneMinutes: []float64{minutes},
	}
}

// input is the town with 100 residents in the res-9 cell of every
// junction, one unit holding everything, and bases at the junctions given.
func input(tb testing.TB, g *graph.Graph, minutes float64, baseAt ...[2]int) coverage.Input {
	tb.Helper()
	in := coverage.Input{Graph: g, Standard: std(minutes), Res: 9, Units: []coverage.Unit{{ID: "u", Name: "Town"}}, Workers: 2}
	seen := map[h3.Cell]bool{}
	for y := 0; y < town.N; y++ {
		for x := 0; x < town.N; x++ {
			c, err := geo.CellOf(town.Point(x, y), 9)
			if err != nil {
				tb.Fatal(err)
			}
			if !seen[c] {
				seen[c] = true
				in.Cells, in.Pop, in.CellUnit = append(in.Cells, c), append(in.Pop, 100), append(in.CellUnit, 0)
			}
		}
	}
	for k, xy := range baseAt {
		in.Bases = append(in.Bases, coverage.Base{ID: fmt.Sprint("b", k), Level: "township", TeamSize: 12, Loc: town.Point(xy[0], xy[1])})
		in.BaseUnit = append(in.BaseUnit, 0)
	}
	return in
}

func compute(tb testing.TB, in coverage.Input) *coverage.Result {
	tb.Helper()
	r, err := coverage.Compute(context.Background(), in)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestComputeInputErrors(t *testing.T) {
	g := town.Build(t)
	tests := []struct {
		name string
		edit func(*coverage.Input)
		want error
	}{
		{"no graph", func(in *coverage.Input) { in.Graph = nil }, coverage.ErrInput},
		{"no standard", func(in *coverage.Input) { in.Standard = nil }, coverage.ErrInput},
		{"no isochrone minutes", func(in *coverage.Input) { in.Standard.IsochroneMinutes = nil }, coverage.ErrInput},
		{"a population short", func(in *coverage.Input) { in.Pop = in.Pop[1:] }, coverage.ErrInput},
		{"a cell unit short", func(in *coverage.Input) { in.CellUnit = in.CellUnit[1:] }, coverage.ErrInput},
		{"zone flags short", func(in *coverage.Input) { in.Zone = make([]bool, 1) }, coverage.ErrInput},
		{"a base unit short", func(in *coverage.Input) { in.BaseUnit = nil }, coverage.ErrInput},
		{"no bases", func(in *coverage.Input) { in.Bases, in.BaseUnit = nil, nil }, coverage.ErrNoBases},
		{"a cell of another resolution", func(in *coverage.Input) {
			p, _ := in.Cells[0].Parent(8)
			in.Cells[0] = p
		}, coverage.ErrInput},
		{"a cell in an unknown unit", func(in *coverage.Input) { in.CellUnit[3] = 1 }, coverage.ErrInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(t, g, 5, [2]int{0, 0})
			tt.edit(&in)
			if _, err := coverage.Compute(context.Background(), in); !errors.Is(err, tt.want) {
				t.Errorf("Compute error = %v, want %v", err, tt.want)
			}
		})
	}
}

// The nearest-base time of a cell is the least of its times from each base
// alone, and the second-nearest the next one (within the horizon): the
// multi-source search against one single-source study per base.
func TestNearestAndSecondBase(t *testing.T) {
	g := town.Build(t)
	bases := [][2]int{{0, 0}, {9, 9}, {5, 2}}
	all := compute(t, input(t, g, 5, bases...))
	alone := make([]*coverage.Result, len(bases))
	for b := range bases {
		alone[b] = compute(t, input(t, g, 5, bases[b]))
	}
	horizon := std(5).Rescue.SecondBaseHorizonMinutes * 60
	for i := range all.Cells.Time {
		best, second, bestB, secondB := math.Inf(1), math.Inf(1), int32(-1), int32(-1)
		for b := range bases {
			switch t := alone[b].Cells.Time[i]; {
			case t < best:
				second, secondB, best, bestB = best, bestB, t, int32(b)
			case t < second:
				second, secondB = t, int32(b)
			}
		}
		if got := all.Cells.Time[i]; math.Abs(got-best) > 1e-3 {
			t.Errorf("cell %d: Time = %g s, want %g s (the least of the single-base studies)", i, got, best)
		}
		if got := all.Cells.Base[i]; got != bestB && math.Abs(alone[got].Cells.Time[i]-best) > 1e-3 {
			t.Errorf("cell %d: Base = %d, want %d", i, got, bestB)
		}
		if second > horizon {
			second, secondB = math.Inf(1), -1
		}
		if got := all.Cells.Time2[i]; !(math.IsInf(got, 1) && math.IsInf(second, 1)) && math.Abs(got-second) > 1e-3 {
			t.Errorf("cell %d: Time2 = %g s, want %g s (base %d)", i, got, second, secondB)
		}
	}
}

func TestSummaryAgreesWithCells(t *testing.T) {
	g := town.Build(t)
	prev := -1.0
	for _, minutes := range []float64{0.5, 1, 2, 4, 30} {
		t.Run(fmt.Sprint(minutes, "min"), func(t *testing.T) {
			in := input(t, g, minutes, [2]int{0, 0}, [2]int{9, 5})
			r := compute(t, in)
			var within, residents float64
			for i, p := range in.Pop {
				residents += p
				if w := r.Cells.Time[i] <= minutes*60; w != r.Cells.Within[i] {
					t.Errorf("cell %d: Within = %v with Time %g s and a %g-minute circle", i, r.Cells.Within[i], r.Cells.Time[i], minutes)
				}
				if r.Cells.Within[i] {
					within += p
				}
			}
			s := r.Summary
			if s.Residents != residents || s.Within != within || s.Outside != residents-within {
				t.Errorf("summary residents %g, within %g, outside %g; want %g, %g, %g", s.Residents, s.Within, s.Outside, residents, within, residents-within)
			}
			if u := r.Units[0]; u.Within != within || u.Residents != residents {
				t.Errorf("unit: within %g of %g, want %g of %g", u.Within, u.Residents, within, residents)
			}
			if within < prev {
				t.Errorf("%g residents within %g min, fewer than within a smaller circle (%g)", within, minutes, prev)
			}
			prev = within
			if minutes == 30 && within != residents {
				t.Errorf("30 min: %g of %g residents within; the whole town is 3 minutes across", within, residents)
			}
		})
	}
}

// Two bases at opposite corners of a street grid 0.002° apart driven at
// 10 m/s: who lies within three minutes (30 s of turnout included)?
func ExampleCompute() {
	var b graph.Builder
	const n = 8
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			b.AddNode(int64(y*n+x+1), int32(144_000_000+x*20_000), int32(358_800_000+y*20_000))
		}
	}
	way := b.AddWay(1)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if x+1 < n { // about 180 m: 18 s
				b.AddEdge(uint32(y*n+x), uint32(y*n+x+1), 18, way)
				b.AddEdge(uint32(y*n+x+1), uint32(y*n+x), 18, way)
			}
			if y+1 < n { // about 222 m: 22 s
				b.AddEdge(uint32(y*n+x), uint32((y+1)*n+x), 22, way)
				b.AddEdge(uint32((y+1)*n+x), uint32(y*n+x), 22, way)
			}
		}
	}
	g, err := b.Build(graph.Meta{})
	if err != nil {
		panic(err)
	}
	in := coverage.Input{
		Graph: g, Res: 9,
		Standard: &standard.Standard{
			Rescue:           standard.Rescue{Minutes: 3, CoverageTarget: 0.9, TurnoutSeconds: 30, SecondBaseHorizonMinutes: 10},
			Access:           standard.Access{WalkKPH: 4.5, SnapDistanceM: 500},
			IsochroneMinutes: []float64{3},
		},
		Units: []coverage.Unit{{ID: "t", Name: "Town"}},
		Bases: []coverage.Base{
			{ID: "south-west", Level: "township", TeamSize: 12, Loc: orb.Point{14.4, 35.88}},
			{ID: "north-east", Level: "township", TeamSize: 12, Loc: orb.Point{14.414, 35.894}},
		},
		BaseUnit: []int32{0, 0},
	}
	seen := map[h3.Cell]bool{}
	for v := 0; v < g.NumNodes(); v++ { // 100 residents in each junction's cell
		c, _ := geo.CellOf(g.Point(graph.NodeID(v)), 9)
		if !seen[c] {
			seen[c] = true
			in.Cells, in.Pop, in.CellUnit = append(in.Cells, c), append(in.Pop, 100), append(in.CellUnit, 0)
		}
	}
	r, err := coverage.Compute(context.Background(), in)
	if err != nil {
		panic(err)
	}
	s := r.Summary
	fmt.Printf("%d cells, %.0f residents: %.0f within 3 min (%.0f %%), p90 %.0f s\n", s.Cells, s.Residents, s.Within, 100*s.Share, s.P90)
	for _, br := range r.Bases {
		fmt.Printf("%s: nearest base of %.0f, reaches %.0f in time, %.0f of whom no other base does\n", br.ID, br.Nearest, br.Covered, br.OnlyCovers)
	}
	// Output:
	// 25 cells, 2500 residents: 2000 within 3 min (80 %), p90 220 s
	// south-west: nearest base of 1300, reaches 1000 in time, 900 of whom no other base does
	// north-east: nearest base of 1200, reaches 1100 in time, 1000 of whom no other base does
}
