package graphtest_test

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

func TestGrid(t *testing.T) {
	tests := []struct {
		name   string
		grid   graphtest.Grid
		oneWay int
	}{
		{"two-way", graphtest.Grid{N: 5, Origin: orb.Point{14.4, 35.88}, StepDeg: 0.001, SpeedMPS: 10}, 0},
		{"one one-way street", graphtest.Grid{N: 4, Origin: orb.Point{-51.23, -30.04}, StepDeg: 0.001, SpeedMPS: 1.25,
			OneWay: func(x, y int) bool { return x == 1 && y == 2 }}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.grid
			g := o.Build(t)
			if got, want := g.NumNodes(), o.N*o.N; got != want {
				t.Errorf("NumNodes() = %d, want %d", got, want)
			}
			if got, want := g.NumEdges(), 4*o.N*(o.N-1)-tt.oneWay; got != want {
				t.Errorf("NumEdges() = %d, want %d", got, want)
			}
			for _, xy := range [][2]int{{0, 0}, {o.N - 1, 0}, {2, o.N - 1}} {
				v, ok := g.Node(o.OSMID(xy[0], xy[1]))
				if !ok {
					t.Fatalf("no node of OSM id %d", o.OSMID(xy[0], xy[1]))
				}
				if got, want := g.Point(v), o.Point(xy[0], xy[1]); geo.Haversine(got, want) > 0.01 {
					t.Errorf("Point of junction (%d, %d) = %v, want %v", xy[0], xy[1], got, want)
				}
			}
			// The street east of (0, 0) takes its length at the speed.
			u, _ := g.Node(o.OSMID(0, 0))
			v, _ := g.Node(o.OSMID(1, 0))
			want := geo.Haversine(o.Point(0, 0), o.Point(1, 0)) / o.SpeedMPS
			found := false
			for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
				if g.Head(e) == v {
					found = true
					if got := float64(g.Weight(e)); got < want*0.999 || got > want*1.001 {
						t.Errorf("weight (0,0)->(1,0) = %g s, want %g s", got, want)
					}
				}
			}
			if !found {
				t.Errorf("no edge (0,0)->(1,0)")
			}
		})
	}
}

// The random builders are reproducible from the seed: the property tests
// of analysis/route replay a failure with -seed.
func TestRandomGraphsReplay(t *testing.T) {
	build := map[string]func(*rand.Rand) *graph.Graph{
		"Random": func(r *rand.Rand) *graph.Graph { return graphtest.Random(t, r, 200) },
		"Chains": func(r *rand.Rand) *graph.Graph { return graphtest.Chains(t, r, 50) },
	}
	for name, b := range build {
		g1, g2 := b(rand.New(rand.NewPCG(7, 7))), b(rand.New(rand.NewPCG(7, 7)))
		if g1.NumNodes() != g2.NumNodes() || g1.NumEdges() != g2.NumEdges() || g1.NumNodes() == 0 {
			t.Errorf("%s: two builds from seed 7 have %d/%d nodes and %d/%d edges, want equal and non-empty", name, g1.NumNodes(), g2.NumNodes(), g1.NumEdges(), g2.NumEdges())
			continue
		}
		for e := 0; e < g1.NumEdges(); e++ {
			if g1.Head(graph.EdgeID(e)) != g2.Head(graph.EdgeID(e)) || g1.Weight(graph.EdgeID(e)) != g2.Weight(graph.EdgeID(e)) {
				t.Errorf("%s: edge %d differs between two builds from seed 7", name, e)
				break
			}
		}
	}
}
