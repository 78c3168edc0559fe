package osm_test

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
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geo"
	"github.com/twpayne/go-geos"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// areaFixture has one of each case ExtractAreas handles. Coordinates are
// lon,lat degrees on a small grid.
const areaFixture = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="0" lon="0"/> <node id="2" lat="0" lon="4"/> <node id="3" lat="4" lon="4"/> <node id="4" lat="4" lon="0"/>
 <node id="5" lat="1" lon="1"/> <node id="6" lat="1" lon="2"/> <node id="7" lat="2" lon="2"/> <node id="8" lat="2" lon="1"/>
 <node id="10" lat="0" lon="10"/> <node id="11" lat="0" lon="20"/> <node id="12" lat="10" lon="20"/> <node id="13" lat="10" lon="10"/>
 <node id="14" lat="2" lon="12"/> <node id="15" lat="2" lon="18"/> <node id="16" lat="8" lon="18"/> <node id="17" lat="8" lon="12"/>
 <node id="18" lat="4" lon="14"/> <node id="19" lat="4" lon="16"/> <node id="20" lat="6" lon="16"/> <node id="21" lat="6" lon="14"/>
 <node id="30" lat="0" lon="30"/> <node id="31" lat="0" lon="31"/> <node id="32" lat="1" lon="31"/>
 <node id="40" lat="0" lon="40"/> <node id="41" lat="0" lon="41"/> <node id="42" lat="1" lon="41"/> <node id="43" lat="1" lon="40"/>
 <node id="44" lat="0" lon="50"/> <node id="45" lat="0" lon="51"/> <node id="46" lat="1" lon="51"/>
 <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>
 <way id="2"><nd ref="4"/><nd ref="3"/></way>
 <way id="3"><nd ref="4"/><nd ref="1"/></way>
 <way id="4"><nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/></way>
 <way id="5"><nd ref="10"/><nd ref="13"/><nd ref="12"/><nd ref="11"/><nd ref="10"/></way>
 <way id="6"><nd ref="14"/><nd ref="15"/><nd ref="16"/><nd ref="17"/><nd ref="14"/></way>
 <way id="7"><nd ref="18"/><nd ref="19"/><nd ref="20"/><nd ref="21"/><nd ref="18"/></way>
 <way id="8"><nd ref="1"/><nd ref="2"/></way>
 <way id="9"><nd ref="30"/><nd ref="31"/><nd ref="32"/><nd ref="30"/><tag k="building" v="yes"/></way>
 <way id="10"><nd ref="30"/><nd ref="31"/><nd ref="30"/><tag k="building" v="yes"/></way>
 <way id="11"><nd ref="30"/><nd ref="31"/><nd ref="32"/><tag k="building" v="yes"/></way>
 <way id="12"><nd ref="30"/><nd ref="31"/><nd ref="999"/><nd ref="30"/><tag k="building" v="house"/><tag k="name" v="Cut"/></way>
 <way id="13"><nd ref="40"/><nd ref="41"/><nd ref="42"/><nd ref="43"/><nd ref="40"/></way>
 <way id="14"><nd ref="44"/><nd ref="45"/><nd ref="46"/><nd ref="44"/></way>
 <relation id="1"><member type="way" ref="1" role="outer"/><member type="way" ref="2" role="outer"/><member type="way" ref="3" role=""/><member type="way" ref="4" role="inner"/><member type="node" ref="5" role="label"/><tag k="type" v="multipolygon"/><tag k="landuse" v="forest"/></relation>
 <relation id="2"><member type="way" ref="5" role="outer"/><member type="way" ref="6" role="inner"/><member type="way" ref="7" role="outer"/><tag k="type" v="multipolygon"/><tag k="landuse" v="meadow"/></relation>
 <relation id="3"><member type="way" ref="8" role="outer"/><member type="way" ref="999" role="outer"/><tag k="type" v="boundary"/><tag k="landuse" v="broken"/><tag k="name" v="Broken"/></relation>
 <relation id="4"><member type="way" ref="1" role=""/><tag k="type" v="route"/><tag k="landuse" v="forest"/></relation>
 <relation id="6"><member type="way" ref="13" role="outer"/><member type="way" ref="998" role="inner"/><tag k="type" v="multipolygon"/><tag k="landuse" v="pond"/></relation>
 <relation id="5"><member type="way" ref="13" role="outer"/><member type="way" ref="14" role="inner"/><tag k="type" v="multipolygon"/><tag k="landuse" v="lake"/></relation>
