package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestSiteExpected: site --objective expected with the bases busy 20 % of
// the time (busy_teams in the study) and new sites 30 % (--busy). Its
// value, the expected residents reached within the circle, must be what a
// coverage study with busy teams computes when the plan's new sites are
// added as bases with those busy fractions.
func TestSiteExpected(t *testing.T) {
	sample, err := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stations, err := os.ReadFile(filepath.Join(sample, "fire_stations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	writeStudy := func(name, bases string) string {
		path := filepath.Join(dir, name+".yaml")
		y := "name: " + name + "\nnetwork: {pbf: " + filepath.Join(sample, "andorra.osm.pbf") + "}\n" +
			"facilities: {bases: [{file: " + bases + ", team_size: 30}]}\n" +
			"population: {buildings: {scale_to: 77543}}\nunits: {osm_admin_level: 7}\nbusy_teams: {fraction: 0.2}\n"
		if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	out := filepath.Join(dir, "sites")
	runCLI(t, "site", writeStudy("busy", filepath.Join(sample, "fire_stations.csv")), "--add", "2", "--objective", "expected", "--busy", "0.3", "--out", out)
	sum := readSummary(t, out)
	value := sum["value"].(float64)
	if sum["objective"] != "expected" || !(value < sum["covered"].(float64)) {
		t.Fatalf("summary objective %v, value %v, covered %v: want expected, below covered", sum["objective"], value, sum["covered"])
	}

	// The plan's sites as bases busy 30 % of the time, beside the stations.
	sites := readCSVFile(t, filepath.Join(out, "sites.csv"))
	lines := strings.Split(strings.TrimSpace(string(stations)), "\n")
	cols := strings.Split(lines[0], ",")
	var b strings.Builder
	b.WriteString("id,lon,lat,busy_fraction\n")
	idx := map[string]int{}
	for k, c := range cols {
		idx[c] = k
	}
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		b.WriteString(f[idx["id"]] + "," + f[idx["lon"]] + "," + f[idx["lat"]] + ",\n")
	}
	for _, s := range sites[1:] {
		b.WriteString("new-" + s[1] + "," + s[5] + "," + s[6] + ",0.3\n")
	}
	bases := filepath.Join(dir, "with-plan.csv")
	if err := os.WriteFile(bases, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := study.Load(writeStudy("with-plan", bases))
	if err != nil {
		t.Fatal(err)
	}
	in, err := study.Read(context.Background(), st, study.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := study.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Coverage.Summary.Expected
	if math.Abs(got-value) > 1e-6*value {
		t.Errorf("site reports %s expected residents in time; the coverage study with the plan's sites as bases %s", strconv.FormatFloat(value, 'f', 3, 64), strconv.FormatFloat(got, 'f', 3, 64))
	}
	t.Logf("Andorra, bases busy 20 %%, 2 new sites busy 30 %%: expected %.1f (site) / %.1f (coverage study), covered %.1f", value, got, sum["covered"].(float64))
}
