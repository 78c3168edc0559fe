package route_test

import (
	"container/heap"
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// eps is the rounding allowed between two sums of the same edge times added
// in another order: the core graph adds a chain's edges before adding them
// to the time at its end (about 1e-13 s on these graphs).
const eps = 1e-9

func close(a, b graph.Seconds) bool { return math.Abs(float64(a-b)) <= eps }

var seed = flag.Uint64("seed", 42, "random seed for the property tests (replay a failure with -seed=N)")

// naive is a textbook Dijkstra over container/heap with lazy deletion: the
// definition the fast search must agree with.
type pq []struct {
	t graph.Seconds
	v graph.NodeID
}

func (q pq) Len() int           { return len(q) }
func (q pq) Less(i, j int) bool { return q[i].t < q[j].t }
func (q pq) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *pq) Push(x any) {
	*q = append(*q, x.(struct {
		t graph.Seconds
		v graph.NodeID
	}))
}
func (q *pq) Pop() any { o := *q; x := o[len(o)-1]; *q = o[:len(o)-1]; return x }

func naive(g *graph.Graph, seeds []route.Seed) []graph.Seconds {
	dist := make([]graph.Seconds, g.NumNodes())
	for i := range dist {
		dist[i] = route.Unreached
	}
	q := &pq{}
	for _, s := range seeds {
		if s.Time < dist[s.Node] {
			dist[s.Node] = s.Time
			heap.Push(q, struct {
				t graph.Seconds
				v graph.NodeID
			}{s.Time, s.Node})
		}
	}
	for q.Len() > 0 {
		it := heap.Pop(q).(struct {
			t graph.Seconds
			v graph.NodeID
		})
		if it.t > dist[it.v] {
			continue
		}
		for e := g.FirstEdge(it.v); e < g.FirstEdge(it.v+1); e++ {
			v := g.Head(e)
			if nt := it.t + g.Weight(e); nt < dist[v] {
				dist[v] = nt
				heap.Push(q, struct {
					t graph.Seconds
					v graph.NodeID
				}{nt, v})
			}
		}
	}
	return dist
}

func randomSeeds(rng *rand.Rand, g *graph.Graph, k int) []route.Seed {
	seeds := make([]route.Seed, k)
	for i := range seeds {
		seeds[i] = route.Seed{Node: graph.NodeID(rng.IntN(g.NumNodes())), Time: graph.Seconds(rng.Float64() * 10), Source: int32(i)}
	}
	return seeds
}

func TestRunMatchesNaiveDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 1))
	s := (*route.Search)(nil)
	for trial := 0; trial < 50; trial++ {
		g := graphtest.Random(t, rng, 50+rng.IntN(400))
		s = route.NewSearch(g)
		for run := 0; run < 5; run++ { // the workspace is reused between runs
			seeds := randomSeeds(rng, g, 1+rng.IntN(6))
			if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
				t.Fatal(err)
			}
			want := naive(g, seeds)
			for v := 0; v < g.NumNodes(); v++ {
				got, ok := s.Time(graph.NodeID(v))
				if ok != !math.IsInf(float64(want[v]), 1) || (ok && !close(got, want[v])) {
					t.Fatalf("seed %d trial %d run %d: Time(%d) = %v, %v; want %v", *seed, trial, run, v, got, ok, want[v])
				}
			}
		}
	}
}

// TestTreeProperties checks, on every edge u->v, that t(v) <= t(u) + w and
// that the reported source of v reaches v in exactly t(v).
func TestTreeProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 2))
	for trial := 0; trial < 20; trial++ {
		g := graphtest.Random(t, rng, 300)
		seeds := randomSeeds(rng, g, 5)
		s := route.NewSearch(g)
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			t.Fatal(err)
		}
		tree := s.Tree()
		for u := 0; u < g.NumNodes(); u++ {
			for e := g.FirstEdge(graph.NodeID(u)); e < g.FirstEdge(graph.NodeID(u+1)); e++ {
				v := g.Head(e)
				if tree.Time[v] > tree.Time[u]+g.Weight(e)+eps {
					t.Fatalf("t(%d) = %v > t(%d) + w = %v", v, tree.Time[v], u, tree.Time[u]+g.Weight(e))
				}
			}
		}
		for v, src := range tree.Source {
			if src < 0 {
				continue
			}
			if alone := naive(g, []route.Seed{seeds[src]}); !close(alone[v], tree.Time[v]) {
				t.Fatalf("node %d: source %d alone reaches it in %v, the tree says %v", v, src, alone[v], tree.Time[v])
			}
		}
	}
}

