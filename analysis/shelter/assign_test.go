package shelter_test

import (
	"context"
	"flag"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/internal/sheltertest"
)

var seed = flag.Uint64("seed", 42, "random seed for the property tests (replay a failure with -seed=N)")

// bruteForce returns the most residents that can be placed and the least
// person-seconds among such placements, by trying every whole-number split
// of every cell's residents among its shelters (and no place).
func bruteForce(m *shelter.Matrix, demand, places []float64) (placed, cost float64) {
	best := [2]float64{-1, math.Inf(1)}
	room := append([]float64(nil), places...)
	var rec func(i int, pl, c float64)
	rec = func(i int, pl, c float64) {
		if i == m.Cells {
			if pl > best[0] || (pl == best[0] && c < best[1]) {
				best = [2]float64{pl, c}
			}
			return
		}
		sh, sec := m.Row(i)
		var split func(k int, left, pl, c float64)
		split = func(k int, left, pl, c float64) {
			if k == len(sh) {
				rec(i+1, pl, c) // the rest goes without a place
				return
			}
			j := sh[k]
			for x := 0.0; x <= left && x <= room[j]; x++ {
				room[j] -= x
				split(k+1, left-x, pl+x, c+x*sec[k])
				room[j] += x
			}
		}
		split(0, demand[i], pl, c)
	}
	rec(0, 0, 0)
	return best[0], best[1]
}

func randomInstance(rng *rand.Rand, cells, shelters, maxDemand, maxPlaces int, integer bool) (*shelter.Matrix, []float64, []float64) {
	rows := make([][][2]float64, cells)
	demand := make([]float64, cells)
	for i := range rows {
		demand[i] = float64(rng.IntN(maxDemand + 1))
		if !integer {
			demand[i] = rng.Float64() * float64(maxDemand)
		}
		for j := 0; j < shelters; j++ {
			if rng.IntN(10) < 7 {
				t := float64(1 + rng.IntN(20))
				if !integer {
					t = rng.Float64() * 900
				}
				rows[i] = append(rows[i], [2]float64{float64(j), t})
			}
		}
	}
	places := make([]float64, shelters)
	for j := range places {
		places[j] = float64(rng.IntN(maxPlaces + 1))
		if !integer {
			places[j] = rng.Float64() * float64(maxPlaces)
		}
	}
	return matrixOf(shelters, rows), demand, places
}

// The assignment equals an exhaustive search on small whole-number cases:
// 3 shelters × 5 cells.
func TestAssignBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(*seed, 1))
	for trial := 0; trial < 300; trial++ {
		m, demand, places := randomInstance(rng, 5, 3, 3, 5, true)
		a, err := shelter.Assign(context.Background(), m, demand, places)
		if err != nil {
			t.Fatal(err)
		}
		wantPlaced, wantCost := bruteForce(m, demand, places)
		var placed float64
		for _, p := range a.Placed {
			placed += p
		}
		if math.Abs(placed-wantPlaced) > 1e-9 || math.Abs(a.PersonSeconds-wantCost) > 1e-9 {
			t.Fatalf("trial %d (-seed=%d): Assign placed %v at %v person-s; exhaustive search %v at %v\nmatrix %+v demand %v places %v",
				trial, *seed, placed, a.PersonSeconds, wantPlaced, wantCost, m, demand, places)
		}
		for k, x := range a.Flow {
			if x != math.Round(x) {
				t.Fatalf("trial %d: flow %v on entry %d is not whole with whole data", trial, x, k)
			}
		}
	}
}

// On larger random cases with real-valued data the residual network has no
// augmenting path and no negative cycle (the optimality certificate), the
// capacities hold and placed + unplaced = demand.
func TestAssignCertificate(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(*seed, 2))
	for trial := 0; trial < 40; trial++ {
		m, demand, places := randomInstance(rng, 10+rng.IntN(60), 2+rng.IntN(12), 500, 800, trial%2 == 0)
		a, err := shelter.Assign(context.Background(), m, demand, places)
		if err != nil {
			t.Fatal(err)
		}
		if aug, neg := sheltertest.Certificate(m, demand, places, a, 1e-6); aug || neg < -1e-6 {
			t.Fatalf("trial %d (-seed=%d): augmenting path %v, negative cycle %g", trial, *seed, aug, neg)
		}
		for i := range demand {
			if math.Abs(a.Placed[i]+a.Unplaced[i]-demand[i]) > 1e-6 {
				t.Errorf("cell %d: placed %v + unplaced %v != demand %v", i, a.Placed[i], a.Unplaced[i], demand[i])
			}
		}
		for j := range places {
			if a.Load[j] > places[j]+1e-6 {
				t.Errorf("shelter %d: load %v above %v places", j, a.Load[j], places[j])
			}
		}
	}
}

// An added place at a shelter marked Relief places one more resident, at
// ReliefSeconds more walking; at a shelter not so marked it places none.
func TestAssignRelief(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(*seed, 3))
	checked := 0
	for trial := 0; trial < 100; trial++ {
		m, demand, places := randomInstance(rng, 8, 4, 6, 6, true)
		a, err := shelter.Assign(context.Background(), m, demand, places)
		if err != nil {
			t.Fatal(err)
		}
		base := sheltertest.Sum(a.Placed)
		for j := range places {
			more := append([]float64(nil), places...)
			more[j]++
			b, err := shelter.Assign(context.Background(), m, demand, more)
			if err != nil {
				t.Fatal(err)
			}
			gain := sheltertest.Sum(b.Placed) - base
			switch {
			case a.Relief[j]:
				checked++
				if math.Abs(gain-1) > 1e-9 || math.Abs(b.PersonSeconds-a.PersonSeconds-a.ReliefSeconds[j]) > 1e-9 {
					t.Errorf("trial %d shelter %d: relief %v s, but a place more placed %v more at %v more person-s",
						trial, j, a.ReliefSeconds[j], gain, b.PersonSeconds-a.PersonSeconds)
				}
			case gain > 1e-9:
				t.Errorf("trial %d shelter %d: not marked relief, but a place more placed %v more", trial, j, gain)
			}
		}
	}
	if checked == 0 {
		t.Error("no relief shelter in 100 trials")
	}
}

func TestAssignErrors(t *testing.T) {
	t.Parallel()
	m := matrixOf(1, [][][2]float64{{{0, 10}}})
	for _, tt := range []struct {
		name           string
		demand, places []float64
	}{
		{"negative demand", []float64{-1}, []float64{1}},
		{"NaN places", []float64{1}, []float64{math.NaN()}},
		{"lengths", []float64{1, 1}, []float64{1}},
	} {
		if _, err := shelter.Assign(context.Background(), m, tt.demand, tt.places); err == nil {
			t.Errorf("%s: Assign accepted demand %v places %v", tt.name, tt.demand, tt.places)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := shelter.Assign(ctx, m, []float64{1}, []float64{1}); err == nil {
		t.Error("Assign ran on a cancelled context")
	}
}
