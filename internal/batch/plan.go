package batch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/data/facility"
	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/uber/h3-go/v4"
)

// PlanFile is the plan's description in a plan folder; it is written last,
// so its presence marks a complete plan.
const PlanFile = "plan.json"

// Version is the plan format version this package writes and reads.
const Version = 1

// Modes of splitting a study.
const (
	ByH3   = "h3"   // contiguous runs of H3 parent cells of about equal work
	ByUnit = "unit" // whole reporting units
)

// Plan describes a study split into shards. It is plan.json.
type Plan struct {
	Version int       `json:"version"`
	ID      string    `json:"id"` // random; shard outputs carry it so plans never mix
	Created time.Time `json:"created"`
	Study   string    `json:"study"` // the study file, absolute
	Name    string    `json:"name"`  // the study's name
	By      string    `json:"by"`
	// ParentRes is the resolution of the H3 parents that own cells, bases
	// and road nodes.
	ParentRes int `json:"parent_res"`
	// LimitSeconds is the longest turnout + drive a shard answers exactly:
	// the per-base horizon, the widest isochrone and the rescue circle.
	LimitSeconds float64 `json:"limit_seconds"`
	// FastestMPS is the fastest edge of the graph (length / time), m/s.
	FastestMPS float64 `json:"fastest_mps"`
	// ItemMarginM and RoadMarginM are how far beyond its own parents a shard
	// takes cells and bases, and roads: every path of LimitSeconds or less
	// that ends at one of its cells or starts at one of its bases lies inside.
	ItemMarginM float64   `json:"item_margin_m"`
	RoadMarginM float64   `json:"road_margin_m"`
	Graph       GraphInfo `json:"graph"`
	Cells       int       `json:"cells"`
	Bases       int       `json:"bases"`
	// Scenarios names the scenarios, then the times of day ("time 08:00"),
	// in the study's order: each shard answers each after its baseline.
	Scenarios []string `json:"scenarios,omitempty"`
	// With shelters: the walking limit a shard answers exactly (the
	// longest shelter reach, or --walk-margin-minutes), the walk graph's
	// fastest speed (edges or the off-road walk) and the margin of each
	// shard's walk graph; Shelters and Depots count them.
	WalkNodes        int     `json:"walk_nodes,omitempty"` // of the whole walk graph
	WalkLimitSeconds float64 `json:"walk_limit_seconds,omitempty"`
	WalkFastestMPS   float64 `json:"walk_fastest_mps,omitempty"`
	WalkRoadMarginM  float64 `json:"walk_road_margin_m,omitempty"`
	Shelters         int     `json:"shelters,omitempty"`
	Depots           int     `json:"depots,omitempty"`
	Shards           []Shard `json:"shards"`
}

// GraphInfo is what summary.json says of the whole graph.
type GraphInfo struct {
	Meta  graph.Meta `json:"meta"`
	Nodes int        `json:"nodes"`
	Edges int        `json:"edges"`
}

// Shard is one part of a plan.
type Shard struct {
	Index      int    `json:"index"`
	Dir        string `json:"dir"`         // relative to the plan folder
	OwnCells   int    `json:"own_cells"`   // cells whose answer it gives
	Cells      int    `json:"cells"`       // with the margin's
	OwnBases   int    `json:"own_bases"`   // bases whose reach it gives
	Bases      int    `json:"bases"`       // with the margin's
	Nodes      int    `json:"nodes"`       // of its road graph
	Edges      int    `json:"edges"`       //
	GraphBytes int64  `json:"graph_bytes"` // its graph files
	// WalkNodes and WalkEdges are those of its walk graph (shelters);
	// Shelters counts the shelters it places.
	WalkNodes int      `json:"walk_nodes,omitempty"`
	WalkEdges int      `json:"walk_edges,omitempty"`
	Shelters  int      `json:"shelters,omitempty"`
	Units     []string `json:"units,omitempty"`
	// MemoryBytes estimates the worker's peak memory from the shard's size
	// (see memoryEstimate); the Kubernetes manifest requests it.
	MemoryBytes int64 `json:"memory_bytes"`
}

