package siting

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var seed = flag.Uint64("siting-seed", 1, "seed of the random instances (replay a failure with its seed)")

// instance is a random siting problem: sites (some existing) reaching cells
// with times in [0, horizon], populations 0..99 (a tenth of cells empty).
type instance struct {
	m       *Matrix
	target  float64
	horizon float64
}

func randomInstance(tb testing.TB, rng *rand.Rand, sites, cells, existing int, density float64) instance {
	tb.Helper()
	const horizon = 1800.0
	ss := make([]Site, sites)
	for j := range ss {
		ss[j] = Site{ID: fmt.Sprintf("s%d", j), Existing: j < existing, Members: 10 + j%3}
	}
	pop := make([]float64, cells)
	for i := range pop {
		if rng.IntN(10) > 0 {
			pop[i] = float64(rng.IntN(100))
		}
	}
	rows := make([][]Entry, sites)
	for j := range rows {
		for i := 0; i < cells; i++ {
			if rng.Float64() < density {
				// Whole seconds make ties common, as on real grids with
				// coarse speeds: tie-breaking is exercised.
				rows[j] = append(rows[j], Entry{Cell: uint32(i), Seconds: Seconds(rng.IntN(int(horizon) + 1))})
			}
		}
	}
	m, err := MatrixFromRows(ss, pop, rows, horizon)
	if err != nil {
		tb.Fatal(err)
	}
	return instance{m: m, target: 900, horizon: horizon}
}

// evaluate recomputes a plan's coverage and person-seconds straight from the
// matrix rows, independently of the solver's bookkeeping.
func evaluate(m *Matrix, set []int, target, penalty float64) (covered, personSeconds float64) {
	best := make([]float64, m.NumCells())
	for i := range best {
		best[i] = math.Inf(1)
	}
	for j, s := range m.Sites {
		if s.Existing || slices.Contains(set, j) {
			for _, e := range m.Row(j) {
				best[e.Cell] = min(best[e.Cell], float64(e.Seconds))
			}
		}
	}
	for i, w := range m.Pop {
		if best[i] <= target {
			covered += w
		}
		personSeconds += w * min(best[i], penalty)
	}
	return covered, personSeconds
}

// bruteForce returns the best value over every set of k candidates.
func bruteForce(m *Matrix, obj Objective, k int, target, penalty float64) float64 {
	var cand []int
	for j, s := range m.Sites {
		if !s.Existing {
			cand = append(cand, j)
		}
	}
	best := math.Inf(1)
	if obj != PMedian {
		best = math.Inf(-1)
	}
	set := make([]int, 0, k)
	var rec func(start int)
	rec = func(start int) {
		if len(set) == k {
			cov, ps := evaluate(m, set, target, penalty)
			if obj == PMedian {
				best = min(best, ps)
			} else {
				best = max(best, cov)
			}
			return
		}
		for i := start; i <= len(cand)-(k-len(set)); i++ {
			set = append(set, cand[i])
			rec(i + 1)
			set = set[:len(set)-1]
		}
	}
	rec(0)
	return best
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*(1+math.Abs(a)+math.Abs(b)) }

// TestCELFMatchesPlainGreedy: lazy evaluation picks exactly what evaluating
// every candidate at every step picks, ties included.
func TestCELFMatchesPlainGreedy(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 1))
	for n := 0; n < 150; n++ {
		in := randomInstance(t, rng, 5+rng.IntN(60), 20+rng.IntN(300), rng.IntN(4), 0.05+0.4*rng.Float64())
		for _, obj := range []Objective{MaxCover, PMedian} {
			k := 1 + rng.IntN(min(12, len(in.m.Sites)-countExisting(in.m)))
			opt := Options{Objective: obj, K: k, TargetSeconds: in.target, SwapRounds: -1, Exact: ExactLimits{MaxWork: -1}}
			sol, err := Solve(context.Background(), in.m, opt)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := newProblem(in.m, opt)
			want := p.plainGreedy(k)
			var got []int
			for _, st := range sol.Curve {
				got = append(got, st.Site)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("instance %d %v K=%d: CELF picks %v, plain greedy %v", n, obj, k, got, want)
			}
			if len(got) > 0 && sol.Evaluations > len(p.cand)*len(got) {
				t.Errorf("instance %d %v: %d evaluations, more than plain greedy's %d", n, obj, sol.Evaluations, len(p.cand)*len(got))
			}
		}
	}
}

