package bench_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/robustness"
)

func criticalInput(in coverage.Input, top int) robustness.Input {
	out := robustness.Input{Graph: in.Graph, Standard: in.Standard, Cells: in.Cells, Pop: in.Pop, Top: top}
	for _, b := range in.Bases {
		out.Bases = append(out.Bases, b.Loc)
	}
	return out
}

// closure closes edges, runs the coverage computation on the closed graph
// and returns what it finds against the baseline: residents leaving the
// circle, those cut off, the added person-seconds of the others, and the
// cells whose time changed.
func closure(tb testing.TB, in coverage.Input, base *coverage.Result, edges []graph.EdgeID) (lost, cut, added float64, changed int) {
	tb.Helper()
	closed, err := robustness.Close(in.Graph, edges)
	if err != nil {
		tb.Fatal(err)
	}
	in.Graph = closed
	r, err := coverage.Compute(context.Background(), in)
	if err != nil {
		tb.Fatal(err)
	}
	for i, p := range in.Pop {
		b, a := base.Cells.Time[i], r.Cells.Time[i]
		if b != a {
			changed++
		}
		if base.Cells.Within[i] && !r.Cells.Within[i] {
			lost += p
		}
		switch {
		case !math.IsInf(b, 1) && math.IsInf(a, 1):
			cut += p
		case !math.IsInf(b, 1):
			added += p * (a - b)
		}
	}
	return lost, cut, added, changed
}

func near(a, b, scale float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, scale) }

// TestCriticalSegments checks the critical road segments against the
// coverage computation, independently: on Porto Alegre (its population
// grid, six of the twelve bases: thinner overlaps) and Malta (one resident
// per road cell, the nine fire stations). The baseline times are the
// coverage study's exactly; closing each of the most costly segments (three, one)
// and rerunning the whole coverage computation on the closed graph loses
// exactly the residents, cuts off exactly those and adds exactly the
// person-seconds reported; no segment loses more residents than its loss
// bound (plus those of cells snapped anew, when no base moved), and the bound is at most the residents whose every in-time route
// runs along it; and closing segments on no resident's path (a few at
// random) changes no cell's time at all.
func TestCriticalSegments(t *testing.T) {
	if testing.Short() {
		t.Skip("real data: one coverage run per closure")
	}
	cases := []struct {
		name        string
		checked     int // top segments checked against a coverage run
		freeClosure int // segments on no path closed and checked
		in          func(tb testing.TB) coverage.Input
	}{
		{"PortoAlegre", 3, 8, func(tb testing.TB) coverage.Input {
			in := poaInput(tb)
			in.Bases, in.BaseUnit = in.Bases[:6], in.BaseUnit[:6]
			return in
		}},
		{"Malta", 1, 2, func(tb testing.TB) coverage.Input { return coverageInput(tb, load(tb, regions[2])) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			in := tc.in(t)
			base, err := coverage.Compute(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			rin := criticalInput(in, 8)
			ct, err := robustness.Times(ctx, in.Graph, rin)
			if err != nil {
				t.Fatal(err)
			}
			if !sameFloats(ct.Seconds, base.Cells.Time) {
				t.Fatal("robustness.Times differs from the coverage study's cell times")
			}
			cr, err := robustness.Critical(ctx, rin)
			if err != nil {
				t.Fatal(err)
			}
			if !near(cr.Within, base.Summary.Within, base.Summary.Within) || len(cr.Segments) != 8 {
				t.Fatalf("within %v (coverage %v), %d segments evaluated", cr.Within, base.Summary.Within, len(cr.Segments))
			}
			t.Logf("%d segments, %d on some path; within %.0f of %.0f; no unevaluated segment loses more than %.0f", cr.Total, cr.OnPaths, cr.Within, cr.Residents, cr.UnevaluatedBound)
			for k, s := range cr.Segments {
				t.Logf("  %d. way %d (%d ways, %.0f m, %d twins): paths %.0f residents in %d cells, sole route of %.0f, bound %.0f; lost %.0f, cut off %.0f, gained %.0f, +%.0f person-min",
					k+1, s.WayID, len(s.Ways), s.LengthM, s.Twins, s.PathResidents, s.PathCells, s.SoleResidents, s.LossBound, s.Lost, s.CutOff, s.Gained, s.AddedPersonSeconds/60)
				if !s.Evaluated || (s.BasesMoved == 0 && s.Lost > s.LossBound+s.Resnapped+1e-9) || s.CutOff > s.PathResidents+1e-9 || s.LossBound > s.SoleResidents {
					t.Errorf("segment %d: evaluated %v, lost %v (bound %v, sole routes %v), cut off %v of %v path residents", s.ID, s.Evaluated, s.Lost, s.LossBound, s.SoleResidents, s.CutOff, s.PathResidents)
				}
				if k >= tc.checked {
					continue
				}
				lost, cut, added, _ := closure(t, in, base, s.Edges)
				if !near(lost, s.Lost, cr.Residents) || !near(cut, s.CutOff, cr.Residents) || !near(added, s.AddedPersonSeconds, math.Abs(added)) {
					t.Errorf("closing segment %d (way %d): coverage finds lost %v, cut off %v, +%v person-s; reported %v, %v, %v",
						s.ID, s.WayID, lost, cut, added, s.Lost, s.CutOff, s.AddedPersonSeconds)
				}
			}
			if cr.Segments[0].Lost+cr.Segments[0].CutOff+cr.Segments[0].AddedPersonSeconds <= 0 {
				t.Error("the most critical segment costs nothing")
			}
			_, segs := robustness.Segments(in.Graph)
			var free []int
			for s, w := range cr.PathResidents {
				if w == 0 {
					free = append(free, s)
				}
			}
			rng := rand.New(rand.NewPCG(7, 11))
			for k := 0; k < tc.freeClosure && len(free) > 0; k++ {
				s := free[rng.IntN(len(free))]
				lost, cut, added, changed := closure(t, in, base, segs[s].Edges)
				if changed != 0 || lost != 0 || cut != 0 || added != 0 {
					t.Errorf("closing segment %d (way %d), on no path: %d cells changed, lost %v, cut off %v, +%v person-s", s, segs[s].WayID, changed, lost, cut, added)
				}
			}
		})
	}
}

// BenchmarkCritical_Malta ranks Malta's road segments for its nine fire
// stations and 2,080 road cells and evaluates the top 20 exactly.
func BenchmarkCritical_Malta(b *testing.B) {
	in := criticalInput(coverageInput(b, load(b, regions[2])), 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := robustness.Critical(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
