package shelter

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"runtime"
)

// A Depot is an emergency supply depot (应急物资储备).
type Depot struct {
	ID, Name string
	// Loc is the depot's location, [lon, lat] WGS-84 degrees.
	Loc orb.Point
	// Stock is the quantity held of each item (item names and units come
	// from the input: "water_l", "blankets", "food_rations", …).
	Stock map[string]float64
}

// DepotInput is what DepotReach needs.
type DepotInput struct {
	// Graph is the drive graph (profile drive or emergency).
	Graph *graph.Graph
	// Depots, Cells and Shelters are locations, [lon, lat]; cells by their
	// centres.
	Depots, Cells, Shelters []orb.Point
	// WalkKPH is the speed of the off-road connector between a point and
	// its road (the standard's access.walk_kph), km/h.
	WalkKPH float64
	Snap    graph.SnapOptions
	Workers int // <= 0: GOMAXPROCS
}

// DepotTimes is the drive time from the nearest depot. Times are seconds
// (the depot's off-road connector, the drive, the destination's
// connector), +Inf with depot -1 where no depot reaches or the point has
// no road within the snap distance.
type DepotTimes struct {
	CellSeconds    []float64
	CellDepot      []int32
	ShelterSeconds []float64
	ShelterDepot   []int32
	// DepotSnapM is each depot's distance to its road, NaN when it could
	// not be placed (DepotErr says why).
	DepotSnapM []float64
	DepotErr   []error
}

// DepotReach runs one multi-source search from all depots on the drive
// graph, without a limit, and returns the time from the nearest depot to
// every cell centre and every shelter. Drive graphs have one-way streets,
// so the search runs from the depots outwards: the time is depot → point.
// A depot on the same edge as the point may also drive straight along it.
func DepotReach(ctx context.Context, in DepotInput) (*DepotTimes, error) {
	g := in.Graph
	if g == nil {
		return nil, fmt.Errorf("%w: no drive graph", ErrInput)
	}
	if !(in.WalkKPH > 0) || math.IsInf(in.WalkKPH, 0) {
		return nil, fmt.Errorf("%w: walking speed %v km/h", ErrInput, in.WalkKPH)
	}
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	mps := in.WalkKPH / 3.6
	out := &DepotTimes{DepotSnapM: make([]float64, len(in.Depots)), DepotErr: make([]error, len(in.Depots))}
	var seeds []route.Seed
	for d, p := range in.Depots {
		sn, err := g.Snap(p, in.Snap)
		if err != nil {
			out.DepotSnapM[d], out.DepotErr[d] = math.NaN(), err
			continue
		}
		out.DepotSnapM[d] = sn.DistanceM
		seeds = append(seeds, route.SnapSeeds(g, sn, int32(d), graph.Seconds(sn.DistanceM/mps))...)
	}
	s := route.NewSearch(g)
	s.FillWorkers = workers
	if len(seeds) > 0 {
		if err := s.Run(ctx, seeds, route.Options{}); err != nil {
			return nil, err
		}
	}
	times := func(pts []orb.Point) ([]float64, []int32, error) {
		sec, dep := make([]float64, len(pts)), make([]int32, len(pts))
		err := par.For(ctx, len(pts), workers, func(i int) error {
			sec[i], dep[i] = math.Inf(1), -1
			if len(seeds) == 0 {
				return nil
			}
			sn, err := g.Snap(pts[i], in.Snap)
			if err != nil {
				return nil // no road: unreachable, reported by the caller
			}
			best, src := math.Inf(1), int32(-1)
			if t, s, ok := route.PointTime(s, sn); ok {
				best, src = float64(t), s
			}
			if src >= 0 {
				sec[i], dep[i] = best+sn.DistanceM/mps, src
			}
			return nil
		})
		return sec, dep, err
	}
	var err error
	if out.CellSeconds, out.CellDepot, err = times(in.Cells); err != nil {
		return nil, err
	}
	if out.ShelterSeconds, out.ShelterDepot, err = times(in.Shelters); err != nil {
		return nil, err
	}
	return out, nil
}
