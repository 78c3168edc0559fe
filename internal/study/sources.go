package study

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	add := func(role, file, detail string, osm bool) {
		s := Source{Role: role, File: rel(file), Detail: detail, OSM: osm, CRS: st.SystemOf(file).String()}
		if fi, err := os.Stat(file); err == nil {
			s.Bytes = fi.Size()
		}
		if p := filepath.Join(filepath.Dir(file), "SOURCE.md"); fileExists(p) {
			s.Provenance = rel(p)
		}
		out = append(out, s)
	}
	n := st.Network
	speed := ""
	if n.SpeedFactor > 0 && n.SpeedFactor != 1 {
		speed = fmt.Sprintf(", speeds × %g", n.SpeedFactor)
	}
	if n.PBF != "" {
		add("road network", n.PBF, "OpenStreetMap extract, "+n.Profile+" profile"+speed, true)
	} else {
		add("road network", n.Graph, "road graph built from OpenStreetMap ('rescuegrid network build'), "+n.Profile+" profile"+speed, true)
	}
	if n.WalkGraph != "" {
		add("walk network", n.WalkGraph, "walk graph built from OpenStreetMap", true)
	}
	for _, b := range st.Bases {
		if len(b.OSMTags) > 0 {
			add("bases", n.PBF, "OSM features tagged "+strings.Join(b.OSMTags, ", "), true)
		} else {
			add("bases", b.File, "", false)
		}
	}
	p := st.Population
	switch {
	case p.H3 != "":
		add("population", p.H3, "residents per H3 cell", false)
	case p.Polygons != "":
		add("population", p.Polygons, "polygons with "+p.Key+", areal-weighted onto cells", false)
	case p.Raster != "":
		add("population", p.Raster, "GeoTIFF of people per pixel, split over cells by area, read over the road network's extent", false)
	case p.Buildings != nil:
		d := "estimated from OSM building footprints"
		if p.Buildings.ScaleTo > 0 {
			d += fmt.Sprintf(", scaled to %g residents", p.Buildings.ScaleTo)
		}
		add("population", n.PBF, d, true)
	}
	if st.Units.File != "" {
		add("units", st.Units.File, "", false)
	} else {
		add("units", n.PBF, fmt.Sprintf("OSM administrative boundaries, admin_level %d", st.Units.AdminLevel), true)
	}
	for _, z := range st.Zones {
		add("zones", z, `"135" zones`, false)
	}
	for _, z := range st.OSMZones {
		d := `"135" zones: OSM areas tagged ` + strings.Join(z.Tags, ", ")
		if z.Builtup != nil {
			d = fmt.Sprintf(`"135" zones: built-up area from OSM landuse %s and cells with at least %g of their area under buildings`, strings.Join(z.Builtup.Landuse, "/"), z.Builtup.MinBuildingShare)
		}
		add("zones", n.PBF, d, true)
	}
	for _, s := range st.Shelters {
		d := ""
		if s.Format == "sosrs" {
			d = "SOS Rio Grande do Sul shelter export"
			if s.City != "" {
				d += ", city " + s.City
			}
		}
		add("shelters", s.File, d, false)
	}
	for _, f := range st.Depots {
		add("depots", f, "", false)
	}
	for _, sc := range st.Scenarios {
		if sc.CloseAreas != "" {
			add("scenario "+sc.Name, sc.CloseAreas, "roads closed inside", false)
		}
		for _, sl := range sc.Slow {
			add("scenario "+sc.Name, sl.Area, fmt.Sprintf("travel times × %g inside", sl.Factor), false)
		}
	}
	return out
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
