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
// search, the nodes reached, and the bytes of the graph, of the workspace
// and of the graph's sweep table (PHAST's; built by the first sweep).
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
					b.ReportMetric(float64(n.g.SweepTable().MemoryBytes())/1e6, "sweep-MB")
				})
			}
		}
	}
}

// BenchmarkPointToPointGrowth: one node to one node as the server's travel
// time runs it (a Targets built per query, then the restricted search),
// on the networks of BenchmarkOneToAllGrowth: the time and the bytes
// allocated per query as the graph grows. 64 fixed pairs of core nodes.
func BenchmarkPointToPointGrowth(b *testing.B) {
	for _, n := range growthNetworks(b) {
		b.Run(n.name, func(b *testing.B) {
			if n.g.Hierarchy() == nil {
				b.Skip("no hierarchy")
			}
			nc := uint64(n.g.NumCore())
			s := route.NewSearch(n.g)
			reached := 0
			b.ReportAllocs()
			cpu := reportCPU(b)
			k := uint64(0)
			for b.Loop() {
				k++
				from := graph.NodeID((k%64*2654435761 + 7) % nc)
				to := graph.NodeID((k%64*40503 + 11) % nc)
				tg := route.NewTargets(n.g, []graph.NodeID{to})
				if err := s.Run(context.Background(), []route.Seed{{Node: from}}, route.Options{Targets: tg}); err != nil {
					b.Fatal(err)
				}
				if _, ok := s.Time(to); ok {
					reached++
				}
			}
			cpu()
			b.ReportMetric(float64(reached)/float64(b.N), "reached-share")
			b.ReportMetric(float64(n.g.NumCore()), "core-nodes")
		})
	}
}
