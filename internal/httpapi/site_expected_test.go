package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestServerSiteExpected: POST /api/site with the expected objective on the
// sample answers with expected residents: below the plain coverage of the
// same sites, above the baseline, gains never rising; relocation with it
// is a 400.
func TestServerSiteExpected(t *testing.T) {
	h := sampleSrv(t).Handler()
	rec := post(t, h, "/api/site", `{"add": 2, "objective": "expected"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST /api/site expected: %d %s", rec.Code, rec.Body)
	}
	var a siteAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if !(a.Value > a.Baseline && a.Value <= a.Covered) || len(a.Curve) != 2 || a.Curve[1].Gain > a.Curve[0].Gain {
		t.Errorf("expected: baseline %v, value %v, covered %v, curve %+v", a.Baseline, a.Value, a.Covered, a.Curve)
	}
	if rec := post(t, h, "/api/site", `{"add": 1, "objective": "expected", "relocate": 1}`); rec.Code != http.StatusBadRequest {
		t.Errorf("expected with relocate: %d %s, want 400", rec.Code, rec.Body)
	}
}
