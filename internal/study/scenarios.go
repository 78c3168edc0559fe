package study

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
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
func scenarioShelters(ctx context.Context, in *Inputs, spec Change, sc scenario.Scenario, ci coverage.Input, res *ScenarioResult) error {
	si := *in.Shelter
	si.Drive = ci.Graph
	if len(sc.CloseWays)+len(sc.CloseAreas) > 0 {
		walk, rep, err := scenario.Apply(in.WalkGraph, scenario.Scenario{Name: sc.Name, CloseWays: sc.CloseWays, CloseAreas: sc.CloseAreas})
		switch {
		case errors.Is(err, scenario.ErrNoChange):
			// Only roads pedestrians do not use were closed.
		case err != nil:
			return fmt.Errorf("walk graph: %w", err)
		default:
			si.Walk, res.WalkClosedEdges = walk, rep.ClosedEdges
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
				return err
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
				return err
			}
			si.CapacityFactor[j] = spec.ShelterCapacity[id]
		}
	}
	for j, sh := range si.Shelters {
		if si.Closed != nil && si.Closed[j] {
			continue
		}
		for _, a := range sc.CloseAreas {
			if a.Bound().Contains(sh.Loc) && planar.MultiPolygonContains(a, sh.Loc) {
				res.SheltersInClosedAreas = append(res.SheltersInClosedAreas, sh.ID)
				break
			}
		}
	}
	r, err := shelter.Compute(ctx, si)
	if err != nil {
		return fmt.Errorf("shelters: %w", err)
	}
	res.Shelter = r
	return nil
}

// ScenariosSchema is the scenarios table: one row per scenario and unit.
// The shelter columns are null when the study has no shelters.
var ScenariosSchema = arrow.NewSchema([]arrow.Field{
	arrowio.Field("scenario", arrow.BinaryTypes.String, "", "scenario name"),
	arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit"),
	arrowio.Field("name", arrow.BinaryTypes.String, "", "unit name"),
	arrowio.Field("residents", arrow.PrimitiveTypes.Float64, "people", "residents"),
	arrowio.Field("within_baseline", arrow.PrimitiveTypes.Float64, "people", "inside the rescue circle, baseline"),
	arrowio.Field("within_scenario", arrow.PrimitiveTypes.Float64, "people", "inside the rescue circle in the scenario"),
	arrowio.Field("lost", arrow.PrimitiveTypes.Float64, "people", "residents who lose coverage"),
	arrowio.Field("cells_changed", arrow.PrimitiveTypes.Int64, "", "cells whose travel time changed"),
	nullable(arrowio.Field("p90_baseline_seconds", arrow.PrimitiveTypes.Float64, "s", "90th percentile time, baseline")),
	nullable(arrowio.Field("p90_scenario_seconds", arrow.PrimitiveTypes.Float64, "s", "90th percentile time in the scenario")),
	nullable(arrowio.Field("shelter_places_baseline", arrow.PrimitiveTypes.Float64, "people", "shelter places in the unit, baseline")),
	nullable(arrowio.Field("shelter_places_scenario", arrow.PrimitiveTypes.Float64, "people", "shelter places in the unit in the scenario")),
	nullable(arrowio.Field("placed_baseline", arrow.PrimitiveTypes.Float64, "people", "residents given a shelter place, baseline")),
	nullable(arrowio.Field("placed_scenario", arrow.PrimitiveTypes.Float64, "people", "residents given a shelter place in the scenario")),
	nullable(arrowio.Field("unplaced_baseline", arrow.PrimitiveTypes.Float64, "people", "residents without a shelter place, baseline")),
	nullable(arrowio.Field("unplaced_scenario", arrow.PrimitiveTypes.Float64, "people", "residents without a shelter place in the scenario")),
	nullable(arrowio.Field("newly_unplaced", arrow.PrimitiveTypes.Float64, "people", "unplaced_scenario - unplaced_baseline, when positive")),
	nullable(arrowio.Field("walk_reach_baseline", arrow.PrimitiveTypes.Float64, "people", "residents with a shelter within walking reach, baseline")),
	nullable(arrowio.Field("walk_reach_scenario", arrow.PrimitiveTypes.Float64, "people", "residents with a shelter within walking reach in the scenario")),
}, nil)

// ScenarioTable builds the scenarios table; sbase is the baseline shelter
// result (nil without shelters).
func ScenarioTable(mem memory.Allocator, in *Inputs, base *coverage.Result, sbase *shelter.Result, scs []ScenarioResult) arrow.Record {
	b := array.NewRecordBuilder(mem, ScenariosSchema)
	defer b.Release()
	f64 := func(i int) *array.Float64Builder { return b.Field(i).(*array.Float64Builder) }
	opt := func(bl *array.Float64Builder, v *float64) {
		if v == nil {
			bl.AppendNull()
		} else {
			bl.Append(*v)
		}
	}
	for _, sc := range scs {
		for _, row := range ScenarioUnits(in, base, sbase, sc) {
			b.Field(0).(*array.StringBuilder).Append(row.Scenario)
			b.Field(1).(*array.StringBuilder).Append(row.UnitID)
			b.Field(2).(*array.StringBuilder).Append(row.Name)
			f64(3).Append(row.Residents)
			f64(4).Append(row.WithinBaseline)
			f64(5).Append(row.WithinScenario)
			f64(6).Append(row.Lost)
			b.Field(7).(*array.Int64Builder).Append(row.CellsChanged)
			for k, v := range []*float64{row.P90Baseline, row.P90Scenario, row.PlacesBaseline, row.PlacesScenario,
				row.PlacedBaseline, row.PlacedScenario, row.UnplacedBaseline, row.UnplacedScenario, row.NewlyUnplaced,
				row.WalkReachBaseline, row.WalkReachScenario} {
				opt(f64(8+k), v)
			}
		}
	}
	return b.NewRecord()
}

