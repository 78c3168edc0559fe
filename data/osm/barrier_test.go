package osm_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// barrierXML is one residential street 1-2-...-8 with a barrier on most of
// its nodes, a footway 20-21 with a bollard, and a service road 2-30.
//
//	2 bollard                       closed for every vehicle
//	3 gate, emergency=yes           closed for cars, open for rescue
//	4 lift_gate, motor_vehicle=yes  open
//	5 cattle_grid                   not a blocking kind
//	6 bollard, motor_vehicle=no, access=yes: the specific key wins, closed
//	7 swing_gate, access=permissive open
//	21 bollard on a footway         not on a routable way
const barrierXML = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
 <node id="1" lat="42.500" lon="1.500"/>
 <node id="2" lat="42.501" lon="1.500"><tag k="barrier" v="bollard"/></node>
 <node id="3" lat="42.502" lon="1.500"><tag k="barrier" v="gate"/><tag k="emergency" v="yes"/></node>
 <node id="4" lat="42.503" lon="1.500"><tag k="barrier" v="lift_gate"/><tag k="motor_vehicle" v="yes"/></node>
 <node id="5" lat="42.504" lon="1.500"><tag k="barrier" v="cattle_grid"/></node>
 <node id="6" lat="42.505" lon="1.500"><tag k="barrier" v="bollard"/><tag k="motor_vehicle" v="no"/><tag k="access" v="yes"/></node>
 <node id="7" lat="42.506" lon="1.500"><tag k="barrier" v="swing_gate"/><tag k="access" v="permissive"/></node>
 <node id="8" lat="42.507" lon="1.500"/>
 <node id="20" lat="42.500" lon="1.510"/>
 <node id="21" lat="42.501" lon="1.510"><tag k="barrier" v="bollard"/></node>
 <node id="30" lat="42.501" lon="1.501"/>
 <way id="100"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><tag k="highway" v="residential"/></way>
 <way id="101"><nd ref="20"/><nd ref="21"/><tag k="highway" v="footway"/></way>
 <way id="102"><nd ref="2"/><nd ref="30"/><tag k="highway" v="service"/></way>
