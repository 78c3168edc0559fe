package siting

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// evaluateOpen recomputes a plan's coverage and person-seconds from the
// matrix rows with exactly the sites open (existing or not).
func evaluateOpen(m *Matrix, open []int, target, penalty float64) (covered, personSeconds float64) {
	sub := &Matrix{Sites: slices.Clone(m.Sites), Pop: m.Pop, off: m.off, ent: m.ent}
	for j := range sub.Sites {
		sub.Sites[j].Existing = false
	}
	return evaluate(sub, open, target, penalty)
}

// TestRelocateNeverWorse: on random instances with existing bases, moving up
// to n bases never does worse than the plan without moves (for n = 0 it is
// the plan), every move closes a distinct existing base and opens a
// candidate not otherwise open, and the reported value is the value of the
// plan recomputed from the matrix rows. Some instance must gain from moving.
func TestRelocateNeverWorse(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 11))
	ctx := context.Background()
	improved := 0
	for n := 0; n < 60; n++ {
		in := randomInstance(t, rng, 12+rng.IntN(40), 40+rng.IntN(200), 1+rng.IntN(4), 0.05+0.25*rng.Float64())
		for _, obj := range []Objective{MaxCover, PMedian} {
			k := 1 + rng.IntN(3)
			opt := Options{Objective: obj, K: k, TargetSeconds: in.target}
			sol, err := Solve(ctx, in.m, opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, moves := range []int{0, 1, 3} {
				r, err := Relocate(ctx, in.m, opt, sol.Sites, moves)
				if err != nil {
					t.Fatal(err)
				}
				worse := r.Value < sol.Value-1e-9
				if obj == PMedian {
					worse = r.Value > sol.Value+1e-9
				}
				if worse || r.Before != sol.Value || len(r.Moves) > moves || len(r.Sites) != len(sol.Sites) {
					t.Fatalf("instance %d %v, %d moves: value %v (before %v), solution %v; %d moves, %d sites", n, obj, moves, r.Value, r.Before, sol.Value, len(r.Moves), len(r.Sites))
				}
				open := slices.Clone(r.Sites)
				from := map[int]bool{}
				for j, s := range in.m.Sites {
					if s.Existing {
						open = append(open, j)
					}
				}
				for _, mv := range r.Moves {
					if !in.m.Sites[mv.From].Existing || in.m.Sites[mv.To].Existing || from[mv.From] || slices.Contains(r.Sites, mv.To) {
						t.Fatalf("instance %d: bad move %+v (moves %v, sites %v)", n, mv, r.Moves, r.Sites)
					}
					from[mv.From] = true
					open = slices.DeleteFunc(open, func(j int) bool { return j == mv.From })
					open = append(open, mv.To)
				}
				cov, ps := evaluateOpen(in.m, open, in.target, in.horizon)
				want := cov
				if obj == PMedian {
					want = ps
				}
				if !near(r.Value, want) || !near(r.Covered, cov) || !near(r.PersonSeconds, ps) {
					t.Errorf("instance %d %v: relocation reports %v (covered %v, %v person-s), the rows give %v (%v, %v)", n, obj, r.Value, r.Covered, r.PersonSeconds, want, cov, ps)
				}
				if moves == 0 && len(r.Moves) != 0 {
					t.Errorf("instance %d: %d moves with none allowed", n, len(r.Moves))
				}
				if len(r.Moves) > 0 {
					improved++
				}
			}
		}
	}
	if improved == 0 {
		t.Error("no instance gained from moving a base: the test exercises nothing")
	}
	t.Logf("%d of 240 runs allowing moves moved a base", improved)
}

func TestRelocateErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 12))
	in := randomInstance(t, rng, 10, 50, 2, 0.3)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opt  Options
		plan []int
		n    int
	}{
		{"set cover", Options{Objective: SetCover, TargetSeconds: 900}, nil, 1},
		{"negative", Options{Objective: MaxCover, TargetSeconds: 900}, nil, -1},
		{"existing in plan", Options{Objective: MaxCover, TargetSeconds: 900}, []int{0}, 1},
		{"out of range", Options{Objective: MaxCover, TargetSeconds: 900}, []int{99}, 1},
	} {
		if _, err := Relocate(ctx, in.m, tc.opt, tc.plan, tc.n); !errors.Is(err, ErrInput) {
			t.Errorf("%s: Relocate = %v, want ErrInput", tc.name, err)
		}
	}
}
