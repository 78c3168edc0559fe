package study

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/units"
)

// ScenarioResult is one scenario answered beside the baseline.
type ScenarioResult struct {
	Name   string
	Report scenario.Report
	Result *coverage.Result
}

// RunScenarios applies each scenario of the study to the built graph (no
// OSM re-read) and reruns the coverage computation.
func RunScenarios(ctx context.Context, in *Inputs) ([]ScenarioResult, error) {
	var out []ScenarioResult
	for _, spec := range in.Study.Scenarios {
		sc := scenario.Scenario{Name: spec.Name, CloseWays: spec.CloseWays}
		polys := func(path string) ([]orb.MultiPolygon, error) {
			us, err := units.ReadGeoJSON(path, units.GeoJSONOptions{Repair: true})
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
		out = append(out, ScenarioResult{Name: spec.Name, Report: rep, Result: r})
	}
	return out, nil
}

// ScenariosSchema is the scenarios table: one row per scenario and unit.
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
}, nil)

// ScenarioTable builds the scenarios table.
func ScenarioTable(mem memory.Allocator, in *Inputs, base *coverage.Result, scs []ScenarioResult) arrow.Record {
	b := array.NewRecordBuilder(mem, ScenariosSchema)
	defer b.Release()
	for _, sc := range scs {
		changed := make([]int64, len(base.Units))
		for i, u := range in.Coverage.CellUnit {
			if u >= 0 && sc.Result.Cells.Time[i] != base.Cells.Time[i] {
				changed[u]++
			}
		}
		for u, bu := range base.Units {
			su := sc.Result.Units[u]
			b.Field(0).(*array.StringBuilder).Append(sc.Name)
			b.Field(1).(*array.StringBuilder).Append(bu.ID)
			b.Field(2).(*array.StringBuilder).Append(bu.Name)
			b.Field(3).(*array.Float64Builder).Append(bu.Residents)
			b.Field(4).(*array.Float64Builder).Append(bu.Within)
			b.Field(5).(*array.Float64Builder).Append(su.Within)
			b.Field(6).(*array.Float64Builder).Append(max(0, bu.Within-su.Within))
			b.Field(7).(*array.Int64Builder).Append(changed[u])
			finite(b.Field(8).(*array.Float64Builder), bu.P90)
			finite(b.Field(9).(*array.Float64Builder), su.P90)
		}
	}
	return b.NewRecord()
}
