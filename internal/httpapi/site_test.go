package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/service"
)

type siteAnswer struct {
	Baseline, Value, Covered float64
	Relocated                *float64 `json:"value_with_relocation"`
	Bound                    struct{ Greedy, Online, Best, Gap *float64 }
	Curve                    []struct {
		K    int
		Site string `json:"site_id"`
		Gain float64
	}
	Sites []struct {
		ID, Kind, From string
		Lon, Lat       float64
		Members        int
	}
	Note string
}

// TestServerSite: POST /api/site on the sample. The answer's sites, added
// through /api/whatif (the coverage study), reach exactly the residents the
// siting reports; the bound holds the value; moving one team never does
// worse; bad requests are 400 naming the field, candidates that are all
// unusable 422 naming them, and more sites than candidates places them all.
func TestServerSite(t *testing.T) {
	h := sampleSrv(t).Handler()
	rec := post(t, h, "/api/site", `{"add": 2}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /api/site: %d %s", rec.Code, rec.Body)
	}
	var a siteAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Sites) != 2 || len(a.Curve) != 2 || a.Value < a.Baseline || a.Bound.Best == nil || *a.Bound.Best < a.Value-1e-9 {
		t.Fatalf("answer %+v", a)
	}
	var add []string
	for _, s := range a.Sites {
		if s.Kind != "new" || s.Members != 20 {
			t.Errorf("site %+v: want a new site of the township minimum, 20 members", s)
		}
		add = append(add, fmt.Sprintf(`{"id":%q,"lon":%v,"lat":%v}`, s.ID, s.Lon, s.Lat))
	}
	wi := post(t, h, "/api/whatif", `{"add":[`+strings.Join(add, ",")+`]}`)
	var w struct {
		After float64 `json:"within_after"`
	}
	if err := json.Unmarshal(wi.Body.Bytes(), &w); err != nil || wi.Code != http.StatusOK {
		t.Fatalf("whatif: %d %s", wi.Code, wi.Body)
	}
	if math.Abs(w.After-a.Covered) > 1e-6*a.Covered {
		t.Errorf("the coverage study with the sites counts %v residents inside, /api/site %v", w.After, a.Covered)
	}

	rec = post(t, h, "/api/site", `{"add": 2, "relocate": 1, "team_size": 25}`)
	var r siteAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("relocate: %d %s", rec.Code, rec.Body)
	}
	if r.Relocated == nil || *r.Relocated < r.Value || r.Value != a.Value {
		t.Errorf("with one move %v, without %v (first answer %v)", r.Relocated, r.Value, a.Value)
	}
	for _, s := range r.Sites {
		if s.Kind == "new" && s.Members != 25 {
			t.Errorf("new site %s has %d members, asked 25", s.ID, s.Members)
		}
	}

	for _, tc := range []struct {
		body, mention string
		status        int
	}{
		{`{"add": 0}`, "add", 400},
		{`{"add": 21}`, "add", 400},
		{`{"add": 2, "objective": "fast"}`, "objective", 400},
		{`{"add": 2, "colour": "red"}`, "colour", 400},
		{`{"add": 2, "candidate_res": 12}`, "candidate_res", 400},
		{`{"add": 2, "candidates": [{"lon": 1.5}]}`, "candidates[0]", 400},
		{`{"add": 2, "relocate": 1, "objective": "all"}`, "relocate", 400},
		{`{"add": 2, "relocate": 11}`, "relocate", 400},
		{`{"add": 1, "candidates": [{"id": "sea", "lon": 2.5, "lat": 41}, {"id": "peak", "lon": 1.72, "lat": 42.62}]}`, "sea: ", 422},
	} {
		rec := post(t, h, "/api/site", tc.body)
		wantJSONError(t, rec, tc.status, tc.mention)
	}
	// Two usable candidates, five asked: both placed, and said so.
	two := fmt.Sprintf(`{"add": 5, "candidates": [{"id": "a", "lon": %v, "lat": %v}, {"id": "b", "lon": %v, "lat": %v}]}`, a.Sites[0].Lon, a.Sites[0].Lat, a.Sites[1].Lon, a.Sites[1].Lat)
	rec = post(t, h, "/api/site", two)
	var b siteAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("two candidates: %d %s", rec.Code, rec.Body)
	}
	if len(b.Sites) != 2 || !strings.Contains(b.Note, "placing all 2") || math.Abs(b.Covered-a.Covered) > 1e-6 {
		t.Errorf("two candidates, five asked: %+v; want both placed, a note, and the first answer's %v covered", b, a.Covered)
	}
	var api struct {
		Paths map[string]map[string]any
	}
	if err := json.Unmarshal(get(t, h, "/openapi.json").Body.Bytes(), &api); err != nil || api.Paths["/api/site"]["post"] == nil {
		t.Errorf("openapi.json (%v) does not describe POST /api/site", err)
	}
}

// TestServerSiteMatrixShared: concurrent requests for the same generated
// candidates share one matrix (built once per study and key) and get the
// same answer as a fresh server; under -race this also checks that the
// solver only reads the shared matrix.
func TestServerSiteMatrixShared(t *testing.T) {
	// Four sitings at once: a lane that runs them all (admission is
	// TestBusyIs503's business).
	lanes := service.DefaultAdmission(2)
	lanes[service.Siting] = service.Lane{Running: 4, Queue: 4, Wait: time.Minute}
	s := sampleWith(t, service.Config{Limits: service.DefaultLimits(), Admission: lanes})
	h := s.Handler()
	const body = `{"add": 3, "relocate": 1}`
	answers := make([]siteAnswer, 4)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := post(t, h, "/api/site", body)
			if rec.Code != http.StatusOK {
				t.Errorf("request %d: %d %s", i, rec.Code, rec.Body)
				return
			}
			json.Unmarshal(rec.Body.Bytes(), &answers[i])
		}()
	}
	wg.Wait()
	for i := 1; i < len(answers); i++ {
		if fmt.Sprint(answers[i].Sites) != fmt.Sprint(answers[0].Sites) || answers[i].Value != answers[0].Value {
			t.Errorf("request %d: %v %v, request 0: %v %v", i, answers[i].Sites, answers[i].Value, answers[0].Sites, answers[0].Value)
		}
	}
	if s.svc.SiteCacheStats().Entries == 0 {
		t.Error("no matrix cached")
	}
	// A server that never cached anything answers the same.
	fresh := sampleWith(t, service.Config{Limits: service.DefaultLimits()})
	var a siteAnswer
	json.Unmarshal(post(t, fresh.Handler(), "/api/site", body).Body.Bytes(), &a)
	if fmt.Sprint(a.Sites) != fmt.Sprint(answers[0].Sites) || a.Value != answers[0].Value {
		t.Errorf("fresh server: %v %v; shared matrix: %v %v", a.Sites, a.Value, answers[0].Sites, answers[0].Value)
	}
}

// TestSiteCacheKey: the team size of new sites does not change the
// matrix, so requests that differ only in it share one cached matrix; the
// cache holds no more bytes than its bound.
func TestSiteCacheKey(t *testing.T) {
	s := sampleWith(t, service.Config{Limits: service.DefaultLimits()})
	h := s.Handler()
	var first siteAnswer
	for team := 1; team <= 6; team++ {
		rec := post(t, h, "/api/site", fmt.Sprintf(`{"add": 2, "team_size": %d}`, team))
		var a siteAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != 200 {
			t.Fatalf("team_size %d: %d %s", team, rec.Code, rec.Body)
		}
		if team == 1 {
			first = a
		} else if a.Value != first.Value || fmt.Sprint(a.Sites[0].ID) != fmt.Sprint(first.Sites[0].ID) || a.Sites[0].Members != team {
			t.Errorf("team_size %d: value %v, first site %s of %d members; team_size 1: %v, %s", team, a.Value, a.Sites[0].ID, a.Sites[0].Members, first.Value, first.Sites[0].ID)
		}
	}
	if st := s.svc.SiteCacheStats(); st.Entries != 1 {
		t.Errorf("six team sizes left %d matrices in the cache, want 1", st.Entries)
	}

	// A bound smaller than one matrix keeps none, and still answers.
	small := sampleWith(t, service.Config{Limits: service.DefaultLimits(), SiteCacheBytes: 1 << 10})
	rec := post(t, small.Handler(), "/api/site", `{"add": 2}`)
	var a siteAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || rec.Code != 200 || a.Value != first.Value {
		t.Errorf("with a 1 KB cache: %d, value %v, want %v", rec.Code, a.Value, first.Value)
	}
	if st := small.svc.SiteCacheStats(); st.Bytes > 1<<10 {
		t.Errorf("a 1 KB cache holds %d bytes", st.Bytes)
	}
}
