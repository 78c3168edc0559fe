package route

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// A Seed starts a search: node Node is reached at time Time (for example the
// partial edge from a snapped base) from source number Source.
//
// Seeds made by SnapSeeds also remember the snapped point they start from
// (see PointTime); a Seed written as a literal starts at its node only.
type Seed struct {
	Node   graph.NodeID
	Time   graph.Seconds
	Source int32

	at *snapSeed // the snapped point of SnapSeeds, or nil
}

// Options tune a search.
type Options struct {
	// Limit stops the search at this travel time: nodes farther than Limit
	// are left unreached. A node at exactly Limit is reached. Zero (or +Inf)
	// means no limit.
	Limit graph.Seconds
	// Method chooses Dijkstra (the zero value), the PHAST sweep over the
	// graph's contraction hierarchy, or Auto, whichever of them costs less
	// for this search (phast.go; WideMethod). All give the same times to
	// within rounding (1e-9 s).
	Method Method
	// Targets, when set (and built for this graph), restricts the search
	// to the target nodes (RPHAST, rphast.go): only they get times (and
	// are listed by Settled). Method is then ignored.
	Targets *Targets
}

// Unreached is the time Time reports for a node the search did not reach.
var Unreached = graph.Seconds(math.Inf(1))

// nodeState is one node's search state, kept together so that a relaxation
// touches one cache line.
type nodeState struct {
	t       graph.Seconds // best time found so far
	src     int32         // source of that time
	settled bool          // t is final
	seen    bool          // t is set (by this run)
}

type item struct {
	t graph.Seconds
	v graph.NodeID
}

// Search is a Dijkstra workspace bound to one graph. The zero value is not
// usable; call NewSearch. Not safe for concurrent use.
//
// The queue is a bucket queue (buckets.go) with lazy deletion: an improved time pushes a
// new entry and stale entries are skipped when popped.
//
// The search settles the core graph (see graph.Graph.NumCore), then gives
// every node of each chain next to a reached core node its time in one pass
// along the chain, adding the chain's edge times in order from each end.
// A PHAST run gives every chain node its time from the graph's SweepTable
// instead (phast.go).
type Search struct {
	// FillWorkers is how many goroutines give chain nodes their times after
	// a wide search (one that reaches a quarter of the core or more). The
	// default, 1, suits a Search that already runs beside others (ForEach);
	// a lone multi-source search gains from GOMAXPROCS.
	FillWorkers int

	g          *graph.Graph
	node       []nodeState
	queue      bucketQueue
	touched    []graph.NodeID
	settled    []graph.NodeID
	chainSeeds []Seed      // seeds on chain interiors in this run
	points     []*snapSeed // the snapped points of this run's seeds, by road (roadKey)
	mark       []uint32    // chain filled in generation gen
	gen        uint32
	sweep      []phastState    // PHAST labels by sweep position
	sweepT     []graph.Seconds // PHAST times by sweep position (one source)
	endT       []graph.Seconds // restricted search: the target chains' end states (endStates)
	endS       []int32
	batch      batch     // batched RPHAST labels (ForEach with Targets)
	wide       bool      // the last run may have written any node: reset clears the core nodes
	dirty      bool      // chain nodes may hold a wide run's states: cleanChains clears them
	seedChains []int32   // chains holding a seed in this run, sorted, each once
	fill_      []*filler // per fill worker: sweep buffers and the nodes it settled
	swept      bool      // the last run swept the hierarchy (PHAST, or Auto turned to it)
	splitMin   int       // sweepChains splits among FillWorkers from this many chain nodes (0: sweepSplitMin)
}

// filler holds one fill goroutine's scratch and output.
type filler struct {
	inA     []graph.Seconds // the chain's in-times (graph.ChainInTimes)
	inB     []graph.Seconds
	fwdT    []graph.Seconds
	fwdS    []int32
	local   []Seed
	settled []graph.NodeID
	touched []graph.NodeID
}

