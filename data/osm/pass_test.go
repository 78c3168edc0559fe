package osm_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// sameGraph fails unless a and b have the same nodes (ids, points), edges
// (heads, weights, ways), source and statistics: everything but the time
// they were built.
func sameGraph(tb testing.TB, name string, a, b *graph.Graph) {
	tb.Helper()
	if a.NumNodes() != b.NumNodes() || a.NumEdges() != b.NumEdges() || a.NumWays() != b.NumWays() {
		tb.Fatalf("%s: %d nodes, %d edges, %d ways; want %d, %d, %d", name, b.NumNodes(), b.NumEdges(), b.NumWays(), a.NumNodes(), a.NumEdges(), a.NumWays())
	}
	for v := range a.NumNodes() {
		id := graph.NodeID(v)
		if a.OSMID(id) != b.OSMID(id) || a.Point(id) != b.Point(id) {
			tb.Fatalf("%s: node %d is %d at %v, want %d at %v", name, v, b.OSMID(id), b.Point(id), a.OSMID(id), a.Point(id))
		}
	}
	ao, at, aw := a.CSR()
	bo, bt, bw := b.CSR()
	if !slices.Equal(ao, bo) || !slices.Equal(at, bt) || !slices.Equal(aw, bw) {
		tb.Fatalf("%s: the edges differ", name)
	}
	for e := range a.NumEdges() {
		if a.WayID(graph.EdgeID(e)) != b.WayID(graph.EdgeID(e)) {
			tb.Fatalf("%s: edge %d is of way %d, want %d", name, e, b.WayID(graph.EdgeID(e)), a.WayID(graph.EdgeID(e)))
		}
	}
	am, bm := a.Meta(), b.Meta()
	if am.SourceSHA256 != bm.SourceSHA256 || am.SourceBytes != bm.SourceBytes || !reflect.DeepEqual(am.Stats, bm.Stats) {
		tb.Fatalf("%s: meta %s %d %v, want %s %d %v", name, bm.SourceSHA256, bm.SourceBytes, bm.Stats, am.SourceSHA256, am.SourceBytes, am.Stats)
	}
}

