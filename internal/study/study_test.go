package study_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/study"
)

func TestLoadSample(t *testing.T) {
	st, err := study.Load(filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Resolution != 9 || st.Standard.Name != "cn-grassroots" || st.Standard.Rescue.Minutes != 15 ||
		st.Units.AdminLevel != 7 || len(st.Bases) != 1 || st.Bases[0].TeamSize != 30 || st.Population.Buildings == nil {
		t.Errorf("sample study = %+v", st)
	}
	if !filepath.IsAbs(st.Network.PBF) {
		t.Errorf("network.pbf = %q, want an absolute path", st.Network.PBF)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.osm.pbf", "bases.csv", "pop.csv", "units.geojson"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := `
network: {pbf: a.osm.pbf}
facilities: {bases: [{file: bases.csv}]}
population: {h3: pop.csv}
units: {file: units.geojson}
`
	tests := []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"good", good, nil},
		{"unknown key", good + "colour: red\n", []string{"colour"}},
		{"unknown nested key", strings.Replace(good, "{pbf: a.osm.pbf}", "{pbf: a.osm.pbf, profil: walk}", 1), []string{"profil"}},
		{"resolution", good + "resolution: 12\n", []string{"resolution", "7 to 10"}},
		{"missing file", strings.Replace(good, "pop.csv", "nope.csv", 1), []string{"population.h3", "nope.csv"}},
		{"two networks", strings.Replace(good, "{pbf: a.osm.pbf}", "{pbf: a.osm.pbf, graph: a.osm.pbf}", 1), []string{"network", "exactly one"}},
		{"barriers on a built graph", strings.Replace(good, "{pbf: a.osm.pbf}", "{graph: a.osm.pbf, barriers: true}", 1), []string{"network.barriers", "rebuild"}},
		{"barriers not a bool", strings.Replace(good, "{pbf: a.osm.pbf}", "{pbf: a.osm.pbf, barriers: bollards}", 1), []string{"line 2", "bollards", "bool"}},
		{"walk profile", strings.Replace(good, "{pbf: a.osm.pbf}", "{pbf: a.osm.pbf, profile: walk}", 1), []string{"network.profile", "drive or emergency"}},
		{"no bases", strings.Replace(good, "{bases: [{file: bases.csv}]}", "{bases: []}", 1), []string{"facilities.bases"}},
		{"bad tag", strings.Replace(good, "{file: bases.csv}", "{osm: [amenity]}", 1), []string{"facilities.bases[0].osm", "key=value"}},
		{"two populations", strings.Replace(good, "{h3: pop.csv}", "{h3: pop.csv, polygons: pop.csv}", 1), []string{"population", "exactly one"}},
		{"unknown preset", good + "preset: mars\n", []string{"preset", "cn-grassroots"}},
		{"bad override", good + "standards: {rescue: {minutes: -5}}\n", []string{"standards", "rescue.minutes"}},
		{"unknown override", good + "standards: {rescue: {minuts: 5}}\n", []string{"standards", "minuts"}},
		{"admin level", strings.Replace(good, "{file: units.geojson}", "{osm_admin_level: 30}", 1), []string{"units.osm_admin_level"}},
		{"not yaml", "network: [", []string{"study"}},
		{"scenario without change", good + "scenarios: [{name: a}]\n", []string{"scenarios[0]", "changes nothing"}},
		{"scenario twice", good + "scenarios: [{name: a, close_ways: [1]}, {name: a, close_ways: [2]}]\n", []string{"scenarios[1].name", "unique"}},
		{"scenario missing file", good + "scenarios: [{name: a, close_areas: flood.geojson}]\n", []string{"scenarios[0].close_areas", "flood.geojson"}},
		{"scenario bad factor", good + "scenarios: [{name: a, slow: [{area: units.geojson, factor: 0}]}]\n", []string{"scenarios[0].slow[0]", "factor"}},
		{"shelter scenario without shelters", good + "scenarios: [{name: a, shelters_closed: [s1]}]\n", []string{"scenarios[0]", "facilities.shelters"}},
		{"shelter capacity negative", strings.Replace(good, "{bases: [{file: bases.csv}]}", "{bases: [{file: bases.csv}], shelters: [{file: bases.csv}]}", 1) +
			"scenarios: [{name: a, shelter_capacity: {s1: -0.5}}]\n", []string{"scenarios[0].shelter_capacity.s1", ">= 0"}},
		{"critical segments negative", good + "robustness: {critical_segments: -1}\n", []string{"robustness.critical_segments", "0 (none)"}},
		{"critical segments unknown key", good + "robustness: {critical: 5}\n", []string{"critical"}},
		{"shelter capacity list", good + "scenarios: [{name: a, shelter_capacity: [s1]}]\n", []string{"line 6", "map"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "study.yaml")
			_, err := study.Parse([]byte(tt.yaml), path)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse accepted %q", tt.yaml)
			}
			var ce *study.ConfigError
			if !errors.As(err, &ce) || ce.File != path {
				t.Errorf("error %v is not a ConfigError naming %s", err, path)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestSourcesSample lists the sample's inputs: the PBF three times (roads,
// buildings, boundaries), all OSM, each with its real size and the
// SOURCE.md beside it, and the scenario polygons.
func TestSourcesSample(t *testing.T) {
	st, err := study.Load(filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(st.Network.PBF)
	if err != nil {
		t.Fatal(err)
	}
	src := st.Sources()
	var roles []string
	for _, s := range src {
		roles = append(roles, s.Role)
		if s.Provenance != "SOURCE.md" {
			t.Errorf("source %s provenance = %q, want SOURCE.md", s.Role, s.Provenance)
		}
		if s.File == "andorra.osm.pbf" && (!s.OSM || s.Bytes != fi.Size()) {
			t.Errorf("source %s = %+v, want OSM, %d bytes", s.Role, s, fi.Size())
		}
	}
	want := "road network,bases,population,units,scenario valira-flood,scenario night"
	if got := strings.Join(roles, ","); got != want {
		t.Errorf("Sources roles = %s, want %s", got, want)
	}
	if src[1].File != "fire_stations.csv" || src[1].OSM {
		t.Errorf("bases source = %+v, want fire_stations.csv, not marked OSM", src[1])
	}
}
