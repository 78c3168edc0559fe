package siting

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// Areas are candidate areas (parcels, districts), with Points or
	// instead of generated cells: an area stands for the cells of
	// resolution Res whose centres lie inside it (ID "<area id>/<cell>"),
	// each placed on its nearest road as a generated cell is; an area too
	// small to hold a cell centre stands for one site at its centroid (ID
	// the area's).
	Areas []Area
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

// An Area is a candidate area: [lon, lat] polygons.
type Area struct {
	ID   string
	Geom orb.MultiPolygon
}

// CandidateReport counts what Candidates found and dropped.
type CandidateReport struct {
	Considered int // cells with road nodes, or sites given (points, area cells, area centroids)
	Outside    int // dropped: outside the road network's extent
	NoRoad     int // dropped: no usable road within the snap distance
	Excluded   int // dropped: the road point lies in an excluded area
	Kept       int
	// Rejected says why each given site (Points, Areas) was dropped, in
	// input order.
	Rejected []Rejection
	// DroppedCells says why each generated candidate cell was dropped, in
	// cell order (a site's output lists them; summaries give the counts).
	DroppedCells []Rejection `json:"-"`
}

// A Rejection is a given candidate site that was dropped, and why.
type Rejection struct {
	ID     string
	Reason string
}

// ErrNoCandidates is returned when no candidate is left to choose from.
var ErrNoCandidates = errors.New("siting: no candidate site with road access outside the excluded areas")

// Candidates returns the candidate sites for new stations on g: the cells of
// resolution opt.Res that contain at least one road node, each placed on the
// nearest usable road to its centre, in cell order; or opt.Points and the
// sites of opt.Areas (a cell in two areas counts once), checked and placed
// the same way, with the reason for each one dropped (outside the road
// network's extent, no usable road within the snap distance, excluded).
// Candidates are not Existing. It returns ErrNoCandidates (wrapped, with
// the counts) when none is left.
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
	var err error
	given := len(opt.Points) > 0 || len(opt.Areas) > 0
	if given {
		sites, err = givenSites(opt, res)
	} else {
		sites, err = cellSites(ctx, g, res, workers)
	}
	if err != nil {
		return nil, CandidateReport{}, err
	}
	rep := CandidateReport{Considered: len(sites)}
	keep, why, err := placeSites(ctx, g, opt, sites, given, workers)
	if err != nil {
		return nil, rep, err
	}
	out := sites[:0]
	for i, s := range sites {
		if keep[i] < 1 && given {
			reason := why[i]
			if keep[i] == -2 {
				reason = fmt.Sprintf("%.6f,%.6f is outside the road network (which spans %.4f,%.4f .. %.4f,%.4f)", s.Loc[0], s.Loc[1],
					g.Bound().Min[0], g.Bound().Min[1], g.Bound().Max[0], g.Bound().Max[1])
			}
			rep.Rejected = append(rep.Rejected, Rejection{ID: s.ID, Reason: reason})
		}
		if keep[i] < 1 && !given {
			rep.DroppedCells = append(rep.DroppedCells, Rejection{ID: s.ID, Reason: why[i]})
		}
		switch keep[i] {
		case 0:
			rep.NoRoad++
		case -1:
			rep.Excluded++
		case -2:
			rep.Outside++
		default:
			if s.Members == 0 {
				s.Members = opt.MinTeam
			}
			out = append(out, s)
		}
	}
	rep.Kept = len(out)
	if len(out) == 0 {
		return nil, rep, fmt.Errorf("%w (%d considered: %d outside the road network, %d without road access, %d excluded)", ErrNoCandidates, rep.Considered, rep.Outside, rep.NoRoad, rep.Excluded)
	}
	return slices.Clip(out), rep, nil
}

