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

// sameGeometry compares geometries of the same shape point by point.
func sameGeometry(a, b orb.Geometry, tol float64) bool {
	pa, pb := points(a), points(b)
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if math.Abs(pa[i][0]-pb[i][0]) > tol || math.Abs(pa[i][1]-pb[i][1]) > tol {
			return false
		}
	}
	return true
}

func points(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.Polygon:
		var out []orb.Point
		for _, r := range g {
			out = append(out, r...)
			out = append(out, orb.Point{-1e9, -1e9}) // ring separator
		}
		return out
	case orb.MultiPolygon:
		var out []orb.Point
		for _, p := range g {
			out = append(out, points(p)...)
			out = append(out, orb.Point{-2e9, -2e9})
		}
		return out
	}
	return nil
}
