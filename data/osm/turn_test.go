package osm_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/robustness"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// crossNodes and crossWays are a junction C (node 1) with four arms, all
// residential and two-way:
//
//	          6
//	          |   way 11 is 1-3-6: C, N, then a dead end 6
//	          3
//	          |
//	4 ------- 1 ----------------- 2     way 12 is 1-4 (west), way 13 is 1-2 (east, long)
//	          |
//	          5                         way 10 is 5-1 (south)
//
// Coming from the south (5), west is a left turn. Every arm ends in a dead
// end, where a vehicle may turn round: forbidding the left turn sends it on
// to the nearest place it may turn round and back.
const crossNodes = `
 <node id="1" lat="42.500" lon="1.5000"/>
 <node id="2" lat="42.500" lon="1.5030"/>
 <node id="3" lat="42.501" lon="1.5000"/>
 <node id="4" lat="42.500" lon="1.4987"/>
 <node id="5" lat="42.499" lon="1.5000"/>
 <node id="6" lat="42.502" lon="1.5000"/>
 <node id="7" lat="42.499" lon="1.4990"/>
 <node id="8" lat="42.498" lon="1.4990"/>`

const crossWays = `
 <way id="10"><nd ref="5"/><nd ref="1"/><tag k="highway" v="residential"/></way>
 <way id="11"><nd ref="1"/><nd ref="3"/><nd ref="6"/><tag k="highway" v="residential"/></way>
 <way id="12"><nd ref="1"/><nd ref="4"/><tag k="highway" v="residential"/></way>
 <way id="13"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>
 <way id="14"><nd ref="7"/><nd ref="8"/><tag k="highway" v="footway"/></way>`

// restriction writes a type=restriction relation: tags as k=v pairs, then
// members as "role type ref".
func restriction(id string, tags []string, members ...string) string {
	var s strings.Builder
	s.WriteString(` <relation id="` + id + `">`)
	for _, m := range members {
		f := strings.Fields(m)
		s.WriteString(`<member type="` + f[1] + `" ref="` + f[2] + `" role="` + f[0] + `"/>`)
	}
	s.WriteString(`<tag k="type" v="restriction"/>`)
	for _, t := range tags {
		k, v, _ := strings.Cut(t, "=")
		s.WriteString(`<tag k="` + k + `" v="` + v + `"/>`)
	}
	s.WriteString("</relation>\n")
	return s.String()
}

func osmFile(t *testing.T, parts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "turns.osm")
	body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6" generator="hand">` + strings.Join(parts, "\n") + "\n</osm>\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func emergencyTurns(t *testing.T) *osm.Profile {
	p := builtin(t, "emergency")
	if p.TurnRestrictions == nil {
		t.Fatal("the emergency profile has no turn rules")
	}
	return p
}

func driveTurns(t *testing.T) *osm.Profile {
	p := builtin(t, "drive")
	p.TurnRestrictions = osm.DefaultTurnRules()
	return p
}

