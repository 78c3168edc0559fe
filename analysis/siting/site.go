package siting

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// DefaultCandidateRes is the H3 resolution of generated candidate cells: 8,
// cells of about 0.74 km² (about 460 m edge), a site every kilometre or so,
// finer than any station district (GB 51080: 2 to 15 km²) and coarse enough
// that a region has hundreds, not tens of thousands, of candidates.
const DefaultCandidateRes = 8

// A Site is a place a rescue team can be based: an existing base (fixed,
// always open) or a candidate for a new one.
type Site struct {
	ID string
	// Loc is where the team starts, [lon, lat]. For generated candidates it
	// is the point of the nearest usable road to the cell's centre: a
	// station is built by the road.
	Loc orb.Point
	// Cell is the H3 cell a generated candidate stands for; 0 for sites
	// given as points.
	Cell h3.Cell
	// Existing marks a base that is already open: the solver counts it in
	// every solution and never swaps it out.
	Existing bool
	// Members is the team: the members of an existing base, or the minimum
	// team a new site needs (CandidateOptions.MinTeam). Solutions add up the
	// members their new sites need; nothing else depends on it.
	Members int
}

// CandidateOptions tune Candidates. The zero value generates candidates on
// DefaultCandidateRes cells with the graph's default snapping.
type CandidateOptions struct {
	// Res is the H3 resolution of generated candidate cells (0 means
	// DefaultCandidateRes). Any valid resolution 0..15 is accepted.
	Res int
	// Points, when not empty, are the candidates instead of generated
	// cells: each is checked for road access and exclusion like a
	// generated one and keeps its ID (an empty ID becomes "p<index>").
	Points []Site
	// Exclude lists areas where no station may stand (water, protected
	// land): a candidate whose road point lies inside any of them is
	// dropped. [lon, lat] coordinates, tested with planar.MultiPolygonContains.
	Exclude []orb.MultiPolygon
	// SnapDistanceM is how far from a usable road a candidate may lie and
	// still have road access (<= 0 means graph.DefaultSnapDistanceM).
	SnapDistanceM float64
	// MinTeam is the minimum team a new site needs, in members; it is
	// carried into Site.Members of candidates that have none.
	MinTeam int
	// Workers is how many goroutines snap candidates (<= 0: GOMAXPROCS).
	Workers int
}

// CandidateReport counts what Candidates found and dropped.
type CandidateReport struct {
	Considered int // cells with road nodes, or points given
	NoRoad     int // dropped: no usable road within the snap distance
	Excluded   int // dropped: the road point lies in an excluded area
	Kept       int
}

// ErrNoCandidates is returned when no candidate is left to choose from.
var ErrNoCandidates = errors.New("siting: no candidate site with road access outside the excluded areas")

// Candidates returns the candidate sites for new stations on g: the cells of
// resolution opt.Res that contain at least one road node, each placed on the
// nearest usable road to its centre, in cell order; or opt.Points placed and
// filtered the same way. Candidates are not Existing. It returns
// ErrNoCandidates (wrapped, with the counts) when none is left.
func Candidates(ctx context.Context, g *graph.Graph, opt CandidateOptions) ([]Site, CandidateReport, error) {
	res := opt.Res
	if res == 0 {
		res = DefaultCandidateRes
	}
	if res < 0 || res > 15 {
		return nil, CandidateReport{}, fmt.Errorf("siting: candidate resolution %d: want 0 to 15", res)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var sites []Site
	if len(opt.Points) > 0 {
		sites = make([]Site, len(opt.Points))
		for i, p := range opt.Points {
			sites[i] = p
			sites[i].Existing = false
			if sites[i].ID == "" {
				sites[i].ID = fmt.Sprintf("p%d", i)
			}
		}
	} else {
		cells, err := nodeCells(ctx, g, res, workers)
		if err != nil {
			return nil, CandidateReport{}, err
		}
		sites = make([]Site, len(cells))
		for i, c := range cells {
			ctr, err := geo.CellCenter(c)
			if err != nil {
				return nil, CandidateReport{}, err
			}
			sites[i] = Site{ID: c.String(), Loc: ctr, Cell: c}
		}
	}
	rep := CandidateReport{Considered: len(sites)}
	snapOpt := graph.SnapOptions{MaxDistanceM: opt.SnapDistanceM}
	keep := make([]int8, len(sites)) // 1 kept, 0 no road, -1 excluded
	err := parallel(ctx, len(sites), workers, func(i int) error {
		sn, err := g.Snap(sites[i].Loc, snapOpt)
		if err != nil {
			return nil
		}
		for _, mp := range opt.Exclude {
			if planar.MultiPolygonContains(mp, sn.Point) {
				keep[i] = -1
				return nil
			}
		}
		keep[i] = 1
		if sites[i].Cell != 0 {
			sites[i].Loc = sn.Point
		}
		return nil
	})
	if err != nil {
		return nil, rep, err
	}
	out := sites[:0]
	for i, s := range sites {
		switch keep[i] {
		case 0:
			rep.NoRoad++
		case -1:
			rep.Excluded++
		default:
			if s.Members == 0 {
				s.Members = opt.MinTeam
			}
			out = append(out, s)
		}
	}
	rep.Kept = len(out)
	if len(out) == 0 {
		return nil, rep, fmt.Errorf("%w (%d considered: %d without road access, %d excluded)", ErrNoCandidates, rep.Considered, rep.NoRoad, rep.Excluded)
	}
	return slices.Clip(out), rep, nil
}

// nodeCells returns the distinct cells of resolution res holding a node of
// g, sorted.
func nodeCells(ctx context.Context, g *graph.Graph, res, workers int) ([]h3.Cell, error) {
	n := g.NumNodes()
	all := make([]h3.Cell, n)
	err := parallel(ctx, n, workers, func(i int) error {
		c, err := geo.CellOf(g.Point(graph.NodeID(i)), res)
		all[i] = c
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(all)
	return slices.Clip(slices.Compact(all)), nil
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first
// error, or ctx.Err() if ctx is cancelled.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
	)
	fail := func(err error) {
		mu.Lock()
		if ferr == nil {
			ferr = err
		}
		mu.Unlock()
	}
	workers = max(1, min(workers, n))
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				if i%1024 == 0 {
					if err := ctx.Err(); err != nil {
						fail(err)
						return
					}
				}
				if err := fn(i); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if ferr == nil {
		ferr = ctx.Err()
	}
	return ferr
}
