package osm_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

func TestBuildRefusesBadInput(t *testing.T) {
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
	noRoads := `<?xml version="1.0"?><osm version="0.6">
 <node id="1" lat="42.5" lon="1.5"/><node id="2" lat="42.51" lon="1.51"/>
 <way id="10"><nd ref="1"/><nd ref="2"/><tag k="waterway" v="river"/></way>
 <way id="11"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way></osm>`
	tests := []struct {
		name, path string
		is         error
		mention    []string
	}{
		{"missing", filepath.Join(dir, "nope.osm.pbf"), os.ErrNotExist, []string{"nope.osm.pbf"}},
		{"empty", write("empty.osm.pbf", nil), osm.ErrEmptyInput, []string{"empty.osm.pbf"}},
		{"not osm", write("notes.osm.pbf", []byte("these are my notes, not a map\n")), osm.ErrNotOSM, []string{"notes.osm.pbf"}},
		{"truncated", write("half.osm.pbf", pbf[:len(pbf)/2]), nil, []string{"half.osm.pbf"}},
		{"no roads", write("river.osm", []byte(noRoads)), osm.ErrNoRoads, []string{"river.osm", "2 ways read"}},
		{"folder", dir, nil, []string{"directory"}},
	}
	p, _ := osm.BuiltinProfile("drive")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := osm.Build(context.Background(), tt.path, p, osm.Options{})
			if err == nil || g != nil {
				t.Fatalf("Build = %v, %v; want an error", g, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Build error %v is not %v", err, tt.is)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Build error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestWalkAndEmergencyProfiles(t *testing.T) {
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	drive := buildDrive(t, path)
	walkP, _ := osm.BuiltinProfile("walk")
	walk, err := osm.Build(context.Background(), path, walkP, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if walk.NumNodes() <= drive.NumNodes() {
		t.Errorf("walk graph has %d nodes, drive %d: footways should add nodes", walk.NumNodes(), drive.NumNodes())
	}
	// Walking is two-way at 5 km/h: every edge's time is its length at 1.389 m/s.
	for u := 0; u < walk.NumNodes(); u += 97 {
		for e := walk.FirstEdge(uint32ID(u)); e < walk.FirstEdge(uint32ID(u+1)); e++ {
			v := walk.Head(e)
			if _, ok := walk.Edge(v, uint32ID(u)); !ok {
				t.Fatalf("walk edge %d->%d has no way back", u, v)
			}
			lengthM := haversine(walk.Point(uint32ID(u)), walk.Point(v))
			if got := float64(walk.Weight(e)) * 5 / 3.6; abs(got-lengthM) > 1e-6 {
				t.Fatalf("walk edge %d->%d: %.6f m at 5 km/h, the segment is %.6f m", u, v, got, lengthM)
			}
		}
	}
	emP, _ := osm.BuiltinProfile("emergency")
	emP.SpeedFactor = 1.25
	emP.Barriers = nil         // they split roads at copies of nodes: TestBarriers
	emP.TurnRestrictions = nil // they split via nodes: TestTurnRestrictions
	em, err := osm.Build(context.Background(), path, emP, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if em.NumNodes() < drive.NumNodes() {
		t.Fatalf("emergency graph has fewer nodes (%d) than drive (%d)", em.NumNodes(), drive.NumNodes())
	}
	checked := 0
	for u := 0; u < drive.NumNodes(); u++ {
		du := uint32ID(u)
		eu, ok := em.Node(drive.OSMID(du))
		if !ok {
			t.Fatalf("drive node %d not in the emergency graph", drive.OSMID(du))
		}
		for e := drive.FirstEdge(du); e < drive.FirstEdge(du+1); e++ {
			ev, _ := em.Node(drive.OSMID(drive.Head(e)))
			ee, ok := em.Edge(eu, ev)
			if !ok {
				t.Fatalf("emergency graph lacks drive edge %d->%d", drive.OSMID(du), drive.OSMID(drive.Head(e)))
			}
			dw, _ := drive.Edge(du, drive.Head(e))
			want := float64(drive.Weight(dw)) / 1.25
			if got := float64(em.Weight(ee)); abs(got-want) > 1e-9*want+1e-12 {
				t.Fatalf("emergency edge time %.9f, drive / 1.25 = %.9f", got, want)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no edge compared")
	}
}

func TestLoadProfileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown-key.json": `{"name":"x","speeds_kph":{"residential":20},"colour":"red"}`,
		"zero-speed.json":  `{"name":"x","speeds_kph":{"residential":0}}`,
		"no-speeds.json":   `{"name":"x"}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := osm.LoadProfile(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("LoadProfile(%s) = %v, want an error naming the file", name, err)
		}
	}
	if _, err := osm.BuiltinProfile("bicycle"); err == nil || !strings.Contains(err.Error(), "drive") {
		t.Errorf("BuiltinProfile(bicycle) = %v, want an error listing the profiles", err)
	}
}

func uint32ID(i int) graph.NodeID      { return graph.NodeID(i) }
func haversine(a, b orb.Point) float64 { return geo.Haversine(a, b) }
func abs(x float64) float64            { return math.Abs(x) }