func mustBuild(t *testing.T, path string, p *osm.Profile) *graph.Graph {
	t.Helper()
	g, err := buildSafely(t, path, p)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// times runs Dijkstra from the OSM node from, checks that PHAST and RPHAST
// (targets: every node) agree on every node, and returns the time to each
// OSM node with a positive id.
func times(t *testing.T, g *graph.Graph, from int64) map[int64]graph.Seconds {
	t.Helper()
	s, ok := g.Node(from)
	if !ok {
		t.Fatalf("node %d not in the graph", from)
	}
	seeds := []route.Seed{{Node: s}}
	all := make([]graph.NodeID, g.NumNodes())
	for v := range all {
		all[v] = graph.NodeID(v)
	}
	dj := route.NewSearch(g)
	if err := dj.Run(context.Background(), seeds, route.Options{Method: route.Dijkstra}); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []route.Options{{Method: route.PHAST}, {Targets: route.NewTargets(g, all)}} {
		other := route.NewSearch(g)
		if err := other.Run(context.Background(), seeds, opt); err != nil {
			t.Fatal(err)
		}
		for v := 0; v < g.NumNodes(); v++ {
			a, okA := dj.Time(graph.NodeID(v))
			b, okB := other.Time(graph.NodeID(v))
			if okA != okB || math.Abs(float64(a-b)) > 1e-9 {
				t.Fatalf("from %d, node %d (OSM %d): Dijkstra %v,%v, %+v %v,%v", from, v, g.OSMID(graph.NodeID(v)), a, okA, opt, b, okB)
			}
		}
	}
	// A node's time is the best over it and its copies (same place).
	best := map[orb.Point]graph.Seconds{}
	for v := 0; v < g.NumNodes(); v++ {
		if tm, ok := dj.Time(graph.NodeID(v)); ok {
			p := g.Point(graph.NodeID(v))
			if b, seen := best[p]; !seen || tm < b {
				best[p] = tm
			}
		}
	}
	out := map[int64]graph.Seconds{}
	for v := 0; v < g.NumNodes(); v++ {
		if id := g.OSMID(graph.NodeID(v)); id > 0 {
			if tm, ok := best[g.Point(graph.NodeID(v))]; ok {
				out[id] = tm
			}
		}
	}
	return out
}

// path sums the plain graph's edge times along OSM nodes, in order.
func path(t *testing.T, plain *graph.Graph, ids ...int64) graph.Seconds {
	t.Helper()
	var sum graph.Seconds
	for k := 0; k+1 < len(ids); k++ {
		a, _ := plain.Node(ids[k])
		b, _ := plain.Node(ids[k+1])
		w, ok := plain.EdgeWeight(a, b)
		if !ok {
			t.Fatalf("no edge %d -> %d", ids[k], ids[k+1])
		}
		sum += w
	}
	return sum
}

func near(a, b graph.Seconds) bool { return math.Abs(float64(a-b)) <= 1e-9 }

func restrictionStats(g *graph.Graph) map[string]int64 {
	out := map[string]int64{}
	for k, v := range g.Meta().Stats {
		if strings.HasPrefix(k, "restrictions_") {
			out[k] = v
		}
	}
	return out
}

func TestTurnRestrictionsCross(t *testing.T) {
	noLeft := restriction("900", []string{"restriction=no_left_turn"}, "from way 10", "via node 1", "to way 12")
	noUturn := restriction("901", []string{"restriction=no_u_turn"}, "from way 11", "via node 3", "to way 11")
	plain := mustBuild(t, osmFile(t, crossNodes, crossWays), builtin(t, "emergency"))

	// The left turn 5 -> 1 -> 4 is forbidden: the fastest legal way turns
	// round at 3, the nearest node past the junction.
	g := mustBuild(t, osmFile(t, crossNodes, crossWays, noLeft), emergencyTurns(t))
	if got, want := restrictionStats(g), map[string]int64{"restrictions_read": 1, "restrictions_applied": 1,
		"restrictions_via_nodes_split": 1, "restrictions_node_copies": 4, "restrictions_turn_edges": 6}; !maps(got, want) {
		// one copy of 1 (for arrivals from 5) and a stub for each road it may take (to 3, 2, 5);
		// 1 and the copy each reach those three stubs by an edge of zero time
		t.Errorf("stats %v, want %v", got, want)
	}
	if got, want := g.NumEdges()-plain.NumEdges(), 6; got != want {
		t.Errorf("%d more edges than without restrictions, want %d", got, want)
	}
	tm := times(t, g, 5)
	if want := path(t, plain, 5, 1, 3, 1, 4); !near(tm[4], want) {
		t.Errorf("5 -> 4 takes %v, want the detour 5-1-3-1-4 %v (direct %v)", tm[4], want, path(t, plain, 5, 1, 4))
	}
	for _, to := range [][]int64{{5, 1, 3}, {5, 1, 2}, {5, 1, 3, 6}} {
		if want := path(t, plain, to...); !near(tm[to[len(to)-1]], want) {
			t.Errorf("5 -> %d takes %v, want %v", to[len(to)-1], tm[to[len(to)-1]], want)
		}
	}
	// The other turns at 1 are as before: 4 -> 5 is a right turn.
	if tm4 := times(t, g, 4); !near(tm4[5], path(t, plain, 4, 1, 5)) {
		t.Errorf("4 -> 5 takes %v, want %v", tm4[5], path(t, plain, 4, 1, 5))
	}

	// With no u-turn at 3 (inside way 11), the detour goes on to the dead
	// end 6, still shorter than turning round at 2.
	g = mustBuild(t, osmFile(t, crossNodes, crossWays, noLeft, noUturn), emergencyTurns(t))
	if got := restrictionStats(g); got["restrictions_applied"] != 2 || got["restrictions_via_nodes_split"] != 2 {
		t.Errorf("stats %v, want 2 applied at 2 nodes", got)
	}
	tm = times(t, g, 5)
	if want := path(t, plain, 5, 1, 3, 6, 3, 1, 4); !near(tm[4], want) {
		t.Errorf("5 -> 4 takes %v, want the detour 5-1-3-6-3-1-4 %v", tm[4], want)
	}
	if want := path(t, plain, 5, 1, 2, 1, 4); !(tm[4] < want) {
		t.Errorf("the test lost its point: turning at 2 (%v) is not longer than at 6 (%v)", want, tm[4])
	}

	// The drive profile ignores turn restrictions unless asked.
	drive := mustBuild(t, osmFile(t, crossNodes, crossWays, noLeft), builtin(t, "drive"))
	if tm := times(t, drive, 5); !near(tm[4], path(t, plain, 5, 1, 4)) || len(restrictionStats(drive)) != 0 {
		t.Errorf("plain drive: 5 -> 4 takes %v, want %v; stats %v", tm[4], path(t, plain, 5, 1, 4), restrictionStats(drive))
	}
	if tm := times(t, mustBuild(t, osmFile(t, crossNodes, crossWays, noLeft), driveTurns(t)), 5); !near(tm[4], path(t, plain, 5, 1, 3, 1, 4)) {
		t.Errorf("drive with turn restrictions: 5 -> 4 takes %v, want %v", tm[4], path(t, plain, 5, 1, 3, 1, 4))
	}
}

func maps(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestTurnRestrictionOnlyStraightOn: arms one-way out of the junction, the
// south arm one-way in. Only straight on from the south leaves the west
// and east arms out of reach.
func TestTurnRestrictionOnlyStraightOn(t *testing.T) {
	ways := `
 <way id="20"><nd ref="5"/><nd ref="1"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
 <way id="21"><nd ref="1"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
 <way id="22"><nd ref="1"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
 <way id="23"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>`
	only := restriction("902", []string{"restriction=only_straight_on"}, "from way 20", "via node 1", "to way 21")
	plain := mustBuild(t, osmFile(t, crossNodes, ways), emergencyTurns(t))
	if got, want := positive(reachable(t, plain, 5)), []int64{1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("without the restriction 5 reaches %v, want %v", got, want)
	}
	g := mustBuild(t, osmFile(t, crossNodes, ways, only), emergencyTurns(t))
	// The copy of 1 for arrivals from 5 (-1) and its stub towards 3 (-2);
	// the junction node 1 itself is only reached by roads without
	// restrictions, and there are none.
	if got, want := reachable(t, g, 5), []int64{-2, -1, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("with only_straight_on 5 reaches %v, want %v", got, want)
	}
	if got := restrictionStats(g); got["restrictions_applied"] != 1 || got["restrictions_node_copies"] != 2 {
		t.Errorf("stats %v", got)
	}
	if tm := times(t, g, 5); !near(tm[3], path(t, plain, 5, 1, 3)) {
		t.Errorf("5 -> 3 takes %v, want %v", tm[3], path(t, plain, 5, 1, 3))
	}
}

func positive(ids []int64) []int64 {
	return slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id < 0 })
}

