package graph_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// fileNode and fileEdge are the input of fileGraph, kept so that tests can
// compare a decoded graph with what was put into the Builder.
type fileNode struct {
	osmID        int64
	lonE7, latE7 int32
}

type fileEdge struct {
	from, to int // indices into fileNodes
	t        graph.Seconds
	way      int64 // OSM way id
}

// fileNodes: a junction square 0..5 with two-neighbour chains, node 6 that
// a one-way street enters and nothing leaves (its own component), and an
// isolated pair 7-8 south of the equator and west of Greenwich (negative
// fixed-point coordinates).
var fileNodes = []fileNode{
	{1001, 15000000, 425000000},
	{1002, 15010000, 425000000},
	{1003, 15020000, 425005000},
	{1004, 15030000, 425010000},
	{1005, 15000000, 425020000},
	{1006, 15030000, 425030000},
	{1007, 15050000, 425050000},
	{-2001, -5000000, -339000000},
	{2002, -4998766, -338994322},
}

// fileEdges has parallel edges (0->1 on two ways), a 0-second edge, times
// that are not exact binary fractions, and a one-way street (3->6).
var fileEdges = []fileEdge{
	{0, 1, 12.345, 900001}, {1, 0, 12.345, 900001},
	{0, 1, 11.5, 900005}, // a parallel, faster edge of another way
	{1, 2, 0, 900001}, {2, 1, 0, 900001},
	{2, 3, 1.0 / 3, 900001}, {3, 2, 1.0 / 3, 900001},
	{0, 4, 20, 900002}, {4, 0, 20, 900002},
	{4, 3, 21.25, 900002}, {3, 4, 21.25, 900002},
	{3, 5, 30, 900003}, {5, 3, 30, 900003},
	{5, 0, 31.5, 900003}, {0, 5, 31.5, 900003},
	{3, 6, 45.125, 900004},
	{7, 8, 2.75, 900006}, {8, 7, 2.75, 900006},
}

func fileMeta() graph.Meta {
	return graph.Meta{
		Profile:      "drive",
		ProfileSpec:  json.RawMessage(`{"name":"drive","speeds_kph":{"residential":20}}`),
		BuiltAt:      time.Date(2026, 11, 23, 8, 4, 42, 0, time.UTC),
		Generator:    "rescuegrid test",
		Source:       "tiny.osm.pbf",
		SourceBytes:  12345,
		SourceSHA256: strings.Repeat("ab", 32),
		Stats:        map[string]int64{"ways_read": 7, "ways_included": 6, "segments": 9},
	}
}

// fileGraph builds the graph of fileNodes and fileEdges (with a contraction
// hierarchy when hierarchy is given and true).
func fileGraph(tb testing.TB, hierarchy ...bool) *graph.Graph {
	tb.Helper()
	b := graph.Builder{Hierarchy: len(hierarchy) > 0 && hierarchy[0]}
	idx := make([]uint32, len(fileNodes))
	for i, n := range fileNodes {
		idx[i] = b.AddNode(n.osmID, n.lonE7, n.latE7)
	}
	ways := map[int64]uint32{}
	for _, e := range fileEdges {
		w, ok := ways[e.way]
		if !ok {
			w = b.AddWay(e.way)
			ways[e.way] = w
		}
		b.AddEdge(idx[e.from], idx[e.to], e.t, w)
	}
	g, err := b.Build(fileMeta())
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return g
}

