package coverage

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/uber/h3-go/v4"
)

// A Base is a rescue team base.
type Base struct {
	ID, Name string
	Level    string    // township, village, professional, … (keys of the standard's team minimums)
	Loc      orb.Point // [lon, lat]
	TeamSize int       // members
	// OSMNode, when not zero, pins the base to this OSM node of the graph
	// instead of snapping Loc (a bases file's osm_node_id column).
	OSMNode int64
}

// A Unit is a reporting unit (township) as the engine needs it.
type Unit struct {
	ID, Name string
	Level    string // the team level its minimum is judged by; "" means township
}

// Input is one study, ready to compute. Cells, Pop, CellUnit and Zone are
// parallel slices; BaseUnit is parallel to Bases.
type Input struct {
	Graph    *graph.Graph
	Standard *standard.Standard
	Res      int
	Cells    []h3.Cell
	Pop      []float64 // residents per cell
	CellUnit []int32   // unit of each cell (by its centre), -1 outside every unit
	Zone     []bool    // cell centre inside a "135" zone (nil: no zones)
	Units    []Unit
	Bases    []Base
	BaseUnit []int32 // unit of each base, -1 outside every unit
	Workers  int     // parallel searches (<= 0: GOMAXPROCS)
	// Busy, when set, asks for expected coverage with busy teams (nil: none).
	Busy *BusyInput
}

// Cells holds the per-cell answers, parallel to Input.Cells. Times are
// seconds from the turnout of the team to its arrival at the cell centre
// (turnout + drive + the off-road walk), +Inf when no base reaches the cell.
type Cells struct {
	Center     []orb.Point
	SnapM      []float64 // distance from the centre to its road, NaN with no road access
	NoRoad     []bool
	Time       []float64 // from the nearest base
	Base       []int32   // nearest base, -1
	Time2      []float64 // from the second-nearest base, +Inf beyond the search horizon
	Base2      []int32
	Within     []bool  // Time <= the rescue circle
	CoveredBy  []int32 // bases within the rescue circle
	OwnCovered []bool  // a base of the cell's own unit is within the rescue circle
	FirstResp  []float64
	Profess    []float64
	Rapid      []int8 // -1 not in a "135" zone, 0 misses it, 1 meets it
	// Expected is the probability that the first free team, in order of
	// travel time, reaches the cell within the rescue circle (see
	// BusyInput); nil without Input.Busy.
	Expected []float64
}

// UnitResult is one reporting unit against the standards.
type UnitResult struct {
	Unit
	Cells           int
	Residents       float64
	Within          float64 // residents inside the rescue circle
	Share           float64 // Within / Residents (1 for an empty unit)
	Outside         float64
	P50, P90, Max   float64 // population-weighted travel time, seconds (+Inf: some residents unreachable)
	NoRoadCells     int
	NoRoadResidents float64
	Bases           int
	Members         int
	MinMembers      int
	TeamShort       int     // members missing against the minimum
	OwnTeamCovered  float64 // residents its own bases reach in time
	RapidResidents  float64 // residents in "135" zones
	RapidMet        float64 // of whom met by both first responders and professionals
	MeetsRescue     bool    // Share >= the coverage target
	MeetsTeam       bool    // has a team of at least the minimum members, which reaches some of its residents in time
	Backup          Backup  // residents by the number of bases within the circle
	Expected        float64 // expected residents reached in time with busy teams (0 without Input.Busy)
}

// BaseResult is one base's share of the work.
type BaseResult struct {
	Base
	Unit    int32
	Snapped bool
	SnapM   float64
	// Moved says why the base was placed on a road farther than the
	// nearest one ("" when it stands on the nearest road or its OSM node).
	Moved string
	// MovedM, NearestRoadM and FragmentNodes are Moved's figures: how far
	// the base was placed, how far the nearest road is, and the nodes of
	// the cut-off fragment that road lies in (0 when not moved).
	MovedM, NearestRoadM float64
	FragmentNodes        int
	Nearest              float64 // residents for whom it is the nearest base
	Covered              float64 // residents it reaches within the rescue circle
	OnlyCovers           float64 // residents no other base reaches within the circle
}

// Isochrone is the area reached within Minutes from one base (Base >= 0) or
// from all (Base == -1): the H3 cells of the study grid whose centre, or
// whose road nodes, are reached in time, dissolved into polygons with holes.
type Isochrone struct {
	Base      int32
	Minutes   float64
	Cells     []h3.Cell
	Residents float64
	Geom      orb.MultiPolygon
}

// Gap is a connected patch of cells outside the rescue circle.
type Gap struct {
	Cells     []int // indices into Input.Cells
	Residents float64
	WorstTime float64 // seconds, +Inf if part is unreachable
	Centroid  orb.Point
	Unit      int32 // unit holding most of its residents
}