// PlanOptions tune Plan.
type PlanOptions struct {
	Shards    int    // number of shards (by unit: at most one per unit; 0: one per unit)
	By        string // ByH3 (default) or ByUnit
	ParentRes int    // 0: min(study resolution - 2, 7)
	// MarginMinutes widens the limit (and so the margins) beyond the
	// study's horizons, for regions where a cell's nearest base lies farther.
	MarginMinutes float64
	// WalkMarginMinutes is the walking time shards answer exactly, for
	// the walk to a cell's nearest shelter (0: the drive limit; never
	// below the longest shelter reach).
	WalkMarginMinutes float64
	Workers           int
	Generator         string
	Progress          func(stage string)
}

// Errors callers may branch on.
var (
	ErrUnsupported = errors.New("batch: the study asks for something batch runs do not split")
	ErrMargin      = errors.New("batch: the answer reaches the shard's margin")
	ErrIncomplete  = errors.New("batch: plan or shard output missing")
)

// globalInputs is what merge needs of the whole study, read once by plan.
type globalInputs struct {
	PlanID   string
	Study    *study.Study
	Sources  []study.Source
	Coverage coverageInput
	Units    []unitsUnit
	PopRes   int
	PopSrc   string
	// PopEst holds PopSrc's figures when the population was estimated
	// from OSM buildings (summary.json's population_estimate).
	PopEst *population.BuildingEstimate
	// DayPop is the day population per cell and Day how it was made (nil
	// without population.day).
	DayPop []float64
	Day    *study.DayInfo
	Notes  []string
	// NoteMessages are the notes' messages (study.Inputs.NoteMessages).
	NoteMessages []*summary.Message
	// Scenarios are the study's scenarios, in its order.
	Scenarios []planScenario
	Graph     GraphInfo
	Owner     []int32 // per cell: the shard giving its answer
	BaseOwn   []int32 // per base
	UnitOwn   []int32 // per unit: the shard its hive partition goes to
	// Shelter is the shelter study's input (nil without shelters), with
	// the shelters and depots as read, for the tables.
	Shelter  *shelterInput
	Shelters []facility.Shelter
	Depots   []facility.Depot
}

// shardInput is everything one shard reads besides its graph.
type shardInput struct {
	PlanID       string
	Index        int
	Coverage     coverageInput
	CellGlobal   []int32
	CellOwned    []bool
	DayPop       []float64 // per cell of the shard: the day population (nil without one)
	BaseGlobal   []int32
	BaseOwned    []bool
	OwnedParents []h3.Cell // sorted; road-node cells under them are this shard's
	ParentRes    int
	LimitSeconds float64
	FastestMPS   float64
	// Cut are the shard's road nodes that lost an edge to the cut: every
	// path from outside the shard enters through one of them, but for the
	// paths of bases the shard does not hold that may snap onto its roads
	// (Near: within the road margin and a snap distance; SnapM is the
	// snap distance).
	Cut   []orb.Point
	Near  []orb.Point
	SnapM float64
	// Scenarios is the number of scenarios (scenario-KK.bin beside it).
	Scenarios int
	// Shelters is its part of the shelter study (nil without shelters).
	Shelters *shardShelters
	roads    map[h3.Cell]struct{} // the parents of its roads (plan only)
	items    map[h3.Cell]struct{} // the parents of its cells and bases (plan only)
	near     map[h3.Cell]struct{} // the parents of bases that may snap onto its roads (plan only)
}

