package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// WhatIfRequest asks how coverage changes in a what-if: bases added,
// removed, moved or resized, roads closed (by OSM way, or every road inside
// drawn polygons), areas slowed, shelters closed or scaled. It is the body
// of POST /api/whatif. Every change is a scenario of the study file
// (internal/study.Change) and is answered by the code that answers the
// study's scenarios in batch, so that the same change exported to a study
// file gives the same numbers in `rescuegrid analyze`.
type WhatIfRequest struct {
	// Name names the scenario in the answer ("" is "what-if").
	Name   string    `json:"name"`
	Add    []NewBase `json:"add"`
	Remove []string  `json:"remove"` // ids of the study's bases to close
	// Move puts bases of the study (by id) at a new lon, lat.
	Move []MovedBase `json:"move"`
	// TeamSize sets the members of bases (existing or added) by id.
	TeamSize map[string]int `json:"team_size"`
	// CloseWays closes the roads of these OSM ways (the base map's way_id).
	CloseWays []int64 `json:"close_ways"`
	// CloseAreas is a GeoJSON FeatureCollection (or Feature, or geometry)
	// of polygons: every road whose midpoint lies inside is closed. It is
	// read as the study reads a close_areas file.
	CloseAreas json.RawMessage `json:"close_areas"`
	// Slow scales travel times inside areas (GeoJSON, as CloseAreas).
	Slow []SlowArea `json:"slow"`
	// SheltersClosed and ShelterCapacity as in the study file.
	SheltersClosed  []string           `json:"shelters_closed"`
	ShelterCapacity map[string]float64 `json:"shelter_capacity"`
	// CRS is the system of the request's lon/lat and polygons: wgs84
	// (default), gcj02 (Amap, Tencent) or bd09 (Baidu); converted to WGS-84.
	CRS string `json:"crs"`
	// Cells, when set, asks for the cells that leave or join the rescue
	// circle as GeoJSON (cells_changed).
	Cells bool `json:"cells"`
}

// MovedBase puts an existing base at a new place.
type MovedBase struct {
	ID  string  `json:"id"`
	Lon float64 `json:"lon"`
	Lat float64 `json:"lat"`
}

// SlowArea multiplies travel times inside Area (GeoJSON polygons) by
// Factor (> 1: slower).
type SlowArea struct {
	Area   json.RawMessage `json:"area"`
	Factor float64         `json:"factor"`
}

// NewBase is a base a what-if adds.
type NewBase struct {
	ID       string  `json:"id"` // "" becomes new-1, new-2 …
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	TeamSize int     `json:"team_size"`
	Level    string  `json:"level"` // "" is township
}

// UnitChange is one unit's coverage before and after a what-if.
type UnitChange struct {
	ID            string  `json:"unit_id"`
	Name          string  `json:"name"`
	Residents     float64 `json:"residents"`
	WithinBefore  float64 `json:"within_before"`
	WithinAfter   float64 `json:"within_after"`
	ShareBefore   float64 `json:"share_before"`
	ShareAfter    float64 `json:"share_after"`
	ResidentsGain float64 `json:"residents_gained"`
}

// WhatIfResult is the coverage before and after, in total and per unit
// with residents (Units, the first answer of this API), and the scenario's
// rows as the batch scenarios table has them (Scenario), with its totals,
// what it touched, the isochrones of the bases it added or moved, and on
// request the cells that changed.
type WhatIfResult struct {
	Name            string       `json:"name"`
	WithinBefore    float64      `json:"within_before"`
	WithinAfter     float64      `json:"within_after"`
	ShareBefore     float64      `json:"share_before"`
	ShareAfter      float64      `json:"share_after"`
	ResidentsGained float64      `json:"residents_gained"`
	UnplacedBases   []string     `json:"unplaced_bases"`
	Units           []UnitChange `json:"units"`
	// Scenario is one row per unit, the columns of the scenarios table.
	Scenario []study.ScenarioUnit `json:"scenario"`
	Totals   ScenarioTotals       `json:"totals"`
	Report   ScenarioReport       `json:"report"`
	// Isochrones are the bands (the standard's minutes) of every base
	// added or moved, on the scenario's roads: GeoJSON features with
	// base_id and minutes, widest first.
	Isochrones *geojson.FeatureCollection `json:"isochrones"`
	// CellsChanged (with Cells in the request): study cells that leave
	// (status "lost") or join ("gained") the rescue circle, with their
	// residents.
	CellsChanged *geojson.FeatureCollection `json:"cells_changed,omitempty"`
	TookMS       float64                    `json:"took_ms"`
}

