package reliability

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// analyzeStudy runs analyze on the study and returns its summary.json and
// bases table (id -> row by column name).
func analyzeStudy(t *testing.T, studyPath string) (map[string]any, map[string]map[string]string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if b, err := exec.Command(bin, "-q", "analyze", studyPath, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("analyze %s: %v\n%s", studyPath, err, b)
	}
	var sum map[string]any
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return sum, readCSV(t, filepath.Join(out, "bases.csv"), "base_id")
}

// readCSV reads a CSV file as key column -> column -> value.
func readCSV(t *testing.T, path, key string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out[m[key]] = m
	}
	return out
}

// TestAnalyzeHonoursOSMNodeID: a bases file's osm_node_id pins the base to
// that road node in analyze, as it does in reach (it was ignored: the base
// was snapped from lon/lat). The node is the one reach finds farthest from
// the sample's bases within 15 minutes, kilometres from the base's lon/lat.
func TestAnalyzeHonoursOSMNodeID(t *testing.T) {
	dir := t.TempDir()
	reachOut := filepath.Join(dir, "reach.csv")
	if b, err := exec.Command(bin, "-q", "reach", "--graph", sampleGraph(t), "--sources", sample("fire_stations.csv"), "--max-minutes", "15", "--out", reachOut).CombinedOutput(); err != nil {
		t.Fatalf("reach: %v\n%s", err, b)
	}
	far, farS := "", 0.0
	for id, r := range readCSV(t, reachOut, "osm_id") {
		if s, _ := strconv.ParseFloat(r["seconds"], 64); s > farS {
			far, farS = id, s
		}
	}
	b, err := os.ReadFile(sample("fire_stations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines[0] += ",osm_node_id"
	for i := 1; i < len(lines); i++ {
		if i == 1 {
			lines[i] += "," + far
		} else {
			lines[i] += ","
		}
	}
	bases := write(t, dir, "bases.csv", strings.Join(lines, "\n")+"\n")
	studyYAML := strings.Replace(string(must(os.ReadFile(sample("study.yaml")))), "file: fire_stations.csv", "file: "+bases, 1)
	studyYAML = strings.ReplaceAll(studyYAML, ": andorra.osm.pbf", ": "+sample("andorra.osm.pbf"))
	studyYAML = strings.ReplaceAll(studyYAML, ": flood_valira.geojson", ": "+sample("flood_valira.geojson"))
	studyYAML = strings.ReplaceAll(studyYAML, ": whole_country.geojson", ": "+sample("whole_country.geojson"))
	_, pinned := analyzeStudy(t, write(t, dir, "study.yaml", studyYAML))
	id := strings.SplitN(lines[1], ",", 2)[0]
	snap, _ := strconv.ParseFloat(pinned[id]["snap_m"], 64)
	if !(snap > 500) {
		t.Errorf("base %s pinned to OSM node %s (%.0f s from the bases): snap_m = %s, want the distance to that node (> 500 m), not its lon/lat's snap", id, far, farS, pinned[id]["snap_m"])
	}
	other := strings.SplitN(lines[2], ",", 2)[0]
	if s, _ := strconv.ParseFloat(pinned[other]["snap_m"], 64); !(s < 100) || math.IsNaN(s) {
		t.Errorf("base %s without osm_node_id: snap_m = %v, want its own snap (< 100 m)", other, s)
	}
}

// TestZeroPopulationCellsNotPopulated: cells of no residents in a
// population table are not counted as populated cells, and a note says so.
func TestZeroPopulationCellsNotPopulated(t *testing.T) {
	dir := t.TempDir()
	// Two cells of the sample's grid (resolution 9), one of them empty.
	pop := write(t, dir, "pop.csv", "h3,population\n89396220093ffff,100\n89396220097ffff,0\n")
	sum, _ := analyzeStudy(t, studyWith(t, dir, "population:\n  h3: "+pop+"\n"))
	if sum["cells"] != 1.0 || sum["residents"] != 100.0 {
		t.Errorf("summary: cells %v, residents %v; want 1 cell (the empty one not populated), 100 residents", sum["cells"], sum["residents"])
	}
	notes, _ := json.Marshal(sum["notes"])
	if !strings.Contains(string(notes), "1 cells of no residents left out") {
		t.Errorf("summary notes %s: want one saying the empty cell was left out", notes)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestMovedBaseReported: a base whose nearest road lies in a cut-off
// fragment of the sample's network (found in the real graph) is placed on
// the main network, and summary.json says so with the distance and the
// reason (it was reported nowhere but snap_m).
func TestMovedBaseReported(t *testing.T) {
	g, err := graph.ReadFile(sampleGraph(t))
	if err != nil {
		t.Fatal(err)
	}
	var at orb.Point
	found := false
	for v := 0; v < g.NumNodes() && !found; v++ {
		if _, size := g.Component(graph.NodeID(v)); size >= 10 {
			continue
		}
		p := g.Point(graph.NodeID(v))
		near, err := g.Snap(p, graph.SnapOptions{MinComponent: 1})
		if err != nil || near.DistanceM > 1 {
			continue
		}
		if sn, err := g.Snap(p, graph.SnapOptions{}); err == nil && sn.DistanceM > 20 {
			at, found = p, true
		}
	}
	if !found {
		t.Fatal("no node of a small cut-off fragment 20 m or more from the main network in the sample graph")
	}
	dir := t.TempDir()
	b := string(must(os.ReadFile(sample("fire_stations.csv"))))
	bases := write(t, dir, "bases.csv", b+fmt.Sprintf("moved,%.7f,%.7f,,node,1,fire_station\n", at[0], at[1]))
	st := strings.Replace(string(must(os.ReadFile(studyWith(t, dir, "")))), "file: "+sample("fire_stations.csv"), "file: "+bases, 1)
	sum, rows := analyzeStudy(t, write(t, dir, "study2.yaml", st))
	moved, _ := json.Marshal(sum["moved_bases"])
	t.Logf("base at %v: %v; unplaced %v", at, rows["moved"], sum["unplaced_bases"])
	if !strings.Contains(string(moved), `"moved: placed`) || !strings.Contains(string(moved), "cut-off fragment of") {
		t.Errorf("summary.json moved_bases = %s, want base \"moved\" with its distance and the fragment", moved)
	}
	t.Logf("moved_bases: %s", moved)
}
