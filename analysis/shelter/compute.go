package shelter

import (
	"context"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/internal/stats"
	"github.com/uber/h3-go/v4"
)

// DefaultClass is the class of a shelter that names none, unless
// Options.DefaultClass says otherwise: the short-term fixed shelter, the
// kind the schools, churches and gyms of a flood become.
const DefaultClass = "short_term"

// A Unit is a reporting unit (township) as the engine needs it.
type Unit struct {
	ID, Name string
}

// Options tune Compute. The zero value takes the standard's values.
type Options struct {
	// DefaultClass is the class of shelters without one ("": DefaultClass).
	DefaultClass string
	// CutoffSeconds, when > 0, is every shelter's reach in walking seconds,
	// instead of its class's reach distance at the walking speed.
	CutoffSeconds float64
	// DemandShare is the share of residents who need a place (0: 1, all).
	// It scales the assignment's demand and the nearest-only loads, not
	// the accessibility (places per resident).
	DemandShare float64
	// Steps and SigmaShare are the E2SFCA weights (see FCAOptions).
	Steps      []float64
	SigmaShare float64
	Workers    int // parallel searches (<= 0: GOMAXPROCS)
	// Stage, when set, is told each stage of Compute as it begins (StageWalk
	// to StageUnits, in order; StageDepots only with depots), on the calling
	// goroutine. The package measures no time: a caller who wants the time
	// of each stage takes it between these calls.
	Stage func(stage string)
}

// Input is one shelter study. Cells, Pop and CellUnit are parallel, as are
// Shelters and ShelterUnit, and Depots and DepotUnit (nil: no units).
type Input struct {
	// Walk is the pedestrian graph (two-way, edge times at the standard's
	// shelter walking speed). Drive is the road graph for the depots; it
	// may be nil when there are no depots.
	Walk, Drive *graph.Graph
	Standard    *standard.Standard
	Cells       []h3.Cell
	Pop         []float64 // residents per cell
	CellUnit    []int32   // -1 outside every unit
	Units       []Unit
	Shelters    []Shelter
	ShelterUnit []int32
	Depots      []Depot
	DepotUnit   []int32
	// Closed marks shelters out of use (a scenario: flooded, requisitioned),
	// parallel to Shelters (nil: none). A closed shelter has no places, is
	// not placed on the walk graph and is no one's nearest shelter; it stays
	// in the results, with Closed set, so that they line up with a baseline.
	Closed []bool
	// CapacityFactor scales each shelter's places (a scenario: part of a
	// school out of use), parallel to Shelters (nil: all 1). The scaled
	// places are rounded down to whole people; a factor of 0 leaves the
	// shelter open with no places. Factors must be finite and >= 0.
	CapacityFactor []float64
	Options        Options
}

// Cells holds the per-cell answers, parallel to Input.Cells.
type Cells struct {
	Center []orb.Point
	SnapM  []float64 // centre to its walk-graph road, NaN with no road access
	NoRoad []bool
	// Nearest shelter on foot whatever its reach (-1 none) and its time.
	Nearest        []int32
	NearestSeconds []float64
	// WithinReach: some shelter has the cell within its reach.
	WithinReach []bool
	// Access is places per resident: 2SFCA, E2SFCA with step weights and
	// E2SFCA with Gaussian weights.
	Access, AccessStep, AccessGauss []float64
	Demand                          []float64 // residents needing a place
	Placed, Unplaced                []float64 // of Demand, by the assignment
	// Shelter is the shelter taking most of the cell's placed residents
	// (-1 none); MeanSeconds their mean walk (NaN when none placed).
	Shelter     []int32
	MeanSeconds []float64
	// DepotSeconds is the drive from the nearest depot (+Inf none), Depot
	// that depot (-1), DepotWithin whether it is within the depot reach.
	DepotSeconds []float64
	Depot        []int32
	DepotWithin  []bool
}

