package shelter_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// matrixOf builds a Matrix from rows of (shelter, seconds) pairs.
func matrixOf(shelters int, rows [][][2]float64) *shelter.Matrix {
	m := &shelter.Matrix{Cells: len(rows), Shelters: shelters, Off: []int32{0}}
	for _, r := range rows {
		for _, e := range r {
			m.Shelter = append(m.Shelter, int32(e[0]))
			m.Seconds = append(m.Seconds, e[1])
		}
		m.Off = append(m.Off, int32(len(m.Shelter)))
	}
	return m
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

// Two cells, two shelters, worked by hand.
func TestTwoStepByHand(t *testing.T) {
	t.Parallel()
	// Cell A (100 residents): shelter X at 100 s, Y at 500 s (third zone);
	// cell B (300): Y at 200 s, exactly on the first zone's edge; a pair
	// beyond the 600 s catchment is ignored.
	m := matrixOf(2, [][][2]float64{{{0, 100}, {1, 500}}, {{0, 601}, {1, 200}}})
	pop := []float64{100, 300}
	supply := []float64{40, 60}
	catch := []float64{600, 600}

	f, err := shelter.TwoStep(m, pop, supply, catch, shelter.FCAOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 2SFCA: R_X = 40/100, R_Y = 60/400; A_A = R_X + R_Y, A_B = R_Y.
	if !near(f.Ratio[0], 0.4) || !near(f.Ratio[1], 0.15) || !near(f.Access[0], 0.55) || !near(f.Access[1], 0.15) {
		t.Errorf("2SFCA ratio %v access %v, want [0.4 0.15] [0.55 0.15]", f.Ratio, f.Access)
	}

	f, err = shelter.TwoStep(m, pop, supply, catch, shelter.FCAOptions{Decay: shelter.Step})
	if err != nil {
		t.Fatal(err)
	}
	ry := 60 / (100*0.22 + 300*1.0)
	if !near(f.Ratio[0], 0.4) || !near(f.Ratio[1], ry) || !near(f.Access[0], 0.4+0.22*ry) || !near(f.Access[1], ry) {
		t.Errorf("E2SFCA step ratio %v access %v, want [0.4 %v] [%v %v]", f.Ratio, f.Access, ry, 0.4+0.22*ry, ry)
	}

	f, err = shelter.TwoStep(m, pop, supply, catch, shelter.FCAOptions{Decay: shelter.Gaussian, SigmaShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	g := func(x float64) float64 { return math.Exp(-x * x / (2 * 300 * 300)) }
	rx := 40 / (100 * g(100))
	ry = 60 / (100*g(500) + 300*g(200))
	if !near(f.Ratio[0], rx) || !near(f.Ratio[1], ry) || !near(f.Access[0], rx*g(100)+ry*g(500)) || !near(f.Access[1], ry*g(200)) {
		t.Errorf("E2SFCA Gaussian ratio %v access %v", f.Ratio, f.Access)
	}
}

// Σ population × access equals the places of the shelters whose catchment
// holds residents, for every decay (the same weights in both steps).
func TestTwoStepIdentity(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(*seed, 5))
	for trial := 0; trial < 50; trial++ {
		nc, ns := 1+rng.IntN(40), 1+rng.IntN(8)
		rows := make([][][2]float64, nc)
		pop := make([]float64, nc)
		for i := range rows {
			pop[i] = float64(rng.IntN(500))
			for j := 0; j < ns; j++ {
				if rng.IntN(3) == 0 {
					rows[i] = append(rows[i], [2]float64{float64(j), rng.Float64() * 1200})
				}
			}
		}
		supply := make([]float64, ns)
		catch := make([]float64, ns)
		for j := range supply {
			supply[j] = float64(rng.IntN(300))
			catch[j] = 300 + rng.Float64()*900
		}
		m := matrixOf(ns, rows)
		for _, d := range []shelter.Decay{shelter.None, shelter.Step, shelter.Gaussian} {
			f, err := shelter.TwoStep(m, pop, supply, catch, shelter.FCAOptions{Decay: d})
			if err != nil {
				t.Fatal(err)
			}
			var total, served float64
			for i := range pop {
				total += pop[i] * f.Access[i]
			}
			for j := range supply {
				if f.Demand[j] > 0 {
					served += supply[j]
				} else if !math.IsNaN(f.Ratio[j]) {
					t.Errorf("shelter %d with no demand has ratio %v, want NaN", j, f.Ratio[j])
				}
			}
			if math.Abs(total-served) > 1e-9*math.Max(1, served) {
				t.Errorf("trial %d %v: Σ pop × access = %v, served places %v", trial, d, total, served)
			}
		}
	}
}

func TestTwoStepErrors(t *testing.T) {
	t.Parallel()
	m := matrixOf(1, [][][2]float64{{{0, 10}}})
	if _, err := shelter.TwoStep(m, []float64{1, 2}, []float64{1}, []float64{10}, shelter.FCAOptions{}); err == nil {
		t.Error("TwoStep accepted 2 populations for 1 cell")
	}
	bad := matrixOf(1, [][][2]float64{{{3, 10}}})
	if _, err := shelter.TwoStep(bad, []float64{1}, []float64{1}, []float64{10}, shelter.FCAOptions{}); err == nil {
		t.Error("TwoStep accepted an entry naming shelter 3 of 1")
	}
}
