package population_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// squareRing returns a closed counter-clockwise ring centred on c, half a side
// of h degrees.
func squareRing(c orb.Point, h float64) orb.Ring {
	return orb.Ring{
		{c[0] - h, c[1] - h}, {c[0] + h, c[1] - h}, {c[0] + h, c[1] + h}, {c[0] - h, c[1] + h}, {c[0] - h, c[1] - h},
	}
}

func writeFeatures(t *testing.T, name string, fc *geojson.FeatureCollection) string {
	t.Helper()
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func polyFeature(g orb.Geometry, props map[string]any) *geojson.Feature {
	f := geojson.NewFeature(g)
	for k, v := range props {
		f.Properties[k] = v
	}
	return f
}

// Near the centre of Porto Alegre.
var (
	poaSquare = orb.Point{-51.20, -30.05}
	poaTiny   = orb.Point{-51.17, -30.02}
	poaHoled  = orb.Point{-51.23, -30.08}
)

func TestFromPolygons_Conservation(t *testing.T) {
	const res = 9
	// A cell-aligned patch: a resolution-9 cell and its six neighbours.
	patchCenter, err := geo.CellOf(orb.Point{-51.15, -30.10}, res)
	if err != nil {
		t.Fatal(err)
	}
	patchCells, err := patchCenter.GridDisk(1)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := geo.CellsToMultiPolygon(patchCells)
	if err != nil {
		t.Fatal(err)
	}
	fc := geojson.NewFeatureCollection()
	fc.Append(polyFeature(orb.Polygon{squareRing(poaSquare, 0.01)}, map[string]any{"pop": 1000.0, "name": "square"}))
	fc.Append(polyFeature(orb.Polygon{squareRing(poaTiny, 0.0002)}, map[string]any{"pop": 10.0, "name": "smaller than a cell"}))
	holed := orb.Polygon{squareRing(poaHoled, 0.015), squareRing(poaHoled, 0.005)}
	holed[1].Reverse()
	fc.Append(polyFeature(holed, map[string]any{"pop": 5000.0, "name": "with a hole"}))
	fc.Append(polyFeature(orb.MultiPolygon{
		{squareRing(orb.Point{-51.26, -30.00}, 0.003)},
		{squareRing(orb.Point{-51.14, -30.00}, 0.003)},
	}, map[string]any{"pop": 300.0, "name": "two parts"}))
	fc.Append(polyFeature(patch, map[string]any{"pop": 700.0, "name": "seven cells"}))
	fc.Append(polyFeature(orb.Polygon{squareRing(poaSquare, 0.002)}, map[string]any{"pop": 0.0, "name": "empty and overlapping"}))
	// Invalid in the OGC sense (the ring touches itself at its middle
	// vertex) but repaired without changing its area.
	x, y := -51.25, -30.12
	fc.Append(polyFeature(orb.Polygon{{{x, y}, {x + .01, y}, {x + .01, y + .01}, {x + .02, y + .01}, {x + .02, y + .02},
		{x + .01, y + .02}, {x + .01, y + .01}, {x, y + .01}, {x, y}}}, map[string]any{"pop": 200.0, "name": "self-touching"}))
	path := writeFeatures(t, "fixture.geojson", fc)

	tab, err := population.FromPolygons(path, res, "pop")
	if err != nil {
		t.Fatalf("FromPolygons(fixture, %d): %v", res, err)
	}
	if got, want := tab.Total(), 1000.0+10+5000+300+700+200; math.Abs(got-want) > 1e-6*want {
		t.Errorf("FromPolygons(fixture).Total() = %v, want %v", got, want)
	}
	if got, want := tab.Source, "polygons fixture.geojson (pop)"; got != want {
		t.Errorf("FromPolygons(fixture).Source = %q, want %q", got, want)
	}
	if !slices.IsSorted(tab.Cells) {
		t.Errorf("FromPolygons(fixture).Cells not sorted")
	}
	for i, c := range tab.Cells {
		if c.Resolution() != res || !(tab.Pop[i] > 0) {
			t.Fatalf("FromPolygons(fixture) cell %s: resolution %d, population %v; want %d and > 0", c, c.Resolution(), tab.Pop[i], res)
		}
	}

	// The hole holds nobody; its centre cell lies wholly inside it.
	holeCell, err := geo.CellOf(poaHoled, res)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Lookup(holeCell); got != 0 {
		t.Errorf("Lookup(cell in the hole %s) = %v, want 0", holeCell, got)
	}

	// The tiny square's 10 residents land in the one or few cells it touches.
	tinyCell, err := geo.CellOf(poaTiny, res)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := tinyCell.GridDisk(1)
	if err != nil {
		t.Fatal(err)
	}
	var near float64
	for _, c := range disk {
		near += tab.Lookup(c)
	}
	if math.Abs(near-10) > 1e-9 || tab.Lookup(tinyCell) <= 0 {
		t.Errorf("tiny square: %v residents around %s (%v in it), want 10 (> 0 in it)", near, tinyCell, tab.Lookup(tinyCell))
	}

	// The patch is seven whole cells: each gets about a seventh (cells differ
	// in area by well under 1% this close together), neighbours nothing.
	var inPatch float64
	for _, c := range patchCells {
		got := tab.Lookup(c)
		inPatch += got
		if math.Abs(got-100) > 1 {
			t.Errorf("patch cell %s has %v residents, want 100 ± 1", c, got)
		}
	}
	if math.Abs(inPatch-700) > 700*1e-6 {
		t.Errorf("patch cells hold %v residents, want 700 (the rest leaked to neighbours)", inPatch)
	}
}

// TestFromPolygons_China spreads a made-up million residents per county of
// Shaoxing (6 real county polygons with 2,300 to 6,800 vertices) onto
// resolution-7 cells.
func TestFromPolygons_China(t *testing.T) {
	const (
		res       = 7
		perCounty = 1_000_000.0
	)
	src := shared.Path(t, "data", "china", "counties_zhe4_jiang1_shao4_xing1.geojson")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(fc.Features), 6; got != want {
		t.Fatalf("%s has %d features, want %d", src, got, want)
	}
	for _, f := range fc.Features {
		f.Properties["residents"] = perCounty
	}
	path := writeFeatures(t, "shaoxing.geojson", fc)

	start := time.Now()
	tab, err := population.FromPolygons(path, res, "residents")
	if err != nil {
		t.Fatalf("FromPolygons(shaoxing, %d): %v", res, err)
	}
	t.Logf("FromPolygons(shaoxing, %d): %d cells in %v", res, len(tab.Cells), time.Since(start))
	want := perCounty * float64(len(fc.Features))
	if got := tab.Total(); math.Abs(got-want) > 1e-6*want {
		t.Errorf("FromPolygons(shaoxing).Total() = %v, want %v", got, want)
	}

	// Areal weighting: a cell wholly inside one county gets that county's
	// density times the cell's area. Check it county by county (one feature
	// per file), which also shows no overlapping cell was missed: a missed
	// cell would raise the density of the others.
	for i, f := range fc.Features {
		one := geojson.NewFeatureCollection()
		one.Append(f)
		p := writeFeatures(t, "county.geojson", one)
		tab, err := population.FromPolygons(p, res, "residents")
		if err != nil {
			t.Fatalf("FromPolygons(county %d): %v", i, err)
		}
		if got := tab.Total(); math.Abs(got-perCounty) > 1e-6*perCounty {
			t.Errorf("county %d (%v): total %v, want %v", i, f.Properties["name"], got, perCounty)
		}
		density := perCounty / orbgeo.Area(f.Geometry) // residents per m²
		var ratios []float64
		for j, c := range tab.Cells {
			if !allPopulatedAround(tab, c) {
				continue
			}
			area, err := h3.CellAreaM2(c)
			if err != nil {
				t.Fatal(err)
			}
			ratios = append(ratios, tab.Pop[j]/(density*area))
		}
		if len(ratios) < 10 {
			t.Fatalf("county %d (%v): %d interior cells, want at least 10", i, f.Properties["name"], len(ratios))
		}
		slices.Sort(ratios)
		lo, mid, hi := ratios[len(ratios)/20], ratios[len(ratios)/2], ratios[len(ratios)*19/20]
		// orb's geodesic area and H3's differ a little; 1% covers it.
		if math.Abs(mid-1) > 0.01 || lo < 0.98 || hi > 1.02 {
			t.Errorf("county %d (%v): interior cells hold %.4f (5%%), %.4f (median), %.4f (95%%) of the county density, want 1 ± 0.01",
				i, f.Properties["name"], lo, mid, hi)
		}
	}
}

// allPopulatedAround reports whether every cell within two steps of c is
// populated: c is then well inside the feature.
func allPopulatedAround(tab *population.Table, c h3.Cell) bool {
	disk, err := c.GridDisk(2)
	if err != nil {
		return false
	}
	for _, n := range disk {
		if tab.Lookup(n) == 0 {
			return false
		}
	}
	return true
}

func TestFromPolygons_Bad(t *testing.T) {
	good := polyFeature(orb.Polygon{squareRing(poaSquare, 0.01)}, map[string]any{"pop": 10.0})
	bowtie := orb.Polygon{{{-51.2, -30.0}, {-51.1, -30.1}, {-51.1, -30.0}, {-51.2, -30.1}, {-51.2, -30.0}}}
	tests := []struct {
		name     string
		content  string
		wantErr  error
		wantText []string
	}{
		{"missing population", featuresJSON(t, good, polyFeature(orb.Polygon{squareRing(poaTiny, 0.01)}, map[string]any{"name": "Centro"})),
			population.ErrBadPopulation, []string{"features[1]", `name "Centro"`, `property "pop" missing`}},
		{"null population", featuresJSON(t, good, polyFeature(orb.Polygon{squareRing(poaTiny, 0.01)}, map[string]any{"pop": nil})),
			population.ErrBadPopulation, []string{"features[1]", `"pop" missing`}},
		{"negative population", featuresJSON(t, polyFeature(orb.Polygon{squareRing(poaTiny, 0.01)}, map[string]any{"pop": -3.0})),
			population.ErrBadPopulation, []string{"features[0]", "-3"}},
		{"text population", featuresJSON(t, polyFeature(orb.Polygon{squareRing(poaTiny, 0.01)}, map[string]any{"pop": "12"})),
			population.ErrBadPopulation, []string{"features[0]", "want a number"}},
		{"point", featuresJSON(t, good, good, polyFeature(orb.Point{-51.2, -30}, map[string]any{"pop": 1.0})),
			population.ErrBadGeometry, []string{"features[2]", "Point"}},
		{"line", featuresJSON(t, polyFeature(orb.LineString{{-51.2, -30}, {-51.1, -30}}, map[string]any{"pop": 1.0})),
			population.ErrBadGeometry, []string{"features[0]", "LineString"}},
		{"self-intersecting", featuresJSON(t, good, polyFeature(bowtie, map[string]any{"pop": 1.0, "name": "bow tie"})),
			population.ErrBadGeometry, []string{"features[1]", "bow tie", "Self-intersection"}},
		{"ring not closed", `{"type":"FeatureCollection","features":[{"type":"Feature","id":7,"properties":{"pop":1},"geometry":{"type":"Polygon","coordinates":[[[-51.2,-30],[-51.1,-30],[-51.1,-30.1],[-51.2,-30.1]]]}}]}`,
			population.ErrBadGeometry, []string{"features[0]", "id 7"}},
		{"no geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","properties":{"pop":1},"geometry":null}]}`,
			population.ErrBadGeometry, []string{"features[0]", `id "a"`, "no geometry"}},
		{"malformed geometry", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"pop":1},"geometry":{"type":"Polygon","coordinates":[1,2]}}]}`,
			population.ErrBadGeometry, []string{"features[0]"}},
		{"outside lon-lat", featuresJSON(t, polyFeature(orb.Polygon{squareRing(orb.Point{500000, 3000000}, 100)}, map[string]any{"pop": 1.0})),
			population.ErrBadGeometry, []string{"features[0]", "outside lon"}},
		{"no features", `{"type":"FeatureCollection","features":[]}`, population.ErrNoFeatures, nil},
		{"not a collection", `{"type":"Feature","properties":{},"geometry":null}`, nil, []string{"FeatureCollection"}},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".geojson")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := population.FromPolygons(path, 9, "pop")
			if err == nil {
				t.Fatalf("FromPolygons(%s) error = nil, want an error", tt.name)
			}
			t.Log(err)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("FromPolygons(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
			msg := err.Error()
			for _, s := range append([]string{path}, tt.wantText...) {
				if !strings.Contains(msg, s) {
					t.Errorf("FromPolygons(%s) error %q does not contain %q", tt.name, msg, s)
				}
			}
			var fe *population.FeatureError
			if strings.Contains(msg, "features[") && !errors.As(err, &fe) {
				t.Errorf("FromPolygons(%s) error %q is not a *FeatureError", tt.name, msg)
			}
		})
	}
}

func featuresJSON(t *testing.T, fs ...*geojson.Feature) string {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	for _, f := range fs {
		fc.Append(f)
	}
	b, err := json.Marshal(fc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func BenchmarkFromPolygons_Shaoxing_Res7(b *testing.B) {
	src := shared.Path(b, "data", "china", "counties_zhe4_jiang1_shao4_xing1.geojson")
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range fc.Features {
		f.Properties["residents"] = 1e6
	}
	out, err := json.Marshal(fc)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "shaoxing.geojson")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := population.FromPolygons(path, 7, "residents"); err != nil {
			b.Fatal(err)
		}
	}
}
