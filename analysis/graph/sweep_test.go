package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// TestSweepTable: the table's down-edge heads are the rows the edges
// belong to, every chain node's ends are its chain's ends by sweep
// position, and its times from them add up the chain's edges in order
// (+Inf past an edge the chain lacks that way).
func TestSweepTable(t *testing.T) {
	inf := graph.Seconds(math.Inf(1))
	rng := rand.New(rand.NewPCG(5, 32))
	for trial := 0; trial < 20; trial++ {
		g := graphtest.Chains(t, rng, 10+rng.IntN(60), true)
		h := g.Hierarchy()
		tab := g.SweepTable()
		if g.SweepTable() != tab {
			t.Fatal("a second call built another table")
		}
		dnOff, _, _ := h.Down()
		for p := 0; p+1 < len(dnOff); p++ {
			for e := dnOff[p]; e < dnOff[p+1]; e++ {
				if tab.DownHead[e] != uint32(p) {
					t.Fatalf("trial %d: down edge %d of row %d has head %d", trial, e, p, tab.DownHead[e])
				}
			}
		}
		nc := graph.NodeID(g.NumCore())
		order := h.Order()
		for c := range g.NumChains() {
			first, end, a, b := g.Chain(c)
			var fromA graph.Seconds
			prev := a
			for x := first; x < end; x++ {
				i := x - nc
				if order[tab.EndA[i]] != a || order[tab.EndB[i]] != b {
					t.Fatalf("trial %d: node %d of chain %d: ends %d, %d; want %d, %d", trial, x, c, order[tab.EndA[i]], order[tab.EndB[i]], a, b)
				}
				w, ok := g.EdgeWeight(prev, x)
				if !ok {
					w = inf
				}
				fromA += w
				if tab.FromA[i] != fromA {
					t.Fatalf("trial %d: node %d of chain %d: FromA %v, want %v", trial, x, c, tab.FromA[i], fromA)
				}
				prev = x
			}
			var fromB graph.Seconds
			next := b
			for x := end - 1; x >= first; x-- {
				w, ok := g.EdgeWeight(next, x)
				if !ok {
					w = inf
				}
				fromB += w
				if tab.FromB[x-nc] != fromB {
					t.Fatalf("trial %d: node %d of chain %d: FromB %v, want %v", trial, x, c, tab.FromB[x-nc], fromB)
				}
				next = x
			}
		}
	}
}
