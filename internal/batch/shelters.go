package batch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/uber/h3-go/v4"
)

// Shelters split as coverage does, in two halves (shelter.Search and
// shelter.Finish). Each shard runs the graph half for the cells it owns:
// the walking matrix rows (cell → every shelter within its reach), each
// cell's nearest shelter whatever its reach, each owned shelter's
// placement, and the drive times from the depots. Merge puts the rows
// together in the study's order and runs the graph-free half once: the
// 2SFCA and E2SFCA, the min-cost-flow assignment, the loads and the
// aggregates, on exactly the rows 'analyze' has, so the answers are the
// same to the bit.
//
// A shard walks on a cut of the pedestrian graph with its own margin: the
// walking limit (the longest shelter reach, or --walk-margin-minutes,
// default the drive limit) times the walk graph's fastest edge, plus the
// snap distances. Every path of a matrix row lies inside it. A shard holds
// the shelters it owns and every shelter whose road (on the whole walk
// graph) lies inside its cut, so any other shelter's path enters through a
// cut node: a cell's nearest shelter is proven when no walk from the
// nearest cut node could beat it, else the shard fails with ErrMargin.
// Depots are held and proven the same way on the shard's drive graph.

// shelterInput is shelter.Input without its graphs and stage hook, as the
// plan stores it.
type shelterInput struct {
	Standard       *standard.Standard
	Cells          []h3.Cell
	Pop            []float64
	CellUnit       []int32
	Units          []shelter.Unit
	Shelters       []shelter.Shelter
	ShelterUnit    []int32
	Depots         []shelter.Depot
	DepotUnit      []int32
	Closed         []bool
	CapacityFactor []float64
	DefaultClass   string
	CutoffSeconds  float64
	DemandShare    float64
	Steps          []float64
	SigmaShare     float64
}

func toShelterInput(si *shelter.Input) *shelterInput {
	o := si.Options
	return &shelterInput{Standard: si.Standard, Cells: si.Cells, Pop: si.Pop, CellUnit: si.CellUnit, Units: si.Units,
		Shelters: si.Shelters, ShelterUnit: si.ShelterUnit, Depots: si.Depots, DepotUnit: si.DepotUnit, Closed: si.Closed,
		CapacityFactor: si.CapacityFactor, DefaultClass: o.DefaultClass, CutoffSeconds: o.CutoffSeconds, DemandShare: o.DemandShare,
		Steps: o.Steps, SigmaShare: o.SigmaShare}
}

func (s *shelterInput) input(walk, drive *graph.Graph, workers int) shelter.Input {
	return shelter.Input{Walk: walk, Drive: drive, Standard: s.Standard, Cells: s.Cells, Pop: s.Pop, CellUnit: s.CellUnit, Units: s.Units,
		Shelters: s.Shelters, ShelterUnit: s.ShelterUnit, Depots: s.Depots, DepotUnit: s.DepotUnit, Closed: s.Closed, CapacityFactor: s.CapacityFactor,
		Options: shelter.Options{DefaultClass: s.DefaultClass, CutoffSeconds: s.CutoffSeconds, DemandShare: s.DemandShare, Steps: s.Steps,
			SigmaShare: s.SigmaShare, Workers: workers}}
}

// shardShelters is a shard's part of the shelter study, in its input.bin:
// its owned cells, the shelters and depots it holds, and its walk graph's
// cut (shards/NNNN/walk.rgraph).
type shardShelters struct {
	Input         *shelterInput // owned cells; held shelters and depots (in the study's order)
	CellGlobal    []int32
	ShelterGlobal []int32
	ShelterOwned  []bool
	DepotGlobal   []int32
	DepotOwned    []bool
	// WalkCut are the walk graph's nodes that lost an edge to the cut;
	// WalkFastestMPS the plan's bound on walking speed (edges and the
	// off-road connector).
	WalkCut        []orb.Point
	WalkFastestMPS float64
	WalkNodes      int    // of the whole walk graph
	WalkFile       string // its cut, in the shard's folder
}

