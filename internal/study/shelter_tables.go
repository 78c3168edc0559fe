package study

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
)

// The shelter tables, written beside the rescue tables when a study has
// shelters: shelters, shelter_cells, shelter_units and depots. Times are
// walking seconds (depots: driving seconds), places and residents people,
// areas m²; accessibility is places per resident.

// shelterRow is shelter j of the shelters table.
type shelterRow struct {
	in *Inputs
	j  int
	sr *shelter.ShelterResult
}

var sheltersTable = arrowio.NewTable(
	arrowio.String("shelter_id", "shelter id", func(s shelterRow) string { return s.sr.ID }),
	arrowio.String("name", "name", func(s shelterRow) string { return s.sr.Name }),
	arrowio.String("class", "shelter class that applied", func(s shelterRow) string { return s.sr.AppliedClass }),
	arrowio.String("capacity_rule", "declared, area/<class> or unknown", func(s shelterRow) string { return string(s.sr.Rule) }),
	arrowio.Float64("places", "people", "capacity", func(s shelterRow) float64 { return s.sr.Places }),
	arrowio.Finite("sheltered", "people", "people actually sheltered (input), when known", func(s shelterRow) float64 { return s.in.Shelters[s.j].Sheltered }),
	arrowio.OptString("unit_id", "unit holding the shelter", func(s shelterRow) (string, bool) { return shelterUnitID(s.in.Shelter, s.sr.Unit) }),
	arrowio.Float64("reach_seconds", "s", "reach on foot", func(s shelterRow) float64 { return s.sr.CutoffSeconds }),
	arrowio.Bool("snapped", "placed on the walk graph", func(s shelterRow) bool { return s.sr.Snapped }),
	arrowio.Float64("residents_in_reach", "people", "residents within its reach", func(s shelterRow) float64 { return s.sr.ResidentsInReach }),
	arrowio.Finite("ratio_2sfca", "", "places per resident of its catchment (2SFCA)", func(s shelterRow) float64 { return s.sr.Ratio }),
	arrowio.Finite("ratio_e2sfca_step", "", "the same, E2SFCA step weights", func(s shelterRow) float64 { return s.sr.RatioStep }),
	arrowio.Finite("ratio_e2sfca_gauss", "", "the same, E2SFCA Gaussian weights", func(s shelterRow) float64 { return s.sr.RatioGauss }),
	arrowio.Float64("nearest_load", "people", "load if everyone went to the nearest shelter", func(s shelterRow) float64 { return s.sr.NearestLoad }),
	arrowio.Bool("overflows", "nearest_load above a known capacity", func(s shelterRow) bool { return s.sr.Overflows }),
	arrowio.Float64("load", "people", "load of the capacitated assignment", func(s shelterRow) float64 { return s.sr.Load }),
	arrowio.Float64("spare", "people", "places left", func(s shelterRow) float64 { return s.sr.Spare }),
	arrowio.Float64("unplaced_nearest", "people", "residents without a place whose nearest shelter in reach it is", func(s shelterRow) float64 { return s.sr.UnplacedNearest }),
	arrowio.OptFloat64("relief_seconds", "s", "extra walking per added place when one more place here places one more resident", func(s shelterRow) (float64, bool) {
		return s.sr.ReliefSeconds, s.sr.Relief && isFinite(s.sr.ReliefSeconds)
	}),
	arrowio.Finite("depot_seconds", "s", "drive from the nearest depot", func(s shelterRow) float64 { return s.sr.DepotSeconds }),
	arrowio.Bool("depot_within", "a depot reaches it within the depot reach", func(s shelterRow) bool { return s.sr.DepotWithin }),
	arrowio.WKB("geometry", "location, WKB point, lon/lat", func(s shelterRow) (orb.Geometry, error) { return s.sr.Loc, nil }),
)

// shelterCellRow is cell i of the shelter_cells table.
type shelterCellRow struct {
	si *shelter.Input
	c  *shelter.Cells
	i  int
}