func marshal(tb testing.TB, g *graph.Graph) []byte {
	tb.Helper()
	b, err := g.MarshalBinary()
	if err != nil {
		tb.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

// decodeSafely calls Decode and turns a panic into a test failure naming what.
func decodeSafely(tb testing.TB, what string, b []byte) (g *graph.Graph, err error) {
	tb.Helper()
	defer func() {
		if r := recover(); r != nil {
			tb.Fatalf("Decode(%s) panicked: %v", what, r)
		}
	}()
	return graph.Decode(b)
}

// sentinels are the errors Decode promises to wrap.
var sentinels = []error{graph.ErrNotGraph, graph.ErrVersion, graph.ErrTruncated, graph.ErrChecksum, graph.ErrCorrupt}

func sentinelName(err error) string {
	for i, s := range sentinels {
		if errors.Is(err, s) {
			return [...]string{"ErrNotGraph", "ErrVersion", "ErrTruncated", "ErrChecksum", "ErrCorrupt"}[i]
		}
	}
	return "no sentinel"
}

// isOneOf reports whether err wraps one of want.
func isOneOf(err error, want ...error) bool {
	for _, w := range want {
		if errors.Is(err, w) {
			return true
		}
	}
	return false
}

// fileLayout is where each part of a graph file starts, computed from the
// header by the layout the package documents (file.go), independently of
// the package's code.
type fileLayout struct {
	n, m, w, c, k, nCore, metaLen int
	meta, offsets, targets, edgeWays, weights, osmIDs, lat, lon,
	comp, compSizes, wayIDs, chainStarts, chainA, chainB, crc, end int
	// The derived section: its counts, the core layout, and the
	// hierarchy's arrays when hasCH is 1.
	chHeader, coreE, hasCH, nUp, nDown                                    int
	buckets, coreOffsets, coreHeads, coreTimes, chainHints                int
	rank, order, upOffsets, upHeads, upTimes, dnOffsets, dnTails, dnTimes int
	// The bounding box (4 × i32), and the chunk table (chunks CRCs at table).
	bound, table, chunks int
}

func layoutOf(tb testing.TB, b []byte) fileLayout {
	tb.Helper()
	if len(b) < 72 {
		tb.Fatalf("layoutOf: %d bytes, shorter than a header", len(b))
	}
	le := binary.LittleEndian
	cnt := func(i int) int { return int(le.Uint64(b[16+8*i:])) }
	pad := func(x int) int { return (x + 7) &^ 7 }
	l := fileLayout{n: cnt(0), m: cnt(1), w: cnt(2), c: cnt(3), k: cnt(4), nCore: cnt(5), metaLen: cnt(6)}
	off := 72
	next := func(size int) int { at := off; off += pad(size); return at }
	l.meta = next(l.metaLen)
	l.offsets = next(4 * (l.n + 1))
	l.targets = next(4 * l.m)
	l.edgeWays = next(4 * l.m)
	l.weights = next(8 * l.m)
	l.osmIDs = next(8 * l.n)
	l.lat = next(4 * l.n)
	l.lon = next(4 * l.n)
	l.comp = next(4 * l.n)
	l.compSizes = next(4 * l.c)
	l.wayIDs = next(8 * l.w)
	l.chainStarts = next(4 * (l.k + 1))
	l.chainA = next(4 * l.k)
	l.chainB = next(4 * l.k)
	l.chHeader = next(48)
	l.bound = l.chHeader + 32
	l.coreE, l.hasCH = int(le.Uint64(b[l.chHeader:])), int(le.Uint64(b[l.chHeader+8:]))
	l.nUp, l.nDown = int(le.Uint64(b[l.chHeader+16:])), int(le.Uint64(b[l.chHeader+24:]))
	l.buckets = next(4 * ((l.n-l.nCore)/16 + 1))
	l.coreOffsets = next(4 * (l.nCore + 1))
	l.coreHeads = next(4 * l.coreE)
	l.coreTimes = next(8 * l.coreE)
	l.chainHints = next(2 * (l.n - l.nCore))
	if l.hasCH == 1 {
		l.rank = next(4 * l.nCore)
		l.order = next(4 * l.nCore)
		l.upOffsets = next(4 * (l.nCore + 1))
		l.upHeads = next(4 * l.nUp)
		l.upTimes = next(8 * l.nUp)
		l.dnOffsets = next(4 * (l.nCore + 1))
		l.dnTails = next(4 * l.nDown)
		l.dnTimes = next(8 * l.nDown)
	}
	l.chunks = (off + 8<<20 - 1) / (8 << 20)
	l.table = next(4 * l.chunks)
	l.crc = off // CRC-32C of the chunk table (4 bytes) and the end marker (4 bytes)
	l.end = off + 8
	return l
}

// chunkSums returns the CRC-32C of every 8 MiB chunk of b.
func chunkSums(b []byte) []uint32 {
	var sums []uint32
	for lo := 0; lo < len(b); lo += 8 << 20 {
		sums = append(sums, crc32.Checksum(b[lo:min(lo+8<<20, len(b))], crc32.MakeTable(crc32.Castagnoli)))
	}
	return sums
}

// reseal recomputes the chunk table's CRC-32Cs (Castagnoli) and the table's
// own at end-8, so that a change to the content passes the checksums and
// reaches the consistency checks. The table is where its length, for the
// chunks of the bytes before it, ends 8 bytes before the end of b.
func reseal(b []byte) {
	le := binary.LittleEndian
	for t := 1; ; t++ {
		at := len(b) - 8 - (4*t+7)&^7
		if at <= 0 {
			return
		}
		if (at+8<<20-1)/(8<<20) != t {
			continue
		}
		for i, x := range chunkSums(b[:at]) {
			le.PutUint32(b[at+4*i:], x)
		}
		le.PutUint32(b[len(b)-8:], crc32.Checksum(b[at:len(b)-8], crc32.MakeTable(crc32.Castagnoli)))
		return
	}
}

type edgeKey struct {
	from, to int64 // OSM node ids
	tBits    uint64
	way      int64
}

// edgeMultiset returns the graph's edges by OSM ids, exact time and way.
func edgeMultiset(g *graph.Graph) map[edgeKey]int {
	out := map[edgeKey]int{}
	for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
		for e := g.FirstEdge(v); e < g.FirstEdge(v+1); e++ {
			out[edgeKey{g.OSMID(v), g.OSMID(g.Head(e)), math.Float64bits(float64(g.Weight(e))), g.WayID(e)}]++
		}
	}
	return out
}

// sameGraph fails tb unless got holds exactly what want holds.
func sameGraph(tb testing.TB, got, want *graph.Graph) {
	tb.Helper()
	if got.NumNodes() != want.NumNodes() || got.NumEdges() != want.NumEdges() || got.NumWays() != want.NumWays() ||
		got.NumCore() != want.NumCore() || got.NumChains() != want.NumChains() || got.NumComponents() != want.NumComponents() {
		tb.Fatalf("got %d nodes, %d edges, %d ways, %d core, %d chains, %d components; want %d, %d, %d, %d, %d, %d",
			got.NumNodes(), got.NumEdges(), got.NumWays(), got.NumCore(), got.NumChains(), got.NumComponents(),
			want.NumNodes(), want.NumEdges(), want.NumWays(), want.NumCore(), want.NumChains(), want.NumComponents())
	}
	if got.Bound() != want.Bound() {
		tb.Errorf("Bound() = %v, want %v", got.Bound(), want.Bound())
	}
	if got.LargestComponentSize() != want.LargestComponentSize() {
		tb.Errorf("LargestComponentSize() = %d, want %d", got.LargestComponentSize(), want.LargestComponentSize())
	}
	for v := graph.NodeID(0); int(v) < want.NumNodes(); v++ {
		if got.OSMID(v) != want.OSMID(v) {
			tb.Errorf("OSMID(%d) = %d, want %d", v, got.OSMID(v), want.OSMID(v))
		}
		if got.Point(v) != want.Point(v) {
			tb.Errorf("Point(%d) = %v, want %v", v, got.Point(v), want.Point(v))
		}
		gc, gs := got.Component(v)
		wc, ws := want.Component(v)
		if gc != wc || gs != ws {
			tb.Errorf("Component(%d) = %d, %d; want %d, %d", v, gc, gs, wc, ws)
		}
		if got.FirstEdge(v) != want.FirstEdge(v) {
			tb.Errorf("FirstEdge(%d) = %d, want %d", v, got.FirstEdge(v), want.FirstEdge(v))
		}
	}
	for e := graph.EdgeID(0); int(e) < want.NumEdges(); e++ {
		if got.Head(e) != want.Head(e) || math.Float64bits(float64(got.Weight(e))) != math.Float64bits(float64(want.Weight(e))) || got.WayID(e) != want.WayID(e) {
			tb.Errorf("edge %d = head %d, %v s, way %d; want head %d, %v s, way %d",
				e, got.Head(e), got.Weight(e), got.WayID(e), want.Head(e), want.Weight(e), want.WayID(e))
		}
	}
	for c := 0; c < want.NumChains(); c++ {
		gf, ge, ga, gb := got.Chain(c)
		wf, we, wa, wb := want.Chain(c)
		if gf != wf || ge != we || ga != wa || gb != wb {
			tb.Errorf("Chain(%d) = %d, %d, %d, %d; want %d, %d, %d, %d", c, gf, ge, ga, gb, wf, we, wa, wb)
		}
	}
	goff, gtgt, gw := got.CoreCSR()
	woff, wtgt, ww := want.CoreCSR()
	if !slices.Equal(goff, woff) || !slices.Equal(gtgt, wtgt) || !slices.Equal(gw, ww) {
		tb.Errorf("CoreCSR() = %v %v %v, want %v %v %v", goff, gtgt, gw, woff, wtgt, ww)
	}
	sameMeta(tb, got.Meta(), want.Meta())
}

func sameMeta(tb testing.TB, got, want graph.Meta) {
	tb.Helper()
	if got.Profile != want.Profile || !bytes.Equal(got.ProfileSpec, want.ProfileSpec) || !got.BuiltAt.Equal(want.BuiltAt) ||
		got.Generator != want.Generator || got.Source != want.Source || got.SourceBytes != want.SourceBytes ||
		got.SourceSHA256 != want.SourceSHA256 || !maps.Equal(got.Stats, want.Stats) {
		tb.Errorf("Meta() = %+v\nwant %+v", got, want)
	}
}

// TestFileGraphShape guards the other tests: the test graph has what they
// corrupt (chains, several components, several ways, negative coordinates).
func TestFileGraphShape(t *testing.T) {
	g := fileGraph(t)
	if g.NumNodes() != len(fileNodes) || g.NumEdges() != len(fileEdges) {
		t.Fatalf("test graph has %d nodes, %d edges; want %d, %d", g.NumNodes(), g.NumEdges(), len(fileNodes), len(fileEdges))
	}
	if g.NumChains() < 2 || g.NumCore() < 4 || g.NumComponents() != 3 || g.NumWays() != 6 {
		t.Fatalf("test graph has %d chains, %d core nodes, %d components, %d ways; want >= 2, >= 4, 3, 6",
			g.NumChains(), g.NumCore(), g.NumComponents(), g.NumWays())
	}
	b := marshal(t, g)
	if l := layoutOf(t, b); l.end != len(b) {
		t.Fatalf("the documented layout ends at %d, the file has %d bytes", l.end, len(b))
	}
}

// TestFileLayout reads a file by the layout file.go documents: header,
// arrays at their offsets, checksum and end marker.
func TestFileLayout(t *testing.T) {
	g := fileGraph(t)
	b := marshal(t, g)
	le := binary.LittleEndian
	if got := string(b[:8]); got != "RGRAPH\x00\x1a" {
		t.Errorf("magic = %q, want %q", got, "RGRAPH\x00\x1a")
	}
	if got := le.Uint32(b[8:]); got != graph.FormatVersion {
		t.Errorf("version = %d, want %d", got, graph.FormatVersion)
	}
	if got := le.Uint32(b[12:]); got != 0 {
		t.Errorf("reserved = %d, want 0", got)
	}
	l := layoutOf(t, b)
	if l.n != g.NumNodes() || l.m != g.NumEdges() || l.w != g.NumWays() || l.c != g.NumComponents() || l.k != g.NumChains() || l.nCore != g.NumCore() {
		t.Errorf("header counts %d %d %d %d %d %d, want %d %d %d %d %d %d", l.n, l.m, l.w, l.c, l.k, l.nCore,
			g.NumNodes(), g.NumEdges(), g.NumWays(), g.NumComponents(), g.NumChains(), g.NumCore())
	}
	var meta graph.Meta
	if err := json.Unmarshal(b[l.meta:l.meta+l.metaLen], &meta); err != nil {
		t.Fatalf("metadata is not JSON: %v", err)
	}
	sameMeta(t, meta, fileMeta())
	for v := 0; v < l.n; v++ {
		id := int64(le.Uint64(b[l.osmIDs+8*v:]))
		lat := int32(le.Uint32(b[l.lat+4*v:]))
		lon := int32(le.Uint32(b[l.lon+4*v:]))
		if id != g.OSMID(graph.NodeID(v)) || float64(lon)/1e7 != g.Point(graph.NodeID(v))[0] || float64(lat)/1e7 != g.Point(graph.NodeID(v))[1] {
			t.Errorf("node %d in the file = %d at %d,%d (×1e-7), the graph has %d at %v", v, id, lon, lat, g.OSMID(graph.NodeID(v)), g.Point(graph.NodeID(v)))
		}
		if got := le.Uint32(b[l.offsets+4*v:]); got != uint32(g.FirstEdge(graph.NodeID(v))) {
			t.Errorf("offset %d in the file = %d, want %d", v, got, g.FirstEdge(graph.NodeID(v)))
		}
	}
	for e := 0; e < l.m; e++ {
		head := le.Uint32(b[l.targets+4*e:])
		w := math.Float64frombits(le.Uint64(b[l.weights+8*e:]))
		way := int64(le.Uint64(b[l.wayIDs+8*int(le.Uint32(b[l.edgeWays+4*e:])):]))
		if graph.NodeID(head) != g.Head(graph.EdgeID(e)) || graph.Seconds(w) != g.Weight(graph.EdgeID(e)) || way != g.WayID(graph.EdgeID(e)) {
			t.Errorf("edge %d in the file = head %d, %v s, way %d; the graph has %d, %v, %d", e, head, w, way,
				g.Head(graph.EdgeID(e)), g.Weight(graph.EdgeID(e)), g.WayID(graph.EdgeID(e)))
		}
	}
	for i, want := range chunkSums(b[:l.table]) {
		if got := le.Uint32(b[l.table+4*i:]); got != want {
			t.Errorf("chunk %d: stored checksum %08x, CRC-32C of its bytes is %08x", i, got, want)
		}
	}
	if got, want := le.Uint32(b[l.crc:]), crc32.Checksum(b[l.table:l.crc], crc32.MakeTable(crc32.Castagnoli)); got != want {
		t.Errorf("stored checksum %08x, CRC-32C of the chunk table is %08x", got, want)
	}
	bb := g.Bound()
	for i, want := range []float64{bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1]} {
		if got := float64(int32(le.Uint32(b[l.bound+4*i:]))) / 1e7; got != want {
			t.Errorf("bounding box value %d in the file = %v, the graph has %v", i, got, want)
		}
	}
	if got := string(b[len(b)-4:]); got != "RGEN" {
		t.Errorf("end marker = %q, want RGEN", got)
	}
}

