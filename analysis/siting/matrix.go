package siting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// Seconds is a travel time in seconds as the matrix stores it. float32 keeps
// an entry at 8 bytes; its resolution (under a millisecond at an hour) is far
// finer than any road speed model.
type Seconds float32

// An Entry is one demand cell a site reaches within the horizon: the cell's
// index into Matrix.Pop (and Matrix.Cells) and the travel time.
type Entry struct {
	Cell    uint32
	Seconds Seconds
}

// DefaultWalkKPH is the off-road walking speed from a cell centre to its
// road, the cn-grassroots preset's access.walk_kph (DOMAIN.md).
const DefaultWalkKPH = 4.5

// MatrixOptions tune NewMatrix.
type MatrixOptions struct {
	// HorizonSeconds bounds every search: a cell farther than this from a
	// site is not in its row. It must be at least the rescue circle for
	// coverage, and should be the p-median penalty for p-median. Required.
	HorizonSeconds float64
	// TurnoutSeconds is added to every time (dispatch to wheels rolling).
	TurnoutSeconds float64
	// WalkKPH is the off-road walking speed from the road to a cell centre
	// (<= 0 means DefaultWalkKPH).
	WalkKPH float64
	// SnapDistanceM is how far from a usable road a cell centre or a site
	// may lie (<= 0 means graph.DefaultSnapDistanceM).
	SnapDistanceM float64
	// Workers is how many searches run at once (<= 0: GOMAXPROCS).
	Workers int
	// Dijkstra makes every site's search a bounded Dijkstra. By default
	// the searches sweep the graph's contraction hierarchy restricted to
	// the cells' roads (RPHAST) when the graph has one. Both give the same
	// times to within rounding (1e-9 s before the float32 of an entry).
	Dijkstra bool
}

// Demand is the residents: H3 cells (any one resolution) and the residents
// of each, parallel slices. Cells with no residents are kept (their index
// stays valid) but get no matrix entries.
type Demand struct {
	Cells []h3.Cell
	Pop   []float64
}

// Matrix is a sparse site × demand-cell travel-time matrix: for every site,
// the cells it reaches within the horizon, sorted by time (ties by cell).
// It is immutable after construction and safe for concurrent use; the
// slices it exposes must not be modified.
type Matrix struct {
	// Sites are the sites, in the order given: row j is Sites[j].
	Sites []Site
	// Cells and Pop are the demand, as given (Cells is nil for a matrix
	// built by MatrixFromRows).
	Cells []h3.Cell
	Pop   []float64
	// NoRoad marks cells whose centre is farther than the snap distance
	// from a usable road: no site reaches them (nil: none).
	NoRoad []bool
	// Unplaced lists the sites farther than the snap distance from a usable
	// road, with the reason; their rows are empty.
	Unplaced []UnplacedSite
	// HorizonSeconds is the bound every row was searched to.
	HorizonSeconds float64

	off []int   // len(Sites)+1: row j is ent[off[j]:off[j+1]]
	ent []Entry // all rows
}

// UnplacedSite is a site that could not be put on the road network.
type UnplacedSite struct {
	Site int
	Err  error
}

// ErrInput is wrapped by the errors about inconsistent input.
var ErrInput = errors.New("siting: inconsistent input")

// NumSites returns the number of sites (rows).
func (m *Matrix) NumSites() int { return len(m.Sites) }

// NumCells returns the number of demand cells (columns).
func (m *Matrix) NumCells() int { return len(m.Pop) }

// NumEntries returns the number of (site, cell) pairs stored.
func (m *Matrix) NumEntries() int { return len(m.ent) }

// Row returns site j's entries, sorted by time. The slice belongs to the
// matrix and must not be modified.
func (m *Matrix) Row(j int) []Entry { return m.ent[m.off[j]:m.off[j+1]] }

// Time returns the travel time from site j to cell i, and false when i is
// not within the horizon of j. It is a scan of row j: for tests and
// reports, not for hot loops.
func (m *Matrix) Time(j, i int) (Seconds, bool) {
	for _, e := range m.Row(j) {
		if int(e.Cell) == i {
			return e.Seconds, true
		}
	}
	return 0, false
}

// MemoryBytes returns the bytes held by the matrix's rows and row offsets
// (8 bytes an entry, 8 a site), not counting the sites and demand slices
// the caller gave.
func (m *Matrix) MemoryBytes() int { return 8*len(m.ent) + 8*len(m.off) }