</osm>
`

func TestExtractAreasFixture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "areas.osm")
	if err := os.WriteFile(path, []byte(areaFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	areas, problems, err := osm.ExtractAreas(context.Background(), path,
		[]osm.TagMatch{{Key: "building", Value: "*"}, {Key: "landuse", Value: "*"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ring := func(pts ...float64) orb.Ring {
		var r orb.Ring
		for i := 0; i < len(pts); i += 2 {
			r = append(r, orb.Point{pts[i], pts[i+1]})
		}
		return r
	}
	want := []osm.Area{
		{Type: "way", ID: 9, Geom: orb.MultiPolygon{{ring(30, 0, 31, 0, 31, 1, 30, 0)}}},
		// Ways 1, 2 (reversed) and 3 (empty role: outer) join into one
		// exterior; way 4 is its hole, turned clockwise.
		{Type: "relation", ID: 1, Geom: orb.MultiPolygon{{
			ring(0, 0, 4, 0, 4, 4, 0, 4, 0, 0),
			ring(1, 1, 1, 2, 2, 2, 2, 1, 1, 1),
		}}},
		// The clockwise exterior is turned; the island in the hole is a
		// second polygon, and the hole belongs to the big exterior.
		{Type: "relation", ID: 2, Geom: orb.MultiPolygon{
			{ring(10, 0, 20, 0, 20, 10, 10, 10, 10, 0), ring(12, 2, 12, 8, 18, 8, 18, 2, 12, 2)},
			{ring(14, 4, 16, 4, 16, 6, 14, 6, 14, 4)},
		}},
	}
	if len(areas) != len(want) {
		t.Fatalf("%d areas %v, want %d", len(areas), areaRefs(areas), len(want))
	}
	for i, w := range want {
		got := areas[i]
		if got.Ref() != w.Ref() || !orb.Equal(got.Geom, w.Geom) {
			t.Errorf("area %d = %s %v, want %s %v", i, got.Ref(), got.Geom, w.Ref(), w.Geom)
		}
	}
	if areas[1].Tags["landuse"] != "forest" {
		t.Errorf("relation/1 tags = %v", areas[1].Tags)
	}
	wantProblems := []struct {
		ref  string
		err  error
		text string
	}{
		{"way/10", osm.ErrDegenerate, "3 nodes"},
		{"way/12", osm.ErrMissingNodes, "1 of 4 nodes missing (first node 999)"},
		{"relation/3", osm.ErrRingNotClosed, "outer ways end at nodes 1 and 2, 1 of 2 member ways are not in the file (first way 999)"},
		{"relation/5", osm.ErrHoleOutside, "near 50.0000000,0.0000000"},
		{"relation/6", osm.ErrMissingMembers, "1 of 2 (first way 998)"},
	}
	if len(problems) != len(wantProblems) {
		t.Fatalf("problems = %v, want %d", problems, len(wantProblems))
	}
	for i, w := range wantProblems {
		p := problems[i]
		if p.Ref() != w.ref || !errors.Is(p, w.err) || !strings.Contains(p.Error(), w.text) {
			t.Errorf("problem %d = %v, want %s: %v ... %s", i, p, w.ref, w.err, w.text)
		}
	}
	if got := problems[1].Error(); !strings.HasPrefix(got, "way/12 (Cut): ") {
		t.Errorf("problem message %q: want the ref and name first", got)
	}
}

func areaRefs(as []osm.Area) []string {
	var r []string
	for _, a := range as {
		r = append(r, a.Ref())
	}
	return r
}

// checkValid fails tb unless GEOS finds g valid.
func checkValid(tb testing.TB, gctx *geos.Context, name string, g orb.MultiPolygon) {
	tb.Helper()
	b, err := wkb.Marshal(g)
	if err != nil {
		tb.Fatal(err)
	}
	gg, err := gctx.NewGeomFromWKB(b)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	defer gg.Destroy()
	if !gg.IsValid() {
		tb.Errorf("%s: invalid: %s", name, gg.IsValidReason())
	}
}

// checkRings fails tb unless every ring is closed, exteriors CCW and holes CW.
func checkRings(tb testing.TB, name string, g orb.MultiPolygon) {
	tb.Helper()
	for _, p := range g {
		for i, r := range p {
			want := orb.CCW
			if i > 0 {
				want = orb.CW
			}
			if len(r) < 4 || r[0] != r[len(r)-1] || r.Orientation() != want {
				tb.Errorf("%s: ring %d of %d points, closed %v, orientation %v; want closed and %v", name, i, len(r), r[0] == r[len(r)-1], r.Orientation(), want)
			}
		}
	}
}

// TestExtractAreasAndorraParishes assembles the seven parishes
// (admin_level=7 boundary relations); together they cover Andorra's
// 468 km².
func TestExtractAreasAndorraParishes(t *testing.T) {
	areas, problems, err := osm.ExtractAreas(context.Background(), shared.Path(t, "data", "andorra", "andorra.osm.pbf"),
		[]osm.TagMatch{{Key: "admin_level", Value: "7"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gctx := geos.NewContext()
	var names []string
	var km2 float64
	for _, a := range areas {
		if a.Tags["boundary"] != "administrative" || !strings.HasPrefix(a.Tags["ISO3166-2"], "AD-") {
			continue
		}
		names = append(names, a.Tags["name"])
		km2 += geo.Area(a.Geom) / 1e6
		checkValid(t, gctx, a.Ref(), a.Geom)
		checkRings(t, a.Ref(), a.Geom)
		t.Logf("%s %s %s: %.1f km², %d polygon(s)", a.Ref(), a.Tags["ISO3166-2"], a.Tags["name"], geo.Area(a.Geom)/1e6, len(a.Geom))
	}
	slices.Sort(names)
	want := []string{"Andorra la Vella", "Canillo", "Encamp", "Escaldes-Engordany", "La Massana", "Ordino", "Sant Julià de Lòria"}
	if !slices.Equal(names, want) {
		t.Errorf("parishes = %q, want %q", names, want)
	}
	if km2 < 440 || km2 > 500 {
		t.Errorf("parishes cover %.1f km², want 440–500", km2)
	}
	t.Logf("parishes: %.1f km² in all", km2)
	// The Spanish and French level-7 neighbours are cut by the extract.
	for _, p := range problems {
		if !errors.Is(p, osm.ErrRingNotClosed) {
			t.Errorf("problem %v: want ErrRingNotClosed", p)
		}
		t.Logf("problem: %v", p)
	}
	if len(problems) != 6 {
		t.Errorf("%d problems, want the 6 cut neighbours", len(problems))
	}
}

// TestExtractAreasAndorraBuildings reads the building footprints: closed
// ways by the thousand, a few multipolygon relations.
func TestExtractAreasAndorraBuildings(t *testing.T) {
	areas, problems, err := osm.ExtractAreas(context.Background(), shared.Path(t, "data", "andorra", "andorra.osm.pbf"),
		[]osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ways, rels int
	var m2 float64
	for i, a := range areas {
		switch a.Type {
		case "way":
			ways++
			if len(a.Geom) != 1 || len(a.Geom[0]) != 1 {
				t.Errorf("%s: %d polygons, want one without holes", a.Ref(), len(a.Geom))
			}
		case "relation":
			rels++
		}
		if i > 0 && (a.Type == areas[i-1].Type && a.ID <= areas[i-1].ID || a.Type == "way" && areas[i-1].Type == "relation") {
			t.Errorf("%s after %s: want ways then relations, by id", a.Ref(), areas[i-1].Ref())
		}
		checkRings(t, a.Ref(), a.Geom)
		m2 += geo.Area(a.Geom)
	}
	t.Logf("%d building ways, %d relations, %d problems; footprints %.2f km²", ways, rels, len(problems), m2/1e6)
	if ways < 4000 || rels < 5 {
		t.Errorf("%d building ways and %d relations, want thousands and a few", ways, rels)
	}
	for _, p := range problems {
		t.Logf("problem: %v", p)
	}
}

// BenchmarkExtractAreasMalta reads Malta's 67 councils and all its
// buildings (13,281 areas); run with make bench-go.
func BenchmarkExtractAreasMalta(b *testing.B) {
	path := shared.Path(b, "data", "malta", "malta-latest.osm.pbf")
	for _, f := range []osm.TagMatch{{Key: "admin_level", Value: "8"}, {Key: "building", Value: "*"}} {
		b.Run(f.Key, func(b *testing.B) {
			for b.Loop() {
				areas, _, err := osm.ExtractAreas(context.Background(), path, []osm.TagMatch{f}, osm.Options{})
				if err != nil || len(areas) == 0 {
					b.Fatalf("%d areas, %v", len(areas), err)
				}
			}
		})
	}
}

func TestExtractAreasErrors(t *testing.T) {
	ctx := context.Background()
	if _, _, err := osm.ExtractAreas(ctx, "x.osm.pbf", nil, osm.Options{}); err == nil || !strings.Contains(err.Error(), "no tag filter") {
		t.Errorf("no filters: err = %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.osm.pbf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := osm.ExtractAreas(ctx, empty, []osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{}); !errors.Is(err, osm.ErrEmptyInput) {
		t.Errorf("empty file: err = %v, want ErrEmptyInput", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := osm.ExtractAreas(cancelled, shared.Path(t, "data", "andorra", "andorra.osm.pbf"), []osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}

func BenchmarkExtractAreas_MaltaBuildings(b *testing.B) {
	path := shared.Path(b, "data", "malta", "malta-latest.osm.pbf")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := osm.ExtractAreas(context.Background(), path, []osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleExtractAreas() {
	areas, problems, err := osm.ExtractAreas(context.Background(), "../sample/andorra/andorra.osm.pbf",
		[]osm.TagMatch{{Key: "admin_level", Value: "7"}}, osm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range areas {
		if strings.HasPrefix(a.Tags["ISO3166-2"], "AD-") {
			fmt.Printf("%s %s %.0f km²\n", a.Tags["ISO3166-2"], a.Tags["name"], geo.Area(a.Geom)/1e6)
		}
	}
	fmt.Println(len(problems), "neighbours cut by the extract")
	// Output:
	// AD-07 Andorra la Vella 27 km²
	// AD-02 Canillo 110 km²
	// AD-03 Encamp 81 km²
	// AD-08 Escaldes-Engordany 46 km²
	// AD-04 La Massana 65 km²
	// AD-05 Ordino 85 km²
	// AD-06 Sant Julià de Lòria 53 km²
	// 6 neighbours cut by the extract
}
