package graph_test

import (
	"path/filepath"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

func TestSubgraphKeepAllIsTheGraph(t *testing.T) {
	g := fileGraph(t)
	keep := make([]bool, g.NumNodes())
	for i := range keep {
		keep[i] = true
	}
	s, old, err := g.Subgraph(keep)
	if err != nil {
		t.Fatal(err)
	}
	sameGraph(t, s, g)
	for i, v := range old {
		if int(v) != i {
			t.Fatalf("Subgraph(all) old[%d] = %d, want %d", i, v, i)
		}
	}
	if p := s.Meta().Parent; p == nil || p.Nodes != g.NumNodes() || p.LargestComponent != g.LargestComponentSize() {
		t.Errorf("Subgraph(all).Meta().Parent = %+v, want the graph's %d nodes and largest component %d", p, g.NumNodes(), g.LargestComponentSize())
	}
}

// TestSubgraphOfEveryNode keeps each single node in turn: the result keeps
// whole chains, its nodes in the graph's order with their components and
// edges, and survives a write and a read.
func TestSubgraphOfEveryNode(t *testing.T) {
	g := fileGraph(t)
	for v := 0; v < g.NumNodes(); v++ {
		keep := make([]bool, g.NumNodes())
		keep[v] = true
		s, old, err := g.Subgraph(keep)
		if err != nil {
			t.Fatalf("Subgraph({%d}): %v", v, err)
		}
		in := map[graph.NodeID]graph.NodeID{}
		for i, o := range old {
			if i > 0 && old[i-1] >= o {
				t.Fatalf("Subgraph({%d}) node order %v is not the graph's", v, old)
			}
			in[o] = graph.NodeID(i)
		}
		if _, ok := in[graph.NodeID(v)]; !ok {
			t.Fatalf("Subgraph({%d}) lost node %d", v, v)
		}
		for c := 0; c < g.NumChains(); c++ {
			first, end, a, b := g.Chain(c)
			_, kept := in[first]
			for x := first; x < end; x++ {
				if _, k := in[x]; k != kept {
					t.Fatalf("Subgraph({%d}) keeps part of chain %d", v, c)
				}
			}
			_, ka := in[a]
			_, kb := in[b]
			if kept && (!ka || !kb) {
				t.Fatalf("Subgraph({%d}) keeps chain %d without its ends", v, c)
			}
		}
		for i, o := range old {
			gc, gs := g.Component(o)
			sc, ss := s.Component(graph.NodeID(i))
			if gs != ss {
				t.Errorf("Subgraph({%d}) node %d component size %d, want the graph's %d", v, o, ss, gs)
			}
			for j, p := range old {
				gp, _ := g.Component(p)
				sp, _ := s.Component(graph.NodeID(j))
				if (gc == gp) != (sc == sp) {
					t.Errorf("Subgraph({%d}) nodes %d, %d: same component %v, in the graph %v", v, o, p, sc == sp, gc == gp)
				}
			}
			for e := g.FirstEdge(o); e < g.FirstEdge(o+1); e++ {
				h, ok := in[g.Head(e)]
				if !ok {
					continue
				}
				w, found := s.EdgeWeight(graph.NodeID(i), h)
				gw, _ := g.EdgeWeight(o, g.Head(e))
				if !found || w != gw {
					t.Errorf("Subgraph({%d}) edge %d->%d = %v, %v; want %v", v, o, g.Head(e), w, found, gw)
				}
			}
		}
		path := filepath.Join(t.TempDir(), "sub.rgraph")
		if err := s.WriteFile(path); err != nil {
			t.Fatal(err)
		}
		r, err := graph.ReadFile(path)
		if err != nil {
			t.Fatalf("ReadFile(Subgraph({%d})): %v", v, err)
		}
		if r.LargestComponentSize() != g.LargestComponentSize() {
			t.Errorf("read subgraph LargestComponentSize() = %d, want the parent's %d", r.LargestComponentSize(), g.LargestComponentSize())
		}
	}
}