func TestMarshalDecodeRoundTrip(t *testing.T) {
	g := fileGraph(t)
	b := marshal(t, g)
	h, err := graph.Decode(b)
	if err != nil {
		t.Fatalf("Decode(MarshalBinary()) = %v", err)
	}
	sameGraph(t, h, g)

	// Against the Builder's input, not only against g: every edge by OSM
	// ids, exact time and way, and every node's id and coordinate.
	want := map[edgeKey]int{}
	for _, e := range fileEdges {
		want[edgeKey{fileNodes[e.from].osmID, fileNodes[e.to].osmID, math.Float64bits(float64(e.t)), e.way}]++
	}
	if got := edgeMultiset(h); !maps.Equal(got, want) {
		t.Errorf("decoded edges = %v\nwant %v", got, want)
	}
	for _, n := range fileNodes {
		v, ok := h.Node(n.osmID)
		if !ok {
			t.Errorf("Node(%d) not found after decoding", n.osmID)
			continue
		}
		if p := h.Point(v); p[0] != float64(n.lonE7)/1e7 || p[1] != float64(n.latE7)/1e7 {
			t.Errorf("Point(Node(%d)) = %v, want %v,%v", n.osmID, p, float64(n.lonE7)/1e7, float64(n.latE7)/1e7)
		}
	}
	// Components: 0..5 reach each other, 6 is alone, 7 and 8 are a pair.
	comp := func(id int64) uint32 { v, _ := h.Node(id); c, _ := h.Component(v); return c }
	for _, id := range []int64{1002, 1003, 1004, 1005, 1006} {
		if comp(id) != comp(1001) {
			t.Errorf("node %d is not in the component of node 1001", id)
		}
	}
	if comp(1007) == comp(1001) || comp(2002) != comp(-2001) || comp(2002) == comp(1001) {
		t.Errorf("components of 1007, -2001, 2002 = %d, %d, %d; 1001 is in %d", comp(1007), comp(-2001), comp(2002), comp(1001))
	}

	// Decode does not keep b, and a decoded graph encodes to the same bytes.
	orig := slices.Clone(b)
	clear(b)
	if again := marshal(t, h); !bytes.Equal(again, orig) {
		t.Errorf("MarshalBinary(Decode(b)) after clearing b differs from b (%d vs %d bytes)", len(again), len(orig))
	}
}

