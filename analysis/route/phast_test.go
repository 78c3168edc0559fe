package route_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// checkPHAST runs seeds with PHAST and with Dijkstra on g and checks PHAST
// against the textbook Dijkstra (times within eps, the same nodes reached)
// and the fast Dijkstra's sources: where they differ, the PHAST source's own
// time must tie the best (a tie broken differently by rounding).
func checkPHAST(t *testing.T, g *graph.Graph, seeds []route.Seed, limit graph.Seconds, what string) {
	t.Helper()
	ph, dj := route.NewSearch(g), route.NewSearch(g)
	if err := ph.Run(context.Background(), seeds, route.Options{Limit: limit, Method: route.PHAST}); err != nil {
		t.Fatal(err)
	}
	if err := dj.Run(context.Background(), seeds, route.Options{Limit: limit, Method: route.Dijkstra}); err != nil {
		t.Fatal(err)
	}
	want := naive(g, seeds)
	reached := 0
	for v := range want {
		w := want[v]
		if limit > 0 && w > limit {
			w = route.Unreached
		}
		got, ok := ph.Time(graph.NodeID(v))
		if ok != (w != route.Unreached) || (ok && !close(got, w)) {
			t.Fatalf("%s: PHAST Time(%d) = %v, %v; want %v", what, v, got, ok, w)
		}
		if !ok {
			continue
		}
		reached++
		if ps, ds := ph.Source(graph.NodeID(v)), dj.Source(graph.NodeID(v)); ps != ds {
			var own []route.Seed
			for _, sd := range seeds {
				if sd.Source == ps {
					own = append(own, sd)
				}
			}
			if alt := naive(g, own)[v]; !close(alt, w) {
				t.Fatalf("%s: node %d: PHAST source %d (%v s), Dijkstra source %d (%v s)", what, v, ps, alt, ds, w)
			}
		}
	}
	if len(ph.Settled()) != reached {
		t.Fatalf("%s: Settled() has %d nodes, %d are reachable", what, len(ph.Settled()), reached)
	}
}

// trialGraph is the graph of a randomized trial, with a hierarchy: random
// (30 to 229 nodes) on even trials, chain-heavy (10 to 69 junctions) on
// odd ones.
func trialGraph(t *testing.T, rng *rand.Rand, trial int) *graph.Graph {
	t.Helper()
	if trial%2 == 0 {
		return graphtest.Random(t, rng, 30+rng.IntN(200), true)
	}
	return graphtest.Chains(t, rng, 10+rng.IntN(60), true)
}

// randomTargets draws 1 to most target nodes of g (repeats allowed).
func randomTargets(rng *rand.Rand, g *graph.Graph, most int) []graph.NodeID {
	targets := make([]graph.NodeID, 1+rng.IntN(most))
	for i := range targets {
		targets[i] = graph.NodeID(rng.IntN(g.NumNodes()))
	}
	return targets
}

// someLimit is a random time limit below 150 s when on, else none (0).
func someLimit(rng *rand.Rand, on bool) graph.Seconds {
	if !on {
		return 0
	}
	return graph.Seconds(rng.Float64() * 150)
}

func TestPHASTMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 21))
	for trial := 0; trial < 60; trial++ {
		g := trialGraph(t, rng, trial)
		if g.Hierarchy() == nil {
			t.Fatal("Builder.Hierarchy set, graph has no hierarchy")
		}
		for run := 0; run < 4; run++ {
			seeds := randomSeeds(rng, g, 1+rng.IntN(6))
			limit := someLimit(rng, run%2 == 1)
			checkPHAST(t, g, seeds, limit, "trial")
		}
	}
}

// TestPHASTWorkspaceReuse alternates PHAST and Dijkstra runs on one
// workspace: a PHAST run writes every core node, and the next run must
// start clean.
func TestPHASTWorkspaceReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 22))
	g := graphtest.Chains(t, rng, 80, true)
	s := route.NewSearch(g)
	for run := 0; run < 20; run++ {
		seeds := randomSeeds(rng, g, 1+rng.IntN(3))
		m := []route.Method{route.PHAST, route.Dijkstra}[run%2]
		limit := graph.Seconds(rng.Float64() * 100)
		if err := s.Run(context.Background(), seeds, route.Options{Limit: limit, Method: m}); err != nil {
			t.Fatal(err)
		}
		want := naive(g, seeds)
		for v := range want {
			w := want[v]
			if w > limit {
				w = route.Unreached
			}
			if got, _ := s.Time(graph.NodeID(v)); !close(got, w) && !(math.IsInf(float64(got), 1) && math.IsInf(float64(w), 1)) {
				t.Fatalf("run %d (%v): Time(%d) = %v, want %v", run, m, v, got, w)
			}
		}
	}
}

