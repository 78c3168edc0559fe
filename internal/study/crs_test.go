package study_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

func TestLoadCRSErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"a.osm.pbf", "bases.csv", "pop.csv", "units.geojson", "z.geojson"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := `
network: {pbf: a.osm.pbf}
facilities: {bases: [{file: bases.csv, crs: gcj02}]}
population: {h3: pop.csv}
units: {file: units.geojson}
zones: [{file: z.geojson}]
`
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error; nil: loads
	}{
		{"good", good, nil},
		{"default", good + "crs: bd09\n", nil},
		{"unknown", strings.Replace(good, "crs: gcj02", "crs: utm50", 1), []string{"facilities.bases[0].crs", "utm50", "gcj02"}},
		{"unknown default", good + "crs: mars2\n", []string{"study", "crs", "mars2"}},
		{"osm bases", strings.Replace(good, "{file: bases.csv, crs: gcj02}", "{osm: [amenity=fire_station], crs: gcj02}", 1), []string{"facilities.bases[0].crs", "WGS-84"}},
		{"h3 table", strings.Replace(good, "{h3: pop.csv}", "{h3: pop.csv, crs: gcj02}", 1), []string{"population.crs"}},
		{"one file two systems", strings.Replace(good, "[{file: z.geojson}]", "[{file: z.geojson}, {file: z.geojson, crs: gcj02}]", 1), []string{"zones[1].crs", "one coordinate system"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			st, err := study.Load(path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if got := st.SystemOf(filepath.Join(dir, "bases.csv")); got != coordsys.GCJ02 {
					t.Errorf("SystemOf(bases.csv) = %v, want gcj02", got)
				}
				wantZ := coordsys.WGS84
				if strings.Contains(tt.yaml, "crs: bd09") {
					wantZ = coordsys.BD09 // the study's default
				}
				if got := st.SystemOf(filepath.Join(dir, "z.geojson")); got != wantZ {
					t.Errorf("SystemOf(z.geojson) = %v, want %v", got, wantZ)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load(%s) succeeded, want an error with %v", tt.name, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%s) = %q, want it to mention %q", tt.name, err, w)
				}
			}
		})
	}
}

// A Shenzhen study with the Amap-geocoded shelters declared GCJ-02: every
// shelter is read at its WGS-84 place (the coordsys inverse of the file's
// coordinates), each lies in a street of Shenzhen's street file, and
// summary.json's sources say which system each input was in.
func TestShenzhenSheltersGCJ02(t *testing.T) {
	t.Parallel()
	dir := shared.Path(t, "data", "china-shenzhen")
	tmp := t.TempDir()
	yaml := fmt.Sprintf(`
name: Shenzhen Nanshan (crs test)
network: {pbf: %[1]s/nanshan.osm.pbf}
facilities:
  bases: [{osm: [amenity=fire_station], level: professional}]
  shelters: [{file: %[1]s/shenzhen_shelters_gcj02.csv, crs: gcj02, class: emergency}]
population: {buildings: {}}
units: {file: %[1]s/shenzhen_streets.geojson, id: JDBH, name: JDMC}
`, dir)
	path := filepath.Join(tmp, "study.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := study.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := study.Read(context.Background(), st, study.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "shenzhen_shelters_gcj02.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	given := map[string]orb.Point{}
	for _, r := range rows[1:] {
		lon, _ := strconv.ParseFloat(r[1], 64)
		lat, _ := strconv.ParseFloat(r[2], 64)
		given[r[0]] = orb.Point{lon, lat}
	}
	if len(in.Shelters) < 20 {
		t.Fatalf("%d shelters inside the Nanshan extract, want the ~33 SOURCE.md counts", len(in.Shelters))
	}
	ix := units.NewIndex(in.Units)
	for _, sh := range in.Shelters {
		want := coordsys.GCJ02ToWGS84(given[sh.ID])
		if sh.Loc != want {
			t.Errorf("shelter %s at %v, want %v (the GCJ-02 %v converted)", sh.ID, sh.Loc, want, given[sh.ID])
		}
		if ix.Locate(sh.Loc) < 0 {
			t.Errorf("shelter %s at %v lies in no street", sh.ID, sh.Loc)
		}
	}
	crs := map[string]string{}
	for _, s := range st.Sources() {
		crs[s.Role] = s.CRS
	}
	if crs["shelters"] != "gcj02" || crs["units"] != "wgs84" || crs["road network"] != "wgs84" {
		t.Errorf("sources' crs = %v, want shelters gcj02, units and road network wgs84", crs)
	}
	t.Logf("%d shelters inside the extract, all in streets after conversion", len(in.Shelters))
}
