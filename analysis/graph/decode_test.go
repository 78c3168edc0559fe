package graph_test

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// small returns a graph with a junction, a chain, a one-way street and two ways.
func small(tb testing.TB) *graph.Graph {
	tb.Helper()
	var b graph.Builder
	ids := []uint32{}
	for i := 0; i < 7; i++ {
		ids = append(ids, b.AddNode(int64(100+i), int32(145000000+i*1000), int32(358900000+(i%3)*700)))
	}
	w1, w2 := b.AddWay(11), b.AddWay(22)
	for _, e := range [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 0}, {1, 4}, {4, 5}, {5, 6}} {
		b.AddEdge(ids[e[0]], ids[e[1]], graph.Seconds(10+e[0]), w1)
		b.AddEdge(ids[e[1]], ids[e[0]], graph.Seconds(10+e[1]), w1)
	}
	b.AddEdge(ids[6], ids[2], 7.5, w2)
	g, err := b.Build(graph.Meta{Profile: "test", Stats: map[string]int64{"ways": 2}})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

func encode(tb testing.TB, g *graph.Graph) []byte {
	tb.Helper()
	b, err := g.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	g := small(t)
	path := filepath.Join(t.TempDir(), "g.rgraph")
	if err := g.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	h, err := graph.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if h.NumNodes() != g.NumNodes() || h.NumEdges() != g.NumEdges() || h.NumCore() != g.NumCore() || h.NumChains() != g.NumChains() {
		t.Fatalf("read back %d nodes %d edges %d core %d chains, wrote %d %d %d %d",
			h.NumNodes(), h.NumEdges(), h.NumCore(), h.NumChains(), g.NumNodes(), g.NumEdges(), g.NumCore(), g.NumChains())
	}
	for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
		if h.OSMID(v) != g.OSMID(v) || h.Point(v) != g.Point(v) {
			t.Errorf("node %d: %d %v, wrote %d %v", v, h.OSMID(v), h.Point(v), g.OSMID(v), g.Point(v))
		}
		for e := g.FirstEdge(v); e < g.FirstEdge(v+1); e++ {
			if h.Head(e) != g.Head(e) || h.Weight(e) != g.Weight(e) || h.WayID(e) != g.WayID(e) {
				t.Errorf("edge %d differs", e)
			}
		}
	}
	if h.Meta().Profile != "test" || h.Meta().Stats["ways"] != 2 {
		t.Errorf("meta = %+v", h.Meta())
	}
	if string(encode(t, h)) != string(encode(t, g)) {
		t.Error("re-encoding the read graph gives other bytes")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries after WriteFile, want only the graph", len(entries))
	}
}

// TestDecodeRefusesBadFiles: every truncation and many corruptions are
// refused with one of the package's errors, never a panic or a graph.
func TestDecodeRefusesBadFiles(t *testing.T) {
	b := encode(t, small(t))
	known := func(err error) bool {
		for _, e := range []error{graph.ErrNotGraph, graph.ErrVersion, graph.ErrTruncated, graph.ErrChecksum, graph.ErrCorrupt} {
			if errors.Is(err, e) {
				return true
			}
		}
		return false
	}
	for n := 0; n < len(b); n++ {
		if g, err := graph.Decode(b[:n]); err == nil || g != nil || !known(err) {
			t.Fatalf("Decode(first %d of %d bytes) = %v, %v", n, len(b), g, err)
		}
	}
	for i := 0; i < len(b); i += 3 {
		c := append([]byte(nil), b...)
		c[i] ^= 0x5a
		if g, err := graph.Decode(c); err == nil || g != nil || !known(err) {
			t.Fatalf("Decode with byte %d flipped = %v, %v", i, g, err)
		}
	}
	if _, err := graph.Decode(append(append([]byte(nil), b...), 0)); !errors.Is(err, graph.ErrCorrupt) {
		t.Errorf("Decode with a trailing byte = %v, want ErrCorrupt", err)
	}
	if _, err := graph.Decode([]byte("PK\x03\x04 a zip file")); !errors.Is(err, graph.ErrNotGraph) {
		t.Errorf("Decode(zip) = %v, want ErrNotGraph", err)
	}
	v2 := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(v2[8:], 2)
	if _, err := graph.Decode(v2); !errors.Is(err, graph.ErrVersion) || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("Decode(version 2) = %v, want ErrVersion naming version 2", err)
	}
}

// TestDecodeChecksInvariants: a file whose checksum is right but whose
// content is not (an edge to a node that does not exist) is refused.
func TestDecodeChecksInvariants(t *testing.T) {
	g := small(t)
	b := encode(t, g)
	n := int(binary.LittleEndian.Uint64(b[16:]))
	metaLen := int(binary.LittleEndian.Uint64(b[64:]))
	off := 72 + (metaLen+7)&^7 + (4*(n+1)+7)&^7 // the first edge head
	binary.LittleEndian.PutUint32(b[off:], uint32(n+5))
	end := len(b) - 8
	binary.LittleEndian.PutUint32(b[end:], crc32.Checksum(b[:end], crc32.MakeTable(crc32.Castagnoli)))
	if _, err := graph.Decode(b); !errors.Is(err, graph.ErrCorrupt) {
		t.Errorf("Decode(edge to node %d of %d, right checksum) = %v, want ErrCorrupt", n+5, n, err)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := graph.ReadFile(filepath.Join(dir, "none.rgraph")); err == nil || !strings.Contains(err.Error(), "none.rgraph") {
		t.Errorf("ReadFile(missing) = %v", err)
	}
	empty := filepath.Join(dir, "empty.rgraph")
	os.WriteFile(empty, nil, 0o644)
	if _, err := graph.ReadFile(empty); !errors.Is(err, graph.ErrNotGraph) || !strings.Contains(err.Error(), "empty.rgraph") {
		t.Errorf("ReadFile(empty) = %v, want ErrNotGraph naming the file", err)
	}
	if err := small(t).WriteFile(filepath.Join(dir, "no", "such", "dir.rgraph")); err == nil {
		t.Error("WriteFile into a missing folder gave no error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries left in the folder, want only empty.rgraph", len(entries))
	}
}

func FuzzGraphFile(f *testing.F) {
	b := encode(f, small(f))
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte("RGRAPH\x00\x1a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := graph.Decode(data)
		if err != nil {
			return
		}
		for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
			for e := g.FirstEdge(v); e < g.FirstEdge(v+1); e++ {
				if int(g.Head(e)) >= g.NumNodes() {
					t.Fatalf("edge %d leads to node %d of %d", e, g.Head(e), g.NumNodes())
				}
			}
		}
		again, err := g.MarshalBinary()
		if err != nil || string(again) != string(data) {
			t.Fatalf("a decoded file re-encodes to other bytes (%v)", err)
		}
	})
}
