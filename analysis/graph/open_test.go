package graph_test

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

func TestOpenIsReadFile(t *testing.T) {
	g := fileGraph(t)
	path := filepath.Join(t.TempDir(), "g.rgraph")
	if err := g.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []graph.OpenOptions{{}, {Verify: true}, {SkipChecksum: true}} {
		m, err := graph.Open(path, opt)
		if err != nil {
			t.Fatalf("Open(%+v): %v", opt, err)
		}
		if !m.Mapped() {
			t.Errorf("Open(%+v).Mapped() = false on a unix machine", opt)
		}
		sameGraph(t, m, g)
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	r, err := graph.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mapped() {
		t.Error("ReadFile(...).Mapped() = true")
	}
}

// TestOpenRefusals: what ReadFile refuses, Open refuses with the same
// sentinel (a flipped byte by its checksum, unless told to skip it).
func TestOpenRefusals(t *testing.T) {
	g := fileGraph(t)
	b := marshal(t, g)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)/2] ^= 0x40
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, graph.ErrNotGraph},
		{"foreign", []byte("PK\x03\x04 not a graph at all, a zip file ....................................."), graph.ErrNotGraph},
		{"header only", b[:72], graph.ErrTruncated},
		{"truncated", b[:len(b)-9], graph.ErrTruncated},
		{"trailing bytes", append(append([]byte(nil), b...), 0, 0, 0, 0, 0, 0, 0, 0), graph.ErrCorrupt},
		{"flipped byte", flipped, graph.ErrChecksum},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graph.Open(write(tc.name, tc.data), graph.OpenOptions{})
			if !errors.Is(err, tc.want) {
				t.Errorf("Open(%s) = %v, want %v", tc.name, err, tc.want)
			}
		})
	}
	if _, err := graph.Open(filepath.Join(dir, "missing"), graph.OpenOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want os.ErrNotExist", err)
	}
}

// TestOpenHierarchy opens a graph with a contraction hierarchy in place and
// checks that a PHAST search over it gives ReadFile's times bit for bit.
func TestOpenHierarchy(t *testing.T) {
	g := graphtest.Chains(t, rand.New(rand.NewPCG(18, 1)), 400, true)
	if g.Hierarchy() == nil {
		t.Fatal("graphtest.Chains(..., true) has no hierarchy")
	}
	path := filepath.Join(t.TempDir(), "ch.rgraph")
	if err := g.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	r, err := graph.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := graph.Open(path, graph.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Hierarchy() == nil {
		t.Fatal("Open lost the hierarchy")
	}
	sr, sm := route.NewSearch(r), route.NewSearch(m)
	for _, src := range []graph.NodeID{0, 7, graph.NodeID(g.NumNodes() / 2)} {
		seeds := []route.Seed{{Node: src}}
		opt := route.Options{Method: route.PHAST}
		if err := sr.Run(context.Background(), seeds, opt); err != nil {
			t.Fatal(err)
		}
		if err := sm.Run(context.Background(), seeds, opt); err != nil {
			t.Fatal(err)
		}
		for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
			a, _ := sr.Time(v)
			b, _ := sm.Time(v)
			if math.Float64bits(float64(a)) != math.Float64bits(float64(b)) {
				t.Fatalf("PHAST from %d: node %d at %v s on the read graph, %v s on the opened one", src, v, a, b)
			}
		}
	}
}

// TestOpenChecksPolicy: Open without options refuses a flipped byte in
// every section (the chunk checksums, checked on every core), SkipChecksum
// takes a changed value as it is but refuses a changed index (the header,
// the chunk table and every index are still checked), and Verify refuses a file whose stored core graph or
// sweep order or bounding box is not the one its edges give even when every
// checksum matches (a buggy writer).
func TestOpenChecksPolicy(t *testing.T) {
	g := fileGraph(t, true)
	b := marshal(t, g)
	l := layoutOf(t, b)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, at := range []struct {
		name  string
		off   int
		index bool // the byte is part of an index a search follows
	}{{"weights", l.weights, false}, {"hierarchy", l.upTimes, false}, {"core times", l.coreTimes, false}, {"sweep order", l.order, true}} {
		c := slices.Clone(b)
		c[at.off] ^= 0x10
		p := write("flip-"+at.name, c)
		if _, err := graph.Open(p, graph.OpenOptions{}); !errors.Is(err, graph.ErrChecksum) || !strings.Contains(err.Error(), "chunk 1 of 1") {
			t.Errorf("Open(byte of the %s flipped) = %v, want ErrChecksum naming the chunk", at.name, err)
		}
		m, err := graph.Open(p, graph.OpenOptions{SkipChecksum: true})
		switch {
		case at.index && !errors.Is(err, graph.ErrCorrupt):
			t.Errorf("Open(byte of the %s flipped, SkipChecksum) = %v, want ErrCorrupt (every index is checked without the checksums)", at.name, err)
		case !at.index && err != nil:
			t.Errorf("Open(byte of the %s flipped, SkipChecksum) = %v, want the file taken as it is", at.name, err)
		}
		if err == nil {
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	}
	c := slices.Clone(b)
	c[l.table] ^= 1 // the chunk table itself is checked whatever the options
	if _, err := graph.Open(write("table", c), graph.OpenOptions{SkipChecksum: true}); !errors.Is(err, graph.ErrChecksum) {
		t.Errorf("Open(chunk table flipped, SkipChecksum) = %v, want ErrChecksum", err)
	}
	le := binary.LittleEndian
	for _, tc := range []struct {
		name    string
		mutate  func(c []byte)
		mention string
	}{
		{"core time", func(c []byte) { le.PutUint64(c[l.coreTimes:], math.Float64bits(1e6)) }, "core"},
		{"sweep order", func(c []byte) { le.PutUint32(c[l.order:], le.Uint32(c[l.order+4:])) }, "hierarchy"},
		{"bounding box", func(c []byte) { le.PutUint32(c[l.bound+8:], le.Uint32(c[l.bound+8:])+1) }, "bounding box"},
	} {
		c := slices.Clone(b)
		tc.mutate(c)
		reseal(c)
		p := write("wrong-"+tc.name, c)
		if _, err := graph.Open(p, graph.OpenOptions{Verify: true}); !errors.Is(err, graph.ErrCorrupt) || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("Open(stored %s wrong, right checksums, Verify) = %v, want ErrCorrupt mentioning %q", tc.name, err, tc.mention)
		}
		if _, err := graph.ReadFile(p); !errors.Is(err, graph.ErrCorrupt) {
			t.Errorf("ReadFile(stored %s wrong, right checksums) = %v, want ErrCorrupt", tc.name, err)
		}
	}
}