// TestTurnRestrictionExcept: except=emergency (in a list) lets the rescue
// vehicle turn, not a car.
func TestTurnRestrictionExcept(t *testing.T) {
	for _, except := range []string{"emergency", "bicycle;emergency", "psv; emergency"} {
		rel := restriction("903", []string{"restriction=no_left_turn", "except=" + except}, "from way 10", "via node 1", "to way 12")
		path0 := osmFile(t, crossNodes, crossWays, rel)
		plain := mustBuild(t, osmFile(t, crossNodes, crossWays), builtin(t, "drive"))
		em := mustBuild(t, path0, emergencyTurns(t))
		if got := restrictionStats(em); got["restrictions_skipped_except"] != 1 || got["restrictions_applied"] != 0 {
			t.Errorf("except=%s, emergency: stats %v", except, got)
		}
		if tm := times(t, em, 5); !near(tm[4], path(t, plain, 5, 1, 4)) {
			t.Errorf("except=%s, emergency: 5 -> 4 takes %v, want the direct %v", except, tm[4], path(t, plain, 5, 1, 4))
		}
		car := mustBuild(t, path0, driveTurns(t))
		if got := restrictionStats(car); got["restrictions_applied"] != 1 {
			t.Errorf("except=%s, drive: stats %v", except, got)
		}
		if tm := times(t, car, 5); !near(tm[4], path(t, plain, 5, 1, 3, 1, 4)) {
			t.Errorf("except=%s, drive: 5 -> 4 takes %v, want the detour %v", except, tm[4], path(t, plain, 5, 1, 3, 1, 4))
		}
	}
}