func countExisting(m *Matrix) int {
	n := 0
	for _, s := range m.Sites {
		if s.Existing {
			n++
		}
	}
	return n
}

// TestCertificate: on small random instances, greedy never beats the exact
// optimum, the swap never makes greedy worse and never beats the optimum,
// every bound holds against the brute-force optimum, greedy reaches 1 − 1/e
// of the optimal saving, and the branch and bound finds the optimum.
func TestCertificate(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 2))
	for n := 0; n < 120; n++ {
		in := randomInstance(t, rng, 4+rng.IntN(12), 10+rng.IntN(60), rng.IntN(3), 0.1+0.5*rng.Float64())
		cands := len(in.m.Sites) - countExisting(in.m)
		for _, obj := range []Objective{MaxCover, PMedian} {
			k := 1 + rng.IntN(min(4, cands))
			opt := Options{Objective: obj, K: k, TargetSeconds: in.target}
			sol, err := Solve(context.Background(), in.m, opt)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("instance %d %v K=%d", n, obj, k)
			optimum := bruteForce(in.m, obj, k, in.target, in.horizon)
			worse := func(a, b float64) bool { // a is worse than b
				if obj == PMedian {
					return a > b+1e-9*(1+b)
				}
				return a < b-1e-9*(1+b)
			}
			if len(sol.Curve) < k {
				// Greedy stopped early: nothing improves, so it is optimal.
				if !near(sol.Value, optimum) {
					t.Errorf("%s: greedy stopped at %d sites with %v, optimum %v", name, len(sol.Curve), sol.Value, optimum)
				}
				continue
			}
			g := sol.Curve[k-1].Value
			if worse(optimum, g) {
				t.Errorf("%s: greedy %v beats the exact optimum %v", name, g, optimum)
			}
			if worse(sol.Value, g) {
				t.Errorf("%s: swap made it worse: %v after, %v greedy", name, sol.Value, g)
			}
			if worse(optimum, sol.Value) {
				t.Errorf("%s: swapped %v beats the exact optimum %v", name, sol.Value, optimum)
			}
			cov, ps := evaluate(in.m, sol.Sites, in.target, in.horizon)
			if want := map[bool]float64{true: ps, false: cov}[obj == PMedian]; !near(sol.Value, want) {
				t.Errorf("%s: reported value %v, recomputed %v", name, sol.Value, want)
			}
			b := sol.Bound
			for _, c := range []struct {
				what  string
				bound float64
			}{{"online", b.Online}, {"greedy", b.Greedy}, {"best", b.Best}} {
				if worse(c.bound, optimum) {
					t.Errorf("%s: %s bound %v is not a bound on the optimum %v", name, c.what, c.bound, optimum)
				}
			}
			if !near(b.Exact, optimum) {
				t.Errorf("%s: branch and bound %v, brute force %v", name, b.Exact, optimum)
			}
			if !near(sol.Value, optimum) {
				t.Errorf("%s: the answer %v is not the optimum %v the exact search found", name, sol.Value, optimum)
			}
			// Greedy's guarantee on the saving over the existing bases.
			saving := func(v float64) float64 { return math.Abs(v - sol.Baseline) }
			if saving(g) < (1-1/math.E)*saving(optimum)-1e-9*(1+saving(optimum)) {
				t.Errorf("%s: greedy saves %v, less than 1-1/e of the optimum's %v", name, saving(g), saving(optimum))
			}
			set, v, err := Exact(context.Background(), in.m, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !near(v, optimum) || len(set) > k {
				t.Errorf("%s: Exact = %v (%v), brute force %v", name, v, set, optimum)
			}
		}
	}
}

