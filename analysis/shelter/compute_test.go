package shelter_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/internal/sheltertest"
)

func townStandard() *standard.Standard {
	return &standard.Standard{
		Name:     "test",
		Access:   standard.Access{WalkKPH: 4.5, SnapDistanceM: 500},
		Shelters: shelterStd(),
		Depots:   standard.Depots{ReachMinutes: 5},
	}
}

func townInput(tb testing.TB) shelter.Input {
	tw := newTown(tb, false)
	in := shelter.Input{
		Walk: tw.g, Drive: tw.g, Standard: townStandard(),
		Cells: tw.cells, Pop: tw.pop,
		Units: []shelter.Unit{{ID: "w", Name: "West"}, {ID: "e", Name: "East"}},
		Shelters: []shelter.Shelter{
			{ID: "s0", Loc: townShelters[0], Class: "emergency", Capacity: 300},
			{ID: "s1", Loc: townShelters[1], Class: "long_term", AreaM2: 2000}, // 444 places
			{ID: "s2", Loc: townShelters[2]},                                   // short_term by default, unknown capacity
			{ID: "far", Loc: townShelters[4], Capacity: 50},                    // not placed
		},
		ShelterUnit: []int32{0, 1, 1, -1},
		Depots: []shelter.Depot{
			{ID: "d0", Loc: townShelters[0], Stock: map[string]float64{"water_l": 9000, "blankets": 300}},
		},
		DepotUnit: []int32{0},
	}
	for i := range tw.cells {
		u := int32(0)
		if i%2 == 1 {
			u = 1
		}
		in.CellUnit = append(in.CellUnit, u)
	}
	return in
}

func TestCompute(t *testing.T) {
	t.Parallel()
	in := townInput(t)
	r, err := shelter.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	sheltertest.CheckInvariants(t, in, r)
	s := r.Summary
	rules := []shelter.Rule{r.Shelters[0].Rule, r.Shelters[1].Rule, r.Shelters[2].Rule}
	if rules[0] != shelter.RuleDeclared || rules[1] != "area/long_term" || rules[2] != shelter.RuleUnknown {
		t.Errorf("rules %v, want declared, area/long_term, unknown", rules)
	}
	if r.Shelters[1].Places != 444 || r.Shelters[2].AppliedClass != shelter.DefaultClass {
		t.Errorf("s1 %v places (want 444), s2 class %q (want %s)", r.Shelters[1].Places, r.Shelters[2].AppliedClass, shelter.DefaultClass)
	}
	if got := r.Shelters[0].CutoffSeconds; math.Abs(got-500/(4.5/3.6)) > 1e-9 {
		t.Errorf("emergency cut-off %v s, want 400 s (500 m at 4.5 km/h)", got)
	}
	if r.Shelters[3].Snapped || s.UnplacedShelters != 1 || r.Shelters[3].PlaceError == "" {
		t.Errorf("the far shelter: snapped %v, %d unplaced shelters, error %q", r.Shelters[3].Snapped, s.UnplacedShelters, r.Shelters[3].PlaceError)
	}
	if s.Places != 300+444+50 || s.UnknownCapacity != 1 {
		t.Errorf("places %v, unknown %d; want 794 and 1", s.Places, s.UnknownCapacity)
	}
	if want := 0.15 * s.Residents; math.Abs(s.Required-want) > 1e-9 || math.Abs(s.Deficit-math.Max(0, want-794)) > 1e-9 {
		t.Errorf("required %v deficit %v, want %v and %v", s.Required, s.Deficit, want, math.Max(0, want-794))
	}
	// Nearest-only loads: every demand within reach goes to exactly one shelter.
	var loads, within float64
	for _, sr := range r.Shelters {
		loads += sr.NearestLoad
		if sr.Overflows != (sr.Rule != shelter.RuleUnknown && sr.NearestLoad > sr.Places) {
			t.Errorf("shelter %s: overflows %v with nearest load %v and %v places", sr.ID, sr.Overflows, sr.NearestLoad, sr.Places)
		}
	}
	for i, ok := range r.Cells.WithinReach {
		if ok {
			within += r.Cells.Demand[i]
		}
	}
	if math.Abs(loads-within) > 1e-9 {
		t.Errorf("nearest-only loads add to %v, demand within reach %v", loads, within)
	}
	// Units add up to the region.
	var res, places float64
	for _, u := range r.Units {
		res += u.Residents
		places += u.Places
		if u.Residents > 0 && math.Abs(u.PlacesPerResident-u.Places/u.Residents) > 1e-12 {
			t.Errorf("unit %s: %v places per resident", u.ID, u.PlacesPerResident)
		}
	}
	if math.Abs(res-s.Residents) > 1e-9 || places != 300+444 {
		t.Errorf("units hold %v residents (region %v) and %v places (want 744: the far shelter is in no unit)", res, s.Residents, places)
	}
	west := r.Units[0]
	if west.Stock["water_l"] != 9000 || math.Abs(west.StockPerResident["blankets"]-300/west.Residents) > 1e-12 {
		t.Errorf("west stock %v, per resident %v", west.Stock, west.StockPerResident)
	}
	// The depot sits at s0: it reaches it at once, and only part of the town in 5 minutes.
	if !r.Shelters[0].DepotWithin || r.Shelters[0].DepotSeconds > 60 {
		t.Errorf("depot to s0: %v s", r.Shelters[0].DepotSeconds)
	}
	if s.DepotWithin <= 0 || s.DepotWithin >= s.Residents {
		t.Errorf("depot reach covers %v of %v residents, want part", s.DepotWithin, s.Residents)
	}
	// Demand share scales the assignment, not the accessibility.
	in2 := in
	in2.Options.DemandShare = 0.1
	r2, err := shelter.Compute(context.Background(), in2)
	if err != nil {
		t.Fatal(err)
	}
	sheltertest.CheckInvariants(t, in2, r2)
	if math.Abs(r2.Summary.Demand-0.1*s.Residents) > 1e-9 || r2.Summary.AccessTotal != s.AccessTotal {
		t.Errorf("share 0.1: demand %v (want %v), access total %v (want %v)", r2.Summary.Demand, 0.1*s.Residents, r2.Summary.AccessTotal, s.AccessTotal)
	}
	// A fixed cut-off replaces the class reach.
	in3 := in
	in3.Options.CutoffSeconds = 123
	r3, err := shelter.Compute(context.Background(), in3)
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range r3.Shelters {
		if sr.CutoffSeconds != 123 {
			t.Errorf("cut-off %v, want 123", sr.CutoffSeconds)
		}
	}
}

