package siting

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomBusy draws busy fractions in [0, 0.6], with some exactly 0 (never
// busy) and some exactly 1 (never free) to exercise the edge cases.
func randomBusy(rng *rand.Rand, n int) []float64 {
	q := make([]float64, n)
	for j := range q {
		switch rng.IntN(10) {
		case 0:
			q[j] = 0
		case 1:
			q[j] = 1
		default:
			q[j] = 0.6 * rng.Float64()
		}
	}
	return q
}

// evaluateExpected recomputes the expected residents reached in time
// straight from the rows: per cell 1 − Π busy over the open sites within
// the target.
func evaluateExpected(m *Matrix, set []int, target float64, q []float64) float64 {
	none := make([]float64, m.NumCells())
	for i := range none {
		none[i] = 1
	}
	for j, s := range m.Sites {
		if s.Existing || slices.Contains(set, j) {
			for _, e := range m.Row(j) {
				if float64(e.Seconds) <= target {
					none[e.Cell] *= q[j]
				}
			}
		}
	}
	var v float64
	for i, w := range m.Pop {
		v += w * (1 - none[i])
	}
	return v
}

func bruteForceExpected(m *Matrix, k int, target float64, q []float64) float64 {
	var cand []int
	for j, s := range m.Sites {
		if !s.Existing {
			cand = append(cand, j)
		}
	}
	best := math.Inf(-1)
	set := make([]int, 0, k)
	var rec func(start int)
	rec = func(start int) {
		if len(set) == k {
			best = max(best, evaluateExpected(m, set, target, q))
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

// TestExpectedCertificate: for the expected objective on small random
// instances, the reported values are the expected residents recomputed
// from the rows, greedy's gains never increase and each is what its site
// adds, every bound holds against the optimum by exhaustive enumeration,
// greedy reaches 1 − 1/e of the optimal saving, and the branch and bound
// (in Solve and in Exact) finds that optimum.
func TestExpectedCertificate(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 11))
	ctx := context.Background()
	for n := 0; n < 150; n++ {
		in := randomInstance(t, rng, 4+rng.IntN(12), 10+rng.IntN(60), rng.IntN(3), 0.1+0.5*rng.Float64())
		q := randomBusy(rng, len(in.m.Sites))
		cands := len(in.m.Sites) - countExisting(in.m)
		k := 1 + rng.IntN(min(4, cands))
		opt := Options{Objective: Expected, K: k, TargetSeconds: in.target, Busy: q, SwapEachK: rng.IntN(2) == 0}
		sol, err := Solve(ctx, in.m, opt)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("instance %d K=%d busy %.2f", n, k, q)
		optimum := bruteForceExpected(in.m, k, in.target, q)
		if v := evaluateExpected(in.m, sol.Sites, in.target, q); !near(sol.Value, v) {
			t.Errorf("%s: value %v, recomputed %v", name, sol.Value, v)
		}
		if v := evaluateExpected(in.m, nil, in.target, q); !near(sol.Baseline, v) {
			t.Errorf("%s: baseline %v, recomputed %v", name, sol.Baseline, v)
		}
		prev := sol.Baseline
		for i, st := range sol.Curve {
			var set []int
			for _, s := range sol.Curve[:i+1] {
				set = append(set, s.Site)
			}
			v := evaluateExpected(in.m, set, in.target, q)
			if !near(st.Value, v) || !near(st.Gain, v-prev) {
				t.Errorf("%s: step %d value %v gain %v, recomputed %v and %v", name, st.K, st.Value, st.Gain, v, v-prev)
			}
			if i > 0 && st.Gain > sol.Curve[i-1].Gain*(1+1e-12)+1e-12 {
				t.Errorf("%s: gain rose from %v to %v at K=%d", name, sol.Curve[i-1].Gain, st.Gain, st.K)
			}
			prev = v
		}
		if len(sol.Curve) < k {
			if !near(sol.Value, optimum) {
				t.Errorf("%s: greedy stopped at %d sites with %v, optimum %v", name, len(sol.Curve), sol.Value, optimum)
			}
			continue
		}
		g := sol.Curve[k-1].Value
		if optimum < g-1e-9*(1+g) || sol.Value < g-1e-9*(1+g) {
			t.Errorf("%s: greedy %v, answer %v, optimum %v", name, g, sol.Value, optimum)
		}
		b := sol.Bound
		for _, c := range []struct {
			what  string
			bound float64
		}{{"online", b.Online}, {"greedy", b.Greedy}, {"best", b.Best}} {
			if c.bound < optimum-1e-9*(1+optimum) {
				t.Errorf("%s: %s bound %v below the optimum %v", name, c.what, c.bound, optimum)
			}
		}
		if !near(b.Exact, optimum) || !near(sol.Value, optimum) {
			t.Errorf("%s: branch and bound %v, answer %v, enumeration %v", name, b.Exact, sol.Value, optimum)
		}
		if saving := g - sol.Baseline; saving < (1-1/math.E)*(optimum-sol.Baseline)-1e-9*(1+optimum) {
			t.Errorf("%s: greedy saves %v, less than 1-1/e of the optimum's %v", name, saving, optimum-sol.Baseline)
		}
		set, v, err := Exact(ctx, in.m, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !near(v, optimum) || !near(evaluateExpected(in.m, set, in.target, q), optimum) {
			t.Errorf("%s: Exact = %v (%v), enumeration %v", name, v, set, optimum)
		}
	}
}

// TestExpectedSwap: the swap's bookkeeping (closing one site, opening
// another) predicts the cost change exactly, and the swap never raises the
// cost.
func TestExpectedSwap(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 12))
	ctx := context.Background()
	for n := 0; n < 100; n++ {
		in := randomInstance(t, rng, 10+rng.IntN(40), 30+rng.IntN(200), rng.IntN(3), 0.05+0.3*rng.Float64())
		q := randomBusy(rng, len(in.m.Sites))
		p, err := newProblem(in.m, Options{Objective: Expected, K: 1, TargetSeconds: in.target, Busy: q})
		if err != nil {
			t.Fatal(err)
		}
		start := slices.Clone(p.cand)
		rng.Shuffle(len(start), func(i, j int) { start[i], start[j] = start[j], start[i] })
		start = start[:1+rng.IntN(min(6, len(start)-1))]
		var a assignment
		p.assign(&a, start)
		c0 := p.costOf(start)
		for qi, s := range start {
			loss := p.closeLoss(&a, s)
			for _, c := range p.cand {
				if slices.Contains(start, c) {
					continue
				}
				next := slices.Clone(start)
				next[qi] = c
				want := c0 - p.costOf(next)
				if got := p.swapGain(&a, s, c) - loss; math.Abs(got-want) > 1e-9*(1+math.Abs(c0)) {
					t.Fatalf("instance %d: swapping %d for %d saves %v, predicted %v", n, s, c, want, got)
				}
			}
		}
		set, c, _, err := p.swap(ctx, start, DefaultSwapRounds)
		if err != nil {
			t.Fatal(err)
		}
		if c > c0 || c != p.costOf(set) {
			t.Errorf("instance %d: swap from cost %v gave %v (recomputed %v)", n, c0, c, p.costOf(set))
		}
	}
}

// TestExpectedWithoutBusyIsCoverage: teams that are never busy make the
// expected objective maximal covering.
func TestExpectedWithoutBusyIsCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 13))
	for n := 0; n < 50; n++ {
		in := randomInstance(t, rng, 5+rng.IntN(30), 20+rng.IntN(200), rng.IntN(3), 0.05+0.4*rng.Float64())
		k := 1 + rng.IntN(min(5, len(in.m.Sites)-countExisting(in.m)))
		a, err := Solve(context.Background(), in.m, Options{Objective: MaxCover, K: k, TargetSeconds: in.target})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Solve(context.Background(), in.m, Options{Objective: Expected, K: k, TargetSeconds: in.target, Busy: make([]float64, len(in.m.Sites))})
		if err != nil {
			t.Fatal(err)
		}
		if !near(a.Value, b.Value) || !near(a.Baseline, b.Baseline) || len(a.Curve) != len(b.Curve) {
			t.Errorf("instance %d K=%d: coverage %v (baseline %v), expected with no busy team %v (%v)", n, k, a.Value, a.Baseline, b.Value, b.Baseline)
		}
	}
}

// TestExpectedErrors: the busy fractions must be given, one per site, as shares.
func TestExpectedErrors(t *testing.T) {
	in := randomInstance(t, rand.New(rand.NewPCG(1, 1)), 6, 20, 1, 0.5)
	for _, q := range [][]float64{nil, {0.1}, {0.1, 0.1, 0.1, 0.1, 0.1, 1.5}, {0.1, 0.1, 0.1, 0.1, 0.1, math.NaN()}} {
		if _, err := Solve(context.Background(), in.m, Options{Objective: Expected, K: 1, TargetSeconds: 900, Busy: q}); err == nil {
			t.Errorf("Solve(expected, busy %v) = nil error", q)
		}
	}
}
