package population

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/osm"
	rgeo "github.com/rescuegrid/rescuegrid/geo"
)

// Errors of FromBuildings.
var (
	ErrNoBuildings     = errors.New("population: no residential building in the file")
	ErrBuildingOptions = errors.New("population: bad building options")
)

// BuildingOptions are the settings of FromBuildings. They are settings,
// not facts: the defaults are rough, common choices for a first estimate
// where no census grid exists, and every study that uses them should print
// them beside its results and, where a published total exists, set
// ScaleTo. A zero field takes its default.
type BuildingOptions struct {
	// Types maps a building=* value to the share (0..1) of its floor area
	// taken to be homes. Values absent from the map count for nothing
	// (shops, churches, garages...). Default: house, residential,
	// apartments, detached, semidetached_house, terrace, bungalow and
	// dormitory 1.0; yes (a building of unknown use) 0.5.
	Types map[string]float64
	// FloorM2PerResident is the residential floor area per resident, m²
	// (default 45: the order of the EU average dwelling floor area per
	// person; much lower in dense Chinese townships, about 30-40).
	FloorM2PerResident float64
	// DefaultLevels is the number of storeys of a building whose
	// building:levels tag is absent or unreadable (default 2).
	DefaultLevels float64
	// MaxLevels clamps building:levels, against typing errors (default 40).
	MaxLevels float64
	// ScaleTo, when > 0, scales every cell so that the total is this many
	// residents (a published census total for the area of the file). The
	// buildings then give only the distribution.
	ScaleTo float64
}

// Defaults of BuildingOptions.
const (
	DefaultFloorM2PerResident = 45
	DefaultBuildingLevels     = 2
	DefaultMaxLevels          = 40
)

// DefaultBuildingOptions returns the default settings (see BuildingOptions:
// they are settings, not facts). The Types map is a fresh copy the caller
// may change.
func DefaultBuildingOptions() BuildingOptions {
	return BuildingOptions{
		Types: map[string]float64{
			"house": 1, "residential": 1, "apartments": 1, "detached": 1,
			"semidetached_house": 1, "terrace": 1, "bungalow": 1, "dormitory": 1,
			"yes": 0.5,
		},
		FloorM2PerResident: DefaultFloorM2PerResident,
		DefaultLevels:      DefaultBuildingLevels,
		MaxLevels:          DefaultMaxLevels,
	}
}

// BuildingStats says what FromBuildings read and assumed, for the study's
// output.
type BuildingStats struct {
	BuildingsRead int            // areas tagged building=* that could be built
	BuildingsUsed int            // of those, with a type of weight > 0
	UsedByType    map[string]int // building=* value -> buildings used
	// UnusedByType counts the buildings read whose type has no weight.
	UnusedByType map[string]int
	// Problems counts buildings that could not be assembled (see
	// osm.AreaProblem), left out.
	Problems int
	// LevelsTagged counts used buildings with a readable building:levels;
	// the others got DefaultLevels.
	LevelsTagged int
	// FootprintM2 is the used buildings' footprint area, m² (geodesic).
	FootprintM2 float64
	// FloorAreaM2 is their residential floor area, m²: footprint × levels
	// × type weight, summed.
	FloorAreaM2 float64
	// TotalBeforeScale is FloorAreaM2 / FloorM2PerResident: residents
	// before ScaleTo.
	TotalBeforeScale float64
	// Scale is the factor applied to reach ScaleTo (1 without ScaleTo).
	Scale float64
	// Options are the settings used, defaults filled in.
	Options BuildingOptions
}