// Split reads the study (the whole road graph included), splits it, and
// writes dir: plan.json, inputs.bin (what merge needs), and for each shard
// shards/NNNN/graph.rgraph and input.bin, so that a worker reads only its
// own shard. dir must not hold anything but an earlier plan.
func Split(ctx context.Context, st *study.Study, dir string, opt PlanOptions) (*Plan, error) {
	if err := supported(st); err != nil {
		return nil, err
	}
	if opt.By == "" {
		opt.By = ByH3
	}
	if opt.By != ByH3 && opt.By != ByUnit {
		return nil, fmt.Errorf("batch: split by %q: allowed h3 or unit", opt.By)
	}
	if opt.Shards < 0 || (opt.By == ByH3 && opt.Shards < 1) {
		return nil, fmt.Errorf("batch: %d shards: want at least 1", opt.Shards)
	}
	if err := checkPlanDir(dir); err != nil {
		return nil, err
	}
	progress := func(s string) {
		if opt.Progress != nil {
			opt.Progress(s)
		}
	}
	in, err := study.Read(ctx, st, study.Options{Generator: opt.Generator, Workers: opt.Workers, Progress: progress})
	if err != nil {
		return nil, err
	}
	g, ci, std := in.Graph, in.Coverage, st.Standard
	pres := opt.ParentRes
	if pres == 0 {
		pres = min(st.Resolution-2, 7)
	}
	if pres < 0 || pres >= st.Resolution {
		return nil, fmt.Errorf("batch: parent resolution %d: want 0 to %d (below the study's %d)", pres, st.Resolution-1, st.Resolution)
	}
	p := &Plan{Version: Version, ID: newID(), Created: time.Now().UTC().Truncate(time.Second), Study: st.File, Name: st.Name, By: opt.By, ParentRes: pres,
		Graph: GraphInfo{Meta: g.Meta(), Nodes: g.NumNodes(), Edges: g.NumEdges()}, Cells: len(ci.Cells), Bases: len(ci.Bases)}
	p.LimitSeconds = limitSeconds(std, ci.Zone != nil, opt.MarginMinutes)
	progress("scenarios")
	scs, scFastest, err := planScenarios(ctx, st, in)
	if err != nil {
		return nil, err
	}
	for _, sc := range scs {
		p.Scenarios = append(p.Scenarios, sc.Name)
	}
	p.FastestMPS = max(fastestMPS(g), scFastest)
	snap := std.Access.SnapDistanceM
	// Every path of LimitSeconds or less lies within LimitSeconds × the
	// fastest speed of both its ends; a base and a cell it reaches lie
	// within that plus both snap distances; a point snaps to a road within
	// the snap distance. The 1 km slacks cover cells that stick out of
	// their H3 parent.
	p.ItemMarginM = p.LimitSeconds*p.FastestMPS + 2*snap + 1000
	p.RoadMarginM = p.ItemMarginM + snap + 1000

	progress("ownership")
	own, err := ownership(ctx, in, g, pres, opt, newBasePoints(scs))
	if err != nil {
		return nil, err
	}
	var sp *shelterPlan
	if in.Shelter != nil {
		progress("shelters")
		if err := walkMargin(p, in.Shelter, in.WalkGraph, opt.WalkMarginMinutes); err != nil {
			return nil, err
		}
		if sp, err = planShelters(ctx, p, in, own, opt.Workers); err != nil {
			return nil, err
		}
		p.Shelters, p.Depots, p.WalkNodes = len(in.Shelter.Shelters), len(in.Shelter.Depots), in.WalkGraph.NumNodes()
	}

	gi := &globalInputs{PlanID: p.ID, Study: st, Sources: st.Sources(), Coverage: toInput(ci), PopRes: in.Population.Res,
		PopSrc: in.Population.Source, PopEst: in.Population.Estimate, DayPop: in.DayPop, Day: in.Day, Notes: in.Notes, NoteMessages: in.NoteMessages, Scenarios: scs, Graph: p.Graph, Owner: own.cell, BaseOwn: own.base}
	for _, u := range in.Units {
		gi.Units = append(gi.Units, fromUnit(u))
	}
	gi.UnitOwn = unitOwners(ci, own)
	if in.Shelter != nil {
		gi.Shelter, gi.Shelters, gi.Depots = toShelterInput(in.Shelter), in.Shelters, in.Depots
	}
	centres := map[h3.Cell]orb.Point{}
	roads, items, nears := make([]map[h3.Cell]struct{}, own.n), make([]map[h3.Cell]struct{}, own.n), make([]map[h3.Cell]struct{}, own.n)
	bases := make([][]int32, own.n)
	cuts := make([][]orb.Point, own.n)
	for s := 0; s < own.n; s++ {
		progress(fmt.Sprintf("shard %d of %d", s+1, own.n))
		sh, si, err := writeShard(ctx, dir, p, ci, in.DayPop, g, own, s, centres, len(scs), sp)
		if err != nil {
			return nil, err
		}
		roads[s], items[s], nears[s], bases[s], cuts[s] = si.roads, si.items, si.near, si.BaseGlobal, si.Cut
		if opt.By == ByUnit {
			for u, o := range gi.UnitOwn {
				if int(o) == s {
					sh.Units = append(sh.Units, ci.Units[u].ID)
				}
			}
		}
		p.Shards = append(p.Shards, sh)
	}
	if len(scs) > 0 {
		progress("scenario shards")
		if err := writeScenarios(ctx, dir, p, g, ci, own, scs, roads, items, nears, bases, cuts, sp); err != nil {
			return nil, err
		}
	}
	if err := writeGob(filepath.Join(dir, "inputs.bin"), gi); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(dir, PlanFile), p); err != nil {
		return nil, err
	}
	return p, nil
}

