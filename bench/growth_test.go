package bench_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
)

var growthGraphs = flag.String("growth-graphs", "", "BenchmarkOneToAllGrowth also searches these graph files (name=path, comma-separated; built with `rescuegrid network build`), after the three regions")

// growthGraph is one network of the growth benchmark and its source.
type growthGraph struct {
	name string
	g    *graph.Graph
	seed []route.Seed
}

// growthNetworks returns the three regions (the peers' first source) and
// the graph files of -growth-graphs (a source that reaches most nodes).
func growthNetworks(b *testing.B) []growthGraph {
	var out []growthGraph
	for _, r := range []region{regions[1], regions[2], regions[0]} { // by size
		g := load(b, r)
		out = append(out, growthGraph{r.name, g, sources(b, r, g)[:1]})
	}
	if *growthGraphs == "" {
		return out
	}
	for _, item := range strings.Split(*growthGraphs, ",") {
		name, path, ok := strings.Cut(item, "=")
		if !ok {
			b.Fatalf("-growth-graphs %q: want name=path", item)
		}
		g, err := graph.Open(path, graph.OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, growthGraph{name, g, wideSource(b, g)})
	}
	return out
}

// wideSource returns a source on g that reaches at least 90 % of its nodes:
// the first of a fixed sequence of core nodes that does.
func wideSource(b *testing.B, g *graph.Graph) []route.Seed {
	s := route.NewSearch(g)
	for k := 0; k < 20; k++ {
		v := graph.NodeID((uint64(k)*2654435761 + 12345) % uint64(g.NumCore()))
		seed := []route.Seed{{Node: v}}
		if err := s.Run(context.Background(), seed, route.Options{Method: route.PHAST}); err != nil {
			b.Fatal(err)
		}
		if len(s.Settled()) >= g.NumNodes()*9/10 {
			return seed
		}
	}
	b.Fatal("no source reaches 90 % of the nodes")
	return nil
}

// BenchmarkOneToAllGrowth: one source to every node, no limit, with
// Dijkstra and PHAST, the chain pass on 1 and 2 workers, from Andorra to
// Malta to Porto Alegre (and the graph files of -growth-graphs): how the
// time per search grows with the graph. It reports the CPU time per
// search, the nodes reached, and the graph's and the workspace's bytes.
func BenchmarkOneToAllGrowth(b *testing.B) {
	for _, n := range growthNetworks(b) {
		for _, m := range methods {
			for _, workers := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/%dworkers", n.name, m.name, workers), func(b *testing.B) {
					s := route.NewSearch(n.g)
					s.FillWorkers = workers
					cpu := reportCPU(b)
					for b.Loop() {
						if err := s.Run(context.Background(), n.seed, route.Options{Method: m.m}); err != nil {
							b.Fatal(err)
						}
					}
					cpu()
					b.ReportMetric(float64(n.g.NumNodes()), "graph-nodes")
					b.ReportMetric(float64(len(s.Settled())), "nodes")
					b.ReportMetric(float64(n.g.MemoryBytes())/1e6, "graph-MB")
					b.ReportMetric(float64(s.MemoryBytes())/1e6, "search-MB")
				})
			}
		}
	}
}
