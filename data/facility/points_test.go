package facility_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/data/facility"
)

// pt is a wanted point; Attrs nil means no attributes.
func pt(id string, lon, lat float64, line int, attrs map[string]string) facility.Point {
	return facility.Point{ID: id, Loc: orb.Point{lon, lat}, Line: line, Attrs: attrs}
}

func pinned(p facility.Point, osmNode int64) facility.Point {
	p.OSMNode = osmNode
	return p
}

// samePoints fails tb unless got and want hold the same points in order.
func samePoints(tb testing.TB, call string, got, want []facility.Point) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%s = %d points %+v, want %d %+v", call, len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Loc != w.Loc || g.OSMNode != w.OSMNode || g.Line != w.Line || !maps.Equal(g.Attrs, w.Attrs) {
			tb.Errorf("%s point %d = %+v, want %+v", call, i, g, w)
		}
	}
}

func TestParseCSVPoints(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []facility.Point
	}{
		{
			name: "extra columns are attributes",
			in:   "id,name,lon,lat,team_size\nnorth,Station North,14.5,35.9,30\nsouth,Kordin,14.51,35.88,12\n",
			want: []facility.Point{
				pt("north", 14.5, 35.9, 2, map[string]string{"name": "Station North", "team_size": "30"}),
				pt("south", 14.51, 35.88, 3, map[string]string{"name": "Kordin", "team_size": "12"}),
			},
		},
		{
			name: "lng and latitude",
			in:   "id,lng,latitude\na,1.5,42.5\n",
			want: []facility.Point{pt("a", 1.5, 42.5, 2, nil)},
		},
		{
			name: "longitude and lat",
			in:   "lat,longitude,id\n42.5,1.5,a\n",
			want: []facility.Point{pt("a", 1.5, 42.5, 2, nil)},
		},
		{
			name: "x and y",
			in:   "id,x,y\na,-1.5,-42.5\n",
			want: []facility.Point{pt("a", -1.5, -42.5, 2, nil)},
		},
		{
			name: "header case and spaces",
			in:   " ID , Lon , LAT \n a ,1.5 , 42.5\n",
			want: []facility.Point{pt("a", 1.5, 42.5, 2, nil)},
		},
		{
			name: "byte order mark",
			in:   "\xEF\xBB\xBFid,lon,lat\na,1.5,42.5\n",
			want: []facility.Point{pt("a", 1.5, 42.5, 2, nil)},
		},
		{
			name: "quoted fields",
			in:   "id,name,lon,lat\n\"a,1\",\"Station, \"\"north\"\"\",\"1.5\",42.5\n",
			want: []facility.Point{pt("a,1", 1.5, 42.5, 2, map[string]string{"name": `Station, "north"`})},
		},
		{
			name: "a quoted field over two lines",
			in:   "id,name,lon,lat\na,\"two\nlines\",1.5,42.5\nb,one,1.6,42.6\n",
			want: []facility.Point{
				pt("a", 1.5, 42.5, 2, map[string]string{"name": "two\nlines"}),
				pt("b", 1.6, 42.6, 4, map[string]string{"name": "one"}),
			},
		},
		{
			name: "crlf and blank lines",
			in:   "id,lon,lat\r\n\r\na,1.5,42.5\r\n\r\nb,1.6,42.6\r\n",
			want: []facility.Point{pt("a", 1.5, 42.5, 3, nil), pt("b", 1.6, 42.6, 5, nil)},
		},
		{
			name: "osm_node_id pins, an empty cell does not",
			in:   "id,lon,lat,osm_node_id\na,1.5,42.5,3535087415\nb,1.6,42.6,\nc,1.7,42.7, 52 \n",
			want: []facility.Point{
				pinned(pt("a", 1.5, 42.5, 2, nil), 3535087415),
				pt("b", 1.6, 42.6, 3, nil),
				pinned(pt("c", 1.7, 42.7, 4, nil), 52),
			},
		},
		{
			name: "the edges of the world",
			in:   "id,lon,lat\nw,-180,-90\ne,180,90\n",
			want: []facility.Point{pt("w", -180, -90, 2, nil), pt("e", 180, 90, 3, nil)},
		},
		{
			name: "no trailing newline",
			in:   "id,lon,lat\na,1.5,42.5",
			want: []facility.Point{pt("a", 1.5, 42.5, 2, nil)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := facility.ParsePoints("bases.csv", []byte(tt.in))
			if err != nil {
				t.Fatalf("ParsePoints(%q) = %v", tt.in, err)
			}
			for i := range tt.want {
				if tt.want[i].Attrs == nil {
					tt.want[i].Attrs = map[string]string{}
				}
			}
			samePoints(t, "ParsePoints", got, tt.want)
		})
	}
}

