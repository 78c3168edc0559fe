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

// TestSiteGainIsReal runs 'site' on the sample and adds its first site as a
// base through the what-if API: coverage must rise by the reported gain.
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
	curve, sites := read("curve.csv"), read("sites.csv")
	if len(curve) != 3 || len(sites) != 3 {
		t.Fatalf("curve %d rows, sites %d rows; want 2 each", len(curve)-1, len(sites)-1)
	}
	gain, _ := strconv.ParseFloat(curve[1][2], 64)
	g1, _ := strconv.ParseFloat(curve[2][2], 64)
	if g1 > gain {
		t.Errorf("second gain %v above the first %v: coverage gains must not increase", g1, gain)
	}
	lon, lat := sites[1][3], sites[1][4]
	if curve[1][1] != sites[1][1] {
		t.Skipf("the final plan's first site (%s) is not greedy's first pick (%s)", sites[1][1], curve[1][1])
	}
	h := sampleSrv(t).handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/whatif", strings.NewReader(`{"add":[{"id":"s","lon":`+lon+`,"lat":`+lat+`}]}`)))
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