// ShelterResult is one shelter's answer.
type ShelterResult struct {
	Shelter
	Capacity
	Unit int32
	// Closed: out of use (Input.Closed); Places is then 0 and Rule
	// RuleClosed. CapacityFactor is the factor applied to the places (1
	// unless Input.CapacityFactor says otherwise).
	Closed         bool
	CapacityFactor float64
	CutoffSeconds  float64 // reach in walking seconds
	Snapped        bool
	SnapM          float64 // NaN when not placed on the walk graph
	PlaceError     string  // why it could not be placed
	// CellsInReach and ResidentsInReach count the cells within its reach.
	CellsInReach     int
	ResidentsInReach float64
	// Ratio is places per resident of its catchment (2SFCA, E2SFCA step,
	// E2SFCA Gaussian); NaN when its catchment holds no resident.
	Ratio, RatioStep, RatioGauss float64
	// NearestLoad is the demand of the cells whose nearest shelter within
	// reach it is: its load if everyone went to the nearest; Overflow is
	// NearestLoad − Places when positive. Overflows is set only for a
	// known capacity (an unknown one has no places to exceed).
	NearestLoad, Overflow float64
	Overflows             bool
	// Load and Spare are the capacitated assignment's.
	Load, Spare float64
	// UnplacedNearest is the residents without a place whose nearest
	// shelter within reach it is; UnplacedInReach those within its reach
	// (a resident counts at every shelter in reach); BeyondReachNearest the
	// residents with no shelter in reach whose nearest shelter it is.
	UnplacedNearest, UnplacedInReach, BeyondReachNearest float64
	// Relief and ReliefSeconds: see Assignment.
	Relief        bool
	ReliefSeconds float64
	// DepotSeconds is the drive from the nearest depot (+Inf none);
	// DepotWithin whether that is within the standard's depot reach.
	DepotSeconds float64
	Depot        int32
	DepotWithin  bool
}

// UnitResult is one reporting unit's answer.
type UnitResult struct {
	Unit
	Cells     int
	Residents float64
	Demand    float64
	// Shelters in the unit, their places and equivalent area (see
	// Capacity.EquivalentAreaM2); UnknownCapacity counts those with none.
	Shelters, UnknownCapacity int
	Places, AreaM2            float64
	PlacesPerResident         float64 // NaN for an empty unit
	M2PerResident             float64
	// Required is the places the standard's fixed share asks for
	// (shelters.fixed_share × residents); Deficit is Required − Places
	// when positive.
	Required, Deficit float64
	// WithinReach is the residents with a shelter within reach on foot.
	WithinReach float64
	// P50 and P90 are the population-weighted walking seconds to the
	// nearest shelter (+Inf where some residents reach none).
	P50, P90 float64
	// Access, AccessStep and AccessGauss are the population-weighted mean
	// places per resident (2SFCA, E2SFCA step, E2SFCA Gaussian).
	Access, AccessStep, AccessGauss float64
	Placed, Unplaced                float64
	// DepotWithin is the residents within the depot reach; Stock the stock
	// of the depots inside the unit, StockPerResident that per resident.
	DepotWithin      float64
	Stock            map[string]float64
	StockPerResident map[string]float64
}

// DepotResult is one depot's answer.
type DepotResult struct {
	Depot
	Unit       int32
	Snapped    bool
	SnapM      float64
	PlaceError string
	// Residents and Shelters it is the nearest depot of, within reach.
	Residents float64
	Shelters  int
}

// Summary is the region's answer.
type Summary struct {
	Residents, Demand         float64
	Shelters, UnknownCapacity int
	UnplacedShelters          int // open but not placed on the walk graph
	Closed                    int // closed (Input.Closed)
	Places, PlacesPerResident float64
	Required, Deficit         float64
	WithinReach               float64 // residents with a shelter in reach
	NoRoadResidents           float64
	Placed, Unplaced          float64
	PersonSeconds             float64 // of the assignment
	MeanWalkSeconds           float64 // per placed resident
	// NearestOverflowing counts the shelters of known capacity that would
	// overflow if everyone went to the nearest one, by NearestOverflow
	// residents in all.
	NearestOverflowing int
	NearestOverflow    float64
	// AccessTotal is Σ population × 2SFCA access; ServedPlaces the places
	// of the shelters whose catchment holds residents. They are equal when
	// every resident has a shelter within reach (the 2SFCA identity).
	AccessTotal, ServedPlaces float64
	// DepotsUnreached counts the shelters no depot reaches within the
	// depot reach; DepotWithin the residents within it.
	DepotsUnreached int
	DepotWithin     float64
	Phases          int
	Augmentations   int
}

