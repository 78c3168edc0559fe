package study_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb/planar"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// "135" zones from OSM in Nanshan: the industrial parks (landuse=industrial)
// mark exactly the cells whose centres lie in one of those areas, and the
// built-up zone marks at least those.
func TestOSMZonesNanshan(t *testing.T) {
	t.Parallel()
	dir := shared.Path(t, "data", "china-shenzhen")
	pbf := filepath.Join(dir, "nanshan.osm.pbf")
	write := func(zones string) *study.Inputs {
		t.Helper()
		yaml := fmt.Sprintf(`
network: {pbf: %s}
facilities: {bases: [{osm: [amenity=fire_station], level: professional}]}
population: {buildings: {}}
units: {file: %s/shenzhen_streets.geojson, id: JDBH, name: JDMC, code: JDBH}
zones: %s
`, pbf, dir, zones)
		path := filepath.Join(t.TempDir(), "study.yaml")
		if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := study.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		in, err := study.Read(context.Background(), st, study.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	ind := write(`[{osm: [landuse=industrial], name: 工业园区}]`)
	areas, _, err := osm.ExtractAreas(context.Background(), pbf, []osm.TagMatch{{Key: "landuse", Value: "industrial"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(areas) == 0 {
		t.Fatal("no landuse=industrial area in the Nanshan extract")
	}
	want, got := 0, 0
	for i, c := range ind.Coverage.Cells {
		p, _ := geo.CellCenter(c)
		in := false
		for _, a := range areas {
			if a.Geom.Bound().Contains(p) && planar.MultiPolygonContains(a.Geom, p) {
				in = true
				break
			}
		}
		if in {
			want++
		}
		if ind.Coverage.Zone[i] {
			got++
		}
		if in != ind.Coverage.Zone[i] {
			t.Errorf("cell %v: in an industrial area %v, zone flag %v", c, in, ind.Coverage.Zone[i])
		}
	}
	if want == 0 {
		t.Errorf("no populated cell centre inside the %d industrial areas", len(areas))
	}
	bu := write(`[{builtup: {}}]`)
	built := 0
	for i := range bu.Coverage.Cells {
		if bu.Coverage.Zone[i] {
			built++
		}
	}
	if built < got || built == len(bu.Coverage.Cells) {
		t.Errorf("built-up zone marks %d of %d cells; want at least the %d industrial ones and not all", built, len(bu.Coverage.Cells), got)
	}
	t.Logf("%d industrial areas: %d of %d populated cells; built-up: %d cells", len(areas), got, len(ind.Coverage.Cells), built)
}
