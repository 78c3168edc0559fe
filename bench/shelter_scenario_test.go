package bench_test

import (
	"context"
	"math"
	"sort"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/internal/sheltertest"
)

// sameFloats reports whether a and b are equal element by element, NaN
// equal to NaN.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// TestShelterScenarioPortoAlegre checks shelter scenarios on the 2024 flood
// shelters of Porto Alegre: a scenario that changes nothing (the walk and
// drive graphs rebuilt by graph.Modified, no shelter closed, every factor
// 1) gives the baseline's answer exactly; closing shelters never places
// more residents, one at a time or cumulatively; a capacity factor of 0
// places exactly as many residents at exactly the same least walking as
// closing the shelter; and closing roads by area on the walk graph keeps
// every invariant.
func TestShelterScenarioPortoAlegre(t *testing.T) {
	if testing.Short() {
		t.Skip("real data: builds two graphs of Porto Alegre")
	}
	ctx := context.Background()
	p := loadPOA(t)
	in := p.in
	base, err := shelter.Compute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	m := len(in.Shelters)
	run := func(name string, sin shelter.Input) *shelter.Result {
		t.Helper()
		r, err := shelter.Compute(ctx, sin)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sheltertest.CheckInvariants(t, sin, r)
		aug, neg := sheltertest.Certificate(&r.Matrix, r.Cells.Demand, placesOf(r), r.Assignment, 1e-6)
		if aug || neg < -1e-6 {
			t.Errorf("%s: assignment not optimal: augmenting path %v, negative cycle %g s", name, aug, neg)
		}
		return r
	}

	// Nothing changed.
	same := in
	if same.Walk, err = in.Walk.Modified(nil, nil); err != nil {
		t.Fatal(err)
	}
	if same.Drive, err = in.Drive.Modified(nil, nil); err != nil {
		t.Fatal(err)
	}
	same.Closed = make([]bool, m)
	same.CapacityFactor = make([]float64, m)
	for j := range same.CapacityFactor {
		same.CapacityFactor[j] = 1
	}
	r := run("nothing changed", same)
	bs, ss := base.Summary, r.Summary
	if bs != ss {
		t.Errorf("nothing changed: summary\n%+v\nbaseline\n%+v", ss, bs)
	}
	for name, pair := range map[string][2][]float64{
		"nearest seconds": {base.Cells.NearestSeconds, r.Cells.NearestSeconds},
		"placed":          {base.Cells.Placed, r.Cells.Placed},
		"access":          {base.Cells.Access, r.Cells.Access},
		"depot seconds":   {base.Cells.DepotSeconds, r.Cells.DepotSeconds},
		"matrix seconds":  {base.Matrix.Seconds, r.Matrix.Seconds},
	} {
		if !sameFloats(pair[0], pair[1]) {
			t.Errorf("nothing changed: cells' %s differ from the baseline", name)
		}
	}
	for j := range base.Shelters {
		b, s := base.Shelters[j], r.Shelters[j]
		if b.Places != s.Places || b.Load != s.Load || b.NearestLoad != s.NearestLoad || b.UnplacedNearest != s.UnplacedNearest || s.Closed || s.CapacityFactor != 1 {
			t.Errorf("nothing changed: shelter %s: places %v load %v nearest %v unplaced %v, baseline %v %v %v %v",
				b.ID, s.Places, s.Load, s.NearestLoad, s.UnplacedNearest, b.Places, b.Load, b.NearestLoad, b.UnplacedNearest)
		}
	}

	// Closing: the shelters with places, most loaded first.
	var open []int
	for j, sr := range base.Shelters {
		if sr.Places > 0 && sr.Snapped {
			open = append(open, j)
		}
	}
	sort.SliceStable(open, func(a, b int) bool { return base.Shelters[open[a]].Load > base.Shelters[open[b]].Load })
	if len(open) < 10 {
		t.Fatalf("%d shelters with places; the test needs 10", len(open))
	}
	eps := 1e-6 * base.Summary.Demand
	closed := make([]bool, m)
	prev := base.Summary.Placed
	for k, j := range open[:10] {
		one := in
		one.Closed = make([]bool, m)
		one.Closed[j] = true
		r1 := run("close one", one)
		if r1.Summary.Placed > base.Summary.Placed+eps {
			t.Errorf("closing %s alone places %.3f residents, baseline %.3f", in.Shelters[j].ID, r1.Summary.Placed, base.Summary.Placed)
		}
		if r1.Summary.WithinReach > base.Summary.WithinReach+eps {
			t.Errorf("closing %s alone: %.3f residents within walking reach, baseline %.3f", in.Shelters[j].ID, r1.Summary.WithinReach, base.Summary.WithinReach)
		}
		closed[j] = true
		cum := in
		cum.Closed = append([]bool(nil), closed...)
		rc := run("close cumulatively", cum)
		if rc.Summary.Placed > prev+eps {
			t.Errorf("closing %d shelters places %.3f residents, %d shelters %.3f", k+1, rc.Summary.Placed, k, prev)
		}
		prev = rc.Summary.Placed

		// A capacity factor of 0 places as closing does.
		if k < 5 {
			zero := in
			zero.CapacityFactor = make([]float64, m)
			for i := range zero.CapacityFactor {
				zero.CapacityFactor[i] = 1
			}
			zero.CapacityFactor[j] = 0
			rz := run("capacity 0", zero)
			if d := rz.Summary.Placed - r1.Summary.Placed; math.Abs(d) > eps {
				t.Errorf("shelter %s: capacity 0 places %.3f, closed %.3f", in.Shelters[j].ID, rz.Summary.Placed, r1.Summary.Placed)
			}
			if d := rz.Summary.PersonSeconds - r1.Summary.PersonSeconds; math.Abs(d) > 1e-6*math.Max(1, r1.Summary.PersonSeconds) {
				t.Errorf("shelter %s: capacity 0 walks %.3f person-s, closed %.3f", in.Shelters[j].ID, rz.Summary.PersonSeconds, r1.Summary.PersonSeconds)
			}
			if rz.Shelters[j].Places != 0 || rz.Shelters[j].Load != 0 || rz.Shelters[j].Closed {
				t.Errorf("shelter %s at capacity 0: %v places, load %v, closed %v", in.Shelters[j].ID, rz.Shelters[j].Places, rz.Shelters[j].Load, rz.Shelters[j].Closed)
			}
			if lost := base.Summary.Placed - r1.Summary.Placed; lost > base.Shelters[j].Load+eps {
				t.Errorf("closing %s loses %.3f placed residents, more than its load %.3f", in.Shelters[j].ID, lost, base.Shelters[j].Load)
			}
			t.Logf("close %-40q (%4.0f places, load %4.0f): placed %.0f → %.0f; capacity 0: %.0f; within reach %.0f → %.0f",
				in.Shelters[j].Name, base.Shelters[j].Places, base.Shelters[j].Load, base.Summary.Placed, r1.Summary.Placed, rz.Summary.Placed,
				base.Summary.WithinReach, r1.Summary.WithinReach)
		}
	}

	// Half the places of the most loaded shelter: whole people, rounded down.
	j := open[0]
	half := in
	half.CapacityFactor = make([]float64, m)
	for i := range half.CapacityFactor {
		half.CapacityFactor[i] = 1
	}
	half.CapacityFactor[j] = 0.5
	rh := run("half", half)
	if want := math.Floor(base.Shelters[j].Places / 2); rh.Shelters[j].Places != want {
		t.Errorf("half of %v places = %v, want %v", base.Shelters[j].Places, rh.Shelters[j].Places, want)
	}
	if d := base.Summary.Placed - rh.Summary.Placed; d < -eps || d > base.Shelters[j].Places-rh.Shelters[j].Places+eps {
		t.Errorf("halving %s changes placed residents by %.3f, want between 0 and the %v places taken away", in.Shelters[j].ID, d, base.Shelters[j].Places-rh.Shelters[j].Places)
	}

	// Roads closed by area on the walk graph (an illustrative box over the
	// 4th district): footways go with the roads, and the twin of every
	// closed edge with it, so the walk graph stays two-way.
	flood := box(-51.225, -30.015, -51.185, -29.975)
	walk, rep, err := scenario.Apply(in.Walk, scenario.Scenario{Name: "flood", CloseAreas: []orb.MultiPolygon{flood}})
	if err != nil {
		t.Fatal(err)
	}
	fl := in
	fl.Walk = walk
	rf := run("flood", fl)
	t.Logf("flood box: %d walk edges closed; residents within walking reach %.0f → %.0f; placed %.0f → %.0f",
		rep.ClosedEdges, base.Summary.WithinReach, rf.Summary.WithinReach, base.Summary.Placed, rf.Summary.Placed)
}