</osm>
`

// reachable returns the OSM ids reached from the node with OSM id from,
// sorted, by a plain breadth-first walk over the edges.
func reachable(tb testing.TB, g *graph.Graph, from int64) []int64 {
	tb.Helper()
	s, ok := g.Node(from)
	if !ok {
		tb.Fatalf("node %d not in the graph", from)
	}
	seen := map[graph.NodeID]bool{s: true}
	queue := []graph.NodeID{s}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			if v := g.Head(e); !seen[v] {
				seen[v] = true
				queue = append(queue, v)
			}
		}
	}
	var ids []int64
	for v := range seen {
		ids = append(ids, g.OSMID(v))
	}
	slices.Sort(ids)
	return ids
}

func TestBarriers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "barriers.osm")
	if err := os.WriteFile(path, []byte(barrierXML), 0o644); err != nil {
		t.Fatal(err)
	}
	driveBarriers := builtin(t, "drive")
	driveBarriers.Barriers = osm.DefaultBarrierRules()
	tests := []struct {
		name    string
		profile *osm.Profile
		// from -> the OSM ids reached (negative: copies of a barrier node)
		reach map[int64][]int64
		stats map[string]int64
	}{
		{
			name:    "drive ignores barriers",
			profile: builtin(t, "drive"),
			reach:   map[int64][]int64{1: {1, 2, 3, 4, 5, 6, 7, 8, 30}},
			stats:   map[string]int64{"barriers_applied": 0, "barriers_node_copies": 0},
		},
		{
			name:    "emergency",
			profile: builtin(t, "emergency"),
			// 2 closed: segment 1-2 (the first) keeps node 2, 2-3 gets copy
			// -1; 6 closed: 5-6 keeps it, 6-7 gets -2; way 102's 2-30 gets -3.
			reach: map[int64][]int64{
				1:  {1, 2},
				3:  {-1, 3, 4, 5, 6},
				8:  {-2, 7, 8},
				30: {-3, 30},
			},
			stats: map[string]int64{
				"barriers_applied":               2,
				"barriers_node_copies":           3,
				"barriers_open_by_emergency":     1,
				"barriers_open_by_motor_vehicle": 1,
				"barriers_open_by_access":        1,
				"barriers_passable_kind":         1,
				"barriers_off_routable_ways":     1,
			},
		},
		{
			name:    "drive with barriers",
			profile: driveBarriers,
			// 3 closed too: 2-3 keeps node 3, 3-4 gets copy -2.
			reach: map[int64][]int64{
				1: {1, 2},
				3: {-1, 3},
				4: {-2, 4, 5, 6},
			},
			stats: map[string]int64{
				"barriers_applied":               3,
				"barriers_node_copies":           4,
				"barriers_open_by_emergency":     0,
				"barriers_open_by_motor_vehicle": 1,
				"barriers_open_by_access":        1,
				"barriers_passable_kind":         1,
				"barriers_off_routable_ways":     1,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := buildSafely(t, path, tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			for from, want := range tc.reach {
				if got := reachable(t, g, from); !slices.Equal(got, want) {
					t.Errorf("reachable from %d = %v, want %v", from, got, want)
				}
			}
			stats := g.Meta().Stats
			for k, want := range tc.stats {
				if got := stats[k]; got != want {
					t.Errorf("Stats[%s] = %d, want %d", k, got, want)
				}
			}
			// A copy sits where its barrier is, and the road up to the
			// barrier keeps its length: 1-2 is the same edge either way.
			if tc.profile.Barriers != nil {
				plain, err := buildSafely(t, path, builtin(t, "drive"))
				if err != nil {
					t.Fatal(err)
				}
				if got, want := minEdges(g)[[2]int64{1, 2}], minEdges(plain)[[2]int64{1, 2}]; got != want {
					t.Errorf("edge 1->2 = %v s, want %v s as without barriers", got, want)
				}
				for v := 0; v < g.NumNodes(); v++ {
					if id := g.OSMID(graph.NodeID(v)); id < 0 {
						if p := g.Point(graph.NodeID(v)); p[0] != 1.5 && p[0] != 1.501 {
							t.Errorf("copy %d at %v, not on the street", id, p)
						}
					}
				}
			}
		})
	}
}

// TestBarrierRulesJudge checks the access hierarchy on single nodes.
func TestBarrierRulesJudge(t *testing.T) {
	r := builtin(t, "emergency").Barriers
	if r == nil {
		t.Fatal("the emergency profile has no barrier rules")
	}
	tests := []struct {
		tags        map[string]string
		closed      bool
		passKey     string
		notABarrier bool
	}{
		{tags: map[string]string{"barrier": "bollard"}, closed: true},
		{tags: map[string]string{"barrier": "chain", "emergency": "designated"}, passKey: "emergency"},
		{tags: map[string]string{"barrier": "gate", "emergency": "no", "access": "yes"}, closed: true},
		{tags: map[string]string{"barrier": "gate", "access": "private"}, closed: true},
		{tags: map[string]string{"barrier": "block", "motorcar": "yes", "access": "no"}, passKey: "motorcar"},
		{tags: map[string]string{"barrier": "Bollard"}, notABarrier: true},
		{tags: map[string]string{"barrier": "kerb"}, notABarrier: true},
		{tags: map[string]string{"access": "no"}, notABarrier: true},
	}
	for _, tc := range tests {
		v := r.Judge(mapTags(tc.tags))
		if v.Closed != tc.closed || v.PassKey != tc.passKey || (v.Barrier == "") != tc.notABarrier {
			t.Errorf("Judge(%v) = %+v, want closed %v, pass key %q, a barrier %v", tc.tags, v, tc.closed, tc.passKey, !tc.notABarrier)
		}
	}
}

type mapTags map[string]string

func (m mapTags) Find(k string) string { return m[k] }

// TestBarriersReal builds Andorra and Malta with the emergency profile:
// their real barriers must be applied, and the hierarchy built on the split
// graph must answer as Dijkstra does on every node.
func TestBarriersReal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two real extracts")
	}
	for _, region := range [][2]string{{"andorra", "andorra.osm.pbf"}, {"malta", "malta-latest.osm.pbf"}} {
		t.Run(region[0], func(t *testing.T) {
			em := builtin(t, "emergency")
			em.TurnRestrictions = nil // they add nodes and edges of their own: TestTurnRestrictionsReal
			g, err := buildSafely(t, shared.Path(t, "data", region[0], region[1]), em)
			if err != nil {
				t.Fatal(err)
			}
			st := g.Meta().Stats
			if st["barriers_applied"] == 0 || st["barriers_node_copies"] == 0 {
				t.Fatalf("no barrier applied: %v", st)
			}
			// Splitting moves edge ends, it adds or drops none: the same
			// edges, and one more node per copy.
			noBar := builtin(t, "emergency")
			noBar.Barriers = nil
			noBar.TurnRestrictions = nil
			plain, err := buildSafely(t, shared.Path(t, "data", region[0], region[1]), noBar)
			if err != nil {
				t.Fatal(err)
			}
			if g.NumEdges() != plain.NumEdges() || int64(g.NumNodes()-plain.NumNodes()) != st["barriers_node_copies"] {
				t.Errorf("with barriers %d nodes, %d edges; without %d nodes, %d edges; %d copies",
					g.NumNodes(), g.NumEdges(), plain.NumNodes(), plain.NumEdges(), st["barriers_node_copies"])
			}
			if g.Hierarchy() == nil {
				t.Fatal("no hierarchy")
			}
			rng := rand.New(rand.NewPCG(14, uint64(g.NumNodes())))
			for run := 0; run < 3; run++ {
				var seeds []route.Seed
				for k := 0; k < 1+run*4; k++ {
					seeds = append(seeds, route.Seed{Node: graph.NodeID(rng.IntN(g.NumNodes())), Source: int32(k)})
				}
				ph, dj := route.NewSearch(g), route.NewSearch(g)
				if err := ph.Run(context.Background(), seeds, route.Options{Method: route.PHAST}); err != nil {
					t.Fatal(err)
				}
				if err := dj.Run(context.Background(), seeds, route.Options{Method: route.Dijkstra}); err != nil {
					t.Fatal(err)
				}
				for v := 0; v < g.NumNodes(); v++ {
					a, okA := ph.Time(graph.NodeID(v))
					b, okB := dj.Time(graph.NodeID(v))
					if okA != okB || (okA && (a-b > 1e-9 || b-a > 1e-9)) {
						t.Fatalf("run %d node %d: PHAST %v,%v, Dijkstra %v,%v", run, v, a, okA, b, okB)
					}
				}
			}
		})
	}
}
