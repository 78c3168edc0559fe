package siting

import (
	"context"
	"fmt"
	"math"
	"slices"
)

// A Move relocates the team of an existing base to a candidate site: the
// base closes, and its team opens the site. From and To index Matrix.Sites.
type Move struct {
	From, To int
}

// Relocation is a plan in which some existing bases move.
type Relocation struct {
	// Moves are the relocations, in the order they were found.
	Moves []Move
	// Sites are the new sites (the plan given, possibly moved by swaps),
	// not counting the relocated teams' sites (Moves[k].To).
	Sites []int
	// Value, Covered and PersonSeconds are the plan's, as in Solution;
	// Before is the value of the plan given, without moves.
	Value, Covered, PersonSeconds, MeanSeconds float64
	Before                                     float64
}

// Relocate improves a plan (new sites, indices into m.Sites; may be empty)
// by moving up to n existing bases' teams to candidate sites: a local
// search that at each step applies the best move (close one base not moved
// yet, open one candidate), checked by recomputing the objective, then
// re-places the new and relocated sites by swaps with the bases left where
// they are fixed. It stops when no move improves the objective or n moves
// are made. Every accepted step improves the objective and swaps never
// worsen it, so the answer is never worse than the plan given. Relocation
// is for MaxCover and PMedian; opt.K is ignored. m is not modified.
func Relocate(ctx context.Context, m *Matrix, opt Options, plan []int, n int) (*Relocation, error) {
	if opt.Objective == SetCover || opt.Objective == Expected {
		return nil, fmt.Errorf("%w: relocation is for the coverage and time objectives, not %v", ErrInput, opt.Objective)
	}
	if n < 0 {
		return nil, fmt.Errorf("%w: %d relocations", ErrInput, n)
	}
	opt.K = 1
	p, err := newProblem(m, opt)
	if err != nil {
		return nil, err
	}
	isCand := make([]bool, len(m.Sites))
	for _, j := range p.cand {
		isCand[j] = true
	}
	for _, j := range plan {
		if j < 0 || j >= len(m.Sites) || !isCand[j] {
			return nil, fmt.Errorf("%w: plan site %d is not a candidate", ErrInput, j)
		}
	}
	rounds := opt.SwapRounds
	if rounds == 0 {
		rounds = DefaultSwapRounds
	}
	fixed := slices.Clone(p.existing) // bases not moved
	sites := slices.Clone(plan)       // new sites, then the relocated teams' sites
	free := *p                        // the same problem with no fixed site: costs of any open set
	free.existing = nil
	open := func() []int { return append(slices.Clone(fixed), sites...) }
	cost := free.costOf(open())
	r := &Relocation{Before: p.value(cost)}
	var a assignment
	for len(r.Moves) < n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o := open()
		isOpen := make([]bool, len(m.Sites))
		for _, j := range o {
			isOpen[j] = true
		}
		free.assign(&a, o)
		best, bb, bc := 0.0, -1, -1
		for _, b := range fixed {
			loss := p.closeLoss(&a, b)
			for _, c := range p.cand {
				if isOpen[c] {
					continue
				}
				if d := p.swapGain(&a, b, c) - loss; d > best {
					best, bb, bc = d, b, c
				}
			}
		}
		if bb < 0 || best <= 1e-12*(math.Abs(cost)+1) {
			break
		}
		nf := slices.DeleteFunc(slices.Clone(fixed), func(j int) bool { return j == bb })
		ns := append(slices.Clone(sites), bc)
		nc := free.costOf(append(slices.Clone(nf), ns...))
		if !(nc < cost) {
			break // rounding: not a real improvement
		}
		fixed, sites, cost = nf, ns, nc
		r.Moves = append(r.Moves, Move{From: bb, To: bc})
		// Re-place the new and relocated sites around the bases left.
		held := *p
		held.existing = fixed
		sw, sc, _, err := held.swap(ctx, sites, rounds)
		if err != nil {
			return nil, err
		}
		if sc < cost {
			sites, cost = sw, sc
		}
	}
	// swap keeps positions: the relocated teams' sites are the tail.
	for k := range r.Moves {
		r.Moves[k].To = sites[len(plan)+k]
	}
	r.Sites = sites[:len(plan)]
	rep := free.newReport()
	for _, j := range open() {
		rep.open(m, j)
	}
	r.Covered, r.PersonSeconds = free.measure(rep)
	r.Value = r.PersonSeconds
	if p.cover {
		r.Value = r.Covered
	}
	r.MeanSeconds = r.PersonSeconds / p.total
	return r, nil
}
