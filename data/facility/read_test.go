package facility_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/facility"
)

func TestParsePointsCSV(t *testing.T) {
	in := "\xEF\xBB\xBFid,name,lng,latitude,team_size,osm_node_id\n" +
		"a,\"Station, north\",14.5,35.9,30,\n" +
		"b,Kordin,14.51,35.88,12,3535087415\n"
	pts, err := facility.ParsePoints("bases.csv", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].ID != "a" || pts[0].Attrs["name"] != "Station, north" || pts[0].Attrs["team_size"] != "30" ||
		pts[0].Loc[0] != 14.5 || pts[1].OSMNode != 3535087415 || pts[1].Line != 3 {
		t.Errorf("ParsePoints = %+v", pts)
	}
}

func TestParsePointsGeoJSON(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
 {"type":"Feature","id":7,"properties":{"name":"A","team_size":20},"geometry":{"type":"Point","coordinates":[1.5,42.5]}},
 {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}},
 {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,1]}}]}`
	pts, err := facility.ParsePoints("x.geojson", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if pts[0].ID != "7" || pts[0].Attrs["team_size"] != "20" || pts[1].ID != "b" || pts[1].Loc[0] != 1 || pts[1].Loc[1] != 1 || pts[2].ID != "#3" {
		t.Errorf("ParsePoints = %+v", pts)
	}
}

func TestParsePointsErrors(t *testing.T) {
	tests := []struct {
		name, file, in string
		line, feature  int
		want           string
	}{
		{"bad lon", "s.csv", "id,lon,lat\na,1,2\nb,east,2\n", 3, 0, "lon"},
		{"lat out of range", "s.csv", "id,lon,lat\na,1,95\n", 2, 0, "lat"},
		{"no coordinates", "s.csv", "id,lon,lat\na,,\n", 2, 0, "lon"},
		{"no id column", "s.csv", "name,lon,lat\na,1,2\n", 1, 0, "id"},
		{"empty id", "s.csv", "id,lon,lat\n,1,2\n", 2, 0, "empty id"},
		{"duplicate id", "s.csv", "id,lon,lat\na,1,2\na,1,3\n", 3, 0, "line 2"},
		{"field count", "s.csv", "id,lon,lat\na,1,2,3\n", 2, 0, "fields"},
		{"empty file", "s.csv", "", 0, 0, "empty"},
		{"header only", "s.csv", "id,lon,lat\n", 0, 0, "no rows"},
		{"unterminated quote", "s.csv", "id,lon,lat \n\"", 2, 0, "quote"}, // found by FuzzParsePoints: a panic before
		{"bad osm id", "s.csv", "id,lon,lat,osm_node_id\na,1,2,x\n", 2, 0, "osm_node_id"},
		{"linestring", "s.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`, 0, 1, "LineString"},
		{"no geometry", "s.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":null}]}`, 0, 1, "geometry"},
		{"not geojson", "s.geojson", `{"hello": "world"}`, 0, 0, "GeoJSON"},
		{"empty collection", "s.geojson", `{"type":"FeatureCollection","features":[]}`, 0, 0, "no features"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := facility.ParsePoints(tt.file, []byte(tt.in))
			var pe *facility.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePoints = %v, want a *ParseError", err)
			}
			if pe.File != tt.file || pe.Line != tt.line || pe.Feature != tt.feature || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q (line %d, feature %d), want %s line %d feature %d mentioning %q", err, pe.Line, pe.Feature, tt.file, tt.line, tt.feature, tt.want)
			}
		})
	}
}

func FuzzParsePoints(f *testing.F) {
	f.Add("s.csv", "id,lon,lat\na,1,2\n")
	f.Add("s.csv", "id,lon,lat,name\n\"a\"\"b\",1e1,-2,x\n")
	f.Add("s.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}`)
	f.Fuzz(func(t *testing.T, name, in string) {
		pts, err := facility.ParsePoints(name, []byte(in))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range pts {
			if p.ID == "" || seen[p.ID] {
				t.Fatalf("point id %q empty or repeated", p.ID)
			}
			seen[p.ID] = true
			if !(p.Loc[0] >= -180 && p.Loc[0] <= 180 && p.Loc[1] >= -90 && p.Loc[1] <= 90) {
				t.Fatalf("point %q at %v", p.ID, p.Loc)
			}
		}
	})
}
