package bench_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/sheltertest"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/uber/h3-go/v4"
)

// benchPOA returns Porto Alegre's walking matrix for the short-term reach
// and the everyone-needs-a-place demand, outside the timed loop.
func benchPOA(b *testing.B) (*shelter.Result, []float64, []float64) {
	p := loadPOA(b)
	r, err := shelter.Compute(context.Background(), p.in)
	if err != nil {
		b.Fatal(err)
	}
	return r, p.in.Pop, placesOf(r)
}

func BenchmarkAssign_PortoAlegre(b *testing.B) {
	r, pop, places := benchPOA(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shelter.Assign(context.Background(), &r.Matrix, pop, places); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkE2SFCA_PortoAlegre(b *testing.B) {
	r, pop, places := benchPOA(b)
	cut := make([]float64, len(r.Shelters))
	for j, sr := range r.Shelters {
		cut[j] = sr.CutoffSeconds
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shelter.TwoStep(&r.Matrix, pop, places, cut, shelter.FCAOptions{Decay: shelter.Gaussian}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompute_PortoAlegre(b *testing.B) {
	p := loadPOA(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shelter.Compute(context.Background(), p.in); err != nil {
			b.Fatal(err)
		}
	}
}

// maltaInput is a synthetic demand on Malta's walk graph: every res-9 cell
// holding a walkable node, 300 residents each, and 400 shelters at random
// nodes (seeded) with 50 to 1,000 places, long-term class (2.5 km reach).
var (
	maltaOnce sync.Once
	maltaIn   shelter.Input
	maltaErr  error
)

func loadMalta(b *testing.B) shelter.Input {
	b.Helper()
	pbf := shared.Path(b, "data", "malta", "malta-latest.osm.pbf")
	maltaOnce.Do(func() {
		std, err := study.Preset(study.DefaultPreset, "")
		if err != nil {
			maltaErr = err
			return
		}
		p, _ := osm.BuiltinProfile("walk")
		p.SetUniformSpeed(std.Shelters.WalkKPH)
		g, err := osm.Build(context.Background(), pbf, p, osm.Options{})
		if err != nil {
			maltaErr = err
			return
		}
		in := shelter.Input{Walk: g, Standard: std, Options: shelter.Options{DefaultClass: "long_term"}}
		seen := map[h3.Cell]bool{}
		for v := 0; v < g.NumNodes(); v++ {
			c, err := geo.CellOf(g.Point(graph.NodeID(v)), 9)
			if err != nil {
				maltaErr = err
				return
			}
			if !seen[c] {
				seen[c] = true
				in.Cells = append(in.Cells, c)
				in.Pop = append(in.Pop, 300)
			}
		}
		rng := rand.New(rand.NewPCG(7, 7))
		for j := 0; j < 400; j++ {
			v := rng.IntN(g.NumNodes())
			in.Shelters = append(in.Shelters, shelter.Shelter{ID: "s" + itoa(j), Loc: g.Point(graph.NodeID(v)), Capacity: float64(50 + rng.IntN(951))})
		}
		maltaIn = in
	})
	if maltaErr != nil {
		b.Fatal(maltaErr)
	}
	return maltaIn
}

func BenchmarkCompute_MaltaSynthetic(b *testing.B) {
	in := loadMalta(b)
	var r *shelter.Result
	var clock study.StageClock
	in.Options.Stage = clock.Begin
	b.ReportAllocs()
	for b.Loop() {
		var err error
		clock = study.StageClock{}
		if r, err = shelter.Compute(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
	clock.Stop()
	s := r.Summary
	b.StopTimer()
	if aug, neg := sheltertest.Certificate(&r.Matrix, r.Cells.Demand, placesOf(r), r.Assignment, 1e-6); aug || neg < -1e-6 {
		b.Errorf("Malta assignment not optimal: augmenting path %v, negative cycle %g", aug, neg)
	}
	b.ReportMetric(s.Placed, "placed")
	b.ReportMetric(float64(len(in.Cells)), "cells")
	b.ReportMetric(float64(r.Matrix.Len()), "pairs")
	b.ReportMetric(float64(s.Phases), "phases")
	b.ReportMetric(clock.Took(shelter.StageAssign).Seconds()*1e3, "assign-ms")
	b.ReportMetric(clock.Took(shelter.StageWalk).Seconds()*1e3, "walk-ms")
	b.ReportMetric(clock.Took(shelter.StageFCA).Seconds()*1e3, "fca-ms")
}

func itoa(i int) string { return strconv.Itoa(i) }
