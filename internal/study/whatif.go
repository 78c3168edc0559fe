package study

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/units"
)

// BaseSpec is a base added or moved by a scenario: its id, its location
// ([lon, lat] degrees) and, for an added base, its team size and level
// (township when empty).
type BaseSpec struct {
	ID       string  `yaml:"id" json:"id"`
	Name     string  `yaml:"name,omitempty" json:"name,omitempty"`
	Lon      float64 `yaml:"lon" json:"lon"`
	Lat      float64 `yaml:"lat" json:"lat"`
	TeamSize int     `yaml:"team_size,omitempty" json:"team_size,omitempty"`
	Level    string  `yaml:"level,omitempty" json:"level,omitempty"`
}

// Change is one what-if held in memory: a scenario of the study file with
// its polygon files read, or what a planner drew on the web map. Both are
// answered by RunChange, so that a scenario drawn on the map and the same
// scenario exported to a study file and run in batch give the same numbers.
type Change struct {
	Name       string
	CloseWays  []int64            // OSM way ids
	CloseAreas []orb.MultiPolygon // [lon, lat]: every road whose midpoint lies inside is closed
	Slow       []scenario.Slowdown
	BasesOut   []string       // base ids out of service
	BasesMove  []BaseSpec     // existing bases (by id) at a new location
	BasesAdd   []BaseSpec     // new bases
	TeamSize   map[string]int // base id (existing or added) -> team members
	// SheltersClosed and ShelterCapacity as in ScenarioSpec.
	SheltersClosed  []string
	ShelterCapacity map[string]float64
	// Workers bounds the coverage run's parallel searches (<= 0:
	// GOMAXPROCS); the service runs each what-if on one core.
	Workers int
}

// Empty reports whether the change changes nothing.
func (c *Change) Empty() bool {
	return len(c.CloseWays)+len(c.CloseAreas)+len(c.Slow)+len(c.BasesOut)+len(c.BasesMove)+len(c.BasesAdd)+
		len(c.TeamSize)+len(c.SheltersClosed)+len(c.ShelterCapacity) == 0
}

// ChangeOf reads the polygon files of a scenario of the study file st (in
// the coordinate system the study gives them).
func ChangeOf(st *Study, spec ScenarioSpec) (Change, error) {
	c := Change{
		Name: spec.Name, CloseWays: spec.CloseWays, BasesOut: spec.BasesOut,
		BasesMove: spec.BasesMove, BasesAdd: spec.BasesAdd, TeamSize: spec.TeamSize,
		SheltersClosed: spec.SheltersClosed, ShelterCapacity: spec.ShelterCapacity,
	}
	polys := func(path string) ([]orb.MultiPolygon, error) {
		us, err := units.ReadGeoJSON(path, units.GeoJSONOptions{Repair: true, CRS: st.SystemOf(path)})
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
			return c, err
		}
		c.CloseAreas = mp
	}
	for _, sl := range spec.Slow {
		mp, err := polys(sl.Area)
		if err != nil {
			return c, err
		}
		for _, p := range mp {
			c.Slow = append(c.Slow, scenario.Slowdown{Area: p, Factor: sl.Factor})
		}
	}
	return c, nil
}

// RunChange answers one what-if beside the baseline: the change applied to
// the built graph (no OSM re-read) and to the bases, the coverage
// computation rerun, and with shelters the shelter computation (see
// RunScenarios). Added and moved bases are placed in their unit as the
// study places its bases.
func RunChange(ctx context.Context, in *Inputs, ch Change) (ScenarioResult, error) {
	sc := scenario.Scenario{Name: ch.Name, CloseWays: ch.CloseWays, CloseAreas: ch.CloseAreas, Slow: ch.Slow}
	ci := in.Coverage
	var rep scenario.Report
	if len(sc.CloseWays)+len(sc.CloseAreas)+len(sc.Slow) > 0 {
		g, r, err := scenario.Apply(in.Graph, sc)
		if err != nil {
			return ScenarioResult{}, err
		}
		ci.Graph, rep = g, r
	}
	if len(ch.BasesOut)+len(ch.BasesMove)+len(ch.BasesAdd)+len(ch.TeamSize) > 0 {
		bases, baseUnit, err := changeBases(in, ch)
		if err != nil {
			return ScenarioResult{}, fmt.Errorf("scenario %s: %w", ch.Name, err)
		}
		ci.Bases, ci.BaseUnit = bases, baseUnit
	}
	if ch.Workers > 0 {
		ci.Workers = ch.Workers
	}
	r, err := coverage.Compute(ctx, ci)
	if err != nil {
		return ScenarioResult{}, fmt.Errorf("scenario %s: %w", ch.Name, err)
	}
	res := ScenarioResult{Name: ch.Name, Report: rep, Result: r}
	if in.Shelter != nil {
		if err := scenarioShelters(ctx, in, ch, ci, &res); err != nil {
			return ScenarioResult{}, fmt.Errorf("scenario %s: %w", ch.Name, err)
		}
	}
	return res, nil
}

