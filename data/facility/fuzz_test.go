package facility_test

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/facility"
)

var updatePointsCorpus = flag.Bool("update-points-corpus", false, "rewrite the FuzzParsePointsFormats seed files in testdata/fuzz/FuzzParsePointsFormats")

// pointsSeed is one seed of FuzzParsePointsFormats: a file name (which picks
// the format) and its content, and whether it parses.
type pointsSeed struct {
	name, in string
	ok       bool
}

// pointsSeeds are the checked-in seeds, by seed file name.
var pointsSeeds = map[string]pointsSeed{
	"csv-basic":              {"s.csv", "id,lon,lat\na,1,2\nb,-1.5,42.5\n", true},
	"csv-aliases-bom-quotes": {"s.csv", "\xEF\xBB\xBFid,name,lng,latitude\n\"a,1\",\"Station, \"\"north\"\"\",1.5,42.5\n", true},
	"csv-multiline-crlf":     {"s.csv", "id,name,x,y\r\na,\"two\r\nlines\",1.5,42.5\r\n\r\nb,one,1.6,42.6\r\n", true},
	"csv-osm-node":           {"s.csv", "id,lon,lat,osm_node_id\na,1.5,42.5,3535087415\nb,1.6,42.6,\n", true},
	"csv-unterminated-quote": {"s.csv", "id,lon,lAt \n\"", false}, // a panic once (FieldPos after a failed Read)
	"csv-duplicate-id":       {"s.csv", "id,lon,lat\na,1,2\na,1,3\n", false},
	"csv-bad-lat":            {"s.csv", "id,lon,lat\na,1,95\n", false},
	"geojson-points": {"s.geojson", `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","id":7,"properties":{"name":"A","team_size":20,"note":null},"geometry":{"type":"Point","coordinates":[1.5,42.5]}},` +
		`{"type":"Feature","properties":{"id":"b","osm_node_id":52},"geometry":{"type":"Point","coordinates":[-1,-2]}},` +
		`{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}`, true},
	"geojson-polygons": {"s.geojson", `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","properties":{"id":"p"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]],[[0.5,0.5],[1,0.5],[1,1],[0.5,0.5]]]}},` +
		`{"type":"Feature","properties":{"id":"m"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,1],[2,0]]]]}}]}`, true},
	"geojson-feature":    {"one.json", `{"type":"Feature","properties":{"id":"solo"},"geometry":{"type":"Point","coordinates":[1.5,42.5]}}`, true},
	"geojson-linestring": {"s.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`, false},
	"json-not-geojson":   {"sources.txt", `{"hello":"world"}`, false},
}

func corpusLine(s string) string { return fmt.Sprintf("string(%q)\n", s) }

// readCorpusStrings reads a `go test fuzz v1` file of string values.
func readCorpusStrings(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != "go test fuzz v1" {
		tb.Fatalf("%s is not a go test fuzz v1 file", path)
	}
	var out []string
	for _, l := range lines[1:] {
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "string("), ")"))
		if err != nil {
			tb.Fatalf("%s: %q: %v", path, l, err)
		}
		out = append(out, s)
	}
	return out
}

// TestParsePointsCorpus checks the checked-in seeds against pointsSeeds
// (rewrite them with -update-points-corpus) and that each parses or not as
// it should, so the fuzzer starts from both kinds of input.
func TestParsePointsCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParsePointsFormats")
	if *updatePointsCorpus {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for file, s := range pointsSeeds {
			body := "go test fuzz v1\n" + corpusLine(s.name) + corpusLine(s.in)
			if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for file, s := range pointsSeeds {
		got := readCorpusStrings(t, filepath.Join(dir, file))
		if len(got) != 2 || got[0] != s.name || got[1] != s.in {
			t.Errorf("seed %s = %q, want %q, %q (run with -update-points-corpus)", file, got, s.name, s.in)
			continue
		}
		if _, err := facility.ParsePoints(s.name, []byte(s.in)); (err == nil) != s.ok {
			t.Errorf("ParsePoints(seed %s) = %v, want success %t", file, err, s.ok)
		}
	}
}

// FuzzParsePointsFormats: ParsePoints never panics; it returns points or a
// *ParseError naming the file, and the points have unique non-empty ids,
// coordinates on the globe, and increasing line or feature numbers.
func FuzzParsePointsFormats(f *testing.F) {
	for _, s := range pointsSeeds {
		f.Add(s.name, s.in)
	}
	f.Fuzz(func(t *testing.T, name, in string) {
		pts, err := facility.ParsePoints(name, []byte(in))
		if err != nil {
			var pe *facility.ParseError
			if !errors.As(err, &pe) || pe.File != name {
				t.Fatalf("ParsePoints(%q) error %v (%T) is not a *ParseError naming the file", name, err, err)
			}
			if pts != nil {
				t.Fatalf("ParsePoints(%q) = %d points and the error %v", name, len(pts), err)
			}
			return
		}
		if len(pts) == 0 {
			t.Fatalf("ParsePoints(%q) = no points and no error", name)
		}
		seen := map[string]bool{}
		for i, p := range pts {
			if p.ID == "" || seen[p.ID] {
				t.Fatalf("point %d id %q is empty or repeated", i, p.ID)
			}
			seen[p.ID] = true
			lon, lat := p.Loc[0], p.Loc[1]
			if !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) || math.IsNaN(lon) || math.IsNaN(lat) {
				t.Fatalf("point %q at %v, off the globe", p.ID, p.Loc)
			}
			if p.Line < 1 || (i > 0 && p.Line <= pts[i-1].Line) {
				t.Fatalf("point %d (%q) from line or feature %d, after %d", i, p.ID, p.Line, pts[max(i-1, 0)].Line)
			}
			if p.Attrs == nil {
				t.Fatalf("point %q has nil Attrs", p.ID)
			}
		}
	})
}