// Summary is the region's answer.
type Summary struct {
	Residents, Within, Share, Outside float64
	P50, P90, Max                     float64
	Cells, NoRoadCells, OutsideUnits  int
	NoRoadResidents                   float64
	OutsideUnitResidents              float64
	UnplacedBases                     []string // bases farther than the snap distance from a road
	MovedBases                        []string // bases placed on a road farther than the nearest, with the reason
	Backup                            Backup   // residents by the number of bases within the circle
	Expected                          float64  // expected residents reached in time with busy teams (0 without Input.Busy)
}

// Result is everything a study computes.
type Result struct {
	Cells      Cells
	Units      []UnitResult
	Bases      []BaseResult
	Isochrones []Isochrone
	Gaps       []Gap
	Summary    Summary
	Busy       *BusyResult // the busy fractions used; nil without Input.Busy
}

// Errors callers may branch on.
var (
	ErrNoBases = errors.New("coverage: no base could be placed on the road network")
	ErrInput   = errors.New("coverage: inconsistent input")
)

// Compute runs the study: Search, then Finish.
func Compute(ctx context.Context, in Input) (*Result, error) {
	p, err := Search(ctx, in)
	if err != nil {
		return nil, err
	}
	return Finish(ctx, in, p)
}

// Search runs the graph half of a study: snapping, the nearest-base search
// and one bounded search per base. What it returns depends on the graph only
// through paths no longer than the per-base horizon, so a part of the region
// searched on a part of the graph with a wide enough margin gives the same
// answers for its own cells and bases (package internal/batch relies on it).
func Search(ctx context.Context, in Input) (*Partial, error) {
	if err := check(in); err != nil {
		return nil, err
	}
	if in.Workers <= 0 {
		in.Workers = runtime.GOMAXPROCS(0)
	}
	std := in.Standard
	n := len(in.Cells)
	target := std.RescueSeconds()
	snapOpt := graph.SnapOptions{MaxDistanceM: std.Access.SnapDistanceM}

	res := &Result{}
	c := &res.Cells
	snaps, connector, err := snapCells(ctx, in, snapOpt, c)
	if err != nil {
		return nil, err
	}
	seeds, all := placeBases(in, snapOpt, res)
	if len(all) == 0 {
		return nil, ErrNoBases
	}
	s, err := nearestBase(ctx, in, all, snaps, connector, c)
	if err != nil {
		return nil, err
	}
	// The cells of the road nodes, and of those the nearest base reaches
	// within each band, taken from the search itself (no copy of its
	// per-node times: 12 bytes a node, 0.55 GB at 46 M nodes).
	// (a second over: float32 times summed along other paths may differ
	// in their last bits; nodeCell looks up any node left out all the same)
	nc, err := nodeCells(ctx, in.Graph, s, slices.Max(std.IsochroneMinutes)*60+1, in.Res, in.Workers) // check: bands not empty
	if err != nil {
		return nil, err
	}
	nodeBandCells := nodeBands(s, nc, std.IsochroneMinutes)
	if in.Busy != nil {
		// Checked here, used by Finish: a bad fraction fails before the searches.
		if _, err := busyFractions(in, c.Base); err != nil {
			return nil, err
		}
	}

	// One bounded search per base.
	horizon := std.Rescue.SecondBaseHorizonMinutes * 60
	maxBand := std.IsochroneMinutes[len(std.IsochroneMinutes)-1] * 60
	perBase, err := perBaseSearches(ctx, in, s, nc, seeds, snaps, connector, c.NoRoad, math.Max(horizon, maxBand), target, in.Busy != nil)
	if err != nil {
		return nil, err
	}
	c.Time2, c.Base2, c.CoveredBy, c.OwnCovered = perBase.time2, perBase.base2, perBase.count, perBase.own
	c.Within = make([]bool, n)
	for i := range c.Within {
		c.Within[i] = c.Time[i] <= target
	}
	if err := rapidResponse(ctx, s, in, seeds, snaps, connector, c); err != nil {
		return nil, err
	}

	p := &Partial{
		Cells: res.Cells, Bases: res.Bases, UnplacedBases: res.Summary.UnplacedBases, Cover: perBase.cover,
		Only: perBase.only, Covered: perBase.covered, BaseBands: perBase.iso,
		NodeBands: nodeBandCells,
	}
	return p, nil
}