var shelterCellsTable = arrowio.NewTable(
	arrowio.String("cell", "H3 cell", func(r shelterCellRow) string { return r.si.Cells[r.i].String() }),
	arrowio.OptString("unit_id", "unit", func(r shelterCellRow) (string, bool) { return shelterUnitID(r.si, r.si.CellUnit[r.i]) }),
	arrowio.Float64("population", "people", "residents", func(r shelterCellRow) float64 { return r.si.Pop[r.i] }),
	arrowio.OptString("nearest_shelter_id", "nearest shelter on foot", func(r shelterCellRow) (string, bool) { return shelterID(r.si, r.c.Nearest[r.i]) }),
	arrowio.Finite("walk_seconds", "s", "walk to it", func(r shelterCellRow) float64 { return r.c.NearestSeconds[r.i] }),
	arrowio.Bool("within_reach", "a shelter has the cell within its reach", func(r shelterCellRow) bool { return r.c.WithinReach[r.i] }),
	arrowio.Float64("access_2sfca", "", "places per resident (2SFCA)", func(r shelterCellRow) float64 { return zeroNaN(r.c.Access[r.i]) }),
	arrowio.Float64("access_e2sfca_step", "", "places per resident (E2SFCA step)", func(r shelterCellRow) float64 { return zeroNaN(r.c.AccessStep[r.i]) }),
	arrowio.Float64("access_e2sfca_gauss", "", "places per resident (E2SFCA Gaussian)", func(r shelterCellRow) float64 { return zeroNaN(r.c.AccessGauss[r.i]) }),
	arrowio.Float64("placed", "people", "residents given a place", func(r shelterCellRow) float64 { return r.c.Placed[r.i] }),
	arrowio.Float64("unplaced", "people", "residents without a place", func(r shelterCellRow) float64 { return r.c.Unplaced[r.i] }),
	arrowio.OptString("assigned_shelter_id", "shelter taking most of them", func(r shelterCellRow) (string, bool) { return shelterID(r.si, r.c.Shelter[r.i]) }),
	arrowio.Finite("depot_seconds", "s", "drive from the nearest depot", func(r shelterCellRow) float64 { return r.c.DepotSeconds[r.i] }),
	arrowio.WKB("geometry", "cell boundary, WKB polygon", func(r shelterCellRow) (orb.Geometry, error) { return cellPolygon(r.si.Cells[r.i]) }),
)

var shelterUnitsTable = arrowio.NewTable(
	arrowio.String("unit_id", "unit", func(u *shelter.UnitResult) string { return u.ID }),
	arrowio.String("name", "name", func(u *shelter.UnitResult) string { return u.Name }),
	arrowio.Float64("residents", "people", "residents", func(u *shelter.UnitResult) float64 { return u.Residents }),
	arrowio.Int64("shelters", "", "shelters in the unit", func(u *shelter.UnitResult) int { return u.Shelters }),
	arrowio.Int64("unknown_capacity", "", "of which with no capacity known", func(u *shelter.UnitResult) int { return u.UnknownCapacity }),
	arrowio.Float64("places", "people", "places in the unit", func(u *shelter.UnitResult) float64 { return u.Places }),
	arrowio.Finite("places_per_resident", "", "places / residents", func(u *shelter.UnitResult) float64 { return u.PlacesPerResident }),
	arrowio.Finite("m2_per_resident", "m2", "shelter area per resident", func(u *shelter.UnitResult) float64 { return u.M2PerResident }),
	arrowio.Float64("required_places", "people", "fixed_share x residents", func(u *shelter.UnitResult) float64 { return u.Required }),
	arrowio.Float64("place_deficit", "people", "required - places, when positive", func(u *shelter.UnitResult) float64 { return u.Deficit }),
	arrowio.Float64("within_walk_reach", "people", "residents with a shelter in reach", func(u *shelter.UnitResult) float64 { return u.WithinReach }),
	arrowio.Finite("walk_p50_seconds", "s", "median walk to the nearest shelter", func(u *shelter.UnitResult) float64 { return u.P50 }),
	arrowio.Finite("walk_p90_seconds", "s", "90th percentile", func(u *shelter.UnitResult) float64 { return u.P90 }),
	arrowio.Finite("access_2sfca", "", "population-weighted places per resident", func(u *shelter.UnitResult) float64 { return u.Access }),
	arrowio.Float64("placed", "people", "residents given a place", func(u *shelter.UnitResult) float64 { return u.Placed }),
	arrowio.Float64("unplaced", "people", "residents without a place", func(u *shelter.UnitResult) float64 { return u.Unplaced }),
	arrowio.Float64("depot_within", "people", "residents within the depot reach", func(u *shelter.UnitResult) float64 { return u.DepotWithin }),
)

