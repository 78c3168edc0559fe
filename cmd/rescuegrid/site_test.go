package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSiteGainIsReal runs 'site' on the sample and adds greedy's first pick
// (its road point from candidates.csv) as a base through the what-if API:
// coverage must rise by the gain the curve reports.
func TestSiteGainIsReal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sites")
	stdout, _ := runCLI(t, "site", filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"), "--add", "2", "--out", out)
	if !strings.Contains(stdout, "site added") {
		t.Errorf("no curve printed:\n%s", stdout)
	}
	read := func(name string) [][]string {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	curve, sites, cands := read("curve.csv"), read("sites.csv"), read("candidates.csv")
	if len(curve) != 3 || len(sites) != 3 {
		t.Fatalf("curve %d rows, sites %d rows; want 2 each", len(curve)-1, len(sites)-1)
	}
	number := func(file string, row []string, col int) float64 {
		t.Helper()
		v, err := strconv.ParseFloat(row[col], 64)
		if err != nil {
			t.Fatalf("%s: column %d of %v: %v", file, col, row, err)
		}
		return v
	}
	gain, g1 := number("curve.csv", curve[1], 2), number("curve.csv", curve[2], 2)
	if g1 > gain {
		t.Errorf("second gain %v above the first %v: coverage gains must not increase", g1, gain)
	}
	// candidates.csv: the kept candidates with their road points, then the
	// dropped ones with a reason; greedy's first pick is among the kept.
	if got := strings.Join(cands[0], ","); got != "site_id,cell,lon,lat,kept,reason" {
		t.Fatalf("candidates.csv header %q", got)
	}
	var lon, lat string
	kept, dropped := 0, 0
	for _, row := range cands[1:] {
		switch row[4] {
		case "true":
			kept++
			if row[0] == curve[1][1] {
				lon, lat = row[2], row[3]
			}
		case "false":
			dropped++
			if row[5] == "" {
				t.Errorf("candidates.csv: %s dropped without a reason", row[0])
			}
		default:
			t.Errorf("candidates.csv: kept %q for %s", row[4], row[0])
		}
	}
	sum := readSummary(t, out)
	rep := sum["candidates"].(map[string]any)
	if want := int(rep["Kept"].(float64)); kept != want {
		t.Errorf("candidates.csv: %d kept, summary.json says %d", kept, want)
	}
	if want := int(rep["NoRoad"].(float64) + rep["Excluded"].(float64) + rep["Outside"].(float64)); dropped != want {
		t.Errorf("candidates.csv: %d dropped, summary.json counts %d", dropped, want)
	}
	if lon == "" {
		t.Fatalf("greedy's first pick %s is not a kept candidate of candidates.csv", curve[1][1])
	}
	number("candidates.csv", []string{lon, lat}, 0)
	number("candidates.csv", []string{lon, lat}, 1)
	h := sampleHandler(t)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/whatif", strings.NewReader(`{"add":[{"id":"s","lon":`+lon+`,"lat":`+lat+`}]}`))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	var wi struct {
		Gained float64 `json:"residents_gained"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &wi); err != nil || rec.Code != 200 {
		t.Fatalf("whatif: %d %s", rec.Code, rec.Body)
	}
	if math.Abs(wi.Gained-gain) > 1e-6*math.Max(1, gain) {
		t.Errorf("adding the first site gains %v residents in the coverage study, siting reported %v", wi.Gained, gain)
	}
}

func readCSVFile(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

func readSummary(tb testing.TB, dir string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

var sampleStudy = filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")

// TestSiteCandidatesFile: candidates from a file. Points off the network
// and off the roads are dropped with the reason, a file with none usable
// fails naming the file and each site, --add beyond the usable candidates
// places them all and says so, an exclusion area holding no road is
// reported, and a polygon stands for the candidate cells inside it.
func TestSiteCandidatesFile(t *testing.T) {
	dir := t.TempDir()
	// Two road points: the sites a default run chooses.
	first := filepath.Join(dir, "first")
	runCLI(t, "site", sampleStudy, "--add", "2", "--out", first)
	chosen := readCSVFile(t, filepath.Join(first, "sites.csv"))
	good := "lon,lat\n" + chosen[1][5] + "," + chosen[1][6] + "\n" + chosen[2][5] + "," + chosen[2][6] + "\n"
	bad := "id,lon,lat\nsea,2.5,41.0\npeak,1.7200,42.6200\n"
	badFile := writeTestFile(t, dir, "bad.csv", bad)
	_, _, err := runErr("site", sampleStudy, "--add", "2", "--out", filepath.Join(dir, "x"), "--candidates", badFile)
	for _, want := range []string{"bad.csv", "sea: ", "outside the road network", "peak: ", "no road within"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("a file with no usable site: error %v, want it to mention %q", err, want)
		}
	}
	mixed := writeTestFile(t, dir, "mixed.csv", good+"2.5,41.0\n")
	lake := writeTestFile(t, dir, "lake.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"lake"},"geometry":{"type":"Polygon","coordinates":[[[2.0,41.0],[2.1,41.0],[2.1,41.1],[2.0,41.0]]]}}]}`)
	out := filepath.Join(dir, "mixed")
	_, stderr := runCLI(t, "site", sampleStudy, "--add", "5", "--out", out, "--candidates", mixed, "--exclude", lake)
	for _, want := range []string{"placing all 2", "1 of the 3 candidate sites", "row 4: ", `"lake"`, "excludes nothing"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("warnings do not mention %q:\n%s", want, stderr)
		}
	}
	if rows := readCSVFile(t, filepath.Join(out, "sites.csv")); len(rows) != 3 {
		t.Errorf("%d sites placed, want the 2 usable candidates", len(rows)-1)
	}
	// In Chinese the warnings are the catalogue's (the reasons a candidate is
	// left out stay the study layer's English).
	_, stderr = runCLI(t, "--lang", "zh-CN", "site", sampleStudy, "--add", "5", "--out", filepath.Join(dir, "mixed-zh"), "--candidates", mixed, "--exclude", lake)
	warnings := 0
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !strings.HasPrefix(l, "警告：") {
			t.Errorf("a warning in Chinese is not said in Chinese: %q", l)
		}
		warnings++
	}
	for _, want := range []string{"全部放置 2 个", "3 个候选站点中有 1 个未采用", `"lake"`, "不排除任何站点"} {
		if !strings.Contains(stderr, want) || warnings != 3 {
			t.Errorf("%d warnings in Chinese, want 3, and %q among them:\n%s", warnings, want, stderr)
		}
	}
	// A polygon around the first chosen site stands for the cells inside it.
	lon, _ := strconv.ParseFloat(chosen[1][5], 64)
	lat, _ := strconv.ParseFloat(chosen[1][6], 64)
	ring := ""
	for _, d := range [][2]float64{{-0.01, -0.01}, {0.01, -0.01}, {0.01, 0.01}, {-0.01, 0.01}, {-0.01, -0.01}} {
		if ring != "" {
			ring += ","
		}
		ring += "[" + strconv.FormatFloat(lon+d[0], 'f', 6, 64) + "," + strconv.FormatFloat(lat+d[1], 'f', 6, 64) + "]"
	}
	zone := writeTestFile(t, dir, "zone.geojson", `{"type":"Feature","properties":{"id":"zone"},"geometry":{"type":"Polygon","coordinates":[[`+ring+`]]}}`)
	out = filepath.Join(dir, "zone")
	runCLI(t, "site", sampleStudy, "--add", "1", "--out", out, "--candidates", zone)
	rows := readCSVFile(t, filepath.Join(out, "sites.csv"))
	cands := readSummary(t, out)["candidates"].(map[string]any)
	if len(rows) != 2 || !strings.HasPrefix(rows[1][1], "zone/") || rows[1][4] == "" || cands["Considered"].(float64) < 2 {
		t.Errorf("a polygon candidate: sites %v, candidates %v; want cells named zone/<cell>", rows, cands)
	}
}