// Result is everything Compute finds.
type Result struct {
	Cells    Cells
	Shelters []ShelterResult
	Units    []UnitResult
	Depots   []DepotResult
	Summary  Summary
	// Matrix is the walking matrix and Assignment the capacitated
	// assignment on it, for callers who want the pairs.
	Matrix     Matrix
	Assignment *Assignment
}

// Stages of Compute, in order, as Options.Stage is told them.
const (
	StageWalk   = "walk"   // walking times from cells to shelters (Walk)
	StageFCA    = "fca"    // 2SFCA and the two E2SFCA decays (TwoStep)
	StageAssign = "assign" // the capacitated assignment (Assign) and each cell's share of it
	StageLoads  = "loads"  // catchments, nearest-only loads and overflow per shelter
	StageDepots = "depots" // drive from the depots (only when there are depots)
	StageUnits  = "units"  // per-unit and regional aggregates
)

// Compute runs the shelter study: capacities, walking times, 2SFCA and
// E2SFCA, the capacitated assignment, nearest-only loads, depots, and the
// per-unit and regional aggregates. It tells Options.Stage each stage as it
// begins and measures no time itself. It is Search followed by Finish, with
// the stages in Compute's order.
func Compute(ctx context.Context, in Input) (*Result, error) {
	return compute(ctx, in, graphs{}, true)
}

// Partial is the graph half of the shelter study, what Search finds on the
// walk and drive graphs: the walking matrix, each cell's nearest shelter and
// each shelter's placement (Walk), and the drive times from the depots
// (DepotReach; nil without depots). Finish does the rest without a graph.
//
// Rows of cells and shelters are independent: a caller may compute them in
// parts (each part's cells on a piece of the graph holding every path that
// matters to them) and put them together, in Input's order, before Finish.
type Partial struct {
	Walk   *Walking
	Depots *DepotTimes
}

