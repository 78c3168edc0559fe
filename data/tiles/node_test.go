package tiles_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// node returns the node binary and the folder of the JavaScript checks
// (@mapbox/vector-tile, pbf and pmtiles from npm); without them the test
// skips, or fails under make test (testenv).
func node(t *testing.T) (bin, dir string) {
	t.Helper()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	bin = testenv.Node(t, dir, "tiles-deps", "@mapbox/vector-tile", "pbf", "pmtiles")
	return bin, dir
}

// jsTile is what decode.js prints.
type jsTile map[string]struct {
	Version  int `json:"version"`
	Extent   int `json:"extent"`
	Features []struct {
		ID         *float64       `json:"id"`
		Type       string         `json:"type"`
		Properties map[string]any `json:"properties"`
		Rings      [][][2]float64 `json:"rings"`
		Polygons   int            `json:"polygons"`
		GeoJSON    *jsGeoJSONGeom `json:"geojson"`
	} `json:"features"`
}

type jsGeoJSONGeom struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// TestNodeVectorTile decodes tiles of every layer with @mapbox/vector-tile
// and pbf (MapLibre GL JS's decoders) and compares them with orb's decode:
// version, extent, every feature's id, type, properties and rings, the
// polygons classifyRings makes, and the bases' positions in [lon, lat].
func TestNodeVectorTile(t *testing.T) {
	bin, dir := node(t)
	_, res, set := andorra(t)
	tmp := t.TempDir()
	cases := sampleTiles()
	// And a low zoom, where cells are aggregated.
	cases["cells-z9"] = maptile.At(andorraLaVella, 9)
	for name, tl := range cases {
		layer := name
		if name == "cells-z9" {
			layer = tiles.LayerCells
		}
		t.Run(name, func(t *testing.T) {
			l, b, ok := decode(t, set, layer, tl)
			if !ok {
				t.Fatalf("%s %v is empty", layer, tl)
			}
			file := filepath.Join(tmp, name+".mvt")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, filepath.Join(dir, "decode.js"), file,
				strconv.Itoa(int(tl.Z)), strconv.Itoa(int(tl.X)), strconv.Itoa(int(tl.Y)))
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node decode.js: %v\n%s", err, stderr(err))
			}
			var js jsTile
			if err := json.Unmarshal(out, &js); err != nil {
				t.Fatalf("decode.js output: %v", err)
			}
			jl, ok := js[layer]
			if len(js) != 1 || !ok {
				t.Fatalf("decode.js: layers %v, want just %s", keys(js), layer)
			}
			if jl.Version != 2 || jl.Extent != tiles.Extent {
				t.Errorf("decode.js: version %d extent %d, want 2 and %d", jl.Version, jl.Extent, tiles.Extent)
			}
			if len(jl.Features) != len(l.Features) {
				t.Fatalf("decode.js: %d features, orb %d", len(jl.Features), len(l.Features))
			}
			for i, jf := range jl.Features {
				of := l.Features[i]
				// ids
				if (jf.ID == nil) != (of.ID == nil) || (jf.ID != nil && *jf.ID != of.ID.(float64)) {
					t.Errorf("feature %d: id %v, orb %v", i, jf.ID, of.ID)
				}
				// properties
				if len(jf.Properties) != len(of.Properties) {
					t.Errorf("feature %d: properties %v, orb %v", i, jf.Properties, of.Properties)
				}
				for k, w := range of.Properties {
					if !sameValue(jf.Properties[k], w) {
						t.Errorf("feature %d: %s = %v, orb %v", i, k, jf.Properties[k], w)
					}
				}
				// geometry: the same rings, in the same order
				var rings []orb.Ring
				var polys int
				switch g := of.Geometry.(type) {
				case orb.Point:
					if jf.Type != "Point" || len(jf.Rings) != 1 || len(jf.Rings[0]) != 1 || jf.Rings[0][0] != [2]float64(g) {
						t.Errorf("feature %d: %s %v, orb point %v", i, jf.Type, jf.Rings, g)
					}
					continue
				case orb.Polygon:
					rings, polys = g, 1
				case orb.MultiPolygon:
					for _, p := range g {
						rings = append(rings, p...)
					}
					polys = len(g)
				}
				if jf.Type != "Polygon" || jf.Polygons != polys || len(jf.Rings) != len(rings) {
					t.Errorf("feature %d: %s of %d rings in %d polygons, orb %d rings in %d polygons", i, jf.Type, len(jf.Rings), jf.Polygons, len(rings), polys)
					continue
				}
				for r, ring := range rings {
					jr := jf.Rings[r]
					if len(jr) != len(ring) {
						t.Errorf("feature %d ring %d: %d points, orb %d", i, r, len(jr), len(ring))
						continue
					}
					for k := range ring {
						if jr[k] != [2]float64(ring[k]) {
							t.Errorf("feature %d ring %d point %d: %v, orb %v", i, r, k, jr[k], ring[k])
							break
						}
					}
				}
			}
			if layer == tiles.LayerBases {
				tol := 360 / math.Ldexp(tiles.Extent, int(tl.Z))
				for _, jf := range jl.Features {
					var c [2]float64
					if err := json.Unmarshal(jf.GeoJSON.Coordinates, &c); err != nil {
						t.Fatal(err)
					}
					for _, br := range res.Bases {
						if br.ID == jf.Properties["id"] && (math.Abs(br.Loc[0]-c[0]) > tol || math.Abs(br.Loc[1]-c[1]) > tol) {
							t.Errorf("base %s: toGeoJSON puts it at %v, the study at %v", br.ID, c, br.Loc)
						}
					}
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// stderr returns what a failed command printed on stderr.
func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