// MatrixFromRows builds a matrix from rows given directly (rows[j] is site
// j's entries; any order, a cell at most once a row), for instances whose
// times come from elsewhere and for tests. Entries beyond horizonSeconds are
// dropped. The rows are copied.
func MatrixFromRows(sites []Site, pop []float64, rows [][]Entry, horizonSeconds float64) (*Matrix, error) {
	if len(rows) != len(sites) {
		return nil, fmt.Errorf("%w: %d sites but %d rows", ErrInput, len(sites), len(rows))
	}
	if !(horizonSeconds > 0) {
		return nil, fmt.Errorf("%w: horizon %v s: want > 0", ErrInput, horizonSeconds)
	}
	for i, p := range pop {
		if !(p >= 0) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("%w: cell %d has population %v", ErrInput, i, p)
		}
	}
	m := &Matrix{Sites: slices.Clone(sites), Pop: slices.Clone(pop), HorizonSeconds: horizonSeconds, off: make([]int, len(sites)+1)}
	for j, r := range rows {
		m.off[j+1] = m.off[j] + len(r)
	}
	m.ent = make([]Entry, 0, m.off[len(sites)])
	seen := make([]int, len(pop))
	for j, r := range rows {
		start := len(m.ent)
		for _, e := range r {
			switch {
			case int(e.Cell) >= len(pop):
				return nil, fmt.Errorf("%w: row %d: cell %d of %d", ErrInput, j, e.Cell, len(pop))
			case !(e.Seconds >= 0) || math.IsInf(float64(e.Seconds), 0):
				return nil, fmt.Errorf("%w: row %d: cell %d: %v s", ErrInput, j, e.Cell, e.Seconds)
			case seen[e.Cell] == j+1:
				return nil, fmt.Errorf("%w: row %d: cell %d twice", ErrInput, j, e.Cell)
			}
			seen[e.Cell] = j + 1
			if float64(e.Seconds) <= horizonSeconds && pop[e.Cell] > 0 {
				m.ent = append(m.ent, e)
			}
		}
		sortRow(m.ent[start:])
		m.off[j+1] = len(m.ent)
	}
	return m, nil
}

func sortRow(r []Entry) { sortRowKeys(r, nil) }

// sortRowKeys sorts r by time, then cell, as one uint64 key per entry (the
// time's float32 bits above the cell: times are >= 0, so the bits order as
// the times do), in keys' storage; it returns keys for reuse. A row holding
// a negative zero (bits that would order last) is sorted by comparison.
func sortRowKeys(r []Entry, keys []uint64) []uint64 {
	keys = keys[:0]
	for _, e := range r {
		b := math.Float32bits(float32(e.Seconds))
		if b >= 1<<31 { // negative (-0): not in key order
			slices.SortFunc(r, func(a, b Entry) int {
				if c := cmp.Compare(a.Seconds, b.Seconds); c != 0 {
					return c
				}
				return cmp.Compare(a.Cell, b.Cell)
			})
			return keys
		}
		keys = append(keys, uint64(b)<<32|uint64(e.Cell))
	}
	slices.Sort(keys)
	for i, k := range keys {
		r[i] = Entry{Cell: uint32(k), Seconds: Seconds(math.Float32frombits(uint32(k >> 32)))}
	}
	return keys
}

// NewMatrix computes the travel time from every site to every demand cell
// within the horizon: one bounded forward search per site (station to
// resident), run on opt.Workers goroutines. A cell's time is the turnout,
// the drive from the site's road point to the cell centre's road point, and
// the walk from there to the centre (as package coverage computes it).
// Sites and cell centres are snapped to the nearest usable road; a site
// that cannot be is listed in Unplaced, a cell in NoRoad.
func NewMatrix(ctx context.Context, g *graph.Graph, sites []Site, d Demand, opt MatrixOptions) (*Matrix, error) {
	if err := checkMatrixInput(g, d, opt); err != nil {
		return nil, err
	}
	n := len(d.Cells)
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	snapOpt := graph.SnapOptions{MaxDistanceM: opt.SnapDistanceM}
	m := &Matrix{Sites: slices.Clone(sites), Cells: d.Cells, Pop: d.Pop, NoRoad: make([]bool, n), HorizonSeconds: opt.HorizonSeconds}
	snaps, walkS, err := m.snapCells(ctx, g, opt, snapOpt, workers)
	if err != nil {
		return nil, err
	}

	// Sites onto the roads.
	var groups [][]route.Seed
	var which []int
	var siteSnaps []graph.Snap
	turnout := graph.Seconds(opt.TurnoutSeconds)
	for j, s := range sites {
		sn, err := g.Snap(s.Loc, snapOpt)
		if err != nil {
			m.Unplaced = append(m.Unplaced, UnplacedSite{Site: j, Err: err})
			continue
		}
		groups = append(groups, route.SnapSeeds(g, sn, 0, turnout))
		which = append(which, j)
		siteSnaps = append(siteSnaps, sn)
	}

	rows, err := m.searchRows(ctx, g, groups, which, siteSnaps, snaps, walkS, opt.Dijkstra, workers)
	if err != nil {
		return nil, err
	}
	m.off = make([]int, len(sites)+1)
	for j, r := range rows {
		m.off[j+1] = m.off[j] + len(r)
	}
	m.ent = make([]Entry, m.off[len(sites)])
	for j, r := range rows {
		copy(m.ent[m.off[j]:], r)
		rows[j] = nil
	}
	return m, nil
}