// TestTurnRestrictionWithBarrier: a closed barrier on the via node already
// stops every turn there; the restriction is counted, not built.
func TestTurnRestrictionWithBarrier(t *testing.T) {
	nodes := strings.Replace(crossNodes, `<node id="1" lat="42.500" lon="1.5000"/>`,
		`<node id="1" lat="42.500" lon="1.5000"><tag k="barrier" v="bollard"/></node>`, 1)
	rel := restriction("904", []string{"restriction=no_left_turn"}, "from way 10", "via node 1", "to way 12")
	noTurns := builtin(t, "emergency")
	noTurns.TurnRestrictions = nil
	bar := mustBuild(t, osmFile(t, nodes, crossWays, rel), noTurns)
	g := mustBuild(t, osmFile(t, nodes, crossWays, rel), emergencyTurns(t))
	if got := restrictionStats(g); got["restrictions_skipped_via_barrier"] != 1 || got["restrictions_applied"] != 0 {
		t.Errorf("stats %v", got)
	}
	if g.NumNodes() != bar.NumNodes() || g.NumEdges() != bar.NumEdges() {
		t.Errorf("%d nodes, %d edges; barrier alone %d, %d", g.NumNodes(), g.NumEdges(), bar.NumNodes(), bar.NumEdges())
	}
	if got, want := reachable(t, g, 5), []int64{1, 5}; !slices.Equal(got, want) {
		t.Errorf("5 reaches %v, want %v (the bollard at 1 closes the junction)", got, want)
	}

	// A barrier on the far end of an arm and a restriction at the junction
	// both hold.
	nodes = strings.Replace(crossNodes, `<node id="3" lat="42.501" lon="1.5000"/>`,
		`<node id="3" lat="42.501" lon="1.5000"><tag k="barrier" v="gate"/></node>`, 1)
	plain := mustBuild(t, osmFile(t, crossNodes, crossWays), builtin(t, "drive"))
	g = mustBuild(t, osmFile(t, nodes, crossWays, rel), emergencyTurns(t))
	if tm := times(t, g, 5); !near(tm[4], path(t, plain, 5, 1, 3, 1, 4)) {
		t.Errorf("gate at 3: 5 -> 4 takes %v, want %v (turning round at the gate)", tm[4], path(t, plain, 5, 1, 3, 1, 4))
	}
}

// TestTurnRestrictionsMalformed: relations that cannot be built are
// skipped and counted by reason; the graph is the one without them.
func TestTurnRestrictionsMalformed(t *testing.T) {
	rels := []string{
		restriction("910", []string{"restriction=no_left_turn"}, "via node 1", "to way 12"),                             // no from
		restriction("911", []string{"restriction=no_left_turn"}, "from way 10", "via node 3", "to way 12"),              // 12 does not touch 3
		restriction("912", []string{"restriction=no_left_turn"}, "from way 10", "via node 7", "to way 12"),              // 7 is on a footway only
		restriction("913", []string{"restriction=no_flying"}, "from way 10", "via node 1", "to way 12"),                 // unknown value
		restriction("914", []string{"restriction=no_left_turn", "day_on=Mo"}, "from way 10", "via node 1", "to way 12"), // conditional
		restriction("915", []string{"restriction:hgv=no_left_turn"}, "from way 10", "via node 1", "to way 12"),          // other vehicle
		restriction("916", []string{"restriction:conditional=no_left_turn @ (Mo-Fr 07:00-09:00)"}, "from way 10", "via node 1", "to way 12"),
		restriction("917", []string{"restriction=no_left_turn"}, "from way 14", "via node 1", "to way 12"),                // footway
		restriction("918", []string{"restriction=no_left_turn"}, "from way 99", "via node 1", "to way 12"),                // not in the file
		restriction("919", []string{"restriction=no_left_turn"}, "from way 12", "via node 3", "to way 11"),                // 12 does not touch 3
		restriction("920", []string{"restriction=no_right_turn"}, "from way 10", "via node 3", "to way 11"),               // 10 does not touch 3
		restriction("921", []string{"restriction=no_straight_on"}, "from way 11", "via node 3", "to way 13"),              // 3 inside 11, 13 does not touch it
		restriction("922", []string{"restriction=no_left_turn"}, "from way 10", "via node 1", "via node 3", "to way 12"),  // two via nodes
		restriction("923", []string{"restriction=only_left_turn"}, "from way 10", "via node 1", "to way 12", "to way 13"), // only into two ways
		restriction("924", []string{"restriction=no_right_turn"}, "from way 12", "via node 3", "to way 12"),               // 12 does not touch 3
		restriction("925", []string{"restriction=no_straight_on"}, "from way 10", "via node 3", "to way 11"),              // 10 does not touch 3
		restriction("926", []string{"restriction=no_straight_on"}, "from way 10", "via node 1", "to way 11"),              // fine: applied (a copy of 1, three stubs)
		restriction("927", []string{"restriction=no_left_turn"}, "from way 11", "via node 3", "to way 11"),                // 3 inside 11, not a u-turn
		restriction("928", []string{"restriction=no_left_turn"}, "from way 10", "via node 999", "to way 12"),              // via node missing
		restriction("929", []string{"restriction=no_left_turn"}, "from way 10", "via way 11", "via way 13", "to way 12"),  // several via ways
		`<relation id="930"><member type="way" ref="10" role="from"/><tag k="type" v="multipolygon"/></relation>`,         // not a restriction
	}
	g := mustBuild(t, osmFile(t, crossNodes, crossWays, strings.Join(rels, "\n")), emergencyTurns(t))
	want := map[string]int64{
		"restrictions_read":                        20,
		"restrictions_applied":                     1,
		"restrictions_via_nodes_split":             1,
		"restrictions_node_copies":                 4,
		"restrictions_turn_edges":                  6,
		"restrictions_skipped_missing_member":      1,
		"restrictions_skipped_not_at_via":          6,
		"restrictions_skipped_via_node_missing":    2,
		"restrictions_skipped_unknown_value":       1,
		"restrictions_skipped_conditional":         2,
		"restrictions_skipped_other_vehicle":       1,
		"restrictions_skipped_member_not_routable": 2,
		"restrictions_skipped_malformed":           2,
		"restrictions_skipped_via_mid_way":         1,
		"restrictions_skipped_via_several_ways":    1,
	}
	if got := restrictionStats(g); !maps(got, want) {
		t.Errorf("stats\n got %v\nwant %v", got, want)
	}
}

