package study

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	ogeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo"
)

// OSMZone is a "135" zone source read from the study's PBF: areas with the
// given tags (landuse=industrial for industrial parks, 工业园区), or the
// built-up area (城镇建成区).
type OSMZone struct {
	Name string   // what the zone is, for messages and summary.json
	Tags []string // key=value filters: areas matching any are zones
	// Builtup, when set, marks built-up cells: cells whose centre lies in
	// a built-up landuse area, or whose building footprints cover at least
	// MinBuildingShare of the cell.
	Builtup *BuiltupSpec
}

// BuiltupSpec defines the built-up area from OpenStreetMap.
type BuiltupSpec struct {
	// Landuse lists the landuse values that are built-up (default
	// residential, commercial, retail, industrial).
	Landuse []string `yaml:"landuse"`
	// MinBuildingShare is the share of a cell's area under building
	// footprints that makes it built-up (default 0.1, a setting: GHSL
	// counts a 10 m pixel built-up when buildings cover part of it; at
	// 0.1 km² cells a tenth is a dense village or a town block).
	MinBuildingShare float64 `yaml:"min_building_share"`
}

// DefaultBuiltupLanduse are the landuse values read as built-up.
var DefaultBuiltupLanduse = []string{"residential", "commercial", "retail", "industrial"}

// DefaultMinBuildingShare is BuiltupSpec.MinBuildingShare's default.
const DefaultMinBuildingShare = 0.1

func checkOSMZone(key, file, crs string, tags []string, b *BuiltupSpec, name, pbf string, fail func(key, format string, a ...any) error) (OSMZone, error) {
	if file != "" {
		return OSMZone{}, fail(key, "give one of file, osm (tags) or builtup")
	}
	if len(tags) > 0 && b != nil {
		return OSMZone{}, fail(key, "give osm (tags such as landuse=industrial) or builtup, not both")
	}
	if crs != "" {
		return OSMZone{}, fail(key+".crs", "%s: OpenStreetMap data is WGS-84; crs is for files", crs)
	}
	if pbf == "" {
		return OSMZone{}, fail(key, "OSM zones need network.pbf to read them from")
	}
	for _, t := range tags {
		if _, err := osm.ParseTagMatch(t); err != nil {
			return OSMZone{}, fail(key+".osm", "%v", err)
		}
	}
	z := OSMZone{Name: name, Tags: tags}
	if b != nil {
		c := *b
		if len(c.Landuse) == 0 {
			c.Landuse = DefaultBuiltupLanduse
		}
		if c.MinBuildingShare == 0 {
			c.MinBuildingShare = DefaultMinBuildingShare
		}
		if !(c.MinBuildingShare > 0 && c.MinBuildingShare <= 1) {
			return OSMZone{}, fail(key+".builtup.min_building_share", "%v: want a share in (0, 1]", c.MinBuildingShare)
		}
		z.Builtup = &c
		if z.Name == "" {
			z.Name = "built-up area"
		}
	}
	if z.Name == "" {
		z.Name = strings.Join(tags, ", ")
	}
	return z, nil
}

// readOSMZones reads the zone areas of the study's OSM zones and, for a
// built-up zone, the cells its buildings make built-up.
func (in *Inputs) readOSMZones(ctx context.Context, opt Options) error {
	st := in.Study
	for _, z := range st.OSMZones {
		areas, problems, err := osm.ExtractAreas(ctx, st.Network.PBF, z.filters(), osm.Options{Procs: opt.Workers})
		if err != nil {
			return fmt.Errorf("zones %s: %w", z.Name, err)
		}
		for _, a := range areas {
			in.osmZones = append(in.osmZones, units.Unit{ID: a.Ref(), Geom: a.Geom})
		}
		note := summary.NewMessage("note.zones", "zone", z.Name, "n", strconv.Itoa(len(areas))).With("unclosed").With("builtup")
		if len(problems) > 0 {
			note.With("unclosed", summary.NewMessage("note.zones_unclosed", "n", strconv.Itoa(len(problems))))
		}
		if z.Builtup != nil {
			n, err := in.builtupByBuildings(ctx, *z.Builtup, opt)
			if err != nil {
				return fmt.Errorf("zones %s: %w", z.Name, err)
			}
			note.With("builtup", summary.NewMessage("note.zones_builtup", "landuse", strings.Join(z.Builtup.Landuse, "/"), "n", strconv.Itoa(n),
				"pct", fmt.Sprintf("%.0f", 100*z.Builtup.MinBuildingShare)))
		}
		in.note(note)
	}
	return nil
}

// builtupByBuildings marks the study's cells whose building footprints
// (each counted whole in the cell of its centroid) cover at least
// spec.MinBuildingShare of the cell. It returns how many cells it marked.
func (in *Inputs) builtupByBuildings(ctx context.Context, spec BuiltupSpec, opt Options) (int, error) {
	res := in.Study.Resolution
	areas, _, err := osm.ExtractAreas(ctx, in.Study.Network.PBF, []osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{Procs: opt.Workers})
	if err != nil {
		return 0, err
	}
	covered := map[h3.Cell]float64{} // m² of footprint per cell
	for _, a := range areas {
		ctr, _ := planar.CentroidArea(a.Geom)
		c, err := geo.CellOf(ctr, res)
		if err != nil {
			continue
		}
		covered[c] += ogeo.Area(a.Geom) // m² on the sphere
	}
	if in.builtupCells == nil {
		in.builtupCells = map[h3.Cell]bool{}
	}
	n := 0
	for c, m2 := range covered {
		km2, err := h3.CellAreaKm2(c)
		if err != nil || km2 <= 0 {
			continue
		}
		if m2/(km2*1e6) >= spec.MinBuildingShare && !in.builtupCells[c] {
			in.builtupCells[c] = true
			n++
		}
	}
	return n, nil
}

// zoneFlags says for every cell of cells (the coverage input's) whether its
// centre lies in a "135" zone: a zone file's polygon, an OSM zone area, or a
// built-up cell.
func (in *Inputs) zoneFlags(cells []h3.Cell) ([]bool, error) {
	st := in.Study
	zones := append([]units.Unit(nil), in.osmZones...)
	for _, f := range st.Zones {
		z, err := units.ReadGeoJSON(f, units.GeoJSONOptions{CRS: st.SystemOf(f)})
		if err != nil {
			return nil, fmt.Errorf("zones: %w", err)
		}
		zones = append(zones, z...)
	}
	zx := units.NewIndex(zones)
	flags := make([]bool, len(cells))
	for i, c := range cells {
		if in.builtupCells[c] {
			flags[i] = true
			continue
		}
		p, err := geo.CellCenter(c)
		if err != nil {
			return nil, err
		}
		flags[i] = zx.Locate(p) >= 0
	}
	return flags, nil
}