// ScenarioTotals sums a scenario's units. The shelter figures are null
// without shelters.
type ScenarioTotals struct {
	Residents      float64 `json:"residents"`
	WithinBaseline float64 `json:"within_baseline"`
	WithinScenario float64 `json:"within_scenario"`
	Lost           float64 `json:"lost"`   // Σ over units of the scenarios table's lost (a unit's net loss)
	Gained         float64 `json:"gained"` // Σ over units of their net gain
	// Left and Joined count residents cell by cell: those whose cell
	// leaves the rescue circle, and those whose cell joins it.
	Left          float64  `json:"left"`
	Joined        float64  `json:"joined"`
	CellsChanged  int64    `json:"cells_changed"`
	LostWalkReach *float64 `json:"lost_walk_reach"` // residents who lose a shelter within walking reach
	NewlyUnplaced *float64 `json:"newly_unplaced"`  // residents newly without a shelter place
}

// ScenarioReport says what the scenario touched on the road graphs.
type ScenarioReport struct {
	ClosedEdges           int      `json:"closed_edges"`
	SlowedEdges           int      `json:"slowed_edges"`
	UnknownWays           []int64  `json:"unknown_ways"`
	AreasMissing          []int    `json:"areas_missing"`
	WalkClosedEdges       int      `json:"walk_closed_edges"`
	SheltersInClosedAreas []string `json:"shelters_in_closed_areas"`
}

// Limits of one what-if beyond Limits.MaxPoints (bases added, removed or
// moved): polygons and their vertices, closed ways.
const (
	MaxWhatIfPolygons = 50
	MaxWhatIfVertices = 20000
	MaxWhatIfWays     = 1000
)

// WhatIf answers a what-if with study.RunChange (the batch scenarios' code).
func (st *Study) WhatIf(ctx context.Context, req WhatIfRequest) (*WhatIfResult, error) {
	t0 := time.Now()
	ch, err := st.change(req)
	if err != nil {
		return nil, err
	}
	sc, err := study.RunChange(ctx, st.In, ch)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, refused("", err)
	}
	res := sc.Result
	out := &WhatIfResult{
		Name:         ch.Name,
		WithinBefore: st.Res.Summary.Within, WithinAfter: res.Summary.Within,
		ShareBefore: st.Res.Summary.Share, ShareAfter: res.Summary.Share,
		ResidentsGained: res.Summary.Within - st.Res.Summary.Within,
		UnplacedBases:   res.Summary.UnplacedBases,
		Scenario:        study.ScenarioUnits(st.In, st.Res, st.Shelter, sc),
		Report: ScenarioReport{
			ClosedEdges: sc.Report.ClosedEdges, SlowedEdges: sc.Report.SlowedEdges,
			UnknownWays: sc.Report.UnknownWays, AreasMissing: sc.Report.AreasMissing,
			WalkClosedEdges: sc.WalkClosedEdges, SheltersInClosedAreas: sc.SheltersInClosedAreas,
		},
	}
	for u, after := range res.Units {
		before := st.Res.Units[u]
		if after.Residents == 0 {
			continue
		}
		out.Units = append(out.Units, UnitChange{after.ID, after.Name, after.Residents, before.Within, after.Within, before.Share, after.Share, after.Within - before.Within})
	}
	t := &out.Totals
	for _, r := range out.Scenario {
		t.Residents += r.Residents
		t.WithinBaseline += r.WithinBaseline
		t.WithinScenario += r.WithinScenario
		t.Lost += r.Lost
		t.Gained += r.Gained
		t.CellsChanged += r.CellsChanged
		if r.LostShelterInReach != nil {
			if t.LostWalkReach == nil {
				t.LostWalkReach, t.NewlyUnplaced = new(float64), new(float64)
			}
			*t.LostWalkReach += *r.LostShelterInReach
			*t.NewlyUnplaced += *r.NewlyUnplaced
		}
	}
	for i, w := range st.Res.Cells.Within {
		switch now := res.Cells.Within[i]; {
		case w && !now:
			t.Left += st.In.Coverage.Pop[i]
		case !w && now:
			t.Joined += st.In.Coverage.Pop[i]
		}
	}
	out.Isochrones = changedIsochrones(ch, sc)
	if req.Cells {
		out.CellsChanged = changedCells(st, sc)
	}
	out.TookMS = float64(time.Since(t0).Microseconds()) / 1000
	return out, nil
}