// Search runs the graph half of Compute: the walking searches and the
// depots' drive search (stages StageWalk and StageDepots). It needs the
// graphs, the cells, the shelters, Closed and the options; Pop, units and
// capacity factors are Finish's.
func Search(ctx context.Context, in Input) (*Partial, error) {
	opt, err := prepare(in, true)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	sh, err := res.capacities(in, opt)
	if err != nil {
		return nil, err
	}
	opt.stage(StageWalk)
	p := &Partial{}
	if p.Walk, err = searchWalk(ctx, in, sh); err != nil {
		return nil, err
	}
	if len(in.Depots) > 0 {
		opt.stage(StageDepots)
		if p.Depots, err = searchDepots(ctx, in, p.Walk.Center, sh.locs); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Finish runs the graph-free half of Compute on Search's answer for the
// same input (whose graphs may be nil): accessibility, the capacitated
// assignment, loads, depots' shares and the aggregates. Finish(Search(in))
// equals Compute(in) bit for bit.
func Finish(ctx context.Context, in Input, p *Partial) (*Result, error) {
	if err := p.check(in); err != nil {
		return nil, err
	}
	return compute(ctx, in, graphs{
		walk:   func(context.Context, Input, shelterInputs) (*Walking, error) { return p.Walk, nil },
		depots: func(context.Context, Input, []orb.Point, []orb.Point) (*DepotTimes, error) { return p.Depots, nil },
	}, false)
}

// check returns an error unless p has the shapes of in's cells, shelters
// and depots.
func (p *Partial) check(in Input) error {
	n, m, d := len(in.Cells), len(in.Shelters), len(in.Depots)
	w := p.Walk
	if w == nil {
		return fmt.Errorf("%w: no walking answer", ErrInput)
	}
	for _, l := range []int{len(w.Center), len(w.SnapM), len(w.NoRoad), len(w.Nearest), len(w.NearestSeconds), len(w.WithinReach)} {
		if l != n {
			return fmt.Errorf("%w: walking answer for %d cells, want %d", ErrInput, l, n)
		}
	}
	if len(w.ShelterSnapM) != m || len(w.ShelterErr) != m || w.Matrix.Cells != n || w.Matrix.Shelters != m {
		return fmt.Errorf("%w: walking answer for %d shelters (matrix %d×%d), want %d cells and %d shelters", ErrInput, len(w.ShelterSnapM), w.Matrix.Cells, w.Matrix.Shelters, n, m)
	}
	if err := w.Matrix.check(); err != nil {
		return err
	}
	if d == 0 {
		return nil
	}
	dt := p.Depots
	if dt == nil || len(dt.CellSeconds) != n || len(dt.CellDepot) != n || len(dt.ShelterSeconds) != m || len(dt.ShelterDepot) != m || len(dt.DepotSnapM) != d || len(dt.DepotErr) != d {
		return fmt.Errorf("%w: no depot answer for %d cells, %d shelters and %d depots", ErrInput, n, m, d)
	}
	return nil
}

// graphs are the two searches of the graph half; the zero value runs them.
type graphs struct {
	walk   func(ctx context.Context, in Input, sh shelterInputs) (*Walking, error)
	depots func(ctx context.Context, in Input, centres, shelterLocs []orb.Point) (*DepotTimes, error)
}

// searchWalk runs Walk for the input's cells and shelters.
func searchWalk(ctx context.Context, in Input, sh shelterInputs) (*Walking, error) {
	return Walk(ctx, WalkInput{
		Graph: in.Walk, Cells: in.Cells, Shelters: sh.locs, Closed: in.Closed, CutoffSeconds: sh.cut, WalkKPH: in.Standard.Shelters.WalkKPH,
		Snap: graph.SnapOptions{MaxDistanceM: in.Standard.Access.SnapDistanceM}, Workers: in.Options.Workers,
	})
}

// searchDepots runs DepotReach from the input's depots to the cell centres
// and the shelters.
func searchDepots(ctx context.Context, in Input, centres, shelterLocs []orb.Point) (*DepotTimes, error) {
	std := in.Standard
	dl := make([]orb.Point, len(in.Depots))
	for d, dep := range in.Depots {
		dl[d] = dep.Loc
	}
	return DepotReach(ctx, DepotInput{Graph: in.Drive, Depots: dl, Cells: centres, Shelters: shelterLocs,
		WalkKPH: std.Access.WalkKPH, Snap: graph.SnapOptions{MaxDistanceM: std.Access.SnapDistanceM}, Workers: in.Options.Workers})
}

// prepare checks the input (with the graphs when needGraphs) and returns
// the options with their defaults.
func prepare(in Input, needGraphs bool) (Options, error) {
	if err := checkInput(in, needGraphs); err != nil {
		return Options{}, err
	}
	opt := in.Options
	if opt.DefaultClass == "" {
		opt.DefaultClass = DefaultClass
	}
	if opt.DemandShare == 0 {
		opt.DemandShare = 1
	}
	if !(opt.DemandShare > 0 && opt.DemandShare <= 1) {
		return opt, fmt.Errorf("%w: demand share %v, want (0, 1]", ErrInput, opt.DemandShare)
	}
	return opt, nil
}

func (opt Options) stage(name string) {
	if opt.Stage != nil {
		opt.Stage(name)
	}
}

// compute runs the study with the graph half's searches gs (the zero value:
// on the input's graphs), each at its stage.
func compute(ctx context.Context, in Input, gs graphs, needGraphs bool) (*Result, error) {
	if gs.walk == nil {
		gs.walk, gs.depots = searchWalk, searchDepots
	}
	opt, err := prepare(in, needGraphs)
	if err != nil {
		return nil, err
	}
	share := opt.DemandShare
	stage := opt.stage
	res := &Result{}
	sh, err := res.capacities(in, opt)
	if err != nil {
		return nil, err
	}

	stage(StageWalk)
	w, err := gs.walk(ctx, in, sh)
	if err != nil {
		return nil, err
	}
	res.takeWalk(w)

	stage(StageFCA)
	fcas, err := accessibility(&w.Matrix, in.Pop, sh, opt)
	if err != nil {
		return nil, err
	}
	c := &res.Cells
	c.Access, c.AccessStep, c.AccessGauss = fcas[0].Access, fcas[1].Access, fcas[2].Access

	stage(StageAssign)
	c.Demand = make([]float64, len(in.Pop))
	for i, p := range in.Pop {
		c.Demand[i] = p * share
	}
	a, err := Assign(ctx, &w.Matrix, c.Demand, sh.places)
	if err != nil {
		return nil, err
	}
	res.takeAssignment(a)

	stage(StageLoads)
	res.shelterLoads(in.Pop, w, fcas)

	res.Depots = make([]DepotResult, len(in.Depots))
	if len(in.Depots) > 0 {
		stage(StageDepots)
		dt, err := gs.depots(ctx, in, c.Center, sh.locs)
		if err != nil {
			return nil, err
		}
		res.depots(in, dt)
	} else {
		n := len(in.Cells)
		c.DepotSeconds, c.Depot, c.DepotWithin = make([]float64, n), make([]int32, n), make([]bool, n)
		for i := range c.DepotSeconds {
			c.DepotSeconds[i], c.Depot[i] = math.Inf(1), -1
		}
		for j := range res.Shelters {
			res.Shelters[j].DepotSeconds = math.Inf(1)
		}
	}

	stage(StageUnits)
	res.Units = unitResults(in, res)
	res.Summary = summarize(in, res, fcas)
	return res, nil
}

// shelterInputs are the per-shelter inputs of the searches, parallel to
// Input.Shelters: places, reach in walking seconds, location.
type shelterInputs struct {
	places, cut []float64
	locs        []orb.Point
}

// capacities fills each shelter's capacity (closed and scaled ones
// included), unit and reach, and returns what the searches need of them.
func (res *Result) capacities(in Input, opt Options) (shelterInputs, error) {
	m := len(in.Shelters)
	mps := in.Standard.Shelters.WalkKPH / 3.6
	res.Shelters = make([]ShelterResult, m)
	sh := shelterInputs{places: make([]float64, m), cut: make([]float64, m), locs: make([]orb.Point, m)}
	for j, s := range in.Shelters {
		c, err := CapacityOf(s, in.Standard.Shelters, opt.DefaultClass)
		if err != nil {
			return sh, err
		}
		sr := &res.Shelters[j]
		sr.CapacityFactor = 1
		switch {
		case in.Closed != nil && in.Closed[j]:
			sr.Closed = true
			c.Places, c.Rule = 0, RuleClosed
		case in.CapacityFactor != nil && in.CapacityFactor[j] != 1:
			// Whole people, as the area rule; the 1e-9 keeps 0.5 × 30 at 15.
			sr.CapacityFactor = in.CapacityFactor[j]
			c.Places = math.Floor(c.Places*sr.CapacityFactor + 1e-9)
		}
		sr.Shelter, sr.Capacity, sr.Unit = s, c, unitOf(in.ShelterUnit, j)
		sr.CutoffSeconds = c.ReachM / mps
		if opt.CutoffSeconds > 0 {
			sr.CutoffSeconds = opt.CutoffSeconds
		}
		sh.places[j], sh.cut[j], sh.locs[j] = c.Places, sr.CutoffSeconds, s.Loc
	}
	return sh, nil
}

// takeWalk keeps the walking matrix, the cells' nearest shelters and each
// shelter's placement on the walk graph.
func (res *Result) takeWalk(w *Walking) {
	res.Matrix = w.Matrix
	c := &res.Cells
	c.Center, c.SnapM, c.NoRoad = w.Center, w.SnapM, w.NoRoad
	c.Nearest, c.NearestSeconds, c.WithinReach = w.Nearest, w.NearestSeconds, w.WithinReach
	for j := range res.Shelters {
		sr := &res.Shelters[j]
		sr.SnapM, sr.Snapped = w.ShelterSnapM[j], w.ShelterErr[j] == nil
		if !sr.Snapped && !sr.Closed {
			sr.PlaceError = w.ShelterErr[j].Error()
		}
	}
}

// accessibility computes the places per resident three ways: 2SFCA (no
// decay), E2SFCA with steps and E2SFCA Gaussian, in that order.
func accessibility(m *Matrix, pop []float64, sh shelterInputs, opt Options) ([]*FCA, error) {
	fcas := make([]*FCA, 3)
	for k, d := range []Decay{None, Step, Gaussian} {
		var err error
		if fcas[k], err = TwoStep(m, pop, sh.places, sh.cut, FCAOptions{Decay: d, Steps: opt.Steps, SigmaShare: opt.SigmaShare}); err != nil {
			return nil, err
		}
	}
	return fcas, nil
}

// takeAssignment keeps the assignment and gives each cell its placed and
// unplaced residents, the shelter taking most of them and their mean walk.
func (res *Result) takeAssignment(a *Assignment) {
	res.Assignment = a
	m := &res.Matrix
	c := &res.Cells
	n := len(a.Placed)
	c.Placed, c.Unplaced = a.Placed, a.Unplaced
	c.Shelter, c.MeanSeconds = make([]int32, n), make([]float64, n)
	for i := 0; i < n; i++ {
		c.Shelter[i], c.MeanSeconds[i] = -1, math.NaN()
		var best, ps float64
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			if x := a.Flow[k]; x > 0 {
				ps += x * m.Seconds[k]
				if x > best {
					best, c.Shelter[i] = x, m.Shelter[k]
				}
			}
		}
		if a.Placed[i] > 0 {
			c.MeanSeconds[i] = ps / a.Placed[i]
		}
	}
}

// shelterLoads fills each shelter's catchment, nearest-only load and
// overflow, its accessibility ratios and its share of the assignment.
func (res *Result) shelterLoads(pop []float64, w *Walking, fcas []*FCA) {
	a, c := res.Assignment, &res.Cells
	for i := range pop {
		sh, sec := w.Matrix.Row(i)
		near := int32(-1)
		for k, j := range sh {
			sr := &res.Shelters[j]
			sr.CellsInReach++
			sr.ResidentsInReach += pop[i]
			sr.UnplacedInReach += a.Unplaced[i]
			if near < 0 || sec[k] < sec[near] {
				near = int32(k)
			}
		}
		switch {
		case near >= 0:
			sr := &res.Shelters[sh[near]]
			sr.NearestLoad += c.Demand[i]
			sr.UnplacedNearest += a.Unplaced[i]
		case w.Nearest[i] >= 0:
			res.Shelters[w.Nearest[i]].BeyondReachNearest += c.Demand[i]
		}
	}
	for j := range res.Shelters {
		sr := &res.Shelters[j]
		sr.Ratio, sr.RatioStep, sr.RatioGauss = fcas[0].Ratio[j], fcas[1].Ratio[j], fcas[2].Ratio[j]
		sr.Load, sr.Spare = a.Load[j], a.Spare[j]
		sr.Relief, sr.ReliefSeconds = a.Relief[j], a.ReliefSeconds[j]
		if sr.Rule != RuleUnknown && sr.NearestLoad > sr.Places {
			sr.Overflow, sr.Overflows = sr.NearestLoad-sr.Places, true
		}
		sr.DepotSeconds, sr.Depot = math.Inf(1), -1
	}
}

// depots fills who is within the depot reach of which depot from the
// drive times dt.
func (res *Result) depots(in Input, dt *DepotTimes) {
	std := in.Standard
	c := &res.Cells
	reach := std.Depots.ReachMinutes * 60
	for d, dep := range in.Depots {
		dr := &res.Depots[d]
		dr.Depot, dr.Unit, dr.SnapM, dr.Snapped = dep, unitOf(in.DepotUnit, d), dt.DepotSnapM[d], dt.DepotErr[d] == nil
		if !dr.Snapped {
			dr.PlaceError = dt.DepotErr[d].Error()
		}
	}
	c.DepotSeconds, c.Depot = dt.CellSeconds, dt.CellDepot
	c.DepotWithin = make([]bool, len(c.DepotSeconds))
	for i := range c.DepotWithin {
		c.DepotWithin[i] = c.DepotSeconds[i] <= reach
		if c.DepotWithin[i] {
			res.Depots[c.Depot[i]].Residents += in.Pop[i]
		}
	}
	for j := range res.Shelters {
		sr := &res.Shelters[j]
		sr.DepotSeconds, sr.Depot = dt.ShelterSeconds[j], dt.ShelterDepot[j]
		sr.DepotWithin = sr.DepotSeconds <= reach
		if sr.DepotWithin && !sr.Closed {
			res.Depots[sr.Depot].Shelters++
		}
	}
}

func unitOf(u []int32, i int) int32 {
	if u == nil {
		return -1
	}
	return u[i]
}

// checkInput returns an error unless the input is consistent; with
// needGraphs the walk graph (and with depots the drive graph) must be given.
func checkInput(in Input, needGraphs bool) error {
	n := len(in.Cells)
	switch {
	case in.Standard == nil:
		return fmt.Errorf("%w: the standard is required", ErrInput)
	case needGraphs && in.Walk == nil:
		return fmt.Errorf("%w: the walk graph is required", ErrInput)
	case len(in.Pop) != n || (in.CellUnit != nil && len(in.CellUnit) != n):
		return fmt.Errorf("%w: %d cells but %d populations, %d cell units", ErrInput, n, len(in.Pop), len(in.CellUnit))
	case in.ShelterUnit != nil && len(in.ShelterUnit) != len(in.Shelters):
		return fmt.Errorf("%w: %d shelters but %d shelter units", ErrInput, len(in.Shelters), len(in.ShelterUnit))
	case in.Closed != nil && len(in.Closed) != len(in.Shelters):
		return fmt.Errorf("%w: %d shelters but %d closed flags", ErrInput, len(in.Shelters), len(in.Closed))
	case in.CapacityFactor != nil && len(in.CapacityFactor) != len(in.Shelters):
		return fmt.Errorf("%w: %d shelters but %d capacity factors", ErrInput, len(in.Shelters), len(in.CapacityFactor))
	case in.DepotUnit != nil && len(in.DepotUnit) != len(in.Depots):
		return fmt.Errorf("%w: %d depots but %d depot units", ErrInput, len(in.Depots), len(in.DepotUnit))
	case needGraphs && len(in.Depots) > 0 && in.Drive == nil:
		return fmt.Errorf("%w: depots need the drive graph", ErrInput)
	case !(in.Standard.Shelters.WalkKPH > 0):
		return fmt.Errorf("%w: shelters.walk_kph = %v", ErrInput, in.Standard.Shelters.WalkKPH)
	}
	for i, p := range in.Pop {
		if !(p >= 0) || math.IsInf(p, 0) {
			return fmt.Errorf("%w: cell %d population %v", ErrInput, i, p)
		}
	}
	for _, u := range [][]int32{in.CellUnit, in.ShelterUnit, in.DepotUnit} {
		for _, x := range u {
			if x < -1 || int(x) >= len(in.Units) {
				return fmt.Errorf("%w: unit %d of %d", ErrInput, x, len(in.Units))
			}
		}
	}
	for j, f := range in.CapacityFactor {
		if !(f >= 0) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: shelter %s capacity factor %v, want a finite number >= 0", ErrInput, in.Shelters[j].ID, f)
		}
	}
	for _, dep := range in.Depots {
		for item, q := range dep.Stock {
			if !(q >= 0) || math.IsInf(q, 0) {
				return fmt.Errorf("%w: depot %s stock %s = %v", ErrInput, dep.ID, item, q)
			}
		}
	}
	return nil
}

