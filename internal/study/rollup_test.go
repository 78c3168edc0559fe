package study_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// Shenzhen's 61 streets as units, with their official codes (JDBH), rolled
// up to districts by the code's first six digits (named from the national
// list) and to the city by a property: each level's table sums its
// members, and carries the codes.
func TestRollupShenzhen(t *testing.T) {
	t.Parallel()
	dir := shared.Path(t, "data", "china-shenzhen")
	yaml := fmt.Sprintf(`
name: Shenzhen rollup test
network: {pbf: %[1]s/nanshan.osm.pbf}
facilities:
  bases: [{osm: [amenity=fire_station], level: professional, team_size: 30}]
population: {buildings: {}}
units:
  file: %[1]s/shenzhen_streets.geojson
  id: JDBH
  name: JDMC
  code: JDBH
  rollup:
    - {level: county, names: %[2]s}
    - {level: city, property: CSBH, name_property: CSMC}
`, dir, shared.Path(t, "data", "china", "areas.csv"))
	path := filepath.Join(t.TempDir(), "study.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	in, rs := computeStudy(t, path)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tables, err := study.Tables(mem, in, rs.Coverage)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range tables {
			r.Release()
		}
	}()
	type row struct {
		name, code        string
		residents, within float64
		bases             int64
	}
	read := func(name string) map[string]row {
		rec, ok := tables[name]
		if !ok {
			t.Fatalf("no %s table (have %d tables)", name, len(tables))
		}
		out := map[string]row{}
		col := func(n string) int { return rec.Schema().FieldIndices(n)[0] }
		for i := range int(rec.NumRows()) {
			out[rec.Column(col("unit_id")).(*array.String).Value(i)] = row{
				name:      rec.Column(col("name")).(*array.String).Value(i),
				code:      rec.Column(col("code")).(*array.String).Value(i),
				residents: rec.Column(col("residents")).(*array.Float64).Value(i),
				within:    rec.Column(col("within")).(*array.Float64).Value(i),
				bases:     rec.Column(col("bases")).(*array.Int64).Value(i),
			}
		}
		return out
	}
	streets, counties, cities := read("units"), read("units_county"), read("units_city")
	if len(streets) != 61 {
		t.Fatalf("%d streets, want 61", len(streets))
	}
	sum := map[string]row{}
	for id, s := range streets {
		if s.code != id || len(s.code) != 9 {
			t.Errorf("street %s (%s) has code %q, want its 9-digit JDBH", id, s.name, s.code)
		}
		c := sum[id[:6]]
		c.residents += s.residents
		c.within += s.within
		c.bases += s.bases
		sum[id[:6]] = c
	}
	if len(counties) != len(sum) {
		t.Errorf("%d counties, the streets' codes name %d", len(counties), len(sum))
	}
	for code, want := range sum {
		got := counties[code]
		if got.code != code || math.Abs(got.residents-want.residents) > 1e-6 || math.Abs(got.within-want.within) > 1e-6 || got.bases != want.bases {
			t.Errorf("county %s = %+v, want the sum of its streets %+v", code, got, want)
		}
	}
	if n := counties["440305"].name; n != "南山区" {
		t.Errorf("county 440305 is named %q, want 南山区 (from areas.csv)", n)
	}
	if c := cities["4403"]; c.name != "深圳市" || math.Abs(c.residents-in.Population.Total()) > 1e-3*in.Population.Total()+1 {
		t.Errorf("city 4403 = %+v, want 深圳市 with the study's %.0f residents (less those outside every street)", c, in.Population.Total())
	}
	t.Logf("南山区: %.0f residents, %.0f within 15 min, %d bases", counties["440305"].residents, counties["440305"].within, counties["440305"].bases)
}
