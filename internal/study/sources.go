package study

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// Sources lists the study's inputs in the order the study file names
// them. It stats each file for its size; a file gone since Load is
// listed with size 0.
func (st *Study) Sources() []Source {
	dir := filepath.Dir(st.File)
	rel := func(p string) string {
		if r, err := filepath.Rel(dir, p); err == nil {
			return r
		}
		return p
	}
	var out []Source
	// add lists a file read for role; key and args are its detail as a
	// message of the catalogue (key "": none), said in English in Detail.
	add := func(role, file string, osm bool, key string, args ...string) {
		s := Source{Role: role, File: rel(file), OSM: osm, CRS: st.SystemOf(file).String()}
		if key != "" {
			s.DetailMessage = summary.NewMessage(key, args...)
			s.Detail = s.DetailMessage.Text(i18n.EN)
		}
		if fi, err := os.Stat(file); err == nil {
			s.Bytes = fi.Size()
		}
		if p := filepath.Join(filepath.Dir(file), "SOURCE.md"); fileExists(p) {
			s.Provenance = rel(p)
		}
		out = append(out, s)
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	n := st.Network
	speed := n.SpeedFactor > 0 && n.SpeedFactor != 1
	switch {
	case n.PBF != "" && speed:
		add("road network", n.PBF, true, "source.pbf_speed", "profile", n.Profile, "factor", g(n.SpeedFactor))
	case n.PBF != "":
		add("road network", n.PBF, true, "source.pbf", "profile", n.Profile)
	case speed:
		add("road network", n.Graph, true, "source.graph_speed", "profile", n.Profile, "factor", g(n.SpeedFactor))
	default:
		add("road network", n.Graph, true, "source.graph", "profile", n.Profile)
	}
	if n.WalkGraph != "" {
		add("walk network", n.WalkGraph, true, "source.walk_graph")
	}
	for _, b := range st.Bases {
		if len(b.OSMTags) > 0 {
			add("bases", n.PBF, true, "source.bases_osm", "tags", strings.Join(b.OSMTags, ", "))
		} else {
			add("bases", b.File, false, "")
		}
	}
	p := st.Population
	switch {
	case p.H3 != "":
		add("population", p.H3, false, "source.pop_h3")
	case p.Polygons != "":
		add("population", p.Polygons, false, "source.pop_polygons", "key", p.Key)
	case p.Raster != "":
		add("population", p.Raster, false, "source.pop_raster")
	case p.Buildings != nil && p.Buildings.ScaleTo > 0:
		add("population", n.PBF, true, "source.pop_buildings_scaled", "total", g(p.Buildings.ScaleTo))
	case p.Buildings != nil:
		add("population", n.PBF, true, "source.pop_buildings")
	}
	if st.Units.File != "" {
		add("units", st.Units.File, false, "")
	} else {
		add("units", n.PBF, true, "source.units_osm", "level", strconv.Itoa(st.Units.AdminLevel))
	}
	for _, z := range st.Zones {
		add("zones", z, false, "source.zones")
	}
	for _, z := range st.OSMZones {
		if z.Builtup != nil {
			add("zones", n.PBF, true, "source.zones_builtup", "landuse", strings.Join(z.Builtup.Landuse, "/"), "share", g(z.Builtup.MinBuildingShare))
		} else {
			add("zones", n.PBF, true, "source.zones_osm", "tags", strings.Join(z.Tags, ", "))
		}
	}
	for _, s := range st.Shelters {
		switch {
		case s.Format == "sosrs" && s.City != "":
			add("shelters", s.File, false, "source.sosrs_city", "city", s.City)
		case s.Format == "sosrs":
			add("shelters", s.File, false, "source.sosrs")
		default:
			add("shelters", s.File, false, "")
		}
	}
	for _, f := range st.Depots {
		add("depots", f, false, "")
	}
	for _, sc := range st.Scenarios {
		if sc.CloseAreas != "" {
			add("scenario "+sc.Name, sc.CloseAreas, false, "source.closed")
		}
		for _, sl := range sc.Slow {
			add("scenario "+sc.Name, sl.Area, false, "source.slowed", "factor", g(sl.Factor))
		}
	}
	return out
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
