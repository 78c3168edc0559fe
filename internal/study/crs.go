package study

import (
	"fmt"

	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

// SystemOf returns the coordinate system the study declares for the input
// file path (absolute, as the Study holds it): WGS-84 unless a crs key
// says otherwise. OpenStreetMap inputs are always WGS-84.
func (st *Study) SystemOf(path string) coordsys.System {
	return st.CRS[path] // the zero value is WGS84
}

// readCRS reads the crs keys of the study's file inputs (and the study's
// default crs) into st.CRS. A name that is no system, a crs on an input
// without coordinates of its own (OSM data, an H3 table) or one file given
// two systems is an error naming the key.
func (st *Study) readCRS(r *raw, fail func(key, format string, a ...any) error) error {
	def, err := coordsys.Parse(r.CRS)
	if err != nil {
		return fail("crs", "%v", err)
	}
	st.CRS = map[string]coordsys.System{}
	keys := map[string]string{} // path -> key that set it, for conflicts
	set := func(key, path, name string) error {
		sys := def
		if name != "" {
			if sys, err = coordsys.Parse(name); err != nil {
				return fail(key, "%v", err)
			}
		}
		if path == "" {
			return nil
		}
		if prev, ok := st.CRS[path]; ok && prev != sys {
			return fail(key, "%s: the file is %s under %s and %s here: one file, one coordinate system", path, prev, keys[path], sys)
		}
		st.CRS[path], keys[path] = sys, key
		return nil
	}
	noCoords := func(key, name, why string) error {
		if name != "" {
			return fail(key, "%s: %s", name, why)
		}
		return nil
	}
	for i, b := range st.Bases {
		key := fmt.Sprintf("facilities.bases[%d].crs", i)
		if len(b.OSMTags) > 0 {
			if err := noCoords(key, b.CRS, "OpenStreetMap data is WGS-84; crs is for files"); err != nil {
				return err
			}
			continue
		}
		if err := set(key, b.File, b.CRS); err != nil {
			return err
		}
	}
	for i, s := range st.Shelters {
		if err := set(fmt.Sprintf("facilities.shelters[%d].crs", i), s.File, s.CRS); err != nil {
			return err
		}
	}
	for i, f := range st.Depots {
		if err := set(fmt.Sprintf("facilities.depots[%d].crs", i), f, r.Facilities.Depots[i].CRS); err != nil {
			return err
		}
	}
	p := st.Population
	switch {
	case p.Polygons != "":
		if err := set("population.crs", p.Polygons, p.CRS); err != nil {
			return err
		}
	default:
		if err := noCoords("population.crs", p.CRS, "only population polygons take a crs (H3 cells and OSM buildings are WGS-84)"); err != nil {
			return err
		}
	}
	if st.Units.File != "" {
		if err := set("units.crs", st.Units.File, st.Units.CRS); err != nil {
			return err
		}
	} else if err := noCoords("units.crs", st.Units.CRS, "OpenStreetMap boundaries are WGS-84; crs is for files"); err != nil {
		return err
	}
	j := 0
	for i, z := range r.Zones {
		if z.File == "" || len(z.OSM) > 0 || z.Builtup != nil {
			continue // OSM zones: WGS-84 (checkOSMZone refuses a crs)
		}
		if err := set(fmt.Sprintf("zones[%d].crs", i), st.Zones[j], z.CRS); err != nil {
			return err
		}
		j++
	}
	for i, sc := range st.Scenarios {
		key := fmt.Sprintf("scenarios[%d].crs", i)
		if err := set(key, sc.CloseAreas, sc.CRS); err != nil {
			return err
		}
		for _, sl := range sc.Slow {
			if err := set(key, sl.Area, sc.CRS); err != nil {
				return err
			}
		}
	}
	return nil
}
