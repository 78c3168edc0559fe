package tiles

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/geo"
)

// Field types as TileJSON vector_layers list them (the tippecanoe names).
const (
	typeNumber  = "Number"
	typeString  = "String"
	typeBoolean = "Boolean"
)

type field struct{ name, typ string }

// layer is one tile layer: its features at one or more levels of detail.
type layer struct {
	name, description string
	fields            []field
	levels            []*level
	zoomLevel         [MaxZoom + 1]uint8 // index into levels by zoom
	bounds            orb.Bound          // [lon, lat]
	dataBounds        orb.Bound          // [lon, lat] of the most detailed level
	empty             bool
	// robust: clip and round polygons with GEOS (concave polygons with
	// holes); else with orb's clipper (convex cells).
	robust bool
	// basemap, when set, renders the layer (LayerBasemap: several MVT
	// layers in one tile); levels then only hold the features' bounds.
	basemap *Basemap
}

// level is one level of detail of a layer: features, their parts, and the
// grid over the parts.
type level struct {
	feats []feature
	parts []part
	idx   grid
}

// feature is one MVT feature: its properties (shared by every tile and
// never modified once built) and its parts.
type feature struct {
	id    uint64 // MVT feature id; 0: none
	point bool
	props geojson.Properties
}

// part is one polygon of a feature, or its point, in world coordinates.
type part struct {
	feat  int32
	poly  orb.Polygon
	point orb.Point
	bound orb.Bound // world
}

func (l *layer) level(z int) *level { return l.levels[l.zoomLevel[z]] }

// addPolygons adds a feature made of the polygons of mp ([lon, lat]).
func (lv *level) addPolygons(id uint64, props geojson.Properties, mp orb.MultiPolygon) {
	fi := int32(len(lv.feats))
	lv.feats = append(lv.feats, feature{id: id, props: props})
	for _, p := range mp {
		if len(p) == 0 || len(p[0]) < 4 {
			continue
		}
		w := worldPolygon(p)
		lv.parts = append(lv.parts, part{feat: fi, poly: w, bound: w.Bound()})
	}
}

func (lv *level) addPoint(id uint64, props geojson.Properties, pt orb.Point) {
	fi := int32(len(lv.feats))
	lv.feats = append(lv.feats, feature{id: id, point: true, props: props})
	w := toWorld(pt)
	lv.parts = append(lv.parts, part{feat: fi, point: w, bound: orb.Bound{Min: w, Max: w}})
}

// finish indexes every level and computes the layer's [lon, lat] bounds.
func (l *layer) finish() {
	l.empty = true
	var wb orb.Bound
	for _, lv := range l.levels {
		bs := make([]orb.Bound, len(lv.parts))
		for i, p := range lv.parts {
			bs[i] = p.bound
			if l.empty {
				wb, l.empty = p.bound, false
			} else {
				wb = wb.Union(p.bound)
			}
		}
		lv.idx = newGrid(bs)
	}
	if !l.empty {
		l.bounds = lonLatBound(wb)
		top := l.level(MaxZoom)
		for i, p := range top.parts {
			if i == 0 {
				wb = p.bound
			} else {
				wb = wb.Union(p.bound)
			}
		}
		l.dataBounds = lonLatBound(wb)
	}
}

// lonLatBound converts a world bound to [lon, lat]. World y grows
// southwards: the world's min y is the north edge.
func lonLatBound(wb orb.Bound) orb.Bound {
	return orb.Bound{Min: fromWorld(orb.Point{wb.Min[0], wb.Max[1]}), Max: fromWorld(orb.Point{wb.Max[0], wb.Min[1]})}
}

// oneLevel is a layer with the same features at every zoom.
func oneLevel(name, description string, fields []field) (*layer, *level) {
	lv := &level{}
	return &layer{name: name, description: description, fields: fields, levels: []*level{lv}, robust: true}, lv
}

