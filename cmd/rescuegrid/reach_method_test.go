package main

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestReachMethods runs `reach` on Andorra with each --method, with no
// limit and with 15 min: the same nodes, times within 1e-9 s of
// Dijkstra's, the same nearest source; and --method phast is honoured
// (PHAST adds some times in another order: some node's last bits differ
// from Dijkstra's).
func TestReachMethods(t *testing.T) {
	g := cliAndorraGraph(t)
	sources := shared.Path(t, "reference", "andorra", "sources.csv")
	dir := t.TempDir()
	for _, minutes := range []string{"0", "15"} {
		runs := map[string]map[int64]reachRow{}
		for _, m := range []string{"dijkstra", "phast", "auto"} {
			out := filepath.Join(dir, m+"-"+minutes+".csv")
			runCLI(t, "--quiet", "reach", "--graph", g, "--sources", sources, "--max-minutes", minutes, "--method", m, "--out", out)
			runs[m] = readReach(t, out)
		}
		want := runs["dijkstra"]
		lastBits := 0
		for _, m := range []string{"phast", "auto"} {
			got := runs[m]
			if len(got) != len(want) {
				t.Fatalf("%s, %s min: %d nodes, dijkstra %d", m, minutes, len(got), len(want))
			}
			for id, w := range want {
				r, ok := got[id]
				if !ok || math.Abs(r.seconds-w.seconds) > 1e-9 || r.source != w.source {
					t.Fatalf("%s, %s min: node %d = %+v, dijkstra %+v", m, minutes, id, r, w)
				}
				if m == "phast" && r.seconds != w.seconds {
					lastBits++
				}
			}
		}
		if lastBits == 0 {
			t.Errorf("%s min: --method phast gave Dijkstra's bits on every node: not a sweep", minutes)
		}
		t.Logf("%s min: %d nodes, %d differ from Dijkstra in the last bits with phast", minutes, len(want), lastBits)
	}
	_, _, err := runErr("network", "build", "andorra.osm.pbf", "--out", filepath.Join(dir, "g.rgraph"))
	if err == nil || !strings.Contains(err.Error(), "--pbf andorra.osm.pbf") {
		t.Errorf("network build with the extract as an argument = %v, want a hint to --pbf", err)
	}
}
