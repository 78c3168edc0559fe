package bench_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/uber/h3-go/v4"
)

var sitingExport = flag.String("siting-export", "", "write Andorra's siting instance (sites, demand, matrix) and rescuegrid's answers into this folder for bench/spopt/compare.py")

// Siting settings of the real-data tests: the cn-grassroots rescue circle,
// a 30-minute horizon that is also the p-median penalty, no turnout, the
// preset's walk and snap distance.
const (
	sitingTarget  = 900.0
	sitingHorizon = 1800.0
	sitingWalkKPH = 4.5
	sitingSnapM   = 500.0
)

// sitingRegion is a real region ready for siting: its drive graph, residents
// per res-9 cell estimated from OSM buildings, and its OSM fire stations as
// the existing bases.
type sitingRegion struct {
	name   string
	g      *graph.Graph
	demand siting.Demand
	bases  []siting.Site
}

var (
	sitingMu      sync.Mutex
	sitingRegions = map[string]*sitingRegion{}
)

// loadSiting reads region r once per test binary. scaleTo is the published
// population the building estimate is scaled to.
func loadSiting(tb testing.TB, r region, scaleTo float64) *sitingRegion {
	tb.Helper()
	g := load(tb, r)
	sitingMu.Lock()
	defer sitingMu.Unlock()
	if s, ok := sitingRegions[r.name]; ok {
		return s
	}
	ctx := context.Background()
	pbf := shared.Path(tb, "data", r.pbf)
	o := population.DefaultBuildingOptions()
	o.ScaleTo = scaleTo
	pop, _, err := population.FromBuildings(ctx, pbf, 9, o)
	if err != nil {
		tb.Fatal(err)
	}
	tag, err := osm.ParseTagMatch("amenity=fire_station")
	if err != nil {
		tb.Fatal(err)
	}
	feats, err := osm.ExtractFeatures(ctx, pbf, []osm.TagMatch{tag}, osm.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	s := &sitingRegion{name: r.name, g: g, demand: siting.Demand{Cells: pop.Cells, Pop: pop.Pop}}
	for _, f := range feats {
		s.bases = append(s.bases, siting.Site{ID: f.Ref(), Loc: f.Loc, Existing: true, Members: 30})
	}
	sitingRegions[r.name] = s
	return s
}

// sites returns the existing bases followed by the candidates of res candRes.
func (s *sitingRegion) sites(tb testing.TB, candRes int) []siting.Site {
	tb.Helper()
	cands, _, err := siting.Candidates(context.Background(), s.g, siting.CandidateOptions{Res: candRes, SnapDistanceM: sitingSnapM, MinTeam: 20})
	if err != nil {
		tb.Fatal(err)
	}
	return append(slices.Clone(s.bases), cands...)
}

func (s *sitingRegion) matrix(tb testing.TB, sites []siting.Site, d siting.Demand) *siting.Matrix {
	tb.Helper()
	return s.matrixWith(tb, sites, d, false)
}

// matrixWith builds the matrix, with bounded Dijkstra searches or RPHAST.
func (s *sitingRegion) matrixWith(tb testing.TB, sites []siting.Site, d siting.Demand, dijkstra bool) *siting.Matrix {
	tb.Helper()
	m, err := siting.NewMatrix(context.Background(), s.g, sites, d, siting.MatrixOptions{
		HorizonSeconds: sitingHorizon, WalkKPH: sitingWalkKPH, SnapDistanceM: sitingSnapM, Dijkstra: dijkstra,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// roadDemand is one resident in every res cell holding a road node.
func roadDemand(tb testing.TB, g *graph.Graph, res int) siting.Demand {
	tb.Helper()
	var cells []h3.Cell
	for v := 0; v < g.NumNodes(); v++ {
		c, err := geo.CellOf(g.Point(graph.NodeID(v)), res)
		if err != nil {
			tb.Fatal(err)
		}
		cells = append(cells, c)
	}
	slices.Sort(cells)
	cells = slices.Compact(cells)
	pop := make([]float64, len(cells))
	for i := range pop {
		pop[i] = 1
	}
	return siting.Demand{Cells: cells, Pop: pop}
}

// checkAgainstSearch recomputes every populated cell's time from the open
// sites (existing and new) with one multi-source search, as package
// coverage does, and checks the matrix's minimum over the open rows and the
// solution's covered residents against it.
func checkAgainstSearch(tb testing.TB, g *graph.Graph, m *siting.Matrix, sol *siting.Solution) {
	tb.Helper()
	open := append(slices.Clone(sol.Existing), sol.Sites...)
	var seeds []route.Seed
	for _, j := range open {
		sn, err := g.Snap(m.Sites[j].Loc, graph.SnapOptions{MaxDistanceM: sitingSnapM})
		if err != nil {
			continue
		}
		seeds = append(seeds, route.SnapSeeds(g, sn, int32(j), 0)...)
	}
	s := route.NewSearch(g)
	if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
		tb.Fatal(err)
	}
	fromMatrix := make([]float64, m.NumCells())
	for i := range fromMatrix {
		fromMatrix[i] = math.Inf(1)
	}
	for _, j := range open {
		for _, e := range m.Row(j) {
			fromMatrix[e.Cell] = min(fromMatrix[e.Cell], float64(e.Seconds))
		}
	}
	var covered float64
	boundary := 0
	for i, c := range m.Cells {
		if m.Pop[i] <= 0 {
			continue
		}
		want := math.Inf(1)
		ctr, _ := geo.CellCenter(c)
		if sn, err := g.Snap(ctr, graph.SnapOptions{MaxDistanceM: sitingSnapM}); err == nil {
			if t, _, ok := route.PointTime(s, sn); ok {
				want = float64(t) + sn.DistanceM/(sitingWalkKPH/3.6)
			}
		}
		if want <= sitingTarget {
			covered += m.Pop[i]
		}
		got := fromMatrix[i]
		switch {
		case want > sitingHorizon && math.IsInf(got, 1):
		case math.Abs(got-want) > 1e-3:
			tb.Fatalf("cell %s: %.4f s from the matrix, %.4f s by a multi-source search", c, got, want)
		}
		if math.Abs(want-sitingTarget) < 1e-3 {
			boundary++
		}
	}
	if math.Abs(covered-sol.Covered) > 1e-6*sol.Residents && boundary == 0 {
		tb.Errorf("the solution claims %.3f residents within %v s; a multi-source search from its sites finds %.3f", sol.Covered, sitingTarget, covered)
	}
}

// TestSitingAndorra solves Andorra (res-9 residents, res-8 candidates, the
// five OSM fire stations fixed) for all three objectives, checks the answers
// against an independent multi-source search, and with -siting-export
// writes the instance and the answers for bench/spopt/compare.py.
func TestSitingAndorra(t *testing.T) {
	ctx := context.Background()
	r := loadSiting(t, regions[1], 77543)
	sites := r.sites(t, 8)
	m := r.matrix(t, sites, r.demand)
	t.Logf("Andorra: %d existing bases, %d candidates, %d cells (%d populated), %d matrix entries (%.2f MB)",
		len(r.bases), len(sites)-len(r.bases), m.NumCells(), populated(m), m.NumEntries(), float64(m.MemoryBytes())/1e6)
	const maxK = 5
	type answer struct {
		Objective string   `json:"objective"`
		Target    float64  `json:"target_seconds"`
		K         int      `json:"k"`
		Greedy    float64  `json:"greedy"`
		Swapped   float64  `json:"swapped"`
		Sites     []int    `json:"sites"`
		Bound     float64  `json:"bound"`
		Online    float64  `json:"online_bound"`
		GreedyB   float64  `json:"greedy_bound"`
		Exact     *float64 `json:"exact,omitempty"`
		Seconds   float64  `json:"solve_seconds"` // the Solve call that gave it (the whole curve)
		// Busy are the sites' busy fractions of the expected objective.
		Busy []float64 `json:"busy,omitempty"`
	}
	var answers []answer
	num := func(v float64) *float64 {
		if math.IsNaN(v) {
			return nil
		}
		return &v
	}
	// The expected objective (MEXCLP): the bases busy 10 to 30 % of the
	// time, every new site 30 % (illustrative loads, heavy enough that a
	// second and third team in reach matter).
	busy := make([]float64, len(m.Sites))
	for j := range busy {
		busy[j] = 0.3
		if m.Sites[j].Existing {
			busy[j] = 0.1 + 0.05*float64(j%5)
		}
	}
	for _, target := range []float64{sitingTarget, 300} {
		for _, obj := range []siting.Objective{siting.MaxCover, siting.PMedian, siting.Expected} {
			if obj == siting.PMedian && target != sitingTarget {
				continue // the p-median does not depend on the target
			}
			t0 := time.Now()
			sol, err := siting.Solve(ctx, m, siting.Options{Objective: obj, K: maxK, TargetSeconds: target, SwapEachK: true, Busy: busy})
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(t0).Seconds()
			if obj == siting.MaxCover && target == sitingTarget {
				checkAgainstSearch(t, r.g, m, sol)
			}
			t.Logf("%v, target %.0f s: baseline %.1f, residents %.0f, uncoverable %.0f in %d cells (%d without road access), %d gain evaluations",
				obj, target, sol.Baseline, sol.Residents, sol.Uncoverable, sol.UncoverableCells, sol.NoRoadCells, sol.Evaluations)
			for _, st := range sol.Curve {
				t.Logf("  K=%d %-17s gain %10.1f  greedy %12.1f  swapped %12.1f  bound %12.1f (online %12.1f, 1-1/e %12.1f)  gap %.4f",
					st.K, m.Sites[st.Site].ID, st.Gain, st.Value, st.Swapped, st.Bound.Best, st.Bound.Online, st.Bound.Greedy, st.Bound.Gap)
				answers = append(answers, answer{Objective: obj.String(), Target: target, K: st.K, Greedy: st.Value, Swapped: st.Swapped,
					Sites: st.SwappedSites, Bound: st.Bound.Best, Online: st.Bound.Online, GreedyB: st.Bound.Greedy, Exact: num(st.Bound.Exact), Seconds: took})
				if obj == siting.Expected {
					answers[len(answers)-1].Busy = busy
				}
			}
		}
		t0 := time.Now()
		sol, err := siting.Solve(ctx, m, siting.Options{Objective: siting.SetCover, TargetSeconds: target})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(t0).Seconds()
		cov := 0.0
		open := append(slices.Clone(sol.Existing), sol.Sites...)
		best := make([]float64, m.NumCells())
		for i := range best {
			best[i] = math.Inf(1)
		}
		for _, j := range open {
			for _, e := range m.Row(j) {
				best[e.Cell] = min(best[e.Cell], float64(e.Seconds))
			}
		}
		for i, b := range best {
			if b <= target {
				cov += m.Pop[i]
			}
		}
		if cov < sol.Required*(1-1e-12) || !sol.Feasible {
			t.Errorf("LSCP at %v s claims %.1f covered of the required %.1f; the matrix says %.1f", target, sol.Covered, sol.Required, cov)
		}
		t.Logf("all (LSCP), target %.0f s: %d new sites (greedy %d, lower bound %d, exact %d) cover %.1f of %.1f coverable residents; %.1f uncoverable",
			target, len(sol.Sites), len(sol.Curve), sol.MinSites, sol.ExactMinimum, sol.Covered, sol.Coverable, sol.Uncoverable)
		answers = append(answers, answer{Objective: "all", Target: target, K: len(sol.Sites), Greedy: float64(len(sol.Curve)), Swapped: float64(len(sol.Sites)),
			Sites: sol.Sites, Bound: float64(sol.MinSites), Online: float64(sol.MinSites), Exact: num(exactCount(sol.ExactMinimum)), Seconds: took})
	}
	if *sitingExport == "" {
		return
	}
	if err := exportSiting(*sitingExport, m, answers); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", *sitingExport)
}

// exactCount is an exact minimum as a number, NaN when not computed (-1).
func exactCount(n int) float64 {
	if n < 0 {
		return math.NaN()
	}
	return float64(n)
}

func populated(m *siting.Matrix) int {
	n := 0
	for _, p := range m.Pop {
		if p > 0 {
			n++
		}
	}
	return n
}

// exportSiting writes the instance as the comparison script reads it:
// sites.csv (site,id,existing,lon,lat), demand.csv (cell,h3,population;
// populated cells only, cell = the matrix column), matrix.csv
// (site,cell,seconds: every entry within the horizon, the float32 value
// written exactly) and rescuegrid.json (settings and answers).
func exportSiting(dir string, m *siting.Matrix, answers any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, header []string, rows func(w *csv.Writer) error) error {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		w := csv.NewWriter(f)
		if err := w.Write(header); err != nil {
			f.Close()
			return err
		}
		if err := rows(w); err != nil {
			f.Close()
			return err
		}
		w.Flush()
		if err := w.Error(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	err := write("sites.csv", []string{"site", "id", "existing", "lon", "lat"}, func(w *csv.Writer) error {
		for j, s := range m.Sites {
			if err := w.Write([]string{strconv.Itoa(j), s.ID, strconv.FormatBool(s.Existing),
				strconv.FormatFloat(s.Loc[0], 'f', 7, 64), strconv.FormatFloat(s.Loc[1], 'f', 7, 64)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = write("demand.csv", []string{"cell", "h3", "population"}, func(w *csv.Writer) error {
		for i, c := range m.Cells {
			if m.Pop[i] > 0 {
				if err := w.Write([]string{strconv.Itoa(i), c.String(), strconv.FormatFloat(m.Pop[i], 'g', -1, 64)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = write("matrix.csv", []string{"site", "cell", "seconds"}, func(w *csv.Writer) error {
		for j := range m.Sites {
			for _, e := range m.Row(j) {
				// float32 → float64 is exact; 'g' -1 of the float64 reads back as that very number.
				if err := w.Write([]string{strconv.Itoa(j), strconv.Itoa(int(e.Cell)), strconv.FormatFloat(float64(e.Seconds), 'g', -1, 64)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	meta := map[string]any{
		"region": "Andorra", "demand_res": 9, "candidate_res": 8,
		"horizon_seconds": m.HorizonSeconds, "penalty_seconds": m.HorizonSeconds,
		"answers": answers,
	}
	b, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "rescuegrid.json"), b, 0o644)
}

// memPeak samples the Go heap every few milliseconds while a measured stage
// runs: MemStats.HeapAlloc is only the current value.
type memPeak struct {
	stop      chan struct{}
	done      chan struct{}
	heap, sys uint64
}

func startMemPeak() *memPeak {
	runtime.GC()
	p := &memPeak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			p.heap, p.sys = max(p.heap, ms.HeapAlloc), max(p.sys, ms.Sys)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *memPeak) end() (heapMB, sysMB float64) {
	close(p.stop)
	<-p.done
	return float64(p.heap) / (1 << 20), float64(p.sys) / (1 << 20)
}

// raceEnabled says whether the test binary was built with -race, under
// which timings mean nothing.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// vmHWM is the process's peak resident set (Linux), or "" elsewhere.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return ""
}

// sitingRun is one timed run: candidates, matrix, MCLP (at the 15-minute
// circle and at 5 minutes, where 20 sites still matter) and p-median for
// K = 1..k.
type sitingRun struct {
	cands, cells, entries   int
	matrixMB                float64
	candT, matT, mclpT, pmT time.Duration
	mclp, mclp5, pmed       *siting.Solution
}

func runSiting(tb testing.TB, r *sitingRegion, candRes int, d siting.Demand, k int, base siting.Options) sitingRun {
	tb.Helper()
	ctx := context.Background()
	var out sitingRun
	t0 := time.Now()
	sites := r.sites(tb, candRes)
	out.candT = time.Since(t0)
	t0 = time.Now()
	m := r.matrix(tb, sites, d)
	out.matT = time.Since(t0)
	out.cands, out.cells, out.entries, out.matrixMB = len(sites)-len(r.bases), populated(m), m.NumEntries(), float64(m.MemoryBytes())/(1<<20)
	t0 = time.Now()
	solve := func(obj siting.Objective, target float64) *siting.Solution {
		o := base
		o.Objective, o.K, o.TargetSeconds = obj, k, target
		sol, err := siting.Solve(ctx, m, o)
		if err != nil {
			tb.Fatal(err)
		}
		return sol
	}
	out.mclp = solve(siting.MaxCover, sitingTarget)
	out.mclp5 = solve(siting.MaxCover, 300)
	out.mclpT = time.Since(t0)
	t0 = time.Now()
	out.pmed = solve(siting.PMedian, sitingTarget)
	out.pmT = time.Since(t0)
	return out
}

// curveText summarises a curve: the greedy value at a few K, then the
// swap-improved value at the last.
func curveText(sol *siting.Solution) string {
	var b strings.Builder
	for _, k := range []int{1, 2, 5, 10, 20} {
		if k <= len(sol.Curve) {
			fmt.Fprintf(&b, "K=%d %.1f, ", k, sol.Curve[k-1].Value)
		}
	}
	last := sol.Curve[len(sol.Curve)-1]
	fmt.Fprintf(&b, "K=%d answer %.1f", last.K, sol.Value)
	exact := 0
	for _, st := range sol.Curve {
		if !math.IsNaN(st.Bound.Exact) {
			exact = st.K
		}
	}
	fmt.Fprintf(&b, "; exact optimum for K=1..%d", exact)
	if exact > 0 {
		st := sol.Curve[exact-1]
		fmt.Fprintf(&b, " (K=%d: %.1f, greedy %.1f, swapped %.1f)", exact, st.Bound.Exact, st.Value, st.Swapped)
	}
	if len(sol.Curve) < 20 {
		fmt.Fprintf(&b, " (no site adds anything after K=%d)", last.K)
	}
	return b.String()
}

func (s sitingRun) total() time.Duration { return s.candT + s.matT + s.mclpT + s.pmT }

// TestSitingMaltaScale: all of Malta's populated res-9 cells as demand
// (residents estimated from OSM buildings, scaled to 475,700), every res-8
// cell with road access as a candidate, the nine OSM fire stations fixed,
// K = 1..20 for MCLP and p-median with every K swap-improved and the exact
// search at its default budget: its time is reported against the 30 s target
// (a measurement, not asserted). Then the same with one resident in every
// res-9 cell holding a road node.
func TestSitingMaltaScale(t *testing.T) {
	if testing.Short() || raceEnabled() {
		// Under the race detector this takes over two minutes and its
		// timings mean nothing; TestSitingAndorra runs the same code there.
		t.Skip("Malta siting at scale: a timing, skipped with -short and under the race detector")
	}
	r := loadSiting(t, regions[2], 475700)
	for _, c := range []struct {
		name string
		d    siting.Demand
	}{
		{"residents from buildings", r.demand},
		{"one per road cell", roadDemand(t, r.g, 9)},
	} {
		mp := startMemPeak()
		run := runSiting(t, r, 8, c.d, 20, siting.Options{SwapEachK: true})
		heap, sys := mp.end()
		t.Logf("Malta, %s: %d candidates × %d cells: %d entries (%.1f MB); candidates %v, matrix %v, MCLP K=1..20 at 15 and 5 min %v, p-median K=1..20 %v: total %v; peak heap %.0f MB, Go Sys %.0f MB, VmHWM %s",
			c.name, run.cands, run.cells, run.entries, run.matrixMB, run.candT.Round(time.Millisecond), run.matT.Round(time.Millisecond),
			run.mclpT.Round(time.Millisecond), run.pmT.Round(time.Millisecond), run.total().Round(time.Millisecond), heap, sys, vmHWM())
		for _, sol := range []*siting.Solution{run.mclp, run.mclp5, run.pmed} {
			t.Logf("  %v within %.0f s: baseline %.1f; %s; bound %.1f (online %.1f, 1-1/e %.1f), gap %.4f; %d evaluations (plain greedy %d), %d swaps at K=%d",
				sol.Objective, sol.TargetSeconds, sol.Baseline, curveText(sol), sol.Bound.Best, sol.Bound.Online, sol.Bound.Greedy, sol.Bound.Gap,
				sol.Evaluations, len(sol.Curve)*run.cands, sol.Swaps, len(sol.Sites))
		}
		// The 30 s target is a measurement reported here and in
		// bench/README.md, not an assertion: timings on a shared machine vary.
		t.Logf("Malta siting (%s): %v against the 30 s target", c.name, run.total().Round(time.Millisecond))
		for _, sol := range []*siting.Solution{run.mclp, run.mclp5, run.pmed} {
			// The curve stops early when no site adds anything more.
			if sol.Bound.Gap < -1e-9 || len(sol.Curve) == 0 || len(sol.Curve) > 20 {
				t.Errorf("%v: gap %v, %d steps: want a certified gap >= 0 and K = 1..20 at most", sol.Objective, sol.Bound.Gap, len(sol.Curve))
			}
		}
	}
}

// BenchmarkSitingMaltaGrowth is how the siting grows with the candidate
// and demand resolutions on Malta (K = 20, the exact search off): one
// sub-benchmark per pair, reporting the candidates, cells, matrix entries
// and size, and the time of the matrix, of MCLP and of the p-median.
func BenchmarkSitingMaltaGrowth(b *testing.B) {
	r := loadSiting(b, regions[2], 475700)
	demand := map[int]siting.Demand{}
	for _, res := range []int{8, 9, 10} {
		demand[res] = roadDemand(b, r.g, res)
	}
	for _, c := range [][2]int{{7, 9}, {8, 9}, {9, 9}, {8, 8}, {8, 10}} {
		b.Run(fmt.Sprintf("candidates_res%d/demand_res%d", c[0], c[1]), func(b *testing.B) {
			var run sitingRun
			for b.Loop() {
				run = runSiting(b, r, c[0], demand[c[1]], 20, siting.Options{Exact: siting.ExactLimits{MaxWork: -1}})
			}
			b.ReportMetric(float64(run.cands), "candidates")
			b.ReportMetric(float64(run.cells), "cells")
			b.ReportMetric(float64(run.entries), "entries")
			b.ReportMetric(run.matrixMB, "matrix-MB")
			b.ReportMetric(float64((run.candT + run.matT).Milliseconds()), "matrix-ms")
			b.ReportMetric(float64(run.mclpT.Milliseconds()), "mclp-ms")
			b.ReportMetric(float64(run.pmT.Milliseconds()), "pmedian-ms")
		})
	}
}

// BenchmarkSitingMatrix_Malta: the candidate-by-cell matrix of Malta
// (res-8 candidates with the fire stations, building-estimated res-9
// residents, 30-minute horizon), with bounded Dijkstra per site and with
// the restricted PHAST sweep (RPHAST).
func BenchmarkSitingMatrix_Malta(b *testing.B) {
	r := loadSiting(b, regions[2], 475700)
	sites := r.sites(b, 8)
	for _, m := range []struct {
		name     string
		dijkstra bool
	}{{"Dijkstra", true}, {"RPHAST", false}} {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			var mx *siting.Matrix
			cpu := reportCPU(b)
			for b.Loop() {
				mx = r.matrixWith(b, sites, r.demand, m.dijkstra)
			}
			cpu()
			b.ReportMetric(float64(mx.NumEntries()), "entries")
		})
	}
}

// BenchmarkSitingSolve_Malta_K20: MCLP and p-median, K = 1..20, on that
// matrix; the quality is pinned beside the speed (the certified gap).
func BenchmarkSitingSolve_Malta_K20(b *testing.B) {
	r := loadSiting(b, regions[2], 475700)
	m := r.matrix(b, r.sites(b, 8), r.demand)
	ctx := context.Background()
	b.ReportAllocs()
	var gap [2]float64
	for b.Loop() {
		for i, obj := range []siting.Objective{siting.MaxCover, siting.PMedian} {
			sol, err := siting.Solve(ctx, m, siting.Options{Objective: obj, K: 20, TargetSeconds: sitingTarget})
			if err != nil {
				b.Fatal(err)
			}
			gap[i] = sol.Bound.Gap
		}
	}
	b.ReportMetric(gap[0], "mclp-gap")
	b.ReportMetric(gap[1], "pmedian-gap")
}
