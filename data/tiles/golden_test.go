package tiles_test

import (
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

var update = flag.Bool("update", false, "rewrite the golden tiles in testdata/ from the current sample study")

// TestGolden compares tiles of the sample with the golden tiles in
// testdata/ (decoded: same features and properties, coordinates within one
// tile unit). After an intended change of the sample study or of the tile
// encoding, regenerate them with
//
//	go test ./data/tiles -run TestGolden -update
func TestGolden(t *testing.T) {
	_, _, set := andorra(t)
	for _, tc := range []struct {
		layer string
		tl    maptile.Tile
	}{
		{tiles.LayerCells, maptile.At(andorraLaVella, 14)},
		{tiles.LayerCells, maptile.At(andorraLaVella, 10)},
		{tiles.LayerUnits, maptile.At(andorraLaVella, 10)},
		{tiles.LayerIsochrones, maptile.At(andorraLaVella, 12)},
	} {
		name := fmt.Sprintf("andorra-%s-%d-%d-%d.mvt", tc.layer, tc.tl.Z, tc.tl.X, tc.tl.Y)
		t.Run(name, func(t *testing.T) {
			got, b, ok := decode(t, set, tc.layer, tc.tl)
			if !ok {
				t.Fatalf("%s %v is empty", tc.layer, tc.tl)
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			gb, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			ls, err := mvt.UnmarshalGzipped(gb)
			if err != nil || len(ls) != 1 {
				t.Fatalf("golden %s: %v (%d layers)", path, err, len(ls))
			}
			want := ls[0]
			if len(got.Features) != len(want.Features) {
				t.Fatalf("%d features, golden %d (run with -update if the change is intended)", len(got.Features), len(want.Features))
			}
			for i, g := range got.Features {
				w := want.Features[i]
				if !sameProps(g.Properties, w.Properties) {
					t.Errorf("feature %d: properties %v, golden %v", i, g.Properties, w.Properties)
				}
				if !sameGeometry(g.Geometry, w.Geometry, 1) {
					t.Errorf("feature %d: geometry differs from the golden one by more than 1 unit", i)
				}
			}
		})
	}
}

func sameProps(a, b geojson.Properties) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !sameValue(v, b[k]) {
			return false
		}
	}
	return true
}

// sameGeometry compares two geometries of the same type point by point;
// geometries of different types, or of a type points cannot walk, differ.
func sameGeometry(a, b orb.Geometry, tol float64) bool {
	if a == nil || b == nil || a.GeoJSONType() != b.GeoJSONType() {
		return false
	}
	pa, oka := points(a)
	pb, okb := points(b)
	if !oka || !okb || len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > tol || math.Abs(pa[i][1]-pb[i][1]) > tol {
			return false
		}
	}
	return true
}

// points flattens g into its points with a separator after each part
// (ring, line, polygon), false for a geometry type it does not know.
func points(g orb.Geometry) ([]orb.Point, bool) {
	sep := orb.Point{math.Inf(-1), math.Inf(-1)} // never a coordinate; equal to itself
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}, true
	case orb.MultiPoint:
		return append(out, g...), true
	case orb.LineString:
		return append(out, g...), true
	case orb.Ring:
		return append(out, g...), true
	case orb.MultiLineString:
		for _, l := range g {
			out = append(append(out, l...), sep)
		}
		return out, true
	case orb.Polygon:
		for _, r := range g {
			out = append(append(out, r...), sep)
		}
		return out, true
	case orb.MultiPolygon:
		for _, p := range g {
			pp, _ := points(p)
			out = append(append(out, pp...), sep, sep)
		}
		return out, true
	}
	return nil, false
}

// The golden comparison itself: equal shapes within the tolerance agree;
// other types, other shapes and types it cannot walk do not.
func TestSameGeometry(t *testing.T) {
	sq := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}
	tests := []struct {
		name string
		a, b orb.Geometry
		want bool
	}{
		{"same polygon", sq, orb.Polygon{{{0, 0}, {1, 0.05}, {1, 1}, {0, 0}}}, true},
		{"moved beyond the tolerance", sq, orb.Polygon{{{0, 0}, {1, 0.5}, {1, 1}, {0, 0}}}, false},
		{"polygon and the multipolygon of it", sq, orb.MultiPolygon{sq}, false},
		{"a ring more", sq, orb.Polygon{sq[0], {{0.2, 0.2}, {0.3, 0.2}, {0.2, 0.3}, {0.2, 0.2}}}, false},
		{"same point", orb.Point{3, 4}, orb.Point{3, 4}, true},
		{"point and multipoint", orb.Point{3, 4}, orb.MultiPoint{{3, 4}}, false},
		{"same lines", orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}, orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}, true},
		{"lines split differently", orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}, orb.MultiLineString{{{0, 0}}, {{1, 1}, {2, 2}, {3, 3}}}, false},
		{"two collections (a type it cannot walk)", orb.Collection{orb.Point{1, 1}}, orb.Collection{orb.Point{1, 1}}, false},
		{"nil", nil, nil, false},
	}
	for _, tt := range tests {
		if got := sameGeometry(tt.a, tt.b, 0.1); got != tt.want {
			t.Errorf("%s: sameGeometry = %v, want %v", tt.name, got, tt.want)
		}
	}
}
