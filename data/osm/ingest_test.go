package osm_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	posm "github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// buildSafely runs Build and turns a panic into a test failure.
func buildSafely(tb testing.TB, path string, p *osm.Profile) (g *graph.Graph, err error) {
	tb.Helper()
	defer func() {
		if r := recover(); r != nil {
			tb.Fatalf("Build(%s) panicked: %v", path, r)
		}
	}()
	return osm.Build(context.Background(), path, p, osm.Options{})
}

func builtin(tb testing.TB, name string) *osm.Profile {
	tb.Helper()
	p, err := osm.BuiltinProfile(name)
	if err != nil {
		tb.Fatalf("BuiltinProfile(%s) = %v", name, err)
	}
	return p
}

// noHighwayXML is a valid OSM file with nodes and three ways, none a road.
const noHighwayXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <node id="1" lat="42.50" lon="1.50"/>
 <node id="2" lat="42.51" lon="1.51"/>
 <node id="3" lat="42.52" lon="1.50"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="waterway" v="river"/></way>
 <way id="11"><nd ref="2"/><nd ref="3"/><tag k="building" v="yes"/></way>
 <way id="12"><nd ref="3"/><nd ref="1"/></way>
</osm>
`

// footwayOnlyXML has a road, but not one the drive profile routes.
const footwayOnlyXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <node id="1" lat="42.50" lon="1.50"/>
 <node id="2" lat="42.51" lon="1.51"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>
 <way id="11"><nd ref="1"/><nd ref="2"/><tag k="highway" v="service"/><tag k="access" v="private"/></way>
</osm>
`

func TestBuildBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pbf, err := os.ReadFile(shared.Path(t, "data", "andorra", "andorra.osm.pbf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		is      error
		mention []string
	}{
		{"missing file", filepath.Join(dir, "nowhere.osm.pbf"), os.ErrNotExist, []string{"nowhere.osm.pbf"}},
		{"empty file", write("empty.osm.pbf", nil), osm.ErrEmptyInput, []string{"empty.osm.pbf", "empty"}},
		{"text file", write("notes.osm.pbf", []byte("these are my notes, not a map\n")), osm.ErrNotOSM, []string{"notes.osm.pbf", "these are my"}},
		{"gzip file", write("andorra.osm.gz", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03 not really")), osm.ErrNotOSM, []string{"andorra.osm.gz"}},
		{"first half of a pbf", write("half.osm.pbf", pbf[:len(pbf)/2]), nil, []string{"half.osm.pbf", "truncated"}},
		{"pbf without its last byte", write("short.osm.pbf", pbf[:len(pbf)-1]), nil, []string{"short.osm.pbf", "truncated"}},
		{"pbf cut in its header", write("head.osm.pbf", pbf[:64]), nil, []string{"head.osm.pbf"}},
		{"xml without a highway", write("river.osm", []byte(noHighwayXML)), osm.ErrNoRoads, []string{"river.osm", "3 ways read", "0 with a highway tag"}},
		{"xml without a drivable road", write("paths.osm", []byte(footwayOnlyXML)), osm.ErrNoRoads, []string{"paths.osm", "2 ways read", "2 with a highway tag", "1 dropped by access"}},
		{"truncated xml", write("cut.osm", []byte(noHighwayXML[:len(noHighwayXML)/2])), nil, []string{"cut.osm"}},
		{"a directory", dir, nil, []string{dir, "directory"}},
	}
	drive := builtin(t, "drive")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := buildSafely(t, tt.path, drive)
			if err == nil || g != nil {
				t.Fatalf("Build(%s) = graph %t, %v; want an error and no graph", tt.path, g != nil, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Build(%s) = %v, want an error wrapping %v", tt.path, err, tt.is)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Build(%s) = %q, want it to mention %q", tt.path, err, m)
				}
			}
		})
	}
}

func TestBuildRefusesAnInvalidProfile(t *testing.T) {
	p := builtin(t, "drive")
	p.SpeedsKPH["residential"] = 0
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	if g, err := osm.Build(context.Background(), path, p, osm.Options{}); err == nil || g != nil || !strings.Contains(err.Error(), "residential") {
		t.Errorf("Build with a residential speed of 0 = graph %t, %v; want an error naming the class", g != nil, err)
	}
}