// TestLimitIsACut checks that a bounded search gives exactly the unbounded
// result cut at the limit (a node at exactly the limit is in).
func TestLimitIsACut(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 3))
	for trial := 0; trial < 30; trial++ {
		g := graphtest.Random(t, rng, 400)
		seeds := randomSeeds(rng, g, 3)
		s := route.NewSearch(g)
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			t.Fatal(err)
		}
		full := s.Tree()
		// Limits at a node's exact time test the inclusive edge.
		limits := []graph.Seconds{graph.Seconds(rng.Float64() * 200), full.Time[rng.IntN(g.NumNodes())]}
		for _, limit := range limits {
			if math.IsInf(float64(limit), 1) || limit <= 0 {
				continue
			}
			if err := s.Run(context.Background(), seeds, route.Options{Limit: limit}); err != nil {
				t.Fatal(err)
			}
			cut := s.Tree()
			for v := range full.Time {
				want, wantSrc := full.Time[v], full.Source[v]
				if want > limit {
					want, wantSrc = route.Unreached, -1
				}
				if cut.Time[v] != want || cut.Source[v] != wantSrc {
					t.Fatalf("limit %v: node %d = %v from %d, want %v from %d", limit, v, cut.Time[v], cut.Source[v], want, wantSrc)
				}
			}
		}
	}
}

func TestTiesGoToLowerSource(t *testing.T) {
	// 0 -1s-> 1 <-1s- 2: node 1 is 1 s from both sources.
	var b graph.Builder
	for i := 0; i < 3; i++ {
		b.AddNode(int64(i+1), int32(i)*1000, 0)
	}
	w := b.AddWay(9)
	b.AddEdge(0, 1, 1, w)
	b.AddEdge(2, 1, 1, w)
	g, err := b.Build(graph.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	n := func(osm int64) graph.NodeID { v, _ := g.Node(osm); return v }
	for _, seeds := range [][]route.Seed{
		{{Node: n(1), Source: 0}, {Node: n(3), Source: 1}},
		{{Node: n(3), Source: 1}, {Node: n(1), Source: 0}},
	} {
		s := route.NewSearch(g)
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			t.Fatal(err)
		}
		if got := s.Source(n(2)); got != 0 {
			t.Errorf("Source(middle) = %d with seeds %v, want 0 (ties go to the lower source)", got, seeds)
		}
	}
}