func TestParseGeoJSONPoints(t *testing.T) {
	const point12 = `"geometry":{"type":"Point","coordinates":[1,2]}`
	tests := []struct {
		name, file, in string
		want           []facility.Point
	}{
		{
			name: "points with properties",
			file: "s.geojson",
			in: `{"type":"FeatureCollection","features":[
				{"type":"Feature","properties":{"id":"north","name":"A","team_size":20,"share":2.5,"open":true,"note":null},"geometry":{"type":"Point","coordinates":[1.5,42.5]}},
				{"type":"Feature","properties":{"id":"south"},"geometry":{"type":"Point","coordinates":[-1.25,-42.75]}}]}`,
			want: []facility.Point{
				pt("north", 1.5, 42.5, 1, map[string]string{"name": "A", "team_size": "20", "share": "2.5", "open": "true"}),
				pt("south", -1.25, -42.75, 2, nil),
			},
		},
		{
			name: "polygon at its centroid",
			file: "s.geojson",
			in: `{"type":"FeatureCollection","features":[
				{"type":"Feature","properties":{"id":"square"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}},
				{"type":"Feature","properties":{"id":"triangle"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[3,0],[0,3],[0,0]]]}},
				{"type":"Feature","properties":{"id":"two squares"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,1],[2,0]]]]}}]}`,
			want: []facility.Point{pt("square", 1, 1, 1, nil), pt("triangle", 1, 1, 2, nil), pt("two squares", 1.5, 0.5, 3, nil)},
		},
		{
			name: "a footprint without area at the middle of its extent",
			file: "s.geojson",
			in: `{"type":"FeatureCollection","features":[
				{"type":"Feature","properties":{"id":"flat"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,2],[1,1],[0,0]]]}},
				{"type":"Feature","properties":{"id":"flat multi"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[2,2],[1,1],[0,0]]]]}},
				{"type":"Feature","properties":{"id":"one point"},"geometry":{"type":"MultiPolygon","coordinates":[[[[5,6],[5,6],[5,6],[5,6]]]]}}]}`,
			want: []facility.Point{pt("flat", 1, 1, 1, nil), pt("flat multi", 1, 1, 2, nil), pt("one point", 5, 6, 3, nil)},
		},
		{
			name: "ids from properties, feature id, or the feature number",
			file: "s.geojson",
			in: `{"type":"FeatureCollection","features":[
				{"type":"Feature","id":"f-1","properties":{"id":"from-properties"},` + point12 + `},
				{"type":"Feature","id":"from-feature","properties":{},` + point12 + `},
				{"type":"Feature","id":12,"properties":{},` + point12 + `},
				{"type":"Feature","properties":{"id":7},` + point12 + `},
				{"type":"Feature","properties":{},` + point12 + `},
				{"type":"Feature","properties":{"id":""},` + point12 + `}]}`,
			want: []facility.Point{
				pt("from-properties", 1, 2, 1, nil), pt("from-feature", 1, 2, 2, nil), pt("12", 1, 2, 3, nil),
				pt("7", 1, 2, 4, nil), pt("#5", 1, 2, 5, nil), pt("#6", 1, 2, 6, nil),
			},
		},
		{
			name: "a null id is no id",
			file: "s.geojson",
			in:   `{"type":"FeatureCollection","features":[{"type":"Feature","id":"f","properties":{"id":null},` + point12 + `},{"type":"Feature","properties":{"id":null},` + point12 + `}]}`,
			want: []facility.Point{pt("f", 1, 2, 1, nil), pt("#2", 1, 2, 2, nil)},
		},
		{
			name: "osm_node_id pins",
			file: "s.geojson",
			in:   `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a","osm_node_id":3535087415},` + point12 + `},{"type":"Feature","properties":{"id":"b","osm_node_id":null},` + point12 + `}]}`,
			want: []facility.Point{pinned(pt("a", 1, 2, 1, nil), 3535087415), pt("b", 1, 2, 2, nil)},
		},
		{
			name: "a single feature",
			file: "one.json",
			in:   `{"type":"Feature","properties":{"id":"solo"},"geometry":{"type":"Point","coordinates":[1.5,42.5]}}`,
			want: []facility.Point{pt("solo", 1.5, 42.5, 1, nil)},
		},
		{
			name: "JSON content whatever the name",
			file: "sources.txt",
			in:   "\xEF\xBB\xBF  " + `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},` + point12 + `}]}`,
			want: []facility.Point{pt("a", 1, 2, 1, nil)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := facility.ParsePoints(tt.file, []byte(tt.in))
			if err != nil {
				t.Fatalf("ParsePoints(%s) = %v", tt.file, err)
			}
			for i := range tt.want {
				if tt.want[i].Attrs == nil {
					tt.want[i].Attrs = map[string]string{}
				}
			}
			samePoints(t, "ParsePoints("+tt.file+")", got, tt.want)
		})
	}
}

