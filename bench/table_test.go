package bench_test

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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

var engineInputs = flag.String("engine-inputs", "", "TestWriteEngineInputs writes Malta's CSR and sources (malta.csr) and the table's places (table-*.csv) into this folder, for bench/engines/*.py")

// TestWriteEngineInputs writes what the peer scripts of bench/engines read:
// Malta's graph as rescuegrid searches it (CSR: node and edge counts,
// offsets u32, heads u32, times f64, then the sources' count and node
// numbers, all little-endian) and the table's sources and targets. It does
// nothing without -engine-inputs.
func TestWriteEngineInputs(t *testing.T) {
	if *engineInputs == "" {
		t.Skip("no -engine-inputs folder")
	}
	r := regions[2]
	g := load(t, r)
	if err := os.MkdirAll(*engineInputs, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	le := binary.LittleEndian
	off, tgt, w := g.CSR()
	buf = le.AppendUint64(buf, uint64(g.NumNodes()))
	buf = le.AppendUint64(buf, uint64(len(tgt)))
	for _, x := range off {
		buf = le.AppendUint32(buf, x)
	}
	for _, x := range tgt {
		buf = le.AppendUint32(buf, uint32(x))
	}
	for _, x := range w {
		buf = le.AppendUint64(buf, math.Float64bits(float64(x)))
	}
	seeds := sources(t, r, g)
	buf = le.AppendUint64(buf, uint64(len(seeds)))
	for _, s := range seeds {
		buf = le.AppendUint32(buf, uint32(s.Node))
	}
	if err := os.WriteFile(filepath.Join(*engineInputs, "malta.csr"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	old := *tablePoints
	*tablePoints = filepath.Join(*engineInputs, "table-")
	defer func() { *tablePoints = old }()
	tablePairs(t, g)
}

// BenchmarkPointToPoint_Malta: the server's travel-time query (one point
// to one point, no limit) at 200 random node pairs of the table's places:
// Dijkstra to all, PHAST to all, and the sweep restricted to the target's
// node (RPHAST, its Targets built per query as the server does).
func BenchmarkPointToPoint_Malta(b *testing.B) {
	g := load(b, regions[2])
	sources, targets := tablePairs(b, g)
	sources, targets = sources[:200], targets[:200]
	for _, m := range []string{"Dijkstra", "PHAST", "RPHAST"} {
		b.Run(m, func(b *testing.B) {
			s := route.NewSearch(g)
			b.ReportAllocs()
			cpu := reportCPU(b)
			for b.Loop() {
				for i, src := range sources {
					opt := route.Options{}
					switch m {
					case "PHAST":
						opt.Method = route.PHAST
					case "RPHAST":
						opt.Targets = route.NewTargets(g, targets[i:i+1])
					}
					if err := s.Run(context.Background(), []route.Seed{{Node: src}}, opt); err != nil {
						b.Fatal(err)
					}
					if _, ok := s.Time(targets[i]); !ok {
						b.Fatalf("pair %d not reached", i)
					}
				}
			}
			cpu()
			b.ReportMetric(float64(len(sources)), "pairs")
		})
	}
}