// checkMatrixInput checks NewMatrix's input: a graph, a population per
// cell (finite, >= 0), a finite horizon > 0, a turnout >= 0, and at most
// MaxUint32 cells.
func checkMatrixInput(g *graph.Graph, d Demand, opt MatrixOptions) error {
	n := len(d.Cells)
	switch {
	case g == nil:
		return fmt.Errorf("%w: no graph", ErrInput)
	case len(d.Pop) != n:
		return fmt.Errorf("%w: %d cells but %d populations", ErrInput, n, len(d.Pop))
	case !(opt.HorizonSeconds > 0) || math.IsInf(opt.HorizonSeconds, 0):
		return fmt.Errorf("%w: horizon %v s: want a number > 0", ErrInput, opt.HorizonSeconds)
	case !(opt.TurnoutSeconds >= 0):
		return fmt.Errorf("%w: turnout %v s: want >= 0", ErrInput, opt.TurnoutSeconds)
	case n > math.MaxUint32:
		return fmt.Errorf("%w: %d cells: at most %d", ErrInput, n, uint32(math.MaxUint32))
	}
	for i, p := range d.Pop {
		if !(p >= 0) || math.IsInf(p, 0) {
			return fmt.Errorf("%w: cell %s has population %v", ErrInput, d.Cells[i], p)
		}
	}
	return nil
}

