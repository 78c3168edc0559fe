package coverage

import (
	"fmt"
	"math"
)

// BusyInput asks Compute for expected coverage with busy teams: the chance
// that a call from a cell is reached within the rescue circle when each
// team may be out on another call.
//
// The model is the maximum expected covering location problem (MEXCLP,
// Daskin 1983) with a busy fraction per base, as in the maximum
// availability models (MALP, ReVelle & Hogan 1989) and their local
// busy fractions: teams are busy independently of each other, base j a
// share q_j of the time, and a call goes to the first free team in order
// of travel time. The call is reached in time when some base within the
// circle is free, with probability 1 − Π q_j over the bases that reach the
// cell within the circle (whatever their order, since any of them in
// time will do). Independence is the model's assumption; in a real queue
// neighbouring teams are busy together more often than it says (Larson's
// hypercube model), most at high loads.
type BusyInput struct {
	// Fraction is each base's busy fraction in [0, 1], parallel to
	// Input.Bases. NaN derives it from the standard's call rate and job
	// time (standard.Busy) and the residents for whom the base is the
	// nearest: the workload it would carry if every call went to the
	// nearest base.
	Fraction []float64
}

// BusyResult is what the expected coverage was computed from.
type BusyResult struct {
	Fraction []float64 // per base: the busy fraction used, in [0, 1]
	Derived  []bool    // per base: derived from the call rate (else given)
	// Saturated are the bases whose derived workload is a whole team's
	// time or more (fraction capped at 1: never free).
	Saturated []string
}

// busyFractions returns each base's busy fraction: given, or derived from
// the residents whose nearest base it is.
func busyFractions(in Input, nearest []int32) (*BusyResult, error) {
	bi := in.Busy
	if len(bi.Fraction) != len(in.Bases) {
		return nil, fmt.Errorf("%w: %d bases but %d busy fractions", ErrInput, len(in.Bases), len(bi.Fraction))
	}
	load := make([]float64, len(in.Bases))
	for i, b := range nearest {
		if b >= 0 {
			load[b] += in.Pop[i]
		}
	}
	rates := in.Standard.Busy
	out := &BusyResult{Fraction: make([]float64, len(in.Bases)), Derived: make([]bool, len(in.Bases))}
	for b, q := range bi.Fraction {
		if !math.IsNaN(q) {
			if !(q >= 0 && q <= 1) {
				return nil, fmt.Errorf("%w: base %s: busy fraction %v, want a share in [0, 1]", ErrInput, in.Bases[b].ID, q)
			}
			out.Fraction[b] = q
			continue
		}
		if !(rates.CallsPerResidentYear > 0 && rates.JobMinutes > 0) {
			return nil, fmt.Errorf("%w: base %s has no busy fraction, and the standard's busy.calls_per_resident_year and busy.job_minutes are not both set to derive one", ErrInput, in.Bases[b].ID)
		}
		out.Fraction[b], out.Derived[b] = rates.BusyFraction(load[b]), true
		if out.Fraction[b] >= 1 {
			out.Saturated = append(out.Saturated, in.Bases[b].ID)
		}
	}
	return out, nil
}

// expectedCells sets res.Busy, each base's busy fraction (derived from
// the residents whose nearest base it is, over the whole study), and the
// cells' Expected: 1 − Π q_b over the bases within the circle, multiplied
// in base order.
func expectedCells(in Input, res *Result, cover [][]int32) error {
	n := len(in.Cells)
	if len(cover) != n || len(res.Cells.Base) != n {
		return fmt.Errorf("%w: busy teams: %d cells but covering bases for %d", ErrInput, n, len(cover))
	}
	var err error
	if res.Busy, err = busyFractions(in, res.Cells.Base); err != nil {
		return err
	}
	q := res.Busy.Fraction
	e := make([]float64, n)
	for i, bs := range cover {
		all := 1.0
		for _, b := range bs {
			all *= q[b]
		}
		e[i] = 1 - all
	}
	res.Cells.Expected = e
	return nil
}

// expected sums the cells' expected coverage into the units and the
// summary: expected residents reached in time.
func expected(in Input, res *Result) {
	e := res.Cells.Expected
	for i, p := range in.Pop {
		res.Summary.Expected += p * e[i]
		if u := in.CellUnit[i]; u >= 0 {
			res.Units[u].Expected += p * e[i]
		}
	}
}

// ExpectedShare is expected residents reached in time over residents (1
// with no residents).
func ExpectedShare(expected, residents float64) float64 {
	if residents > 0 {
		return expected / residents
	}
	return 1
}
