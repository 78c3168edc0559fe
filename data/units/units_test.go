package units_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// andorraParishes reads Andorra's seven parishes (admin_level=7) once per
// test binary.
func andorraParishes(tb testing.TB) []units.Unit {
	tb.Helper()
	us, _, err := units.FromOSM(context.Background(), shared.Path(tb, "data", "andorra", "andorra.osm.pbf"), 7)
	if err != nil {
		tb.Fatal(err)
	}
	var parishes []units.Unit
	for _, u := range us {
		if strings.HasPrefix(u.Code, "AD-") {
			parishes = append(parishes, u)
		}
	}
	return parishes
}

func TestFromOSMAndorra(t *testing.T) {
	us, problems, err := units.FromOSM(context.Background(), shared.Path(t, "data", "andorra", "andorra.osm.pbf"), 7)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var km2 float64
	for _, u := range us {
		got = append(got, u.Code+" "+u.Name)
		km2 += geo.Area(u.Geom) / 1e6
		if u.ID != u.Origin || !strings.HasPrefix(u.ID, "relation/") {
			t.Errorf("unit %q: ID %q, Origin %q, want both relation/N", u.Name, u.ID, u.Origin)
		}
	}
	want := []string{
		"AD-07 Andorra la Vella", "AD-02 Canillo", "AD-03 Encamp", "AD-08 Escaldes-Engordany",
		"AD-04 La Massana", "AD-05 Ordino", "AD-06 Sant Julià de Lòria",
	}
	if !slices.Equal(got, want) {
		t.Errorf("units = %q, want %q", got, want)
	}
	if km2 < 440 || km2 > 500 {
		t.Errorf("parishes cover %.1f km², want 440–500 (Andorra: 468)", km2)
	}
	// The neighbouring Spanish and French comarques and arrondissements
	// are cut by the extract: reported, not dropped silently.
	var names []string
	for _, p := range problems {
		names = append(names, p.Name)
		if !errors.Is(p.Err, osm.ErrRingNotClosed) {
			t.Errorf("problem %v: want osm.ErrRingNotClosed", p)
		}
	}
	wantProblems := []string{"Foix", "Prades", "Cerdanya", "Alt Urgell", "Pallars Sobirà"}
	if !slices.Equal(names, wantProblems) {
		t.Errorf("problems = %q, want %q", names, wantProblems)
	}
}

func TestFromOSMMaltaCouncils(t *testing.T) {
	us, problems, err := units.FromOSM(context.Background(), shared.Path(t, "data", "malta", "malta-latest.osm.pbf"), 8)
	if err != nil {
		t.Fatal(err)
	}
	var km2 float64
	for _, u := range us {
		km2 += geo.Area(u.Geom) / 1e6
	}
	// Malta has 68 local councils; this 2018 extract tags 67 of them at
	// level 8 (Ħal Tarxien is at level 7).
	if len(us) != 67 || len(problems) != 0 {
		t.Errorf("%d councils, %d problems %v; want 67 and 0", len(us), len(problems), problems)
	}
	if km2 < 300 || km2 > 330 {
		t.Errorf("councils cover %.1f km², want about 316 less Ħal Tarxien", km2)
	}
}

func TestFromOSMNoUnits(t *testing.T) {
	_, _, err := units.FromOSM(context.Background(), shared.Path(t, "data", "andorra", "andorra.osm.pbf"), 11)
	if !errors.Is(err, units.ErrNoUnits) {
		t.Errorf("level 11: err = %v, want ErrNoUnits", err)
	}
}