// cellResByZoom is the H3 resolution of the cells layer at each zoom,
// before the cap at the study's resolution: a cell spans at least about
// 5 pixels of a 256-pixel tile at the first zoom it is shown (res 9, about
// 350 m across, is 9 pixels at z12; res 8 is 6 pixels at z10; res 7 is
// 4 pixels at z8), so a z12 tile holds at most a few hundred cells.
var cellResByZoom = [MaxZoom + 1]int{5, 5, 5, 5, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 10, 10, 10, 10, 10, 10, 10}

// CellRes returns the H3 resolution of the cells layer at zoom z for a study
// of resolution studyRes: 5 up to z5, 6 at z6–7, 7 at z8–9, 8 at z10–11, 9
// at z12–13 and 10 from z14, never finer than the study. Below the study's
// resolution the cells are aggregated to their parents.
func CellRes(z, studyRes int) int {
	r := 10
	if z >= 0 && z < len(cellResByZoom) {
		r = cellResByZoom[z]
	}
	return min(r, studyRes)
}

var cellFields = []field{
	{"cell", typeString}, {"res", typeNumber}, {"cells", typeNumber},
	{"population", typeNumber}, {"seconds", typeNumber}, {"max_seconds", typeNumber},
	{"within", typeBoolean}, {"within_share", typeNumber},
	{"no_road", typeBoolean}, {"no_road_cells", typeNumber}, {"unreached_cells", typeNumber},
	{"base_id", typeString}, {"unit_id", typeString},
}

const cellsDescription = "H3 cells of residents by travel time from the nearest base. " +
	"cell: H3 index; res: its resolution (the study's, or a parent at low zooms); cells: study cells in it; " +
	"population: residents; seconds: travel time (population-weighted mean of the reached study cells), absent when no base reaches it; " +
	"max_seconds: the longest reached time; within: every resident inside the rescue circle; within_share: share of residents inside it; " +
	"no_road: some cell has no road access; no_road_cells, unreached_cells: counts; base_id, unit_id: nearest base and unit (study resolution only)"

func cellsLayer(in *Input) (*layer, error) {
	ci := in.Coverage
	c := &in.Result.Cells
	l := &layer{name: LayerCells, description: cellsDescription, fields: cellFields}
	if c.Expected != nil {
		l.fields = append(slices.Clone(cellFields), field{"expected", typeNumber})
		l.description += expectedDescription
	}
	times, err := checkTimes(in.Times, len(ci.Cells))
	if err != nil {
		return nil, err
	}
	if len(times) > 0 {
		l.fields = append(slices.Clone(l.fields), timeFields(times)...)
		l.description += timesDescription
	}
	studyRes := ci.Res
	if len(ci.Cells) > 0 {
		studyRes = ci.Cells[0].Resolution()
	}
	// One level per resolution in use, finest first.
	levelOf := map[int]uint8{}
	for z := range l.zoomLevel {
		res := CellRes(z, studyRes)
		k, ok := levelOf[res]
		if !ok {
			k = uint8(len(l.levels))
			levelOf[res] = k
			l.levels = append(l.levels, &level{})
		}
		l.zoomLevel[z] = k
	}
	for res, k := range levelOf {
		lv := l.levels[k]
		if res == studyRes {
			for i, cell := range ci.Cells {
				poly, err := geo.CellPolygon(cell)
				if err != nil {
					return nil, err
				}
				var a cellAgg
				a.add(ci.Pop[i], c.Time[i], c.Within[i], c.NoRoad[i])
				a.addExpected(c.Expected, i, ci.Pop[i])
				a.addTimes(times, i, ci.Pop[i])
				p := a.props(cell)
				if b := c.Base[i]; b >= 0 {
					p["base_id"] = ci.Bases[b].ID
				}
				if u := ci.CellUnit[i]; u >= 0 {
					p["unit_id"] = ci.Units[u].ID
				}
				lv.addPolygons(0, p, orb.MultiPolygon{poly})
			}
			continue
		}
		aggs := map[h3.Cell]*cellAgg{}
		for i, cell := range ci.Cells {
			parent, err := cell.Parent(res)
			if err != nil {
				return nil, fmt.Errorf("tiles: parent of cell %v at resolution %d: %w", cell, res, err)
			}
			a := aggs[parent]
			if a == nil {
				a = &cellAgg{}
				aggs[parent] = a
			}
			a.add(ci.Pop[i], c.Time[i], c.Within[i], c.NoRoad[i])
			a.addExpected(c.Expected, i, ci.Pop[i])
			a.addTimes(times, i, ci.Pop[i])
		}
		parents := make([]h3.Cell, 0, len(aggs))
		for p := range aggs {
			parents = append(parents, p)
		}
		slices.Sort(parents)
		for _, p := range parents {
			poly, err := geo.CellPolygon(p)
			if err != nil {
				return nil, err
			}
			lv.addPolygons(0, aggs[p].props(p), orb.MultiPolygon{poly})
		}
	}
	return l, nil
}