// supported says why a study cannot be split, if it cannot. Coverage,
// busy teams (the busy fractions are derived in merge from every cell's
// nearest base), the day population (the same searches weighted by other
// people), scenarios and times of day (each on its changed graph, cut as
// the baseline's; moved and added bases owned by their new place) and
// shelters (walking rows in the shards, the flow in merge; in scenarios
// too, on each scenario's walk graph) split exactly; the rest needs the whole region at once.
func supported(st *study.Study) error {
	var why []string
	if st.Robustness.CriticalSegments > 0 {
		// Segments are ranked by the residents whose fastest paths use
		// them, summed over the whole region, and only the top ones are
		// closed and re-searched: two rounds across shards (sum, rank,
		// then close the top segments where their detours lie), which one
		// Indexed Job does not run.
		why = append(why, "critical segments (ranked by every resident's path over the whole region, then the top closures re-searched: two rounds across shards)")
	}
	if len(why) > 0 {
		return fmt.Errorf("%w: %s: run 'rescuegrid analyze' on one machine, or split a study without them", ErrUnsupported, strings.Join(why, ", "))
	}
	return nil
}

// checkPlanDir makes dir, or accepts it empty or holding an earlier plan.
func checkPlanDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return fmt.Errorf("batch: plan folder: %w", err)
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, PlanFile)); err != nil {
			return fmt.Errorf("batch: plan folder %s is not empty and holds no plan: choose another", dir)
		}
		// An earlier plan: its shards and outputs go, so nothing of it mixes in.
		for _, sub := range []string{"shards", "out", PlanFile, "inputs.bin", "job.yaml"} {
			if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
				return fmt.Errorf("batch: replace the plan in %s: %w", dir, err)
			}
		}
	}
	return nil
}

// limitSeconds is the longest turnout + drive a shard must answer exactly:
// the per-base horizon (second-nearest base), the widest isochrone band,
// the rescue circle and, with "135" zones, their limits; or marginMinutes
// if longer.
func limitSeconds(std *standard.Standard, zones bool, marginMinutes float64) float64 {
	r := std.Rescue
	m := max(r.SecondBaseHorizonMinutes, r.Minutes, marginMinutes)
	if zones {
		m = max(m, r.Rapid.FirstResponderMinutes, r.Rapid.ProfessionalMinutes)
	}
	for _, b := range std.IsochroneMinutes {
		m = max(m, b)
	}
	return m * 60
}

func newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// fastestMPS returns the highest speed of any edge: its straight length
// over its time. A path of T seconds never leaves the circle of T × it.
func fastestMPS(g *graph.Graph) float64 {
	off, tgt, w := g.CSR()
	best := 0.0
	for u := 0; u < g.NumNodes(); u++ {
		a := g.Point(graph.NodeID(u))
		for e := off[u]; e < off[u+1]; e++ {
			d := geo.Haversine(a, g.Point(tgt[e]))
			if d < 1 {
				continue
			}
			if w[e] <= 0 {
				// A metre or more in no time: no speed bounds it; take a
				// conservative 100 m/s rather than an infinite margin.
				best = max(best, 100)
				continue
			}
			best = max(best, d/float64(w[e]))
		}
	}
	return best
}

// owners says which shard answers for what.
type owners struct {
	n       int
	cell    []int32             // per cell
	base    []int32             // per base
	parent  map[h3.Cell]int32   // per H3 parent (of cells, bases and road nodes)
	cellPar []h3.Cell           // per cell
	basePar []h3.Cell           // per base
	nodePar []h3.Cell           // per road node: parent of its study cell
	byShard map[int32][]h3.Cell // parents each shard owns or holds items in
}

