package tiles_test

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// gdalTool returns the path of a GDAL program; without GDAL the test skips,
// or fails under make test (testenv).
func gdalTool(t *testing.T, name string) string {
	t.Helper()
	return testenv.Program(t, name, "GDAL: run `make tiles-deps` (installs Debian's gdal-bin) to test the tiles with GDAL")
}

// sampleTiles picks one non-empty tile per layer over Andorra la Vella.
func sampleTiles() map[string]maptile.Tile {
	return map[string]maptile.Tile{
		tiles.LayerCells:      maptile.At(andorraLaVella, 14),
		tiles.LayerUnits:      maptile.At(andorraLaVella, 14),
		tiles.LayerIsochrones: maptile.At(andorraLaVella, 13),
		tiles.LayerBases:      maptile.At(andorraLaVella, 12),
		tiles.LayerGaps:       maptile.At(andorraLaVella, 11),
	}
}

// writeTile writes the tile as DIR/z/x/y.mvt, the layout from which GDAL's
// MVT driver reads the tile's position.
func writeTile(t *testing.T, dir string, b []byte, tl maptile.Tile) string {
	t.Helper()
	p := filepath.Join(dir, strconv.Itoa(int(tl.Z)), strconv.Itoa(int(tl.X)), strconv.Itoa(int(tl.Y))+".mvt")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	ogrFieldRE = regexp.MustCompile(`(?m)^(\w+): (String|Real|Integer|Integer64|Integer\(Boolean\)) \(`)
	ogrCountRE = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)
	ogrLayerRE = regexp.MustCompile(`(?m)^Layer name: (\S+)$`)
	ogrGeomRE  = regexp.MustCompile(`(?m)^Geometry: (.+)$`)
)

// TestGDAL reads a tile of each layer with GDAL's MVT driver (ogrinfo
// -so and ogr2ogr to GeoJSON in EPSG:4326) and checks the layer name,
// feature count, field types, values and positions against orb's decode
// and the study.
func TestGDAL(t *testing.T) {
	ogrinfo := gdalTool(t, "ogrinfo")
	ogr2ogr := gdalTool(t, "ogr2ogr")
	ver, err := exec.Command(ogrinfo, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo --version: %v\n%s", err, ver)
	}
	t.Logf("%s", strings.TrimSpace(string(ver)))
	_, res, set := andorra(t)
	dir := t.TempDir()
	gdalType := map[string][]string{
		"String": {"String"}, "Number": {"Real", "Integer", "Integer64"}, "Boolean": {"Integer(Boolean)"},
	}
	for layer, tl := range sampleTiles() {
		t.Run(layer, func(t *testing.T) {
			l, b, ok := decode(t, set, layer, tl)
			if !ok {
				t.Fatalf("%s %v is empty", layer, tl)
			}
			file := writeTile(t, filepath.Join(dir, layer), b, tl)
			// CLIP=NO: keep the features that lie only in the buffer, which
			// GDAL drops by default.
			out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", "-oo", "CLIP=NO", file).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo %s: %v\n%s", file, err, out)
			}
			info := string(out)
			if m := ogrLayerRE.FindStringSubmatch(info); m == nil || m[1] != layer {
				t.Errorf("ogrinfo: layer name %v, want %s\n%s", m, layer, info)
			}
			if m := ogrCountRE.FindStringSubmatch(info); m == nil || m[1] != strconv.Itoa(len(l.Features)) {
				t.Errorf("ogrinfo: feature count %v, want %d (orb)", m, len(l.Features))
			}
			wantGeom := "Polygon"
			if layer == tiles.LayerBases {
				wantGeom = "Point"
			}
			if m := ogrGeomRE.FindStringSubmatch(info); m == nil || !strings.Contains(m[1], wantGeom) {
				t.Errorf("ogrinfo: geometry %v, want %s", m, wantGeom)
			}
			fields := map[string]string{}
			for _, m := range ogrFieldRE.FindAllStringSubmatch(info, -1) {
				fields[m[1]] = m[2]
			}
			var tj struct {
				VectorLayers []struct {
					Fields map[string]string `json:"fields"`
				} `json:"vector_layers"`
			}
			tjb, _ := set.TileJSON(layer, "/tiles/"+layer+"/{z}/{x}/{y}.mvt")
			if err := json.Unmarshal(tjb, &tj); err != nil {
				t.Fatal(err)
			}
			used := map[string]bool{}
			for _, f := range l.Features {
				for k := range f.Properties {
					used[k] = true
				}
			}
			for k := range used {
				typ := tj.VectorLayers[0].Fields[k]
				if got, ok := fields[k]; !ok || !slices.Contains(gdalType[typ], got) {
					t.Errorf("ogrinfo: field %s is %q, want one of %v (TileJSON %s)", k, got, gdalType[typ], typ)
				}
			}

			// Values and positions, through GDAL's reprojection to WGS 84.
			gj, err := exec.Command(ogr2ogr, "-f", "GeoJSON", "-t_srs", "EPSG:4326", "-oo", "CLIP=NO", "/vsistdout/", file).Output()
			if err != nil {
				t.Fatalf("ogr2ogr %s: %v", file, err)
			}
			var fc struct {
				Features []struct {
					Properties map[string]any `json:"properties"`
					Geometry   struct {
						Type        string          `json:"type"`
						Coordinates json.RawMessage `json:"coordinates"`
					} `json:"geometry"`
				} `json:"features"`
			}
			if err := json.Unmarshal(gj, &fc); err != nil {
				t.Fatalf("ogr2ogr output: %v", err)
			}
			if len(fc.Features) != len(l.Features) {
				t.Fatalf("ogr2ogr: %d features, want %d", len(fc.Features), len(l.Features))
			}
			for i, f := range fc.Features {
				want := l.Features[i].Properties
				for k, w := range want {
					g := f.Properties[k]
					if n, ok := g.(float64); ok {
						if _, isBool := w.(bool); isBool {
							g = n == 1 // GDAL's Integer(Boolean) as 0/1
						}
					}
					if !sameValue(g, w) {
						t.Errorf("feature %d: GDAL %s = %v, orb %v", i, k, f.Properties[k], w)
					}
				}
			}
			if layer == tiles.LayerBases {
				// One tile unit at this zoom, in degrees of longitude.
				tol := 360 / math.Ldexp(tiles.Extent, int(tl.Z))
				for _, f := range fc.Features {
					var c [2]float64
					if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil {
						t.Fatal(err)
					}
					id := f.Properties["id"].(string)
					for _, br := range res.Bases {
						if br.ID == id && (math.Abs(br.Loc[0]-c[0]) > tol || math.Abs(br.Loc[1]-c[1]) > tol) {
							t.Errorf("base %s: GDAL puts it at %v, the study at %v (tolerance %v°)", id, c, br.Loc, tol)
						}
					}
				}
			}
		})
	}
}