// TestSiteRelocateAndTeams: moving up to two existing teams never does
// worse than moving none, and the coverage study run with the plan's bases
// (an independent computation) finds exactly the residents the plan
// reports; --team-size judges each new site against the township and
// village minimums, and the units' members grow by the new teams.
func TestSiteRelocateAndTeams(t *testing.T) {
	dir := t.TempDir()
	fixed, moved := filepath.Join(dir, "fixed"), filepath.Join(dir, "moved")
	runCLI(t, "site", sampleStudy, "--add", "2", "--out", fixed, "--team-size", "12")
	stdout, _ := runCLI(t, "site", sampleStudy, "--add", "2", "--out", moved, "--team-size", "12", "--relocate", "2")
	f, m := readSummary(t, fixed), readSummary(t, moved)
	fv, mv := f["plan_value"].(float64), m["plan_value"].(float64)
	if mv < fv || m["value_without_relocation"].(float64) != fv {
		t.Errorf("with up to 2 moves %v residents inside, without %v (reported %v)", mv, fv, m["value_without_relocation"])
	}
	for _, s := range []map[string]any{f, m} {
		if d := s["coverage_after"].(float64) - s["plan_covered"].(float64); math.Abs(d) > 1e-6 {
			t.Errorf("coverage study with the plan: %v inside, the plan reports %v", s["coverage_after"], s["plan_covered"])
		}
	}
	moves, _ := m["relocations"].([]any)
	rows := readCSVFile(t, filepath.Join(moved, "sites.csv"))
	relocated := 0
	for _, r := range rows[1:] {
		if r[2] == "relocated" {
			relocated++
			if r[3] == "" {
				t.Errorf("relocated site %s names no base", r[1])
			}
		} else if r[8] != "12" || r[9] != "false" || r[10] != "true" {
			t.Errorf("new site %v: want 12 members, below the township minimum (20), meeting the village minimum (10)", r)
		}
	}
	if relocated != len(moves) || len(moves) > 2 || (len(moves) > 0 && !strings.Contains(stdout, "move the team of")) {
		t.Errorf("%d relocated rows, %d moves in the summary", relocated, len(moves))
	}
	units := readCSVFile(t, filepath.Join(fixed, "units.csv"))
	var grew int
	for _, u := range units[1:] {
		before, _ := strconv.Atoi(u[7])
		after, _ := strconv.Atoi(u[8])
		grew += after - before
	}
	newInUnits := 0
	for _, r := range readCSVFile(t, filepath.Join(fixed, "sites.csv"))[1:] {
		if r[7] != "" {
			newInUnits++
		}
	}
	if grew != 12*newInUnits {
		t.Errorf("units' members grew by %d, want 12 × %d new sites inside units", grew, newInUnits)
	}
}