// ScenarioBases returns the bases of the change's coverage run (the
// study's, with the change's bases out, moved, added and resized) and the
// unit of each, as RunChange computes with them.
func ScenarioBases(in *Inputs, ch Change) ([]coverage.Base, []int32, error) {
	if len(ch.BasesOut)+len(ch.BasesMove)+len(ch.BasesAdd)+len(ch.TeamSize) == 0 {
		return in.Coverage.Bases, in.Coverage.BaseUnit, nil
	}
	return changeBases(in, ch)
}

// changeBases returns the study's bases with the change's bases out,
// moved, added and resized, and the unit of each.
func changeBases(in *Inputs, ch Change) ([]coverage.Base, []int32, error) {
	base := in.Coverage
	index := map[string]int{}
	for i, b := range base.Bases {
		index[b.ID] = i
	}
	out := map[string]bool{}
	for _, id := range ch.BasesOut {
		if _, ok := index[id]; !ok {
			return nil, nil, fmt.Errorf("bases_out: no base %q in the study", id)
		}
		out[id] = true
	}
	moved := map[string]orb.Point{}
	for _, m := range ch.BasesMove {
		if _, ok := index[m.ID]; !ok {
			return nil, nil, fmt.Errorf("bases_move: no base %q in the study", m.ID)
		}
		if err := checkLonLat(m.Lon, m.Lat); err != nil {
			return nil, nil, fmt.Errorf("bases_move %s: %w", m.ID, err)
		}
		moved[m.ID] = orb.Point{m.Lon, m.Lat}
	}
	var ix *units.Index
	locate := func(p orb.Point) int32 {
		if ix == nil {
			ix = units.NewIndex(in.Units)
		}
		return int32(ix.Locate(p))
	}
	var bases []coverage.Base
	var baseUnit []int32
	for i, b := range base.Bases {
		if out[b.ID] {
			continue
		}
		u := base.BaseUnit[i]
		if p, ok := moved[b.ID]; ok {
			b.Loc = p
			u = locate(p)
		}
		bases = append(bases, b)
		baseUnit = append(baseUnit, u)
	}
	for k, a := range ch.BasesAdd {
		if a.ID == "" {
			a.ID = fmt.Sprintf("new-%d", k+1)
		}
		if i, dup := index[a.ID]; dup && !(i >= 0 && out[a.ID]) { // an id taken out may come back
			return nil, nil, fmt.Errorf("bases_add: id %q is already a base of the scenario", a.ID)
		}
		index[a.ID] = -1
		if err := checkLonLat(a.Lon, a.Lat); err != nil {
			return nil, nil, fmt.Errorf("bases_add %s: %w", a.ID, err)
		}
		level := a.Level
		if level == "" {
			level = "township"
		}
		name := a.Name
		if name == "" {
			name = a.ID
		}
		p := orb.Point{a.Lon, a.Lat}
		bases = append(bases, coverage.Base{ID: a.ID, Name: name, Level: level, TeamSize: a.TeamSize, Loc: p})
		baseUnit = append(baseUnit, locate(p))
	}
	ids := make([]string, 0, len(ch.TeamSize))
	for id := range ch.TeamSize {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		n := ch.TeamSize[id]
		if n < 0 {
			return nil, nil, fmt.Errorf("team_size %s: %d members, want >= 0", id, n)
		}
		j := slices.IndexFunc(bases, func(b coverage.Base) bool { return b.ID == id })
		if j < 0 {
			return nil, nil, fmt.Errorf("team_size: no base %q in the scenario (out of service, or not in the study)", id)
		}
		bases[j].TeamSize = n
	}
	if len(bases) == 0 {
		return nil, nil, fmt.Errorf("no base left")
	}
	return bases, baseUnit, nil
}