func unitResults(in Input, res *Result) []UnitResult {
	std := in.Standard
	c := &res.Cells
	out := make([]UnitResult, len(in.Units))
	times := make([][]float64, len(in.Units))
	weights := make([][]float64, len(in.Units))
	for u := range out {
		out[u].Unit = in.Units[u]
		out[u].Stock = map[string]float64{}
		out[u].StockPerResident = map[string]float64{}
	}
	for i := range in.Cells {
		u := unitOf(in.CellUnit, i)
		if u < 0 {
			continue
		}
		r := &out[u]
		p := in.Pop[i]
		r.Cells++
		r.Residents += p
		r.Demand += c.Demand[i]
		if c.WithinReach[i] {
			r.WithinReach += p
		}
		r.Access += p * c.Access[i]
		r.AccessStep += p * c.AccessStep[i]
		r.AccessGauss += p * c.AccessGauss[i]
		r.Placed += c.Placed[i]
		r.Unplaced += c.Unplaced[i]
		if c.DepotWithin[i] {
			r.DepotWithin += p
		}
		times[u] = append(times[u], c.NearestSeconds[i])
		weights[u] = append(weights[u], p)
	}
	for j, sr := range res.Shelters {
		if u := unitOf(in.ShelterUnit, j); u >= 0 {
			r := &out[u]
			r.Shelters++
			r.Places += sr.Places
			r.AreaM2 += sr.EquivalentAreaM2
			if sr.Rule == RuleUnknown {
				r.UnknownCapacity++
			}
		}
	}
	for d, dep := range in.Depots {
		if u := unitOf(in.DepotUnit, d); u >= 0 {
			for item, q := range dep.Stock {
				out[u].Stock[item] += q
			}
		}
	}
	for u := range out {
		r := &out[u]
		r.PlacesPerResident, r.M2PerResident = math.NaN(), math.NaN()
		if r.Residents > 0 {
			r.PlacesPerResident = r.Places / r.Residents
			r.M2PerResident = r.AreaM2 / r.Residents
			r.Access /= r.Residents
			r.AccessStep /= r.Residents
			r.AccessGauss /= r.Residents
			for item, q := range r.Stock {
				r.StockPerResident[item] = q / r.Residents
			}
		}
		r.Required = std.Shelters.FixedShare * r.Residents
		r.Deficit = math.Max(0, r.Required-r.Places)
		q := stats.WeightedQuantiles(times[u], weights[u], 0.5, 0.9)
		r.P50, r.P90 = q[0], q[1]
	}
	return out
}

