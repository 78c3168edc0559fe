package bench_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

func treeOf(tb testing.TB, g *graph.Graph, seeds []route.Seed) route.Tree {
	tb.Helper()
	s := route.NewSearch(g)
	if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
		tb.Fatal(err)
	}
	return s.Tree()
}

func box(minLon, minLat, maxLon, maxLat float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{minLon, minLat}, {maxLon, minLat}, {maxLon, maxLat}, {minLon, maxLat}, {minLon, minLat}}}}
}

// TestScenarioMalta: an empty change equals the baseline; closing roads
// (by way and by area) never shortens a travel time; a slowdown everywhere
// scales every time; a polygon off the map is refused.
func TestScenarioMalta(t *testing.T) {
	r := regions[2]
	g := load(t, r)
	seeds := sources(t, r, g)
	base := treeOf(t, g, seeds)

	same, err := g.Modified(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := treeOf(t, same, seeds); !equalTimes(got.Time, base.Time, 0) {
		t.Fatal("a scenario with nothing changed differs from the baseline")
	}

	// Close 200 random ways and a flood box over Marsa and the Grand Harbour's inner end.
	rng := rand.New(rand.NewPCG(3, 4))
	var ways []int64
	for len(ways) < 200 {
		ways = append(ways, g.WayID(graph.EdgeID(rng.IntN(g.NumEdges()))))
	}
	flood := box(14.488, 35.872, 14.500, 35.882)
	closed, rep, err := scenario.Apply(g, scenario.Scenario{Name: "flood", CloseWays: ways, CloseAreas: []orb.MultiPolygon{flood}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ClosedEdges == 0 || closed.NumEdges() != g.NumEdges()-rep.ClosedEdges || len(rep.AreasMissing) != 0 {
		t.Fatalf("report %+v; graph has %d of %d edges", rep, closed.NumEdges(), g.NumEdges())
	}
	after := treeOf(t, closed, seeds)
	lost, slower := 0, 0
	for v := range base.Time {
		switch b, a := base.Time[v], after.Time[v]; {
		case a < b-1e-9:
			t.Fatalf("node %d: %v s with roads closed, %v s before", v, a, b)
		case math.IsInf(float64(a), 1) && !math.IsInf(float64(b), 1):
			lost++
		case a > b+1e-9:
			slower++
		}
	}
	if slower == 0 {
		t.Error("closing 200 ways and a flood area slowed no node")
	}
	t.Logf("closed %d edges: %d nodes slower, %d cut off", rep.ClosedEdges, slower, lost)

	// Coverage on the flooded network never rises above the baseline.
	in := coverageInput(t, g)
	baseCov, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	in.Graph = closed
	floodCov, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if floodCov.Summary.Within > baseCov.Summary.Within {
		t.Errorf("coverage rose from %.0f to %.0f with roads closed", baseCov.Summary.Within, floodCov.Summary.Within)
	}

	// Night driving everywhere (times / 0.78): every time scales.
	night, _, err := scenario.Apply(g, scenario.Scenario{Name: "night", Slow: []scenario.Slowdown{{Area: box(14, 35.7, 14.7, 36.2), Factor: 1 / 0.78}}})
	if err != nil {
		t.Fatal(err)
	}
	nt := treeOf(t, night, seeds)
	for v := range base.Time {
		if math.IsInf(float64(base.Time[v]), 1) {
			continue
		}
		if want := float64(base.Time[v]) / 0.78; math.Abs(float64(nt.Time[v])-want) > 1e-9*want+1e-9 {
			t.Fatalf("node %d: %v s at night, want %v", v, nt.Time[v], want)
		}
	}

	// A closure polygon in the sea off Libya changes nothing: refused, with the reason.
	_, rep, err = scenario.Apply(g, scenario.Scenario{Name: "elsewhere", CloseAreas: []orb.MultiPolygon{box(13, 33, 13.1, 33.1)}, CloseWays: []int64{-5}})
	if !errors.Is(err, scenario.ErrNoChange) || len(rep.AreasMissing) != 1 || len(rep.UnknownWays) != 1 {
		t.Errorf("a scenario off the map = %v, report %+v", err, rep)
	}
}

func equalTimes(a, b []graph.Seconds, tol float64) bool {
	for i := range a {
		if math.IsInf(float64(a[i]), 1) != math.IsInf(float64(b[i]), 1) {
			return false
		}
		if !math.IsInf(float64(a[i]), 1) && math.Abs(float64(a[i]-b[i])) > tol {
			return false
		}
	}
	return true
}

// coverageInput is Malta's road cells (one resident per res-9 cell with a
// road node) with the nine fire stations, for scenario comparisons.
func coverageInput(tb testing.TB, g *graph.Graph) coverage.Input {
	tb.Helper()
	in := poaInput(tb) // for the standard and the shape of the input
	in.Graph = g
	in.Cells, in.Pop, in.CellUnit = nil, nil, nil
	seen := map[uint64]bool{}
	for v := 0; v < g.NumNodes(); v += 7 {
		c := cellOf(tb, g.Point(graph.NodeID(v)))
		if !seen[uint64(c)] {
			seen[uint64(c)] = true
			in.Cells = append(in.Cells, c)
			in.Pop = append(in.Pop, 1)
			in.CellUnit = append(in.CellUnit, 0)
		}
	}
	in.Bases, in.BaseUnit = nil, nil
	for _, s := range sources(tb, regions[2], g) {
		in.Bases = append(in.Bases, coverage.Base{ID: "b", Level: "township", Loc: g.Point(s.Node)})
		in.BaseUnit = append(in.BaseUnit, 0)
	}
	for i := range in.Bases {
		in.Bases[i].ID = string(rune('a' + i))
	}
	return in
}

func cellOf(tb testing.TB, p orb.Point) h3.Cell {
	tb.Helper()
	c, err := geo.CellOf(p, 9)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestBaseOutLosesWhatOnlyItCovers: for every Porto Alegre base, the
// coverage lost when it is out of service equals the residents only it
// covers (the bases table's only_covers_residents): the robustness answer
// for each base comes from the baseline run, without one run per base.
func TestBaseOutLosesWhatOnlyItCovers(t *testing.T) {
	in := poaInput(t)
	in.Bases, in.BaseUnit = in.Bases[:6], in.BaseUnit[:6] // fewer bases: overlaps are thinner
	base, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	sawLoss := false
	for b := range in.Bases {
		out := in
		out.Bases = append(append([]coverage.Base(nil), in.Bases[:b]...), in.Bases[b+1:]...)
		out.BaseUnit = append(append([]int32(nil), in.BaseUnit[:b]...), in.BaseUnit[b+1:]...)
		r, err := coverage.Compute(context.Background(), out)
		if err != nil {
			t.Fatal(err)
		}
		lost := base.Summary.Within - r.Summary.Within
		if math.Abs(lost-base.Bases[b].OnlyCovers) > 1e-6 {
			t.Errorf("base %s out: %.3f residents lose coverage, only_covers_residents says %.3f", in.Bases[b].ID, lost, base.Bases[b].OnlyCovers)
		}
		sawLoss = sawLoss || lost > 0
	}
	if !sawLoss {
		t.Error("no base's removal loses coverage: the test needs thinner overlaps")
	}
}
