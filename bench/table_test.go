package bench_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
)

var tablePoints = flag.String("table-points", "", "write the table benchmark's sources and targets (lon,lat CSV) to this file prefix, for the OSRM and Valhalla runs")

// tablePairs picks the table benchmark's places on Malta: 416 sources (as
// many as the siting study's candidates) and 2,000 targets, random nodes
// of the largest strongly connected component (seeded: the same every run).
func tablePairs(tb testing.TB, g *graph.Graph) (sources, targets []graph.NodeID) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(14, 14))
	big := g.LargestComponentSize()
	pick := func(k int) []graph.NodeID {
		var out []graph.NodeID
		for len(out) < k {
			v := graph.NodeID(rng.IntN(g.NumNodes()))
			if _, size := g.Component(v); size == big {
				out = append(out, v)
			}
		}
		return out
	}
	sources, targets = pick(416), pick(2000)
	if *tablePoints != "" {
		for _, f := range []struct {
			name  string
			nodes []graph.NodeID
		}{{"sources", sources}, {"targets", targets}} {
			out, err := os.Create(*tablePoints + f.name + ".csv")
			if err != nil {
				tb.Fatal(err)
			}
			fmt.Fprintln(out, "lon,lat")
			for _, v := range f.nodes {
				p := g.Point(v)
				fmt.Fprintf(out, "%.7f,%.7f\n", p[0], p[1])
			}
			if err := out.Close(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return sources, targets
}

// BenchmarkTable_Malta: a 416 × 2,000 travel-time table (no limit), one
// search per source on one goroutine, the targets' times copied out: the
// query OSRM's table answers. RPHAST restricts each sweep to the part of
// the hierarchy the targets need (set up once, outside the loop: see
// BenchmarkTableTargets_Malta); Dijkstra searches the whole graph.
func BenchmarkTable_Malta(b *testing.B) {
	g := load(b, regions[2])
	sources, targets := tablePairs(b, g)
	tg := route.NewTargets(g, targets)
	out := make([]graph.Seconds, len(sources)*len(targets))
	for _, m := range []struct {
		name string
		opt  route.Options
	}{{"Dijkstra", route.Options{Method: route.Dijkstra}}, {"PHAST", route.Options{Method: route.PHAST}}, {"RPHAST", route.Options{Targets: tg}}} {
		b.Run(m.name, func(b *testing.B) {
			s := route.NewSearch(g)
			b.ReportAllocs()
			cpu := reportCPU(b)
			for b.Loop() {
				for i, src := range sources {
					if err := s.Run(context.Background(), []route.Seed{{Node: src}}, m.opt); err != nil {
						b.Fatal(err)
					}
					row := out[i*len(targets):]
					for j, t := range targets {
						row[j], _ = s.Time(t)
					}
				}
			}
			cpu()
		})
	}
}

// BenchmarkTableTargets_Malta: preparing the restricted sweep for the
// 2,000 targets (once per table).
func BenchmarkTableTargets_Malta(b *testing.B) {
	g := load(b, regions[2])
	_, targets := tablePairs(b, g)
	b.ReportAllocs()
	var tg *route.Targets
	for b.Loop() {
		tg = route.NewTargets(g, targets)
	}
	b.ReportMetric(float64(tg.NumSwept()), "swept_nodes")
	b.ReportMetric(float64(g.NumCore()), "core_nodes")
}