// cellAgg sums study cells into one feature of the cells layer.
type cellAgg struct {
	n, nReached, nWithin, nNoRoad int
	pop, popReached, popWithin    float64
	wsum, tsum, tmax              float64 // Σ pop·t and Σ t over reached cells, max t
	exp                           expAgg
	times                         []timeAgg
}

func (a *cellAgg) add(pop, t float64, within, noRoad bool) {
	a.n++
	a.pop += pop
	if !math.IsInf(t, 0) && !math.IsNaN(t) {
		a.nReached++
		a.popReached += pop
		a.wsum += pop * t
		a.tsum += t
		a.tmax = math.Max(a.tmax, t)
	}
	if within {
		a.nWithin++
		a.popWithin += pop
	}
	if noRoad {
		a.nNoRoad++
	}
}

func (a *cellAgg) props(cell h3.Cell) geojson.Properties {
	p := geojson.Properties{
		"cell":            cell.String(),
		"res":             cell.Resolution(),
		"cells":           a.n,
		"population":      a.pop,
		"within":          a.nWithin == a.n,
		"no_road":         a.nNoRoad > 0,
		"no_road_cells":   a.nNoRoad,
		"unreached_cells": a.n - a.nReached,
	}
	switch {
	case a.popReached > 0:
		p["seconds"] = a.wsum / a.popReached
	case a.nReached > 0:
		p["seconds"] = a.tsum / float64(a.nReached)
	}
	if a.nReached > 0 {
		p["max_seconds"] = a.tmax
	}
	a.exp.props(p, a.n, a.pop)
	a.timeProps(p)
	if a.pop > 0 {
		p["within_share"] = a.popWithin / a.pop
	} else {
		p["within_share"] = float64(a.nWithin) / float64(a.n)
	}
	return p
}

var isochroneFields = []field{
	{"base_id", typeString}, {"minutes", typeNumber}, {"residents", typeNumber}, {"cells", typeNumber},
}

func isochronesLayer(in *Input) (*layer, error) {
	r := in.Result
	l, lv := oneLevel(LayerIsochrones,
		"Areas reached within each band of minutes: base_id \"all\" for all bases together, else one base; "+
			"features of one base_id come widest band first, so narrower bands draw on top", isochroneFields)
	isos := slices.Clone(r.Isochrones)
	// All bases first, then by base; widest band first within each.
	slices.SortStableFunc(isos, func(a, b coverage.Isochrone) int {
		if a.Base != b.Base {
			return int(a.Base) - int(b.Base) // -1 (all bases) first
		}
		switch {
		case a.Minutes > b.Minutes:
			return -1
		case a.Minutes < b.Minutes:
			return 1
		}
		return 0
	})
	for _, iso := range isos {
		id := "all"
		if iso.Base >= 0 {
			if int(iso.Base) >= len(in.Coverage.Bases) {
				return nil, fmt.Errorf("tiles: isochrone of base %d: only %d bases", iso.Base, len(in.Coverage.Bases))
			}
			id = in.Coverage.Bases[iso.Base].ID
		}
		lv.addPolygons(0, geojson.Properties{
			"base_id": id, "minutes": iso.Minutes, "residents": iso.Residents, "cells": len(iso.Cells),
		}, iso.Geom)
	}
	return l, nil
}

