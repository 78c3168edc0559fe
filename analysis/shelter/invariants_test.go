package shelter_test

// Helpers shared by the package tests (bench/ has its own copies for the
// real-data tests, which import data/ and so cannot live here).

import (
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"math"
	"testing"
)

// checkInvariants asserts what must hold of any result.
func checkInvariants(tb testing.TB, in shelter.Input, r *shelter.Result) {
	tb.Helper()
	s := r.Summary
	if d := s.Placed + s.Unplaced - s.Demand; math.Abs(d) > 1e-6*math.Max(1, s.Demand) {
		tb.Errorf("placed %.6f + unplaced %.6f = %.6f, demand %.6f", s.Placed, s.Unplaced, s.Placed+s.Unplaced, s.Demand)
	}
	for j, sr := range r.Shelters {
		if sr.Load > sr.Places+1e-6 {
			tb.Errorf("shelter %d (%s) load %.3f above its %.0f places", j, sr.ID, sr.Load, sr.Places)
		}
		if math.Abs(sr.Load+sr.Spare-sr.Places) > 1e-6 {
			tb.Errorf("shelter %d load %.3f + spare %.3f != places %.0f", j, sr.Load, sr.Spare, sr.Places)
		}
	}
	for i := range in.Cells {
		if r.Cells.Unplaced[i] > 1e-9 {
			// Every shelter within its reach must be full.
			sh, _ := r.Matrix.Row(i)
			for _, j := range sh {
				if r.Shelters[j].Spare > 1e-6 {
					tb.Errorf("cell %d has %.3f unplaced but shelter %d in reach has %.3f spare", i, r.Cells.Unplaced[i], j, r.Shelters[j].Spare)
				}
			}
		}
	}
	if math.Abs(s.AccessTotal-s.ServedPlaces) > 1e-6*math.Max(1, s.ServedPlaces) {
		tb.Errorf("2SFCA identity: Σ pop × access = %.9f, served places %.9f", s.AccessTotal, s.ServedPlaces)
	}
	var units float64
	for _, u := range r.Units {
		units += u.Unplaced
	}
	var outside float64
	for i, u := range in.CellUnit {
		if u < 0 {
			outside += r.Cells.Unplaced[i]
		}
	}
	if math.Abs(units+outside-s.Unplaced) > 1e-6*math.Max(1, s.Unplaced) {
		tb.Errorf("units' unplaced %.3f + outside %.3f != %.3f", units, outside, s.Unplaced)
	}
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
