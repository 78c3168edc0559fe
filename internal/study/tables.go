package study

import (
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// The output tables of a study, in one place. Every table is written as
// Arrow IPC (.arrow), GeoParquet (.parquet), CSV and GeoJSON. Units: seconds
// (s), people, metres (m), square kilometres (km2); times are null where no
// base reaches. The README lists the same columns.
var (
	CellsSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("cell", arrow.BinaryTypes.String, "", "H3 cell index, hexadecimal"),
		arrowio.Field("h3", arrow.PrimitiveTypes.Uint64, "", "H3 cell index as a number"),
		nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "reporting unit holding the cell centre; null outside every unit")),
		arrowio.Field("population", arrow.PrimitiveTypes.Float64, "people", "residents"),
		nullable(arrowio.Field("seconds", arrow.PrimitiveTypes.Float64, "s", "turnout + drive + off-road walk from the nearest base")),
		nullable(arrowio.Field("base_id", arrow.BinaryTypes.String, "", "nearest base")),
		nullable(arrowio.Field("second_seconds", arrow.PrimitiveTypes.Float64, "s", "the same from the second-nearest base, within the search horizon")),
		nullable(arrowio.Field("second_base_id", arrow.BinaryTypes.String, "", "second-nearest base")),
		arrowio.Field("within_target", arrow.FixedWidthTypes.Boolean, "", "seconds <= the rescue circle"),
		arrowio.Field("bases_within", arrow.PrimitiveTypes.Int32, "", "bases that reach the cell within the rescue circle"),
		arrowio.Field("no_road_access", arrow.FixedWidthTypes.Boolean, "", "no road within the snap distance of the centre"),
		nullable(arrowio.Field("snap_m", arrow.PrimitiveTypes.Float64, "m", "distance from the centre to its road")),
		nullable(arrowio.Field("meets_135", arrow.FixedWidthTypes.Boolean, "", "\"135\" met (first responders and professionals in time); null outside 135 zones")),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "cell boundary, WKB polygon, lon/lat"),
	}, nil)
	UnitsSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit id"),
		arrowio.Field("name", arrow.BinaryTypes.String, "", "unit name"),
		arrowio.Field("code", arrow.BinaryTypes.String, "", "official division code (统计用区划代码) when the input has one, else empty"),
		arrowio.Field("cells", arrow.PrimitiveTypes.Int64, "", "populated grid cells"),
		arrowio.Field("residents", arrow.PrimitiveTypes.Float64, "people", "residents"),
		arrowio.Field("within", arrow.PrimitiveTypes.Float64, "people", "residents inside the rescue circle"),
		arrowio.Field("share", arrow.PrimitiveTypes.Float64, "", "within / residents"),
		arrowio.Field("outside", arrow.PrimitiveTypes.Float64, "people", "residents outside the rescue circle"),
		nullable(arrowio.Field("p50_seconds", arrow.PrimitiveTypes.Float64, "s", "population-weighted median time; null if unreachable")),
		nullable(arrowio.Field("p90_seconds", arrow.PrimitiveTypes.Float64, "s", "population-weighted 90th percentile")),
		nullable(arrowio.Field("max_seconds", arrow.PrimitiveTypes.Float64, "s", "longest time of any resident")),
		arrowio.Field("no_road_cells", arrow.PrimitiveTypes.Int64, "", "cells without road access"),
		arrowio.Field("no_road_residents", arrow.PrimitiveTypes.Float64, "people", "their residents"),
		arrowio.Field("bases", arrow.PrimitiveTypes.Int64, "", "bases inside the unit"),
		arrowio.Field("members", arrow.PrimitiveTypes.Int64, "people", "team members at those bases"),
		arrowio.Field("min_members", arrow.PrimitiveTypes.Int64, "people", "minimum team size for the unit's level"),
		arrowio.Field("team_short", arrow.PrimitiveTypes.Int64, "people", "members missing against the minimum"),
		arrowio.Field("own_team_covered", arrow.PrimitiveTypes.Float64, "people", "residents the unit's own bases reach in time"),
		arrowio.Field("rapid_residents", arrow.PrimitiveTypes.Float64, "people", "residents in \"135\" zones"),
		arrowio.Field("rapid_met", arrow.PrimitiveTypes.Float64, "people", "of whom \"135\" is met"),
		arrowio.Field("meets_rescue", arrow.FixedWidthTypes.Boolean, "", "share >= the coverage target"),
		arrowio.Field("meets_team", arrow.FixedWidthTypes.Boolean, "", "a team of at least the minimum that reaches its residents"),
		arrowio.Field("residents_0_bases", arrow.PrimitiveTypes.Float64, "people", "residents no base reaches within the rescue circle"),
		arrowio.Field("residents_1_base", arrow.PrimitiveTypes.Float64, "people", "residents exactly one base reaches within the rescue circle"),
		arrowio.Field("residents_2_bases", arrow.PrimitiveTypes.Float64, "people", "residents exactly two bases reach within the rescue circle"),
		arrowio.Field("residents_3plus_bases", arrow.PrimitiveTypes.Float64, "people", "residents three or more bases reach within the rescue circle"),
		arrowio.Field("backup_share", arrow.PrimitiveTypes.Float64, "", "share of residents at least two bases reach within the rescue circle (1 with no residents)"),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "unit boundary, WKB multipolygon, lon/lat"),
	}, nil)
	BasesSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("base_id", arrow.BinaryTypes.String, "", "base id"),
		arrowio.Field("name", arrow.BinaryTypes.String, "", "base name"),
		arrowio.Field("level", arrow.BinaryTypes.String, "", "team level"),
		arrowio.Field("team_size", arrow.PrimitiveTypes.Int64, "people", "team members"),
		nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit holding the base")),
		arrowio.Field("snapped", arrow.FixedWidthTypes.Boolean, "", "placed on the road network"),
		nullable(arrowio.Field("snap_m", arrow.PrimitiveTypes.Float64, "m", "distance to its road")),
		arrowio.Field("nearest_residents", arrow.PrimitiveTypes.Float64, "people", "residents for whom it is the nearest base"),
		arrowio.Field("covered_residents", arrow.PrimitiveTypes.Float64, "people", "residents it reaches within the rescue circle"),
		arrowio.Field("only_covers_residents", arrow.PrimitiveTypes.Float64, "people", "residents no other base reaches in time"),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "location, WKB point, lon/lat"),
	}, nil)
	IsochronesSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("base_id", arrow.BinaryTypes.String, "", "base, or \"all\" for all bases together"),
		arrowio.Field("minutes", arrow.PrimitiveTypes.Float64, "min", "time limit"),
		arrowio.Field("cells", arrow.PrimitiveTypes.Int64, "", "H3 cells reached"),
		arrowio.Field("residents", arrow.PrimitiveTypes.Float64, "people", "residents whose cell centre is reached"),
		arrowio.Field("area_km2", arrow.PrimitiveTypes.Float64, "km2", "area of the cells"),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "dissolved cells, WKB multipolygon with holes, lon/lat"),
	}, nil)
	GapsSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("rank", arrow.PrimitiveTypes.Int64, "", "1 = the gap with the most residents"),
		arrowio.Field("residents", arrow.PrimitiveTypes.Float64, "people", "residents outside the rescue circle in the gap"),
		arrowio.Field("cells", arrow.PrimitiveTypes.Int64, "", "cells in the gap"),
		nullable(arrowio.Field("worst_seconds", arrow.PrimitiveTypes.Float64, "s", "longest time in the gap; null if unreachable")),
		nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit with most of its residents")),
		arrowio.Field("lon", arrow.PrimitiveTypes.Float64, "deg", "population-weighted centre"),
		arrowio.Field("lat", arrow.PrimitiveTypes.Float64, "deg", "population-weighted centre"),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "dissolved cells, WKB multipolygon, lon/lat"),
	}, nil)
)