func TestForEachMatchesSequential(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 4))
	g := graphtest.Random(t, rng, 500)
	groups := make([][]route.Seed, 40)
	for i := range groups {
		groups[i] = []route.Seed{{Node: graph.NodeID(rng.IntN(g.NumNodes())), Source: int32(i)}}
	}
	var mu sync.Mutex
	got := make([]int, len(groups))
	err := route.ForEach(context.Background(), g, groups, route.Options{Limit: 60}, 3, func(i int, s *route.Search) error {
		mu.Lock()
		got[i] = len(s.Settled())
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, seeds := range groups {
		want := 0
		for _, d := range naive(g, seeds) {
			if d <= 60 {
				want++
			}
		}
		if got[i] != want {
			t.Errorf("group %d reached %d nodes in parallel, %d alone", i, got[i], want)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 5))
	g := graphtest.Random(t, rng, 20000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := route.NewSearch(g)
	if err := s.Run(ctx, []route.Seed{{Node: 0}}, route.Options{}); err != context.Canceled {
		t.Errorf("Run with a cancelled context = %v, want context.Canceled", err)
	}
	err := route.ForEach(ctx, g, [][]route.Seed{{{Node: 0}}, {{Node: 1}}}, route.Options{}, 2, func(int, *route.Search) error { return nil })
	if err != context.Canceled {
		t.Errorf("ForEach with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestChainsMatchNaiveDijkstra(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 6))
	for trial := 0; trial < 60; trial++ {
		g := graphtest.Chains(t, rng, 10+rng.IntN(60))
		if g.NumCore() == g.NumNodes() {
			t.Fatalf("trial %d: no chain in a chain-heavy graph", trial)
		}
		s := route.NewSearch(g)
		for run := 0; run < 6; run++ {
			seeds := randomSeeds(rng, g, 1+rng.IntN(4)) // seeds land on chain interiors too
			var limit graph.Seconds
			if run%2 == 1 {
				limit = graph.Seconds(rng.Float64() * 100)
			}
			if err := s.Run(context.Background(), seeds, route.Options{Limit: limit}); err != nil {
				t.Fatal(err)
			}
			want := naive(g, seeds)
			for v := 0; v < g.NumNodes(); v++ {
				w := want[v]
				if limit > 0 && w > limit+eps {
					w = route.Unreached
				}
				got, ok := s.Time(graph.NodeID(v))
				if limit > 0 && math.Abs(float64(want[v]-limit)) <= eps {
					continue // within rounding of the limit: either answer is right
				}
				if ok != !math.IsInf(float64(w), 1) || (ok && !close(got, w)) {
					t.Fatalf("seed %d trial %d run %d (limit %v): Time(%d) = %v, %v; want %v (core %d of %d nodes)",
						*seed, trial, run, limit, v, got, ok, w, g.NumCore(), g.NumNodes())
				}
				if ok {
					src := s.Source(graph.NodeID(v))
					if alone := naive(g, []route.Seed{seeds[src]}); !close(alone[v], got) {
						t.Fatalf("node %d: source %d alone reaches it in %v, the search says %v", v, src, alone[v], got)
					}
				}
			}
		}
	}
}

// TestParallelFillMatchesNaive runs wide searches on a graph with more
// chains than the parallel-fill threshold, with two fill workers.
func TestParallelFillMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 8))
	g := graphtest.Chains(t, rng, 4000)
	if g.NumChains() < 4096 {
		t.Fatalf("%d chains, want more than 4096 to test the parallel fill", g.NumChains())
	}
	s := route.NewSearch(g)
	s.FillWorkers = 2
	var tree route.Tree
	for run := 0; run < 4; run++ {
		seeds := randomSeeds(rng, g, 1+rng.IntN(20))
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			t.Fatal(err)
		}
		s.TreeInto(&tree)
		want := naive(g, seeds)
		reached := 0
		for v := range want {
			if !close(tree.Time[v], want[v]) && !(math.IsInf(float64(tree.Time[v]), 1) && math.IsInf(float64(want[v]), 1)) {
				t.Fatalf("run %d: node %d = %v, want %v", run, v, tree.Time[v], want[v])
			}
			if !math.IsInf(float64(want[v]), 1) {
				reached++
			}
		}
		if len(s.Settled()) != reached {
			t.Fatalf("run %d: Settled() has %d nodes, %d are reachable", run, len(s.Settled()), reached)
		}
	}
}

// TestModifiedGraphMatchesNaive drops random edges and slows others on a
// chain-heavy graph (chains broken in the middle, one-way halves) and checks
// the search on the modified graph against a textbook Dijkstra on it.
func TestModifiedGraphMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 9))
	for trial := 0; trial < 30; trial++ {
		g := graphtest.Chains(t, rng, 20+rng.IntN(40))
		drop := make([]bool, g.NumEdges())
		factor := make([]float64, g.NumEdges())
		for e := range drop {
			drop[e] = rng.IntN(6) == 0
			factor[e] = 1 + rng.Float64()
		}
		m, err := g.Modified(func(e graph.EdgeID) bool { return drop[e] }, func(e graph.EdgeID) float64 { return factor[e] })
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		for e := range drop {
			if !drop[e] {
				kept++
			}
		}
		if m.NumEdges() != kept || m.NumNodes() != g.NumNodes() {
			t.Fatalf("modified graph: %d nodes %d edges, want %d and %d", m.NumNodes(), m.NumEdges(), g.NumNodes(), kept)
		}
		s := route.NewSearch(m)
		seeds := randomSeeds(rng, m, 3)
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			t.Fatal(err)
		}
		want := naive(m, seeds)
		for v := 0; v < m.NumNodes(); v++ {
			got, ok := s.Time(graph.NodeID(v))
			if ok != !math.IsInf(float64(want[v]), 1) || (ok && !close(got, want[v])) {
				t.Fatalf("trial %d: node %d = %v %v, want %v", trial, v, got, ok, want[v])
			}
		}
	}
	g := graphtest.Chains(t, rng, 10)
	if _, err := g.Modified(nil, func(graph.EdgeID) float64 { return 0 }); err == nil {
		t.Error("a speed factor of 0 was accepted")
	}
}