// TestTurnRestrictionSnap: a point on a two-way road next to a split
// junction snaps onto that road with its twin, and PointTime sees both ways
// of arriving.
func TestTurnRestrictionSnap(t *testing.T) {
	noLeft := restriction("900", []string{"restriction=no_left_turn"}, "from way 10", "via node 1", "to way 12")
	plain := mustBuild(t, osmFile(t, crossNodes, crossWays), builtin(t, "emergency"))
	g := mustBuild(t, osmFile(t, crossNodes, crossWays, noLeft), emergencyTurns(t))
	// A point on the west arm, 40 % of the way from 1 to 4, and one on the
	// south arm.
	for _, c := range []struct {
		p    orb.Point
		from int64
		// arrive: the legal ways in, as (path to the arm's node nearer the
		// junction, or to its far node, and the fraction of the arm left)
	}{
		{orb.Point{1.5 - 0.0013*0.4, 42.5}, 5},
		{orb.Point{1.5 - 0.0013*0.4, 42.5}, 2},
		{orb.Point{1.5, 42.5 - 0.001*0.3}, 4},
		{orb.Point{1.5, 42.5 - 0.001*0.3}, 3},
		// The north arm: 3 -> 1 keeps the junction node, 1 -> 3 leaves
		// from a stub; the two edges are still one two-way road.
		{orb.Point{1.5, 42.5 + 0.001*0.6}, 5},
		{orb.Point{1.5, 42.5 + 0.001*0.6}, 4},
		{orb.Point{1.5, 42.5 + 0.001*0.6}, 6},
	} {
		sn, err := g.Snap(c.p, graph.SnapOptions{MinComponent: 1})
		if err != nil {
			t.Fatal(err)
		}
		if sn.Twin == graph.NoEdge || sn.DistanceM > 0.01 {
			t.Fatalf("%v snaps %+v: want a two-way road under the point", c.p, sn)
		}
		psn, err := plain.Snap(c.p, graph.SnapOptions{MinComponent: 1})
		if err != nil {
			t.Fatal(err)
		}
		got := pointTime(t, g, c.from, sn)
		// The same arrivals on the plain graph, with the detour where the
		// restriction bites: from 5 onto the west arm, the fastest legal
		// way in turns round at 3 first.
		want := pointTime(t, plain, c.from, psn)
		if c.from == 5 && c.p[1] == 42.5 {
			f := graph.Seconds(math.Abs(c.p[0]-1.5) / 0.0013)
			want = path(t, plain, 5, 1, 3, 1) + f*path(t, plain, 1, 4)
			if alt := path(t, plain, 5, 1, 3, 1, 4) + (1-f)*path(t, plain, 4, 1); alt < want {
				want = alt
			}
		}
		if math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("point %v from %d: %v, want %v", c.p, c.from, got, want)
		}
	}
}