// TestMarginalGains: greedy's gains never increase for coverage and for
// p-median savings (both submodular), and each step's gain is exactly what
// opening the site adds.
func TestMarginalGains(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 3))
	for n := 0; n < 100; n++ {
		in := randomInstance(t, rng, 10+rng.IntN(80), 50+rng.IntN(400), rng.IntN(5), 0.02+0.3*rng.Float64())
		for _, obj := range []Objective{MaxCover, PMedian, SetCover} {
			k := min(10, len(in.m.Sites)-countExisting(in.m))
			if obj == SetCover {
				k = 0
			}
			// No exact search: random instances without structure are
			// the branch and bound's worst case, and only the curve counts here.
			sol, err := Solve(context.Background(), in.m, Options{Objective: obj, K: k, TargetSeconds: in.target, Exact: ExactLimits{MaxWork: -1}})
			if err != nil {
				t.Fatal(err)
			}
			prev := sol.Baseline
			for i, st := range sol.Curve {
				if i > 0 && st.Gain > sol.Curve[i-1].Gain {
					t.Errorf("instance %d %v: gain of site %d is %v, more than the previous %v", n, obj, i+1, st.Gain, sol.Curve[i-1].Gain)
				}
				if !(st.Gain > 0) {
					t.Errorf("instance %d %v: step %d gains %v", n, obj, i+1, st.Gain)
				}
				if d := math.Abs(st.Value - prev); !near(d, st.Gain) {
					t.Errorf("instance %d %v: step %d changes the value by %v, reports a gain of %v", n, obj, i+1, d, st.Gain)
				}
				prev = st.Value
			}
		}
	}
}

// TestSetCoverCovers: LSCP's answer covers what it claims, recomputed from
// the matrix; its lower bound is below it; and on small instances its exact
// minimum is the brute-force minimum.
func TestSetCoverCovers(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 4))
	for n := 0; n < 120; n++ {
		small := n%2 == 0
		sites, cells := 10+rng.IntN(120), 50+rng.IntN(500)
		if small {
			sites, cells = 4+rng.IntN(10), 10+rng.IntN(40)
		}
		in := randomInstance(t, rng, sites, cells, rng.IntN(3), 0.02+0.2*rng.Float64())
		share := []float64{1, 0.9, 0.5}[n%3]
		sol, err := Solve(context.Background(), in.m, Options{Objective: SetCover, TargetSeconds: in.target, Share: share})
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("instance %d share %v", n, share)
		cov, _ := evaluate(in.m, sol.Sites, in.target, in.horizon)
		if !near(cov, sol.Covered) {
			t.Errorf("%s: claims %v covered, recomputed %v", name, sol.Covered, cov)
		}
		if !sol.Feasible || cov < sol.Required-1e-9*(1+sol.Required) {
			t.Errorf("%s: covers %v of the required %v (feasible %v)", name, cov, sol.Required, sol.Feasible)
		}
		if !near(sol.Coverable+sol.Uncoverable, sol.Residents) {
			t.Errorf("%s: coverable %v + uncoverable %v != residents %v", name, sol.Coverable, sol.Uncoverable, sol.Residents)
		}
		if sol.MinSites > len(sol.Sites) {
			t.Errorf("%s: lower bound %d sites, answer has %d", name, sol.MinSites, len(sol.Sites))
		}
		if share == 1 {
			allCov, _ := evaluate(in.m, allCandidates(in.m), in.target, in.horizon)
			if !near(cov, allCov) {
				t.Errorf("%s: covers %v, every candidate together %v", name, cov, allCov)
			}
		}
		if small && sol.ExactMinimum >= 0 {
			want := -1
			for k := 0; k <= len(sol.Sites); k++ {
				best := bruteForceCover(in.m, k, in.target, in.horizon)
				if best >= sol.Required-1e-9*(1+sol.Required) {
					want = k
					break
				}
			}
			if sol.ExactMinimum != want || len(sol.Sites) != want {
				t.Errorf("%s: exact minimum %d (answer %d sites), brute force %d", name, sol.ExactMinimum, len(sol.Sites), want)
			}
			if sol.MinSites > want {
				t.Errorf("%s: lower bound %d above the minimum %d", name, sol.MinSites, want)
			}
		}
	}
}

func bruteForceCover(m *Matrix, k int, target, horizon float64) float64 {
	if k == 0 {
		c, _ := evaluate(m, nil, target, horizon)
		return c
	}
	if k > len(m.Sites)-countExisting(m) {
		k = len(m.Sites) - countExisting(m)
	}
	return bruteForce(m, MaxCover, k, target, horizon)
}

func allCandidates(m *Matrix) []int {
	var c []int
	for j, s := range m.Sites {
		if !s.Existing {
			c = append(c, j)
		}
	}
	return c
}

