package tiles_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

var sampleBasemap struct {
	once sync.Once
	src  *osm.Basemap
	set  *tiles.Set
	err  error
}

// andorraBasemap is the sample's tile set with its base map, and the
// features the base map was built from.
func andorraBasemap(tb testing.TB) (*osm.Basemap, *tiles.Set) {
	tb.Helper()
	in, res, _ := andorra(tb)
	sampleBasemap.once.Do(func() {
		src, err := osm.ExtractBasemap(context.Background(), in.Study.Network.PBF, osm.Options{})
		if err != nil {
			sampleBasemap.err = err
			return
		}
		bm, err := tiles.NewBasemap(src)
		if err != nil {
			sampleBasemap.err = err
			return
		}
		ti := study.TileInput(in, res, nil)
		ti.Basemap = bm
		set, err := tiles.NewSet(ti, tiles.Options{})
		sampleBasemap.src, sampleBasemap.set, sampleBasemap.err = src, set, err
	})
	if sampleBasemap.err != nil {
		tb.Fatal(sampleBasemap.err)
	}
	return sampleBasemap.src, sampleBasemap.set
}

// decodeBasemap renders one base-map tile and decodes it with orb's MVT
// decoder into its layers by name (nil for an empty tile).
func decodeBasemap(tb testing.TB, set *tiles.Set, t maptile.Tile) map[string]*mvt.Layer {
	tb.Helper()
	b, err := set.Tile(context.Background(), tiles.LayerBasemap, int(t.Z), int(t.X), int(t.Y))
	if err == tiles.ErrEmptyTile {
		return nil
	}
	if err != nil {
		tb.Fatalf("Tile(basemap, %d/%d/%d): %v", t.Z, t.X, t.Y, err)
	}
	ls, err := mvt.UnmarshalGzipped(b)
	if err != nil {
		tb.Fatalf("decode basemap %d/%d/%d: %v", t.Z, t.X, t.Y, err)
	}
	out := map[string]*mvt.Layer{}
	for _, l := range ls {
		if !slices.Contains(tiles.BasemapLayers(), l.Name) {
			tb.Errorf("basemap %d/%d/%d: unknown layer %q", t.Z, t.X, t.Y, l.Name)
		}
		out[l.Name] = l
	}
	return out
}

// TestBasemapTiles: at z15 over the centre of Andorra la Vella the tile
// holds the named streets and the buildings of the extract there, and each
// road keeps its OSM way id and class; at z8 only the main roads are drawn;
// the layers are in the set's first place, out of its bounds.
func TestBasemapTiles(t *testing.T) {
	src, set := andorraBasemap(t)
	if got := set.Layers(); got[0] != tiles.LayerBasemap {
		t.Errorf("Layers() = %v, want the base map first (drawn at the bottom)", got)
	}
	_, _, plain := andorra(t)
	if set.Bounds() != plain.Bounds() {
		t.Errorf("bounds with the base map %v, without %v: the base map must not count", set.Bounds(), plain.Bounds())
	}

	var centre orb.Point
	for _, p := range src.Places {
		if p.Name == "Andorra la Vella" {
			centre = p.Loc
		}
	}
	tl := maptile.At(centre, 15)
	ls := decodeBasemap(t, set, tl)
	ls[tiles.BasemapRoads].ProjectToWGS84(tl)
	roads := ls[tiles.BasemapRoads]
	if roads == nil || ls[tiles.BasemapBuildings] == nil {
		t.Fatalf("z15 tile over the capital: layers %v, want roads and buildings", layerNames(ls))
	}
	byWay := map[int64]osm.BasemapLine{}
	for _, r := range src.Roads {
		byWay[r.WayID] = r
	}
	bound := tl.Bound()
	named := 0
	for _, f := range roads.Features {
		id := int64(f.Properties.MustFloat64("way_id"))
		r, ok := byWay[id]
		if !ok {
			t.Errorf("road feature with way_id %d: no such road in the extract", id)
			continue
		}
		if f.Properties["class"] != r.Class || (r.Name != "" && f.Properties["name"] != r.Name) {
			t.Errorf("way/%d: class %v name %v, want %s %q", id, f.Properties["class"], f.Properties["name"], r.Class, r.Name)
		}
		if r.Name != "" {
			named++
		}
		if !bound.Pad(0.01).Intersects(f.Geometry.Bound()) {
			t.Errorf("way/%d drawn at %v, outside tile %v", id, f.Geometry.Bound(), bound)
		}
	}
	// Every extract road crossing the tile and its buffer (64 of 4096
	// units) is drawn, one feature per way.
	buffered := bound
	buffered.Min[0] -= (bound.Max[0] - bound.Min[0]) * 64 / 4096
	buffered.Max[0] += (bound.Max[0] - bound.Min[0]) * 64 / 4096
	buffered.Min[1] -= (bound.Max[1] - bound.Min[1]) * 64 / 4096
	buffered.Max[1] += (bound.Max[1] - bound.Min[1]) * 64 / 4096
	want := 0
	for _, r := range src.Roads {
		if roadCrosses(r.Line, buffered) {
			want++
		}
	}
	if len(roads.Features) != want || named == 0 {
		t.Errorf("z15 tile: %d roads (%d named), want the %d ways of the extract crossing it", len(roads.Features), named, want)
	}

	// z8: one tile holds Andorra; no street, no building.
	low := decodeBasemap(t, set, maptile.At(centre, 8))
	for _, f := range low[tiles.BasemapRoads].Features {
		if c := f.Properties["class"]; c != "motorway" && c != "trunk" && c != "primary" {
			t.Errorf("z8: a %v road is drawn, want only main roads", c)
			break
		}
	}
	if low[tiles.BasemapBuildings] != nil {
		t.Error("z8: buildings drawn")
	}
	if low[tiles.BasemapRoads] == nil || len(low[tiles.BasemapRoads].Features) == 0 {
		t.Error("z8: no main road")
	}
}