// change checks a request and turns it into a study.Change.
func (st *Study) change(req WhatIfRequest) (study.Change, error) {
	ch := study.Change{
		Name: req.Name, BasesOut: req.Remove, TeamSize: req.TeamSize, CloseWays: req.CloseWays,
		SheltersClosed: req.SheltersClosed, ShelterCapacity: req.ShelterCapacity,
		Workers: HeavyWorkers,
	}
	if ch.Name == "" {
		ch.Name = "what-if"
	}
	if maxP := st.svc.cfg.Limits.MaxPoints; len(req.Add)+len(req.Remove)+len(req.Move) > maxP {
		return ch, Invalidf("body: at most %d bases added, removed or moved", maxP)
	}
	if len(req.CloseWays) > MaxWhatIfWays {
		return ch, Invalidf("close_ways: at most %d ways", MaxWhatIfWays)
	}
	sys, err := coordsys.Parse(req.CRS)
	if err != nil {
		return ch, Invalidf("crs: %v", err)
	}
	ids := map[string]bool{}
	for _, b := range st.In.Coverage.Bases {
		ids[b.ID] = true
	}
	for _, id := range req.Remove {
		if !ids[id] {
			return ch, Invalidf("remove: no base %q", id)
		}
	}
	if len(req.Remove) > 0 && len(req.Remove) >= len(st.In.Coverage.Bases) && len(req.Add) == 0 {
		return ch, Invalidf("remove: that would leave no base")
	}
	for k, m := range req.Move {
		if !ids[m.ID] {
			return ch, Invalidf("move[%d]: no base %q", k, m.ID)
		}
		if !validLonLat(orb.Point{m.Lon, m.Lat}) {
			return ch, Invalidf("move[%d]: lon,lat %v,%v is not a location", k, m.Lon, m.Lat)
		}
		p := coordsys.ToWGS84(sys, orb.Point{m.Lon, m.Lat})
		ch.BasesMove = append(ch.BasesMove, study.BaseSpec{ID: m.ID, Lon: p[0], Lat: p[1]})
	}
	for k, a := range req.Add {
		if !validLonLat(orb.Point{a.Lon, a.Lat}) {
			return ch, Invalidf("add[%d]: lon,lat %v,%v is not a location", k, a.Lon, a.Lat)
		}
		id := a.ID
		if id == "" {
			id = fmt.Sprintf("new-%d", k+1)
		}
		if ids[id] && !slices.Contains(req.Remove, id) {
			return ch, Invalidf("add[%d]: id %q is already a base of the study", k, id)
		}
		ids[id] = true
		p := coordsys.ToWGS84(sys, orb.Point{a.Lon, a.Lat})
		ch.BasesAdd = append(ch.BasesAdd, study.BaseSpec{ID: id, Lon: p[0], Lat: p[1], TeamSize: a.TeamSize, Level: a.Level})
	}
	for id, n := range req.TeamSize {
		if !ids[id] || slices.Contains(req.Remove, id) {
			return ch, Invalidf("team_size: no base %q in the what-if", id)
		}
		if n < 0 {
			return ch, Invalidf("team_size %s: %d members, want >= 0", id, n)
		}
	}
	vertices := 0
	polys := func(key string, raw json.RawMessage) ([]orb.MultiPolygon, error) {
		// A bare geometry is one feature.
		var head struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &head) == nil && (head.Type == "Polygon" || head.Type == "MultiPolygon" || head.Type == "Point" || head.Type == "LineString") {
			raw = json.RawMessage(`{"type":"Feature","properties":{},"geometry":` + string(raw) + `}`)
		}
		us, err := units.ParseGeoJSON(key, raw, units.GeoJSONOptions{Repair: true, CRS: sys})
		if err != nil {
			return nil, Invalidf("%v", err)
		}
		var out []orb.MultiPolygon
		for _, u := range us {
			for _, p := range u.Geom {
				for _, r := range p {
					vertices += len(r)
				}
			}
			out = append(out, u.Geom)
		}
		return out, nil
	}
	if len(req.CloseAreas) > 0 && string(req.CloseAreas) != "null" {
		if ch.CloseAreas, err = polys("close_areas", req.CloseAreas); err != nil {
			return ch, err
		}
	}
	for k, sl := range req.Slow {
		if !(sl.Factor > 0) || math.IsInf(sl.Factor, 0) {
			return ch, Invalidf("slow[%d]: factor %v, want a number > 0", k, sl.Factor)
		}
		mp, err := polys(fmt.Sprintf("slow[%d].area", k), sl.Area)
		if err != nil {
			return ch, err
		}
		for _, p := range mp {
			ch.Slow = append(ch.Slow, scenario.Slowdown{Area: p, Factor: sl.Factor})
		}
	}
	if n := len(ch.CloseAreas) + len(ch.Slow); n > MaxWhatIfPolygons || vertices > MaxWhatIfVertices {
		return ch, Invalidf("areas: %d polygons with %d vertices, want at most %d and %d", n, vertices, MaxWhatIfPolygons, MaxWhatIfVertices)
	}
	if (len(req.SheltersClosed) > 0 || len(req.ShelterCapacity) > 0) && st.In.Shelter == nil {
		return ch, Invalidf("shelters_closed, shelter_capacity: the study has no shelters")
	}
	for id, f := range req.ShelterCapacity {
		if !(f >= 0) || math.IsInf(f, 0) {
			return ch, Invalidf("shelter_capacity %s: %v, want a factor >= 0", id, f)
		}
	}
	if ch.Empty() {
		return ch, Invalidf("body: nothing to change (add, remove, move, team_size, close_ways, close_areas, slow, shelters_closed, shelter_capacity)")
	}
	return ch, nil
}