func summarize(in Input, res *Result, fcas []*FCA) Summary {
	var s Summary
	c := &res.Cells
	for i, p := range in.Pop {
		s.Residents += p
		s.Demand += c.Demand[i]
		s.AccessTotal += p * c.Access[i]
		if c.WithinReach[i] {
			s.WithinReach += p
		}
		if c.NoRoad[i] {
			s.NoRoadResidents += p
		}
		if c.DepotWithin[i] {
			s.DepotWithin += p
		}
	}
	a := res.Assignment
	for i := range a.Placed {
		s.Placed += a.Placed[i]
		s.Unplaced += a.Unplaced[i]
	}
	s.PersonSeconds = a.PersonSeconds
	s.MeanWalkSeconds = math.NaN()
	if s.Placed > 0 {
		s.MeanWalkSeconds = s.PersonSeconds / s.Placed
	}
	s.Phases, s.Augmentations = a.Phases, a.Augmentations
	s.Shelters = len(res.Shelters)
	for j, sr := range res.Shelters {
		s.Places += sr.Places
		if sr.Rule == RuleUnknown {
			s.UnknownCapacity++
		}
		switch {
		case sr.Closed:
			s.Closed++
		case !sr.Snapped:
			s.UnplacedShelters++
		}
		if sr.Overflows {
			s.NearestOverflowing++
			s.NearestOverflow += sr.Overflow
		}
		if fcas[0].Demand[j] > 0 {
			s.ServedPlaces += sr.Places
		}
		if len(in.Depots) > 0 && !sr.DepotWithin && !sr.Closed {
			s.DepotsUnreached++
		}
	}
	s.PlacesPerResident = math.NaN()
	if s.Residents > 0 {
		s.PlacesPerResident = s.Places / s.Residents
	}
	s.Required = in.Standard.Shelters.FixedShare * s.Residents
	s.Deficit = math.Max(0, s.Required-s.Places)
	return s
}

// CutoffSeconds returns each shelter's reach in walking seconds, as
// Compute uses it (the class's reach distance at the walking speed, or
// Options.CutoffSeconds).
func (in Input) CutoffSeconds() ([]float64, error) {
	opt, err := prepare(in, false)
	if err != nil {
		return nil, err
	}
	var res Result
	sh, err := res.capacities(in, opt)
	return sh.cut, err
}
