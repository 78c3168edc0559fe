package study

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/rescuegrid/rescuegrid/geo"
)

// parser checks the sections of one study file (see Parse).
type parser struct {
	path string // as given: named in errors
	dir  string // the file's folder: relative file names start here
}

// fail is a ConfigError at key.
func (p *parser) fail(key string, format string, a ...any) error {
	return &ConfigError{File: p.path, Key: key, Err: fmt.Errorf(format, a...)}
}

// file resolves the file name at key (${RESCUEGRID_SHARED} expanded,
// relative to the study file) and checks that it exists; "" stays "".
func (p *parser) file(key, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	f, err := expandShared(name)
	if err != nil {
		return "", p.fail(key, "file %s: %v", name, err)
	}
	if !filepath.IsAbs(f) {
		f = filepath.Join(p.dir, f)
	}
	if _, err := os.Stat(f); err != nil {
		return "", p.fail(key, "file %s: %v", name, errors.Unwrap(err))
	}
	return f, nil
}

// head checks the name, resolution, preset and standards.
func (p *parser) head(st *Study, r *raw) error {
	st.Name, st.Resolution = r.Name, int(r.Resolution)
	if st.Name == "" {
		st.Name = strings.TrimSuffix(filepath.Base(p.path), filepath.Ext(p.path))
	}
	if st.Resolution == 0 {
		st.Resolution = geo.DefaultRes
	}
	if err := geo.CheckRes(st.Resolution); err != nil {
		return p.fail("resolution", "%d: allowed %d to %d", st.Resolution, geo.MinRes, geo.MaxRes)
	}
	preset := r.Preset
	if preset == "" {
		preset = DefaultPreset
	}
	base, err := Preset(preset, p.dir)
	if err != nil {
		return p.fail("preset", "%v", err)
	}
	if st.Standard, err = Override(base, &r.Standards); err != nil {
		return p.fail("standards", "%v", err)
	}
	return nil
}

// network checks the road network: one of pbf or graph, the profile, the
// speed factor, barriers and the pedestrian graph.
func (p *parser) network(st *Study, r *raw) error {
	n := r.Network
	var err error
	if (n.PBF == "") == (n.Graph == "") {
		return p.fail("network", "give exactly one of pbf (an OSM extract) or graph (from 'rescuegrid network build')")
	}
	if n.PBF, err = p.file("network.pbf", n.PBF); err != nil {
		return err
	}
	if n.Graph, err = p.file("network.graph", n.Graph); err != nil {
		return err
	}
	if n.Graph != "" && n.SpeedFactor != 0 {
		return p.fail("network.speed_factor", "%v: applies when the graph is built from network.pbf; the speeds of the built graph %s are fixed (rebuild it with 'rescuegrid network build --speed-factor %v', or remove speed_factor)", n.SpeedFactor, filepath.Base(n.Graph), n.SpeedFactor)
	}
	if n.Graph != "" && n.Barriers != nil {
		return p.fail("network.barriers", "applies when the graph is built from network.pbf; the built graph %s is fixed (rebuild it with or without 'rescuegrid network build --barriers', or remove barriers)", filepath.Base(n.Graph))
	}
	if n.Graph != "" && n.TurnRestrictions != nil {
		return p.fail("network.turn_restrictions", "applies when the graph is built from network.pbf; the built graph %s is fixed (rebuild it with or without 'rescuegrid network build --turn-restrictions', or remove turn_restrictions)", filepath.Base(n.Graph))
	}
	n.profileGiven = n.Profile != ""
	if n.Profile == "" {
		n.Profile = "drive"
	}
	if n.Profile != "drive" && n.Profile != "emergency" {
		return p.fail("network.profile", "%q: allowed drive or emergency", n.Profile)
	}
	if n.SpeedFactor < 0 || math.IsNaN(n.SpeedFactor) || math.IsInf(n.SpeedFactor, 0) {
		return p.fail("network.speed_factor", "%v: want > 0", n.SpeedFactor)
	}
	if n.WalkGraph, err = p.file("network.walk_graph", n.WalkGraph); err != nil {
		return err
	}
	st.Network = n
	return nil
}

// shelterFacilities checks facilities.shelters: file, format and class.
func (p *parser) shelterFacilities(st *Study, r *raw) error {
	var err error
	for i, sh := range r.Facilities.Shelters {
		key := fmt.Sprintf("facilities.shelters[%d]", i)
		if sh.File == "" {
			return p.fail(key+".file", "is required")
		}
		if sh.File, err = p.file(key+".file", sh.File); err != nil {
			return err
		}
		switch sh.Format {
		case "":
			sh.Format = "points"
		case "points", "sosrs":
		default:
			return p.fail(key+".format", "%q: allowed points or sosrs", sh.Format)
		}
		if sh.Class != "" {
			if _, ok := st.Standard.Shelters.Classes[sh.Class]; !ok {
				return p.fail(key+".class", "%q is not a shelter class of the standards (%s)", sh.Class, classNames(st.Standard.Shelters.Classes))
			}
		}
		st.Shelters = append(st.Shelters, sh)
	}
	return nil
}

