package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// checkChainInTimes compares ChainInTimes with EdgeWeight on every chain
// node of g, bit for bit (+Inf where there is no edge).
func checkChainInTimes(t *testing.T, g *graph.Graph, what string) {
	t.Helper()
	var inA, inB []graph.Seconds
	for c := 0; c < g.NumChains(); c++ {
		first, end, a, b := g.Chain(c)
		inA, inB = g.ChainInTimes(c, inA, inB)
		if len(inA) != int(end-first) || len(inB) != int(end-first) {
			t.Fatalf("%s: chain %d: %d and %d in-times for %d nodes", what, c, len(inA), len(inB), end-first)
		}
		for x := first; x < end; x++ {
			prev, next := x-1, x+1
			if x == first {
				prev = a
			}
			if x == end-1 {
				next = b
			}
			for _, k := range []struct {
				from graph.NodeID
				got  graph.Seconds
			}{{prev, inA[x-first]}, {next, inB[x-first]}} {
				want := graph.Seconds(math.Inf(1))
				if w, ok := g.EdgeWeight(k.from, x); ok {
					want = w
				}
				if math.Float64bits(float64(k.got)) != math.Float64bits(float64(want)) {
					t.Fatalf("%s: chain %d node %d: in-time from %d = %v, EdgeWeight says %v", what, c, x, k.from, k.got, want)
				}
			}
		}
	}
}

// TestChainInTimes: the in-times read from the rows in node order are
// EdgeWeight's, on random and chain-heavy graphs and on a chain with
// parallel edges (the cheaper one counts) and one-way stretches.
func TestChainInTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 40; trial++ {
		checkChainInTimes(t, graphtest.Random(t, rng, 30+rng.IntN(300)), "random")
		checkChainInTimes(t, graphtest.Chains(t, rng, 5+rng.IntN(60)), "chains")
	}
	// Junctions 0 and 4 (each with a spur to make it one), chain 1-2-3
	// between them: 1->2 twice (7 s and 5 s), 3->2 twice, 2->1 missing.
	var b graph.Builder
	way := b.AddWay(1)
	for i := 0; i < 7; i++ {
		b.AddNode(int64(100+i), int32(140000000+i*1000), 358000000)
	}
	for _, e := range []struct {
		u, v uint32
		w    graph.Seconds
	}{{0, 1, 1}, {1, 0, 1}, {1, 2, 7}, {1, 2, 5}, {2, 3, 2}, {3, 2, 4}, {3, 2, 3}, {3, 4, 1}, {4, 3, 1},
		{0, 5, 1}, {5, 0, 1}, {0, 6, 1}, {6, 0, 1}, {4, 5, 1}, {5, 4, 1}, {4, 6, 1}, {6, 4, 1}} {
		b.AddEdge(e.u, e.v, e.w, way)
	}
	g, err := b.Build(graph.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if g.NumChains() == 0 {
		t.Fatal("the test graph has no chain")
	}
	checkChainInTimes(t, g, "parallel edges")
}