// ScenarioSheltersSchema is the scenario_shelters table: one row per
// scenario and shelter, the scenario beside the baseline. A shelter
// overflows when its nearest-choice load (everyone to the nearest shelter
// within reach) exceeds a known capacity; the capacitated assignment never
// exceeds a capacity, and what does not fit shows as residents without a
// place (unplaced_nearest: those whose nearest shelter in reach it is).
var ScenarioSheltersSchema = arrow.NewSchema([]arrow.Field{
	arrowio.Field("scenario", arrow.BinaryTypes.String, "", "scenario name"),
	arrowio.Field("shelter_id", arrow.BinaryTypes.String, "", "shelter id"),
	arrowio.Field("name", arrow.BinaryTypes.String, "", "name"),
	nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit holding the shelter")),
	arrowio.Field("closed", arrow.FixedWidthTypes.Boolean, "", "closed in the scenario"),
	arrowio.Field("capacity_factor", arrow.PrimitiveTypes.Float64, "", "factor applied to its places (1: unchanged)"),
	arrowio.Field("places_baseline", arrow.PrimitiveTypes.Float64, "people", "capacity, baseline"),
	arrowio.Field("places_scenario", arrow.PrimitiveTypes.Float64, "people", "capacity in the scenario"),
	arrowio.Field("load_baseline", arrow.PrimitiveTypes.Float64, "people", "load of the capacitated assignment, baseline"),
	arrowio.Field("load_scenario", arrow.PrimitiveTypes.Float64, "people", "the same in the scenario"),
	arrowio.Field("nearest_load_baseline", arrow.PrimitiveTypes.Float64, "people", "load if everyone went to the nearest shelter, baseline"),
	arrowio.Field("nearest_load_scenario", arrow.PrimitiveTypes.Float64, "people", "the same in the scenario"),
	arrowio.Field("overflows_baseline", arrow.FixedWidthTypes.Boolean, "", "nearest load above a known capacity, baseline"),
	arrowio.Field("overflows_scenario", arrow.FixedWidthTypes.Boolean, "", "the same in the scenario"),
	arrowio.Field("starts_to_overflow", arrow.FixedWidthTypes.Boolean, "", "overflows in the scenario, not in the baseline"),
	arrowio.Field("unplaced_nearest_baseline", arrow.PrimitiveTypes.Float64, "people", "residents without a place whose nearest shelter in reach it is, baseline"),
	arrowio.Field("unplaced_nearest_scenario", arrow.PrimitiveTypes.Float64, "people", "the same in the scenario"),
	arrowio.Field("newly_unplaced_nearest", arrow.PrimitiveTypes.Float64, "people", "unplaced_nearest_scenario - unplaced_nearest_baseline, when positive"),
	arrowio.Field("residents_in_reach_baseline", arrow.PrimitiveTypes.Float64, "people", "residents within its walking reach, baseline"),
	arrowio.Field("residents_in_reach_scenario", arrow.PrimitiveTypes.Float64, "people", "the same in the scenario"),
	arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "location, WKB point, lon/lat"),
}, nil)

// ScenarioShelterTable builds the scenario_shelters table (nil when no
// scenario has a shelter result).
func ScenarioShelterTable(mem memory.Allocator, in *Inputs, sbase *shelter.Result, scs []ScenarioResult) arrow.Record {
	if sbase == nil {
		return nil
	}
	b := array.NewRecordBuilder(mem, ScenarioSheltersSchema)
	defer b.Release()
	f64 := func(i int) *array.Float64Builder { return b.Field(i).(*array.Float64Builder) }
	boolean := func(i int) *array.BooleanBuilder { return b.Field(i).(*array.BooleanBuilder) }
	rows := 0
	for _, sc := range scs {
		if sc.Shelter == nil {
			continue
		}
		for j, hb := range sbase.Shelters {
			hs := sc.Shelter.Shelters[j]
			rows++
			b.Field(0).(*array.StringBuilder).Append(sc.Name)
			b.Field(1).(*array.StringBuilder).Append(hb.ID)
			b.Field(2).(*array.StringBuilder).Append(hb.Name)
			unit, ok := "", hb.Unit >= 0 && int(hb.Unit) < len(in.Shelter.Units)
			if ok {
				unit = in.Shelter.Units[hb.Unit].ID
			}
			optString(b.Field(3).(*array.StringBuilder), ok, unit)
			boolean(4).Append(hs.Closed)
			f64(5).Append(hs.CapacityFactor)
			f64(6).Append(hb.Places)
			f64(7).Append(hs.Places)
			f64(8).Append(hb.Load)
			f64(9).Append(hs.Load)
			f64(10).Append(hb.NearestLoad)
			f64(11).Append(hs.NearestLoad)
			boolean(12).Append(hb.Overflows)
			boolean(13).Append(hs.Overflows)
			boolean(14).Append(hs.Overflows && !hb.Overflows)
			f64(15).Append(hb.UnplacedNearest)
			f64(16).Append(hs.UnplacedNearest)
			f64(17).Append(max(0, hs.UnplacedNearest-hb.UnplacedNearest))
			f64(18).Append(hb.ResidentsInReach)
			f64(19).Append(hs.ResidentsInReach)
			arrowio.AppendWKB(b.Field(20).(*array.BinaryBuilder), hb.Loc)
		}
	}
	if rows == 0 {
		return nil
	}
	return b.NewRecord()
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
