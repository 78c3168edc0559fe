package study

import (
	"math"
	"sort"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/geo"
)

// The shelter tables, written beside the rescue tables when a study has
// shelters: shelters, shelter_cells, shelter_units and depots. Times are
// walking seconds (depots: driving seconds), places and residents people,
// areas m²; accessibility is places per resident.
var (
	SheltersSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("shelter_id", arrow.BinaryTypes.String, "", "shelter id"),
		arrowio.Field("name", arrow.BinaryTypes.String, "", "name"),
		arrowio.Field("class", arrow.BinaryTypes.String, "", "shelter class that applied"),
		arrowio.Field("capacity_rule", arrow.BinaryTypes.String, "", "declared, area/<class> or unknown"),
		arrowio.Field("places", arrow.PrimitiveTypes.Float64, "people", "capacity"),
		nullable(arrowio.Field("sheltered", arrow.PrimitiveTypes.Float64, "people", "people actually sheltered (input), when known")),
		nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit holding the shelter")),
		arrowio.Field("reach_seconds", arrow.PrimitiveTypes.Float64, "s", "reach on foot"),
		arrowio.Field("snapped", arrow.FixedWidthTypes.Boolean, "", "placed on the walk graph"),
		arrowio.Field("residents_in_reach", arrow.PrimitiveTypes.Float64, "people", "residents within its reach"),
		nullable(arrowio.Field("ratio_2sfca", arrow.PrimitiveTypes.Float64, "", "places per resident of its catchment (2SFCA)")),
		nullable(arrowio.Field("ratio_e2sfca_step", arrow.PrimitiveTypes.Float64, "", "the same, E2SFCA step weights")),
		nullable(arrowio.Field("ratio_e2sfca_gauss", arrow.PrimitiveTypes.Float64, "", "the same, E2SFCA Gaussian weights")),
		arrowio.Field("nearest_load", arrow.PrimitiveTypes.Float64, "people", "load if everyone went to the nearest shelter"),
		arrowio.Field("overflows", arrow.FixedWidthTypes.Boolean, "", "nearest_load above a known capacity"),
		arrowio.Field("load", arrow.PrimitiveTypes.Float64, "people", "load of the capacitated assignment"),
		arrowio.Field("spare", arrow.PrimitiveTypes.Float64, "people", "places left"),
		arrowio.Field("unplaced_nearest", arrow.PrimitiveTypes.Float64, "people", "residents without a place whose nearest shelter in reach it is"),
		nullable(arrowio.Field("relief_seconds", arrow.PrimitiveTypes.Float64, "s", "extra walking per added place when one more place here places one more resident")),
		nullable(arrowio.Field("depot_seconds", arrow.PrimitiveTypes.Float64, "s", "drive from the nearest depot")),
		arrowio.Field("depot_within", arrow.FixedWidthTypes.Boolean, "", "a depot reaches it within the depot reach"),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "location, WKB point, lon/lat"),
	}, nil)
	ShelterCellsSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("cell", arrow.BinaryTypes.String, "", "H3 cell"),
		nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit")),
		arrowio.Field("population", arrow.PrimitiveTypes.Float64, "people", "residents"),
		nullable(arrowio.Field("nearest_shelter_id", arrow.BinaryTypes.String, "", "nearest shelter on foot")),
		nullable(arrowio.Field("walk_seconds", arrow.PrimitiveTypes.Float64, "s", "walk to it")),
		arrowio.Field("within_reach", arrow.FixedWidthTypes.Boolean, "", "a shelter has the cell within its reach"),
		arrowio.Field("access_2sfca", arrow.PrimitiveTypes.Float64, "", "places per resident (2SFCA)"),
		arrowio.Field("access_e2sfca_step", arrow.PrimitiveTypes.Float64, "", "places per resident (E2SFCA step)"),
		arrowio.Field("access_e2sfca_gauss", arrow.PrimitiveTypes.Float64, "", "places per resident (E2SFCA Gaussian)"),
		arrowio.Field("placed", arrow.PrimitiveTypes.Float64, "people", "residents given a place"),
		arrowio.Field("unplaced", arrow.PrimitiveTypes.Float64, "people", "residents without a place"),
		nullable(arrowio.Field("assigned_shelter_id", arrow.BinaryTypes.String, "", "shelter taking most of them")),
		nullable(arrowio.Field("depot_seconds", arrow.PrimitiveTypes.Float64, "s", "drive from the nearest depot")),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "cell boundary, WKB polygon"),
	}, nil)
	ShelterUnitsSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit"),
		arrowio.Field("name", arrow.BinaryTypes.String, "", "name"),
		arrowio.Field("residents", arrow.PrimitiveTypes.Float64, "people", "residents"),
		arrowio.Field("shelters", arrow.PrimitiveTypes.Int64, "", "shelters in the unit"),
		arrowio.Field("unknown_capacity", arrow.PrimitiveTypes.Int64, "", "of which with no capacity known"),
		arrowio.Field("places", arrow.PrimitiveTypes.Float64, "people", "places in the unit"),
		nullable(arrowio.Field("places_per_resident", arrow.PrimitiveTypes.Float64, "", "places / residents")),
		nullable(arrowio.Field("m2_per_resident", arrow.PrimitiveTypes.Float64, "m2", "shelter area per resident")),
		arrowio.Field("required_places", arrow.PrimitiveTypes.Float64, "people", "fixed_share x residents"),
		arrowio.Field("place_deficit", arrow.PrimitiveTypes.Float64, "people", "required - places, when positive"),
		arrowio.Field("within_walk_reach", arrow.PrimitiveTypes.Float64, "people", "residents with a shelter in reach"),
		nullable(arrowio.Field("walk_p50_seconds", arrow.PrimitiveTypes.Float64, "s", "median walk to the nearest shelter")),
		nullable(arrowio.Field("walk_p90_seconds", arrow.PrimitiveTypes.Float64, "s", "90th percentile")),
		nullable(arrowio.Field("access_2sfca", arrow.PrimitiveTypes.Float64, "", "population-weighted places per resident")),
		arrowio.Field("placed", arrow.PrimitiveTypes.Float64, "people", "residents given a place"),
		arrowio.Field("unplaced", arrow.PrimitiveTypes.Float64, "people", "residents without a place"),
		arrowio.Field("depot_within", arrow.PrimitiveTypes.Float64, "people", "residents within the depot reach"),
	}, nil)
	DepotsSchema = arrow.NewSchema([]arrow.Field{
		arrowio.Field("depot_id", arrow.BinaryTypes.String, "", "depot"),
		arrowio.Field("name", arrow.BinaryTypes.String, "", "name"),
		nullable(arrowio.Field("unit_id", arrow.BinaryTypes.String, "", "unit")),
		arrowio.Field("snapped", arrow.FixedWidthTypes.Boolean, "", "placed on the road network"),
		arrowio.Field("residents", arrow.PrimitiveTypes.Float64, "people", "residents it is the nearest depot of, within reach"),
		arrowio.Field("shelters", arrow.PrimitiveTypes.Int64, "", "shelters it is the nearest depot of, within reach"),
		arrowio.Field("stock", arrow.BinaryTypes.String, "", "stock as item=quantity; …"),
		arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "location, WKB point"),
	}, nil)
)