func pointTime(t *testing.T, g *graph.Graph, from int64, sn graph.Snap) graph.Seconds {
	t.Helper()
	s, _ := g.Node(from)
	srch := route.NewSearch(g)
	if err := srch.Run(context.Background(), []route.Seed{{Node: s}}, route.Options{}); err != nil {
		t.Fatal(err)
	}
	tm, _, ok := route.PointTime(srch, sn)
	if !ok {
		t.Fatalf("point %+v not reached from %d", sn, from)
	}
	return tm
}

// TestTurnRestrictionsReal builds Andorra and Malta with the emergency
// profile: the counts of applied and skipped restrictions, and every search
// method agrees with Dijkstra on the split graph.
func TestTurnRestrictionsReal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two real extracts")
	}
	for _, c := range []struct {
		region, file string
		want         map[string]int64
	}{
		{"andorra", "andorra.osm.pbf", map[string]int64{"restrictions_read": 66, "restrictions_applied": 64, "restrictions_skipped_missing_member": 2}},
		{"malta", "malta-latest.osm.pbf", map[string]int64{"restrictions_read": 239, "restrictions_applied": 226, "restrictions_skipped_missing_member": 4, "restrictions_skipped_not_at_via": 4, "restrictions_skipped_nothing_to_forbid": 5, "restrictions_via_way_copies": 9}},
	} {
		t.Run(c.region, func(t *testing.T) {
			g := mustBuild(t, shared.Path(t, "data", c.region, c.file), builtin(t, "emergency"))
			st := restrictionStats(g)
			t.Logf("%v", st)
			for k, v := range c.want {
				if st[k] != v {
					t.Errorf("%s = %d, want %d", k, st[k], v)
				}
			}
			var skipped int64
			for k, v := range st {
				if strings.HasPrefix(k, "restrictions_skipped_") {
					skipped += v
				}
			}
			if st["restrictions_applied"]+skipped != st["restrictions_read"] {
				t.Errorf("%d applied + %d skipped != %d read", st["restrictions_applied"], skipped, st["restrictions_read"])
			}
			rng := rand.New(rand.NewPCG(15, uint64(g.NumNodes())))
			var targets []graph.NodeID
			for k := 0; k < 2000; k++ {
				targets = append(targets, graph.NodeID(rng.IntN(g.NumNodes())))
			}
			tg := route.NewTargets(g, targets)
			for run := 0; run < 3; run++ {
				var seeds []route.Seed
				for k := 0; k < 1+run*4; k++ {
					seeds = append(seeds, route.Seed{Node: graph.NodeID(rng.IntN(g.NumNodes())), Source: int32(k)})
				}
				dj := route.NewSearch(g)
				if err := dj.Run(context.Background(), seeds, route.Options{Method: route.Dijkstra}); err != nil {
					t.Fatal(err)
				}
				ph := route.NewSearch(g)
				if err := ph.Run(context.Background(), seeds, route.Options{Method: route.PHAST}); err != nil {
					t.Fatal(err)
				}
				rp := route.NewSearch(g)
				if err := rp.Run(context.Background(), seeds, route.Options{Targets: tg}); err != nil {
					t.Fatal(err)
				}
				for v := 0; v < g.NumNodes(); v++ {
					a, okA := dj.Time(graph.NodeID(v))
					b, okB := ph.Time(graph.NodeID(v))
					if okA != okB || math.Abs(float64(a-b)) > 1e-9 {
						t.Fatalf("run %d node %d: Dijkstra %v,%v, PHAST %v,%v", run, v, a, okA, b, okB)
					}
				}
				for _, v := range targets {
					a, okA := dj.Time(v)
					b, okB := rp.Time(v)
					if okA != okB || math.Abs(float64(a-b)) > 1e-9 {
						t.Fatalf("run %d node %d: Dijkstra %v,%v, RPHAST %v,%v", run, v, a, okA, b, okB)
					}
				}
			}
		})
	}
}

// viaWayNodes and viaWayWays: two parallel roads joined by a connector.
//
//	10 ---- 11 ------------ 12     ways 40 (10-11) and 43 (11-12)
//	         |
//	         | way 41 (11-21)
//	         |
//	20 ---- 21 ---- 22             ways 42 (20-21) and 44 (21-22)
//
// Every way is two-way; 12, 22, 10 and 20 are dead ends.
const viaWayNodes = `
 <node id="10" lat="42.5010" lon="1.5000"/>
 <node id="11" lat="42.5010" lon="1.5010"/>
 <node id="12" lat="42.5010" lon="1.5040"/>
 <node id="20" lat="42.5000" lon="1.5000"/>
 <node id="21" lat="42.5000" lon="1.5010"/>
 <node id="22" lat="42.5000" lon="1.5020"/>`