// One pass serving many extractions gives each what it gives alone.
func TestReaderOnePassAndorra(t *testing.T) {
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	ctx := context.Background()
	drive, walk := builtin(t, "drive"), builtin(t, "walk")
	em := builtin(t, "emergency") // barriers: node tags in the same pass
	parishes := []osm.TagMatch{{Key: "admin_level", Value: "7"}}
	buildings := []osm.TagMatch{{Key: "building", Value: "*"}}
	stations := []osm.TagMatch{{Key: "amenity", Value: "fire_station"}}

	r := osm.NewReader(path, osm.Options{TempDir: t.TempDir()})
	gDrive, gWalk, gEm := r.Graph(drive), r.Graph(walk), r.Graph(em)
	aParish, aBuild := r.Areas(parishes), r.Areas(buildings)
	fStations := r.Features(stations)
	bm := r.Basemap()
	if err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		p    *osm.Profile
		res  *osm.Result[*graph.Graph]
	}{{"drive", drive, gDrive}, {"walk", walk, gWalk}, {"emergency", em, gEm}} {
		want, err := osm.Build(ctx, path, c.p, osm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.res.Get()
		if err != nil {
			t.Fatal(err)
		}
		sameGraph(t, c.name, want, got)
	}
	if s := mustGet(t, gEm).Meta().Stats; s["barriers_applied"] == 0 {
		t.Errorf("emergency graph applied no barrier: %v", s)
	}
	for _, c := range []struct {
		name    string
		filters []osm.TagMatch
		res     *osm.Result[osm.AreaSet]
		least   int
	}{{"parishes", parishes, aParish, 7}, {"buildings", buildings, aBuild, 1000}} {
		areas, problems, err := osm.ExtractAreas(ctx, path, c.filters, osm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := mustGet(t, c.res)
		if len(got.Areas) < c.least || !reflect.DeepEqual(got.Areas, areas) || !reflect.DeepEqual(got.Problems, problems) {
			t.Errorf("%s: %d areas, %d problems in the shared pass; alone %d, %d", c.name, len(got.Areas), len(got.Problems), len(areas), len(problems))
		}
	}
	feats, err := osm.ExtractFeatures(ctx, path, stations, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, fStations); len(got) == 0 || !reflect.DeepEqual(got, feats) {
		t.Errorf("fire stations: %d in the shared pass, %d alone", len(got), len(feats))
	}
	alone, err := osm.ExtractBasemap(ctx, path, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, bm); len(got.Roads) == 0 || !reflect.DeepEqual(got, alone) {
		t.Errorf("base map: %d roads, %d buildings shared; alone %d, %d", len(got.Roads), len(got.Buildings), len(alone.Roads), len(alone.Buildings))
	}
}

func mustGet[T any](tb testing.TB, r *osm.Result[T]) T {
	tb.Helper()
	v, err := r.Get()
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// sortedXML is barrierXML's network with a multipolygon; unsortedXML is the
// same file with the relation first, the ways next and the nodes last in
// falling id order, and node 8 listed twice: first misplaced, then where it
// is (the later one wins, as it always did).
const sortedXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <node id="1" lat="42.500" lon="1.500"/>
 <node id="2" lat="42.501" lon="1.500"><tag k="barrier" v="bollard"/></node>
 <node id="3" lat="42.502" lon="1.500"/>
 <node id="8" lat="42.507" lon="1.500"/>
 <node id="30" lat="42.501" lon="1.501"/>
 <node id="31" lat="42.502" lon="1.502"/>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="8"/><tag k="highway" v="residential"/></way>
 <way id="102"><nd ref="2"/><nd ref="30"/><tag k="highway" v="service"/><tag k="amenity" v="parking"/></way>
 <way id="103"><nd ref="1"/><nd ref="30"/><nd ref="31"/></way>
 <way id="104"><nd ref="31"/><nd ref="3"/><nd ref="1"/></way>
 <relation id="200"><member type="way" ref="103" role="outer"/><member type="way" ref="104" role="outer"/><tag k="type" v="multipolygon"/><tag k="landuse" v="forest"/></relation>
</osm>
`

const unsortedXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <relation id="200"><member type="way" ref="103" role="outer"/><member type="way" ref="104" role="outer"/><tag k="type" v="multipolygon"/><tag k="landuse" v="forest"/></relation>
 <way id="104"><nd ref="31"/><nd ref="3"/><nd ref="1"/></way>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="8"/><tag k="highway" v="residential"/></way>
 <way id="103"><nd ref="1"/><nd ref="30"/><nd ref="31"/></way>
 <way id="102"><nd ref="2"/><nd ref="30"/><tag k="highway" v="service"/><tag k="amenity" v="parking"/></way>
 <node id="8" lat="10.0" lon="10.0"/>
 <node id="31" lat="42.502" lon="1.502"/>
 <node id="30" lat="42.501" lon="1.501"/>
 <node id="8" lat="42.507" lon="1.500"/>
 <node id="3" lat="42.502" lon="1.500"/>
 <node id="2" lat="42.501" lon="1.500"><tag k="barrier" v="bollard"/></node>
 <node id="1" lat="42.500" lon="1.500"/>
</osm>
`

// A file in any order (hand-made XML) reads as the sorted one does.
func TestReaderUnsortedFile(t *testing.T) {
	dir := t.TempDir()
	type out struct {
		g     *graph.Graph
		areas osm.AreaSet
		feats []osm.Feature
	}
	read := func(name, body string) out {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		r := osm.NewReader(p, osm.Options{TempDir: dir})
		g := r.Graph(builtin(t, "emergency"))
		a := r.Areas([]osm.TagMatch{{Key: "landuse", Value: "*"}})
		f := r.Features([]osm.TagMatch{{Key: "amenity", Value: "parking"}})
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return out{mustGet(t, g), mustGet(t, a), mustGet(t, f)}
	}
	want, got := read("sorted.osm", sortedXML), read("unsorted.osm", unsortedXML)
	if want.g.NumNodes() != 7 || len(want.areas.Areas) != 1 || len(want.feats) != 1 {
		t.Fatalf("sorted file: %d nodes, %d areas, %d features; want 7 (5 and two copies of the bollard), 1, 1", want.g.NumNodes(), len(want.areas.Areas), len(want.feats))
	}
	if want.g.Meta().Stats["barriers_applied"] != 1 {
		t.Errorf("sorted file: stats %v, want the bollard applied", want.g.Meta().Stats)
	}
	for v := range got.g.NumNodes() {
		if got.g.OSMID(graph.NodeID(v)) == 8 && got.g.Point(graph.NodeID(v))[1] != 42.507 {
			t.Errorf("node 8 at %v: the later of its two records should win", got.g.Point(graph.NodeID(v)))
		}
	}
	if gs, ws := got.g.Meta().Stats, want.g.Meta().Stats; !reflect.DeepEqual(gs, ws) {
		t.Errorf("stats %v, want %v", gs, ws)
	}
	ao, at, aw := want.g.CSR()
	bo, bt, bw := got.g.CSR()
	if !slices.Equal(ao, bo) || !slices.Equal(at, bt) || !slices.Equal(aw, bw) {
		t.Errorf("the unsorted file's graph differs")
	}
	if !reflect.DeepEqual(got.areas, want.areas) || !reflect.DeepEqual(got.feats, want.feats) {
		t.Errorf("unsorted file: areas %v, features %v; want %v, %v", got.areas, got.feats, want.areas, want.feats)
	}
}

// The node index lives in TempDir while the pass runs, unlinked from the
// start, and nothing is left after success or cancellation.
func TestReaderLeavesNoTempFiles(t *testing.T) {
	path := shared.Path(t, "data", "malta", "malta-latest.osm.pbf")
	dir := t.TempDir()
	names := func() []string {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, e := range es {
			n = append(n, e.Name())
		}
		return n
	}
	var during []string
	calls := 0
	_, err := osm.Build(context.Background(), path, builtin(t, "drive"), osm.Options{TempDir: dir, Progress: func(_ int, done, total int64) {
		if calls++; calls == 2 {
			during = names()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls < 2 {
		t.Fatalf("progress called %d times", calls)
	}
	if len(during) > 0 || len(names()) > 0 {
		t.Errorf("temporary files: %v while building, %v after", during, names())
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = osm.Build(ctx, path, builtin(t, "drive"), osm.Options{TempDir: dir, Progress: func(_ int, done, total int64) {
		if done > total/2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build = %v, want context.Canceled", err)
	}
	if n := names(); len(n) > 0 {
		t.Errorf("a cancelled build left %v", n)
	}
	_, err = osm.Build(context.Background(), path, builtin(t, "drive"), osm.Options{TempDir: filepath.Join(dir, "nope")})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("build with a missing temp dir = %v, want an error naming it", err)
	}
}

// A prefetch serves the later calls without reading the file again (it is
// gone by then), each as many times as planned, with what they read alone.
func TestPrefetchServesLaterCalls(t *testing.T) {
	src := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "andorra.osm.pbf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	drive := builtin(t, "drive")
	buildings := []osm.TagMatch{{Key: "building", Value: "*"}}
	stations := []osm.TagMatch{{Key: "amenity", Value: "fire_station"}}
	wantG, err := osm.Build(ctx, path, drive, osm.Options{Generator: "test"})
	if err != nil {
		t.Fatal(err)
	}
	wantA, wantP, err := osm.ExtractAreas(ctx, path, buildings, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantF, err := osm.ExtractFeatures(ctx, path, stations, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}

	f := osm.NewPrefetch(path, osm.Options{})
	f.Graph(builtin(t, "drive"), "test")
	f.Areas(buildings)
	f.Areas(buildings) // two users
	f.Features(stations)
	if err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	pctx := osm.WithPrefetch(ctx, f)
	g, err := osm.Build(pctx, path, builtin(t, "drive"), osm.Options{Generator: "test"})
	if err != nil {
		t.Fatal(err)
	}
	sameGraph(t, "prefetched drive", wantG, g)
	for i := range 2 {
		a, p, err := osm.ExtractAreas(pctx, path, buildings, osm.Options{})
		if err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
		if !reflect.DeepEqual(a, wantA) || !reflect.DeepEqual(p, wantP) {
			t.Errorf("use %d: %d buildings, %d problems; alone %d, %d", i+1, len(a), len(p), len(wantA), len(wantP))
		}
	}
	feats, err := osm.ExtractFeatures(pctx, path, stations, osm.Options{})
	if err != nil || !reflect.DeepEqual(feats, wantF) {
		t.Errorf("prefetched features = %d, %v; alone %d", len(feats), err, len(wantF))
	}
	// Not planned, or used up: the file is read (and is gone).
	if _, _, err := osm.ExtractAreas(pctx, path, buildings, osm.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a third use of a twice-planned extraction = %v, want the file read again", err)
	}
	if _, err := osm.Build(pctx, path, builtin(t, "walk"), osm.Options{Generator: "test"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an unplanned graph = %v, want the file read", err)
	}
}

// Ways that reference nodes missing from the file (a clipped extract) are
// cut there and counted; an area using one is a problem naming it.
func TestReaderMissingNodes(t *testing.T) {
	const body = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <node id="1" lat="42.500" lon="1.500"/>
 <node id="2" lat="42.501" lon="1.500"/>
 <node id="3" lat="42.502" lon="1.500"/>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="99"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="amenity" v="parking"/></way>
 <way id="101"><nd ref="1"/><nd ref="2"/><nd ref="98"/><nd ref="1"/><tag k="landuse" v="forest"/></way>
</osm>
`
	p := filepath.Join(t.TempDir(), "clipped.osm")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := osm.NewReader(p, osm.Options{})
	gr := r.Graph(builtin(t, "drive"))
	ar := r.Areas([]osm.TagMatch{{Key: "landuse", Value: "*"}})
	fr := r.Features([]osm.TagMatch{{Key: "amenity", Value: "parking"}})
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	g := mustGet(t, gr)
	st := g.Meta().Stats
	if g.NumNodes() != 3 || st["segments"] != 1 || st["segments_cut_missing_node"] != 2 || st["nodes_without_location"] != 1 {
		t.Errorf("graph of a clipped way: %d nodes, stats %v; want 3 nodes, 1 segment, 2 cut, 1 node without location", g.NumNodes(), st)
	}
	a := mustGet(t, ar)
	if len(a.Areas) != 0 || len(a.Problems) != 1 || !errors.Is(a.Problems[0].Err, osm.ErrMissingNodes) || !strings.Contains(a.Problems[0].Error(), "98") {
		t.Errorf("areas %v, problems %v; want way/101 refused for node 98", a.Areas, a.Problems)
	}
	f := mustGet(t, fr)
	lat := []float64{42.500, 42.501, 42.502}
	if len(f) != 1 || f[0].Loc[1] != (lat[0]+lat[1]+lat[2])/3 {
		t.Errorf("features %v: want way/100 at the mean of its 3 located nodes", f)
	}
}