// ShelterTables turns a shelter result into its Arrow records.
func ShelterTables(mem memory.Allocator, in *Inputs, r *shelter.Result) (map[string]arrow.Record, error) {
	si := in.Shelter
	unitID := func(u int32) (string, bool) {
		if u < 0 || int(u) >= len(si.Units) {
			return "", false
		}
		return si.Units[u].ID, true
	}
	shelterID := func(j int32) (string, bool) {
		if j < 0 {
			return "", false
		}
		return si.Shelters[j].ID, true
	}
	out := map[string]arrow.Record{}

	sb := array.NewRecordBuilder(mem, SheltersSchema)
	defer sb.Release()
	for j, sr := range r.Shelters {
		sb.Field(0).(*array.StringBuilder).Append(sr.ID)
		sb.Field(1).(*array.StringBuilder).Append(sr.Name)
		sb.Field(2).(*array.StringBuilder).Append(sr.AppliedClass)
		sb.Field(3).(*array.StringBuilder).Append(string(sr.Rule))
		sb.Field(4).(*array.Float64Builder).Append(sr.Places)
		finite(sb.Field(5).(*array.Float64Builder), in.Shelters[j].Sheltered)
		u, ok := unitID(sr.Unit)
		optString(sb.Field(6).(*array.StringBuilder), ok, u)
		sb.Field(7).(*array.Float64Builder).Append(sr.CutoffSeconds)
		sb.Field(8).(*array.BooleanBuilder).Append(sr.Snapped)
		sb.Field(9).(*array.Float64Builder).Append(sr.ResidentsInReach)
		finite(sb.Field(10).(*array.Float64Builder), sr.Ratio)
		finite(sb.Field(11).(*array.Float64Builder), sr.RatioStep)
		finite(sb.Field(12).(*array.Float64Builder), sr.RatioGauss)
		sb.Field(13).(*array.Float64Builder).Append(sr.NearestLoad)
		sb.Field(14).(*array.BooleanBuilder).Append(sr.Overflows)
		sb.Field(15).(*array.Float64Builder).Append(sr.Load)
		sb.Field(16).(*array.Float64Builder).Append(sr.Spare)
		sb.Field(17).(*array.Float64Builder).Append(sr.UnplacedNearest)
		rs := math.NaN()
		if sr.Relief {
			rs = sr.ReliefSeconds
		}
		finite(sb.Field(18).(*array.Float64Builder), rs)
		finite(sb.Field(19).(*array.Float64Builder), sr.DepotSeconds)
		sb.Field(20).(*array.BooleanBuilder).Append(sr.DepotWithin)
		arrowio.AppendWKB(sb.Field(21).(*array.BinaryBuilder), sr.Loc)
	}
	out["shelters"] = sb.NewRecord()

	cb := array.NewRecordBuilder(mem, ShelterCellsSchema)
	defer cb.Release()
	c := &r.Cells
	for i, cell := range si.Cells {
		cb.Field(0).(*array.StringBuilder).Append(cell.String())
		u, ok := unitID(si.CellUnit[i])
		optString(cb.Field(1).(*array.StringBuilder), ok, u)
		cb.Field(2).(*array.Float64Builder).Append(si.Pop[i])
		id, ok := shelterID(c.Nearest[i])
		optString(cb.Field(3).(*array.StringBuilder), ok, id)
		finite(cb.Field(4).(*array.Float64Builder), c.NearestSeconds[i])
		cb.Field(5).(*array.BooleanBuilder).Append(c.WithinReach[i])
		cb.Field(6).(*array.Float64Builder).Append(zeroNaN(c.Access[i]))
		cb.Field(7).(*array.Float64Builder).Append(zeroNaN(c.AccessStep[i]))
		cb.Field(8).(*array.Float64Builder).Append(zeroNaN(c.AccessGauss[i]))
		cb.Field(9).(*array.Float64Builder).Append(c.Placed[i])
		cb.Field(10).(*array.Float64Builder).Append(c.Unplaced[i])
		id, ok = shelterID(c.Shelter[i])
		optString(cb.Field(11).(*array.StringBuilder), ok, id)
		finite(cb.Field(12).(*array.Float64Builder), c.DepotSeconds[i])
		poly, err := geo.CellPolygon(cell)
		if err != nil {
			return nil, err
		}
		arrowio.AppendWKB(cb.Field(13).(*array.BinaryBuilder), poly)
	}
	out["shelter_cells"] = cb.NewRecord()

	ub := array.NewRecordBuilder(mem, ShelterUnitsSchema)
	defer ub.Release()
	for _, ur := range r.Units {
		ub.Field(0).(*array.StringBuilder).Append(ur.ID)
		ub.Field(1).(*array.StringBuilder).Append(ur.Name)
		ub.Field(2).(*array.Float64Builder).Append(ur.Residents)
		ub.Field(3).(*array.Int64Builder).Append(int64(ur.Shelters))
		ub.Field(4).(*array.Int64Builder).Append(int64(ur.UnknownCapacity))
		ub.Field(5).(*array.Float64Builder).Append(ur.Places)
		finite(ub.Field(6).(*array.Float64Builder), ur.PlacesPerResident)
		finite(ub.Field(7).(*array.Float64Builder), ur.M2PerResident)
		ub.Field(8).(*array.Float64Builder).Append(ur.Required)
		ub.Field(9).(*array.Float64Builder).Append(ur.Deficit)
		ub.Field(10).(*array.Float64Builder).Append(ur.WithinReach)
		finite(ub.Field(11).(*array.Float64Builder), ur.P50)
		finite(ub.Field(12).(*array.Float64Builder), ur.P90)
		finite(ub.Field(13).(*array.Float64Builder), ur.Access)
		ub.Field(14).(*array.Float64Builder).Append(ur.Placed)
		ub.Field(15).(*array.Float64Builder).Append(ur.Unplaced)
		ub.Field(16).(*array.Float64Builder).Append(ur.DepotWithin)
	}
	out["shelter_units"] = ub.NewRecord()

	if len(r.Depots) > 0 {
		db := array.NewRecordBuilder(mem, DepotsSchema)
		defer db.Release()
		for _, dr := range r.Depots {
			db.Field(0).(*array.StringBuilder).Append(dr.ID)
			db.Field(1).(*array.StringBuilder).Append(dr.Name)
			u, ok := unitID(dr.Unit)
			optString(db.Field(2).(*array.StringBuilder), ok, u)
			db.Field(3).(*array.BooleanBuilder).Append(dr.Snapped)
			db.Field(4).(*array.Float64Builder).Append(dr.Residents)
			db.Field(5).(*array.Int64Builder).Append(int64(dr.Shelters))
			items := make([]string, 0, len(dr.Stock))
			for k := range dr.Stock {
				items = append(items, k)
			}
			sort.Strings(items)
			stock := ""
			for k, it := range items {
				if k > 0 {
					stock += "; "
				}
				stock += it + "=" + formatFloat(dr.Stock[it])
			}
			db.Field(6).(*array.StringBuilder).Append(stock)
			arrowio.AppendWKB(db.Field(7).(*array.BinaryBuilder), dr.Loc)
		}
		out["depots"] = db.NewRecord()
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