var baseFields = []field{
	{"id", typeString}, {"name", typeString}, {"level", typeString}, {"team_size", typeNumber},
	{"unit_id", typeString}, {"snapped", typeBoolean},
	{"nearest_residents", typeNumber}, {"covered_residents", typeNumber}, {"only_covers_residents", typeNumber},
}

func basesLayer(in *Input) (*layer, error) {
	r := in.Result
	l, lv := oneLevel(LayerBases,
		"Rescue team bases (feature id: row number from 1). nearest_residents: residents for whom it is the nearest base; "+
			"covered_residents: residents it reaches within the rescue circle; only_covers_residents: of whom no other base reaches", baseFields)
	for b, br := range r.Bases {
		p := geojson.Properties{
			"id": br.ID, "name": br.Name, "level": br.Level, "team_size": br.TeamSize, "snapped": br.Snapped,
			"nearest_residents": br.Nearest, "covered_residents": br.Covered, "only_covers_residents": br.OnlyCovers,
		}
		if br.Unit >= 0 {
			p["unit_id"] = in.Coverage.Units[br.Unit].ID
		}
		lv.addPoint(uint64(b+1), p, br.Loc)
	}
	return l, nil
}

var unitFields = []field{
	{"id", typeString}, {"name", typeString}, {"cells", typeNumber}, {"residents", typeNumber},
	{"within", typeNumber}, {"share", typeNumber}, {"outside", typeNumber}, {"p90_seconds", typeNumber},
	{"bases", typeNumber}, {"members", typeNumber}, {"meets_rescue", typeBoolean}, {"meets_team", typeBoolean},
}

func unitsLayer(in *Input) (*layer, error) {
	r := in.Result
	l, lv := oneLevel(LayerUnits,
		"Reporting units (feature id: row number from 1). share: residents inside the rescue circle / residents; "+
			"outside: residents outside it; p90_seconds: population-weighted 90th percentile time, absent if beyond every base", unitFields)
	for u, ur := range r.Units {
		p := geojson.Properties{
			"id": ur.ID, "name": ur.Name, "cells": ur.Cells, "residents": ur.Residents, "within": ur.Within,
			"share": ur.Share, "outside": ur.Outside, "bases": ur.Bases, "members": ur.Members,
			"meets_rescue": ur.MeetsRescue, "meets_team": ur.MeetsTeam,
		}
		if !math.IsInf(ur.P90, 0) && !math.IsNaN(ur.P90) {
			p["p90_seconds"] = ur.P90
		}
		lv.addPolygons(uint64(u+1), p, in.UnitGeoms[u])
	}
	return l, nil
}

var gapFields = []field{
	{"rank", typeNumber}, {"residents", typeNumber}, {"cells", typeNumber},
	{"worst_seconds", typeNumber}, {"unit_id", typeString},
}

func gapsLayer(in *Input) (*layer, error) {
	r := in.Result
	l, lv := oneLevel(LayerGaps,
		"Connected patches of cells outside the rescue circle, rank 1 the most residents (feature id: rank). "+
			"worst_seconds is absent where part of the gap is beyond every base", gapFields)
	ci := in.Coverage
	for k, g := range r.Gaps {
		cells := make([]h3.Cell, len(g.Cells))
		for j, i := range g.Cells {
			cells[j] = ci.Cells[i]
		}
		mp, err := geo.CellsToMultiPolygon(cells)
		if err != nil {
			return nil, err
		}
		p := geojson.Properties{"rank": k + 1, "residents": g.Residents, "cells": len(g.Cells)}
		if !math.IsInf(g.WorstTime, 0) && !math.IsNaN(g.WorstTime) {
			p["worst_seconds"] = g.WorstTime
		}
		if g.Unit >= 0 {
			p["unit_id"] = ci.Units[g.Unit].ID
		}
		lv.addPolygons(uint64(k+1), p, mp)
	}
	return l, nil
}