func parentOf(c h3.Cell, res int) h3.Cell {
	p, err := c.Parent(res)
	if err != nil {
		return c
	}
	return p
}

// ownership assigns every parent, cell and base to a shard.
// extra are places a shard must own though no cell, base or road may lie
// in their parent: scenarios' moved and added bases.
func ownership(ctx context.Context, in *study.Inputs, g *graph.Graph, pres int, opt PlanOptions, extra []orb.Point) (*owners, error) {
	ci := in.Coverage
	res := ci.Res
	o := &owners{parent: map[h3.Cell]int32{}, byShard: map[int32][]h3.Cell{}}
	o.nodePar = make([]h3.Cell, g.NumNodes())
	err := par.For(ctx, g.NumNodes(), max(opt.Workers, 1), func(v int) error {
		c, err := geo.CellOf(g.Point(graph.NodeID(v)), res)
		o.nodePar[v] = parentOf(c, pres)
		return err
	})
	if err != nil {
		return nil, err
	}
	o.cellPar = make([]h3.Cell, len(ci.Cells))
	for i, c := range ci.Cells {
		o.cellPar[i] = parentOf(c, pres)
	}
	o.basePar = make([]h3.Cell, len(ci.Bases))
	for b, base := range ci.Bases {
		c, err := geo.CellOf(base.Loc, res)
		if err != nil {
			return nil, fmt.Errorf("base %s: %w", base.ID, err)
		}
		o.basePar[b] = parentOf(c, pres)
	}
	// Work per parent: its road nodes, and its cells (each a snap and a
	// handful of reads, about as dear as 20 nodes).
	weight := map[h3.Cell]float64{}
	for _, p := range o.nodePar {
		weight[p]++
	}
	for _, p := range o.cellPar {
		weight[p] += 20
	}
	for _, p := range o.basePar {
		weight[p] += 0
	}
	for _, pt := range extra {
		c, err := geo.CellOf(pt, res)
		if err != nil {
			return nil, fmt.Errorf("scenario base at %.6f,%.6f: %w", pt[0], pt[1], err)
		}
		weight[parentOf(c, pres)] += 0
	}
	if in.Shelter != nil {
		// Shelters and depots are placed by the shard owning their parent.
		ps, err := shelterParents(in.Shelter, res, pres)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			weight[p] += 0
		}
	}
	parents := make([]h3.Cell, 0, len(weight))
	for p := range weight {
		parents = append(parents, p)
	}
	slices.Sort(parents) // H3 order keeps neighbours mostly together
	n := opt.Shards
	if opt.By == ByUnit {
		return o, o.byUnits(ci, parents, weight, n)
	}
	n = min(n, len(parents))
	o.n = n
	split(parents, weight, n, func(p h3.Cell, s int32) { o.parent[p] = s })
	for i := range ci.Cells {
		o.cell = append(o.cell, o.parent[o.cellPar[i]])
	}
	for b := range ci.Bases {
		o.base = append(o.base, o.parent[o.basePar[b]])
	}
	o.index()
	return o, nil
}

// split cuts the sorted parents into n contiguous runs of about equal weight.
func split(parents []h3.Cell, weight map[h3.Cell]float64, n int, set func(h3.Cell, int32)) {
	total := 0.0
	for _, p := range parents {
		total += weight[p]
	}
	cuts := runs(len(parents), n, func(k int) float64 { return weight[parents[k]] / total })
	for k, p := range parents {
		set(p, cuts[k])
	}
}

// runs numbers m items in order 0..n-1 (n <= m) so that each number gets a
// contiguous run of about equal share (share(k) of item k; shares sum to 1)
// and none is skipped, even after an item heavier than 1/n.
func runs(m, n int, share func(k int) float64) []int32 {
	out := make([]int32, m)
	acc, prev := 0.0, int32(0)
	for k := range out {
		s := int32(math.Floor(acc * float64(n)))
		s = min(s, prev+1, int32(n-1))
		s = max(s, prev, int32(n-(m-k))) // a run left for every later number
		out[k], prev = s, s
		acc += share(k)
	}
	return out
}

