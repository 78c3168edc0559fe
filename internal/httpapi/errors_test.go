package httpapi

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/service"
)

// metricsText scrapes the admin handler.
func metricsText(tb testing.TB, s *Server) string {
	tb.Helper()
	rec := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 {
		tb.Fatalf("/metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

// metricValue returns the value of the sample line starting with series
// (name and labels exactly as exported), or -1 when there is none.
func metricValue(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return -1
			}
			return v
		}
	}
	return -1
}

// TestStudyRoutesCountedOnce: a request below /studies/{id}/ passes the
// middleware once: counted once, under the route's own label, with no
// label of the prefix.
func TestStudyRoutesCountedOnce(t *testing.T) {
	s := sampleWith(t, service.Config{Limits: service.DefaultLimits()})
	h := s.Handler()
	for _, url := range []string{"/studies/andorra/api/study", "/api/study", "/studies/andorra/api/study"} {
		if rec := get(t, h, url); rec.Code != 200 {
			t.Fatalf("%s = %d %s", url, rec.Code, rec.Body)
		}
	}
	text := metricsText(t, s)
	if got := metricValue(text, `rescuegrid_http_requests_total{route="GET /api/study",status="200"}`); got != 3 {
		t.Errorf("GET /api/study counted %v times for 3 requests", got)
	}
	if got := metricValue(text, `rescuegrid_http_request_duration_seconds_count{route="GET /api/study"}`); got != 3 {
		t.Errorf("GET /api/study latency observed %v times for 3 requests", got)
	}
	if strings.Contains(text, "/studies/{id}") {
		t.Errorf("metrics carry a label of the /studies/{id}/ prefix (a second count)")
	}
	// The runtime and process collectors: resident memory is exported.
	for _, name := range []string{"process_resident_memory_bytes", "go_goroutines", "rescuegrid_tile_cache_bytes"} {
		if !regexp.MustCompile(`(?m)^` + name + ` [0-9.e+]+$`).MatchString(text) {
			t.Errorf("metrics have no %s", name)
		}
	}
}

// TestTimeoutIs504: a request that runs out of its time limit inside the
// computation answers 504 saying so, not 422 with the context's words.
func TestTimeoutIs504(t *testing.T) {
	lim := service.DefaultLimits()
	lim.Timeout = time.Millisecond
	h := sampleWith(t, service.Config{Limits: lim}).Handler()
	wantJSONError(t, post(t, h, "/api/site", `{"add": 3, "objective": "time"}`), http.StatusGatewayTimeout, "time limit")
	wantJSONError(t, get(t, h, "/api/isochrone?lon=1.5199&lat=42.5458&minutes=30,60,120"), http.StatusGatewayTimeout, "time limit")
}
