package study

import (
	"context"
	"fmt"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// The output tables of a study, in one place: each is a list of columns
// (name, unit, doc, and how a row fills it) that makes both its schema and
// its records. Every table is written as Arrow IPC (.arrow), GeoParquet
// (.parquet), CSV and GeoJSON. Units: seconds (s), people, metres (m),
// square kilometres (km2); times are null where no base reaches. Every
// column is nullable in the schema; the docs say where nulls occur.

// cellRow is row i of the cells table.
type cellRow struct {
	ci *coverage.Input
	r  *coverage.Result
	i  int
}

func (c cellRow) cell() h3.Cell { return c.ci.Cells[c.i] }

var cellsTable = arrowio.NewTable(
	arrowio.String("cell", "H3 cell index, hexadecimal", func(c cellRow) string { return c.cell().String() }),
	arrowio.Uint64("h3", "H3 cell index as a number", func(c cellRow) uint64 { return uint64(c.cell()) }),
	arrowio.OptString("unit_id", "reporting unit holding the cell centre; null outside every unit", func(c cellRow) (string, bool) { return unitID(c.ci, c.ci.CellUnit[c.i]) }),
	arrowio.Float64("population", "people", "residents", func(c cellRow) float64 { return c.ci.Pop[c.i] }),
	arrowio.Finite("seconds", "s", "turnout + drive + off-road walk from the nearest base", func(c cellRow) float64 { return c.r.Cells.Time[c.i] }),
	arrowio.OptString("base_id", "nearest base", func(c cellRow) (string, bool) { return baseID(c.ci, c.r.Cells.Base[c.i]) }),
	arrowio.Finite("second_seconds", "s", "the same from the second-nearest base, within the search horizon", func(c cellRow) float64 { return c.r.Cells.Time2[c.i] }),
	arrowio.OptString("second_base_id", "second-nearest base", func(c cellRow) (string, bool) { return baseID(c.ci, c.r.Cells.Base2[c.i]) }),
	arrowio.Bool("within_target", "seconds <= the rescue circle", func(c cellRow) bool { return c.r.Cells.Within[c.i] }),
	arrowio.Int32("bases_within", "", "bases that reach the cell within the rescue circle", func(c cellRow) int32 { return c.r.Cells.CoveredBy[c.i] }),
	arrowio.Bool("no_road_access", "no road within the snap distance of the centre", func(c cellRow) bool { return c.r.Cells.NoRoad[c.i] }),
	arrowio.Finite("snap_m", "m", "distance from the centre to its road", func(c cellRow) float64 { return c.r.Cells.SnapM[c.i] }),
	arrowio.OptBool("meets_135", "\"135\" met (first responders and professionals in time); null outside 135 zones", func(c cellRow) (bool, bool) {
		rp := c.r.Cells.Rapid[c.i]
		return rp == 1, rp >= 0
	}),
	arrowio.WKB("geometry", "cell boundary, WKB polygon, lon/lat", func(c cellRow) (orb.Geometry, error) { return cellPolygon(c.cell()) }),
)

// unitRow is one reporting unit of a units table (the study's units or a
// rollup level's).
type unitRow struct {
	ur   *coverage.UnitResult
	code string
	geom orb.MultiPolygon
}

// backupColumn is the residents column of backup band k.
func backupColumn(name string, k int, doc string) arrowio.Column[unitRow] {
	return arrowio.Float64(name, "people", doc, func(u unitRow) float64 { return u.ur.Backup.ByBases[k] })
}

var unitsTable = arrowio.NewTable(
	arrowio.String("unit_id", "unit id", func(u unitRow) string { return u.ur.ID }),
	arrowio.String("name", "unit name", func(u unitRow) string { return u.ur.Name }),
	arrowio.String("code", "official division code (统计用区划代码) when the input has one, else empty", func(u unitRow) string { return u.code }),
	arrowio.Int64("cells", "", "populated grid cells", func(u unitRow) int { return u.ur.Cells }),
	arrowio.Float64("residents", "people", "residents", func(u unitRow) float64 { return u.ur.Residents }),
	arrowio.Float64("within", "people", "residents inside the rescue circle", func(u unitRow) float64 { return u.ur.Within }),
	arrowio.Float64("share", "", "within / residents", func(u unitRow) float64 { return u.ur.Share }),
	arrowio.Float64("outside", "people", "residents outside the rescue circle", func(u unitRow) float64 { return u.ur.Outside }),
	arrowio.Finite("p50_seconds", "s", "population-weighted median time; null if unreachable", func(u unitRow) float64 { return u.ur.P50 }),
	arrowio.Finite("p90_seconds", "s", "population-weighted 90th percentile", func(u unitRow) float64 { return u.ur.P90 }),
	arrowio.Finite("max_seconds", "s", "longest time of any resident", func(u unitRow) float64 { return u.ur.Max }),
	arrowio.Int64("no_road_cells", "", "cells without road access", func(u unitRow) int { return u.ur.NoRoadCells }),
	arrowio.Float64("no_road_residents", "people", "their residents", func(u unitRow) float64 { return u.ur.NoRoadResidents }),
	arrowio.Int64("bases", "", "bases inside the unit", func(u unitRow) int { return u.ur.Bases }),
	arrowio.Int64("members", "people", "team members at those bases", func(u unitRow) int { return u.ur.Members }),
	arrowio.Int64("min_members", "people", "minimum team size for the unit's level", func(u unitRow) int { return u.ur.MinMembers }),
	arrowio.Int64("team_short", "people", "members missing against the minimum", func(u unitRow) int { return u.ur.TeamShort }),
	arrowio.Float64("own_team_covered", "people", "residents the unit's own bases reach in time", func(u unitRow) float64 { return u.ur.OwnTeamCovered }),
	arrowio.Float64("rapid_residents", "people", "residents in \"135\" zones", func(u unitRow) float64 { return u.ur.RapidResidents }),
	arrowio.Float64("rapid_met", "people", "of whom \"135\" is met", func(u unitRow) float64 { return u.ur.RapidMet }),
	arrowio.Bool("meets_rescue", "share >= the coverage target", func(u unitRow) bool { return u.ur.MeetsRescue }),
	arrowio.Bool("meets_team", "a team of at least the minimum that reaches its residents", func(u unitRow) bool { return u.ur.MeetsTeam }),
	backupColumn("residents_0_bases", 0, "residents no base reaches within the rescue circle"),
	backupColumn("residents_1_base", 1, "residents exactly one base reaches within the rescue circle"),
	backupColumn("residents_2_bases", 2, "residents exactly two bases reach within the rescue circle"),
	backupColumn("residents_3plus_bases", 3, "residents three or more bases reach within the rescue circle"),
	arrowio.Float64("backup_share", "", "share of residents at least two bases reach within the rescue circle (1 with no residents)", func(u unitRow) float64 { return u.ur.Backup.Share() }),
	arrowio.WKB("geometry", "unit boundary, WKB multipolygon, lon/lat", func(u unitRow) (orb.Geometry, error) { return u.geom, nil }),
)

// baseRow is one base of the bases table.
type baseRow struct {
	ci *coverage.Input
	br *coverage.BaseResult
}

var basesTable = arrowio.NewTable(
	arrowio.String("base_id", "base id", func(b baseRow) string { return b.br.ID }),
	arrowio.String("name", "base name", func(b baseRow) string { return b.br.Name }),
	arrowio.String("level", "team level", func(b baseRow) string { return b.br.Level }),
	arrowio.Int64("team_size", "people", "team members", func(b baseRow) int { return b.br.TeamSize }),
	arrowio.OptString("unit_id", "unit holding the base", func(b baseRow) (string, bool) { return unitID(b.ci, b.br.Unit) }),
	arrowio.Bool("snapped", "placed on the road network", func(b baseRow) bool { return b.br.Snapped }),
	arrowio.Finite("snap_m", "m", "distance to its road", func(b baseRow) float64 { return b.br.SnapM }),
	arrowio.Float64("nearest_residents", "people", "residents for whom it is the nearest base", func(b baseRow) float64 { return b.br.Nearest }),
	arrowio.Float64("covered_residents", "people", "residents it reaches within the rescue circle", func(b baseRow) float64 { return b.br.Covered }),
	arrowio.Float64("only_covers_residents", "people", "residents no other base reaches in time", func(b baseRow) float64 { return b.br.OnlyCovers }),
	arrowio.WKB("geometry", "location, WKB point, lon/lat", func(b baseRow) (orb.Geometry, error) { return b.br.Loc, nil }),
)

// isoRow is one isochrone of the isochrones table.
type isoRow struct {
	ci  *coverage.Input
	iso *coverage.Isochrone
}

var isochronesTable = arrowio.NewTable(
	arrowio.String("base_id", "base, or \"all\" for all bases together", func(r isoRow) string {
		if r.iso.Base < 0 {
			return "all"
		}
		return r.ci.Bases[r.iso.Base].ID
	}),
	arrowio.Float64("minutes", "min", "time limit", func(r isoRow) float64 { return r.iso.Minutes }),
	arrowio.Int64("cells", "", "H3 cells reached", func(r isoRow) int { return len(r.iso.Cells) }),
	arrowio.Float64("residents", "people", "residents whose cell centre is reached", func(r isoRow) float64 { return r.iso.Residents }),
	arrowio.Float64("area_km2", "km2", "area of the cells", func(r isoRow) float64 { return cellsAreaKm2(r.iso.Cells) }),
	arrowio.WKB("geometry", "dissolved cells, WKB multipolygon with holes, lon/lat", func(r isoRow) (orb.Geometry, error) { return r.iso.Geom, nil }),
)

// gapRow is gap k (rank k+1) of the gaps table.
type gapRow struct {
	ci *coverage.Input
	k  int
	g  *coverage.Gap
}

var gapsTable = arrowio.NewTable(
	arrowio.Int64("rank", "", "1 = the gap with the most residents", func(r gapRow) int { return r.k + 1 }),
	arrowio.Float64("residents", "people", "residents outside the rescue circle in the gap", func(r gapRow) float64 { return r.g.Residents }),
	arrowio.Int64("cells", "", "cells in the gap", func(r gapRow) int { return len(r.g.Cells) }),
	arrowio.Finite("worst_seconds", "s", "longest time in the gap; null if unreachable", func(r gapRow) float64 { return r.g.WorstTime }),
	arrowio.OptString("unit_id", "unit with most of its residents", func(r gapRow) (string, bool) { return unitID(r.ci, r.g.Unit) }),
	arrowio.Float64("lon", "deg", "population-weighted centre", func(r gapRow) float64 { return r.g.Centroid[0] }),
	arrowio.Float64("lat", "deg", "population-weighted centre", func(r gapRow) float64 { return r.g.Centroid[1] }),
	arrowio.WKB("geometry", "dissolved cells, WKB multipolygon, lon/lat", func(r gapRow) (orb.Geometry, error) {
		cells := make([]h3.Cell, len(r.g.Cells))
		for j, i := range r.g.Cells {
			cells[j] = r.ci.Cells[i]
		}
		mp, err := geo.CellsToMultiPolygon(cells)
		if err != nil {
			return nil, err
		}
		return mp, nil
	}),
)

// The schemas of the rescue tables.
var (
	CellsSchema      = cellsTable.Schema()
	UnitsSchema      = unitsTable.Schema()
	BasesSchema      = basesTable.Schema()
	IsochronesSchema = isochronesTable.Schema()
	GapsSchema       = gapsTable.Schema()
)

// unitID is the id of unit u, false for -1 (outside every unit).
func unitID(ci *coverage.Input, u int32) (string, bool) {
	if u < 0 {
		return "", false
	}
	return ci.Units[u].ID, true
}

// baseID is the id of base b, false for -1 (none).
func baseID(ci *coverage.Input, b int32) (string, bool) {
	if b < 0 {
		return "", false
	}
	return ci.Bases[b].ID, true
}

func cellPolygon(c h3.Cell) (orb.Geometry, error) {
	poly, err := geo.CellPolygon(c)
	if err != nil {
		return nil, err
	}
	return poly, nil
}

// Tables turns a study result into its Arrow records. The caller releases them.
func Tables(mem memory.Allocator, in *Inputs, r *coverage.Result) (map[string]arrow.Record, error) {
	return buildTables(mem, in, r, true)
}

// buildTables is Tables, without the cells table unless withCells (Write
// streams it, cellBatches).
func buildTables(mem memory.Allocator, in *Inputs, r *coverage.Result, withCells bool) (map[string]arrow.Record, error) {
	ci := &in.Coverage
	out := map[string]arrow.Record{}
	add := func(name string, rec arrow.Record, err error) error {
		if err != nil {
			for _, rec := range out {
				rec.Release()
			}
			return fmt.Errorf("%s table: %w", name, err)
		}
		out[name] = rec
		return nil
	}
	// the cells (a cell boundary each) while the others are built (the
	// gaps' dissolve): the two largest tables on two cores
	type built struct {
		rec arrow.Record
		err error
	}
	cells := make(chan built, 1)
	if withCells {
		go func() {
			rec, err := cellsTable.Build(mem, arrowio.Rows(len(ci.Cells), func(i int) cellRow { return cellRow{ci, r, i} }))
			cells <- built{rec, err}
		}()
	} else {
		cells <- built{}
	}
	var cellsDone bool
	defer func() {
		if !cellsDone { // an error below: release the cells once built
			if b := <-cells; b.rec != nil {
				b.rec.Release()
			}
		}
	}()
	codes := make([]string, len(in.Units))
	geoms := make([]orb.MultiPolygon, len(in.Units))
	for u, un := range in.Units {
		codes[u], geoms[u] = un.Code, un.Geom
	}
	out["units"] = UnitsRecord(mem, r.Units, codes, geoms)
	rec, err := basesTable.Build(mem, arrowio.Rows(len(r.Bases), func(b int) baseRow { return baseRow{ci, &r.Bases[b]} }))
	if err := add("bases", rec, err); err != nil {
		return nil, err
	}
	rec, err = isochronesTable.Build(mem, arrowio.Rows(len(r.Isochrones), func(k int) isoRow { return isoRow{ci, &r.Isochrones[k]} }))
	if err := add("isochrones", rec, err); err != nil {
		return nil, err
	}
	rec, err = gapsTable.Build(mem, arrowio.Rows(len(r.Gaps), func(k int) gapRow { return gapRow{ci, k, &r.Gaps[k]} }))
	if err := add("gaps", rec, err); err != nil {
		return nil, err
	}
	b := <-cells
	cellsDone = true
	if withCells {
		if err := add("cells", b.rec, b.err); err != nil {
			return nil, err
		}
	}
	addBusyColumns(mem, out, r) // only when the study asks for busy teams
	// the same units table at each rollup level (units_county, units_city …)
	rollups, err := Rollups(in, r)
	if err != nil {
		for _, rec := range out {
			rec.Release()
		}
		return nil, err
	}
	for _, ro := range rollups {
		out["units_"+ro.Level] = UnitsRecord(mem, ro.Units, ro.Codes, ro.Geoms)
	}
	return out, nil
}

// cellBatches returns the source of the cells table that Write streams:
// each call builds the next cellBatchRows rows (at least one batch, empty
// for no cells) with the busy-team columns when r has them and the day
// population column when dayPop is not nil, as Tables, addBusyColumns and
// DayTables make the whole table; nil after the last, an error once ctx
// is done.
func cellBatches(ctx context.Context, mem memory.Allocator, in *Inputs, r *coverage.Result, dayPop []float64) func() (arrow.Record, error) {
	ci := &in.Coverage
	n := len(ci.Cells)
	lo := 0
	started := false
	return func() (arrow.Record, error) {
		if started && lo >= n {
			return nil, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		started = true
		hi := min(n, lo+cellBatchRows)
		rec, err := cellsTable.Build(mem, arrowio.Rows(hi-lo, func(i int) cellRow { return cellRow{ci, r, lo + i} }))
		if err != nil {
			return nil, fmt.Errorf("cells table: %w", err)
		}
		one := map[string]arrow.Record{"cells": rec}
		fb := array.NewFloat64Builder(mem)
		defer fb.Release()
		if r.Busy != nil {
			fb.AppendValues(r.Cells.Expected[lo:hi], nil)
			withColumns(one, "cells", cellsBusyFields, fb.NewArray())
		}
		if dayPop != nil {
			fb.AppendValues(dayPop[lo:hi], nil)
			withColumns(one, "cells", cellsDayFields, fb.NewArray())
		}
		lo = hi
		return one["cells"], nil
	}
}

// cellBatchRows is the rows of a cells batch (a variable for the tests).
var cellBatchRows = arrowio.BatchRows

func cellsAreaKm2(cells []h3.Cell) float64 {
	var a float64
	for _, c := range cells {
		if k, err := h3.CellAreaKm2(c); err == nil {
			a += k
		}
	}
	return a
}

// UnitsRecord builds a units table (UnitsSchema) from unit results with
// their codes and outlines (parallel slices): the finest units and every
// rollup level share it. The caller releases the record.
func UnitsRecord(mem memory.Allocator, results []coverage.UnitResult, codes []string, geoms []orb.MultiPolygon) arrow.Record {
	return unitsTable.MustBuild(mem, arrowio.Rows(len(results), func(u int) unitRow { return unitRow{&results[u], codes[u], geoms[u]} }))
}