// NewSearch returns a workspace for searches on g. It allocates O(nodes) once.
func NewSearch(g *graph.Graph) *Search {
	return &Search{g: g, node: make([]nodeState, g.NumNodes()), mark: make([]uint32, g.NumChains())}
}

// Graph returns the graph the workspace searches.
func (s *Search) Graph() *graph.Graph { return s.g }

func (s *Search) reset() {
	if s.wide {
		// A wide run wrote every node. Clear the core now; the chain nodes
		// only if the next run does not overwrite them all (cleanChains).
		clear(s.node[:s.g.NumCore()])
		s.wide, s.dirty = false, true
	} else {
		for _, v := range s.touched {
			s.node[v] = nodeState{}
		}
	}
	s.touched = s.touched[:0]
	s.settled = s.settled[:0]
	s.swept = false
	s.queue.reset()
	s.chainSeeds = s.chainSeeds[:0]
	s.seedChains = s.seedChains[:0]
	s.points = s.points[:0]
	s.gen++
	if s.gen == 0 { // wrapped: forget every old mark
		clear(s.mark)
		s.gen = 1
	}
}

// Run computes, for every node within the limit, the least travel time from
// any seed and the seed's source. Ties go to the lower source number, so the
// answer does not depend on seed order. It replaces the previous run's
// result. It returns ctx.Err() if ctx is cancelled (the result is then partial).
func (s *Search) Run(ctx context.Context, seeds []Seed, opt Options) error {
	limit := s.prepare(seeds, opt)
	g := s.g
	if tg := opt.Targets; tg != nil && tg.g == g {
		s.runRPHAST(tg, limit)
		return ctx.Err()
	}
	if !s.usePHAST(opt) {
		s.cleanChains()
		var over bool
		var err error
		if opt.Method == Auto && g.Hierarchy() != nil {
			over, err = s.auto(ctx, limit)
		} else {
			over, err = s.dijkstra(ctx, limit, math.MaxInt)
		}
		if err != nil {
			return err
		}
		if !over {
			s.fillChains(limit)
			return nil
		}
		// Auto: the search reaches too far to beat a sweep. Start again
		// with PHAST.
		limit = s.prepare(seeds, opt)
	}
	if err := s.runPHAST(ctx, limit); err != nil {
		s.cleanChains()
		return err
	}
	return nil
}

// dijkstra settles the core graph node by node from the queued entries, up
// to limit. It stops early, returning true, once it has settled more than
// budget nodes (of this run).
func (s *Search) dijkstra(ctx context.Context, limit graph.Seconds, budget int) (bool, error) {
	offsets, targets, weights := s.g.CoreCSR()
	node := s.node
	pops := 0
	for s.queue.size > 0 {
		top := s.queue.min()
		if top.t > limit {
			break
		}
		s.queue.pop()
		u := top.v
		nu := &node[u]
		if nu.settled || top.t != nu.t {
			continue // stale entry
		}
		nu.settled = true
		s.settled = append(s.settled, u)
		su := nu.src
		for e, end := offsets[u], offsets[u+1]; e < end; e++ {
			v := targets[e]
			nv := &node[v]
			if nv.settled {
				continue
			}
			t := top.t + weights[e]
			if !nv.seen {
				nv.seen = true
				s.touched = append(s.touched, v)
			} else if t > nv.t || (t == nv.t && su >= nv.src) {
				continue
			}
			nv.t, nv.src = t, su
			s.queue.push(item{t, v})
		}
		if len(s.settled) > budget {
			return true, ctx.Err() // the state is whole: a call with a larger budget goes on
		}
		if pops++; pops&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
	}
	return false, ctx.Err()
}

