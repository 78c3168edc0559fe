package shelter_test

import (
	"context"
	"fmt"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// Two cells and two shelters: 2SFCA shares each shelter's places among the
// residents of its catchment.
func ExampleTwoStep() {
	m := &shelter.Matrix{
		Cells: 2, Shelters: 2,
		Off:     []int32{0, 2, 3},
		Shelter: []int32{0, 1, 1},
		Seconds: []float64{120, 500, 200},
	}
	pop := []float64{100, 300}
	places := []float64{40, 60}
	catchment := []float64{600, 600}
	f, _ := shelter.TwoStep(m, pop, places, catchment, shelter.FCAOptions{})
	fmt.Printf("places per resident: %.2f %.2f\n", f.Access[0], f.Access[1])
	// Output: places per resident: 0.55 0.15
}

// Shelter 0 has 50 places and is the nearer for both cells; the
// assignment sends the cell that loses least by walking farther.
func ExampleAssign() {
	m := &shelter.Matrix{
		Cells: 2, Shelters: 2,
		Off:     []int32{0, 2, 4},
		Shelter: []int32{0, 1, 0, 1},
		Seconds: []float64{100, 200, 100, 600},
	}
	a, _ := shelter.Assign(context.Background(), m, []float64{50, 50}, []float64{50, 100})
	fmt.Printf("cell 0 → %v, cell 1 → %v, %v person-s\n", a.Flow[0:2], a.Flow[2:4], a.PersonSeconds)
	// Output: cell 0 → [0 50], cell 1 → [50 0], 15000 person-s
}