func TestWriteFileReadFile(t *testing.T) {
	g := fileGraph(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.rgraph")
	if err := g.WriteFile(path); err != nil {
		t.Fatalf("WriteFile(%s) = %v", path, err)
	}
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, marshal(t, g)) {
		t.Errorf("WriteFile wrote %d bytes that differ from MarshalBinary's %d", len(onDisk), len(marshal(t, g)))
	}
	h, err := graph.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%s) = %v", path, err)
	}
	sameGraph(t, h, g)
	assertOnlyEntries(t, dir, "tiny.rgraph")
}

// assertOnlyEntries fails tb unless dir holds exactly names (no temp files).
func assertOnlyEntries(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		tb.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

func TestWriteFileIntoMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "tiny.rgraph")
	err := fileGraph(t).WriteFile(path)
	if err == nil {
		t.Fatalf("WriteFile(%s) = nil, want an error", path)
	}
	if !strings.Contains(err.Error(), "tiny.rgraph") {
		t.Errorf("WriteFile(%s) = %q, want the error to name the file", path, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after a failed WriteFile, Stat(missing folder) = %v, want it still missing", err)
	}
	assertOnlyEntries(t, dir)
}

func TestWriteFileOntoDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taken.rgraph")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fileGraph(t).WriteFile(path); err == nil {
		t.Fatalf("WriteFile onto the folder %s = nil, want an error", path)
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Errorf("after a failed WriteFile, %s is no longer the folder it was (%v)", path, err)
	}
	assertOnlyEntries(t, dir, "taken.rgraph")
}