// prepare clears the last run, reads the seeds (their core entries go to
// the queue; seeds inside chains, the chains holding them and the snapped
// points are kept for the chain passes and PointTime) and returns the
// limit to search to.
func (s *Search) prepare(seeds []Seed, opt Options) graph.Seconds {
	s.reset()
	if tg := opt.Targets; tg != nil && tg.g == s.g {
		s.cleanChains() // a restricted search writes only some chains
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = Unreached
	}
	g := s.g
	nCore := graph.NodeID(g.NumCore())
	for _, sd := range seeds {
		if int(sd.Node) >= len(s.node) || !(sd.Time >= 0) {
			continue
		}
		if sd.at != nil && (len(s.points) == 0 || s.points[len(s.points)-1] != sd.at) {
			s.points = append(s.points, sd.at)
		}
		if sd.Node < nCore {
			s.offer(sd.Node, sd.Time, sd.Source)
			continue
		}
		// A seed inside a chain enters the core graph at the chain's ends.
		s.chainSeeds = append(s.chainSeeds, sd)
		for _, toB := range [2]bool{true, false} {
			if end, t, ok := g.ChainExit(sd.Node, toB); ok {
				s.offer(end, sd.Time+t, sd.Source)
			}
		}
	}
	slices.SortFunc(s.points, func(a, b *snapSeed) int { return cmp.Compare(roadKey(a.edge, a.twin), roadKey(b.edge, b.twin)) })
	for _, sd := range s.chainSeeds {
		s.seedChains = append(s.seedChains, int32(g.ChainOf(sd.Node)))
	}
	slices.Sort(s.seedChains)
	s.seedChains = slices.Compact(s.seedChains)
	return limit
}

// roadKey names the road of an edge and its twin (NoEdge: one-way): the
// lower of the two edge ids.
func roadKey(e, twin graph.EdgeID) graph.EdgeID { return min(e, twin) }

// onRoad returns the snapped seed points of the last Run that lie on sn's
// road (a binary search: a search has few seeds, a study many points; a
// scan for a handful).
func (s *Search) onRoad(sn graph.Snap) []*snapSeed {
	k := roadKey(sn.Edge, sn.Twin)
	var i int
	if len(s.points) <= 8 {
		for i < len(s.points) && roadKey(s.points[i].edge, s.points[i].twin) < k {
			i++
		}
	} else {
		i, _ = slices.BinarySearchFunc(s.points, k, func(p *snapSeed, k graph.EdgeID) int { return cmp.Compare(roadKey(p.edge, p.twin), k) })
	}
	j := i
	for j < len(s.points) && roadKey(s.points[j].edge, s.points[j].twin) == k {
		j++
	}
	return s.points[i:j]
}

// cleanChains clears the chain nodes' states a wide run left behind.
func (s *Search) cleanChains() {
	if s.dirty {
		clear(s.node[s.g.NumCore():])
		s.dirty = false
	}
}

// fillChains gives the interior nodes of every chain next to a settled core
// node, or holding a seed, their times.
func (s *Search) fillChains(limit graph.Seconds) {
	g := s.g
	nCore := graph.NodeID(g.NumCore())
	fs := s.fillers()
	f0 := fs[0]
	if reached := len(s.settled); reached > g.NumCore()/4 {
		// A wide search: pass over every chain in order, which walks the
		// chain nodes and their times forward, and write every chain
		// node's state (reached or not); the next reset clears them all.
		// Chains are disjoint, so workers may fill ranges of them side by
		// side.
		s.wide, s.dirty = true, false
		split(fs, g.NumChains(), 4096, func(f *filler, lo, hi int) { s.fillRange(f, lo, hi, limit) })
	} else {
		s.cleanChains()
		offsets, targets, _ := g.CSR()
		for _, u := range s.settled { // only core nodes so far
			// The row is sorted by head: chain nodes (ids >= nCore) come last.
			for e := offsets[u+1]; e > offsets[u]; e-- {
				x := targets[e-1]
				if x < nCore {
					break
				}
				if c := g.ChainOf(x); s.mark[c] != s.gen {
					s.mark[c] = s.gen
					s.fill(f0, c, limit)
				}
			}
		}
	}
	s.fillSeedChains(f0, limit)
}

