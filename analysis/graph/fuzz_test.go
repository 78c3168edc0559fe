package graph_test

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

var updateDecodeCorpus = flag.Bool("update-decode-corpus", false, "rewrite the FuzzDecode seed files in testdata/fuzz/FuzzDecode")

// fuzzGraph is a graph with every part of the file (a core, a chain, two
// components, two ways) in as few bytes as can be: the fuzzer's minimizer
// works in time quadratic in the input's length, and on a 1 kB file it
// spends a 20-second run minimizing instead of fuzzing.
func fuzzGraph(tb testing.TB) *graph.Graph {
	tb.Helper()
	b := graph.Builder{Hierarchy: true} // the hierarchy section too
	a := b.AddNode(10, 15000000, 425000000)
	c := b.AddNode(11, 15001000, 425000000)
	d := b.AddNode(12, 15001000, 425001000)
	e := b.AddNode(13, 14999000, 424999000)
	w1, w2 := b.AddWay(7), b.AddWay(8)
	// A loop a -> c -> d -> a (c and d are its chain), and a -> e one-way.
	b.AddEdge(a, c, 1.5, w1)
	b.AddEdge(c, a, 1.5, w1)
	b.AddEdge(c, d, 2, w1)
	b.AddEdge(d, c, 2, w1)
	b.AddEdge(d, a, 0.25, w1)
	b.AddEdge(a, d, 0.25, w1)
	b.AddEdge(a, e, 3, w2)
	g, err := b.Build(graph.Meta{Profile: "f"})
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return g
}

// decodeSeeds are the checked-in seeds of FuzzDecode, by file name: a valid
// file and corruptions of it that stop at each of Decode's checks.
func decodeSeeds(tb testing.TB) map[string][]byte {
	tb.Helper()
	valid := marshal(tb, fuzzGraph(tb))
	l := layoutOf(tb, valid)
	with := func(f func(c []byte)) []byte { c := slices.Clone(valid); f(c); return c }
	return map[string][]byte{
		"valid":         valid,
		"empty":         {},
		"magic-only":    valid[:8],
		"header-only":   valid[:72],
		"truncated":     valid[:len(valid)/2],
		"version-1":     with(func(c []byte) { binary.LittleEndian.PutUint32(c[8:], 1) }),
		"version-2":     with(func(c []byte) { binary.LittleEndian.PutUint32(c[8:], 2) }),
		"flipped-body":  with(func(c []byte) { c[l.weights+3] ^= 0x40 }),
		"trailing-byte": append(slices.Clone(valid), 0),
		"no-end-marker": with(func(c []byte) { copy(c[len(c)-4:], "RGEM") }),
		"huge-count":    with(func(c []byte) { binary.LittleEndian.PutUint64(c[16:], math.MaxUint32) }),
		// Right checksum, wrong content: these reach the consistency checks.
		"edge-head-out-of-range": with(func(c []byte) { binary.LittleEndian.PutUint32(c[l.targets:], uint32(l.n)); reseal(c) }),
		"duplicate-osm-id": with(func(c []byte) {
			binary.LittleEndian.PutUint64(c[l.osmIDs+8:], binary.LittleEndian.Uint64(c[l.osmIDs:]))
			reseal(c)
		}),
		"chain-table-broken": with(func(c []byte) { binary.LittleEndian.PutUint32(c[l.chainA:], uint32(l.n-1)); reseal(c) }),
		"stored-core-time-wrong": with(func(c []byte) {
			binary.LittleEndian.PutUint64(c[l.coreTimes:], math.Float64bits(7))
			reseal(c)
		}),
	}
}

// readCorpusBytes reads a `go test fuzz v1` file holding one []byte value.
func readCorpusBytes(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
		tb.Fatalf("%s is not a go test fuzz v1 file with one []byte", path)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// TestDecodeCorpus checks the checked-in seeds: each is what decodeSeeds
// makes today (run with -update-decode-corpus after a format change), and
// the valid one still decodes, so the fuzzer starts from a real graph file.
func TestDecodeCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	seeds := decodeSeeds(t)
	if *updateDecodeCorpus {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(dir, name), fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, want := range seeds {
		got := readCorpusBytes(t, filepath.Join(dir, name))
		if !bytes.Equal(got, want) {
			t.Errorf("seed %s is out of date (%d bytes, want %d): run go test -run TestDecodeCorpus -update-decode-corpus", name, len(got), len(want))
		}
		g, err := graph.Decode(got)
		if (name == "valid") != (err == nil) || (g == nil) != (err != nil) {
			t.Errorf("Decode(seed %s) = graph %t, %v", name, g != nil, err)
		}
	}
}

// FuzzDecode: Decode never panics, and a graph it returns is one the
// searches can trust and that encodes to the bytes it came from. Each input
// is also tried with its checksum recomputed, so that the fuzzer gets past
// the CRC to the consistency checks.
func FuzzDecode(f *testing.F) {
	for _, b := range decodeSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, true)
		if len(data) >= 8 {
			c := slices.Clone(data)
			reseal(c)
			checkDecode(t, c, false)
		}
	})
}

