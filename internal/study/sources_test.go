package study_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// englishRun is a run of two or more English words: a sentence left in
// English (names such as "drive" or "amenity=fire_station" are one word).
var englishRun = regexp.MustCompile(`[A-Za-z]{2,}(?: [A-Za-z]{2,})+`)

// Every kind of input detail says in English what the detail said before it
// came from the catalogue (the formats below are the earlier code's), keeps
// its message, and says it in Chinese with the same values and no English
// sentence left (but the name of the SOS Rio Grande do Sul export).
func TestSourcesDetailInBothLanguages(t *testing.T) {
	t.Parallel()
	type slow = struct {
		Area   string  `yaml:"area"`
		Factor float64 `yaml:"factor"`
	}
	base := func() *study.Study {
		return &study.Study{File: "/data/study.yaml", Network: study.Network{PBF: "/data/r.osm.pbf", Profile: "drive"}}
	}
	tests := []struct {
		name  string
		edit  func(*study.Study)
		role  string
		want  string
		words []string // values the Chinese detail says too
	}{
		{"pbf", func(*study.Study) {}, "road network", "OpenStreetMap extract, drive profile", []string{"drive"}},
		{"pbf with speeds", func(s *study.Study) { s.Network.SpeedFactor = 0.85 }, "road network",
			"OpenStreetMap extract, drive profile" + fmt.Sprintf(", speeds × %g", 0.85), []string{"drive", "0.85"}},
		{"graph", func(s *study.Study) { s.Network = study.Network{Graph: "/data/r.rgraph", Profile: "emergency"} }, "road network",
			"road graph built from OpenStreetMap ('rescuegrid network build'), emergency profile", []string{"emergency"}},
		{"graph with speeds", func(s *study.Study) {
			s.Network = study.Network{Graph: "/data/r.rgraph", Profile: "drive", SpeedFactor: 1.2}
		}, "road network", "road graph built from OpenStreetMap ('rescuegrid network build'), drive profile" + fmt.Sprintf(", speeds × %g", 1.2), []string{"1.2"}},
		{"walk graph", func(s *study.Study) { s.Network.WalkGraph = "/data/w.rgraph" }, "walk network", "walk graph built from OpenStreetMap", nil},
		{"OSM bases", func(s *study.Study) {
			s.Bases = []study.FacilitySource{{OSMTags: []string{"amenity=fire_station", "emergency=ambulance_station"}}}
		}, "bases", "OSM features tagged amenity=fire_station, emergency=ambulance_station", []string{"amenity=fire_station", "emergency=ambulance_station"}},
		{"H3 population", func(s *study.Study) { s.Population.H3 = "/data/p.csv" }, "population", "residents per H3 cell", nil},
		{"polygons", func(s *study.Study) { s.Population.Polygons, s.Population.Key = "/data/p.geojson", "pop2020" }, "population",
			"polygons with pop2020, areal-weighted onto cells", []string{"pop2020"}},
		{"raster", func(s *study.Study) { s.Population.Raster = "/data/p.tif" }, "population",
			"GeoTIFF of people per pixel, split over cells by area, read over the road network's extent", []string{"GeoTIFF"}},
		{"buildings", func(s *study.Study) { s.Population.Buildings = &study.BuildingsSource{} }, "population", "estimated from OSM building footprints", nil},
		{"buildings scaled", func(s *study.Study) { s.Population.Buildings = &study.BuildingsSource{ScaleTo: 77543} }, "population",
			"estimated from OSM building footprints" + fmt.Sprintf(", scaled to %g residents", 77543.0), []string{"77543"}},
		{"OSM units", func(s *study.Study) { s.Units.AdminLevel = 7 }, "units", fmt.Sprintf("OSM administrative boundaries, admin_level %d", 7), []string{"7"}},
		{"zones file", func(s *study.Study) { s.Zones = []string{"/data/z.geojson"} }, "zones", `"135" zones`, nil},
		{"OSM zones", func(s *study.Study) { s.OSMZones = []study.OSMZone{{Tags: []string{"landuse=industrial"}}} }, "zones",
			`"135" zones: OSM areas tagged landuse=industrial`, []string{"landuse=industrial"}},
		{"built-up zones", func(s *study.Study) {
			s.OSMZones = []study.OSMZone{{Builtup: &study.BuiltupSpec{Landuse: []string{"residential", "retail"}, MinBuildingShare: 0.1}}}
		}, "zones", fmt.Sprintf(`"135" zones: built-up area from OSM landuse %s and cells with at least %g of their area under buildings`, "residential/retail", 0.1),
			[]string{"residential/retail", "0.1"}},
		{"SOS RS shelters", func(s *study.Study) { s.Shelters = []study.ShelterSource{{File: "/data/s.csv", Format: "sosrs"}} }, "shelters",
			"SOS Rio Grande do Sul shelter export", nil},
		{"SOS RS shelters of a city", func(s *study.Study) {
			s.Shelters = []study.ShelterSource{{File: "/data/s.csv", Format: "sosrs", City: "Porto Alegre"}}
		}, "shelters", "SOS Rio Grande do Sul shelter export" + ", city " + "Porto Alegre", []string{"Porto Alegre"}},
		{"closed areas", func(s *study.Study) {
			s.Scenarios = []study.ScenarioSpec{{Name: "flood", CloseAreas: "/data/f.geojson"}}
		}, "scenario flood",
			"roads closed inside", nil},
		{"slowed areas", func(s *study.Study) {
			s.Scenarios = []study.ScenarioSpec{{Name: "snow", Slow: []slow{{Area: "/data/s.geojson", Factor: 1.3}}}}
		}, "scenario snow", fmt.Sprintf("travel times × %g inside", 1.3), []string{"1.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := base()
			tt.edit(st)
			var src *study.Source
			for _, s := range st.Sources() {
				if s.Role == tt.role {
					src = &s
				}
			}
			if src == nil {
				t.Fatalf("Sources() lists no %q input", tt.role)
			}
			if src.Detail != tt.want || src.DetailText(i18n.EN) != tt.want {
				t.Errorf("detail = %q, DetailText(en) = %q, want %q", src.Detail, src.DetailText(i18n.EN), tt.want)
			}
			if src.DetailMessage == nil {
				t.Fatalf("detail %q has no message", src.Detail)
			}
			zh := src.DetailText(i18n.ZhCN)
			if zh == src.Detail || !i18n.ZhCN.Has(src.DetailMessage.Key) {
				t.Errorf("DetailText(zh-CN) = %q (message %q): not said in Chinese", zh, src.DetailMessage.Key)
			}
			left := englishRun.FindAllString(zh, -1)
			for _, w := range left {
				if w != "SOS Rio Grande do Sul" && w != "Porto Alegre" && w != "rescuegrid network build" {
					t.Errorf("DetailText(zh-CN) = %q still says %q", zh, w)
				}
			}
			for _, w := range tt.words {
				if !strings.Contains(zh, w) {
					t.Errorf("DetailText(zh-CN) = %q lacks %q", zh, w)
				}
			}
		})
	}
}
