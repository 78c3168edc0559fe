package study

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

func TestGCJ02Copies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gj := `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"base_id":"node/1","name":"南头消防中队"},"geometry":{"type":"Point","coordinates":[113.9176,22.5401]}},
{"type":"Feature","properties":{"base_id":"x"},"geometry":{"type":"Polygon","coordinates":[[[1.5,42.5],[1.6,42.5],[1.6,42.6],[1.5,42.5]]]}}]}`
	files := map[string]string{
		"bases.geojson": gj,
		"gaps.csv":      "rank,lon,lat,residents\n1,113.9176,22.5401,120\n2,,,0\n",
		"units.csv":     "unit_id,residents\na,1\n",
	}
	var names []string
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	got, err := writeGCJ02Copies(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"bases.gcj02.geojson", "gaps.gcj02.csv"}; !slices.Equal(got, want) {
		t.Fatalf("copies = %v, want %v (no copy of a CSV without lon/lat)", got, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "bases.gcj02.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geo.Features(b)
	if err != nil {
		t.Fatal(err)
	}
	want := coordsys.WGS84ToGCJ02(orb.Point{113.9176, 22.5401})
	if p := fc.Features[0].Geometry.(orb.Point); p != want || fc.Features[0].Properties["name"] != "南头消防中队" {
		t.Errorf("copied point = %v %v, want %v with its properties", p, fc.Features[0].Properties, want)
	}
	if p := fc.Features[1].Geometry.(orb.Polygon)[0][0]; p != (orb.Point{1.5, 42.5}) {
		t.Errorf("a polygon outside China moved to %v", p)
	}
	f, err := os.Open(filepath.Join(dir, "gaps.gcj02.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	lon, _ := strconv.ParseFloat(rows[1][1], 64)
	lat, _ := strconv.ParseFloat(rows[1][2], 64)
	if d := geo.Haversine(orb.Point{lon, lat}, want); d > 0.05 || rows[1][3] != "120" || rows[2][1] != "" {
		t.Errorf("gaps.gcj02.csv rows %v: %.3f m from the GCJ-02 point, want < 5 cm, other columns and empty positions as they were", rows[1:], d)
	}
}