// depots checks facilities.depots, which need shelters.
func (p *parser) depots(st *Study, r *raw) error {
	for i, d := range r.Facilities.Depots {
		f, err := p.file(fmt.Sprintf("facilities.depots[%d].file", i), d.File)
		if err != nil {
			return err
		}
		if f == "" {
			return p.fail(fmt.Sprintf("facilities.depots[%d].file", i), "is required")
		}
		st.Depots = append(st.Depots, f)
	}
	if len(st.Depots) > 0 && len(st.Shelters) == 0 {
		return p.fail("facilities.depots", "depots are studied against shelters: give facilities.shelters too")
	}
	return nil
}

// shelterOptions checks the shelters section: demand share, cutoff,
// default class, and that shelters have a pedestrian graph.
func (p *parser) shelterOptions(st *Study, r *raw) error {
	so := r.Shelters
	if so.DemandShare < 0 || so.DemandShare > 1 {
		return p.fail("shelters.demand_share", "%v: want a share in (0, 1]", so.DemandShare)
	}
	if so.CutoffMinutes < 0 {
		return p.fail("shelters.cutoff_minutes", "%v: want > 0", so.CutoffMinutes)
	}
	if so.DefaultClass == "" {
		so.DefaultClass = "short_term"
	}
	if len(st.Shelters) > 0 {
		if _, ok := st.Standard.Shelters.Classes[so.DefaultClass]; !ok {
			return p.fail("shelters.default_class", "%q is not a shelter class of the standards (%s)", so.DefaultClass, classNames(st.Standard.Shelters.Classes))
		}
		if st.Network.PBF == "" && st.Network.WalkGraph == "" {
			return p.fail("network.walk_graph", "shelters need a pedestrian graph: give network.pbf, or network.walk_graph (rescuegrid network build --profile walk)")
		}
	}
	st.ShelterOpt = so
	return nil
}

// scenarios checks each scenario: a unique name, its files, factors, bases
// and team sizes, and that it changes something.
func (p *parser) scenarios(st *Study, r *raw) error {
	var err error
	names := map[string]bool{}
	for i, sc := range r.Scenarios {
		key := fmt.Sprintf("scenarios[%d]", i)
		if sc.Name == "" || names[sc.Name] {
			return p.fail(key+".name", "%q: want a name, unique among the scenarios", sc.Name)
		}
		names[sc.Name] = true
		if sc.CloseAreas, err = p.file(key+".close_areas", sc.CloseAreas); err != nil {
			return err
		}
		for j := range sc.Slow {
			if sc.Slow[j].Area, err = p.file(fmt.Sprintf("%s.slow[%d].area", key, j), sc.Slow[j].Area); err != nil {
				return err
			}
			if sc.Slow[j].Area == "" || !(sc.Slow[j].Factor > 0) {
				return p.fail(fmt.Sprintf("%s.slow[%d]", key, j), "want an area file and a factor > 0")
			}
		}
		if (len(sc.SheltersClosed) > 0 || len(sc.ShelterCapacity) > 0) && len(st.Shelters) == 0 {
			return p.fail(key, "shelters_closed and shelter_capacity need shelters: give facilities.shelters")
		}
		for id, f := range sc.ShelterCapacity {
			if !(f >= 0) || math.IsInf(f, 0) {
				return p.fail(key+".shelter_capacity."+id, "%v: want a factor >= 0 (1: unchanged, 0: no places)", f)
			}
		}
		for j, bs := range append(append([]BaseSpec(nil), sc.BasesMove...), sc.BasesAdd...) {
			what := fmt.Sprintf("%s.bases_move[%d]", key, j)
			if j >= len(sc.BasesMove) {
				what = fmt.Sprintf("%s.bases_add[%d]", key, j-len(sc.BasesMove))
			}
			if bs.ID == "" || checkLonLat(bs.Lon, bs.Lat) != nil || (bs.Lon == 0 && bs.Lat == 0) || bs.TeamSize < 0 {
				return p.fail(what, "want an id, lon and lat in degrees, and a team_size >= 0")
			}
		}
		for id, n := range sc.TeamSize {
			if n < 0 {
				return p.fail(key+".team_size."+id, "%d: want a number of members >= 0", n)
			}
		}
		if len(sc.CloseWays) == 0 && sc.CloseAreas == "" && len(sc.Slow) == 0 && len(sc.BasesOut) == 0 &&
			len(sc.SheltersClosed) == 0 && len(sc.ShelterCapacity) == 0 && len(sc.BasesMove) == 0 && len(sc.BasesAdd) == 0 && len(sc.TeamSize) == 0 {
			return p.fail(key, "changes nothing: give close_ways, close_areas, slow, bases_out, bases_move, bases_add, team_size, shelters_closed or shelter_capacity")
		}
		st.Scenarios = append(st.Scenarios, sc)
	}
	return nil
}

