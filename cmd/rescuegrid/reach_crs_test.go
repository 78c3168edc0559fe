package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// reach --crs: Nanshan's two fire stations given in GCJ-02 (as an Amap
// export has them) with --crs gcj02 reach exactly what the WGS-84 file
// reaches; read as WGS-84 they would sit ~600 m off.
func TestReachCRS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	graph := filepath.Join(dir, "nanshan.rgraph")
	runCLI(t, "--quiet", "network", "build", "--pbf", shared.Path(t, "data", "china-shenzhen", "nanshan.osm.pbf"), "--out", graph)
	// The stations' places in OSM (ways 498494536 and 555389861, centres).
	wgs := []orb.Point{{113.91762, 22.54031}, {113.93987, 22.55896}}
	write := func(name string, sys coordsys.System) string {
		p := filepath.Join(dir, name)
		s := "id,lon,lat\n"
		for i, w := range wgs {
			q := coordsys.FromWGS84(sys, w)
			s += fmt.Sprintf("s%d,%.9f,%.9f\n", i, q[0], q[1])
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	reach := func(src, crs, out string) {
		args := []string{"--quiet", "reach", "--graph", graph, "--sources", src, "--max-minutes", "10", "--out", filepath.Join(dir, out)}
		if crs != "" {
			args = append(args, "--crs", crs)
		}
		runCLI(t, args...)
	}
	// Same nodes, same sources, times within 1 ms (the files hold 9
	// decimals, 0.1 mm: the snapped road points differ by that much).
	same := func(a, b string) (bool, string) {
		ra, rb := readReach(t, filepath.Join(dir, a)), readReach(t, filepath.Join(dir, b))
		if len(ra) != len(rb) {
			return false, fmt.Sprintf("%d vs %d nodes", len(ra), len(rb))
		}
		for id, x := range ra {
			y, ok := rb[id]
			if !ok || y.source != x.source || math.Abs(y.seconds-x.seconds) > 1e-3 {
				return false, fmt.Sprintf("node %d: %+v vs %+v", id, x, y)
			}
		}
		return true, ""
	}
	reach(write("wgs.csv", coordsys.WGS84), "", "wgs.out.csv") // the reference
	gcj := write("gcj.csv", coordsys.GCJ02)
	reach(gcj, "gcj02", "gcj.out.csv")
	if ok, why := same("wgs.out.csv", "gcj.out.csv"); !ok {
		t.Errorf("reach --crs gcj02 differs from the WGS-84 sources: %s", why)
	}
	reach(write("bd.csv", coordsys.BD09), "bd09", "bd.out.csv")
	if ok, why := same("wgs.out.csv", "bd.out.csv"); !ok {
		t.Errorf("reach --crs bd09 differs from the WGS-84 sources: %s", why)
	}
	reach(gcj, "", "raw.out.csv")
	if ok, _ := same("wgs.out.csv", "raw.out.csv"); ok {
		t.Errorf("GCJ-02 sources read as WGS-84 reach the same nodes in the same times: the test shows nothing")
	}
	if r := cli("reach", "--graph", graph, "--sources", gcj, "--crs", "utm", "--out", filepath.Join(dir, "x.csv")); r.err == nil {
		t.Error("reach --crs utm succeeded, want a usage error")
	}
}