// roadCrosses reports whether a line has a vertex inside b, or a segment
// crossing it (tested by clipping the segment's bound, enough for the
// short segments of streets).
func roadCrosses(ls orb.LineString, b orb.Bound) bool {
	for i := range ls {
		if b.Contains(ls[i]) {
			return true
		}
		if i > 0 {
			seg := orb.Bound{Min: ls[i-1], Max: ls[i-1]}.Extend(ls[i])
			if seg.Intersects(b) && segmentHits(ls[i-1], ls[i], b) {
				return true
			}
		}
	}
	return false
}

// segmentHits samples a segment finely: a stand-in for an exact
// segment/box test, good to a few centimetres on a street.
func segmentHits(a, c orb.Point, b orb.Bound) bool {
	for k := 0; k <= 1000; k++ {
		f := float64(k) / 1000
		if b.Contains(orb.Point{a[0] + f*(c[0]-a[0]), a[1] + f*(c[1]-a[1])}) {
			return true
		}
	}
	return false
}

func layerNames(m map[string]*mvt.Layer) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestBasemapTileJSON: the base map's TileJSON lists its six MVT layers
// with their fields and first zooms; every layer's document carries the
// data bounds, inside the bounds.
func TestBasemapTileJSON(t *testing.T) {
	_, set := andorraBasemap(t)
	b, err := set.TileJSON(tiles.LayerBasemap, "http://x/tiles/basemap/{z}/{x}/{y}.mvt")
	if err != nil {
		t.Fatal(err)
	}
	var tj tiles.TileJSON
	if err := json.Unmarshal(b, &tj); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, vl := range tj.VectorLayers {
		ids = append(ids, vl.ID)
	}
	if !slices.Equal(ids, tiles.BasemapLayers()) {
		t.Errorf("vector_layers %v, want %v", ids, tiles.BasemapLayers())
	}
	for _, vl := range tj.VectorLayers {
		if vl.ID == tiles.BasemapRoads && (vl.Fields["name"] != "String" || vl.Fields["way_id"] != "Number") {
			t.Errorf("roads fields %v", vl.Fields)
		}
	}
	cb, _ := set.TileJSON(tiles.LayerCells, "http://x/tiles/cells/{z}/{x}/{y}.mvt")
	var cj tiles.TileJSON
	json.Unmarshal(cb, &cj)
	d, w := cj.DataBounds, cj.Bounds
	if d[0] < w[0] || d[1] < w[1] || d[2] > w[2] || d[3] > w[3] || d == w {
		t.Errorf("cells: data bounds %v, bounds %v: want the data strictly inside the aggregated cells", d, w)
	}
	in, _, _ := andorra(t)
	for _, c := range in.Coverage.Cells {
		ll, err := c.LatLng()
		if err != nil {
			t.Fatal(err)
		}
		if ll.Lng < d[0] || ll.Lng > d[2] || ll.Lat < d[1] || ll.Lat > d[3] {
			t.Fatalf("cell %v at %v outside the data bounds %v", c, ll, d)
		}
	}
}

// TestGraphBasemap: without an extract, the road graph is drawn: one
// feature per OSM way of the graph, its lines joining the way's edges.
func TestGraphBasemap(t *testing.T) {
	in, _, _ := andorra(t)
	bm, err := tiles.GraphBasemap(in.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if bm.Source() != "graph" {
		t.Errorf("Source() = %q", bm.Source())
	}
	gb := in.Graph.Bound()
	if b := bm.Bounds(); !gb.Pad(1e-6).Contains(b.Min) || !gb.Pad(1e-6).Contains(b.Max) {
		t.Errorf("bounds %v outside the graph's %v", b, gb)
	}
	ti := study.TileInput(in, sampleResult(t), nil)
	ti.Basemap = bm
	set, err := tiles.NewSet(ti, tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ways := map[int64]bool{}
	for _, tl := range tilesOver(gb, 14) {
		ls := decodeBasemap(t, set, tl)
		if ls == nil {
			continue
		}
		if len(ls) != 1 || ls[tiles.BasemapRoads] == nil {
			t.Fatalf("graph base map tile %v: layers %v, want roads only", tl, layerNames(ls))
		}
		for _, f := range ls[tiles.BasemapRoads].Features {
			ways[int64(f.Properties.MustFloat64("way_id"))] = true
		}
	}
	if len(ways) != in.Graph.NumWays() {
		t.Errorf("z14 tiles draw %d ways, the graph has %d", len(ways), in.Graph.NumWays())
	}
}

func sampleResult(tb testing.TB) *coverageResult {
	_, res, _ := andorra(tb)
	return res
}

// TestBasemapPMTiles: the base map exports to one archive holding all its
// layers, typed baselayer, readable by the project's PMTiles reader.
func TestBasemapPMTiles(t *testing.T) {
	_, set := andorraBasemap(t)
	path := filepath.Join(t.TempDir(), "basemap.pmtiles")
	if err := set.WritePMTiles(context.Background(), path, tiles.LayerBasemap, 0, 12); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Size() < 10_000 {
		t.Fatalf("archive: %v, %v", st, err)
	}
}
