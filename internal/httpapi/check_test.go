package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/service"
)

// request runs one request through h with the given headers.
func request(h http.Handler, method, url, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestCORSAndPost: any page may read; only the server's own page and the
// configured origins may POST, and only JSON.
func TestCORSAndPost(t *testing.T) {
	sample := sampleSrv(t)
	s := NewWithConfig(sample.svc, Config{Origins: []string{"https://maps.example.org"}}, nil, nil)
	h := s.Handler()
	const whatif = `{"remove":["node/2966663490"]}`
	for _, tc := range []struct {
		name, method, url, body string
		headers                 []string
		status                  int
		allowOrigin             string
	}{
		{"GET from any page", "GET", "/api/study", "", []string{"Origin", "https://evil.example"}, 200, "*"},
		{"POST from another site's page", "POST", "/api/whatif", whatif, []string{"Origin", "https://evil.example", "Content-Type", "application/json"}, 403, ""},
		{"POST from the server's own page", "POST", "/api/whatif", whatif, []string{"Origin", "http://127.0.0.1:8080", "Host", "127.0.0.1:8080", "Content-Type", "application/json"}, 200, "http://127.0.0.1:8080"},
		{"POST from a configured origin", "POST", "/api/whatif", whatif, []string{"Origin", "https://maps.example.org", "Content-Type", "application/json; charset=utf-8"}, 200, "https://maps.example.org"},
		{"POST without an Origin (curl)", "POST", "/api/whatif", whatif, []string{"Content-Type", "application/json"}, 200, ""},
		{"POST as a form", "POST", "/api/whatif", whatif, []string{"Content-Type", "text/plain"}, 415, ""},
		{"POST with no Content-Type", "POST", "/api/site", `{"add":1}`, nil, 415, ""},
		{"preflight of a POST from another site", "OPTIONS", "/api/whatif", "", []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "POST"}, 403, ""},
		{"preflight of a POST from a configured origin", "OPTIONS", "/api/site", "", []string{"Origin", "https://maps.example.org", "Access-Control-Request-Method", "POST"}, 204, "https://maps.example.org"},
		{"preflight of a GET", "OPTIONS", "/api/tables", "", []string{"Origin", "https://evil.example", "Access-Control-Request-Method", "GET"}, 204, "*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := request(h, tc.method, tc.url, tc.body, tc.headers...)
			if rec.Code != tc.status {
				t.Errorf("%s %s = %d, want %d (%s)", tc.method, tc.url, rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.allowOrigin)
			}
		})
	}
}

// TestHostCheck: bound to loopback, the server answers loopback names and
// the configured hosts only (a rebound DNS name is refused).
func TestHostCheck(t *testing.T) {
	sample := sampleSrv(t)
	h := NewWithConfig(sample.svc, Config{CheckHost: true, Hosts: []string{"rescuegrid.lan"}}, nil, nil).Handler()
	for host, want := range map[string]int{
		"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "127.0.0.1": 200, "LOCALHOST": 200,
		"rescuegrid.lan:8080": 200, "attacker.example:8080": 403, "10.0.0.5:8080": 403, "": 403,
	} {
		if rec := request(h, "GET", "/api/study", "", "Host", host); rec.Code != want {
			t.Errorf("Host %q: %d, want %d (%s)", host, rec.Code, want, rec.Body)
		}
	}
	wantJSONError(t, request(h, "GET", "/api/tables", "", "Host", "attacker.example"), 403, "attacker.example")
}

// TestToken: with a token every route needs it but the health probes.
func TestToken(t *testing.T) {
	sample := sampleSrv(t)
	h := NewWithConfig(sample.svc, Config{Token: "s3cret"}, nil, nil).Handler()
	rec := request(h, "GET", "/api/study", "")
	if rec.Code != 401 || !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("no token: %d %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	if rec := request(h, "GET", "/api/study", "", "Authorization", "Bearer wrong"); rec.Code != 401 {
		t.Errorf("a wrong token: %d", rec.Code)
	}
	if rec := request(h, "GET", "/api/study", "", "Authorization", "Bearer s3cret"); rec.Code != 200 {
		t.Errorf("the token: %d", rec.Code)
	}
	for _, probe := range []string{"/healthz", "/readyz"} {
		if rec := request(h, "GET", probe, ""); rec.Code != 200 {
			t.Errorf("%s without the token: %d", probe, rec.Code)
		}
	}
}

// TestFailedLoadTellsNoPath: /readyz and /api/studies of a study that
// failed say what failed, never where the files are.
func TestFailedLoadTellsNoPath(t *testing.T) {
	s := newTestServer(0)
	dir := t.TempDir()
	s.svc.Load(context.Background(), filepath.Join(dir, "gone", "study.yaml"))
	h := s.Handler()
	for _, url := range []string{"/readyz", "/api/studies", "/api/study"} {
		rec := get(t, h, url)
		if strings.Contains(rec.Body.String(), dir) {
			t.Errorf("%s tells the client the path: %s", url, rec.Body)
		}
		if !strings.Contains(rec.Body.String(), "study.yaml") {
			t.Errorf("%s does not say which file failed: %s", url, rec.Body)
		}
	}
}

// TestBusyIs503: a lane whose slots and queue are taken turns a request
// away with 503 and Retry-After, while the health probes and the cheap
// reads answer.
func TestBusyIs503(t *testing.T) {
	lanes := service.DefaultAdmission(2)
	lanes[service.Siting] = service.Lane{Running: 1, Queue: 1, Wait: 50 * time.Millisecond}
	s := sampleWith(t, service.Config{Limits: service.DefaultLimits(), Admission: lanes})
	h := s.Handler()
	release, err := s.svc.Admit(context.Background(), service.Siting)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	// One waits its 50 ms in the queue and is turned away.
	rec := post(t, h, "/api/site", `{"add": 1}`)
	wantJSONError(t, rec, 503, "busy")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("/healthz while siting is full: %d", rec.Code)
	}
	// Cheap reads have their own lane (heavy lanes share the cores heavy
	// work may take, which the held siting slot holds here).
	if rec := get(t, h, "/api/tables/bases?format=json"); rec.Code != 200 {
		t.Errorf("a table read while siting is full: %d", rec.Code)
	}
	if st := s.svc.AdmissionStats()[service.Siting]; st.Refused != 1 {
		t.Errorf("siting lane %+v: want 1 refused", st)
	}
}