// A graph without a hierarchy (a scenario graph) falls back to Dijkstra.
func TestPHASTFallsBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 23))
	g := graphtest.Random(t, rng, 100)
	if g.Hierarchy() != nil {
		t.Fatal("graph built without Hierarchy has one")
	}
	checkPHAST(t, g, randomSeeds(rng, g, 3), 0, "no hierarchy")
	gh := graphtest.Random(t, rand.New(rand.NewPCG(*seed, 24)), 100, true)
	m, err := gh.Modified(func(e graph.EdgeID) bool { return e%7 == 0 }, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkPHAST(t, m, randomSeeds(rng, m, 3), 0, "modified")
}

// TestRPHASTMatchesNaive: a search restricted to random target nodes gives
// every target its exact time and reports no other node, on random and
// chain-heavy graphs, with and without a limit, the workspace reused
// between restricted and full runs.
func TestRPHASTMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 25))
	for trial := 0; trial < 60; trial++ {
		g := trialGraph(t, rng, trial)
		targets := randomTargets(rng, g, 12)
		tg := route.NewTargets(g, targets)
		if tg == nil || tg.NumSwept() > g.NumCore() {
			t.Fatalf("NewTargets = %v on a graph with a hierarchy", tg)
		}
		isTarget := make([]bool, g.NumNodes())
		for _, v := range targets {
			isTarget[v] = true
		}
		s := route.NewSearch(g)
		for run := 0; run < 4; run++ {
			seeds := randomSeeds(rng, g, 1+rng.IntN(4))
			limit := someLimit(rng, run%2 == 1)
			if run == 2 { // a full run in between: the workspace must come back clean
				if err := s.Run(context.Background(), seeds, route.Options{Method: route.PHAST}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Run(context.Background(), seeds, route.Options{Limit: limit, Targets: tg}); err != nil {
				t.Fatal(err)
			}
			want := naive(g, seeds)
			reached := 0
			for v := range g.NumNodes() {
				w := want[v]
				if limit > 0 && w > limit || !isTarget[v] {
					w = route.Unreached
				}
				if w != route.Unreached {
					reached++
				}
				got, ok := s.Time(graph.NodeID(v))
				if ok != (w != route.Unreached) || (ok && !close(got, w)) {
					t.Fatalf("trial %d run %d: restricted Time(%d) = %v, %v; want %v (target %v)", trial, run, v, got, ok, w, isTarget[v])
				}
			}
			if len(s.Settled()) != reached {
				t.Fatalf("trial %d run %d: Settled() has %d nodes, %d targets are reached", trial, run, len(s.Settled()), reached)
			}
		}
	}
}

// TestForEachBatchMatchesRun: ForEach with targets sweeps up to Lanes
// searches together; every search's answer (times, sources, the nodes
// reached) is the one Run gives alone, bit for bit, for group counts below,
// at and past a batch, with and without a limit.
func TestForEachBatchMatchesRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 26))
	for trial := 0; trial < 30; trial++ {
		g := trialGraph(t, rng, trial)
		targets := randomTargets(rng, g, 20)
		tg := route.NewTargets(g, targets)
		groups := make([][]route.Seed, 1+rng.IntN(3*route.Lanes))
		for i := range groups {
			groups[i] = randomSeeds(rng, g, 1+rng.IntN(3))
		}
		limit := someLimit(rng, trial%3 == 1)
		opt := route.Options{Limit: limit, Targets: tg}
		type answer struct {
			settled []graph.NodeID
			times   []graph.Seconds
			sources []int32
		}
		got := make([]answer, len(groups))
		err := route.ForEach(context.Background(), g, groups, opt, 1+trial%2, func(i int, s *route.Search) error {
			a := answer{settled: slices.Clone(s.Settled())}
			for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
				tm, _ := s.Time(v)
				a.times = append(a.times, tm)
				a.sources = append(a.sources, s.Source(v))
			}
			got[i] = a
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s := route.NewSearch(g)
		for i, seeds := range groups {
			if err := s.Run(context.Background(), seeds, opt); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got[i].settled, s.Settled()) {
				t.Fatalf("trial %d group %d: ForEach reached %v, Run %v", trial, i, got[i].settled, s.Settled())
			}
			for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
				tm, _ := s.Time(v)
				if math.Float64bits(float64(tm)) != math.Float64bits(float64(got[i].times[v])) || s.Source(v) != got[i].sources[v] {
					t.Fatalf("trial %d group %d node %d: ForEach %v s from %d, Run %v s from %d", trial, i, v, got[i].times[v], got[i].sources[v], tm, s.Source(v))
				}
			}
		}
	}
}