// TestWriteFileReplacesAtomically: writing over an existing file swaps the
// whole file in (a rename), never rewrites it in place, and leaves no
// temporary file behind.
func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.rgraph")
	old := []byte("the previous graph file, soon replaced")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	// A reader that opened the old file before the write keeps reading it
	// whole: the new file is a new inode renamed over the name.
	reader, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()

	g := fileGraph(t)
	if err := g.WriteFile(path); err != nil {
		t.Fatalf("WriteFile over an existing file = %v", err)
	}
	h, err := graph.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile after replacing = %v", err)
	}
	sameGraph(t, h, g)
	seen := make([]byte, 2*len(old))
	n, _ := reader.Read(seen)
	if !bytes.Equal(seen[:n], old) {
		t.Errorf("a reader of the old file now reads %q, want the old content %q (the file was rewritten in place)", seen[:n], old)
	}
	assertOnlyEntries(t, dir, "tiny.rgraph")

	// And a second write over the graph file itself.
	if err := g.WriteFile(path); err != nil {
		t.Fatalf("second WriteFile = %v", err)
	}
	assertOnlyEntries(t, dir, "tiny.rgraph")
}

func TestReadFileRefusals(t *testing.T) {
	dir := t.TempDir()
	good := marshal(t, fileGraph(t))
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := slices.Clone(good)
	flipped[len(flipped)/2] ^= 0x10
	tests := []struct {
		name string
		path string
		is   error
	}{
		{"missing", filepath.Join(dir, "missing.rgraph"), os.ErrNotExist},
		{"empty", write("empty.rgraph", nil), graph.ErrNotGraph},
		{"text", write("notes.rgraph", []byte("not a graph\n")), graph.ErrNotGraph},
		{"truncated", write("half.rgraph", good[:len(good)/2]), graph.ErrTruncated},
		{"flipped byte", write("flipped.rgraph", flipped), graph.ErrChecksum},
		{"folder", dir, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := graph.ReadFile(tt.path)
			if err == nil || g != nil {
				t.Fatalf("ReadFile(%s) = graph %t, %v; want an error and no graph", tt.path, g != nil, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("ReadFile(%s) = %v, want an error wrapping %v", tt.path, err, tt.is)
			}
			if !strings.Contains(err.Error(), filepath.Base(tt.path)) {
				t.Errorf("ReadFile(%s) = %q, want the error to name the file", tt.path, err)
			}
		})
	}
}

func TestDecodeRefusesForeignData(t *testing.T) {
	good := marshal(t, fileGraph(t))
	otherMagic := slices.Clone(good)
	otherMagic[7] = 0x1b
	lower := slices.Clone(good)
	copy(lower, "rgraph")
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"one byte", []byte("R")},
		{"magic prefix", []byte("RGRAPH")},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")},
		{"gzip", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")},
		{"osm pbf", []byte("\x00\x00\x00\x0d\x0a\x09OSMHeader\x18\x7c")},
		{"json", []byte(`{"nodes": 3, "edges": []}`)},
		{"other last magic byte", otherMagic},
		{"lower-case magic", lower},
		{"graph file after a byte", append([]byte{0}, good...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := decodeSafely(t, tt.name, tt.in)
			if g != nil || !errors.Is(err, graph.ErrNotGraph) {
				t.Errorf("Decode(%s) = graph %t, %v; want no graph, ErrNotGraph", tt.name, g != nil, err)
			}
		})
	}
}