// TestReadGeoJSONChina reads Shaoxing's six county units. The file's
// coordinates are probably GCJ-02 (see the package doc): they are kept.
// Rounded to 1/1024 degree, every ring touches or crosses itself somewhere:
// refused by default, read with Repair.
func TestReadGeoJSONChina(t *testing.T) {
	path := shared.Path(t, "data", "china", "counties_zhe4_jiang1_shao4_xing1.geojson")
	_, err := units.ReadGeoJSON(path, units.GeoJSONOptions{})
	checkParseError(t, err, path, 1, units.ErrInvalid, "Ring Self-intersection[120.6396484375 29.9453125]")

	us, err := units.ReadGeoJSON(path, units.GeoJSONOptions{Repair: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	if len(us) != 6 || !slices.Contains(names, "诸暨市") {
		t.Fatalf("units = %q, want 6 counties incl. 诸暨市", names)
	}
	// The features' own ids are the county codes of the statistical
	// division (330681 诸暨市, as in ../data/china/areas.csv).
	var ids []string
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	if want := []string{"330602", "330604", "330624", "330603", "330681", "330683"}; !slices.Equal(ids, want) {
		t.Errorf("ids = %q, want %q", ids, want)
	}
	ix := units.NewIndex(us)
	for i, u := range us {
		if want := fmt.Sprintf("%s:feature %d", path, i+1); u.Origin != want {
			t.Errorf("unit %d origin = %q, want %q", i, u.Origin, want)
		}
		km2 := geo.Area(u.Geom) / 1e6
		if km2 < 300 || km2 > 3000 {
			t.Errorf("%s: %.0f km², want a county's 300–3000", u.Name, km2)
		}
		if u.Repaired == "" {
			t.Errorf("%s: not repaired, want the GEOS reason", u.Name)
		}
		t.Logf("%s %s %.0f km²: %s", u.ID, u.Name, km2, u.Repaired)
	}
	// Zhuji's city centre (Jiyang street, 120.236 E 29.714 N).
	zhuji := ix.Locate(orb.Point{120.236, 29.714})
	if zhuji < 0 || us[zhuji].Name != "诸暨市" {
		t.Errorf("Zhuji centre located in %d, want 诸暨市", zhuji)
	}
}

// writeFixture writes a GeoJSON fixture into a temporary folder.
func writeFixture(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const okSquare = `{"type":"Feature","properties":{"id":"a","name":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}`

func TestReadGeoJSONErrors(t *testing.T) {
	for _, tt := range []struct {
		name        string
		body        string
		wantFeature int
		wantErr     error
		wantText    string
	}{
		{
			"unclosed ring",
			`{"type":"FeatureCollection","features":[` + okSquare + `,
			{"type":"Feature","properties":{"id":"b"},"geometry":{"type":"Polygon","coordinates":[[[2,0],[3,0],[3,1],[2,1]]]}}]}`,
			2, units.ErrRingNotClosed, "ring 1 starts at [2 0] and ends at [2 1]",
		},
		{
			"bow tie",
			`{"type":"FeatureCollection","features":[
			{"type":"Feature","properties":{"id":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}`,
			1, units.ErrInvalid, "Self-intersection[0.5 0.5]",
		},
		{
			"hole outside shell",
			`{"type":"FeatureCollection","features":[` + okSquare + `,
			{"type":"Feature","properties":{"id":"h"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[5,5],[6,5],[6,6],[5,5]]]}}]}`,
			2, units.ErrInvalid, "Hole lies outside shell",
		},
		{
			"line string",
			`{"type":"FeatureCollection","features":[` + okSquare + `,
			{"type":"Feature","properties":{"id":"l"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}`,
			2, units.ErrNotPolygon, "it is a LineString",
		},
		{
			"duplicate id",
			`{"type":"FeatureCollection","features":[` + okSquare + `,` + okSquare + `]}`,
			2, units.ErrDuplicateID, `"a" (first in feature 1)`,
		},
		{
			"empty collection",
			`{"type":"FeatureCollection","features":[]}`,
			0, units.ErrNoUnits, "no features",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFixture(t, strings.ReplaceAll(tt.name, " ", "_")+".geojson", tt.body)
			_, err := units.ReadGeoJSON(path, units.GeoJSONOptions{})
			checkParseError(t, err, path, tt.wantFeature, tt.wantErr, tt.wantText)
		})
	}
}

func checkParseError(t *testing.T, err error, path string, wantFeature int, wantErr error, wantText string) {
	t.Helper()
	var pe *units.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *units.ParseError", err)
	}
	if pe.File != path || pe.Feature != wantFeature || !errors.Is(err, wantErr) {
		t.Errorf("err = %v (file %s, feature %d), want file %s, feature %d, %v", err, pe.File, pe.Feature, path, wantFeature, wantErr)
	}
	msg := err.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, wantText) {
		t.Errorf("message %q: want the file name and %q", msg, wantText)
	}
	if wantFeature > 0 && !strings.Contains(msg, fmt.Sprintf("feature %d:", wantFeature)) {
		t.Errorf("message %q: want the feature number %d", msg, wantFeature)
	}
}

func TestReadGeoJSONOptions(t *testing.T) {
	body := `{"type":"FeatureCollection","features":[
	{"type":"Feature","id":7,"properties":{"code":4314902,"nome":"Porto Alegre"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[0,1],[1,1],[1,0],[0,0]]]]}},
	{"type":"Feature","id":8,"properties":{"nome":"Canoas"},"geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}`
	path := writeFixture(t, "rs.geojson", body)
	us, err := units.ReadGeoJSON(path, units.GeoJSONOptions{NameKey: "nome"})
	if err != nil {
		t.Fatal(err)
	}
	got := [][3]string{{us[0].ID, us[0].Name, us[0].Code}, {us[1].ID, us[1].Name, us[1].Code}}
	want := [][3]string{{"4314902", "Porto Alegre", "4314902"}, {"8", "Canoas", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("id, name, code = %q, want %q", got, want)
	}
	// The clockwise exterior of the first feature is turned counter-clockwise.
	if o := us[0].Geom[0][0].Orientation(); o != orb.CCW {
		t.Errorf("exterior orientation %v, want CCW", o)
	}
	_, err = units.ReadGeoJSON(path, units.GeoJSONOptions{IDKey: "ibge"})
	checkParseError(t, err, path, 1, units.ErrBadValue, `no property "ibge"`)
}