// byUnits gives each shard whole units: units in the H3 order of their
// first cell, cut into n runs of about equal cells (n = 0: one per unit).
// Parents follow the shard of their first cell in a unit, else the h3 split.
func (o *owners) byUnits(ci coverage.Input, parents []h3.Cell, weight map[h3.Cell]float64, n int) error {
	first := make([]int, len(ci.Units))
	cells := make([]float64, len(ci.Units))
	for u := range first {
		first[u] = -1
	}
	for i, u := range ci.CellUnit {
		if u < 0 {
			continue
		}
		if first[u] < 0 {
			first[u] = i
		}
		cells[u]++
	}
	var used []int
	for u := range ci.Units {
		if first[u] >= 0 {
			used = append(used, u)
		}
	}
	if len(used) == 0 {
		return errors.New("batch: split by unit: no cell lies in a unit")
	}
	sort.SliceStable(used, func(a, b int) bool { return ci.Cells[first[used[a]]] < ci.Cells[first[used[b]]] })
	if n == 0 || n > len(used) {
		n = len(used)
	}
	o.n = n
	unitShard := make([]int32, len(ci.Units))
	for u := range unitShard {
		unitShard[u] = -1
	}
	total := 0.0
	for _, u := range used {
		total += cells[u]
	}
	for k, s := range runs(len(used), n, func(k int) float64 { return cells[used[k]] / total }) {
		unitShard[used[k]] = s
	}
	fallback := map[h3.Cell]int32{}
	split(parents, weight, n, func(p h3.Cell, s int32) { fallback[p] = s })
	for i, u := range ci.CellUnit {
		if u >= 0 {
			if _, ok := o.parent[o.cellPar[i]]; !ok {
				o.parent[o.cellPar[i]] = unitShard[u]
			}
		}
	}
	for _, p := range parents {
		if _, ok := o.parent[p]; !ok {
			o.parent[p] = fallback[p]
		}
	}
	for i, u := range ci.CellUnit {
		s := o.parent[o.cellPar[i]]
		if u >= 0 {
			s = unitShard[u]
		}
		o.cell = append(o.cell, s)
	}
	for b, u := range ci.BaseUnit {
		s := o.parent[o.basePar[b]]
		if u >= 0 && unitShard[u] >= 0 {
			s = unitShard[u]
		}
		o.base = append(o.base, s)
	}
	o.index()
	return nil
}

// index lists, per shard, the parents it owns or holds an owned item in.
func (o *owners) index() {
	seen := map[[2]uint64]bool{}
	add := func(s int32, p h3.Cell) {
		k := [2]uint64{uint64(s), uint64(p)}
		if !seen[k] {
			seen[k] = true
			o.byShard[s] = append(o.byShard[s], p)
		}
	}
	for p, s := range o.parent {
		add(s, p)
	}
	for i, s := range o.cell {
		add(s, o.cellPar[i])
	}
	for b, s := range o.base {
		add(s, o.basePar[b])
	}
	for s := range o.byShard {
		slices.Sort(o.byShard[s])
	}
}

// dilate returns the parents whose area comes within d metres of the area
// of any of ps: ps, and around each of ps on the set's boundary the grid
// disk of k rings (k large enough for d) cut to the parents whose centre
// lies within d + 3 × the largest parent radius (1.5 × the mean edge).
//
// centres memoizes cell centres across calls: the disks of neighbouring
// boundary parents, of both margins and of all shards overlap almost whole.
func dilate(ps []h3.Cell, d float64, centres map[h3.Cell]orb.Point) (map[h3.Cell]struct{}, error) {
	if len(ps) == 0 {
		return map[h3.Cell]struct{}{}, nil
	}
	km, err := h3.HexagonEdgeLengthAvgKm(ps[0].Resolution())
	if err != nil {
		return nil, err
	}
	// 1.5 edges for each of two parent radii, and 1.5 more for the boundary
	// parent standing in for an inner one (the last parent of the set on the
	// straight line out lies within a radius of that line).
	reach := d + 3*1.5*km*1000
	// Each ring reaches at least sqrt(3)/2 × sqrt(3) × the smallest edge
	// (about 0.7 × the mean): 0.9 × the mean edge a ring is safe.
	k := int(math.Ceil(reach/(0.9*km*1000))) + 1
	own := map[h3.Cell]struct{}{}
	for _, p := range ps {
		own[p] = struct{}{}
	}
	// A place near the set is near its boundary or inside it: only the
	// parents with a neighbour outside the set need a disk.
	out := map[h3.Cell]struct{}{}
	for _, p := range ps {
		out[p] = struct{}{}
		ring, err := p.GridDisk(1)
		if err != nil {
			return nil, err
		}
		edge := false
		for _, c := range ring {
			if _, ok := own[c]; !ok {
				edge = true
				break
			}
		}
		if !edge {
			continue
		}
		pc, err := geo.CellCenter(p)
		if err != nil {
			return nil, err
		}
		disk, err := p.GridDisk(k)
		if err != nil {
			return nil, err
		}
		for _, c := range disk {
			if _, ok := out[c]; ok {
				continue
			}
			cc, ok := centres[c]
			if !ok {
				if cc, err = geo.CellCenter(c); err != nil {
					return nil, err
				}
				centres[c] = cc
			}
			if geo.Haversine(pc, cc) <= reach {
				out[c] = struct{}{}
			}
		}
	}
	return out, nil
}

