package route

import (
	"context"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// Targets restricts PHAST sweeps to what a set of target nodes needs
// (RPHAST: Delling, Goldberg and Werneck, "Faster batched shortest paths
// in road networks", 2011): the core nodes with a downward path to a
// target's core node, swept in the hierarchy's order. A search with
// Options.Targets gives exact times to the target nodes (and to every node
// of a chain holding a target) for the cost of an upward search and a sweep
// over that part of the hierarchy; the times of other nodes are not
// computed. Matrices from many sources to a fixed set of places (siting
// candidates to populated cells) pay the restriction once.
//
// A Targets is immutable once built and safe for concurrent use by any
// number of searches on the graph it was built for.
type Targets struct {
	g      *graph.Graph
	local  []int32        // by sweep position: index in the restricted sweep, or -1
	nodes  []graph.NodeID // by restricted index: the core node
	off    []uint32       // by restricted index, len(nodes)+1
	src    []uint32       // restricted index of each kept down edge's tail
	w      []graph.Seconds
	chains []int32  // chains holding a target, each once
	inOff  []uint32 // by index in chains: where the chain's in-times start in inA, inB
	inA    []graph.Seconds
	inB    []graph.Seconds
}

// NewTargets prepares the restricted sweep for the given target nodes (any
// nodes of g, core or chain interior). It returns nil when g has no
// contraction hierarchy: searches then fall back to their Method.
func NewTargets(g *graph.Graph, targets []graph.NodeID) *Targets {
	h := g.Hierarchy()
	if h == nil {
		return nil
	}
	nc := g.NumCore()
	need := make([]bool, nc) // by sweep position
	mark := func(v graph.NodeID) { need[h.Position(v)] = true }
	tg := &Targets{g: g}
	seenChain := make(map[int32]bool)
	for _, v := range targets {
		if int(v) < nc {
			mark(v)
			continue
		}
		c := int32(g.ChainOf(v))
		if !seenChain[c] {
			seenChain[c] = true
			tg.chains = append(tg.chains, c)
			_, _, a, b := g.Chain(int(c))
			mark(a)
			mark(b)
		}
	}
	slices.Sort(tg.chains)
	// The target chains' in-times, read once for every search.
	var a, b []graph.Seconds
	tg.inOff = make([]uint32, len(tg.chains)+1)
	for k, c := range tg.chains {
		a, b = g.ChainInTimes(int(c), a, b)
		tg.inA, tg.inB = append(tg.inA, a...), append(tg.inB, b...)
		tg.inOff[k+1] = uint32(len(tg.inA))
	}
	dnOff, dnSrc, dnW := h.Down()
	for p := nc - 1; p >= 0; p-- {
		if need[p] {
			for e := dnOff[p]; e < dnOff[p+1]; e++ {
				need[dnSrc[e]] = true
			}
		}
	}
	tg.local = make([]int32, nc)
	order := h.Order()
	for p := range need {
		tg.local[p] = -1
		if need[p] {
			tg.local[p] = int32(len(tg.nodes))
			tg.nodes = append(tg.nodes, order[p])
		}
	}
	tg.off = make([]uint32, len(tg.nodes)+1)
	for i, v := range tg.nodes {
		p := h.Position(v)
		for e := dnOff[p]; e < dnOff[p+1]; e++ {
			tg.src = append(tg.src, uint32(tg.local[dnSrc[e]]))
			tg.w = append(tg.w, dnW[e])
		}
		tg.off[i+1] = uint32(len(tg.src))
	}
	return tg
}

// NumSwept returns the number of core nodes a restricted sweep visits.
func (tg *Targets) NumSwept() int { return len(tg.nodes) }

// runRPHAST is runPHAST's restricted sweep: the upward search, then the
// sweep over tg's nodes only, then the target chains. The queue holds the
// seeds' core entries.
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
		if i := tg.local[h.Position(v)]; i >= 0 {
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
	for i, v := range tg.nodes {
		if b := sw[i]; b.t <= limit && b.t != Unreached {
			s.settle(v, b.t, b.src)
		}
	}
	s.fillTargetChains(tg, limit)
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

// fillTargetChains gives the nodes of the chains holding a target their
// times (the chains' ends are settled).
func (s *Search) fillTargetChains(tg *Targets, limit graph.Seconds) {
	f := s.filler0()
	for k, c := range tg.chains {
		s.mark[c] = s.gen
		if _, seeded := slices.BinarySearch(s.seedChains, c); seeded {
			s.fill(f, int(c), limit)
			continue
		}
		_, _, a, b := s.g.Chain(int(c))
		ta, sa := s.final(a)
		tb, sb := s.final(b)
		lo, hi := tg.inOff[k], tg.inOff[k+1]
		s.chainPass(f, int(c), tg.inA[lo:hi], tg.inB[lo:hi], ta, sa, tb, sb, limit, true)
	}
	s.settled = append(s.settled, f.settled...)
	s.touched = append(s.touched, f.touched...)
}

// Lanes is how many searches a batched restricted sweep carries at once
// (ForEach with Targets): one pass over the down edges for Lanes sources.
const Lanes = 8

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
	for i := range bt {
		for l := range Lanes {
			bt[i][l], bs[i][l] = Unreached, -1
		}
	}
	h := s.g.Hierarchy()
	var limit graph.Seconds
	for l, seeds := range groups {
		limit = s.prepare(seeds, opt)
		s.upward(limit)
		for _, v := range s.touched {
			if i := tg.local[h.Position(v)]; i >= 0 {
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
			for l := range Lanes {
				if x := ft[l] + w; x < t[l] || (x == t[l] && fs[l] < src[l]) {
					t[l], src[l] = x, fs[l]
				}
			}
		}
		bt[i], bs[i] = t, src
	}
	for l, seeds := range groups {
		limit = s.prepare(seeds, opt)
		s.queue.reset()
		s.clearTouched()
		for i, v := range tg.nodes {
			if t := bt[i][l]; t <= limit && t != Unreached {
				s.settle(v, t, bs[i][l])
			}
		}
		s.fillTargetChains(tg, limit)
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}
