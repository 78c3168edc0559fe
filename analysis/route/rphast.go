package route

import (
	"cmp"
	"context"
	"math"
	mbits "math/bits"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// Targets restricts PHAST sweeps to what a set of target nodes needs
// (RPHAST: Delling, Goldberg and Werneck, "Faster batched shortest paths
// in road networks", 2011): the core nodes with a downward path to a
// target's core node (a chain node's: its chain's two ends), swept in the
// hierarchy's order. A search with Options.Targets gives exact times to the
// target nodes, and only to them (Time, Source and Settled report the
// targets; other nodes are left unreached), for the cost of an upward
// search, a sweep over that part of the hierarchy and a pass along each
// target's chain up to it. Matrices from many sources to a fixed set of
// places (siting candidates to populated cells) pay the restriction once.
//
// A Targets is immutable once built and safe for concurrent use by any
// number of searches on the graph it was built for. Its size grows with the
// restricted part of the hierarchy, not with the graph.
type Targets struct {
	g      *graph.Graph
	pos    []uint32       // by restricted index: the sweep position, ascending
	nodes  []graph.NodeID // by restricted index: the core node
	off    []uint32       // by restricted index, len(nodes)+1
	src    []uint32       // restricted index of each kept down edge's tail
	w      []graph.Seconds
	rank   ranker          // with many positions: local's lookup
	core   []int32         // restricted indices of the target core nodes, ascending
	ends   []int32         // restricted indices of the target chains' ends, each once
	chains []tchain        // the chains holding a target, by chain number
	at     []uint32        // by chain (tchain.at): its targets' indices in the chain, ascending
	inA    []graph.Seconds // by chain (tchain.ia): the in-times from A of its nodes up to its last target
	inB    []graph.Seconds // by chain (tchain.ib): the in-times from B of its nodes from its first target on
}

// tchain is a chain holding targets, as a restricted search passes it.
type tchain struct {
	c        int32
	first    graph.NodeID
	n        int32  // nodes in the chain
	ea, eb   int32  // its A and B ends: indices in Targets.ends
	at, atTo uint32 // Targets.at[at:atTo]: its targets
	ia, ib   uint32 // where its in-times start in Targets.inA and inB
}

// NewTargets prepares the restricted sweep for the given target nodes (any
// nodes of g, core or chain interior). It returns nil when g has no
// contraction hierarchy: searches then fall back to their Method.
func NewTargets(g *graph.Graph, targets []graph.NodeID) *Targets {
	h := g.Hierarchy()
	if h == nil {
		return nil
	}
	nc := graph.NodeID(g.NumCore())
	tg := &Targets{g: g}
	var corePos []uint32 // sweep positions of the target core nodes
	type inChain struct {
		c int32
		i uint32
	}
	var chainT []inChain
	for _, v := range targets {
		if v < nc {
			corePos = append(corePos, h.Position(v))
			continue
		}
		c := g.ChainOf(v)
		first, _, _, _ := g.Chain(c)
		chainT = append(chainT, inChain{int32(c), uint32(v - first)})
	}
	slices.Sort(corePos)
	corePos = slices.Compact(corePos)
	slices.SortFunc(chainT, func(a, b inChain) int { return cmp.Or(cmp.Compare(a.c, b.c), cmp.Compare(a.i, b.i)) })
	chainT = slices.Compact(chainT)
	// The target chains, their targets and their in-times (read once for
	// every search: from A up to the last target, from B down to the first).
	start := slices.Clone(corePos)
	var endPos []uint32
	var inA, inB []graph.Seconds
	for k := 0; k < len(chainT); {
		c := chainT[k].c
		first, end, a, b := g.Chain(int(c))
		tc := tchain{c: c, first: first, n: int32(end - first), at: uint32(len(tg.at))}
		for ; k < len(chainT) && chainT[k].c == c; k++ {
			tg.at = append(tg.at, chainT[k].i)
		}
		tc.atTo = uint32(len(tg.at))
		lo, hi := tg.at[tc.at], tg.at[tc.atTo-1]
		inA, inB = g.ChainInTimes(int(c), inA, inB)
		tc.ia, tc.ib = uint32(len(tg.inA)), uint32(len(tg.inB))
		tg.inA = append(tg.inA, inA[:hi+1]...)
		tg.inB = append(tg.inB, inB[lo:]...)
		pa, pb := h.Position(a), h.Position(b)
		endPos = append(endPos, pa, pb)
		tg.chains = append(tg.chains, tc)
	}
	start = append(start, endPos...)
	tg.pos = restrict(h, start)
	if len(tg.pos) >= rankMin {
		tg.rank = newRanker(tg.pos, int(nc))
	}
	local := func(p uint32) int32 {
		i, _ := tg.local(p)
		return i
	}
	order := h.Order()
	dnOff, dnSrc, dnW := h.Down()
	tg.nodes = make([]graph.NodeID, len(tg.pos))
	tg.off = make([]uint32, len(tg.pos)+1)
	m := 0
	for _, p := range tg.pos {
		m += int(dnOff[p+1] - dnOff[p])
	}
	tg.src, tg.w = make([]uint32, 0, m), make([]graph.Seconds, 0, m)
	for i, p := range tg.pos {
		tg.nodes[i] = order[p]
		for e := dnOff[p]; e < dnOff[p+1]; e++ {
			tg.src = append(tg.src, uint32(local(dnSrc[e])))
			tg.w = append(tg.w, dnW[e])
		}
		tg.off[i+1] = uint32(len(tg.src))
	}
	tg.core = make([]int32, len(corePos))
	for i, p := range corePos {
		tg.core[i] = local(p)
	}
	// The chains' ends, each once, in restricted order.
	ends := slices.Clone(endPos)
	slices.Sort(ends)
	ends = slices.Compact(ends)
	tg.ends = make([]int32, len(ends))
	for i, p := range ends {
		tg.ends[i] = local(p)
	}
	for k := range tg.chains {
		ea, _ := slices.BinarySearch(ends, endPos[2*k])
		eb, _ := slices.BinarySearch(ends, endPos[2*k+1])
		tg.chains[k].ea, tg.chains[k].eb = int32(ea), int32(eb)
	}
	return tg
}

// restrict returns the sweep positions with a downward path to one of
// start's (start's included), ascending. A few starts take a heap of
// positions (the restricted part of a road network's hierarchy is small);
// many take a bit per core node.
func restrict(h *graph.Hierarchy, start []uint32) []uint32 {
	dnOff, _, _ := h.Down()
	return restrictBy(h, start, len(start) >= (len(dnOff)-1)/1024)
}

// restrictBy is restrict with a bit per core node (byBits) or a heap.
func restrictBy(h *graph.Hierarchy, start []uint32, byBits bool) []uint32 {
	dnOff, dnSrc, _ := h.Down()
	nc := len(dnOff) - 1
	var out []uint32
	if byBits {
		bits := make([]uint64, (nc+63)/64)
		for _, p := range start {
			bits[p/64] |= 1 << (p % 64)
		}
		// Down edges lead to lower positions: taking the highest marked
		// position first meets every position after all that mark it.
		for wi := len(bits) - 1; wi >= 0; wi-- {
			for bits[wi] != 0 {
				b := 63 - uint32(mbits.LeadingZeros64(bits[wi]))
				bits[wi] &^= 1 << b
				p := uint32(wi)*64 + b
				out = append(out, p)
				for e := dnOff[p]; e < dnOff[p+1]; e++ {
					q := dnSrc[e]
					bits[q/64] |= 1 << (q % 64)
				}
			}
		}
	} else {
		hp := posHeap(slices.Clone(start))
		hp.init()
		for len(hp) > 0 {
			p := hp.pop()
			if len(out) > 0 && out[len(out)-1] == p {
				continue
			}
			out = append(out, p)
			for e := dnOff[p]; e < dnOff[p+1]; e++ {
				hp.push(dnSrc[e])
			}
		}
	}
	slices.Reverse(out)
	return out
}

// posHeap is a max-heap of sweep positions.
type posHeap []uint32

func (hp posHeap) init() {
	for i := len(hp)/2 - 1; i >= 0; i-- {
		hp.down(i)
	}
}

func (hp *posHeap) push(p uint32) {
	*hp = append(*hp, p)
	h := *hp
	for i := len(h) - 1; i > 0; {
		j := (i - 1) / 2
		if h[j] >= h[i] {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

func (hp *posHeap) pop() uint32 {
	h := *hp
	top := h[0]
	h[0] = h[len(h)-1]
	*hp = h[:len(h)-1]
	hp.down(0)
	return top
}

func (hp posHeap) down(i int) {
	for {
		j := 2*i + 1
		if j >= len(hp) {
			return
		}
		if j+1 < len(hp) && hp[j+1] > hp[j] {
			j++
		}
		if hp[i] >= hp[j] {
			return
		}
		hp[i], hp[j] = hp[j], hp[i]
		i = j
	}
}

// local returns the restricted index of sweep position p, if p is kept.
func (tg *Targets) local(p uint32) (int32, bool) {
	if tg.rank.bits != nil {
		return tg.rank.rank(p)
	}
	i, ok := slices.BinarySearch(tg.pos, p)
	return int32(i), ok
}

// rankMin is the restricted set's size from which a Targets keeps a
// ranker (an eighth of a byte and a sixteenth of a word per core node)
// instead of searching its positions.
const rankMin = 4096

// ranker answers a position's index in a sorted set of positions in
// constant time: a bit per position and the count before each word.
type ranker struct {
	bits   []uint64
	before []uint32
}

func newRanker(pos []uint32, n int) ranker {
	r := ranker{bits: make([]uint64, (n+63)/64), before: make([]uint32, (n+63)/64)}
	for _, p := range pos {
		r.bits[p/64] |= 1 << (p % 64)
	}
	c := uint32(0)
	for i, w := range r.bits {
		r.before[i] = c
		c += uint32(mbits.OnesCount64(w))
	}
	return r
}

// rank returns the number of positions in the set below p, and whether p
// is in it.
func (r *ranker) rank(p uint32) (int32, bool) {
	w := r.bits[p/64]
	b := uint64(1) << (p % 64)
	return int32(r.before[p/64] + uint32(mbits.OnesCount64(w&(b-1)))), w&b != 0
}

// NumSwept returns the number of core nodes a restricted sweep visits.
func (tg *Targets) NumSwept() int { return len(tg.nodes) }

// runRPHAST is runPHAST's restricted sweep: the upward search, then the
// sweep over tg's nodes only, then the targets. The queue holds the seeds'
// core entries.
func (s *Search) runRPHAST(tg *Targets, limit graph.Seconds) {
	s.upward(limit)
	n := len(tg.nodes)
	if cap(s.sweep) < n {
		s.sweep = make([]phastState, n)
	}
	sw := s.sweep[:n]
	for i := range sw {
		sw[i] = phastState{Unreached, -1}
	}
	h := s.g.Hierarchy()
	node := s.node
	for _, v := range s.touched {
		if i, ok := tg.local(h.Position(v)); ok {
			nv := &node[v]
			sw[i] = phastState{nv.t, nv.src}
		}
	}
	for i := range sw {
		b := sw[i]
		for e, end := tg.off[i], tg.off[i+1]; e < end; e++ {
			from := &sw[tg.src[e]]
			if t := from.t + tg.w[e]; t < b.t || (t == b.t && from.src < b.src) {
				b = phastState{t, from.src}
			}
		}
		sw[i] = b
	}
	s.clearTouched()
	endT, endS := s.endStates(len(tg.ends))
	for k, i := range tg.ends {
		if b := sw[i]; b.t <= limit && b.t != Unreached {
			endT[k], endS[k] = b.t, b.src
		} else {
			endT[k], endS[k] = Unreached, -1
		}
	}
	for _, i := range tg.core {
		if b := sw[i]; b.t <= limit && b.t != Unreached {
			s.settle(tg.nodes[i], b.t, b.src)
		}
	}
	s.fillTargetChains(tg, limit)
}

// endStates returns the buffers of the target chains' end states, n long.
func (s *Search) endStates(n int) ([]graph.Seconds, []int32) {
	if cap(s.endT) < n {
		s.endT, s.endS = make([]graph.Seconds, n), make([]int32, n)
	}
	return s.endT[:n], s.endS[:n]
}

// clearTouched clears the states of the nodes the run touched so far (the
// upward search's labels outside a restricted sweep are not final).
func (s *Search) clearTouched() {
	for _, v := range s.touched {
		s.node[v] = nodeState{}
	}
	s.touched = s.touched[:0]
}

// settle gives core node v its final state.
func (s *Search) settle(v graph.NodeID, t graph.Seconds, src int32) {
	s.node[v] = nodeState{t: t, src: src, settled: true, seen: true}
	s.settled = append(s.settled, v)
	s.touched = append(s.touched, v)
}

// fillTargetChains gives the target nodes inside chains their times, from
// their chains' end states (endStates, set by the sweep): chainPass's two
// passes, the one from A up to the chain's last target, the one from B
// down to its first, the same additions in the same order. A chain holding
// a seed of this run is filled whole (fillSeeded).
func (s *Search) fillTargetChains(tg *Targets, limit graph.Seconds) {
	f := s.filler0()
	inf := Unreached // a local: Unreached is a variable
	within := limit  // as in fillRange: one comparison tells a time within the limit
	if within == inf {
		within = math.MaxFloat64
	}
	endT, endS := s.endT, s.endS
	node := s.node
	settled, touched := s.settled, s.touched
	seeds := s.seedChains // sorted, as tg.chains: walked side by side
	for k := range tg.chains {
		tc := &tg.chains[k]
		ta, sa := endT[tc.ea], endS[tc.ea]
		tb, sb := endT[tc.eb], endS[tc.eb]
		if len(seeds) > 0 {
			for len(seeds) > 0 && seeds[0] < tc.c {
				seeds = seeds[1:]
			}
			if len(seeds) > 0 && seeds[0] == tc.c {
				s.fillSeededTargets(f, tg, tc, ta, sa, tb, sb, limit)
				continue
			}
		}
		if ta == inf && tb == inf {
			continue
		}
		at := tg.at[tc.at:tc.atTo]
		m := len(at)
		if cap(f.fwdT) < m || cap(f.fwdS) < m { // fill appends to both: their capacities may differ
			f.fwdT, f.fwdS = make([]graph.Seconds, 2*m), make([]int32, 2*m)
		}
		ft, fs := f.fwdT[:m], f.fwdS[:m]
		// From A: the pass's time at each target (past an edge the chain
		// lacks this way, Unreached from source −1 whatever follows).
		j := 0
		if ta != inf {
			cur, src := ta, sa
			for i, w := range tg.inA[tc.ia : tc.ia+at[m-1]+1] {
				cur += w
				if w == inf {
					break
				}
				if uint32(i) == at[j] {
					ft[j], fs[j] = cur, src
					j++
				}
			}
		}
		for ; j < m; j++ {
			ft[j], fs[j] = inf, -1
		}
		// From B, keeping the better of the two passes at each target.
		lo := at[0]
		cur, src := tb, sb
		j = m - 1
		if tb != inf {
			in := tg.inB[tc.ib : tc.ib+uint32(tc.n)-lo]
			for i := len(in) - 1; i >= 0; i-- {
				w := in[i]
				cur += w
				if w == inf {
					break
				}
				if uint32(i)+lo == at[j] {
					if cur < ft[j] || (cur == ft[j] && src < fs[j]) {
						ft[j], fs[j] = cur, src
					}
					if j--; j < 0 {
						break
					}
				}
			}
		}
		for j := m - 1; j >= 0; j-- {
			if t := ft[j]; t <= within {
				x := tc.first + graph.NodeID(at[j])
				node[x] = nodeState{t: t, src: fs[j], settled: true, seen: true}
				settled = append(settled, x)
				touched = append(touched, x)
			}
		}
	}
	s.settled = append(settled, f.settled...)
	s.touched = append(touched, f.touched...)
}

// fillSeededTargets fills target chain tc, which holds a seed of this run,
// whole (fillSeeded) and keeps its targets only.
func (s *Search) fillSeededTargets(f *filler, tg *Targets, tc *tchain, ta graph.Seconds, sa int32, tb graph.Seconds, sb int32, limit graph.Seconds) {
	from := len(f.settled)
	s.fillSeeded(f, int(tc.c), ta, sa, tb, sb, limit)
	at := tg.at[tc.at:tc.atTo]
	kept := f.settled[:from]
	for _, x := range f.settled[from:] {
		if _, ok := slices.BinarySearch(at, uint32(x-tc.first)); ok {
			kept = append(kept, x)
		} else {
			s.node[x] = nodeState{} // still listed in f.touched: reset clears it again
		}
	}
	f.settled = kept
}

// Lanes is how many searches a batched restricted sweep carries at once
// (ForEach with Targets): one pass over the down edges for Lanes sources.
const Lanes = 8

// runBatch's sweep is unrolled for 8 lanes: these fail to compile otherwise.
var (
	_ [Lanes - 8]struct{}
	_ [8 - Lanes]struct{}
)

// laneT and laneS are one node's labels in a batched sweep, one per lane.
type (
	laneT [Lanes]graph.Seconds
	laneS [Lanes]int32
)

// batch is a batched restricted sweep's labels by restricted index.
type batch struct {
	t []laneT
	s []laneS
}

// runBatch runs the searches of groups (at most Lanes) with tg: one upward
// search each, then one restricted sweep over tg's nodes for all of them.
// Each search's answer is then loaded into s in turn (loadLane) and handed
// to fn with its index in groups. The answers are those of Run with
// Options{Limit: limit, Targets: tg}, bit for bit: each lane adds the same
// times in the same order.
func (s *Search) runBatch(ctx context.Context, tg *Targets, groups [][]Seed, opt Options, fn func(lane int) error) error {
	n := len(tg.nodes)
	b := &s.batch
	if cap(b.t) < n {
		b.t, b.s = make([]laneT, n), make([]laneS, n)
	}
	bt, bs := b.t[:n], b.s[:n]
	var noT laneT
	var noS laneS
	for l := range Lanes {
		noT[l], noS[l] = Unreached, -1
	}
	for i := range bt {
		bt[i], bs[i] = noT, noS
	}
	h := s.g.Hierarchy()
	var limit graph.Seconds
	for l, seeds := range groups {
		limit = s.prepare(seeds, opt)
		s.upward(limit)
		for _, v := range s.touched {
			if i, ok := tg.local(h.Position(v)); ok {
				nv := &s.node[v]
				bt[i][l], bs[i][l] = nv.t, nv.src
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range bt {
		t, src := bt[i], bs[i]
		for e, end := tg.off[i], tg.off[i+1]; e < end; e++ {
			w := tg.w[e]
			ft, fs := &bt[tg.src[e]], &bs[tg.src[e]]
			// The Lanes lanes, unrolled (Lanes is 8).
			if x := ft[0] + w; x < t[0] || (x == t[0] && fs[0] < src[0]) {
				t[0], src[0] = x, fs[0]
			}
			if x := ft[1] + w; x < t[1] || (x == t[1] && fs[1] < src[1]) {
				t[1], src[1] = x, fs[1]
			}
			if x := ft[2] + w; x < t[2] || (x == t[2] && fs[2] < src[2]) {
				t[2], src[2] = x, fs[2]
			}
			if x := ft[3] + w; x < t[3] || (x == t[3] && fs[3] < src[3]) {
				t[3], src[3] = x, fs[3]
			}
			if x := ft[4] + w; x < t[4] || (x == t[4] && fs[4] < src[4]) {
				t[4], src[4] = x, fs[4]
			}
			if x := ft[5] + w; x < t[5] || (x == t[5] && fs[5] < src[5]) {
				t[5], src[5] = x, fs[5]
			}
			if x := ft[6] + w; x < t[6] || (x == t[6] && fs[6] < src[6]) {
				t[6], src[6] = x, fs[6]
			}
			if x := ft[7] + w; x < t[7] || (x == t[7] && fs[7] < src[7]) {
				t[7], src[7] = x, fs[7]
			}
		}
		bt[i], bs[i] = t, src
	}
	for l, seeds := range groups {
		limit = s.prepare(seeds, opt)
		s.queue.reset()
		s.clearTouched()
		endT, endS := s.endStates(len(tg.ends))
		for k, i := range tg.ends {
			if t := bt[i][l]; t <= limit && t != Unreached {
				endT[k], endS[k] = t, bs[i][l]
			} else {
				endT[k], endS[k] = Unreached, -1
			}
		}
		for _, i := range tg.core {
			if t := bt[i][l]; t <= limit && t != Unreached {
				s.settle(tg.nodes[i], t, bs[i][l])
			}
		}
		s.fillTargetChains(tg, limit)
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}