var shelterFields = []field{
	{"id", typeString}, {"name", typeString}, {"class", typeString}, {"places", typeNumber},
	{"capacity_rule", typeString}, {"unit_id", typeString}, {"residents_in_reach", typeNumber},
	{"load", typeNumber}, {"spare", typeNumber}, {"load_share", typeNumber},
	{"nearest_load", typeNumber}, {"overflow", typeNumber}, {"overflows", typeBoolean},
	{"places_per_resident", typeNumber}, {"depot_seconds", typeNumber}, {"depot_within", typeBoolean},
}

// finite reports whether v is a number a tile can carry.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func sheltersLayer(in *Input) (*layer, error) {
	sr := in.Shelters
	l, lv := oneLevel(LayerShelters,
		"Shelters (feature id: row number from 1). places: capacity in people (absent when unknown); load: residents the "+
			"capacitated assignment sends there, load_share = load / places; nearest_load: residents for whom it is the nearest "+
			"shelter within reach, overflow: nearest_load − places when positive; places_per_resident: 2SFCA ratio", shelterFields)
	for i, s := range sr.Shelters {
		p := geojson.Properties{
			"id": s.ID, "name": s.Name, "class": s.Class, "capacity_rule": string(s.Rule),
			"residents_in_reach": s.ResidentsInReach, "load": s.Load, "nearest_load": s.NearestLoad,
			"overflow": s.Overflow, "overflows": s.Overflows, "depot_within": s.DepotWithin,
		}
		if s.Rule != shelter.RuleUnknown {
			p["places"] = s.Places
			p["spare"] = s.Spare
			if s.Places > 0 {
				p["load_share"] = s.Load / s.Places
			}
		}
		if finite(s.Ratio) {
			p["places_per_resident"] = s.Ratio
		}
		if finite(s.DepotSeconds) {
			p["depot_seconds"] = s.DepotSeconds
		}
		if s.Unit >= 0 && int(s.Unit) < len(in.Coverage.Units) {
			p["unit_id"] = in.Coverage.Units[s.Unit].ID
		}
		lv.addPoint(uint64(i+1), p, s.Loc)
	}
	return l, nil
}

var depotFields = []field{
	{"id", typeString}, {"name", typeString}, {"unit_id", typeString},
	{"residents", typeNumber}, {"shelters", typeNumber}, {"snapped", typeBoolean},
}

func depotsLayer(in *Input) (*layer, error) {
	sr := in.Shelters
	l, lv := oneLevel(LayerDepots,
		"Emergency supply depots (feature id: row number from 1). residents and shelters: those it is the nearest depot of "+
			"within the depot reach; stock_<item>: its stock", nil)
	items := map[string]bool{}
	for i, d := range sr.Depots {
		p := geojson.Properties{"id": d.ID, "name": d.Name, "residents": d.Residents, "shelters": d.Shelters, "snapped": d.Snapped}
		if d.Unit >= 0 && int(d.Unit) < len(in.Coverage.Units) {
			p["unit_id"] = in.Coverage.Units[d.Unit].ID
		}
		for k, v := range d.Stock {
			p["stock_"+k] = v
			items[k] = true
		}
		lv.addPoint(uint64(i+1), p, d.Loc)
	}
	l.fields = append([]field(nil), depotFields...)
	for _, k := range slices.Sorted(maps.Keys(items)) {
		l.fields = append(l.fields, field{"stock_" + k, typeNumber})
	}
	return l, nil
}