// shelterOutput is a shard's graph half of the shelter study, in the
// study's numbering: per owned cell its walking row and nearest shelter
// and depot, per owned shelter and depot its placement.
type shelterOutput struct {
	Cells          []int32
	SnapM          []float64
	NoRoad         []bool
	Nearest        []int32
	NearestSeconds []float64
	Off            []int32 // rows: entries Off[k] to Off[k+1] of owned cell k
	Shelter        []int32
	Seconds        []float64
	DepotSeconds   []float64 // per owned cell (nil without depots)
	Depot          []int32

	Shelters            []int32
	ShelterSnapM        []float64
	ShelterErr          []string // "" when placed
	ShelterDepotSeconds []float64
	ShelterDepot        []int32

	Depots     []int32
	DepotSnapM []float64
	DepotErr   []string
}

// shelterPlan is what the plan knows of the shelters while it writes the
// shards.
type shelterPlan struct {
	in      *shelter.Input
	walk    *graph.Graph
	nodePar []h3.Cell // per walk node
	shelOwn []int32   // per shelter: the shard reporting its placement
	depOwn  []int32
	// shelNodes and depNodes are the nodes each shelter's (depot's) road
	// touches on the whole walk (drive) graph; nil when it is not placed.
	shelNodes, depNodes [][]graph.NodeID
	roadMarginM         float64
	fastestMPS          float64
	driveNodes          int
	// Per shard, as shard writes them: the parents of its walk graph, its
	// owned cells and its drive graph's nodes.
	roads     []map[h3.Cell]struct{}
	ownCells  [][]int32
	driveKept [][]graph.NodeID
}

// walkMargin sets the plan's walking limit and margin: the longest shelter
// reach, or marginMinutes (0: the drive limit) if longer, at the walk
// graph's fastest edge or the walking speed, whichever is faster.
func walkMargin(p *Plan, si *shelter.Input, walk *graph.Graph, marginMinutes float64) error {
	cuts, err := si.CutoffSeconds()
	if err != nil {
		return err
	}
	limit := p.LimitSeconds
	if marginMinutes > 0 {
		limit = marginMinutes * 60
	}
	for _, c := range cuts {
		limit = max(limit, c)
	}
	std := si.Standard
	p.WalkLimitSeconds = limit
	p.WalkFastestMPS = max(fastestMPS(walk), std.Shelters.WalkKPH/3.6)
	snap := std.Access.SnapDistanceM
	p.WalkRoadMarginM = limit*p.WalkFastestMPS + 3*snap + 2000
	return nil
}

// planShelters places every shelter and depot on the whole graphs and
// gives each an owner: the shard owning its H3 parent.
func planShelters(ctx context.Context, p *Plan, in *study.Inputs, o *owners, workers int) (*shelterPlan, error) {
	si, walk := in.Shelter, in.WalkGraph
	sp := &shelterPlan{in: si, walk: walk, roadMarginM: p.WalkRoadMarginM, fastestMPS: p.WalkFastestMPS, driveNodes: in.Graph.NumNodes()}
	res := in.Coverage.Res
	sp.nodePar = make([]h3.Cell, walk.NumNodes())
	err := par.For(ctx, walk.NumNodes(), max(workers, 1), func(v int) error {
		c, err := geo.CellOf(walk.Point(graph.NodeID(v)), res)
		sp.nodePar[v] = parentOf(c, p.ParentRes)
		return err
	})
	if err != nil {
		return nil, err
	}
	snap := graph.SnapOptions{MaxDistanceM: si.Standard.Access.SnapDistanceM}
	nodes := func(g *graph.Graph, pt orb.Point) []graph.NodeID {
		sn, err := g.Snap(pt, snap)
		if err != nil {
			return nil
		}
		ns, n := g.SnapNodes(sn)
		return ns[:n]
	}
	owner := func(pt orb.Point) (int32, error) {
		c, err := geo.CellOf(pt, res)
		if err != nil {
			return 0, err
		}
		s, ok := o.parent[parentOf(c, p.ParentRes)]
		if !ok {
			return 0, fmt.Errorf("batch: no shard owns the H3 parent of %.6f,%.6f", pt[0], pt[1])
		}
		return s, nil
	}
	for j, s := range si.Shelters {
		own, err := owner(s.Loc)
		if err != nil {
			return nil, fmt.Errorf("shelter %s: %w", s.ID, err)
		}
		sp.shelOwn = append(sp.shelOwn, own)
		if si.Closed == nil || !si.Closed[j] {
			sp.shelNodes = append(sp.shelNodes, nodes(walk, s.Loc))
		} else {
			sp.shelNodes = append(sp.shelNodes, nil)
		}
	}
	for _, d := range si.Depots {
		own, err := owner(d.Loc)
		if err != nil {
			return nil, fmt.Errorf("depot %s: %w", d.ID, err)
		}
		sp.depOwn = append(sp.depOwn, own)
		sp.depNodes = append(sp.depNodes, nodes(in.Graph, d.Loc))
	}
	return sp, nil
}