// depotRow is one depot of the depots table.
type depotRow struct {
	si *shelter.Input
	dr *shelter.DepotResult
}

var depotsTable = arrowio.NewTable(
	arrowio.String("depot_id", "depot", func(d depotRow) string { return d.dr.ID }),
	arrowio.String("name", "name", func(d depotRow) string { return d.dr.Name }),
	arrowio.OptString("unit_id", "unit", func(d depotRow) (string, bool) { return shelterUnitID(d.si, d.dr.Unit) }),
	arrowio.Bool("snapped", "placed on the road network", func(d depotRow) bool { return d.dr.Snapped }),
	arrowio.Float64("residents", "people", "residents it is the nearest depot of, within reach", func(d depotRow) float64 { return d.dr.Residents }),
	arrowio.Int64("shelters", "", "shelters it is the nearest depot of, within reach", func(d depotRow) int { return d.dr.Shelters }),
	arrowio.String("stock", "stock as item=quantity; …", func(d depotRow) string { return stockText(d.dr.Stock) }),
	arrowio.WKB("geometry", "location, WKB point", func(d depotRow) (orb.Geometry, error) { return d.dr.Loc, nil }),
)

// The schemas of the shelter tables.
var (
	SheltersSchema     = sheltersTable.Schema()
	ShelterCellsSchema = shelterCellsTable.Schema()
	ShelterUnitsSchema = shelterUnitsTable.Schema()
	DepotsSchema       = depotsTable.Schema()
)

// shelterUnitID is the id of unit u of the shelter input, false outside.
func shelterUnitID(si *shelter.Input, u int32) (string, bool) {
	if u < 0 || int(u) >= len(si.Units) {
		return "", false
	}
	return si.Units[u].ID, true
}

// shelterID is the id of shelter j, false for -1 (none).
func shelterID(si *shelter.Input, j int32) (string, bool) {
	if j < 0 {
		return "", false
	}
	return si.Shelters[j].ID, true
}

// stockText writes a depot's stock as "item=quantity; …", items sorted.
func stockText(stock map[string]float64) string {
	items := make([]string, 0, len(stock))
	for k := range stock {
		items = append(items, k)
	}
	sort.Strings(items)
	out := ""
	for k, it := range items {
		if k > 0 {
			out += "; "
		}
		out += it + "=" + formatFloat(stock[it])
	}
	return out
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ShelterTables turns a shelter result into its Arrow records. The caller
// releases them.
func ShelterTables(mem memory.Allocator, in *Inputs, r *shelter.Result) (map[string]arrow.Record, error) {
	si := in.Shelter
	out := map[string]arrow.Record{}
	add := func(name string, rec arrow.Record, err error) error {
		if err != nil {
			for _, rec := range out {
				rec.Release()
			}
			return fmt.Errorf("%s table: %w", name, err)
		}
		out[name] = rec
		return nil
	}
	rec, err := sheltersTable.Build(mem, arrowio.Rows(len(r.Shelters), func(j int) shelterRow { return shelterRow{in, j, &r.Shelters[j]} }))
	if err := add("shelters", rec, err); err != nil {
		return nil, err
	}
	rec, err = shelterCellsTable.Build(mem, arrowio.Rows(len(si.Cells), func(i int) shelterCellRow { return shelterCellRow{si, &r.Cells, i} }))
	if err := add("shelter_cells", rec, err); err != nil {
		return nil, err
	}
	rec, err = shelterUnitsTable.Build(mem, arrowio.Rows(len(r.Units), func(u int) *shelter.UnitResult { return &r.Units[u] }))
	if err := add("shelter_units", rec, err); err != nil {
		return nil, err
	}
	if len(r.Depots) > 0 {
		rec, err = depotsTable.Build(mem, arrowio.Rows(len(r.Depots), func(d int) depotRow { return depotRow{si, &r.Depots[d]} }))
		if err := add("depots", rec, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func zeroNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