// writeShard cuts shard s's inputs and graph and writes them.
func writeShard(ctx context.Context, dir string, p *Plan, ci coverage.Input, dayPop []float64, g *graph.Graph, o *owners, s int, centres map[h3.Cell]orb.Point, scenarios int, sp *shelterPlan) (Shard, *shardInput, error) {
	sh := Shard{Index: s, Dir: filepath.Join("shards", fmt.Sprintf("%04d", s))}
	mine := o.byShard[int32(s)]
	items, err := dilate(mine, p.ItemMarginM, centres)
	if err != nil {
		return sh, nil, err
	}
	roads, err := dilate(mine, p.RoadMarginM, centres)
	if err != nil {
		return sh, nil, err
	}
	snap := ci.Standard.Access.SnapDistanceM
	near, err := dilate(mine, p.RoadMarginM+snap+1000, centres)
	if err != nil {
		return sh, nil, err
	}
	si := &shardInput{PlanID: p.ID, Index: s, ParentRes: p.ParentRes, LimitSeconds: p.LimitSeconds, FastestMPS: p.FastestMPS, Scenarios: scenarios,
		SnapM: snap, roads: roads, items: items, near: near}
	sub := coverage.Input{Standard: ci.Standard, Res: ci.Res, Units: ci.Units}
	for i, c := range ci.Cells {
		if _, ok := items[o.cellPar[i]]; !ok && o.cell[i] != int32(s) {
			continue
		}
		sub.Cells = append(sub.Cells, c)
		sub.Pop = append(sub.Pop, ci.Pop[i])
		sub.CellUnit = append(sub.CellUnit, ci.CellUnit[i])
		if ci.Zone != nil {
			sub.Zone = append(sub.Zone, ci.Zone[i])
		}
		if dayPop != nil {
			si.DayPop = append(si.DayPop, dayPop[i])
		}
		si.CellGlobal = append(si.CellGlobal, int32(i))
		si.CellOwned = append(si.CellOwned, o.cell[i] == int32(s))
		if o.cell[i] == int32(s) {
			sh.OwnCells++
		}
	}
	if ci.Zone != nil && sub.Zone == nil {
		sub.Zone = []bool{}
	}
	if ci.Busy != nil && sub.Busy == nil {
		sub.Busy = &coverage.BusyInput{Fraction: []float64{}}
	}
	if dayPop != nil && si.DayPop == nil {
		si.DayPop = []float64{}
	}
	for b, base := range ci.Bases {
		if _, ok := items[o.basePar[b]]; !ok && o.base[b] != int32(s) {
			if _, ok := near[o.basePar[b]]; ok {
				si.Near = append(si.Near, base.Loc)
			}
			continue
		}
		sub.Bases = append(sub.Bases, base)
		sub.BaseUnit = append(sub.BaseUnit, ci.BaseUnit[b])
		if ci.Busy != nil {
			if sub.Busy == nil {
				sub.Busy = &coverage.BusyInput{}
			}
			sub.Busy.Fraction = append(sub.Busy.Fraction, ci.Busy.Fraction[b])
		}
		si.BaseGlobal = append(si.BaseGlobal, int32(b))
		si.BaseOwned = append(si.BaseOwned, o.base[b] == int32(s))
		if o.base[b] == int32(s) {
			sh.OwnBases++
		}
	}
	for q, owner := range o.parent {
		if owner == int32(s) {
			si.OwnedParents = append(si.OwnedParents, q)
		}
	}
	slices.Sort(si.OwnedParents)
	si.Coverage = toInput(sub)
	sh.Cells, sh.Bases = len(sub.Cells), len(sub.Bases)

	keep := make([]bool, g.NumNodes())
	for v, q := range o.nodePar {
		_, keep[v] = roads[q]
	}
	if err := ctx.Err(); err != nil {
		return sh, nil, err
	}
	sg, kept, err := g.Subgraph(keep)
	if err != nil {
		return sh, nil, fmt.Errorf("batch: shard %d: %w", s, err)
	}
	si.Cut = cutPoints(g, kept)
	sh.Nodes, sh.Edges = sg.NumNodes(), sg.NumEdges()
	if err := os.MkdirAll(filepath.Join(dir, sh.Dir), 0o755); err != nil {
		return sh, nil, err
	}
	gpath := filepath.Join(dir, sh.Dir, "graph.rgraph")
	if err := sg.WriteFile(gpath); err != nil {
		return sh, nil, err
	}
	if fi, err := os.Stat(gpath); err == nil {
		sh.GraphBytes = fi.Size()
	}
	if sp != nil {
		var own []int32
		for i, gi := range si.CellGlobal {
			if si.CellOwned[i] {
				own = append(own, gi)
			}
		}
		if si.Shelters, err = sp.shard(ctx, dir, &sh, s, mine, own, g.NumNodes(), kept, centres); err != nil {
			return sh, nil, err
		}
	}
	sh.MemoryBytes = memoryEstimate(sh)
	return sh, si, writeGob(filepath.Join(dir, sh.Dir, "input.bin"), si)
}