// fillers returns the fill scratches of FillWorkers workers (at least
// one), their lists of nodes emptied.
func (s *Search) fillers() []*filler {
	workers := max(1, s.FillWorkers)
	for len(s.fill_) < workers {
		s.fill_ = append(s.fill_, &filler{})
	}
	fs := s.fill_[:workers]
	for _, f := range fs {
		f.settled, f.touched = f.settled[:0], f.touched[:0]
	}
	return fs
}

// split runs pass over [0, n): in one range on fs[0] when there is one
// filler or n is under splitMin, else in len(fs) equal ranges side by side
// (pass must keep to its range), and appends the other fillers' settled
// nodes to fs[0]'s, in range order.
func split(fs []*filler, n, splitMin int, pass func(f *filler, lo, hi int)) {
	if len(fs) == 1 || n < splitMin {
		pass(fs[0], 0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + len(fs) - 1) / len(fs)
	for w, f := range fs[1:] {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			pass(f, lo, hi)
		}(min(n, (w+1)*step), min(n, (w+2)*step))
	}
	pass(fs[0], 0, min(n, step))
	wg.Wait()
	for _, f := range fs[1:] {
		fs[0].settled = append(fs[0].settled, f.settled...)
	}
}

// fillSeedChains fills the chains holding a seed that no pass filled yet,
// then lists f0's nodes as the run's.
func (s *Search) fillSeedChains(f0 *filler, limit graph.Seconds) {
	for _, c := range s.seedChains {
		if s.mark[c] != s.gen {
			s.mark[c] = s.gen
			s.fill(f0, int(c), limit)
		}
	}
	s.settled = append(s.settled, f0.settled...)
	s.touched = append(s.touched, f0.touched...)
}

