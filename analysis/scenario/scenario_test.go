package scenario_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
)

// street builds a two-way street of four junctions 0.01° apart along the
// equator, one OSM way per block (ways 10, 20, 30), each block 60 s each
// way: six edges.
func street(tb testing.TB) *graph.Graph {
	tb.Helper()
	var b graph.Builder
	for i := int64(0); i < 4; i++ {
		b.AddNode(i+1, int32(i*100_000), 0)
	}
	for i := uint32(0); i < 3; i++ {
		w := b.AddWay(int64(10 * (i + 1)))
		b.AddEdge(i, i+1, 60, w)
		b.AddEdge(i+1, i, 60, w)
	}
	g, err := b.Build(graph.Meta{Profile: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// box is a square of side 2d degrees around (lon, 0).
func box(lon, d float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{lon - d, -d}, {lon + d, -d}, {lon + d, d}, {lon - d, d}, {lon - d, -d}}}}
}

// weights returns the sum of the graph's edge times and its edge count.
func weights(g *graph.Graph) (float64, int) {
	var sum float64
	for e := 0; e < g.NumEdges(); e++ {
		sum += float64(g.Weight(graph.EdgeID(e)))
	}
	return sum, g.NumEdges()
}

func TestApply(t *testing.T) {
	tests := []struct {
		name         string
		s            scenario.Scenario
		closed       int
		slowed       int
		unknownWays  []int64
		areasMissing []int
		edges        int     // edges left
		sum          float64 // their summed time, s
		err          error
	}{
		{name: "close one way", s: scenario.Scenario{CloseWays: []int64{20}},
			closed: 2, edges: 4, sum: 240},
		{name: "close a way and two unknown ones, one named twice", s: scenario.Scenario{CloseWays: []int64{99, 30, 7, 99}},
			closed: 2, unknownWays: []int64{99, 7}, edges: 4, sum: 240},
		{name: "close an area around the second block", s: scenario.Scenario{CloseAreas: []orb.MultiPolygon{box(0.015, 0.002)}},
			closed: 2, edges: 4, sum: 240},
		{name: "an area off the street is reported", s: scenario.Scenario{CloseAreas: []orb.MultiPolygon{box(0.015, 0.002), box(5, 0.1)}},
			closed: 2, areasMissing: []int{1}, edges: 4, sum: 240},
		{name: "slow the first block by 1.5", s: scenario.Scenario{Slow: []scenario.Slowdown{{Area: box(0.005, 0.002), Factor: 1.5}}},
			slowed: 2, edges: 6, sum: 4*60 + 2*90},
		{name: "slowdowns multiply where they overlap", s: scenario.Scenario{Slow: []scenario.Slowdown{
			{Area: box(0.005, 0.002), Factor: 2}, {Area: box(0.01, 0.007), Factor: 1.5}}},
			slowed: 4, edges: 6, sum: 2*60*3 + 2*60*1.5 + 2*60},
		{name: "a closed edge is not counted as slowed", s: scenario.Scenario{CloseWays: []int64{10}, Slow: []scenario.Slowdown{{Area: box(0.005, 0.002), Factor: 2}}},
			closed: 2, edges: 4, sum: 240},
		{name: "nothing to change", s: scenario.Scenario{CloseWays: []int64{99}, CloseAreas: []orb.MultiPolygon{box(5, 0.1)}},
			unknownWays: []int64{99}, areasMissing: []int{0}, err: scenario.ErrNoChange},
		{name: "an empty scenario changes nothing and is no error", s: scenario.Scenario{}, edges: 6, sum: 360},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := street(t)
			m, rep, err := scenario.Apply(g, tt.s)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Apply error = %v, want %v", err, tt.err)
			}
			if rep.ClosedEdges != tt.closed || rep.SlowedEdges != tt.slowed {
				t.Errorf("report %d closed, %d slowed; want %d, %d", rep.ClosedEdges, rep.SlowedEdges, tt.closed, tt.slowed)
			}
			if !slices.Equal(rep.UnknownWays, tt.unknownWays) {
				t.Errorf("UnknownWays = %v, want %v", rep.UnknownWays, tt.unknownWays)
			}
			if !slices.Equal(rep.AreasMissing, tt.areasMissing) {
				t.Errorf("AreasMissing = %v, want %v", rep.AreasMissing, tt.areasMissing)
			}
			if err != nil {
				return
			}
			if sum, n := weights(m); n != tt.edges || sum != tt.sum {
				t.Errorf("changed graph: %d edges, %g s in all; want %d, %g s", n, sum, tt.edges, tt.sum)
			}
			if sum, n := weights(g); n != 6 || sum != 360 {
				t.Errorf("the input graph changed: %d edges, %g s; want 6, 360 s", n, sum)
			}
		})
	}
}

func TestApplyBadFactor(t *testing.T) {
	for _, f := range []float64{0, -1} {
		_, _, err := scenario.Apply(street(t), scenario.Scenario{Name: "x", Slow: []scenario.Slowdown{{Area: box(0.005, 0.002), Factor: f}}})
		if err == nil {
			t.Errorf("Apply with slowdown factor %v = nil error, want one", f)
		}
	}
}

// Closing the middle block of a street of three: its two edges (one each
// way) go, and the other blocks keep their 60 s.
func ExampleApply() {
	var b graph.Builder
	for i := int64(0); i < 4; i++ {
		b.AddNode(i+1, int32(i*100_000), 0) // every 0.01° along the equator
	}
	for i := uint32(0); i < 3; i++ {
		w := b.AddWay(int64(10 * (i + 1))) // ways 10, 20, 30
		b.AddEdge(i, i+1, 60, w)
		b.AddEdge(i+1, i, 60, w)
	}
	g, err := b.Build(graph.Meta{})
	if err != nil {
		panic(err)
	}
	closed, rep, err := scenario.Apply(g, scenario.Scenario{Name: "bridge out", CloseWays: []int64{20, 99}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d edges closed, unknown ways %v: %d of %d edges left\n", rep.ClosedEdges, rep.UnknownWays, closed.NumEdges(), g.NumEdges())
	// Output:
	// 2 edges closed, unknown ways [99]: 4 of 6 edges left
}