func TestComputeErrors(t *testing.T) {
	t.Parallel()
	in := townInput(t)
	bad := in
	bad.Shelters = append([]shelter.Shelter{{ID: "x", Class: "castle"}}, in.Shelters[1:]...)
	if _, err := shelter.Compute(context.Background(), bad); !errors.Is(err, shelter.ErrUnknownClass) {
		t.Errorf("unknown class: %v", err)
	}
	bad = in
	bad.Drive = nil
	if _, err := shelter.Compute(context.Background(), bad); !errors.Is(err, shelter.ErrInput) {
		t.Errorf("depots without a drive graph: %v", err)
	}
	bad = in
	bad.CellUnit = bad.CellUnit[1:]
	if _, err := shelter.Compute(context.Background(), bad); !errors.Is(err, shelter.ErrInput) {
		t.Errorf("short cell units: %v", err)
	}
	bad = in
	bad.Options.DemandShare = 2
	if _, err := shelter.Compute(context.Background(), bad); !errors.Is(err, shelter.ErrInput) {
		t.Errorf("demand share 2: %v", err)
	}
}

// TestComputeClosedAndScaled: a closed shelter has no places, no entries and
// is nobody's nearest; a factor scales the places to whole people; bad
// factors and mismatched lengths are refused.
func TestComputeClosedAndScaled(t *testing.T) {
	t.Parallel()
	in := townInput(t)
	base, err := shelter.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	in.Closed = []bool{true, false, false, false}
	in.CapacityFactor = []float64{1, 0.5, 1, 1}
	r, err := shelter.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	sheltertest.CheckInvariants(t, in, r)
	s0, s1 := r.Shelters[0], r.Shelters[1]
	if !s0.Closed || s0.Rule != shelter.RuleClosed || s0.Places != 0 || s0.PlaceError != "" || r.Summary.Closed != 1 || r.Summary.UnplacedShelters != 1 {
		t.Errorf("closed s0: %+v; summary closed %d, unplaced %d", s0, r.Summary.Closed, r.Summary.UnplacedShelters)
	}
	if want := math.Floor(base.Shelters[1].Places / 2); s1.Places != want || s1.CapacityFactor != 0.5 || s1.Rule != base.Shelters[1].Rule {
		t.Errorf("s1 × 0.5: %v places (%v, rule %s), want %v", s1.Places, s1.CapacityFactor, s1.Rule, want)
	}
	if r.Summary.Placed > base.Summary.Placed {
		t.Errorf("closing and halving shelters placed %v residents, baseline %v", r.Summary.Placed, base.Summary.Placed)
	}
	for _, bad := range []shelter.Input{
		func() shelter.Input { x := in; x.CapacityFactor = []float64{1, -1, 1, 1}; return x }(),
		func() shelter.Input { x := in; x.CapacityFactor = []float64{1, math.Inf(1), 1, 1}; return x }(),
		func() shelter.Input { x := in; x.Closed = []bool{true}; return x }(),
	} {
		if _, err := shelter.Compute(context.Background(), bad); !errors.Is(err, shelter.ErrInput) {
			t.Errorf("Compute(closed %v, factors %v) = %v, want ErrInput", bad.Closed, bad.CapacityFactor, err)
		}
	}
}