// fillRange fills the chains [lo, hi) of a wide search: every chain node
// gets its state. Chains holding a seed are left to fill (fillChains).
func (s *Search) fillRange(f *filler, lo, hi int, limit graph.Seconds) {
	// chainPass's two passes, inlined over the chain table with the chain
	// in-times read from the rows on the way (where graph.ChainHints says):
	// chains hold three nodes on average, so the cost per chain counts.
	g := s.g
	node := s.node
	starts, ends0, ends1 := g.ChainTable()
	hints := g.ChainHints()
	nCore := graph.NodeID(g.NumCore())
	off, _, wt := g.CSR()
	seeds := s.seedChains
	j, _ := slices.BinarySearch(seeds, int32(lo))
	settled := f.settled
	fwdT, fwdS := f.fwdT, f.fwdS
	inf := Unreached // a local: Unreached is a variable
	// within is limit with +Inf (no limit) as the largest finite time,
	// so that one comparison, t <= within, tells a time within the limit
	// from one past it or Unreached (times are never NaN).
	within := limit
	if within == inf {
		within = math.MaxFloat64
	}
	for c := lo; c < hi; c++ {
		first, end := graph.NodeID(starts[c]), graph.NodeID(starts[c+1])
		out := node[first:end]
		if j < len(seeds) && int(seeds[j]) == c {
			j++
			clear(out) // fill writes only what it reaches
			continue
		}
		ta, sa := Unreached, int32(-1)
		if na := &node[ends0[c]]; na.settled {
			ta, sa = na.t, na.src
		}
		tb, sb := Unreached, int32(-1)
		if nb := &node[ends1[c]]; nb.settled {
			tb, sb = nb.t, nb.src
		}
		if ta > limit && tb > limit {
			clear(out)
			continue
		}
		n := len(out)
		h0 := 2 * int(first-nCore)
		hint := hints[h0 : h0+2*n]
		// The edges into the chain from its reached ends (from an
		// unreached end, Unreached plus any time is Unreached).
		wa, wb := inf, inf
		if ta != inf {
			if h := hint[0]; h != graph.NoHint {
				wa = wt[off[ends0[c]]+uint32(h)]
			} else if ew, ok := g.EdgeWeight(ends0[c], first); ok {
				wa = ew
			}
		}
		if tb != inf {
			if h := hint[2*n-1]; h != graph.NoHint {
				wb = wt[off[ends1[c]]+uint32(h)]
			} else if ew, ok := g.EdgeWeight(ends1[c], end-1); ok {
				wb = ew
			}
		}
		if n == 1 { // a single node between two junctions: both passes at once
			t1, s1 := ta+wa, sa
			if wa == Unreached {
				s1 = -1
			}
			t2, s2 := tb+wb, sb
			if wb == Unreached {
				s2 = -1
			}
			if t2 < t1 || (t2 == t1 && s2 < s1) {
				t1, s1 = t2, s2
			}
			if t1 <= within {
				out[0] = nodeState{t: t1, src: s1, settled: true, seen: true}
				settled = append(settled, first)
			} else {
				out[0] = nodeState{}
			}
			continue
		}
		if n > len(fwdT) {
			fwdT, fwdS = make([]graph.Seconds, 2*n), make([]int32, 2*n)
		}
		ft, fs := fwdT[:n], fwdS[:n]
		// From A, as far as the chain can be driven that way: past an
		// unreached end or a missing edge every node gets Unreached and
		// source −1 whatever the edges further on (times are finite and
		// non-negative), so the pass stops there and nA counts the nodes
		// it gave a time.
		nA := 0
		if ta != inf && wa != inf {
			cur, src := ta+wa, sa
			ft[0], fs[0] = cur, src
			nA = n
			for i := 1; i < n; i++ {
				x := first + graph.NodeID(i)
				w := inf
				if h := hint[2*i]; h != graph.NoHint {
					w = wt[off[x-1]+uint32(h)]
				} else if ew, ok := g.EdgeWeight(x-1, x); ok {
					w = ew
				}
				if w == inf {
					nA = i
					break
				}
				cur += w
				ft[i], fs[i] = cur, src
			}
		}
		// From B likewise, keeping the better of the two passes: a pass
		// at Unreached never beats the other (its source −1 only wins a
		// tie at Unreached, where the state is clear anyway).
		fromB := tb != inf && wb != inf
		settled = slices.Grow(settled, n)
		cur, src := tb, sb
		for i := n - 1; i >= 0; i-- {
			x := first + graph.NodeID(i)
			bt, bs := inf, int32(-1)
			if i < nA {
				bt, bs = ft[i], fs[i]
			}
			if fromB {
				w := wb
				if i < n-1 {
					w = inf
					if h := hint[2*i+1]; h != graph.NoHint {
						w = wt[off[x+1]+uint32(h)]
					} else if ew, ok := g.EdgeWeight(x+1, x); ok {
						w = ew
					}
				}
				if w == inf {
					fromB = false
				} else {
					cur += w
					if cur < bt || (cur == bt && src < bs) {
						bt, bs = cur, src
					}
				}
			}
			if bt <= within {
				out[i] = nodeState{t: bt, src: bs, settled: true, seen: true}
				settled = append(settled, x)
			} else {
				out[i] = nodeState{}
			}
		}
	}
	f.settled, f.fwdT, f.fwdS = settled, fwdT, fwdS
}

