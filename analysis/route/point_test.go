package route_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// snapOn places a point on edge e of g at fraction f, as graph.Snap would.
func snapOn(g *graph.Graph, e graph.EdgeID, f float64) graph.Snap {
	tail := g.Tail(e)
	twin, ok := g.Edge(g.Head(e), tail)
	if !ok {
		twin = graph.NoEdge
	}
	return graph.Snap{Edge: e, Tail: tail, Twin: twin, Fraction: f}
}

// block is a one-way block A→B→C→A (100, 60, 60 s) and, when twoWay, a
// street A→B with a different time back B→A (80 s, downhill). It returns the
// graph and the edge A→B.
func block(t *testing.T, twoWay bool) (*graph.Graph, graph.EdgeID) {
	t.Helper()
	var b graph.Builder
	a := b.AddNode(1, 0, 0)
	bb := b.AddNode(2, 10000, 0)
	c := b.AddNode(3, 5000, 10000)
	w := b.AddWay(1)
	b.AddEdge(a, bb, 100, w)
	if twoWay {
		b.AddEdge(bb, a, 80, w)
	}
	b.AddEdge(bb, c, 60, w)
	b.AddEdge(c, a, 60, w)
	g, err := b.Build(graph.Meta{Profile: "test"})
	if err != nil {
		t.Fatal(err)
	}
	na, _ := g.Node(1)
	nb, _ := g.Node(2)
	e, ok := g.Edge(na, nb)
	if !ok {
		t.Fatal("no edge A→B")
	}
	return g, e
}

func TestPointTimeSameEdge(t *testing.T) {
	tests := []struct {
		name       string
		twoWay     bool
		base, cell float64 // fractions along A→B
		want       graph.Seconds
	}{
		// Downstream on a one-way street: straight along it, 0.5 × 100 s,
		// not out through B and round the block (80 + 120 + 70 = 270 s).
		{name: "one-way downstream", base: 0.2, cell: 0.7, want: 50},
		// Upstream on a one-way street: only round the block.
		{name: "one-way upstream", base: 0.7, cell: 0.2, want: 30 + 120 + 20},
		{name: "one-way same point", base: 0.4, cell: 0.4, want: 0},
		// Two-way: backwards along the twin, 0.5 × 80 s (through A it is 0.7 × 80 + 20 = 76 s).
		{name: "two-way backwards", twoWay: true, base: 0.7, cell: 0.2, want: 40},
		{name: "two-way forwards", twoWay: true, base: 0.2, cell: 0.7, want: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, e := block(t, tt.twoWay)
			base, cell := snapOn(g, e, tt.base), snapOn(g, e, tt.cell)
			s := route.NewSearch(g)
			seeds := route.SnapSeeds(g, base, 3, 0)
			if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
				t.Fatal(err)
			}
			got, src, ok := route.PointTime(s, cell)
			if !ok || !close(got, tt.want) || src != 3 {
				t.Errorf("PointTime = %v s from %d (%v), want %v s from 3", got, src, ok, tt.want)
			}
			// The same point seen from the twin edge's side gives the same time.
			if tt.twoWay {
				back := snapOn(g, cell.Twin, 1-tt.cell)
				if got2, _, _ := route.PointTime(s, back); !close(got2, tt.want) {
					t.Errorf("PointTime from the twin side = %v s, want %v", got2, tt.want)
				}
			}
		})
	}
}

// TestDirectTime checks the seed-list form used where a search's workspace is gone.
func TestDirectTime(t *testing.T) {
	g, e := block(t, false)
	seeds := append(route.SnapSeeds(g, snapOn(g, e, 0.6), 0, 5), route.SnapSeeds(g, snapOn(g, e, 0.1), 1, 0)...)
	got, src, ok := route.DirectTime(g, seeds, snapOn(g, e, 0.7))
	if !ok || !close(got, 15) || src != 0 {
		t.Errorf("DirectTime = %v s from %d (%v), want 15 s from 0", got, src, ok)
	}
	if _, _, ok := route.DirectTime(g, seeds, snapOn(g, e, 0.05)); ok {
		t.Errorf("DirectTime upstream of every seed on a one-way road reports a drive")
	}
}

