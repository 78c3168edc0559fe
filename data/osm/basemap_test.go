package osm_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestExtractBasemapAndorra reads Andorra's base map and checks it against
// the other readers of the same file: every drawn highway way
// (ExtractFeatures by highway=*, classed by RoadClass) is a road with its
// name, every building outline ExtractAreas builds is a building, and the
// capital is a named place inside the roads' bounds.
func TestExtractBasemapAndorra(t *testing.T) {
	ctx := context.Background()
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	bm, err := osm.ExtractBasemap(ctx, path, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("roads %d, waterways %d, water %d, landuse %d, buildings %d, places %d, skipped %d",
		len(bm.Roads), len(bm.Waterways), len(bm.Water), len(bm.Landuse), len(bm.Buildings), len(bm.Places), bm.Skipped)

	hw, err := osm.ExtractFeatures(ctx, path, []osm.TagMatch{{Key: "highway", Value: "*"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{}
	for _, f := range hw {
		if _, _, ok := osm.RoadClass(f.Tags["highway"]); ok && f.Type == "way" {
			want[f.ID] = f.Tags["name"]
		}
	}
	got := map[int64]osm.BasemapLine{}
	var bound orb.Bound
	for i, r := range bm.Roads {
		got[r.WayID] = r
		if i == 0 {
			bound = r.Line.Bound()
		} else {
			bound = bound.Union(r.Line.Bound())
		}
		if len(r.Line) < 2 {
			t.Errorf("road way/%d has %d points", r.WayID, len(r.Line))
		}
	}
	if len(got) != len(want) || len(want) < 1000 {
		t.Errorf("%d roads, want the %d drawn highway ways (thousands)", len(got), len(want))
	}
	classes := map[string]int{}
	for id, name := range want {
		r, ok := got[id]
		if !ok {
			t.Errorf("highway way/%d is not a base-map road", id)
			continue
		}
		if r.Name != name {
			t.Errorf("way/%d: name %q, want %q", id, r.Name, name)
		}
		classes[r.Class]++
	}
	for _, c := range []string{"trunk", "primary", "secondary", "minor", "service", "path"} {
		if classes[c] == 0 {
			t.Errorf("no %s road in Andorra (classes %v)", c, classes)
		}
	}

	blds, _, err := osm.ExtractAreas(ctx, path, []osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var parts int
	for _, a := range blds {
		// A closed highway way tagged building too is drawn as a road.
		if _, _, road := osm.RoadClass(a.Tags["highway"]); a.Tags["building"] != "no" && !(road && a.Type == "way") {
			parts += len(a.Geom)
		}
	}
	// ExtractAreas also takes type=boundary relations; buildings are
	// multipolygons, so the counts agree.
	if len(bm.Buildings) != parts {
		t.Errorf("%d building polygons, ExtractAreas builds %d", len(bm.Buildings), parts)
	}

	var capital *osm.BasemapPlace
	for i, p := range bm.Places {
		if p.Name == "" {
			t.Errorf("place %d has no name", i)
		}
		if p.Name == "Andorra la Vella" {
			capital = &bm.Places[i]
		}
	}
	if capital == nil {
		t.Fatal("Andorra la Vella is not a place of the base map")
	}
	if !bound.Contains(capital.Loc) || capital.Class != "town" && capital.Class != "city" {
		t.Errorf("Andorra la Vella: %s at %v, roads within %v", capital.Class, capital.Loc, bound)
	}
	if len(bm.Water)+len(bm.Waterways) == 0 || len(bm.Landuse) == 0 {
		t.Errorf("no water (%d areas, %d lines) or no landuse (%d)", len(bm.Water), len(bm.Waterways), len(bm.Landuse))
	}
	for _, w := range bm.Waterways {
		if w.Class == "river" && w.Name != "" {
			return
		}
	}
	t.Error("no named river in Andorra (the Valira)")
}

// TestExtractBasemapCJK: the Shenzhen (Nanshan) extract's places carry
// Chinese names, which the web map labels with the browser's fonts.
func TestExtractBasemapCJK(t *testing.T) {
	bm, err := osm.ExtractBasemap(context.Background(), shared.Path(t, "data", "china-shenzhen", "nanshan.osm.pbf"), osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	han := 0
	for _, r := range bm.Roads {
		for _, c := range r.Name {
			if c >= 0x4e00 && c <= 0x9fff {
				han++
				break
			}
		}
	}
	if han == 0 {
		t.Errorf("no road of Nanshan has a name in Chinese characters (%d roads)", len(bm.Roads))
	}
}

// TestExtractBasemapBadInput: an empty file and a file that is not OSM are
// refused with the file's name; an XML extract without base-map features
// gives an empty base map, not an error.
func TestExtractBasemapBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.osm.pbf")
	junk := filepath.Join(dir, "junk.osm.pbf")
	bare := filepath.Join(dir, "bare.osm")
	os.WriteFile(empty, nil, 0o644)
	os.WriteFile(junk, []byte("not a pbf at all, just text"), 0o644)
	os.WriteFile(bare, []byte(`<?xml version="1.0"?><osm version="0.6"><node id="1" lat="0" lon="0"/></osm>`), 0o644)
	for _, p := range []string{empty, junk} {
		if _, err := osm.ExtractBasemap(context.Background(), p, osm.Options{}); err == nil {
			t.Errorf("ExtractBasemap(%s) = nil error, want one", filepath.Base(p))
		}
	}
	bm, err := osm.ExtractBasemap(context.Background(), bare, osm.Options{})
	if err != nil || len(bm.Roads)+len(bm.Places)+len(bm.Buildings) != 0 {
		t.Errorf("ExtractBasemap(bare) = %+v, %v; want an empty base map", bm, err)
	}
}

// BenchmarkExtractBasemap_Malta: the whole island's base map.
func BenchmarkExtractBasemap_Malta(b *testing.B) {
	path := shared.Path(b, "data", "malta", "malta-latest.osm.pbf")
	b.ReportAllocs()
	for b.Loop() {
		bm, err := osm.ExtractBasemap(context.Background(), path, osm.Options{})
		if err != nil || len(bm.Roads) == 0 {
			b.Fatal(err)
		}
	}
}