func checkLonLat(lon, lat float64) error {
	if math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return fmt.Errorf("lon,lat %v,%v is not a location", lon, lat)
	}
	return nil
}

// ScenarioUnit is one unit in a scenario beside the baseline: the row of
// the scenarios table (ScenariosSchema), with the same names. Pointers are
// nil where the table holds a null (no shelters; a p90 beyond every base).
type ScenarioUnit struct {
	Scenario       string   `json:"scenario"`
	UnitID         string   `json:"unit_id"`
	Name           string   `json:"name"`
	Residents      float64  `json:"residents"`
	WithinBaseline float64  `json:"within_baseline"`
	WithinScenario float64  `json:"within_scenario"`
	Lost           float64  `json:"lost"`
	Gained         float64  `json:"gained"` // within_scenario - within_baseline, when positive (not a table column)
	CellsChanged   int64    `json:"cells_changed"`
	P90Baseline    *float64 `json:"p90_baseline_seconds"`
	P90Scenario    *float64 `json:"p90_scenario_seconds"`
	// Shelters (nil without).
	PlacesBaseline     *float64 `json:"shelter_places_baseline"`
	PlacesScenario     *float64 `json:"shelter_places_scenario"`
	PlacedBaseline     *float64 `json:"placed_baseline"`
	PlacedScenario     *float64 `json:"placed_scenario"`
	UnplacedBaseline   *float64 `json:"unplaced_baseline"`
	UnplacedScenario   *float64 `json:"unplaced_scenario"`
	NewlyUnplaced      *float64 `json:"newly_unplaced"`
	WalkReachBaseline  *float64 `json:"walk_reach_baseline"`
	WalkReachScenario  *float64 `json:"walk_reach_scenario"`
	LostShelterInReach *float64 `json:"lost_walk_reach"` // walk_reach_baseline - walk_reach_scenario, when positive (not a table column)
}

// ScenarioUnits returns the per-unit rows of one scenario beside the
// baseline (base, and sbase the baseline shelters, nil without): the
// scenarios table's rows for that scenario.
func ScenarioUnits(in *Inputs, base *coverage.Result, sbase *shelter.Result, sc ScenarioResult) []ScenarioUnit {
	changed := make([]int64, len(base.Units))
	for i, u := range in.Coverage.CellUnit {
		if u >= 0 && sc.Result.Cells.Time[i] != base.Cells.Time[i] {
			changed[u]++
		}
	}
	finitePtr := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	ptr := func(v float64) *float64 { return &v }
	out := make([]ScenarioUnit, 0, len(base.Units))
	for u, bu := range base.Units {
		su := sc.Result.Units[u]
		row := ScenarioUnit{
			Scenario: sc.Name, UnitID: bu.ID, Name: bu.Name, Residents: bu.Residents,
			WithinBaseline: bu.Within, WithinScenario: su.Within,
			Lost: max(0, bu.Within-su.Within), Gained: max(0, su.Within-bu.Within),
			CellsChanged: changed[u], P90Baseline: finitePtr(bu.P90), P90Scenario: finitePtr(su.P90),
		}
		if sbase != nil && sc.Shelter != nil {
			hb, hs := sbase.Units[u], sc.Shelter.Units[u]
			row.PlacesBaseline, row.PlacesScenario = ptr(hb.Places), ptr(hs.Places)
			row.PlacedBaseline, row.PlacedScenario = ptr(hb.Placed), ptr(hs.Placed)
			row.UnplacedBaseline, row.UnplacedScenario = ptr(hb.Unplaced), ptr(hs.Unplaced)
			row.NewlyUnplaced = ptr(max(0, hs.Unplaced-hb.Unplaced))
			row.WalkReachBaseline, row.WalkReachScenario = ptr(hb.WithinReach), ptr(hs.WithinReach)
			row.LostShelterInReach = ptr(max(0, hb.WithinReach-hs.WithinReach))
		}
		out = append(out, row)
	}
	return out
}