// checkDecode decodes data and checks the result. A canonical input (as
// written) must re-encode to itself; a resealed one may hold bytes Decode
// does not look at (padding, the reserved field, JSON spacing), so it must
// re-encode to a file that decodes and re-encodes to itself.
func checkDecode(t *testing.T, data []byte, canonical bool) {
	t.Helper()
	g, err := graph.Decode(data)
	if err != nil {
		if g != nil {
			t.Fatalf("Decode = a graph and the error %v", err)
		}
		if !isOneOf(err, sentinels...) {
			t.Fatalf("Decode error %q wraps none of ErrNotGraph, ErrVersion, ErrTruncated, ErrChecksum, ErrCorrupt", err)
		}
		return
	}
	checkInvariants(t, g)
	again, err := g.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary of a decoded graph: %v", err)
	}
	if canonical {
		if !bytes.Equal(again, data) {
			t.Fatalf("a decoded file re-encodes to other bytes (%d, was %d)", len(again), len(data))
		}
		return
	}
	h, err := graph.Decode(again)
	if err != nil {
		t.Fatalf("Decode(MarshalBinary(Decode(data))) = %v", err)
	}
	if third, _ := h.MarshalBinary(); !bytes.Equal(third, again) {
		t.Fatal("encoding is not stable: decode and encode once more gives other bytes")
	}
}

// checkInvariants fails t unless g holds what searches and lookups rely on.
func checkInvariants(t *testing.T, g *graph.Graph) {
	t.Helper()
	n := g.NumNodes()
	if n == 0 {
		t.Fatal("a decoded graph has no nodes")
	}
	if g.FirstEdge(0) != 0 || int(g.FirstEdge(graph.NodeID(n))) != g.NumEdges() {
		t.Fatalf("edges run %d..%d, want 0..%d", g.FirstEdge(0), g.FirstEdge(graph.NodeID(n)), g.NumEdges())
	}
	if g.NumCore() < 1 || g.NumCore() > n {
		t.Fatalf("NumCore() = %d of %d nodes", g.NumCore(), n)
	}
	for v := graph.NodeID(0); int(v) < n; v++ {
		if g.FirstEdge(v) > g.FirstEdge(v+1) {
			t.Fatalf("FirstEdge(%d) = %d > FirstEdge(%d) = %d", v, g.FirstEdge(v), v+1, g.FirstEdge(v+1))
		}
		for e := g.FirstEdge(v); e < g.FirstEdge(v+1); e++ {
			if int(g.Head(e)) >= n {
				t.Fatalf("edge %d leads to node %d of %d", e, g.Head(e), n)
			}
			if w := float64(g.Weight(e)); !(w >= 0) || math.IsInf(w, 0) {
				t.Fatalf("edge %d takes %v s", e, w)
			}
			_ = g.WayID(e)
		}
		if u, ok := g.Node(g.OSMID(v)); !ok || u != v {
			t.Fatalf("Node(OSMID(%d) = %d) = %d, %t; want %d", v, g.OSMID(v), u, ok, v)
		}
		if p := g.Point(v); !(math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90) {
			t.Fatalf("Point(%d) = %v", v, p)
		}
		if c, size := g.Component(v); int(c) >= g.NumComponents() || size < 1 {
			t.Fatalf("Component(%d) = %d, %d of %d components", v, c, size, g.NumComponents())
		}
		if int(v) >= g.NumCore() {
			c := g.ChainOf(v)
			if first, end, _, _ := g.Chain(c); v < first || v >= end {
				t.Fatalf("ChainOf(%d) = chain %d of nodes %d..%d", v, c, first, end)
			}
		}
	}
	if r := g.Reverse(); r.NumEdges() != g.NumEdges() {
		t.Fatalf("Reverse() has %d edges, want %d", r.NumEdges(), g.NumEdges())
	}
}