// subdivided returns g with every snapped point made a node of its own on
// its road (both directions of a two-way road share it), and the new node of
// each point: the definition PointTime must agree with. Point k gets OSM id
// base+k.
func subdivided(t *testing.T, g *graph.Graph, pts []graph.Snap) (*graph.Graph, []graph.NodeID) {
	t.Helper()
	const base = 1 << 40
	var b graph.Builder
	way := b.AddWay(1)
	for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
		p := g.Point(v)
		b.AddNode(g.OSMID(v), int32(p[0]*1e7), int32(p[1]*1e7))
	}
	type cut struct {
		f    float64
		node uint32
	}
	cuts := map[graph.EdgeID][]cut{}
	for k, sn := range pts {
		p := g.Point(sn.Tail)
		x := b.AddNode(base+int64(k), int32(p[0]*1e7), int32(p[1]*1e7))
		cuts[sn.Edge] = append(cuts[sn.Edge], cut{sn.Fraction, x})
		switch {
		case sn.Twin != graph.NoEdge:
			cuts[sn.Twin] = append(cuts[sn.Twin], cut{1 - sn.Fraction, x})
		case sn.Fraction == 0: // a point at an end of a one-way road is that node
			b.AddEdge(x, uint32(sn.Tail), 0, way)
		case sn.Fraction == 1:
			b.AddEdge(uint32(g.Head(sn.Edge)), x, 0, way)
		}
	}
	for u := graph.NodeID(0); int(u) < g.NumNodes(); u++ {
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			w := float64(g.Weight(e))
			cs := cuts[e]
			slices.SortFunc(cs, func(a, b cut) int {
				if a.f < b.f {
					return -1
				}
				if a.f > b.f {
					return 1
				}
				return 0
			})
			prev, pf := uint32(u), 0.0
			for _, c := range cs {
				b.AddEdge(prev, c.node, graph.Seconds((c.f-pf)*w), way)
				prev, pf = c.node, c.f
			}
			b.AddEdge(prev, uint32(g.Head(e)), graph.Seconds((1-pf)*w), way)
		}
	}
	sub, err := b.Build(graph.Meta{Profile: "test"})
	if err != nil {
		t.Fatal(err)
	}
	nodes := make([]graph.NodeID, len(pts))
	for k := range pts {
		nodes[k], _ = sub.Node(base + int64(k))
	}
	return sub, nodes
}

// TestPointTimeMatchesSubdividedGraph: on random graphs, with bases and
// cells snapped onto random edges (many onto the same ones), PointTime is
// the shortest time on the graph in which every point is a node.
func TestPointTimeMatchesSubdividedGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 11))
	for trial := 0; trial < 40; trial++ {
		var g *graph.Graph
		if trial%2 == 0 {
			g = graphtest.Random(t, rng, 30+rng.IntN(100))
		} else {
			g = graphtest.Chains(t, rng, 10+rng.IntN(30))
		}
		if g.NumEdges() == 0 {
			continue
		}
		edges := make([]graph.EdgeID, 1+rng.IntN(6)) // few edges: points share them
		for i := range edges {
			edges[i] = graph.EdgeID(rng.IntN(g.NumEdges()))
		}
		var pts []graph.Snap
		frac := func() float64 {
			switch rng.IntN(8) {
			case 0:
				return 0
			case 1:
				return 1
			}
			return rng.Float64()
		}
		for i := 0; i < 12; i++ {
			e := edges[rng.IntN(len(edges))]
			if g.Head(e) == g.Tail(e) {
				continue
			}
			pts = append(pts, snapOn(g, e, frac()))
		}
		if len(pts) < 2 {
			continue
		}
		nb := 1 + rng.IntN(3)
		bases, cells := pts[:nb], pts[nb:]
		sub, at := subdivided(t, g, pts)
		var seeds, subSeeds []route.Seed
		for k, sn := range bases {
			extra := graph.Seconds(rng.IntN(3))
			seeds = append(seeds, route.SnapSeeds(g, sn, int32(k), extra)...)
			subSeeds = append(subSeeds, route.Seed{Node: at[k], Time: extra, Source: int32(k)})
		}
		want := naive(sub, subSeeds)
		s := route.NewSearch(g)
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			t.Fatal(err)
		}
		for k, sn := range cells {
			w := want[at[nb+k]]
			got, _, ok := route.PointTime(s, sn)
			if ok != (w != route.Unreached) || (ok && !close(got, w)) {
				t.Fatalf("trial %d: PointTime(cell %d on edge %d at %.3f) = %v (%v), want %v", trial, k, sn.Edge, sn.Fraction, got, ok, w)
			}
		}
	}
}