// TestDecodeEveryTruncation: every prefix of a valid file is refused as not
// a graph (shorter than the magic) or truncated, never with a panic or a graph.
func TestDecodeEveryTruncation(t *testing.T) {
	b := marshal(t, fileGraph(t))
	for n := 0; n < len(b); n++ {
		what := fmt.Sprintf("first %d of %d bytes", n, len(b))
		g, err := decodeSafely(t, what, slices.Clone(b[:n]))
		if g != nil || err == nil {
			t.Fatalf("Decode(%s) = graph %t, %v; want an error and no graph", what, g != nil, err)
		}
		if !isOneOf(err, graph.ErrNotGraph, graph.ErrTruncated) {
			t.Fatalf("Decode(%s) = %v (%s), want ErrNotGraph or ErrTruncated", what, err, sentinelName(err))
		}
		if n >= 8 && !errors.Is(err, graph.ErrTruncated) {
			t.Fatalf("Decode(%s) = %v (%s): the magic is whole, want ErrTruncated", what, err, sentinelName(err))
		}
	}
}

// TestDecodeFlippedBytes flips every bit (and whole bytes) at every position
// after the magic and version: nothing decodes, and each part of the file
// fails in its own way.
func TestDecodeFlippedBytes(t *testing.T) {
	b := marshal(t, fileGraph(t))
	l := layoutOf(t, b)
	regions := []struct {
		name     string
		from, to int
		want     []error
	}{
		{"magic", 0, 8, []error{graph.ErrNotGraph}},
		{"version", 8, 12, []error{graph.ErrVersion}},
		{"reserved", 12, 16, []error{graph.ErrChecksum}},
		// A count that changes the size is truncated or too long; one that
		// does not (the core count, metadata length within its padding)
		// fails the checksum.
		{"counts", 16, 72, []error{graph.ErrCorrupt, graph.ErrTruncated, graph.ErrChecksum}},
		{"body", 72, l.chHeader, []error{graph.ErrChecksum}},
		// The derived counts, like the header's, set the size.
		{"derived counts", l.chHeader, l.chHeader + 32, []error{graph.ErrCorrupt, graph.ErrTruncated, graph.ErrChecksum}},
		{"bounding box, core layout and hierarchy", l.chHeader + 32, l.table, []error{graph.ErrChecksum}},
		{"chunk table", l.table, l.crc, []error{graph.ErrChecksum}},
		{"checksum", l.crc, l.crc + 4, []error{graph.ErrChecksum}},
		{"end marker", l.crc + 4, l.end, []error{graph.ErrTruncated}},
	}
	if regions[len(regions)-1].to != len(b) {
		t.Fatalf("regions end at %d, the file has %d bytes", regions[len(regions)-1].to, len(b))
	}
	for _, r := range regions {
		t.Run(r.name, func(t *testing.T) {
			for i := r.from; i < r.to; i++ {
				for _, mask := range []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff} {
					c := slices.Clone(b)
					c[i] ^= mask
					what := fmt.Sprintf("byte %d ^ %#02x", i, mask)
					g, err := decodeSafely(t, what, c)
					if g != nil || err == nil {
						t.Fatalf("Decode(%s) = graph %t, %v; want an error and no graph", what, g != nil, err)
					}
					if !isOneOf(err, r.want...) {
						t.Fatalf("Decode(%s in the %s) = %v (%s), want one of %v", what, r.name, err, sentinelName(err), r.want)
					}
				}
			}
		})
	}
}

func TestDecodeRefusesOtherVersions(t *testing.T) {
	b := marshal(t, fileGraph(t))
	for _, v := range []uint32{0, 1, 2, 3, graph.FormatVersion + 1, 255, math.MaxUint32} {
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			c := slices.Clone(b)
			binary.LittleEndian.PutUint32(c[8:], v)
			g, err := decodeSafely(t, fmt.Sprintf("version %d", v), c)
			if g != nil || !errors.Is(err, graph.ErrVersion) {
				t.Fatalf("Decode(version %d) = graph %t, %v; want no graph, ErrVersion", v, g != nil, err)
			}
			if want := fmt.Sprintf("version %d", v); !strings.Contains(err.Error(), want) {
				t.Errorf("Decode(version %d) = %q, want it to mention %q", v, err, want)
			}
			if want := fmt.Sprintf("version %d", graph.FormatVersion); !strings.Contains(err.Error(), want) {
				t.Errorf("Decode(version %d) = %q, want it to mention the version it reads, %q", v, err, want)
			}
		})
	}
}

func TestDecodeRefusesTrailingBytes(t *testing.T) {
	b := marshal(t, fileGraph(t))
	tests := []struct {
		name  string
		extra []byte
	}{
		{"one zero byte", []byte{0}},
		{"eight zero bytes", make([]byte, 8)},
		{"newline", []byte("\n")},
		{"another end marker", []byte("RGEN")},
		{"the file again", b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append(slices.Clone(b), tt.extra...)
			g, err := decodeSafely(t, tt.name, in)
			if g != nil || !errors.Is(err, graph.ErrCorrupt) {
				t.Fatalf("Decode(file + %s) = graph %t, %v; want no graph, ErrCorrupt", tt.name, g != nil, err)
			}
			if want := fmt.Sprint(len(in)); !strings.Contains(err.Error(), want) {
				t.Errorf("Decode(file + %s) = %q, want it to give the size %s", tt.name, err, want)
			}
		})
	}
}

