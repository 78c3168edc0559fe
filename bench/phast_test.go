package bench_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
)

// TestPHASTMatchesDijkstra: on every node of Porto Alegre, Andorra and
// Malta, the PHAST sweep over the contraction hierarchy gives Dijkstra's
// time to within 1e-9 s (shortcuts add the same edge times in another
// order) and the same nearest source, except at ties within that rounding,
// where the PHAST source's own time is checked to tie. Multi-source from
// the peers' sources, and single sources at random nodes (FillWorkers 1
// and 2 alternately: two split Dijkstra's chain pass here, and PHAST's
// only from 131,072 chain nodes, so route's own test splits it on small
// graphs); and Auto with 5 and 15 min, which runs one or the other.
func TestPHASTMatchesDijkstra(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data exactness check")
	}
	for _, r := range regions {
		t.Run(r.name, func(t *testing.T) {
			g := load(t, r)
			if g.Hierarchy() == nil {
				t.Fatal("graph built from OSM has no hierarchy")
			}
			all := sources(t, r, g)
			groups := [][]route.Seed{all}
			rng := rand.New(rand.NewPCG(7, uint64(g.NumNodes())))
			for k := 0; k < 4; k++ {
				groups = append(groups, []route.Seed{{Node: graph.NodeID(rng.IntN(g.NumNodes()))}})
			}
			ph, dj, alt := route.NewSearch(g), route.NewSearch(g), route.NewSearch(g)
			ctx := context.Background()
			var same, within, ties int
			var maxDiff float64
			for gi, seeds := range groups {
				ph.FillWorkers = 1 + gi%2 // chain nodes on one worker, or split in two
				for _, run := range []struct {
					limit graph.Seconds
					m     route.Method
				}{{0, route.PHAST}, {900, route.PHAST}, {300, route.Auto}, {900, route.Auto}} {
					limit := run.limit
					if err := ph.Run(ctx, seeds, route.Options{Limit: limit, Method: run.m}); err != nil {
						t.Fatal(err)
					}
					if err := dj.Run(ctx, seeds, route.Options{Limit: limit, Method: route.Dijkstra}); err != nil {
						t.Fatal(err)
					}
					if len(ph.Settled()) != len(dj.Settled()) {
						t.Errorf("limit %v: PHAST reached %d nodes, Dijkstra %d", limit, len(ph.Settled()), len(dj.Settled()))
					}
					for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
						pt, pok := ph.Time(v)
						dt, dok := dj.Time(v)
						if pok != dok {
							// Only a node within rounding of the limit may differ.
							if math.Abs(float64(min(pt, dt)-limit)) > 1e-9 {
								t.Fatalf("limit %v: node %d reached by PHAST %v (%v s), by Dijkstra %v (%v s)", limit, v, pok, pt, dok, dt)
							}
							continue
						}
						if !pok {
							continue
						}
						d := math.Abs(float64(pt - dt))
						maxDiff = max(maxDiff, d)
						switch {
						case d == 0:
							same++
						case d <= 1e-9:
							within++
						default:
							t.Fatalf("limit %v: node %d: PHAST %v s, Dijkstra %v s", limit, v, pt, dt)
						}
						if ps, ds := ph.Source(v), dj.Source(v); ps != ds {
							var own []route.Seed
							for _, sd := range seeds {
								if sd.Source == ps {
									own = append(own, sd)
								}
							}
							if err := alt.Run(ctx, own, route.Options{Method: route.Dijkstra}); err != nil {
								t.Fatal(err)
							}
							if at, _ := alt.Time(v); math.Abs(float64(at-dt)) > 1e-9 {
								t.Fatalf("node %d: PHAST says source %d, Dijkstra %d; source %d's own time %v s, best %v s", v, ps, ds, ps, at, dt)
							}
							ties++
						}
					}
				}
			}
			t.Logf("%s: %d node times bit-identical, %d within 1e-9 s (max %.2g s); %d nearest-source ties broken otherwise",
				r.name, same, within, maxDiff, ties)
		})
	}
}

// BenchmarkContract is the hierarchy's build time on the core graph, and
// its size: up and down edges (shortcuts included) against the core graph's.
func BenchmarkContract(b *testing.B) {
	for _, r := range regions {
		g := load(b, r)
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			var h *graph.Hierarchy
			cpu := reportCPU(b)
			for b.Loop() {
				h = graph.Contract(g)
			}
			cpu()
			_, tgt, _ := g.CoreCSR()
			b.ReportMetric(float64(g.NumCore()), "core_nodes")
			b.ReportMetric(float64(len(tgt)), "core_edges")
			b.ReportMetric(float64(h.NumUp()+h.NumDown()), "ch_edges")
		})
	}
}

// TestContractTime reports (does not assert) the build time of each
// region's hierarchy, for bench/README.md.
func TestContractTime(t *testing.T) {
	for _, r := range regions {
		g := load(t, r)
		t0 := time.Now()
		h := graph.Contract(g)
		t.Logf("%s: %d core nodes contracted in %v: %d up, %d down edges", r.name, g.NumCore(), time.Since(t0), h.NumUp(), h.NumDown())
	}
}

// TestSitingMatrixRPHAST: Andorra's and Malta's siting matrices (res-8
// candidates and the fire stations, res-9 residents, 30 min) by RPHAST hold
// the same entries as by bounded Dijkstra, each time equal up to the
// float32 an entry keeps (the float64 times differ by about 1e-12 s).
func TestSitingMatrixRPHAST(t *testing.T) {
	if testing.Short() {
		t.Skip("real-data matrices")
	}
	for _, r := range []struct {
		reg region
		pop float64
	}{{regions[1], 77543}, {regions[2], 475700}} {
		t.Run(r.reg.name, func(t *testing.T) {
			s := loadSiting(t, r.reg, r.pop)
			sites := s.sites(t, 8)
			dj := s.matrixWith(t, sites, s.demand, true)
			ph := s.matrixWith(t, sites, s.demand, false)
			if dj.NumEntries() != ph.NumEntries() {
				t.Fatalf("entries: Dijkstra %d, RPHAST %d", dj.NumEntries(), ph.NumEntries())
			}
			exact, ulp := 0, 0
			for j := 0; j < dj.NumSites(); j++ {
				want := map[uint32]siting.Seconds{}
				for _, e := range dj.Row(j) {
					want[e.Cell] = e.Seconds
				}
				for _, e := range ph.Row(j) {
					w, ok := want[e.Cell]
					switch {
					case !ok:
						t.Fatalf("site %d: RPHAST reaches cell %d, Dijkstra does not", j, e.Cell)
					case w == e.Seconds:
						exact++
					case math.Nextafter32(float32(w), float32(e.Seconds)) == float32(e.Seconds):
						ulp++
					default:
						t.Fatalf("site %d cell %d: RPHAST %v s, Dijkstra %v s", j, e.Cell, e.Seconds, w)
					}
				}
			}
			t.Logf("%s: %d sites, %d entries: %d equal, %d one float32 step apart", r.reg.name, dj.NumSites(), dj.NumEntries(), exact, ulp)
		})
	}
}
