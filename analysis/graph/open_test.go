package graph_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
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
