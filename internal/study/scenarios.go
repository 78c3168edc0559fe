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
	"github.com/rescuegrid/rescuegrid/data/units"
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
		sc := scenario.Scenario{Name: spec.Name, CloseWays: spec.CloseWays}
		polys := func(path string) ([]orb.MultiPolygon, error) {
			us, err := units.ReadGeoJSON(path, units.GeoJSONOptions{Repair: true, CRS: in.Study.SystemOf(path)})
			if err != nil {
				return nil, fmt.Errorf("scenario %s: %w", spec.Name, err)
			}
			var mp []orb.MultiPolygon
			for _, u := range us {
				mp = append(mp, u.Geom)
			}
			return mp, nil
		}
		if spec.CloseAreas != "" {
			mp, err := polys(spec.CloseAreas)
			if err != nil {
				return nil, err
			}
			sc.CloseAreas = mp
		}
		for _, sl := range spec.Slow {
			mp, err := polys(sl.Area)
			if err != nil {
				return nil, err
			}
			for _, p := range mp {
				sc.Slow = append(sc.Slow, scenario.Slowdown{Area: p, Factor: sl.Factor})
			}
		}
		ci := in.Coverage
		var rep scenario.Report
		if len(sc.CloseWays)+len(sc.CloseAreas)+len(sc.Slow) > 0 {
			g, r, err := scenario.Apply(in.Graph, sc)
			if err != nil {
				return nil, err
			}
			ci.Graph, rep = g, r
		}
		if len(spec.BasesOut) > 0 {
			out := map[string]bool{}
			for _, id := range spec.BasesOut {
				out[id] = true
			}
			ci.Bases, ci.BaseUnit = nil, nil
			for i, b := range in.Coverage.Bases {
				if out[b.ID] {
					delete(out, b.ID)
					continue
				}
				ci.Bases = append(ci.Bases, b)
				ci.BaseUnit = append(ci.BaseUnit, in.Coverage.BaseUnit[i])
			}
			for id := range out {
				return nil, fmt.Errorf("scenario %s: bases_out: no base %q in the study", spec.Name, id)
			}
		}
		r, err := coverage.Compute(ctx, ci)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", spec.Name, err)
		}
		res := ScenarioResult{Name: spec.Name, Report: rep, Result: r}
		if in.Shelter != nil {
			if err := scenarioShelters(ctx, in, spec, sc, ci, &res); err != nil {
				return nil, fmt.Errorf("scenario %s: %w", spec.Name, err)
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// scenarioShelters runs the shelter computation of one scenario.
func scenarioShelters(ctx context.Context, in *Inputs, spec ScenarioSpec, sc scenario.Scenario, ci coverage.Input, res *ScenarioResult) error {
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

// scenarioUnitRow is one scenario and unit of the scenarios table: base
// the baseline, sc the scenario; sbase and the scenario's shelter result
// are nil without shelters. changed counts the unit's cells whose time
// changed.
type scenarioUnitRow struct {
	base    *coverage.Result
	sbase   *shelter.Result
	sc      *ScenarioResult
	u       int
	changed int64
}

// shelterUnits returns the unit's baseline and scenario shelter answers,
// false without shelters.
func (r scenarioUnitRow) shelterUnits() (hb, hs *shelter.UnitResult, ok bool) {
	if r.sbase == nil || r.sc.Shelter == nil {
		return nil, nil, false
	}
	return &r.sbase.Units[r.u], &r.sc.Shelter.Units[r.u], true
}

// shelterColumn is a shelter column of the scenarios table, null without
// shelters.
func shelterColumn(name, doc string, get func(hb, hs *shelter.UnitResult) float64) arrowio.Column[scenarioUnitRow] {
	return arrowio.OptFloat64(name, "people", doc, func(r scenarioUnitRow) (float64, bool) {
		hb, hs, ok := r.shelterUnits()
		if !ok {
			return 0, false
		}
		return get(hb, hs), true
	})
}

// scenariosTable is the scenarios table: one row per scenario and unit.
// The shelter columns are null when the study has no shelters.
var scenariosTable = arrowio.NewTable(
	arrowio.String("scenario", "scenario name", func(r scenarioUnitRow) string { return r.sc.Name }),
	arrowio.String("unit_id", "unit", func(r scenarioUnitRow) string { return r.base.Units[r.u].ID }),
	arrowio.String("name", "unit name", func(r scenarioUnitRow) string { return r.base.Units[r.u].Name }),
	arrowio.Float64("residents", "people", "residents", func(r scenarioUnitRow) float64 { return r.base.Units[r.u].Residents }),
	arrowio.Float64("within_baseline", "people", "inside the rescue circle, baseline", func(r scenarioUnitRow) float64 { return r.base.Units[r.u].Within }),
	arrowio.Float64("within_scenario", "people", "inside the rescue circle in the scenario", func(r scenarioUnitRow) float64 { return r.sc.Result.Units[r.u].Within }),
	arrowio.Float64("lost", "people", "residents who lose coverage", func(r scenarioUnitRow) float64 {
		return max(0, r.base.Units[r.u].Within-r.sc.Result.Units[r.u].Within)
	}),
	arrowio.Int64("cells_changed", "", "cells whose travel time changed", func(r scenarioUnitRow) int64 { return r.changed }),
	arrowio.Finite("p90_baseline_seconds", "s", "90th percentile time, baseline", func(r scenarioUnitRow) float64 { return r.base.Units[r.u].P90 }),
	arrowio.Finite("p90_scenario_seconds", "s", "90th percentile time in the scenario", func(r scenarioUnitRow) float64 { return r.sc.Result.Units[r.u].P90 }),
	shelterColumn("shelter_places_baseline", "shelter places in the unit, baseline", func(hb, _ *shelter.UnitResult) float64 { return hb.Places }),
	shelterColumn("shelter_places_scenario", "shelter places in the unit in the scenario", func(_, hs *shelter.UnitResult) float64 { return hs.Places }),
	shelterColumn("placed_baseline", "residents given a shelter place, baseline", func(hb, _ *shelter.UnitResult) float64 { return hb.Placed }),
	shelterColumn("placed_scenario", "residents given a shelter place in the scenario", func(_, hs *shelter.UnitResult) float64 { return hs.Placed }),
	shelterColumn("unplaced_baseline", "residents without a shelter place, baseline", func(hb, _ *shelter.UnitResult) float64 { return hb.Unplaced }),
	shelterColumn("unplaced_scenario", "residents without a shelter place in the scenario", func(_, hs *shelter.UnitResult) float64 { return hs.Unplaced }),
	shelterColumn("newly_unplaced", "unplaced_scenario - unplaced_baseline, when positive", func(hb, hs *shelter.UnitResult) float64 { return max(0, hs.Unplaced-hb.Unplaced) }),
	shelterColumn("walk_reach_baseline", "residents with a shelter within walking reach, baseline", func(hb, _ *shelter.UnitResult) float64 { return hb.WithinReach }),
	shelterColumn("walk_reach_scenario", "residents with a shelter within walking reach in the scenario", func(_, hs *shelter.UnitResult) float64 { return hs.WithinReach }),
)

// ScenariosSchema is the schema of the scenarios table.
var ScenariosSchema = scenariosTable.Schema()

// ScenarioTable builds the scenarios table; sbase is the baseline shelter
// result (nil without shelters).
func ScenarioTable(mem memory.Allocator, in *Inputs, base *coverage.Result, sbase *shelter.Result, scs []ScenarioResult) arrow.Record {
	rows := func(yield func(scenarioUnitRow) bool) {
		for k := range scs {
			sc := &scs[k]
			changed := make([]int64, len(base.Units))
			for i, u := range in.Coverage.CellUnit {
				if u >= 0 && sc.Result.Cells.Time[i] != base.Cells.Time[i] {
					changed[u]++
				}
			}
			for u := range base.Units {
				if !yield(scenarioUnitRow{base: base, sbase: sbase, sc: sc, u: u, changed: changed[u]}) {
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