// TestDecodeChecksConsistency: files whose checksum is right but whose
// content breaks an invariant (as a buggy writer would make them) are
// refused with ErrCorrupt, not loaded.
func TestDecodeChecksConsistency(t *testing.T) {
	g := fileGraph(t)
	b := marshal(t, g)
	l := layoutOf(t, b)
	le := binary.LittleEndian
	put32 := func(c []byte, at int, v uint32) { le.PutUint32(c[at:], v) }
	putF := func(c []byte, at int, v float64) { le.PutUint64(c[at:], math.Float64bits(v)) }

	// An interior node, an edge out of it, and a node that is neither it
	// nor one of its chain neighbours: an edge to that node leaves the chain.
	x := graph.NodeID(g.NumCore())
	first, end, a, bEnd := g.Chain(g.ChainOf(x))
	prev, next := x-1, x+1
	if x == first {
		prev = a
	}
	if x == end-1 {
		next = bEnd
	}
	stranger := graph.NodeID(0)
	for stranger == x || stranger == prev || stranger == next {
		stranger++
	}
	if g.FirstEdge(x) == g.FirstEdge(x+1) {
		t.Fatalf("interior node %d has no out-edge", x)
	}
	edgeOfX := int(g.FirstEdge(x))

	tests := []struct {
		name    string
		mutate  func(c []byte)
		mention string
	}{
		{"edge head = N", func(c []byte) { put32(c, l.targets, uint32(l.n)) }, "edge 0"},
		{"edge head = max", func(c []byte) { put32(c, l.targets+4*(l.m-1), math.MaxUint32) }, "leads to node"},
		{"edge way = W", func(c []byte) { put32(c, l.edgeWays+4, uint32(l.w)) }, "way"},
		{"NaN time", func(c []byte) { putF(c, l.weights, math.NaN()) }, "travel time"},
		{"negative time", func(c []byte) { putF(c, l.weights+8, -1) }, "travel time"},
		{"infinite time", func(c []byte) { putF(c, l.weights+16, math.Inf(1)) }, "travel time"},
		{"first offset not 0", func(c []byte) { put32(c, l.offsets, 1) }, "offsets"},
		{"last offset not M", func(c []byte) { put32(c, l.offsets+4*l.n, uint32(l.m-1)) }, "offsets"},
		{"offsets decrease", func(c []byte) {
			put32(c, l.offsets+4, uint32(l.m))
		}, "decrease"},
		{"latitude 90.0000001", func(c []byte) { put32(c, l.lat, 900000001) }, "out of range"},
		{"longitude -180.0000001", func(c []byte) { lon := int32(-1800000001); put32(c, l.lon+4, uint32(lon)) }, "out of range"},
		{"component = C", func(c []byte) { put32(c, l.comp, uint32(l.c)) }, "component"},
		{"component sizes do not add up", func(c []byte) { put32(c, l.compSizes, le.Uint32(c[l.compSizes:])+1) }, "component sizes"},
		{"self-loop", func(c []byte) {
			// The first edge of node u, with u > 0, turned back onto u.
			u := 1
			for le.Uint32(c[l.offsets+4*u:]) == le.Uint32(c[l.offsets+4*(u+1):]) {
				u++
			}
			put32(c, l.targets+4*int(le.Uint32(c[l.offsets+4*u:])), uint32(u))
		}, "self-loop"},
		{"edge leaves its chain", func(c []byte) { put32(c, l.targets+4*edgeOfX, uint32(stranger)) }, "chain"},
		{"no core node", func(c []byte) { binary.LittleEndian.PutUint64(c[16+8*5:], 0) }, "core nodes"},
		{"more core nodes than nodes", func(c []byte) { binary.LittleEndian.PutUint64(c[16+8*5:], uint64(l.n+1)) }, "core nodes"},
		{"stored bounding box differs", func(c []byte) { put32(c, l.bound, le.Uint32(c[l.bound:])-1) }, "bounding box"},
		// The stored core layout is derived again and compared.
		{"chain lookup bucket", func(c []byte) { put32(c, l.buckets, le.Uint32(c[l.buckets:])+1) }, "chain lookup"},
		{"core head", func(c []byte) { put32(c, l.coreHeads, (le.Uint32(c[l.coreHeads:])+1)%uint32(l.nCore)) }, "core graph"},
		{"core time", func(c []byte) {
			le.PutUint64(c[l.coreTimes:], math.Float64bits(math.Float64frombits(le.Uint64(c[l.coreTimes:]))+1e-9))
		}, "core graph"},
		{"core offsets", func(c []byte) { put32(c, l.coreOffsets+4, le.Uint32(c[l.coreOffsets+4:])+1) }, "core graph"},
		{"chain hint", func(c []byte) { c[l.chainHints+1] ^= 1 }, "chain hints"},
		{"chains start after the core", func(c []byte) { put32(c, l.chainStarts, uint32(l.nCore+1)) }, "chains cover"},
		{"chain ends at an interior node", func(c []byte) { put32(c, l.chainA, uint32(l.n-1)) }, "not core"},
		{"empty chain", func(c []byte) { put32(c, l.chainStarts+4, uint32(l.nCore)) }, "chain 0"},
		{"metadata not an object", func(c []byte) { c[l.meta] = '[' }, "metadata"},
		{"the same OSM node twice", func(c []byte) {
			le.PutUint64(c[l.osmIDs+8:], le.Uint64(c[l.osmIDs:]))
		}, "OSM node"},
		{"count out of range", func(c []byte) { binary.LittleEndian.PutUint64(c[16:], math.MaxUint32) }, "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := slices.Clone(b)
			tt.mutate(c)
			if bytes.Equal(c, b) {
				t.Fatal("the mutation changed nothing")
			}
			reseal(c)
			h, err := decodeSafely(t, tt.name, c)
			if h != nil || !errors.Is(err, graph.ErrCorrupt) {
				t.Fatalf("Decode(%s, right checksum) = graph %t, %v (%s); want no graph, ErrCorrupt", tt.name, h != nil, err, sentinelName(err))
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Decode(%s) = %q, want it to mention %q", tt.name, err, tt.mention)
			}
		})
	}
	// The resealed original still decodes: reseal itself is right.
	c := slices.Clone(b)
	reseal(c)
	if _, err := graph.Decode(c); err != nil {
		t.Errorf("Decode(resealed valid file) = %v", err)
	}
}

