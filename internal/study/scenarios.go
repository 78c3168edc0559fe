package study

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
)

// ScenarioResult is one scenario answered beside the baseline.
type ScenarioResult struct {
	Name   string
	Report scenario.Report
	Result *coverage.Result
	// Shelter is the shelter computation in the scenario, nil when the
	// study has no shelters. WalkClosedEdges counts the walk-graph edges
	// the scenario's road closures took away; SheltersInClosedAreas lists
	// the open shelters standing inside a closure polygon (reported, not
	// closed: list them in shelters_closed when they are out of use).
	Shelter               *shelter.Result
	WalkClosedEdges       int
	SheltersInClosedAreas []string
}

// RunScenarios applies each scenario of the study to the built graph (no
// OSM re-read) and reruns the coverage computation, and with shelters the
// shelter computation: on the walk graph with the scenario's road closures
// (close_ways and close_areas; slowdowns are for driving and leave walking
// alone), without the closed shelters and with the scaled capacities. The
// depots drive on the scenario's road graph.
func RunScenarios(ctx context.Context, in *Inputs) ([]ScenarioResult, error) {
	var out []ScenarioResult
	for _, spec := range in.Study.Scenarios {
		ch, err := ChangeOf(in.Study, spec)
		if err != nil {
			return nil, err
		}
		res, err := RunChange(ctx, in, ch)
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// scenarioShelters runs the shelter computation of one scenario.
func scenarioShelters(ctx context.Context, in *Inputs, spec Change, ci coverage.Input, res *ScenarioResult) error {
	v, err := ScenarioShelterInput(in, spec)
	if err != nil {
		return err
	}
	si := v.Input
	si.Drive = ci.Graph
	res.WalkClosedEdges, res.SheltersInClosedAreas = v.WalkClosedEdges, v.InClosedAreas
	r, err := shelter.Compute(ctx, si)
	if err != nil {
		return fmt.Errorf("shelters: %w", err)
	}
	res.Shelter = r
	return nil
}

// ShelterVariant is a scenario's shelter input, as RunChange computes it.
type ShelterVariant struct {
	// Input is the study's shelter input on the walk graph with the
	// scenario's road closures (WalkChanged; the study's walk graph when
	// they close no footway), without the closed shelters and with the
	// scaled capacities. Drive is the study's: the scenario's road graph
	// replaces it.
	Input       shelter.Input
	WalkChanged bool
	// WalkClosedEdges and InClosedAreas are ScenarioResult's.
	WalkClosedEdges int
	InClosedAreas   []string
}

// ScenarioShelterInput returns the shelter input of change spec (the
// study must have shelters): the walk graph with the change's road
// closures (close_ways and close_areas; slowdowns are for driving and
// leave walking alone), its closed shelters and scaled capacities.
func ScenarioShelterInput(in *Inputs, spec Change) (*ShelterVariant, error) {
	v := &ShelterVariant{Input: *in.Shelter}
	si := &v.Input
	if len(spec.CloseWays)+len(spec.CloseAreas) > 0 {
		walk, rep, err := scenario.Apply(in.WalkGraph, scenario.Scenario{Name: spec.Name, CloseWays: spec.CloseWays, CloseAreas: spec.CloseAreas})
		switch {
		case errors.Is(err, scenario.ErrNoChange):
			// Only roads pedestrians do not use were closed.
		case err != nil:
			return nil, fmt.Errorf("walk graph: %w", err)
		default:
			si.Walk, v.WalkClosedEdges, v.WalkChanged = walk, rep.ClosedEdges, true
		}
	}
	index := map[string]int{}
	for j, sh := range si.Shelters {
		index[sh.ID] = j
	}
	find := func(key, id string) (int, error) {
		j, ok := index[id]
		if !ok {
			return 0, fmt.Errorf("%s: no shelter %q among the study's %d shelters (shelters outside the road network or another city are left out)", key, id, len(si.Shelters))
		}
		return j, nil
	}
	if len(spec.SheltersClosed) > 0 {
		si.Closed = make([]bool, len(si.Shelters))
		for _, id := range spec.SheltersClosed {
			j, err := find("shelters_closed", id)
			if err != nil {
				return nil, err
			}
			si.Closed[j] = true
		}
	}
	if len(spec.ShelterCapacity) > 0 {
		si.CapacityFactor = make([]float64, len(si.Shelters))
		for j := range si.CapacityFactor {
			si.CapacityFactor[j] = 1
		}
		ids := make([]string, 0, len(spec.ShelterCapacity))
		for id := range spec.ShelterCapacity {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			j, err := find("shelter_capacity", id)
			if err != nil {
				return nil, err
			}
			si.CapacityFactor[j] = spec.ShelterCapacity[id]
		}
	}
	for j, sh := range si.Shelters {
		if si.Closed != nil && si.Closed[j] {
			continue
		}
		for _, a := range spec.CloseAreas {
			if a.Bound().Contains(sh.Loc) && planar.MultiPolygonContains(a, sh.Loc) {
				v.InClosedAreas = append(v.InClosedAreas, sh.ID)
				break
			}
		}
	}
	return v, nil
}

// optColumn is a column of the scenarios table that is null where get
// gives nil (a time no base reaches, shelter figures without shelters).
func optColumn(name, unit, doc string, get func(*ScenarioUnit) *float64) arrowio.Column[*ScenarioUnit] {
	return arrowio.OptFloat64(name, unit, doc, func(r *ScenarioUnit) (float64, bool) {
		if v := get(r); v != nil {
			return *v, true
		}
		return 0, false
	})
}

// scenariosTable is the scenarios table: one row per scenario and unit
// (ScenarioUnits). The shelter columns are null when the study has no
// shelters.
var scenariosTable = arrowio.NewTable(
	arrowio.String("scenario", "scenario name", func(r *ScenarioUnit) string { return r.Scenario }),
	arrowio.String("unit_id", "unit", func(r *ScenarioUnit) string { return r.UnitID }),
	arrowio.String("name", "unit name", func(r *ScenarioUnit) string { return r.Name }),
	arrowio.Float64("residents", "people", "residents", func(r *ScenarioUnit) float64 { return r.Residents }),
	arrowio.Float64("within_baseline", "people", "inside the rescue circle, baseline", func(r *ScenarioUnit) float64 { return r.WithinBaseline }),
	arrowio.Float64("within_scenario", "people", "inside the rescue circle in the scenario", func(r *ScenarioUnit) float64 { return r.WithinScenario }),
	arrowio.Float64("lost", "people", "residents who lose coverage", func(r *ScenarioUnit) float64 { return r.Lost }),
	arrowio.Int64("cells_changed", "", "cells whose travel time changed", func(r *ScenarioUnit) int64 { return r.CellsChanged }),
	optColumn("p90_baseline_seconds", "s", "90th percentile time, baseline", func(r *ScenarioUnit) *float64 { return r.P90Baseline }),
	optColumn("p90_scenario_seconds", "s", "90th percentile time in the scenario", func(r *ScenarioUnit) *float64 { return r.P90Scenario }),
	optColumn("shelter_places_baseline", "people", "shelter places in the unit, baseline", func(r *ScenarioUnit) *float64 { return r.PlacesBaseline }),
	optColumn("shelter_places_scenario", "people", "shelter places in the unit in the scenario", func(r *ScenarioUnit) *float64 { return r.PlacesScenario }),
	optColumn("placed_baseline", "people", "residents given a shelter place, baseline", func(r *ScenarioUnit) *float64 { return r.PlacedBaseline }),
	optColumn("placed_scenario", "people", "residents given a shelter place in the scenario", func(r *ScenarioUnit) *float64 { return r.PlacedScenario }),
	optColumn("unplaced_baseline", "people", "residents without a shelter place, baseline", func(r *ScenarioUnit) *float64 { return r.UnplacedBaseline }),
	optColumn("unplaced_scenario", "people", "residents without a shelter place in the scenario", func(r *ScenarioUnit) *float64 { return r.UnplacedScenario }),
	optColumn("newly_unplaced", "people", "unplaced_scenario - unplaced_baseline, when positive", func(r *ScenarioUnit) *float64 { return r.NewlyUnplaced }),
	optColumn("walk_reach_baseline", "people", "residents with a shelter within walking reach, baseline", func(r *ScenarioUnit) *float64 { return r.WalkReachBaseline }),
	optColumn("walk_reach_scenario", "people", "residents with a shelter within walking reach in the scenario", func(r *ScenarioUnit) *float64 { return r.WalkReachScenario }),
)

// ScenariosSchema is the schema of the scenarios table.
var ScenariosSchema = scenariosTable.Schema()

// ScenarioTable builds the scenarios table; sbase is the baseline shelter
// result (nil without shelters).
func ScenarioTable(mem memory.Allocator, in *Inputs, base *coverage.Result, sbase *shelter.Result, scs []ScenarioResult) arrow.Record {
	rows := func(yield func(*ScenarioUnit) bool) {
		for _, sc := range scs {
			units := ScenarioUnits(in, base, sbase, sc)
			for k := range units {
				if !yield(&units[k]) {
					return
				}
			}
		}
	}
	return scenariosTable.MustBuild(mem, rows)
}

// scenarioShelterRow is one scenario and shelter of the scenario_shelters
// table: hb the shelter in the baseline, hs in the scenario.
type scenarioShelterRow struct {
	si     *shelter.Input
	name   string
	hb, hs *shelter.ShelterResult
}

// scenarioSheltersTable is the scenario_shelters table: one row per
// scenario and shelter, the scenario beside the baseline. A shelter
// overflows when its nearest-choice load (everyone to the nearest shelter
// within reach) exceeds a known capacity; the capacitated assignment never
// exceeds a capacity, and what does not fit shows as residents without a
// place (unplaced_nearest: those whose nearest shelter in reach it is).
var scenarioSheltersTable = arrowio.NewTable(
	arrowio.String("scenario", "scenario name", func(r scenarioShelterRow) string { return r.name }),
	arrowio.String("shelter_id", "shelter id", func(r scenarioShelterRow) string { return r.hb.ID }),
	arrowio.String("name", "name", func(r scenarioShelterRow) string { return r.hb.Name }),
	arrowio.OptString("unit_id", "unit holding the shelter", func(r scenarioShelterRow) (string, bool) { return shelterUnitID(r.si, r.hb.Unit) }),
	arrowio.Bool("closed", "closed in the scenario", func(r scenarioShelterRow) bool { return r.hs.Closed }),
	arrowio.Float64("capacity_factor", "", "factor applied to its places (1: unchanged)", func(r scenarioShelterRow) float64 { return r.hs.CapacityFactor }),
	arrowio.Float64("places_baseline", "people", "capacity, baseline", func(r scenarioShelterRow) float64 { return r.hb.Places }),
	arrowio.Float64("places_scenario", "people", "capacity in the scenario", func(r scenarioShelterRow) float64 { return r.hs.Places }),
	arrowio.Float64("load_baseline", "people", "load of the capacitated assignment, baseline", func(r scenarioShelterRow) float64 { return r.hb.Load }),
	arrowio.Float64("load_scenario", "people", "the same in the scenario", func(r scenarioShelterRow) float64 { return r.hs.Load }),
	arrowio.Float64("nearest_load_baseline", "people", "load if everyone went to the nearest shelter, baseline", func(r scenarioShelterRow) float64 { return r.hb.NearestLoad }),
	arrowio.Float64("nearest_load_scenario", "people", "the same in the scenario", func(r scenarioShelterRow) float64 { return r.hs.NearestLoad }),
	arrowio.Bool("overflows_baseline", "nearest load above a known capacity, baseline", func(r scenarioShelterRow) bool { return r.hb.Overflows }),
	arrowio.Bool("overflows_scenario", "the same in the scenario", func(r scenarioShelterRow) bool { return r.hs.Overflows }),
	arrowio.Bool("starts_to_overflow", "overflows in the scenario, not in the baseline", func(r scenarioShelterRow) bool { return r.hs.Overflows && !r.hb.Overflows }),
	arrowio.Float64("unplaced_nearest_baseline", "people", "residents without a place whose nearest shelter in reach it is, baseline", func(r scenarioShelterRow) float64 { return r.hb.UnplacedNearest }),
	arrowio.Float64("unplaced_nearest_scenario", "people", "the same in the scenario", func(r scenarioShelterRow) float64 { return r.hs.UnplacedNearest }),
	arrowio.Float64("newly_unplaced_nearest", "people", "unplaced_nearest_scenario - unplaced_nearest_baseline, when positive", func(r scenarioShelterRow) float64 {
		return max(0, r.hs.UnplacedNearest-r.hb.UnplacedNearest)
	}),
	arrowio.Float64("residents_in_reach_baseline", "people", "residents within its walking reach, baseline", func(r scenarioShelterRow) float64 { return r.hb.ResidentsInReach }),
	arrowio.Float64("residents_in_reach_scenario", "people", "the same in the scenario", func(r scenarioShelterRow) float64 { return r.hs.ResidentsInReach }),
	arrowio.WKB("geometry", "location, WKB point, lon/lat", func(r scenarioShelterRow) (orb.Geometry, error) { return r.hb.Loc, nil }),
)

// ScenarioSheltersSchema is the schema of the scenario_shelters table.
var ScenarioSheltersSchema = scenarioSheltersTable.Schema()

// ScenarioShelterTable builds the scenario_shelters table (nil when no
// scenario has a shelter result).
func ScenarioShelterTable(mem memory.Allocator, in *Inputs, sbase *shelter.Result, scs []ScenarioResult) arrow.Record {
	if sbase == nil {
		return nil
	}
	n := 0
	rows := func(yield func(scenarioShelterRow) bool) {
		for _, sc := range scs {
			if sc.Shelter == nil {
				continue
			}
			for j := range sbase.Shelters {
				n++
				if !yield(scenarioShelterRow{si: in.Shelter, name: sc.Name, hb: &sbase.Shelters[j], hs: &sc.Shelter.Shelters[j]}) {
					return
				}
			}
		}
	}
	rec := scenarioSheltersTable.MustBuild(mem, rows)
	if n == 0 {
		rec.Release()
		return nil
	}
	return rec
}

// TurningAway is the least number of residents newly without a place at a
// shelter (its unplaced_nearest) for the summaries to name it: one person.
const TurningAway = 1

// ShelterChanges lists, for one scenario against the baseline, the
// shelters (indices) that start to overflow and those that turn away at
// least TurningAway more residents.
func ShelterChanges(sbase, ss *shelter.Result) (overflow, turningAway []int) {
	for j, hb := range sbase.Shelters {
		hs := ss.Shelters[j]
		if hs.Overflows && !hb.Overflows {
			overflow = append(overflow, j)
		}
		if hs.UnplacedNearest-hb.UnplacedNearest >= TurningAway {
			turningAway = append(turningAway, j)
		}
	}
	return overflow, turningAway
}
