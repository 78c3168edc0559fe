package geo

import (
	"strings"
	"testing"
)

func TestFeatures(t *testing.T) {
	for _, tt := range []struct {
		in    string
		n     int
		error string
	}{
		{`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}},{"type":"Feature","geometry":null,"properties":{}}]}`, 2, ""},
		{`{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"id":"a"}}`, 1, ""},
		{`{"type":"Point","coordinates":[1,2]}`, 0, "not a feature collection"},
		{`not json`, 0, "invalid"},
	} {
		fc, err := Features([]byte(tt.in))
		switch {
		case tt.error != "" && (err == nil || !strings.Contains(err.Error(), tt.error)):
			t.Errorf("Features(%.40s): %v, want an error mentioning %q", tt.in, err, tt.error)
		case tt.error == "" && (err != nil || len(fc.Features) != tt.n):
			t.Errorf("Features(%.40s): %v, %v; want %d features", tt.in, fc, err, tt.n)
		}
	}
}