func TestParsePointsRefusals(t *testing.T) {
	const fc = `{"type":"FeatureCollection","features":[`
	const point12 = `"geometry":{"type":"Point","coordinates":[1,2]}`
	tests := []struct {
		name, file, in string
		line, feature  int
		is             error
		mention        []string
	}{
		{"lon not a number", "s.csv", "id,lon,lat\na,1,2\nb,east,2\n", 3, 0, facility.ErrBadValue, []string{"s.csv:3", "lon", "east"}},
		{"lon NaN", "s.csv", "id,lon,lat\na,NaN,2\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "lon"}},
		{"lon infinite", "s.csv", "id,lon,lat\na,Inf,2\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "lon"}},
		{"lon 180.5", "s.csv", "id,lon,lat\na,180.5,2\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "lon"}},
		{"lat 95", "s.csv", "id,lon,lat\na,1,95\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "lat", "95"}},
		{"lat empty", "s.csv", "id,lon,lat\na,1,\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "lat"}},
		{"no id column", "s.csv", "name,lon,lat\na,1,2\n", 1, 0, facility.ErrBadValue, []string{"s.csv:1", "no id column"}},
		{"no coordinate columns", "s.csv", "id,east,north\na,1,2\n", 1, 0, facility.ErrBadValue, []string{"s.csv:1", "lon, lat"}},
		{"empty id", "s.csv", "id,lon,lat\na,1,2\n  ,1,2\n", 3, 0, facility.ErrBadValue, []string{"s.csv:3", "empty id"}},
		{"duplicate id", "s.csv", "id,lon,lat\na,1,2\nb,1,2\na,1,3\n", 4, 0, facility.ErrDuplicateID, []string{"s.csv:4", "line 2", `"a"`}},
		{"too many fields", "s.csv", "id,lon,lat\na,1,2,3\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "4 fields", "3"}},
		{"too few fields", "s.csv", "id,lon,lat\na,1,2\nb,1\n", 3, 0, facility.ErrBadValue, []string{"s.csv:3", "2 fields"}},
		{"bad osm_node_id", "s.csv", "id,lon,lat,osm_node_id\na,1,2,node/5\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "osm_node_id"}},
		{"osm_node_id 0", "s.csv", "id,lon,lat,osm_node_id\na,1,2,0\n", 2, 0, facility.ErrBadValue, []string{"s.csv:2", "osm_node_id"}},
		{"unterminated quote", "s.csv", "id,lon,lat\na,1,2\n\"b,1,2\n", 3, 0, nil, []string{"s.csv:3", "quote"}},
		{"empty file", "s.csv", "", 0, 0, facility.ErrNoPoints, []string{"s.csv", "empty"}},
		{"only spaces", "s.csv", " \n\t\n", 0, 0, facility.ErrNoPoints, []string{"s.csv", "empty"}},
		{"only a byte order mark", "s.csv", "\xEF\xBB\xBF", 0, 0, facility.ErrNoPoints, []string{"empty"}},
		{"header only", "s.csv", "id,lon,lat\n", 0, 0, facility.ErrNoPoints, []string{"s.csv", "no rows"}},
		{"empty geojson file", "s.geojson", "", 0, 0, facility.ErrNoPoints, []string{"s.geojson", "empty"}},
		{"LineString", "s.geojson", fc + `{"type":"Feature","properties":{"id":"a"},` + point12 + `},{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`, 0, 2, facility.ErrBadValue, []string{"s.geojson: feature 2", "LineString"}},
		{"MultiPoint", "s.geojson", fc + `{"type":"Feature","properties":{},"geometry":{"type":"MultiPoint","coordinates":[[0,0],[1,1]]}}]}`, 0, 1, facility.ErrBadValue, []string{"feature 1", "MultiPoint"}},
		{"no geometry", "s.geojson", fc + `{"type":"Feature","properties":{"id":"a"},` + point12 + `},{"type":"Feature","properties":{"id":"b"},"geometry":null}]}`, 0, 2, facility.ErrBadValue, []string{"feature 2", "no geometry"}},
		{"empty polygon", "s.geojson", fc + `{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[]}}]}`, 0, 1, facility.ErrBadValue, []string{"feature 1", "empty"}},
		{"polygon of empty rings", "s.geojson", fc + `{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"MultiPolygon","coordinates":[[[]]]}}]}`, 0, 1, facility.ErrBadValue, []string{"feature 1", "empty"}},
		{"point outside the world", "s.geojson", fc + `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[200,10]}}]}`, 0, 1, facility.ErrBadValue, []string{"feature 1", "outside"}},
		{"duplicate id", "s.geojson", fc + `{"type":"Feature","properties":{"id":"a"},` + point12 + `},{"type":"Feature","id":"a","properties":{},` + point12 + `}]}`, 0, 2, facility.ErrDuplicateID, []string{"feature 2", "first in feature 1"}},
		{"bad osm_node_id", "s.geojson", fc + `{"type":"Feature","properties":{"osm_node_id":"n5"},` + point12 + `}]}`, 0, 1, facility.ErrBadValue, []string{"feature 1", "osm_node_id"}},
		{"no features", "s.geojson", fc + `]}`, 0, 0, facility.ErrNoPoints, []string{"s.geojson", "no features"}},
		{"JSON that is not GeoJSON", "s.geojson", `{"hello":"world"}`, 0, 0, facility.ErrBadValue, []string{"s.geojson", "not GeoJSON"}},
		{"a JSON array", "s.json", `[1,2,3]`, 0, 0, facility.ErrBadValue, []string{"s.json", "not GeoJSON"}},
		{"a bare geometry", "s.geojson", `{"type":"Point","coordinates":[1,2]}`, 0, 0, facility.ErrBadValue, []string{"not GeoJSON"}},
		{"broken JSON", "s.geojson", fc + `{"type":"Feature"`, 0, 0, facility.ErrBadValue, []string{"not GeoJSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts, err := facility.ParsePoints(tt.file, []byte(tt.in))
			if err == nil || pts != nil {
				t.Fatalf("ParsePoints(%s, %q) = %d points, %v; want no points and an error", tt.file, tt.in, len(pts), err)
			}
			var pe *facility.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePoints(%s) = %v (%T), want a *ParseError", tt.file, err, err)
			}
			if pe.File != tt.file || pe.Line != tt.line || pe.Feature != tt.feature {
				t.Errorf("ParsePoints(%s) error at file %q line %d feature %d, want %q line %d feature %d (%v)",
					tt.file, pe.File, pe.Line, pe.Feature, tt.file, tt.line, tt.feature, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("ParsePoints(%s) = %v, want an error wrapping %v", tt.file, err, tt.is)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("ParsePoints(%s) = %q, want it to mention %q", tt.file, err, m)
				}
			}
		})
	}
}

func TestReadPoints(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csvPath := write("bases.csv", "id,lon,lat\na,1.5,42.5\n")
	geoPath := write("bases.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"g"},"geometry":{"type":"Point","coordinates":[1.5,42.5]}}]}`)
	badPath := write("bad.csv", "id,lon,lat\na,1.5,north\n")

	got, err := facility.ReadPoints(csvPath)
	if err != nil {
		t.Fatalf("ReadPoints(%s) = %v", csvPath, err)
	}
	samePoints(t, "ReadPoints(bases.csv)", got, []facility.Point{pt("a", 1.5, 42.5, 2, map[string]string{})})
	got, err = facility.ReadPoints(geoPath)
	if err != nil {
		t.Fatalf("ReadPoints(%s) = %v", geoPath, err)
	}
	samePoints(t, "ReadPoints(bases.geojson)", got, []facility.Point{pt("g", 1.5, 42.5, 1, map[string]string{})})

	_, err = facility.ReadPoints(badPath)
	var pe *facility.ParseError
	if !errors.As(err, &pe) || pe.File != badPath || pe.Line != 2 || !strings.Contains(err.Error(), badPath+":2") {
		t.Errorf("ReadPoints(%s) = %v, want a *ParseError at %s:2", badPath, err, badPath)
	}

	missing := filepath.Join(dir, "missing.csv")
	if _, err := facility.ReadPoints(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadPoints(%s) = %v, want a not-exist error naming the file", missing, err)
	}
	if _, err := facility.ReadPoints(dir); err == nil {
		t.Errorf("ReadPoints(a folder) = nil error")
	}
}