func nullable(f arrow.Field) arrow.Field { f.Nullable = true; return f }

// finite appends v, or null when it is not a finite number.
func finite(b *array.Float64Builder, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		b.AppendNull()
		return
	}
	b.Append(v)
}

func optString(b *array.StringBuilder, ok bool, s string) {
	if ok {
		b.Append(s)
	} else {
		b.AppendNull()
	}
}

// Tables turns a study result into its Arrow records. The caller releases them.
func Tables(mem memory.Allocator, in *Inputs, r *coverage.Result) (map[string]arrow.Record, error) {
	ci := in.Coverage
	unitID := func(u int32) (string, bool) {
		if u < 0 {
			return "", false
		}
		return ci.Units[u].ID, true
	}
	baseID := func(b int32) (string, bool) {
		if b < 0 {
			return "", false
		}
		return ci.Bases[b].ID, true
	}
	out := map[string]arrow.Record{}
	release := func() {
		for _, rec := range out {
			rec.Release()
		}
	}

	// cells
	cb := array.NewRecordBuilder(mem, CellsSchema)
	defer cb.Release()
	for i, c := range ci.Cells {
		cb.Field(0).(*array.StringBuilder).Append(c.String())
		cb.Field(1).(*array.Uint64Builder).Append(uint64(c))
		u, ok := unitID(ci.CellUnit[i])
		optString(cb.Field(2).(*array.StringBuilder), ok, u)
		cb.Field(3).(*array.Float64Builder).Append(ci.Pop[i])
		finite(cb.Field(4).(*array.Float64Builder), r.Cells.Time[i])
		b, ok := baseID(r.Cells.Base[i])
		optString(cb.Field(5).(*array.StringBuilder), ok, b)
		finite(cb.Field(6).(*array.Float64Builder), r.Cells.Time2[i])
		b, ok = baseID(r.Cells.Base2[i])
		optString(cb.Field(7).(*array.StringBuilder), ok, b)
		cb.Field(8).(*array.BooleanBuilder).Append(r.Cells.Within[i])
		cb.Field(9).(*array.Int32Builder).Append(r.Cells.CoveredBy[i])
		cb.Field(10).(*array.BooleanBuilder).Append(r.Cells.NoRoad[i])
		finite(cb.Field(11).(*array.Float64Builder), r.Cells.SnapM[i])
		if rp := r.Cells.Rapid[i]; rp < 0 {
			cb.Field(12).(*array.BooleanBuilder).AppendNull()
		} else {
			cb.Field(12).(*array.BooleanBuilder).Append(rp == 1)
		}
		poly, err := geo.CellPolygon(c)
		if err != nil {
			release()
			return nil, err
		}
		arrowio.AppendWKB(cb.Field(13).(*array.BinaryBuilder), poly)
	}
	out["cells"] = cb.NewRecord()

	// units
	codes := make([]string, len(in.Units))
	geoms := make([]orb.MultiPolygon, len(in.Units))
	for u, un := range in.Units {
		codes[u], geoms[u] = un.Code, un.Geom
	}
	out["units"] = UnitsRecord(mem, r.Units, codes, geoms)

	// bases
	bb := array.NewRecordBuilder(mem, BasesSchema)
	defer bb.Release()
	for _, br := range r.Bases {
		bb.Field(0).(*array.StringBuilder).Append(br.ID)
		bb.Field(1).(*array.StringBuilder).Append(br.Name)
		bb.Field(2).(*array.StringBuilder).Append(br.Level)
		bb.Field(3).(*array.Int64Builder).Append(int64(br.TeamSize))
		u, ok := unitID(br.Unit)
		optString(bb.Field(4).(*array.StringBuilder), ok, u)
		bb.Field(5).(*array.BooleanBuilder).Append(br.Snapped)
		finite(bb.Field(6).(*array.Float64Builder), br.SnapM)
		bb.Field(7).(*array.Float64Builder).Append(br.Nearest)
		bb.Field(8).(*array.Float64Builder).Append(br.Covered)
		bb.Field(9).(*array.Float64Builder).Append(br.OnlyCovers)
		arrowio.AppendWKB(bb.Field(10).(*array.BinaryBuilder), br.Loc)
	}
	out["bases"] = bb.NewRecord()

	// isochrones
	ib := array.NewRecordBuilder(mem, IsochronesSchema)
	defer ib.Release()
	for _, iso := range r.Isochrones {
		id := "all"
		if iso.Base >= 0 {
			id = ci.Bases[iso.Base].ID
		}
		ib.Field(0).(*array.StringBuilder).Append(id)
		ib.Field(1).(*array.Float64Builder).Append(iso.Minutes)
		ib.Field(2).(*array.Int64Builder).Append(int64(len(iso.Cells)))
		ib.Field(3).(*array.Float64Builder).Append(iso.Residents)
		ib.Field(4).(*array.Float64Builder).Append(cellsAreaKm2(iso.Cells))
		arrowio.AppendWKB(ib.Field(5).(*array.BinaryBuilder), iso.Geom)
	}
	out["isochrones"] = ib.NewRecord()

	// gaps
	gb := array.NewRecordBuilder(mem, GapsSchema)
	defer gb.Release()
	for k, gp := range r.Gaps {
		cells := make([]h3Cell, len(gp.Cells))
		for j, i := range gp.Cells {
			cells[j] = ci.Cells[i]
		}
		mp, err := geo.CellsToMultiPolygon(cells)
		if err != nil {
			release()
			return nil, err
		}
		gb.Field(0).(*array.Int64Builder).Append(int64(k + 1))
		gb.Field(1).(*array.Float64Builder).Append(gp.Residents)
		gb.Field(2).(*array.Int64Builder).Append(int64(len(gp.Cells)))
		finite(gb.Field(3).(*array.Float64Builder), gp.WorstTime)
		u, ok := unitID(gp.Unit)
		optString(gb.Field(4).(*array.StringBuilder), ok, u)
		gb.Field(5).(*array.Float64Builder).Append(gp.Centroid[0])
		gb.Field(6).(*array.Float64Builder).Append(gp.Centroid[1])
		arrowio.AppendWKB(gb.Field(7).(*array.BinaryBuilder), orb.Geometry(mp))
	}
	out["gaps"] = gb.NewRecord()
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

type h3Cell = h3.Cell

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
	ub := array.NewRecordBuilder(mem, UnitsSchema)
	defer ub.Release()
	for u, ur := range results {
		ub.Field(0).(*array.StringBuilder).Append(ur.ID)
		ub.Field(1).(*array.StringBuilder).Append(ur.Name)
		ub.Field(2).(*array.StringBuilder).Append(codes[u])
		ub.Field(3).(*array.Int64Builder).Append(int64(ur.Cells))
		ub.Field(4).(*array.Float64Builder).Append(ur.Residents)
		ub.Field(5).(*array.Float64Builder).Append(ur.Within)
		ub.Field(6).(*array.Float64Builder).Append(ur.Share)
		ub.Field(7).(*array.Float64Builder).Append(ur.Outside)
		finite(ub.Field(8).(*array.Float64Builder), ur.P50)
		finite(ub.Field(9).(*array.Float64Builder), ur.P90)
		finite(ub.Field(10).(*array.Float64Builder), ur.Max)
		ub.Field(11).(*array.Int64Builder).Append(int64(ur.NoRoadCells))
		ub.Field(12).(*array.Float64Builder).Append(ur.NoRoadResidents)
		ub.Field(13).(*array.Int64Builder).Append(int64(ur.Bases))
		ub.Field(14).(*array.Int64Builder).Append(int64(ur.Members))
		ub.Field(15).(*array.Int64Builder).Append(int64(ur.MinMembers))
		ub.Field(16).(*array.Int64Builder).Append(int64(ur.TeamShort))
		ub.Field(17).(*array.Float64Builder).Append(ur.OwnTeamCovered)
		ub.Field(18).(*array.Float64Builder).Append(ur.RapidResidents)
		ub.Field(19).(*array.Float64Builder).Append(ur.RapidMet)
		ub.Field(20).(*array.BooleanBuilder).Append(ur.MeetsRescue)
		ub.Field(21).(*array.BooleanBuilder).Append(ur.MeetsTeam)
		for k, v := range ur.Backup.ByBases {
			ub.Field(22 + k).(*array.Float64Builder).Append(v)
		}
		ub.Field(22 + coverage.BackupBands).(*array.Float64Builder).Append(ur.Backup.Share())
		arrowio.AppendWKB(ub.Field(23+coverage.BackupBands).(*array.BinaryBuilder), geoms[u])
	}
	return ub.NewRecord()
}
