package facility_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/facility"
)

func TestParseSites(t *testing.T) {
	t.Parallel()
	csvNoID := "lon,lat\n1.52,42.50\n1.53,42.51\n"
	got, err := facility.ParseSites("c.csv", []byte(csvNoID))
	if err != nil || len(got) != 2 || got[0].ID != "row 2" || got[1].Loc[1] != 42.51 || got[0].Area != nil {
		t.Fatalf("ParseSites(csv without id) = %+v, %v", got, err)
	}
	gj := `{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"school"},"geometry":{"type":"Point","coordinates":[1.5,42.5]}},
 {"type":"Feature","id":7,"properties":{},"geometry":{"type":"Polygon","coordinates":[[[1.5,42.5],[1.51,42.5],[1.51,42.51],[1.5,42.5]]]}},
 {"type":"Feature","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[[[[1.5,42.5],[1.51,42.5],[1.51,42.51],[1.5,42.5]]]]}}]}`
	got, err = facility.ParseSites("s.geojson", []byte(gj))
	if err != nil || len(got) != 3 || got[0].ID != "school" || got[1].ID != "7" || got[2].ID != "#3" || got[1].Area == nil || got[0].Area != nil {
		t.Fatalf("ParseSites(geojson) = %+v, %v", got, err)
	}
	for _, tc := range []struct {
		name, file, body string
		want             []string
		is               error
	}{
		{"no lat", "a.csv", "id,lon\na,1\n", []string{"a.csv:1", "lon and lat"}, facility.ErrBadValue},
		{"bad lat", "a.csv", "lon,lat\n1,95\n", []string{"a.csv:2", "lat"}, facility.ErrBadValue},
		{"duplicate", "a.csv", "id,lon,lat\nx,1,2\nx,1,3\n", []string{"a.csv:3", "x"}, facility.ErrDuplicateID},
		{"empty", "a.csv", "  ", []string{"empty"}, facility.ErrNoPoints},
		{"line", "a.geojson", `{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}`, []string{"feature 1", "LineString"}, facility.ErrBadValue},
		{"far polygon", "a.geojson", `{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,2],[300,4],[1,5],[1,2]]]}}`, []string{"feature 1", "outside"}, facility.ErrBadValue},
		{"geojson duplicate", "a.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[1,2]}},{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[1,3]}}]}`, []string{"feature 2", `"a"`}, facility.ErrDuplicateID},
	} {
		_, err := facility.ParseSites(tc.file, []byte(tc.body))
		if !errors.Is(err, tc.is) {
			t.Errorf("%s: ParseSites = %v, want %v", tc.name, err, tc.is)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}