// shelterParents are the H3 parents of the shelters and depots, which the
// ownership gives a shard like those of cells and bases.
func shelterParents(si *shelter.Input, res, pres int) ([]h3.Cell, error) {
	var out []h3.Cell
	add := func(id string, pt orb.Point) error {
		c, err := geo.CellOf(pt, res)
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		out = append(out, parentOf(c, pres))
		return nil
	}
	for _, s := range si.Shelters {
		if err := add("shelter "+s.ID, s.Loc); err != nil {
			return nil, err
		}
	}
	for _, d := range si.Depots {
		if err := add("depot "+d.ID, d.Loc); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// shard writes shard s's walk graph (the whole walk graph cut to the
// parents within the walking margin of mine) and returns its shelter part.
// driveKept are the whole drive graph's nodes the shard's graph keeps.
func (sp *shelterPlan) shard(ctx context.Context, dir string, sh *Shard, s int, mine []h3.Cell, ownCells []int32, driveNodes int, driveKept []graph.NodeID, centres map[h3.Cell]orb.Point) (*shardShelters, error) {
	roads, err := dilate(mine, sp.roadMarginM, centres)
	if err != nil {
		return nil, err
	}
	sp.roads = append(sp.roads, roads)
	sp.ownCells = append(sp.ownCells, ownCells)
	sp.driveKept = append(sp.driveKept, driveKept)
	ss, wg, err := sp.part(ctx, s, sp.in, sp.walk, filepath.Join(dir, sh.Dir, "walk.rgraph"), sp.shelNodes, driveNodes, driveKept, sp.depNodes)
	if err != nil {
		return nil, err
	}
	sh.WalkNodes, sh.WalkEdges = wg.NumNodes(), wg.NumEdges()
	if fi, err := os.Stat(filepath.Join(dir, sh.Dir, ss.WalkFile)); err == nil {
		sh.GraphBytes += fi.Size()
	}
	for _, owned := range ss.ShelterOwned {
		if owned {
			sh.Shelters++
		}
	}
	return ss, nil
}

// part cuts walk graph walk (the study's, or a scenario's with the same
// nodes) with shard s's walking mask, writes the cut to path unless path
// is "", and returns the shard's part of shelter input si: its owned cells,
// its own shelters and depots and those whose road (shelNodes on walk,
// depNodes on the drive graph of driveNodes nodes) lies inside its cuts.
func (sp *shelterPlan) part(ctx context.Context, s int, si *shelter.Input, walk *graph.Graph, path string, shelNodes [][]graph.NodeID, driveNodes int, driveKept []graph.NodeID, depNodes [][]graph.NodeID) (*shardShelters, *graph.Graph, error) {
	if walk.NumNodes() != len(sp.nodePar) {
		return nil, nil, fmt.Errorf("batch: a walk graph of %d nodes for the study's %d", walk.NumNodes(), len(sp.nodePar))
	}
	keep := make([]bool, walk.NumNodes())
	some := false
	for v, q := range sp.nodePar {
		_, keep[v] = sp.roads[s][q]
		some = some || keep[v]
	}
	if !some {
		// No footway within the walking margin of the shard's own cells
		// (their walks reach no road): the whole walk graph answers them,
		// exactly, where a cut would keep nothing.
		for v := range keep {
			keep[v] = true
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	wg, kept, err := walk.Subgraph(keep)
	if err != nil {
		return nil, nil, fmt.Errorf("batch: shard %d walk graph: %w", s, err)
	}
	if path != "" {
		if err := wg.WriteFile(path); err != nil {
			return nil, nil, err
		}
	}
	walkIn := keptMask(walk.NumNodes(), kept)
	driveIn := keptMask(driveNodes, driveKept)
	ownCells := sp.ownCells[s]
	ss := &shardShelters{CellGlobal: ownCells, WalkCut: cutPoints(walk, kept), WalkFastestMPS: sp.fastestMPS, WalkNodes: walk.NumNodes(), WalkFile: filepath.Base(path)}
	sub := &shelterInput{}
	*sub = *toShelterInput(si)
	sub.Cells, sub.Pop, sub.CellUnit, sub.ShelterUnit, sub.DepotUnit, sub.Units = nil, nil, nil, nil, nil, nil
	sub.Shelters, sub.Depots, sub.Closed, sub.CapacityFactor = nil, nil, nil, nil
	for _, i := range ownCells {
		sub.Cells = append(sub.Cells, si.Cells[i])
		sub.Pop = append(sub.Pop, si.Pop[i])
	}
	for j, sl := range si.Shelters {
		owned := sp.shelOwn[j] == int32(s)
		if !owned && !allIn(walkIn, shelNodes[j]) {
			continue
		}
		sub.Shelters = append(sub.Shelters, sl)
		if si.Closed != nil {
			sub.Closed = append(sub.Closed, si.Closed[j])
		}
		if si.CapacityFactor != nil {
			sub.CapacityFactor = append(sub.CapacityFactor, si.CapacityFactor[j])
		}
		ss.ShelterGlobal = append(ss.ShelterGlobal, int32(j))
		ss.ShelterOwned = append(ss.ShelterOwned, owned)
	}
	for d, dep := range si.Depots {
		owned := sp.depOwn[d] == int32(s)
		if !owned && !allIn(driveIn, depNodes[d]) {
			continue
		}
		sub.Depots = append(sub.Depots, dep)
		ss.DepotGlobal = append(ss.DepotGlobal, int32(d))
		ss.DepotOwned = append(ss.DepotOwned, owned)
	}
	ss.Input = sub
	return ss, wg, nil
}

// snapNodes returns the nodes each point's road touches on g (nil where
// the point is not placed, or skip says so).
func snapNodes(g *graph.Graph, pts []orb.Point, snapM float64, skip func(int) bool) [][]graph.NodeID {
	out := make([][]graph.NodeID, len(pts))
	for k, pt := range pts {
		if skip != nil && skip(k) {
			continue
		}
		sn, err := g.Snap(pt, graph.SnapOptions{MaxDistanceM: snapM})
		if err != nil {
			continue
		}
		ns, n := g.SnapNodes(sn)
		out[k] = slices.Clone(ns[:n])
	}
	return out
}

// shelterVariant is a scenario's shelter study as the plan and merge see
// it: the study's with closed shelters, scaled capacities and, when its
// closures close footways, its own walk graph.
type shelterVariant struct {
	Closed          []bool
	CapacityFactor  []float64
	WalkChanged     bool
	WalkClosedEdges int
	InClosedAreas   []string
	walk            func() (*graph.Graph, error) // makes the scenario's walk graph (plan only)
}

// variantInput is the study's shelter input si with the variant's changes.
func (v *shelterVariant) variantInput(si shelter.Input) shelter.Input {
	si.Closed, si.CapacityFactor = v.Closed, v.CapacityFactor
	return si
}

// writeVariant writes scenario k's shelter part of every shard into the
// shards' scenario files: the scenario's walk graph cut as the baseline's
// (walk-KK.rgraph, when its closures close footways), its shelters held
// by where their roads lie on it, and its depots by where their roads lie
// on the scenario's drive graph sg (driveKept[s]: shard s's nodes of it).
func (sp *shelterPlan) writeVariant(ctx context.Context, dir string, p *Plan, k int, v *shelterVariant, sg *graph.Graph, driveKept [][]graph.NodeID, out []*shardScenario) error {
	si := v.variantInput(*sp.in)
	walk := sp.walk
	if v.WalkChanged {
		var err error
		if walk, err = v.walk(); err != nil {
			return err
		}
	}
	snapM := si.Standard.Access.SnapDistanceM
	locs := make([]orb.Point, len(si.Shelters))
	for j, sl := range si.Shelters {
		locs[j] = sl.Loc
	}
	shelNodes := snapNodes(walk, locs, snapM, func(j int) bool { return si.Closed != nil && si.Closed[j] })
	depNodes := sp.depNodes
	if sg != nil {
		dl := make([]orb.Point, len(si.Depots))
		for d, dep := range si.Depots {
			dl[d] = dep.Loc
		}
		depNodes = snapNodes(sg, dl, snapM, nil)
	}
	driveNodes := sp.driveNodes
	if sg != nil {
		driveNodes = sg.NumNodes()
	}
	for s, sh := range p.Shards {
		path := ""
		if v.WalkChanged {
			path = scenarioPath(dir, sh.Dir, k, "walk.rgraph")
		}
		kept := sp.driveKept[s]
		if sg != nil {
			kept = driveKept[s]
		}
		ss, _, err := sp.part(ctx, s, &si, walk, path, shelNodes, driveNodes, kept, depNodes)
		if err != nil {
			return err
		}
		if path == "" {
			ss.WalkFile = "walk.rgraph"
		}
		out[s].Shelters = ss
	}
	return nil
}

// keptMask marks the kept nodes of a graph of n nodes.
func keptMask(n int, kept []graph.NodeID) []bool {
	in := make([]bool, n)
	for _, v := range kept {
		in[v] = true
	}
	return in
}

// allIn says whether nodes (a road's nodes; nil: not placed) are all kept.
func allIn(in []bool, nodes []graph.NodeID) bool {
	if nodes == nil {
		return false
	}
	for _, v := range nodes {
		if int(v) >= len(in) || !in[v] {
			return false
		}
	}
	return true
}

// provenBy says whether a time t to a point at ctr, snapped snapM metres
// off its road and walked there at connector m/s, cannot be beaten by a
// path entering through any of the cut nodes at the fastest m/s: such a
// path covers at least the straight line from the cut node to the point's
// road.
func provenBy(cut []orb.Point, fastest, connector float64, ctr orb.Point, t, snapM float64) bool {
	if math.IsInf(t, 1) || fastest <= 0 {
		return false
	}
	move := t - snapM/connector
	for _, q := range cut {
		if (geo.Haversine(ctr, q)-snapM)/fastest < move {
			return false
		}
	}
	return true
}

// runShelters runs the graph half of the shelter study for shard index's
// owned cells, on its walk graph and its drive graph g, and fails with
// ErrMargin when an answer could lie beyond the margin.
// ss is the shard's part (the baseline's or a scenario's), g its drive
// graph and cut that graph's cut nodes.
func runShelters(ctx context.Context, dir string, p *Plan, si *shardInput, ss *shardShelters, g *graph.Graph, cut []orb.Point, workers int) (*shelterOutput, error) {
	walk, err := graph.Open(filepath.Join(dir, p.Shards[si.Index].Dir, ss.WalkFile), graph.OpenOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = walk.Close() }() // read-only mapping
	in := ss.Input.input(walk, g, workers)
	part, err := shelter.Search(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("batch: shard %d: shelters: %w", si.Index, err)
	}
	std := ss.Input.Standard
	walkMPS, driveWalk := std.Shelters.WalkKPH/3.6, std.WalkMPS()
	wholeWalk, wholeDrive := walk.NumNodes() == ss.WalkNodes, g.NumNodes() == p.Graph.Nodes
	w, dt := part.Walk, part.Depots
	snap := graph.SnapOptions{MaxDistanceM: std.Access.SnapDistanceM}
	// driveProven says a depot's time to pt is the whole drive graph's.
	driveProven := func(pt orb.Point, t float64) bool {
		if wholeDrive {
			return true
		}
		sn, err := g.Snap(pt, snap)
		if err != nil {
			return math.IsInf(t, 1) // no road: no depot reaches it on any graph
		}
		return provenBy(cut, si.FastestMPS, driveWalk, pt, t, sn.DistanceM)
	}
	out := &shelterOutput{Cells: ss.CellGlobal, SnapM: w.SnapM, NoRoad: w.NoRoad, Off: w.Matrix.Off, Seconds: w.Matrix.Seconds, NearestSeconds: w.NearestSeconds}
	global := func(ids []int32, k int32) int32 {
		if k < 0 {
			return -1
		}
		return ids[k]
	}
	var walkFar, driveFar []int
	for k := range ss.CellGlobal {
		out.Nearest = append(out.Nearest, global(ss.ShelterGlobal, w.Nearest[k]))
		if !wholeWalk && !w.NoRoad[k] && !provenBy(ss.WalkCut, ss.WalkFastestMPS, walkMPS, w.Center[k], w.NearestSeconds[k], w.SnapM[k]) {
			walkFar = append(walkFar, k)
		}
		if dt != nil {
			out.DepotSeconds = append(out.DepotSeconds, dt.CellSeconds[k])
			out.Depot = append(out.Depot, global(ss.DepotGlobal, dt.CellDepot[k]))
			if !driveProven(w.Center[k], dt.CellSeconds[k]) {
				driveFar = append(driveFar, k)
			}
		}
	}
	for _, j := range w.Matrix.Shelter {
		out.Shelter = append(out.Shelter, ss.ShelterGlobal[j])
	}
	for j, owned := range ss.ShelterOwned {
		if !owned {
			continue
		}
		out.Shelters = append(out.Shelters, ss.ShelterGlobal[j])
		out.ShelterSnapM = append(out.ShelterSnapM, w.ShelterSnapM[j])
		out.ShelterErr = append(out.ShelterErr, errText(w.ShelterErr[j]))
		if dt != nil {
			out.ShelterDepotSeconds = append(out.ShelterDepotSeconds, dt.ShelterSeconds[j])
			out.ShelterDepot = append(out.ShelterDepot, global(ss.DepotGlobal, dt.ShelterDepot[j]))
			if !driveProven(ss.Input.Shelters[j].Loc, dt.ShelterSeconds[j]) {
				driveFar = append(driveFar, -1-j)
			}
		}
	}
	for d, owned := range ss.DepotOwned {
		if !owned {
			continue
		}
		out.Depots = append(out.Depots, ss.DepotGlobal[d])
		out.DepotSnapM = append(out.DepotSnapM, dt.DepotSnapM[d])
		out.DepotErr = append(out.DepotErr, errText(dt.DepotErr[d]))
	}
	if len(walkFar) > 0 {
		k := walkFar[0]
		t := "no shelter is reached on foot"
		if !math.IsInf(w.NearestSeconds[k], 1) {
			t = fmt.Sprintf("its nearest shelter is a %.0f-second walk", w.NearestSeconds[k])
		}
		return nil, fmt.Errorf("%w: shard %d: %d of its cells have no nearest shelter the shard's walk graph can prove (first: cell %s, %s); a nearer shelter may lie beyond the walking margin, so the answer is not given: plan again with --walk-margin-minutes above the longest walk to a nearest shelter",
			ErrMargin, si.Index, len(walkFar), ss.Input.Cells[k], t)
	}
	if len(driveFar) > 0 {
		what := ""
		if k := driveFar[0]; k >= 0 {
			what = "cell " + ss.Input.Cells[k].String()
		} else {
			what = "shelter " + ss.Input.Shelters[-1-k].ID
		}
		return nil, fmt.Errorf("%w: shard %d: %d of its cells and shelters have no nearest depot the shard's roads can prove (first: %s); a nearer depot may lie beyond the margin, so the answer is not given: plan again with --margin-minutes above the longest drive from a depot",
			ErrMargin, si.Index, len(driveFar), what)
	}
	return out, nil
}

// mergeShelters gathers every shard's graph half of the shelter study in
// the study's order and runs the graph-free half on it.
// si is the study's shelter input (or a scenario's); pick takes the part
// of each shard's output to gather.
func mergeShelters(ctx context.Context, dir string, p *Plan, si shelter.Input, pick func(*shardOutput) *shelterOutput) (*shelter.Result, error) {
	n, m, nd := len(si.Cells), len(si.Shelters), len(si.Depots)
	w := &shelter.Walking{
		Center: make([]orb.Point, n), SnapM: make([]float64, n), NoRoad: make([]bool, n),
		Nearest: make([]int32, n), NearestSeconds: make([]float64, n), WithinReach: make([]bool, n),
		ShelterSnapM: make([]float64, m), ShelterErr: make([]error, m),
	}
	var dt *shelter.DepotTimes
	if nd > 0 {
		dt = &shelter.DepotTimes{CellSeconds: make([]float64, n), CellDepot: make([]int32, n), ShelterSeconds: make([]float64, m),
			ShelterDepot: make([]int32, m), DepotSnapM: make([]float64, nd), DepotErr: make([]error, nd)}
	}
	rowShelter, rowSeconds := make([][]int32, n), make([][]float64, n)
	seen, shelSeen, depSeen := make([]bool, n), make([]bool, m), make([]bool, nd)
	asErr := func(msg string) error {
		switch msg {
		case "":
			return nil
		case shelter.ErrClosed.Error():
			return shelter.ErrClosed
		}
		return errors.New(msg)
	}
	for s := range p.Shards {
		var whole shardOutput
		if err := readGob(OutputPath(dir, s), &whole); err != nil {
			return nil, err
		}
		o := pick(&whole)
		if o == nil {
			return nil, fmt.Errorf("batch: %s has no shelter answer: run shard %d again with --force", OutputPath(dir, s), s)
		}
		for k, i := range o.Cells {
			if seen[i] {
				return nil, fmt.Errorf("batch: cell %s has two shelter answers", si.Cells[i])
			}
			seen[i] = true
			w.SnapM[i], w.NoRoad[i], w.Nearest[i], w.NearestSeconds[i] = o.SnapM[k], o.NoRoad[k], o.Nearest[k], o.NearestSeconds[k]
			lo, hi := o.Off[k], o.Off[k+1]
			rowShelter[i], rowSeconds[i] = o.Shelter[lo:hi], o.Seconds[lo:hi]
			w.WithinReach[i] = hi > lo
			if dt != nil {
				dt.CellSeconds[i], dt.CellDepot[i] = o.DepotSeconds[k], o.Depot[k]
			}
		}
		for k, j := range o.Shelters {
			if shelSeen[j] {
				return nil, fmt.Errorf("batch: shelter %s is placed by two shards", si.Shelters[j].ID)
			}
			shelSeen[j] = true
			w.ShelterSnapM[j], w.ShelterErr[j] = o.ShelterSnapM[k], asErr(o.ShelterErr[k])
			if dt != nil {
				dt.ShelterSeconds[j], dt.ShelterDepot[j] = o.ShelterDepotSeconds[k], o.ShelterDepot[k]
			}
		}
		for k, d := range o.Depots {
			if depSeen[d] {
				return nil, fmt.Errorf("batch: depot %s is placed by two shards", si.Depots[d].ID)
			}
			depSeen[d] = true
			dt.DepotSnapM[d], dt.DepotErr[d] = o.DepotSnapM[k], asErr(o.DepotErr[k])
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("batch: no shard gives cell %s's shelters", si.Cells[i])
		}
		ctr, err := geo.CellCenter(si.Cells[i])
		if err != nil {
			return nil, err
		}
		w.Center[i] = ctr
	}
	if j := slices.Index(shelSeen, false); j >= 0 {
		return nil, fmt.Errorf("batch: no shard places shelter %s", si.Shelters[j].ID)
	}
	if d := slices.Index(depSeen, false); d >= 0 {
		return nil, fmt.Errorf("batch: no shard places depot %s", si.Depots[d].ID)
	}
	mx := &w.Matrix
	mx.Cells, mx.Shelters, mx.Off = n, m, make([]int32, n+1)
	for i := range rowShelter {
		mx.Off[i+1] = mx.Off[i] + int32(len(rowShelter[i]))
		mx.Shelter = append(mx.Shelter, rowShelter[i]...)
		mx.Seconds = append(mx.Seconds, rowSeconds[i]...)
	}
	if mx.Shelter == nil {
		mx.Shelter, mx.Seconds = []int32{}, []float64{}
	}
	r, err := shelter.Finish(ctx, si, &shelter.Partial{Walk: w, Depots: dt})
	if err != nil {
		return nil, fmt.Errorf("shelters: %w", err)
	}
	return r, nil
}

// errText is err's message, "" for nil: how a shard's answer carries a
// shelter's or depot's placement error.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
