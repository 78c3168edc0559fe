package isochrone

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// A Band is the area reached within Minutes.
type Band struct {
	Minutes float64
	Cells   []h3.Cell // sorted
	Geom    orb.MultiPolygon
}

// Options for FromPoint.
type Options struct {
	Res  int               // H3 resolution (0: geo.DefaultRes)
	Snap graph.SnapOptions // how the point is placed on the road
}

// Bounds on what one isochrone request may ask, so that a flag or a study
// file cannot make the tool run for hours: the finest resolution (H3 res 12
// cells have 9.4 m edges, finer than any road network's detail), the number
// of bands and the longest time limit (4 hours; the rescue circle is 15 min).
const (
	MaxRes     = 12
	MaxBands   = 12
	MaxMinutes = 240.0
)

// ErrMinutes reports bad time limits.
var ErrMinutes = errors.New("isochrone: minutes must be > 0 and increasing")

// FromPoint places p ([lon, lat]) on the road network and returns the areas
// reached within each of minutes (increasing), from one bounded search.
// Each band contains the ones before it. It returns graph.ErrNoRoad (wrapped)
// when p is too far from a usable road.
func FromPoint(ctx context.Context, s *route.Search, p orb.Point, minutes []float64, opt Options) ([]Band, graph.Snap, error) {
	if len(minutes) == 0 {
		return nil, graph.Snap{}, ErrMinutes
	}
	if err := CheckMinutes(minutes); err != nil {
		return nil, graph.Snap{}, err
	}
	res := opt.Res
	if res == 0 {
		res = geo.DefaultRes
	}
	if res < 0 || res > MaxRes {
		return nil, graph.Snap{}, fmt.Errorf("%w: %d (isochrones: 0 to %d, the limit)", geo.ErrBadResolution, res, MaxRes)
	}
	g := s.Graph()
	sn, err := g.Snap(p, opt.Snap)
	if err != nil {
		return nil, graph.Snap{}, err
	}
	limit := graph.Seconds(minutes[len(minutes)-1] * 60)
	// Dijkstra for short limits, PHAST once it reaches an eighth of the graph
	// (route.WideMethod, by measurement); an isochrone is not compared
	// with a scenario's.
	if err := s.Run(ctx, route.SnapSeeds(g, sn, 0, 0), route.Options{Limit: limit, Method: route.WideMethod(g, limit)}); err != nil {
		return nil, sn, err
	}
	bands, err := FromSearch(ctx, s, minutes, res)
	return bands, sn, err
}

// CheckMinutes checks time limits: 1 to MaxBands of them, each > 0 and at
// most MaxMinutes, increasing.
func CheckMinutes(minutes []float64) error {
	if len(minutes) == 0 {
		return ErrMinutes
	}
	if len(minutes) > MaxBands {
		return fmt.Errorf("%w: %d bands, more than the limit of %d", ErrMinutes, len(minutes), MaxBands)
	}
	for i, m := range minutes {
		if !(m > 0) || math.IsInf(m, 0) || (i > 0 && m <= minutes[i-1]) {
			return fmt.Errorf("%w: %v", ErrMinutes, minutes)
		}
		if m > MaxMinutes {
			return fmt.Errorf("%w: %v min is more than the limit of %v", ErrMinutes, m, MaxMinutes)
		}
	}
	return nil
}

// FromSearch returns the bands of the last search run in s.
func FromSearch(ctx context.Context, s *route.Search, minutes []float64, res int) ([]Band, error) {
	g := s.Graph()
	sets := make([]map[h3.Cell]struct{}, len(minutes))
	for j := range sets {
		sets[j] = map[h3.Cell]struct{}{}
	}
	// The reached nodes in the graph's order, along a space-filling curve:
	// runs of nearby points, whose cells a CellLocator mostly finds without
	// asking H3 (in Settled's order the core nodes come by time or by
	// hierarchy, far apart).
	nodes := slices.Clone(s.Settled())
	slices.Sort(nodes)
	loc := geo.NewCellLocator(res)
	for k, v := range nodes {
		if k&4095 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		t, _ := s.Time(v)
		var c h3.Cell
		for j, m := range minutes {
			if float64(t) <= m*60 {
				if c == 0 {
					var err error
					if c, err = loc.CellOf(g.Point(v)); err != nil {
						return nil, err
					}
				}
				sets[j][c] = struct{}{}
			}
		}
	}
	out := make([]Band, len(minutes))
	for j, m := range minutes {
		cells := make([]h3.Cell, 0, len(sets[j]))
		for c := range sets[j] {
			cells = append(cells, c)
		}
		slices.Sort(cells)
		mp, err := geo.CellsToMultiPolygon(cells)
		if err != nil {
			return nil, err
		}
		out[j] = Band{Minutes: m, Cells: cells, Geom: mp}
	}
	return out, nil
}