// givenSites returns opt.Points (ids p0, p1, … where empty) and the sites
// of opt.Areas: each area's cell centres of resolution res not already
// taken by an earlier area, or its centroid when it holds none.
func givenSites(opt CandidateOptions, res int) ([]Site, error) {
	var sites []Site
	for i, p := range opt.Points {
		p.Existing = false
		if p.ID == "" {
			p.ID = fmt.Sprintf("p%d", i)
		}
		sites = append(sites, p)
	}
	seen := map[h3.Cell]bool{}
	for _, a := range opt.Areas {
		var in []Site
		held := false // the area holds a cell centre, new or seen
		for _, poly := range a.Geom {
			cells, err := geo.PolygonCells(poly, res)
			if err != nil {
				return nil, err
			}
			for _, c := range cells {
				held = true
				if seen[c] {
					continue
				}
				seen[c] = true
				ctr, err := geo.CellCenter(c)
				if err != nil {
					return nil, err
				}
				in = append(in, Site{ID: a.ID + "/" + c.String(), Loc: ctr, Cell: c})
			}
		}
		if !held {
			ctr, _ := planar.CentroidArea(a.Geom)
			in = append(in, Site{ID: a.ID, Loc: ctr})
		}
		sites = append(sites, in...)
	}
	return sites, nil
}

// cellSites returns a site at the centre of every cell of resolution res
// holding a node of g, in cell order.
func cellSites(ctx context.Context, g *graph.Graph, res, workers int) ([]Site, error) {
	cells, err := nodeCells(ctx, g, res, workers)
	if err != nil {
		return nil, err
	}
	sites := make([]Site, len(cells))
	for i, c := range cells {
		ctr, err := geo.CellCenter(c)
		if err != nil {
			return nil, err
		}
		sites[i] = Site{ID: c.String(), Loc: ctr, Cell: c}
	}
	return sites, nil
}

// placeSites snaps every site onto g, moving a cell's site to its road
// point. keep is 1 kept, 0 no road, -1 excluded, -2 outside the road
// network's extent (given sites only); why is the reason for 0 and -1.
func placeSites(ctx context.Context, g *graph.Graph, opt CandidateOptions, sites []Site, given bool, workers int) (keep []int8, why []string, err error) {
	snapOpt := graph.SnapOptions{MaxDistanceM: opt.SnapDistanceM}
	maxM := opt.SnapDistanceM
	if maxM <= 0 {
		maxM = graph.DefaultSnapDistanceM
	}
	// The road network's extent, widened by the snap distance (a degree of
	// latitude is 111 km; longitude degrees shrink with the cosine).
	ext := g.Bound()
	padLat := maxM / 111_000
	padLon := padLat / max(0.01, math.Cos(ext.Center()[1]*math.Pi/180))
	ext.Min[0], ext.Min[1], ext.Max[0], ext.Max[1] = ext.Min[0]-padLon, ext.Min[1]-padLat, ext.Max[0]+padLon, ext.Max[1]+padLat
	keep = make([]int8, len(sites))
	why = make([]string, len(sites))
	err = parallel(ctx, len(sites), workers, func(i int) error {
		if given && !ext.Contains(sites[i].Loc) {
			keep[i] = -2 // a generated cell there would have no road either: counted as such
			return nil
		}
		sn, err := g.Snap(sites[i].Loc, snapOpt)
		if err != nil {
			why[i] = err.Error()
			return nil
		}
		for k, mp := range opt.Exclude {
			if planar.MultiPolygonContains(mp, sn.Point) {
				keep[i] = -1
				why[i] = fmt.Sprintf("its road point %.6f,%.6f lies in excluded area %d", sn.Point[0], sn.Point[1], k+1)
				return nil
			}
		}
		keep[i] = 1
		if sites[i].Cell != 0 {
			sites[i].Loc = sn.Point
		}
		return nil
	})
	return keep, why, err
}

// nodeCells returns the distinct cells of resolution res holding a node of
// g, sorted.
func nodeCells(ctx context.Context, g *graph.Graph, res, workers int) ([]h3.Cell, error) {
	n := g.NumNodes()
	all := make([]h3.Cell, n)
	// Runs of nodes, each with its own locator: the nodes are stored along
	// a space-filling curve, so most lie in the cell of the one before.
	const run = 4096
	err := parallel(ctx, (n+run-1)/run, workers, func(r int) error {
		loc := geo.NewCellLocator(res)
		for i := r * run; i < min(n, (r+1)*run); i++ {
			c, err := loc.CellOf(g.Point(graph.NodeID(i)))
			if err != nil {
				return err
			}
			all[i] = c
		}
		return nil
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