// snapCells puts every cell's centre onto the network: c's Center, SnapM
// and NoRoad; it returns per cell its snap and the seconds walked from the
// centre to it.
func snapCells(ctx context.Context, in Input, snapOpt graph.SnapOptions, c *Cells) ([]graph.Snap, []float64, error) {
	g, n := in.Graph, len(in.Cells)
	walk := in.Standard.WalkMPS()
	c.Center = make([]orb.Point, n)
	c.SnapM = make([]float64, n)
	c.NoRoad = make([]bool, n)
	snaps := make([]graph.Snap, n)
	connector := make([]float64, n)
	err := par.For(ctx, n, in.Workers, func(i int) error {
		ctr, err := geo.CellCenter(in.Cells[i])
		if err != nil {
			return err
		}
		c.Center[i] = ctr
		sn, err := g.Snap(ctr, snapOpt)
		if err != nil {
			c.NoRoad[i], c.SnapM[i] = true, math.NaN()
			return nil
		}
		snaps[i], c.SnapM[i], connector[i] = sn, sn.DistanceM, sn.DistanceM/walk
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return snaps, connector, nil
}

// placeBases puts the bases onto the network (at their OSM node, else
// snapped), into res.Bases, and the unplaced ones with the reason into
// res.Summary.UnplacedBases. It returns each base's seeds (after turnout)
// and all of them.
func placeBases(in Input, snapOpt graph.SnapOptions, res *Result) (seeds [][]route.Seed, all []route.Seed) {
	g := in.Graph
	turnout := graph.Seconds(in.Standard.Rescue.TurnoutSeconds)
	res.Bases = make([]BaseResult, len(in.Bases))
	seeds = make([][]route.Seed, len(in.Bases))
	for i, b := range in.Bases {
		br := &res.Bases[i]
		br.Base, br.Unit = b, in.BaseUnit[i]
		if b.OSMNode != 0 {
			v, ok := g.Node(b.OSMNode)
			if !ok {
				br.SnapM = math.NaN()
				res.Summary.UnplacedBases = append(res.Summary.UnplacedBases, fmt.Sprintf("%s: OSM node %d (its osm_node_id) is not in the graph", b.ID, b.OSMNode))
				continue
			}
			br.Snapped, br.SnapM = true, geo.Haversine(b.Loc, g.Point(v))
			seeds[i] = []route.Seed{{Node: v, Time: turnout, Source: int32(i)}}
			all = append(all, seeds[i]...)
			continue
		}
		sn, err := g.Snap(b.Loc, snapOpt)
		if err != nil {
			br.SnapM = math.NaN()
			res.Summary.UnplacedBases = append(res.Summary.UnplacedBases, fmt.Sprintf("%s: %v", b.ID, err))
			continue
		}
		br.Snapped, br.SnapM = true, sn.DistanceM
		br.Moved, br.NearestRoadM, br.FragmentNodes = movedReason(g, b.Loc, sn, snapOpt) // into Summary.MovedBases by Finish
		if br.Moved != "" {
			br.MovedM = sn.DistanceM
		}
		seeds[i] = route.SnapSeeds(g, sn, int32(i), turnout)
		all = append(all, seeds[i]...)
	}
	return seeds, all
}

// nearestBase finds the nearest base of every cell, c's Time and Base, by
// one multi-source search without limit, and returns that search.
func nearestBase(ctx context.Context, in Input, all []route.Seed, snaps []graph.Snap, connector []float64, c *Cells) (*route.Search, error) {
	n := len(in.Cells)
	s := route.NewSearch(in.Graph)
	s.FillWorkers = in.Workers
	if err := s.Run(ctx, all, route.Options{}); err != nil {
		return nil, err
	}
	c.Time, c.Base = make([]float64, n), make([]int32, n)
	for i := range c.Time {
		c.Time[i], c.Base[i] = math.Inf(1), -1
		if c.NoRoad[i] {
			continue
		}
		if t, src, ok := route.PointTime(s, snaps[i]); ok {
			c.Time[i], c.Base[i] = float64(t)+connector[i], src
		}
	}
	return s, nil
}

// rapidResponse is the "135" check: in the zone's cells, the nearest first
// responder and nearest professional team each within their minutes (c's
// Rapid 1, else 0; -1 outside the zone), with their times.
func rapidResponse(ctx context.Context, s *route.Search, in Input, seeds [][]route.Seed, snaps []graph.Snap, connector []float64, c *Cells) error {
	n := len(in.Cells)
	c.Rapid = make([]int8, n)
	for i := range c.Rapid {
		c.Rapid[i] = -1
	}
	if in.Zone == nil {
		return nil
	}
	r := in.Standard.Rescue.Rapid
	var err error
	if c.FirstResp, err = classTimes(ctx, s, in, seeds, snaps, connector, c.NoRoad, r.FirstResponderLevels); err != nil {
		return err
	}
	if c.Profess, err = classTimes(ctx, s, in, seeds, snaps, connector, c.NoRoad, r.ProfessionalLevels); err != nil {
		return err
	}
	for i, z := range in.Zone {
		if z {
			c.Rapid[i] = 0
			if c.FirstResp[i] <= r.FirstResponderMinutes*60 && c.Profess[i] <= r.ProfessionalMinutes*60 {
				c.Rapid[i] = 1
			}
		}
	}
	return nil
}

// Finish aggregates a Partial into the study's answer: units, bases,
// summary, isochrones and gaps. It does not use in.Graph.
func Finish(ctx context.Context, in Input, p *Partial) (*Result, error) {
	if in.Workers <= 0 {
		in.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{Cells: p.Cells, Bases: p.Bases}
	if in.Busy != nil {
		if err := expectedCells(in, res, p.Cover); err != nil {
			return nil, err
		}
	}
	res.Summary.UnplacedBases = p.UnplacedBases
	for _, b := range p.Bases {
		if b.Moved != "" {
			res.Summary.MovedBases = append(res.Summary.MovedBases, b.ID+": "+b.Moved)
		}
	}
	var err error
	res.Units = units(in, res)
	bases(in, res, p)
	res.Summary = summary(in, res)
	backup(in, res)
	if res.Cells.Expected != nil {
		expected(in, res)
	}
	if res.Isochrones, err = isochrones(ctx, in, res, p); err != nil {
		return nil, err
	}
	if res.Gaps, err = gaps(in, res); err != nil {
		return nil, err
	}
	return res, nil
}

func check(in Input) error {
	n := len(in.Cells)
	switch {
	case in.Graph == nil || in.Standard == nil:
		return fmt.Errorf("%w: graph and standard are required", ErrInput)
	case len(in.Pop) != n || len(in.CellUnit) != n || (in.Zone != nil && len(in.Zone) != n):
		return fmt.Errorf("%w: %d cells but %d populations, %d cell units, %d zone flags", ErrInput, n, len(in.Pop), len(in.CellUnit), len(in.Zone))
	case len(in.BaseUnit) != len(in.Bases):
		return fmt.Errorf("%w: %d bases but %d base units", ErrInput, len(in.Bases), len(in.BaseUnit))
	case len(in.Standard.IsochroneMinutes) == 0:
		return fmt.Errorf("%w: the standard has no isochrone_minutes", ErrInput)
	case len(in.Bases) == 0:
		return fmt.Errorf("%w: no bases", ErrNoBases)
	}
	for i, c := range in.Cells {
		if c.Resolution() != in.Res {
			return fmt.Errorf("%w: cell %s has resolution %d, the study %d", ErrInput, c, c.Resolution(), in.Res)
		}
		if u := in.CellUnit[i]; u < -1 || int(u) >= len(in.Units) {
			return fmt.Errorf("%w: cell %s in unit %d of %d", ErrInput, c, u, len(in.Units))
		}
	}
	return nil
}

// classTimes is the time from the nearest base whose level is in levels.
func classTimes(ctx context.Context, s *route.Search, in Input, seeds [][]route.Seed, snaps []graph.Snap, connector []float64, noRoad []bool, levels []string) ([]float64, error) {
	var class []route.Seed
	for i, b := range in.Bases {
		for _, l := range levels {
			if b.Level == l {
				class = append(class, seeds[i]...)
				break
			}
		}
	}
	out := make([]float64, len(in.Cells))
	for i := range out {
		out[i] = math.Inf(1)
	}
	if len(class) == 0 {
		return out, nil
	}
	if err := s.Run(ctx, class, route.Options{}); err != nil {
		return nil, err
	}
	for i := range out {
		if noRoad[i] {
			continue
		}
		if t, _, ok := route.PointTime(s, snaps[i]); ok {
			out[i] = float64(t) + connector[i]
		}
	}
	return out, nil
}

// movedReason says why a base snapped to sn rather than to the nearest road:
// that road lies in a cut-off fragment (a one-way stub, a private lane)
// smaller than opt.MinComponent, from which no team can drive out. "" when
// sn is the nearest road; with the nearest road's distance and its
// fragment's nodes.
func movedReason(g *graph.Graph, p orb.Point, sn graph.Snap, opt graph.SnapOptions) (string, float64, int) {
	anyComp := opt
	anyComp.MinComponent = 1
	near, err := g.Snap(p, anyComp)
	if err != nil || near.DistanceM >= sn.DistanceM-1 {
		return "", 0, 0
	}
	_, size := g.Component(near.Tail)
	return fmt.Sprintf("placed %.1f m away on the main network; the nearest road (%.1f m) is in a cut-off fragment of %d nodes no team can drive out of", sn.DistanceM, near.DistanceM, size),
		near.DistanceM, size
}
