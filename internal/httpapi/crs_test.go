package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

// On the Shenzhen sample, a siting request (least time: every resident is
// already inside the circle) with candidates in GCJ-02 (as
// an Amap user picks them) answers at their WGS-84 places, and a what-if
// adding a base in GCJ-02 equals the same base given in WGS-84.
func TestServiceCRSShenzhen(t *testing.T) {
	t.Parallel()
	s := newTestServer(0)
	s.svc.Load(context.Background(), filepath.Join("..", "..", "data", "sample", "shenzhen", "study.yaml"))
	if s.svc.Default().Study() == nil {
		t.Fatalf("Shenzhen sample did not load: %v", s.svc.Default().LoadError())
	}
	h := s.Handler()
	// Two places on 粤海街道's roads, WGS-84, and as Amap shows them.
	wgs := []orb.Point{{113.9440, 22.5260}, {113.9360, 22.5400}}
	body := `{"add": 1, "objective": "time", "crs": "gcj02", "candidates": [`
	for i, p := range wgs {
		g := coordsys.WGS84ToGCJ02(p)
		if i > 0 {
			body += ","
		}
		body += fmt.Sprintf(`{"id": "c%d", "lon": %.10f, "lat": %.10f}`, i, g[0], g[1])
	}
	body += "]}"
	rec := post(t, h, "/api/site", body)
	if rec.Code != 200 {
		t.Fatalf("site: %d %s", rec.Code, rec.Body)
	}
	var ans struct {
		Sites []struct {
			ID       string
			Lon, Lat float64
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil || len(ans.Sites) != 1 {
		t.Fatalf("site answer %s: %v", rec.Body, err)
	}
	got := orb.Point{ans.Sites[0].Lon, ans.Sites[0].Lat}
	var want orb.Point
	for i, p := range wgs {
		if ans.Sites[0].ID == fmt.Sprintf("c%d", i) {
			want = p
		}
	}
	if d := geo.Haversine(got, want); d > 0.01 {
		t.Errorf("site %s answered at %v, %.3f m from its WGS-84 place %v", ans.Sites[0].ID, got, d, want)
	}

	whatif := func(lon, lat float64, crs string) float64 {
		t.Helper()
		rec := post(t, h, "/api/whatif", fmt.Sprintf(`{"remove": ["way/498494536"], "add": [{"id": "n", "lon": %.10f, "lat": %.10f, "team_size": 30}], "crs": %q}`, lon, lat, crs))
		if rec.Code != 200 {
			t.Fatalf("whatif: %d %s", rec.Code, rec.Body)
		}
		var r struct {
			After float64 `json:"within_after"`
		}
		json.Unmarshal(rec.Body.Bytes(), &r)
		return r.After
	}
	g := coordsys.WGS84ToGCJ02(wgs[0])
	a, b := whatif(g[0], g[1], "gcj02"), whatif(wgs[0][0], wgs[0][1], "")
	if math.Abs(a-b) > 1e-6 || a == 0 {
		t.Errorf("what-if with the base in GCJ-02: %v residents inside; the same base in WGS-84: %v", a, b)
	}
}