// chainPass writes the state of every node of the chain [first, end) from
// the times of its ends (ta from source sa at the A end, tb from sb at the
// B end; Unreached, −1 when not reached): one pass from A adding the chain
// in-times in order (as a node-by-node Dijkstra would), one from B, the
// better of the two at each node (ties: the lower source). With track, the
// reached nodes are listed as touched too (their states were clear).
// inA and inB are the chain's in-times (graph.ChainInTimes).
func (s *Search) chainPass(f *filler, c int, inA, inB []graph.Seconds, ta graph.Seconds, sa int32, tb graph.Seconds, sb int32, limit graph.Seconds, track bool) {
	first, end, _, _ := s.g.Chain(c)
	// From A: cur is the time of the pass so far (Unreached, source −1,
	// past an edge the chain lacks this way), kept in f's buffers.
	n := int(end - first)
	if cap(f.fwdT) < n || cap(f.fwdS) < n { // fill appends to both: their capacities may differ
		f.fwdT, f.fwdS = make([]graph.Seconds, n), make([]int32, n)
	}
	fwdT, fwdS := f.fwdT[:n], f.fwdS[:n]
	cur, src := ta, sa
	for i, w := range inA {
		cur += w
		if w == Unreached {
			src = -1
		}
		fwdT[i], fwdS[i] = cur, src
	}
	// From B, keeping the better of the two passes.
	cur, src = tb, sb
	inb := inB
	out := s.node[first:end]
	for i := n - 1; i >= 0; i-- {
		w := inb[i]
		cur += w
		if w == Unreached {
			src = -1
		}
		bt, bs := fwdT[i], fwdS[i]
		if cur < bt || (cur == bt && src < bs) {
			bt, bs = cur, src
		}
		if bt <= limit && bt != Unreached {
			out[i] = nodeState{t: bt, src: bs, settled: true, seen: true}
			f.settled = append(f.settled, first+graph.NodeID(i))
			if track {
				f.touched = append(f.touched, first+graph.NodeID(i))
			}
		} else {
			out[i] = nodeState{}
		}
	}
}

// fill sweeps chain c from its A end and from its B end, adding edge times
// in order (as a node-by-node Dijkstra would), and keeps the better of the
// two sweeps at each node, seeds inside the chain included (chainPass when
// there are none). It writes only the chain's own node states, and expects
// them clear (a narrow search, or fillRange cleared them).
func (s *Search) fill(f *filler, c int, limit graph.Seconds) {
	_, _, a, b := s.g.Chain(c)
	ta, sa := s.final(a)
	tb, sb := s.final(b)
	if _, seeded := slices.BinarySearch(s.seedChains, int32(c)); !seeded {
		f.inA, f.inB = s.g.ChainInTimes(c, f.inA, f.inB)
		s.chainPass(f, c, f.inA, f.inB, ta, sa, tb, sb, limit, true)
		return
	}
	s.fillSeeded(f, c, ta, sa, tb, sb, limit)
}

// fillSeeded is fill for a chain holding a seed of this run, from its ends'
// states (ta from source sa at the A end, tb from sb at the B end).
func (s *Search) fillSeeded(f *filler, c int, ta graph.Seconds, sa int32, tb graph.Seconds, sb int32, limit graph.Seconds) {
	g := s.g
	first, end, _, _ := g.Chain(c)
	f.inA, f.inB = g.ChainInTimes(c, f.inA, f.inB)
	inA, inB := f.inA, f.inB
	f.local = f.local[:0]
	for _, sd := range s.chainSeeds {
		if sd.Node >= first && sd.Node < end {
			f.local = append(f.local, sd)
		}
	}
	local := f.local
	better := func(t graph.Seconds, src int32, bt graph.Seconds, bs int32) bool {
		return t < bt || (t == bt && src < bs)
	}
	f.fwdT, f.fwdS = f.fwdT[:0], f.fwdS[:0]
	cur, src := ta, sa
	for x := first; x < end; x++ {
		if w := inA[x-first]; w != Unreached {
			cur += w
		} else {
			cur, src = Unreached, -1
		}
		for _, sd := range local {
			if sd.Node == x && better(sd.Time, sd.Source, cur, src) {
				cur, src = sd.Time, sd.Source
			}
		}
		f.fwdT = append(f.fwdT, cur)
		f.fwdS = append(f.fwdS, src)
	}
	cur, src = tb, sb
	for x := end - 1; x >= first; x-- {
		if w := inB[x-first]; w != Unreached {
			cur += w
		} else {
			cur, src = Unreached, -1
		}
		for _, sd := range local {
			if sd.Node == x && better(sd.Time, sd.Source, cur, src) {
				cur, src = sd.Time, sd.Source
			}
		}
		bt, bs := f.fwdT[x-first], f.fwdS[x-first]
		if better(cur, src, bt, bs) {
			bt, bs = cur, src
		}
		if bt <= limit && bt != Unreached {
			nx := &s.node[x]
			if !nx.seen {
				f.touched = append(f.touched, x)
			}
			*nx = nodeState{t: bt, src: bs, settled: true, seen: true}
			f.settled = append(f.settled, x)
		}
	}
}