// FromBuildings estimates residents on H3 cells of resolution res from the
// building footprints of the OSM file pbf, for regions with no population
// data. A building's residents are its footprint area (m², geodesic) ×
// storeys (building:levels, else DefaultLevels; at most MaxLevels) × its
// type's weight / FloorM2PerResident, all placed in the cell of the
// footprint's centroid. Buildings are closed ways and multipolygon
// relations tagged building=*; roof:levels and underground levels are not
// counted. With opt.ScaleTo > 0 the cells are scaled to that total.
//
// The result is an estimate from settings, and its Source says so; stats
// says how many buildings of each type counted.
func FromBuildings(ctx context.Context, pbf string, res int, opt BuildingOptions) (*Table, BuildingStats, error) {
	if err := rgeo.CheckRes(res); err != nil {
		return nil, BuildingStats{}, err
	}
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, BuildingStats{}, err
	}
	st := BuildingStats{UsedByType: map[string]int{}, UnusedByType: map[string]int{}, Scale: 1, Options: opt}
	areas, problems, err := osm.ExtractAreas(ctx, pbf, []osm.TagMatch{{Key: "building", Value: "*"}}, osm.Options{})
	if err != nil {
		return nil, st, fmt.Errorf("buildings from %s: %w", pbf, err)
	}
	st.Problems = len(problems)
	st.BuildingsRead = len(areas)
	pop := map[h3.Cell]float64{}
	for _, a := range areas {
		kind := a.Tags["building"]
		w := opt.Types[kind]
		if w <= 0 {
			st.UnusedByType[kind]++
			continue
		}
		levels, tagged := parseLevels(a.Tags["building:levels"])
		if !tagged {
			levels = opt.DefaultLevels
		} else {
			st.LevelsTagged++
		}
		levels = min(levels, opt.MaxLevels)
		footprint := geo.Area(a.Geom)
		floor := footprint * levels * w
		centroid, _ := planar.CentroidArea(a.Geom)
		c, err := rgeo.CellOf(centroid, res)
		if err != nil {
			return nil, st, fmt.Errorf("buildings from %s: %s: %w", pbf, a.Ref(), err)
		}
		pop[c] += floor / opt.FloorM2PerResident
		st.BuildingsUsed++
		st.UsedByType[kind]++
		st.FootprintM2 += footprint
		st.FloorAreaM2 += floor
	}
	if st.BuildingsUsed == 0 {
		return nil, st, fmt.Errorf("%s: %w (%d buildings read, none of a type with a weight: %s)",
			pbf, ErrNoBuildings, st.BuildingsRead, topTypes(st.UnusedByType, 5))
	}
	// Sum per cell, not per building, so that TotalBeforeScale is the
	// table's own total.
	t, err := FromMap(pop, res, "")
	if err != nil {
		return nil, st, err
	}
	st.TotalBeforeScale = t.Total()
	if opt.ScaleTo > 0 {
		st.Scale = opt.ScaleTo / st.TotalBeforeScale
		for i := range t.Pop {
			t.Pop[i] *= st.Scale
		}
	}
	t.Source = fmt.Sprintf("estimated from %d OSM buildings of %s: footprint × storeys (default %g, at most %g) × type weight / %g m² per resident",
		st.BuildingsUsed, filepath.Base(pbf), opt.DefaultLevels, opt.MaxLevels, opt.FloorM2PerResident)
	t.Estimate = &BuildingEstimate{Buildings: st.BuildingsUsed, File: filepath.Base(pbf), DefaultLevels: opt.DefaultLevels,
		MaxLevels: opt.MaxLevels, M2: opt.FloorM2PerResident}
	if opt.ScaleTo > 0 {
		t.Source += fmt.Sprintf(", scaled ×%.4g to %g residents", st.Scale, opt.ScaleTo)
		t.Estimate.Scale, t.Estimate.ScaleTo = st.Scale, opt.ScaleTo
	}
	return t, st, nil
}

// withDefaults fills zero fields and checks the others.
func (o BuildingOptions) withDefaults() (BuildingOptions, error) {
	d := DefaultBuildingOptions()
	if o.Types == nil {
		o.Types = d.Types
	} else {
		o.Types = maps.Clone(o.Types)
	}
	if o.FloorM2PerResident == 0 {
		o.FloorM2PerResident = d.FloorM2PerResident
	}
	if o.DefaultLevels == 0 {
		o.DefaultLevels = d.DefaultLevels
	}
	if o.MaxLevels == 0 {
		o.MaxLevels = d.MaxLevels
	}
	bad := func(name string, v float64) error {
		return fmt.Errorf("%w: %s = %v, want a finite number > 0", ErrBuildingOptions, name, v)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"FloorM2PerResident", o.FloorM2PerResident}, {"DefaultLevels", o.DefaultLevels}, {"MaxLevels", o.MaxLevels}} {
		if !(f.v > 0) || math.IsInf(f.v, 0) {
			return o, bad(f.name, f.v)
		}
	}
	if !(o.ScaleTo >= 0) || math.IsInf(o.ScaleTo, 0) {
		return o, fmt.Errorf("%w: ScaleTo = %v, want a finite number >= 0", ErrBuildingOptions, o.ScaleTo)
	}
	for k, w := range o.Types {
		if !(w >= 0 && w <= 1) {
			return o, fmt.Errorf("%w: weight of building=%s = %v, want 0..1", ErrBuildingOptions, k, w)
		}
	}
	return o, nil
}

// parseLevels reads building:levels: "3", "2.5", "3,5" (decimal comma);
// of "3;4" the first. It reports false for an absent, unreadable, zero or
// negative value.
func parseLevels(s string) (float64, bool) {
	s, _, _ = strings.Cut(s, ";")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// topTypes lists the n most common types of m, "yes 120, garage 30".
func topTypes(m map[string]int, n int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
