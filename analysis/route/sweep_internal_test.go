package route

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// TestSweepOneMatchesDijkstra: a PHAST run whose seeds all share one
// source (sweepOne, then every chain node from the graph's SweepTable)
// gives the textbook Dijkstra's times to within 1e-9 s on chain-heavy and
// random graphs, seeds on core and chain nodes, with and without a limit,
// the chain nodes split among 1 to 3 workers (from the first chain node
// on, so that splits cut chains and seeded chains), on one workspace
// reused by multi-source and Dijkstra runs in between; Settled lists each
// reached node once.
func TestSweepOneMatchesDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 31))
	for trial := 0; trial < 60; trial++ {
		var g *graph.Graph
		if trial%3 == 0 {
			g = graphtest.Random(t, rng, 30+rng.IntN(200), true)
		} else {
			g = graphtest.Chains(t, rng, 10+rng.IntN(60), true)
		}
		s := NewSearch(g)
		s.splitMin = 1
		for run := 0; run < 6; run++ {
			s.FillWorkers = 1 + run%3
			seeds := make([]Seed, 1+rng.IntN(4))
			for i := range seeds {
				seeds[i] = Seed{Node: graph.NodeID(rng.IntN(g.NumNodes())), Time: graph.Seconds(rng.Float64() * 10), Source: 3}
			}
			var limit graph.Seconds
			if run%2 == 1 {
				limit = graph.Seconds(rng.Float64() * 150)
			}
			if err := s.Run(context.Background(), seeds, Options{Limit: limit, Method: PHAST}); err != nil {
				t.Fatal(err)
			}
			want := textbook(g, seeds)
			reached := 0
			for v, w := range want {
				if limit > 0 && w > limit {
					w = Unreached
				}
				got, ok := s.Time(graph.NodeID(v))
				if ok != (w != Unreached) || (ok && math.Abs(float64(got-w)) > 1e-9) {
					t.Fatalf("trial %d run %d (%d workers): Time(%d) = %v, %v; want %v", trial, run, s.FillWorkers, v, got, ok, w)
				}
				if ok {
					reached++
					if src := s.Source(graph.NodeID(v)); src != 3 {
						t.Fatalf("trial %d run %d: Source(%d) = %d, want 3", trial, run, v, src)
					}
				}
			}
			settled := slices.Clone(s.Settled())
			slices.Sort(settled)
			if len(settled) != reached || len(slices.Compact(settled)) != reached {
				t.Fatalf("trial %d run %d: Settled() has %d nodes (%d distinct), %d are reached", trial, run, len(s.Settled()), len(slices.Compact(settled)), reached)
			}
			// Another kind of run in between: the next sweep must start clean.
			other := []Seed{{Node: seeds[0].Node, Source: 0}, {Node: graph.NodeID(rng.IntN(g.NumNodes())), Source: 1}}
			if err := s.Run(context.Background(), other, Options{Method: []Method{PHAST, Dijkstra}[run%2]}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// textbook is Dijkstra's algorithm over every edge of g, with a plain
// scan for the next node: each node's least time from any seed.
func textbook(g *graph.Graph, seeds []Seed) []graph.Seconds {
	n := g.NumNodes()
	dist := make([]graph.Seconds, n)
	done := make([]bool, n)
	for i := range dist {
		dist[i] = Unreached
	}
	for _, sd := range seeds {
		dist[sd.Node] = min(dist[sd.Node], sd.Time)
	}
	off, tgt, w := g.CSR()
	for {
		u, best := -1, Unreached
		for v := range n {
			if !done[v] && dist[v] < best {
				u, best = v, dist[v]
			}
		}
		if u < 0 {
			return dist
		}
		done[u] = true
		for e := off[u]; e < off[u+1]; e++ {
			dist[tgt[e]] = min(dist[tgt[e]], best+w[e])
		}
	}
}

// TestAutoMatchesDijkstra: Auto gives the textbook Dijkstra's times to
// within 1e-9 s whether it keeps Dijkstra or turns to PHAST, and it does
// each: Dijkstra for short limits, PHAST for wide ones.
func TestAutoMatchesDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 33))
	swept, kept := 0, 0
	for trial := 0; trial < 40; trial++ {
		g := graphtest.Chains(t, rng, 40+rng.IntN(100), true)
		s := NewSearch(g)
		for run := 0; run < 6; run++ {
			seeds := []Seed{{Node: graph.NodeID(rng.IntN(g.NumNodes())), Source: int32(run % 2)}}
			limit := graph.Seconds(rng.Float64() * 200)
			if run == 5 {
				limit = 0
			}
			if err := s.Run(context.Background(), seeds, Options{Limit: limit, Method: Auto}); err != nil {
				t.Fatal(err)
			}
			if s.swept {
				swept++
			} else {
				kept++
			}
			for v, w := range textbook(g, seeds) {
				if limit > 0 && w > limit {
					w = Unreached
				}
				got, ok := s.Time(graph.NodeID(v))
				if ok != (w != Unreached) || (ok && math.Abs(float64(got-w)) > 1e-9) {
					t.Fatalf("trial %d run %d (limit %v, swept %v): Time(%d) = %v, %v; want %v", trial, run, limit, s.swept, v, got, ok, w)
				}
			}
		}
	}
	if swept == 0 || kept == 0 {
		t.Fatalf("Auto swept %d runs and kept Dijkstra in %d: want some of each", swept, kept)
	}
	t.Logf("Auto swept %d runs, kept Dijkstra in %d", swept, kept)
}

// TestSweepTableShared: searches on one graph in several goroutines, the
// first sweeps of a fresh graph among them, build the sweep table once
// and all get the answer a lone search gets (run with -race).
func TestSweepTableShared(t *testing.T) {
	g := graphtest.Chains(t, rand.New(rand.NewPCG(5, 34)), 200, true)
	seeds := func(k int) []Seed { return []Seed{{Node: graph.NodeID(k * 7 % g.NumNodes()), Source: int32(k % 2)}} }
	got := make([]Tree, 4)
	done := make(chan int)
	for k := range got {
		go func() {
			s := NewSearch(g)
			if err := s.Run(context.Background(), seeds(k), Options{Method: PHAST}); err != nil {
				t.Error(err)
			}
			got[k] = s.Tree()
			done <- k
		}()
	}
	for range got {
		<-done
	}
	for k := range got {
		s := NewSearch(g)
		if err := s.Run(context.Background(), seeds(k), Options{Method: PHAST}); err != nil {
			t.Fatal(err)
		}
		want := s.Tree()
		if !slices.Equal(got[k].Time, want.Time) || !slices.Equal(got[k].Source, want.Source) {
			t.Fatalf("search %d in a goroutine differs from the same search alone", k)
		}
	}
}
