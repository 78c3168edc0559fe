package bench_test

import (
	"context"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// BenchmarkTimeGraph_PortoAlegre measures what one more time of day costs
// before its searches: re-weighting the graph (Reweighted: new edge times
// and core sums, everything else shared), against rebuilding it from the
// edges (Modified: components and core rebuilt, as scenarios do) and
// against building it again from the PBF with slower speeds. The factor
// is 1/0.7 on every edge, an evening's 70 % of free-flow speed.
func BenchmarkTimeGraph_PortoAlegre(b *testing.B) {
	g := load(b, regions[0])
	slow := func(graph.EdgeID) float64 { return 1 / 0.7 }
	// Pin the quality beside the speed: both ways give the same times.
	rw, err := g.Reweighted(slow)
	if err != nil {
		b.Fatal(err)
	}
	md, err := g.Modified(nil, slow)
	if err != nil {
		b.Fatal(err)
	}
	for e := 0; e < g.NumEdges(); e++ {
		if rw.Weight(graph.EdgeID(e)) != md.Weight(graph.EdgeID(e)) {
			b.Fatalf("edge %d: reweighted %v, modified %v", e, rw.Weight(graph.EdgeID(e)), md.Weight(graph.EdgeID(e)))
		}
	}
	// Each graph is then snapped to once, as a study snaps its cells: the
	// re-weighted graph shares g's snap index, a modified one builds its own.
	at := g.Point(0)
	snap := func(b *testing.B, h *graph.Graph) {
		if _, err := h.Snap(at, graph.SnapOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	snap(b, g)
	b.Run("reweight", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, err := g.Reweighted(slow)
			if err != nil {
				b.Fatal(err)
			}
			snap(b, h)
		}
	})
	b.Run("modified", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, err := g.Modified(nil, slow)
			if err != nil {
				b.Fatal(err)
			}
			snap(b, h)
		}
	})
	b.Run("rebuild-from-pbf", func(b *testing.B) {
		p, err := osm.BuiltinProfile("drive")
		if err != nil {
			b.Fatal(err)
		}
		p.SpeedFactor = 0.7
		path := shared.Path(b, "data", regions[0].pbf)
		b.ReportAllocs()
		for b.Loop() {
			h, err := osm.Build(context.Background(), path, p, osm.Options{})
			if err != nil {
				b.Fatal(err)
			}
			snap(b, h)
		}
	})
}
