// Package sheltertest holds checks of shelter results shared by the
// package's own tests and the real-data tests in bench/ (which import data/
// and so cannot live in analysis/shelter). It is for tests only.
package sheltertest

import (
	"math"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// Certificate checks an assignment independently of the solver, on the
// residual network of source → cells → shelters → sink: no augmenting path
// (the most residents are placed), and no negative-cost cycle (Bellman–Ford:
// the walking is least among such placements). It returns whether an
// augmenting path exists and the most negative cycle cost found per
// resident (0 when there is none: the assignment is optimal).
func Certificate(m *shelter.Matrix, demand, places []float64, a *shelter.Assignment, eps float64) (augmentable bool, negCycle float64) {
	n, s := m.Cells, m.Shelters
	src, sink := 0, n+s+1
	type arc struct {
		from, to int
		cost     float64
	}
	var arcs []arc
	for i := 0; i < n; i++ {
		if demand[i]-a.Placed[i] > eps {
			arcs = append(arcs, arc{src, 1 + i, 0})
		}
		if a.Placed[i] > eps {
			arcs = append(arcs, arc{1 + i, src, 0})
		}
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			j := 1 + n + int(m.Shelter[k])
			if demand[i]-a.Flow[k] > eps {
				arcs = append(arcs, arc{1 + i, j, m.Seconds[k]})
			}
			if a.Flow[k] > eps {
				arcs = append(arcs, arc{j, 1 + i, -m.Seconds[k]})
			}
		}
	}
	for j := 0; j < s; j++ {
		if places[j]-a.Load[j] > eps {
			arcs = append(arcs, arc{1 + n + j, sink, 0})
		}
		if a.Load[j] > eps {
			arcs = append(arcs, arc{sink, 1 + n + j, 0})
		}
	}
	// Reachability of the sink from the source.
	adj := make([][]int, n+s+2)
	for _, e := range arcs {
		adj[e.from] = append(adj[e.from], e.to)
	}
	seen := make([]bool, n+s+2)
	stack := []int{src}
	seen[src] = true
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, v := range adj[u] {
			if !seen[v] {
				seen[v] = true
				stack = append(stack, v)
			}
		}
	}
	augmentable = seen[sink]
	// Bellman–Ford from a virtual node joined to all at cost 0.
	dist := make([]float64, n+s+2)
	for round := 0; round <= n+s+2; round++ {
		changed := false
		for _, e := range arcs {
			if d := dist[e.from] + e.cost; d < dist[e.to]-1e-7 {
				if round == n+s+2 {
					negCycle = math.Min(negCycle, d-dist[e.to])
				}
				dist[e.to] = d
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return augmentable, negCycle
}

// CheckInvariants asserts what must hold of any result.
func CheckInvariants(tb testing.TB, in shelter.Input, r *shelter.Result) {
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
		if sr.Closed && (sr.Places != 0 || sr.Load != 0 || sr.CellsInReach != 0 || sr.NearestLoad != 0 || sr.Snapped) {
			tb.Errorf("closed shelter %d (%s): %v places, load %v, %d cells in reach, nearest load %v, snapped %v; want none",
				j, sr.ID, sr.Places, sr.Load, sr.CellsInReach, sr.NearestLoad, sr.Snapped)
		}
	}
	for i, j := range r.Cells.Nearest {
		if j >= 0 && r.Shelters[j].Closed {
			tb.Errorf("cell %d: nearest shelter %d is closed", i, j)
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

// Sum adds up v.
func Sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