// changedIsochrones returns the per-base isochrones of the bases the
// change added or moved, widest band first.
func changedIsochrones(ch study.Change, sc study.ScenarioResult) *geojson.FeatureCollection {
	want := map[string]bool{}
	for _, b := range ch.BasesAdd {
		want[b.ID] = true
	}
	for _, b := range ch.BasesMove {
		want[b.ID] = true
	}
	fc := geojson.NewFeatureCollection()
	isos := slices.Clone(sc.Result.Isochrones)
	slices.SortStableFunc(isos, func(a, b coverage.Isochrone) int {
		if a.Base != b.Base {
			return int(a.Base) - int(b.Base)
		}
		return -cmp.Compare(a.Minutes, b.Minutes)
	})
	for _, iso := range isos {
		if iso.Base < 0 || int(iso.Base) >= len(sc.Result.Bases) || len(iso.Geom) == 0 {
			continue
		}
		id := sc.Result.Bases[iso.Base].ID
		if !want[id] {
			continue
		}
		f := geojson.NewFeature(iso.Geom)
		f.Properties = geojson.Properties{"base_id": id, "minutes": iso.Minutes, "residents": iso.Residents}
		fc.Append(f)
	}
	return fc
}

// changedCells returns the study cells whose rescue-circle status changed.
func changedCells(st *Study, sc study.ScenarioResult) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	base, now := st.Res.Cells.Within, sc.Result.Cells.Within
	for i, c := range st.In.Coverage.Cells {
		if base[i] == now[i] {
			continue
		}
		poly, err := geo.CellPolygon(c)
		if err != nil {
			continue
		}
		status := "gained"
		if base[i] {
			status = "lost"
		}
		f := geojson.NewFeature(poly)
		f.Properties = geojson.Properties{"cell": c.String(), "status": status, "residents": st.In.Coverage.Pop[i]}
		fc.Append(f)
	}
	return fc
}
