package bench_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

type region struct {
	name, pbf string
}

var regions = []region{
	{"PortoAlegre", "porto-alegre/poa_osm.pbf"},
	{"Andorra", "andorra/andorra.osm.pbf"},
	{"Malta", "malta/malta-latest.osm.pbf"},
}

func refDir(r region) string {
	switch r.name {
	case "PortoAlegre":
		return "porto-alegre"
	}
	return map[string]string{"Andorra": "andorra", "Malta": "malta"}[r.name]
}

var (
	graphsMu sync.Mutex
	graphs   = map[string]*graph.Graph{}
)

// load builds the region's drive graph once per test binary.
func load(tb testing.TB, r region) *graph.Graph {
	tb.Helper()
	graphsMu.Lock()
	defer graphsMu.Unlock()
	if g, ok := graphs[r.name]; ok {
		return g
	}
	p, err := osm.BuiltinProfile("drive")
	if err != nil {
		tb.Fatal(err)
	}
	g, err := osm.Build(context.Background(), shared.Path(tb, "data", r.pbf), p, osm.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	graphs[r.name] = g
	return g
}

// sources returns the peers' sources as seeds pinned on their vertices.
func sources(tb testing.TB, r region, g *graph.Graph) []route.Seed {
	tb.Helper()
	f, err := os.Open(shared.Path(tb, "reference", refDir(r), "sources.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var seeds []route.Seed
	for i, row := range rows[1:] {
		id, _ := strconv.ParseInt(row[4], 10, 64)
		v, ok := g.Node(id)
		if !ok {
			tb.Fatalf("source node %d not in graph", id)
		}
		seeds = append(seeds, route.Seed{Node: v, Source: int32(i)})
	}
	return seeds
}

func BenchmarkBuild(b *testing.B) {
	p, err := osm.BuiltinProfile("drive")
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range regions {
		b.Run(r.name, func(b *testing.B) {
			path := shared.Path(b, "data", r.pbf)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := osm.Build(context.Background(), path, p, osm.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, r := range regions {
		b.Run(r.name, func(b *testing.B) {
			g := load(b, r)
			path := filepath.Join(b.TempDir(), "g.rgraph")
			if err := g.WriteFile(path); err != nil {
				b.Fatal(err)
			}
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := graph.ReadFile(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// methods are the two ways a search settles the core graph, benchmarked side by side.
var methods = []struct {
	name string
	m    route.Method
}{{"Dijkstra", route.Dijkstra}, {"PHAST", route.PHAST}}

// BenchmarkMultiSource is the peers' query: the time from the nearest source
// to every node, with no limit and with 900 s, copied out as an array per
// node (what scipy's dijkstra(min_only=True) returns), into a reused buffer,
// with the chain pass on all cores as `reach` runs it (NoLimit1core: on one).
func BenchmarkMultiSource(b *testing.B) {
	for _, r := range regions {
		g := load(b, r)
		seeds := sources(b, r, g)
		for _, limit := range []struct {
			name    string
			s       graph.Seconds
			workers int
		}{{"NoLimit", 0, runtime.GOMAXPROCS(0)}, {"15min", 900, runtime.GOMAXPROCS(0)}, {"NoLimit1core", 0, 1}} {
			for _, m := range methods {
				b.Run(r.name+"/"+limit.name+"/"+m.name, func(b *testing.B) {
					s := route.NewSearch(g)
					s.FillWorkers = limit.workers
					var tree route.Tree
					b.ReportAllocs()
					cpu := reportCPU(b)
					for b.Loop() {
						if err := s.Run(context.Background(), seeds, route.Options{Limit: limit.s, Method: m.m}); err != nil {
							b.Fatal(err)
						}
						s.TreeInto(&tree)
					}
					cpu()
					b.ReportMetric(float64(len(s.Settled())), "nodes")
				})
			}
		}
	}
}

// BenchmarkSingleSource is one base's own reach (the building block of
// isochrones and station siting): no allocation, workspace reused, one
// core; with no limit and with 5, 15 and 30 min, by Dijkstra, PHAST and
// Auto (Dijkstra turning to PHAST past a fifth of the core graph, what
// `reach` and isochrones run): where each method pays.
func BenchmarkSingleSource(b *testing.B) {
	for _, r := range regions {
		g := load(b, r)
		seeds := sources(b, r, g)[:1]
		for _, limit := range []struct {
			name string
			s    graph.Seconds
		}{{"NoLimit", 0}, {"5min", 300}, {"15min", 900}, {"30min", 1800}} {
			for _, m := range append(methods, struct {
				name string
				m    route.Method
			}{"Auto", route.Auto}) {
				b.Run(r.name+"/"+limit.name+"/"+m.name, func(b *testing.B) {
					s := route.NewSearch(g)
					b.ReportAllocs()
					cpu := reportCPU(b)
					for b.Loop() {
						if err := s.Run(context.Background(), seeds, route.Options{Limit: limit.s, Method: m.m}); err != nil {
							b.Fatal(err)
						}
					}
					cpu()
					b.ReportMetric(float64(len(s.Settled())), "nodes")
				})
			}
		}
	}
}

// TestGraphMemory pins the size of the in-memory graph: under 40 bytes per
// directed edge (the target) on every region.
func TestGraphMemory(t *testing.T) {
	for _, r := range regions {
		g := load(t, r)
		per := float64(g.MemoryBytes()) / float64(g.NumEdges())
		t.Logf("%s: %d nodes, %d edges, %d bytes, %.1f bytes per directed edge", r.name, g.NumNodes(), g.NumEdges(), g.MemoryBytes(), per)
		if per >= 40 {
			t.Errorf("%s: %.1f bytes per directed edge, want < 40", r.name, per)
		}
	}
}