// final returns v's settled time and source, or Unreached and -1.
func (s *Search) final(v graph.NodeID) (graph.Seconds, int32) {
	if nv := &s.node[v]; nv.settled {
		return nv.t, nv.src
	}
	return Unreached, -1
}

// offer gives node v time t from source src, if that is better.
func (s *Search) offer(v graph.NodeID, t graph.Seconds, src int32) {
	nv := &s.node[v]
	if nv.settled {
		return
	}
	if !nv.seen {
		nv.seen = true
		s.touched = append(s.touched, v)
	} else if t > nv.t || (t == nv.t && src >= nv.src) {
		return
	}
	t += 0 // -0 becomes +0: the queue orders times by their bits
	nv.t, nv.src = t, src
	s.queue.push(item{t, v})
}

// Time returns the travel time to v found by the last Run, and whether v was
// reached within the limit.
func (s *Search) Time(v graph.NodeID) (graph.Seconds, bool) {
	if !s.node[v].settled {
		return Unreached, false
	}
	return s.node[v].t, true
}

// Source returns the source number of the seed that reaches v first, or -1
// when v was not reached.
func (s *Search) Source(v graph.NodeID) int32 {
	if !s.node[v].settled {
		return -1
	}
	return s.node[v].src
}

// Settled returns the nodes the last Run reached: the core nodes (in order of
// travel time after Dijkstra, in order of the hierarchy after PHAST), then
// the chain nodes, chain by chain. The slice is reused by the next Run.
func (s *Search) Settled() []graph.NodeID { return s.settled }

// A Tree is the result of a search copied out of its workspace: for every
// node, the travel time (Unreached if not reached) and the source (-1).
type Tree struct {
	Time   []graph.Seconds
	Source []int32
}

// Tree copies the last Run's result into a new Tree indexed by NodeID.
func (s *Search) Tree() Tree {
	var t Tree
	s.TreeInto(&t)
	return t
}

// TreeInto copies the last Run's result into t, reusing its slices when
// they are long enough.
func (s *Search) TreeInto(t *Tree) {
	n := len(s.node)
	if cap(t.Time) < n {
		t.Time, t.Source = make([]graph.Seconds, n), make([]int32, n)
	}
	t.Time, t.Source = t.Time[:n], t.Source[:n]
	if s.wide {
		// A wide run left every node's state valid: copy them in order.
		for i := range s.node {
			if nv := &s.node[i]; nv.settled {
				t.Time[i], t.Source[i] = nv.t, nv.src
			} else {
				t.Time[i], t.Source[i] = Unreached, -1
			}
		}
		return
	}
	for i := range t.Time {
		t.Time[i] = Unreached
		t.Source[i] = -1
	}
	for _, v := range s.settled {
		t.Time[v], t.Source[v] = s.node[v].t, s.node[v].src
	}
}

// MemoryBytes returns the bytes the workspace's arrays hold (their
// capacities; the queue's buckets are not counted): 16 a node for the
// states, plus what the runs so far have grown.
func (s *Search) MemoryBytes() int {
	const state = 16 // nodeState: a float64, an int32 and two bools
	n := state*cap(s.node) + 4*cap(s.mark) + 4*(cap(s.touched)+cap(s.settled))
	n += 12*cap(s.sweep) + 8*cap(s.sweepT) + 12*cap(s.endT) + 12*Lanes*cap(s.batch.t)
	for _, f := range s.fill_ {
		n += 8*(cap(f.inA)+cap(f.inB)+cap(f.fwdT)) + 4*(cap(f.fwdS)+cap(f.settled)+cap(f.touched))
	}
	return n
}
