package population_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// andorraResidents is Andorra's population, 2020 (Departament
// d'Estadística, Govern d'Andorra; approximate, to be confirmed), and
// andorraParishResidents the same by parish (ISO 3166-2 code).
const andorraResidents = 77543

var andorraParishResidents = map[string]float64{
	"AD-07": 22615, // Andorra la Vella
	"AD-08": 14367, // Escaldes-Engordany
	"AD-03": 11955, // Encamp
	"AD-06": 9563,  // Sant Julià de Lòria
	"AD-04": 10000, // La Massana
	"AD-02": 4373,  // Canillo
	"AD-05": 4894,  // Ordino
}

func TestFromBuildingsAndorra(t *testing.T) {
	ctx := context.Background()
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	tab, st, err := population.FromBuildings(ctx, pbf, 9, population.DefaultBuildingOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d buildings read, %d used %v, %d unused (top: %v), %d with building:levels; footprint %.2f km², floor %.2f km²; %.0f residents in %d cells",
		st.BuildingsRead, st.BuildingsUsed, st.UsedByType, st.BuildingsRead-st.BuildingsUsed, st.UnusedByType,
		st.LevelsTagged, st.FootprintM2/1e6, st.FloorAreaM2/1e6, st.TotalBeforeScale, len(tab.Cells))
	t.Logf("source: %s", tab.Source)
	if st.TotalBeforeScale < andorraResidents/3 || st.TotalBeforeScale > andorraResidents*3 {
		t.Errorf("estimate %.0f residents, want within a factor 3 of %d", st.TotalBeforeScale, andorraResidents)
	}
	if got := tab.Total(); math.Abs(got-st.TotalBeforeScale) > 1e-6*got || st.Scale != 1 {
		t.Errorf("table total %v, stats %v, scale %v: want the same and 1", got, st.TotalBeforeScale, st.Scale)
	}
	if want := st.FloorAreaM2 / 45; math.Abs(st.TotalBeforeScale-want) > 1e-6*want {
		t.Errorf("total %v, want floor area / 45 = %v", st.TotalBeforeScale, want)
	}
	for i, c := range tab.Cells {
		if c.Resolution() != 9 {
			t.Fatalf("cell %s has resolution %d, want 9", c, c.Resolution())
		}
		if i > 0 && tab.Cells[i-1] >= c {
			t.Fatalf("cells not sorted and distinct at %d", i)
		}
	}

	o := population.DefaultBuildingOptions()
	o.ScaleTo = andorraResidents
	scaled, sst, err := population.FromBuildings(ctx, pbf, 9, o)
	if err != nil {
		t.Fatal(err)
	}
	if got := scaled.Total(); math.Abs(got-andorraResidents) > 1e-6 {
		t.Errorf("scaled total %.9f, want %d", got, andorraResidents)
	}
	if math.Abs(sst.Scale*sst.TotalBeforeScale-andorraResidents) > 1e-6 || len(scaled.Cells) != len(tab.Cells) {
		t.Errorf("scale %v × %v, %d cells; want %d residents in %d cells", sst.Scale, sst.TotalBeforeScale, len(scaled.Cells), andorraResidents, len(tab.Cells))
	}
	if !strings.Contains(scaled.Source, "scaled") {
		t.Errorf("source %q does not say it was scaled", scaled.Source)
	}

	// By parish: each cell goes to the parish holding its centre.
	all, _, err := units.FromOSM(ctx, pbf, 7)
	if err != nil {
		t.Fatal(err)
	}
	var parishes []units.Unit
	for _, u := range all {
		if _, ok := andorraParishResidents[u.Code]; ok {
			parishes = append(parishes, u)
		}
	}
	ix := units.NewIndex(parishes)
	est := make([]float64, len(parishes))
	var outside float64
	for i, c := range tab.Cells {
		p, err := geo.CellCenter(c)
		if err != nil {
			t.Fatal(err)
		}
		if k := ix.Locate(p); k >= 0 {
			est[k] += tab.Pop[i]
		} else {
			outside += tab.Pop[i]
		}
	}
	var sumEst, sumPub float64
	t.Logf("%-22s %10s %10s %6s %10s", "parish", "estimate", "published", "ratio", "scaled")
	for k, u := range parishes {
		pub := andorraParishResidents[u.Code]
		sumEst += est[k]
		sumPub += pub
		t.Logf("%-22s %10.0f %10.0f %6.2f %10.0f", u.Name, est[k], pub, est[k]/pub, est[k]*sst.Scale)
	}
	t.Logf("%-22s %10.0f %10.0f %6.2f %10.0f", "total in parishes", sumEst, sumPub, sumEst/sumPub, sumEst*sst.Scale)
	t.Logf("%-22s %10.0f", "outside the parishes", outside)
	for k, u := range parishes {
		if r := est[k] / andorraParishResidents[u.Code]; r < 0.2 || r > 5 {
			t.Errorf("%s: estimate %.0f, published %.0f: ratio %.2f, want 0.2–5", u.Name, est[k], andorraParishResidents[u.Code], r)
		}
	}
}

func TestFromBuildingsOptions(t *testing.T) {
	ctx := context.Background()
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	for _, tt := range []struct {
		name string
		opt  population.BuildingOptions
		res  int
		want error
	}{
		{"negative floor area", population.BuildingOptions{FloorM2PerResident: -1}, 9, population.ErrBuildingOptions},
		{"weight above 1", population.BuildingOptions{Types: map[string]float64{"house": 2}}, 9, population.ErrBuildingOptions},
		{"negative scale", population.BuildingOptions{ScaleTo: -5}, 9, population.ErrBuildingOptions},
		{"NaN levels", population.BuildingOptions{DefaultLevels: math.NaN()}, 9, population.ErrBuildingOptions},
		{"resolution 3", population.BuildingOptions{}, 3, geo.ErrBadResolution},
		{"no weighted type", population.BuildingOptions{Types: map[string]float64{"castle": 1}}, 9, population.ErrNoBuildings},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := population.FromBuildings(ctx, pbf, tt.res, tt.opt)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestFromBuildingsZeroOptions: the zero value means the defaults.
func TestFromBuildingsZeroOptions(t *testing.T) {
	ctx := context.Background()
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	a, _, err := population.FromBuildings(ctx, pbf, 9, population.BuildingOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, st, err := population.FromBuildings(ctx, pbf, 9, population.DefaultBuildingOptions())
	if err != nil {
		t.Fatal(err)
	}
	if a.Total() != b.Total() || st.Options.FloorM2PerResident != 45 || st.Options.DefaultLevels != 2 || st.Options.MaxLevels != 40 {
		t.Errorf("zero options total %v, defaults %v (options %+v)", a.Total(), b.Total(), st.Options)
	}
	// More floor space per resident: proportionally fewer residents.
	c, _, err := population.FromBuildings(ctx, pbf, 9, population.BuildingOptions{FloorM2PerResident: 90})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Total(), b.Total()/2; math.Abs(got-want) > 1e-6*want {
		t.Errorf("90 m² per resident: %v residents, want %v", got, want)
	}
}