// footwayWays returns the ids of the ways tagged highway=footway in the PBF.
func footwayWays(tb testing.TB, path string) map[int64]bool {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := osmpbf.New(context.Background(), f, runtime.GOMAXPROCS(0))
	defer sc.Close()
	sc.SkipNodes, sc.SkipRelations = true, true
	ids := map[int64]bool{}
	for sc.Scan() {
		if w, ok := sc.Object().(*posm.Way); ok && w.Tags.Find("highway") == "footway" {
			ids[int64(w.ID)] = true
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return ids
}

// minTimes returns the graph's cheapest time for each ordered pair of OSM nodes.
func minTimes(g *graph.Graph) map[[2]int64]graph.Seconds {
	out := map[[2]int64]graph.Seconds{}
	for u := graph.NodeID(0); int(u) < g.NumNodes(); u++ {
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			k := [2]int64{g.OSMID(u), g.OSMID(g.Head(e))}
			if w, ok := out[k]; !ok || g.Weight(e) < w {
				out[k] = g.Weight(e)
			}
		}
	}
	return out
}

func TestWalkProfileOnAndorra(t *testing.T) {
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	drive, err := buildSafely(t, path, builtin(t, "drive"))
	if err != nil {
		t.Fatal(err)
	}
	walk, err := buildSafely(t, path, builtin(t, "walk"))
	if err != nil {
		t.Fatal(err)
	}
	if walk.NumNodes() <= drive.NumNodes() {
		t.Errorf("walk graph has %d nodes, drive %d; want more on foot", walk.NumNodes(), drive.NumNodes())
	}
	if walk.Meta().Profile != "walk" {
		t.Errorf("walk graph Meta().Profile = %q", walk.Meta().Profile)
	}

	footways := footwayWays(t, path)
	if len(footways) == 0 {
		t.Fatal("Andorra has no highway=footway way: the test data changed")
	}
	onFootways := func(g *graph.Graph) int {
		n := 0
		for e := graph.EdgeID(0); int(e) < g.NumEdges(); e++ {
			if footways[g.WayID(e)] {
				n++
			}
		}
		return n
	}
	if n := onFootways(walk); n == 0 {
		t.Errorf("no walk edge comes from one of the %d footways", len(footways))
	}
	if n := onFootways(drive); n != 0 {
		t.Errorf("%d drive edges come from footways, want none", n)
	}

	// 5 km/h on every edge, both ways: time × 5/3.6 m/s is the segment's length.
	const walkKPH = 5.0
	for u := graph.NodeID(0); int(u) < walk.NumNodes(); u++ {
		for e := walk.FirstEdge(u); e < walk.FirstEdge(u+1); e++ {
			v := walk.Head(e)
			lengthM := geo.Haversine(walk.Point(u), walk.Point(v))
			if got := float64(walk.Weight(e)) * walkKPH / 3.6; math.Abs(got-lengthM) > 1e-9 {
				t.Fatalf("walk edge %d->%d (way %d): %.12f s × 5 km/h = %.12f m, the segment is %.12f m",
					walk.OSMID(u), walk.OSMID(v), walk.WayID(e), float64(walk.Weight(e)), got, lengthM)
			}
			if _, ok := walk.Edge(v, u); !ok {
				t.Fatalf("walk edge %d->%d (way %d) has no way back", walk.OSMID(u), walk.OSMID(v), walk.WayID(e))
			}
		}
	}
}

func TestEmergencyProfileOnAndorra(t *testing.T) {
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	drive, err := buildSafely(t, path, builtin(t, "drive"))
	if err != nil {
		t.Fatal(err)
	}
	const factor = 1.25
	emP := builtin(t, "emergency")
	emP.SpeedFactor = factor
	// Barriers split roads at copies of their nodes (TestBarriers checks
	// them); this test compares the ways and speeds edge by edge.
	emP.Barriers = nil
	emP.TurnRestrictions = nil
	em, err := buildSafely(t, path, emP)
	if err != nil {
		t.Fatal(err)
	}
	// Same nodes: every drive node is in the emergency graph, in the same place.
	for u := graph.NodeID(0); int(u) < drive.NumNodes(); u++ {
		v, ok := em.Node(drive.OSMID(u))
		if !ok {
			t.Fatalf("drive node %d is not in the emergency graph", drive.OSMID(u))
		}
		if em.Point(v) != drive.Point(u) {
			t.Fatalf("node %d at %v in the emergency graph, %v in the drive graph", drive.OSMID(u), em.Point(v), drive.Point(u))
		}
	}
	// Every drive edge, 1.25 times faster.
	emTimes := minTimes(em)
	checked := 0
	for k, dt := range minTimes(drive) {
		et, ok := emTimes[k]
		if !ok {
			t.Fatalf("the emergency graph has no edge %d->%d", k[0], k[1])
		}
		want := float64(dt) / factor
		if math.Abs(float64(et)-want) > 1e-9*want {
			t.Fatalf("emergency edge %d->%d takes %.12f s, drive %.12f s / %g = %.12f s", k[0], k[1], float64(et), float64(dt), factor, want)
		}
		checked++
	}
	if checked < 1000 {
		t.Fatalf("compared only %d edges", checked)
	}
}

func TestLoadProfileRejects(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body string
		mention    string
	}{
		{"unknown key", `{"name":"x","speeds_kph":{"residential":20},"colour":"red"}`, "colour"},
		{"misspelt key", `{"name":"x","speed_kph":{"residential":20}}`, "speed_kph"},
		{"zero speed", `{"name":"x","speeds_kph":{"residential":20,"service":0}}`, "service"},
		{"negative speed", `{"name":"x","speeds_kph":{"residential":-5}}`, "residential"},
		{"no speeds", `{"name":"x"}`, "speeds_kph"},
		{"no name", `{"speeds_kph":{"residential":20}}`, "name"},
		{"negative speed factor", `{"name":"x","speeds_kph":{"residential":20},"speed_factor":-1}`, "speed_factor"},
		{"rule without values", `{"name":"x","speeds_kph":{"residential":20},"deny":[{"key":"access"}]}`, "rule"},
		{"speed as text", `{"name":"x","speeds_kph":{"residential":"20"}}`, "speeds_kph"},
		{"a stray brace after the profile", `{"name":"x","speeds_kph":{"residential":20}}}`, "after"},
		{"two profiles", `{"name":"x","speeds_kph":{"residential":20}} {"name":"y","speeds_kph":{"residential":30}}`, "after"},
		{"not JSON", `name: x`, "invalid"},
		{"empty file", ``, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			p, err := osm.LoadProfile(path)
			if err == nil || p != nil {
				t.Fatalf("LoadProfile(%s) = %+v, %v; want an error", tt.body, p, err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("LoadProfile(%s) = %q, want it to name the file %s", tt.body, err, path)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("LoadProfile(%s) = %q, want it to mention %q", tt.body, err, tt.mention)
			}
		})
	}
	missing := filepath.Join(dir, "missing.json")
	if _, err := osm.LoadProfile(missing); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("LoadProfile(%s) = %v, want a not-exist error naming the file", missing, err)
	}
}

func TestLoadProfileAccepts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slow.json")
	body := `{"name":"slow","speeds_kph":{"residential":12.5,"service":5},"use_maxspeed":false,"oneway":{"ignore":true},"speed_factor":0.8}`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := osm.LoadProfile(path)
	if err != nil {
		t.Fatalf("LoadProfile(%s) = %v", path, err)
	}
	if p.Name != "slow" || p.SpeedsKPH["residential"] != 12.5 || p.SpeedsKPH["service"] != 5 || p.UseMaxspeed || !p.Oneway.Ignore || p.SpeedFactor != 0.8 {
		t.Errorf("LoadProfile(%s) = %+v", path, p)
	}
	for _, name := range osm.ProfileNames() {
		if _, err := osm.BuiltinProfile(name); err != nil {
			t.Errorf("BuiltinProfile(%s) = %v", name, err)
		}
	}
	if _, err := osm.BuiltinProfile("bicycle"); err == nil || !strings.Contains(err.Error(), strings.Join(osm.ProfileNames(), ", ")) {
		t.Errorf("BuiltinProfile(bicycle) = %v, want an error listing the built-in profiles", err)
	}
}