// snapCells puts the populated cell centres onto the roads (m.NoRoad where
// none is near) and returns each one's snap and walk in seconds.
func (m *Matrix) snapCells(ctx context.Context, g *graph.Graph, opt MatrixOptions, snapOpt graph.SnapOptions, workers int) ([]graph.Snap, []float64, error) {
	n := len(m.Cells)
	walk := opt.WalkKPH
	if walk <= 0 {
		walk = DefaultWalkKPH
	}
	walkMPS := walk / 3.6
	snaps := make([]graph.Snap, n)
	walkS := make([]float64, n)
	err := parallel(ctx, n, workers, func(i int) error {
		if m.Pop[i] <= 0 {
			return nil
		}
		ctr, err := geo.CellCenter(m.Cells[i])
		if err != nil {
			return err
		}
		sn, err := g.Snap(ctr, snapOpt)
		if err != nil {
			m.NoRoad[i] = true
			return nil
		}
		snaps[i], walkS[i] = sn, sn.DistanceM/walkMPS
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return snaps, walkS, nil
}

// searchRows runs one bounded search per placed site (groups, site which[k],
// snapped at siteSnaps[k]) and returns each site's row of cells within the
// horizon, sorted; each worker keeps a stamp per cell so a cell next to two
// reached nodes is visited once. The cells on the site's own road are
// visited too, reached or not through its ends: the direct drive along the
// road may be within the horizon when neither end is (a road longer than
// the horizon).
//
// With a contraction hierarchy (and not opt.Dijkstra) the searches are
// restricted sweeps (RPHAST) to the ends of the cells' roads; sites are
// taken by place (localRows) so that each sweeps only the targets its
// place can reach, and the rest together over every target.
func (m *Matrix) searchRows(ctx context.Context, g *graph.Graph, groups [][]route.Seed, which []int, siteSnaps, snaps []graph.Snap, walkS []float64, dijkstra bool, workers int) ([][]Entry, error) {
	n := len(m.Cells)
	use := func(i int) bool { return m.Pop[i] > 0 && !m.NoRoad[i] }
	off, idx := cellIndex(g, snaps, n, use)
	byRoad := roadIndex(snaps, n, use)
	type scratch struct {
		stamp []int32
		row   []Entry
		keys  []uint64
	}
	pool := make(chan *scratch, workers)
	for w := 0; w < workers; w++ {
		pool <- &scratch{stamp: make([]int32, n)}
	}
	rows := make([][]Entry, len(m.Sites))
	horizon := m.HorizonSeconds
	// row reads site k's row from its finished search s.
	row := func(k int, s *route.Search) {
		sc := <-pool
		defer func() { pool <- sc }()
		stamp := int32(k + 1)
		sc.row = sc.row[:0]
		for _, v := range s.Settled() {
			for _, ci := range idx[off[v]:off[v+1]] {
				if sc.stamp[ci] == stamp {
					continue
				}
				sc.stamp[ci] = stamp
				t, _, ok := route.PointTime(s, snaps[ci])
				if !ok {
					continue
				}
				if tt := float64(t) + walkS[ci]; tt <= horizon {
					sc.row = append(sc.row, Entry{Cell: uint32(ci), Seconds: Seconds(tt)})
				}
			}
		}
		for _, ci := range byRoad.on(siteSnaps[k]) {
			if sc.stamp[ci] == stamp {
				continue
			}
			sc.stamp[ci] = stamp
			// Neither end of the road was reached: the direct drive is
			// the only way within the horizon (what PointTime adds).
			if t, _, ok := route.DirectTime(g, groups[k], snaps[ci]); ok {
				if tt := float64(t) + walkS[ci]; tt <= horizon {
					sc.row = append(sc.row, Entry{Cell: uint32(ci), Seconds: Seconds(tt)})
				}
			}
		}
		sc.keys = sortRowKeys(sc.row, sc.keys)
		rows[which[k]] = slices.Clone(sc.row)
	}
	each := func(k int, s *route.Search) error { row(k, s); return nil }
	sopt := route.Options{Limit: graph.Seconds(horizon)}
	if dijkstra || len(groups) <= 1 || g.Hierarchy() == nil {
		if err := route.ForEach(ctx, g, groups, sopt, workers, each); err != nil {
			return nil, err
		}
		return rows, nil
	}
	// Every search needs at most the places it can reach among the ends
	// of the cells' roads.
	var ends []graph.NodeID
	for i := 0; i < n; i++ {
		if use(i) {
			ns, k := g.SnapNodes(snaps[i])
			ends = append(ends, ns[:k]...)
		}
	}
	var rest []int
	if wideNetwork(g.Bound(), horizon) {
		var err error
		if rest, err = localRows(ctx, g, groups, siteSnaps, off, horizon, workers, row); err != nil {
			return nil, err
		}
	} else {
		rest = make([]int, len(groups))
		for k := range rest {
			rest[k] = k
		}
	}
	if len(rest) > 0 {
		sopt.Targets = route.NewTargets(g, ends)
		seeds := make([][]route.Seed, len(rest))
		for i, k := range rest {
			seeds[i] = groups[k]
		}
		err := route.ForEach(ctx, g, seeds, sopt, workers, func(i int, s *route.Search) error { return each(rest[i], s) })
		if err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// roadCells lists the cells by the road they are snapped to (the lower of
// the edge and its twin), sorted.
type roadCells []struct {
	road graph.EdgeID
	cell int32
}

func roadIndex(snaps []graph.Snap, n int, use func(i int) bool) roadCells {
	var r roadCells
	for i := 0; i < n; i++ {
		if use(i) {
			r = append(r, struct {
				road graph.EdgeID
				cell int32
			}{min(snaps[i].Edge, snaps[i].Twin), int32(i)})
		}
	}
	slices.SortFunc(r, func(a, b struct {
		road graph.EdgeID
		cell int32
	}) int {
		return cmp.Or(cmp.Compare(a.road, b.road), cmp.Compare(a.cell, b.cell))
	})
	return r
}

// on returns the cells snapped to sn's road.
func (r roadCells) on(sn graph.Snap) []int32 {
	k := min(sn.Edge, sn.Twin)
	i := sort.Search(len(r), func(i int) bool { return r[i].road >= k })
	var out []int32
	for ; i < len(r) && r[i].road == k; i++ {
		out = append(out, r[i].cell)
	}
	return out
}

// cellIndex lists, for every graph node, the cells snapped to an edge
// touching it (CSR), so that a search visits only the cells near the nodes
// it reached. Cells for which use is false are left out.
func cellIndex(g *graph.Graph, snaps []graph.Snap, n int, use func(i int) bool) (off []uint32, cells []int32) {
	nn := g.NumNodes()
	off = make([]uint32, nn+1)
	for i := 0; i < n; i++ {
		if use(i) {
			ns, k := g.SnapNodes(snaps[i])
			for _, v := range ns[:k] {
				off[v+1]++
			}
		}
	}
	for v := 0; v < nn; v++ {
		off[v+1] += off[v]
	}
	cells = make([]int32, off[nn])
	next := slices.Clone(off[:nn])
	for i := 0; i < n; i++ {
		if !use(i) {
			continue
		}
		ns, k := g.SnapNodes(snaps[i])
		for _, v := range ns[:k] {
			cells[next[v]] = int32(i)
			next[v]++
		}
	}
	return off, cells
}