// TestHierarchyFile round-trips a graph with a contraction hierarchy, and
// refuses hierarchy sections that break its invariants (right checksum).
func TestHierarchyFile(t *testing.T) {
	g := fileGraph(t, true)
	h := g.Hierarchy()
	if h == nil {
		t.Fatal("Builder.Hierarchy set, graph has no hierarchy")
	}
	b := marshal(t, g)
	l := layoutOf(t, b)
	if l.end != len(b) || l.hasCH != 1 || l.nUp != h.NumUp() || l.nDown != h.NumDown() {
		t.Fatalf("layout ends at %d (file %d bytes), hierarchy %d %d %d; want 1 %d %d", l.end, len(b), l.hasCH, l.nUp, l.nDown, h.NumUp(), h.NumDown())
	}
	d, err := graph.Decode(b)
	if err != nil {
		t.Fatalf("Decode = %v", err)
	}
	sameGraph(t, d, g)
	dh := d.Hierarchy()
	if dh == nil {
		t.Fatal("decoded graph lost its hierarchy")
	}
	uo, ut, uw := h.Up()
	duo, dut, duw := dh.Up()
	do, ds, dw := h.Down()
	ddo, dds, ddw := dh.Down()
	if !slices.Equal(uo, duo) || !slices.Equal(ut, dut) || !slices.Equal(uw, duw) || !slices.Equal(do, ddo) || !slices.Equal(ds, dds) || !slices.Equal(dw, ddw) || !slices.Equal(h.Order(), dh.Order()) {
		t.Errorf("decoded hierarchy differs: up %v %v %v / %v %v %v, down %v %v %v / %v %v %v", uo, ut, uw, duo, dut, duw, do, ds, dw, ddo, dds, ddw)
	}
	if again := marshal(t, d); !bytes.Equal(again, b) {
		t.Errorf("MarshalBinary(Decode(b)) differs from b")
	}
	le := binary.LittleEndian
	tests := []struct {
		name    string
		mutate  func(c []byte)
		mention string
	}{
		{"rank repeated", func(c []byte) { le.PutUint32(c[l.rank:], le.Uint32(c[l.rank+4:])) }, "rank"},
		{"rank out of range", func(c []byte) { le.PutUint32(c[l.rank:], uint32(l.nCore)) }, "rank"},
		{"order swapped", func(c []byte) {
			x, y := le.Uint32(c[l.order:]), le.Uint32(c[l.order+4:])
			le.PutUint32(c[l.order:], y)
			le.PutUint32(c[l.order+4:], x)
		}, "sweep position"},
		{"order out of range", func(c []byte) { le.PutUint32(c[l.order:], uint32(l.nCore)) }, "sweep position"},
		{"up offsets end early", func(c []byte) { le.PutUint32(c[l.upOffsets+4*l.nCore:], uint32(l.nUp-1)) }, "offsets"},
		{"up edge to node N", func(c []byte) { le.PutUint32(c[l.upHeads:], uint32(l.nCore)) }, "up edge"},
		{"down edge from a later position", func(c []byte) { le.PutUint32(c[l.dnTails+4*(l.nDown-1):], uint32(l.nCore)) }, "down edge"},
		{"negative up time", func(c []byte) { le.PutUint64(c[l.upTimes:], math.Float64bits(-1)) }, "time"},
		{"NaN down time", func(c []byte) { le.PutUint64(c[l.dnTimes:], math.Float64bits(math.NaN())) }, "time"},
		{"hierarchy flag 2", func(c []byte) { le.PutUint64(c[l.chHeader+8:], 2) }, "hierarchy counts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := slices.Clone(b)
			tt.mutate(c)
			if bytes.Equal(c, b) {
				t.Fatal("the mutation changed nothing")
			}
			reseal(c)
			got, err := decodeSafely(t, tt.name, c)
			if got != nil || !errors.Is(err, graph.ErrCorrupt) {
				t.Fatalf("Decode(%s, right checksum) = graph %t, %v (%s); want no graph, ErrCorrupt", tt.name, got != nil, err, sentinelName(err))
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Decode(%s) = %q, want it to mention %q", tt.name, err, tt.mention)
			}
		})
	}
}

// TestDecodeRefusesVersion1 names the reason a version 1 file is refused.
func TestDecodeRefusesVersion1(t *testing.T) {
	c := marshal(t, fileGraph(t))
	binary.LittleEndian.PutUint32(c[8:], 1)
	_, err := graph.Decode(c)
	if !errors.Is(err, graph.ErrVersion) || !strings.Contains(err.Error(), "predates the contraction hierarchy") || !strings.Contains(err.Error(), "network build") {
		t.Errorf("Decode(version 1) = %v, want ErrVersion naming the hierarchy and how to rebuild", err)
	}
}