// TestSwapEachK: every K's swapped plan is no worse than greedy's K-prefix.
func TestSwapEachK(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 5))
	for n := 0; n < 40; n++ {
		in := randomInstance(t, rng, 20+rng.IntN(60), 100+rng.IntN(300), rng.IntN(3), 0.03+0.2*rng.Float64())
		for _, obj := range []Objective{MaxCover, PMedian} {
			sol, err := Solve(context.Background(), in.m, Options{Objective: obj, K: 8, TargetSeconds: in.target, SwapEachK: true, Exact: ExactLimits{MaxWork: -1}})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range sol.Curve {
				worse := st.Swapped < st.Value-1e-9*(1+st.Value)
				if obj == PMedian {
					worse = st.Swapped > st.Value+1e-9*(1+st.Value)
				}
				cov, ps := evaluate(in.m, st.SwappedSites, in.target, in.horizon)
				v := cov
				if obj == PMedian {
					v = ps
				}
				if worse || !near(v, st.Swapped) || len(st.SwappedSites) != st.K {
					t.Errorf("instance %d %v K=%d: swapped %v (recomputed %v, %d sites), greedy %v", n, obj, st.K, st.Swapped, v, len(st.SwappedSites), st.Value)
				}
			}
		}
	}
}

// TestSolveErrors: bad requests get clear errors.
func TestSolveErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 6))
	in := randomInstance(t, rng, 6, 30, 2, 0.5)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		opt  Options
		want error
	}{
		{"K above candidates", Options{Objective: MaxCover, K: 5, TargetSeconds: 900}, ErrTooManySites},
		{"no K", Options{Objective: PMedian, TargetSeconds: 900}, ErrInput},
		{"no objective", Options{K: 1, TargetSeconds: 900}, ErrInput},
		{"target beyond horizon", Options{Objective: MaxCover, K: 1, TargetSeconds: 4000}, ErrInput},
		{"penalty beyond horizon", Options{Objective: PMedian, K: 1, TargetSeconds: 900, PenaltySeconds: 5000}, ErrInput},
		{"share above 1", Options{Objective: SetCover, TargetSeconds: 900, Share: 1.5}, ErrInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Solve(ctx, in.m, c.opt); !errors.Is(err, c.want) {
				t.Errorf("Solve(%+v) = %v, want %v", c.opt, err, c.want)
			}
		})
	}
	only := []Site{{ID: "a", Existing: true}}
	m, err := MatrixFromRows(only, []float64{1}, [][]Entry{{{Cell: 0, Seconds: 1}}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Solve(ctx, m, Options{Objective: MaxCover, K: 1, TargetSeconds: 50}); !errors.Is(err, ErrNoCandidates) {
		t.Errorf("Solve with only existing sites = %v, want ErrNoCandidates", err)
	}
	if _, err := MatrixFromRows(only, []float64{1}, [][]Entry{{{Cell: 3, Seconds: 1}}}, 100); !errors.Is(err, ErrInput) {
		t.Errorf("MatrixFromRows with a cell out of range = %v, want ErrInput", err)
	}
	ctxc, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Solve(ctxc, in.m, Options{Objective: MaxCover, K: 2, TargetSeconds: 900}); !errors.Is(err, context.Canceled) {
		t.Errorf("Solve with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestSwapNeverWorse: the swap improvement, started from any set (not only
// greedy's), never raises the cost, and reports the cost of what it returns.
func TestSwapNeverWorse(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 7))
	ctx := context.Background()
	for n := 0; n < 100; n++ {
		in := randomInstance(t, rng, 10+rng.IntN(50), 30+rng.IntN(300), rng.IntN(3), 0.05+0.3*rng.Float64())
		for _, obj := range []Objective{MaxCover, PMedian} {
			p, err := newProblem(in.m, Options{Objective: obj, K: 1, TargetSeconds: in.target})
			if err != nil {
				t.Fatal(err)
			}
			start := slices.Clone(p.cand)
			rng.Shuffle(len(start), func(i, j int) { start[i], start[j] = start[j], start[i] })
			start = start[:1+rng.IntN(min(8, len(start)))]
			before := p.costOf(start)
			set, c, swaps, err := p.swap(ctx, start, DefaultSwapRounds)
			if err != nil {
				t.Fatal(err)
			}
			if c > before || c != p.costOf(set) || len(set) != len(start) {
				t.Errorf("instance %d %v: swap from %v (cost %v) gave %v (cost %v, recomputed %v) after %d swaps", n, obj, start, before, set, c, p.costOf(set), swaps)
			}
			if swaps > 0 && !(c < before) {
				t.Errorf("instance %d %v: %d swaps but the cost went %v -> %v", n, obj, swaps, before, c)
			}
		}
	}
}