// cutPoints returns the kept nodes (ascending ids of g) that an edge of g
// joins to a node not kept.
func cutPoints(g *graph.Graph, kept []graph.NodeID) []orb.Point {
	in := make([]bool, g.NumNodes())
	for _, v := range kept {
		in[v] = true
	}
	cut := make([]bool, g.NumNodes())
	off, tgt, _ := g.CSR()
	for u := 0; u < g.NumNodes(); u++ {
		for e := off[u]; e < off[u+1]; e++ {
			v := tgt[e]
			if in[u] != in[v] {
				cut[u] = cut[u] || in[u]
				cut[v] = cut[v] || in[v]
			}
		}
	}
	var out []orb.Point
	for v, c := range cut {
		if c {
			out = append(out, g.Point(graph.NodeID(v)))
		}
	}
	return out
}

// memoryEstimate is a shard worker's peak memory: 450 bytes per road node
// of its graphs (the graph, its reverse, the snap index and the search
// state; 'analyze' measured 325–415 B a node on Porto networks) and 2 KB
// per cell, plus 64 MB for the runtime.
func memoryEstimate(sh Shard) int64 {
	return int64(sh.Nodes+sh.WalkNodes)*450 + int64(sh.Cells)*2048 + 64<<20
}

// unitOwners says which shard's hive partition each unit row goes to:
// the shard of its first cell, else shard 0.
func unitOwners(ci coverage.Input, o *owners) []int32 {
	out := make([]int32, len(ci.Units))
	for u := range out {
		out[u] = -1
	}
	for i, u := range ci.CellUnit {
		if u >= 0 && out[u] < 0 {
			out[u] = o.cell[i]
		}
	}
	for u := range out {
		out[u] = max(out[u], 0)
	}
	return out
}

func writeJSON(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// ReadPlan reads dir/plan.json.
func ReadPlan(dir string) (*Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no %s (run 'rescuegrid batch plan' first)", ErrIncomplete, dir, PlanFile)
		}
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("batch: %s: %w", filepath.Join(dir, PlanFile), err)
	}
	if p.Version != Version {
		return nil, fmt.Errorf("batch: %s is plan version %d, this program reads %d: plan again", dir, p.Version, Version)
	}
	return &p, nil
}