const viaWayWays = `
 <way id="40"><nd ref="10"/><nd ref="11"/><tag k="highway" v="residential"/></way>
 <way id="41"><nd ref="11"/><nd ref="21"/><tag k="highway" v="residential"/></way>
 <way id="42"><nd ref="20"/><nd ref="21"/><tag k="highway" v="residential"/></way>
 <way id="43"><nd ref="11"/><nd ref="12"/><tag k="highway" v="residential"/></way>
 <way id="44"><nd ref="21"/><nd ref="22"/><tag k="highway" v="residential"/></way>`

func TestTurnRestrictionViaWay(t *testing.T) {
	plain := mustBuild(t, osmFile(t, viaWayNodes, viaWayWays), builtin(t, "emergency"))
	// From 40 down the connector 41, no turn back west into 42: the
	// fastest legal way turns round at 22 (nearer than 12).
	noUturn := restriction("950", []string{"restriction=no_u_turn"}, "from way 40", "via way 41", "to way 42")
	g := mustBuild(t, osmFile(t, viaWayNodes, viaWayWays, noUturn), emergencyTurns(t))
	if got, want := restrictionStats(g), map[string]int64{"restrictions_read": 1, "restrictions_applied": 1,
		"restrictions_via_way_copies": 2, "restrictions_via_way_edges": 5, "restrictions_turn_edges": 0}; !maps(got, want) {
		// copies of 11 (its turns: on along 41, into 43, back along 40) and of 21 (on into 44, back up 41)
		t.Errorf("stats %v, want %v", got, want)
	}
	tm := times(t, g, 10)
	if want := path(t, plain, 10, 11, 21, 22, 21, 20); !near(tm[20], want) {
		t.Errorf("10 -> 20 takes %v, want the detour 10-11-21-22-21-20 %v (direct %v)", tm[20], want, path(t, plain, 10, 11, 21, 20))
	}
	for _, to := range [][]int64{{10, 11, 21, 22}, {10, 11, 12}, {10, 11, 21}} {
		if want := path(t, plain, to...); !near(tm[to[len(to)-1]], want) {
			t.Errorf("10 -> %d takes %v, want %v", to[len(to)-1], tm[to[len(to)-1]], want)
		}
	}
	// Entering the connector from 43 the turn into 42 is allowed.
	if tm := times(t, g, 12); !near(tm[20], path(t, plain, 12, 11, 21, 20)) {
		t.Errorf("12 -> 20 takes %v, want %v", tm[20], path(t, plain, 12, 11, 21, 20))
	}

	// only_left_turn from 40 via 41 into 44: from 10 the road must go down
	// the connector and east; reaching 12 means turning round at 22.
	only := restriction("951", []string{"restriction=only_left_turn"}, "from way 40", "via way 41", "to way 44")
	g = mustBuild(t, osmFile(t, viaWayNodes, viaWayWays, only), emergencyTurns(t))
	if got := restrictionStats(g); got["restrictions_applied"] != 1 {
		t.Errorf("stats %v", got)
	}
	tm = times(t, g, 10)
	if want := path(t, plain, 10, 11, 21, 22, 21, 11, 12); !near(tm[12], want) {
		t.Errorf("10 -> 12 takes %v, want the detour 10-11-21-22-21-11-12 %v", tm[12], want)
	}
	if want := path(t, plain, 10, 11, 21, 22, 21, 20); !near(tm[20], want) {
		t.Errorf("10 -> 20 takes %v, want %v", tm[20], want)
	}

	// Both restrictions of the same from and via way hold together.
	g = mustBuild(t, osmFile(t, viaWayNodes, viaWayWays, noUturn, restriction("952", []string{"restriction=no_left_turn"}, "from way 40", "via way 41", "to way 44")), emergencyTurns(t))
	if got := restrictionStats(g); got["restrictions_applied"] != 2 {
		t.Errorf("stats %v", got)
	}
	tm = times(t, g, 10)
	// Down the connector and back up it, round at 11 (nearer than 12), then
	// down again as a road from 41, which may turn either way.
	if want := path(t, plain, 10, 11, 21, 11, 21, 20); !near(tm[20], want) {
		t.Errorf("10 -> 20 with both: %v, want the turn round at 11 %v", tm[20], want)
	}
	if want := path(t, plain, 10, 11, 21, 11, 21, 22); !near(tm[22], want) {
		t.Errorf("10 -> 22 with both: %v, want %v", tm[22], want)
	}

	// A point on the from way's last segment, on the connector and on the
	// to way: two-way twins, and the times a public road gives.
	g = mustBuild(t, osmFile(t, viaWayNodes, viaWayWays, noUturn), emergencyTurns(t))
	for _, p := range []orb.Point{{1.5005, 42.501}, {1.501, 42.5005}, {1.5005, 42.5}} {
		sn, err := g.Snap(p, graph.SnapOptions{MinComponent: 1})
		if err != nil {
			t.Fatal(err)
		}
		if sn.Twin == graph.NoEdge || sn.DistanceM > 0.01 || g.OSMID(sn.Tail) <= graph.PrivateCopyID {
			t.Fatalf("%v snaps %+v (tail %d): want a public two-way road under the point", p, sn, g.OSMID(sn.Tail))
		}
		psn, _ := plain.Snap(p, graph.SnapOptions{MinComponent: 1})
		for _, from := range []int64{12, 22} {
			if got, want := pointTime(t, g, from, sn), pointTime(t, plain, from, psn); math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("point %v from %d: %v, want %v", p, from, got, want)
			}
		}
	}
}