// robustness checks robustness.critical_segments and busy_teams.
func (p *parser) robustness(st *Study, r *raw) error {
	if n := r.Robustness.CriticalSegments; n < 0 || n > MaxCriticalSegments {
		return p.fail("robustness.critical_segments", "%d: want 0 (none) to %d", n, MaxCriticalSegments)
	}
	st.Robustness = r.Robustness
	if err := checkBusyTeams(r.BusyTeams); err != nil {
		return p.fail("busy_teams", "%v", err)
	}
	st.BusyTeams = r.BusyTeams
	return nil
}

// times checks the times of day and their speed profile.
func (p *parser) times(st *Study, r *raw) error {
	var err error
	st.Times, err = parseTimes(r.Times, r.SpeedProf, p.file, p.fail)
	return err
}

// bases checks facilities.bases: at least one, each a file or OSM tags.
func (p *parser) bases(st *Study, r *raw) error {
	if len(r.Facilities.Bases) == 0 {
		return p.fail("facilities.bases", "no rescue team bases: give at least one file or osm tag list")
	}
	var err error
	for i, f := range r.Facilities.Bases {
		key := fmt.Sprintf("facilities.bases[%d]", i)
		if (f.File == "") == (len(f.OSMTags) == 0) {
			return p.fail(key, "give exactly one of file (CSV or GeoJSON) or osm (tags such as amenity=fire_station)")
		}
		if len(f.OSMTags) > 0 && st.Network.PBF == "" {
			return p.fail(key+".osm", "OSM tags need network.pbf to read them from")
		}
		for _, t := range f.OSMTags {
			if k, v, ok := strings.Cut(t, "="); !ok || k == "" || v == "" {
				return p.fail(key+".osm", "%q: want key=value", t)
			}
		}
		if f.File, err = p.file(key+".file", f.File); err != nil {
			return err
		}
		if f.TeamSize < 0 {
			return p.fail(key+".team_size", "%d: want >= 0", f.TeamSize)
		}
		st.Bases = append(st.Bases, f)
	}
	return nil
}

// population checks the population: exactly one source, its files, and
// the day population.
func (p *parser) population(st *Study, r *raw) error {
	pop := r.Population
	var err error
	if err := pop.takeNight(); err != nil {
		return p.fail("population", "%v", err)
	}
	if pop.Day, err = checkDay(pop.Day, p.file, p.fail); err != nil {
		return err
	}
	set := 0
	for _, x := range []bool{pop.H3 != "", pop.Polygons != "", pop.Buildings != nil, pop.Raster != ""} {
		if x {
			set++
		}
	}
	if set != 1 {
		return p.fail("population", "give exactly one of h3 (a cell,population table), polygons (with key), raster (a GeoTIFF of people per pixel) or buildings (estimate from OSM)")
	}
	if pop.Raster, err = p.file("population.raster", pop.Raster); err != nil {
		return err
	}
	if pop.H3, err = p.file("population.h3", pop.H3); err != nil {
		return err
	}
	if pop.Polygons, err = p.file("population.polygons", pop.Polygons); err != nil {
		return err
	}
	if pop.Polygons != "" && pop.Key == "" {
		pop.Key = "population"
	}
	if pop.Buildings != nil && st.Network.PBF == "" {
		return p.fail("population.buildings", "needs network.pbf to read buildings from")
	}
	if pop.Buildings != nil && pop.Buildings.ScaleTo < 0 {
		return p.fail("population.buildings.scale_to", "%v: want >= 0", pop.Buildings.ScaleTo)
	}
	st.Population = pop
	return nil
}

// units checks the units: a file or an OSM admin level, and the rollups.
func (p *parser) units(st *Study, r *raw) error {
	u := r.Units
	var err error
	if (u.File == "") == (u.AdminLevel == 0) {
		return p.fail("units", "give exactly one of file (GeoJSON polygons) or osm_admin_level (OSM boundaries)")
	}
	if u.AdminLevel != 0 && (u.AdminLevel < 2 || u.AdminLevel > 11) {
		return p.fail("units.osm_admin_level", "%d: allowed 2 to 11", u.AdminLevel)
	}
	if u.AdminLevel != 0 && st.Network.PBF == "" {
		return p.fail("units.osm_admin_level", "needs network.pbf to read boundaries from")
	}
	if u.File, err = p.file("units.file", u.File); err != nil {
		return err
	}
	if u.Rollup, err = checkRollup(u, p.fail, p.file); err != nil {
		return err
	}
	st.Units = u
	return nil
}

// zones checks the zones: each a file, or OSM tags or built-up areas.
func (p *parser) zones(st *Study, r *raw) error {
	for i, z := range r.Zones {
		if len(z.OSM) > 0 || z.Builtup != nil {
			oz, err := checkOSMZone(fmt.Sprintf("zones[%d]", i), z.File, z.CRS, z.OSM, z.Builtup, z.Name, st.Network.PBF, p.fail)
			if err != nil {
				return err
			}
			st.OSMZones = append(st.OSMZones, oz)
			continue
		}
		f, err := p.file(fmt.Sprintf("zones[%d].file", i), z.File)
		if err != nil {
			return err
		}
		if f == "" {
			return p.fail(fmt.Sprintf("zones[%d]", i), "file is required")
		}
		st.Zones = append(st.Zones, f)
	}
	return nil
}
