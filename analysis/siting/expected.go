package siting

import (
	"fmt"
	"math"
)

// checkBusy checks the busy fractions of the Expected objective.
func checkBusy(m *Matrix, q []float64) error {
	if len(q) != len(m.Sites) {
		return fmt.Errorf("%w: objective expected needs a busy fraction per site: %d sites, %d fractions", ErrInput, len(m.Sites), len(q))
	}
	for j, v := range q {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%w: site %s: busy fraction %v, want a share in [0, 1]", ErrInput, m.Sites[j].ID, v)
		}
	}
	return nil
}

// planValue is the reported value of a plan (new sites set, with the
// existing ones) given its coverage and person-seconds: residents
// covered, person-seconds, or for Expected the expected residents
// reached in time.
func (p *problem) planValue(set []int, covered, personSeconds float64) float64 {
	switch {
	case p.mult:
		return p.value(p.costOf(set))
	case p.cover:
		return covered
	}
	return personSeconds
}

// ExpectedValue is the expected residents reached within the target by
// the existing sites and set when site j is busy a share busy[j] of the
// time, independently of the others (the Expected objective's value).
func ExpectedValue(m *Matrix, target float64, busy []float64, set []int) (float64, error) {
	p, err := newProblem(m, Options{Objective: Expected, K: 1, TargetSeconds: target, Busy: busy})
	if err != nil {
		return math.NaN(), err
	}
	return p.value(p.costOf(set)), nil
}

// assignMult is assign for Expected.
func (p *problem) assignMult(a *assignment, set []int) {
	n := len(p.w)
	if a.pnz == nil {
		a.pnz, a.zeros, a.mark = make([]float64, n), make([]int32, n), make([]bool, n)
	}
	for i := range a.pnz {
		a.pnz[i], a.zeros[i], a.mark[i] = 1, 0, false
	}
	add := func(j int) {
		q := p.q[j]
		for _, e := range p.row(j) {
			if q == 0 {
				a.zeros[e.Cell]++
			} else {
				a.pnz[e.Cell] *= q
			}
		}
	}
	for _, j := range p.existing {
		add(j)
	}
	for _, j := range set {
		add(j)
	}
	a.marks = -1
}

// curMult is cell i's cost under a, and without site s when s reaches it
// (inS).
func (p *problem) curMult(a *assignment, i uint32, s int, inS bool) float64 {
	z, v := a.zeros[i], a.pnz[i]
	if inS {
		if q := p.q[s]; q == 0 {
			z--
		} else {
			v /= q
		}
	}
	if z > 0 {
		return 0
	}
	return v
}

// closeLossMult is closeLoss for Expected; it marks the cells s reaches
// for swapGainMult.
func (p *problem) closeLossMult(a *assignment, s int) float64 {
	if a.marks >= 0 {
		for _, e := range p.row(a.marks) {
			a.mark[e.Cell] = false
		}
	}
	var loss float64
	for _, e := range p.row(s) {
		a.mark[e.Cell] = true
		loss += p.w[e.Cell] * (p.curMult(a, e.Cell, s, true) - p.curMult(a, e.Cell, s, false))
	}
	a.marks = s
	return loss
}

// swapGainMult is swapGain for Expected: what opening c saves with s
// closed. closeLossMult(a, s) must have been called last.
func (p *problem) swapGainMult(a *assignment, s, c int) float64 {
	if a.marks != s {
		panic("siting: swapGainMult before closeLossMult of the same site")
	}
	f := 1 - p.q[c]
	var g float64
	for _, e := range p.row(c) {
		g += p.w[e.Cell] * p.curMult(a, e.Cell, s, a.mark[e.Cell]) * f
	}
	return g
}