// TestTurnRestrictionSegments: the critical-segment analysis sees a road
// next to a split junction as one segment with both its directions, and no
// zero-length segment inside the junction.
func TestTurnRestrictionSegments(t *testing.T) {
	noLeft := restriction("900", []string{"restriction=no_left_turn"}, "from way 10", "via node 1", "to way 12")
	for _, g := range []*graph.Graph{
		mustBuild(t, osmFile(t, crossNodes, crossWays, noLeft), emergencyTurns(t)),
		mustBuild(t, osmFile(t, viaWayNodes, viaWayWays, restriction("950", []string{"restriction=no_u_turn"}, "from way 40", "via way 41", "to way 42")), emergencyTurns(t)),
	} {
		_, segs := robustness.Segments(g)
		for _, s := range segs {
			if s.LengthM == 0 {
				t.Errorf("segment %d (ways %v) has no length: %d edges", s.ID, s.Ways, len(s.Edges))
			}
			if s.Line[0] == s.Line[len(s.Line)-1] {
				continue // out to a dead end and back: both directions are its chain
			}
			fwd, back := false, false
			for _, e := range s.Edges {
				a, b := g.Point(g.Tail(e)), g.Point(g.Head(e))
				switch {
				case a == s.Line[0] || b == s.Line[len(s.Line)-1]:
					fwd = true
				case a == s.Line[len(s.Line)-1] || b == s.Line[0]:
					back = true
				}
			}
			if !fwd || !back {
				t.Errorf("segment %d (ways %v, %v) has one direction only: %d edges", s.ID, s.Ways, s.Line, len(s.Edges))
			}
		}
	}
}

// TestTurnRestrictionVehicles: restriction:<vehicle> binds the profiles
// whose vehicle it names, read before the plain restriction tag.
func TestTurnRestrictionVehicles(t *testing.T) {
	plain := mustBuild(t, osmFile(t, crossNodes, crossWays), builtin(t, "drive"))
	direct, detour := path(t, plain, 5, 1, 4), path(t, plain, 5, 1, 3, 1, 4)
	for _, c := range []struct {
		tags           []string
		typ            string
		emergency, car graph.Seconds
	}{
		{[]string{"restriction:motorcar=no_left_turn"}, "", detour, detour},
		{[]string{"restriction:emergency=no_left_turn"}, "", detour, direct},
		{[]string{"restriction:hgv=no_left_turn"}, "", direct, direct},
		// The vehicle's own key wins over the plain one: "only" into
		// way 12 allows the turn "no" forbids.
		{[]string{"restriction=no_left_turn", "restriction:emergency=only_straight_on"}, "", direct, detour},
		{[]string{"restriction=no_left_turn"}, "restriction:hgv", direct, direct},
		{[]string{"restriction=no_left_turn"}, "restriction:motorcar", detour, detour},
	} {
		rel := restriction("960", c.tags, "from way 10", "via node 1", "to way 12")
		if c.typ != "" {
			rel = strings.Replace(rel, `<tag k="type" v="restriction"/>`, `<tag k="type" v="`+c.typ+`"/>`, 1)
		}
		file := osmFile(t, crossNodes, crossWays, rel)
		for _, p := range []struct {
			name string
			prof *osm.Profile
			want graph.Seconds
		}{{"emergency", emergencyTurns(t), c.emergency}, {"drive", driveTurns(t), c.car}} {
			if tm := times(t, mustBuild(t, file, p.prof), 5); !near(tm[4], p.want) {
				t.Errorf("%v type=%q, %s: 5 -> 4 takes %v, want %v (direct %v, detour %v)", c.tags, c.typ, p.name, tm[4], p.want, direct, detour)
			}
		}
	}
}
