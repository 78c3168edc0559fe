package route

import (
	"context"
	"math"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// Method chooses how a Search settles the core graph.
type Method uint8

// The methods.
const (
	// Dijkstra settles the core graph node by node in order of time: the
	// default, the cheapest for a short bounded search (it touches only what
	// lies within the limit), and the method whose sums a scenario graph
	// (graph.Modified, no hierarchy) repeats bit for bit: a study that
	// compares a baseline with its scenarios keeps it on both sides.
	Dijkstra Method = iota
	// PHAST runs an upward search over the hierarchy from the seeds, then
	// one linear sweep down over every core node (Delling, Goldberg,
	// Nowatzyk and Werneck, "PHAST: Hardware-accelerated shortest path
	// trees", 2011). Its cost hardly depends on the limit: it pays off for
	// one-to-all and many-to-all searches. Every chain node then gets the
	// better of its chain's two ends' times plus the chain's edge times
	// added from that end (graph.SweepTable), one minimum a node. Times
	// agree with Dijkstra's to within 1e-9 s, not always to the last bit:
	// shortcuts add the same edge times in another order, and a chain
	// node's sum is (end + (w1 + w2)) where Dijkstra's chain pass adds
	// ((end + w1) + w2); the largest difference on Porto Alegre, Andorra
	// and Malta is 4.1e-12 s. Falls back to Dijkstra on a graph without a
	// hierarchy.
	PHAST

	// Auto runs Dijkstra and turns to PHAST (starting again) when the
	// search would settle more than an eighth of the core graph, where a
	// sweep costs less: it looks after a thirty-second, extrapolating the
	// nodes within the limit from the time reached so far (they grow as
	// its square on a road network), and turns anyway past an eighth. Its
	// answer is Dijkstra's or PHAST's. Dijkstra on a graph without a
	// hierarchy.
	Auto
)

// Auto's thresholds, as fractions of the core graph's nodes. A one-to-all
// sweep costs about as much as a Dijkstra that settles a sixth (Malta: 0.33
// ms against about 75 ns a settled core node) to an eighth (Porto Alegre)
// of them (bench/README.md): Auto turns past an eighth. Its look after a
// thirty-second costs a quarter of a sweep at most.
const (
	autoShare = 8
	autoProbe = 32
)

// auto runs Auto's Dijkstra; true means: run PHAST instead.
func (s *Search) auto(ctx context.Context, limit graph.Seconds) (bool, error) {
	nc := s.g.NumCore()
	over, err := s.dijkstra(ctx, limit, nc/autoProbe)
	if !over || err != nil || limit == Unreached {
		return over, err
	}
	// The nodes within limit, extrapolated from those within the time of
	// the last one settled.
	last := s.node[s.settled[len(s.settled)-1]].t
	if r := float64(limit / last); last <= 0 || float64(len(s.settled))*r*r > float64(nc/autoShare) {
		return true, nil
	}
	return s.dijkstra(ctx, limit, nc/autoShare)
}

// WideMethod returns the method for a search of g with this limit (0:
// none): PHAST without a limit on a graph with a hierarchy, Auto
// otherwise.
func WideMethod(g *graph.Graph, limit graph.Seconds) Method {
	if g.Hierarchy() != nil && (limit <= 0 || limit == Unreached) {
		return PHAST
	}
	return Auto
}

// usePHAST tells whether Run should sweep the hierarchy.
func (s *Search) usePHAST(opt Options) bool {
	return opt.Method == PHAST && s.g.Hierarchy() != nil
}

// phastState is a sweep's labels by sweep position.
type phastState struct {
	t   graph.Seconds
	src int32
}

// runPHAST settles the core graph by an upward search from the queued
// entries followed by the downward sweep, and writes every core node's
// final state. The queue holds the seeds' core entries (Run offered them).
func (s *Search) runPHAST(ctx context.Context, limit graph.Seconds) error {
	g := s.g
	h := g.Hierarchy()
	node := s.node
	s.upward(limit)
	s.swept = true
	if err := ctx.Err(); err != nil {
		return err
	}
	nc := g.NumCore()
	if src, ok := s.oneSource(); ok {
		return s.sweepOne(ctx, src, limit)
	}
	if cap(s.sweep) < nc {
		s.sweep = make([]phastState, nc)
	}
	sw := s.sweep[:nc]
	for p := range sw {
		sw[p] = phastState{Unreached, -1}
	}
	for _, v := range s.touched {
		nv := &node[v]
		sw[h.Position(v)] = phastState{nv.t, nv.src}
	}
	// Edge by edge, as sweepOne (ties: the lower source).
	_, dnSrc, dnW := h.Down()
	head := g.SweepTable().DownHead
	for e0 := 0; e0 < len(head); e0 += sweepBlock {
		e1 := min(len(head), e0+sweepBlock)
		hd, from, w := head[e0:e1], dnSrc[e0:e1], dnW[e0:e1]
		from, w = from[:len(hd)], w[:len(hd)]
		for k, p := range hd {
			f := sw[from[k]]
			t := f.t + w[k]
			if b := &sw[p]; t < b.t || (t == b.t && f.src < b.src) {
				*b = phastState{t, f.src}
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	// Every core node's final state; the next reset clears them all.
	s.wide = true
	for p, v := range h.Order() {
		if b := sw[p]; b.t <= limit && b.t != Unreached {
			node[v] = nodeState{t: b.t, src: b.src, settled: true, seen: true}
			s.settled = append(s.settled, v)
		} else {
			node[v] = nodeState{}
		}
	}
	s.sweepChains(-1, true, limit)
	return nil
}

// oneSource returns the source number all of this run's seeds share, if
// they share one.
func (s *Search) oneSource() (int32, bool) {
	src, ok := int32(-1), false
	for _, v := range s.touched {
		if nv := &s.node[v]; nv.seen {
			if ok && nv.src != src {
				return 0, false
			}
			src, ok = nv.src, true
		}
	}
	return src, ok
}

// sweepOne is the downward sweep when every label comes from source src:
// times only (half the memory of a label with its source), the same sums
// and the same minima, so the same core times bit for bit. It runs edge by
// edge over the graph's SweepTable (one loop, no guessing of row lengths),
// taking the minimum of two times as the minimum of their bits (times are
// never negative or NaN: their bits order like their values, and a
// conditional move replaces a branch the processor cannot predict). It
// then gives every chain node its time too (sweepChains).
func (s *Search) sweepOne(ctx context.Context, src int32, limit graph.Seconds) error {
	h := s.g.Hierarchy()
	tab := s.g.SweepTable()
	nc := s.g.NumCore()
	if cap(s.sweepT) < nc {
		s.sweepT = make([]graph.Seconds, nc)
	}
	sw := s.sweepT[:nc]
	for p := range sw {
		sw[p] = Unreached
	}
	for _, v := range s.touched {
		sw[h.Position(v)] = s.node[v].t
	}
	_, dnSrc, dnW := h.Down()
	head := tab.DownHead
	for e0 := 0; e0 < len(head); e0 += sweepBlock {
		e1 := min(len(head), e0+sweepBlock)
		hd, from, w := head[e0:e1], dnSrc[e0:e1], dnW[e0:e1]
		from, w = from[:len(hd)], w[:len(hd)]
		for k, p := range hd {
			t := math.Float64bits(float64(sw[from[k]] + w[k]))
			sw[p] = graph.Seconds(math.Float64frombits(min(math.Float64bits(float64(sw[p])), t)))
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	s.wide = true
	node := s.node
	for p, v := range h.Order() {
		if t := sw[p]; t <= limit && t != Unreached {
			node[v] = nodeState{t: t, src: src, settled: true, seen: true}
			s.settled = append(s.settled, v)
		} else {
			node[v] = nodeState{}
		}
	}
	s.sweepChains(src, false, limit)
	return nil
}

// sweepBlock is how many down edges a sweep relaxes between two looks at
// its context.
const sweepBlock = 1 << 16

// sweepChains gives every chain node its time after sweepOne, from the
// sweep's times of its chain's ends and its times from them along the
// chain (SweepTable): the better of the two sums, node by node in node
// order. Sums from the chain's end differ from the chain pass's in-order
// sums (fillRange) by rounding only, under 1e-9 s. Chains holding a seed
// are left to fill, which counts the seed. With FillWorkers > 1 the nodes
// are split among workers.
func (s *Search) sweepChains(src int32, multi bool, limit graph.Seconds) {
	fs := s.fillers()
	s.dirty = false // every chain node is written below
	splitMin := s.splitMin
	if splitMin == 0 {
		splitMin = sweepSplitMin
	}
	split(fs, s.g.NumNodes()-s.g.NumCore(), splitMin, func(f *filler, lo, hi int) { s.sweepChainRange(f, lo, hi, src, multi, limit) })
	s.fillSeedChains(fs[0], limit)
}

// sweepSplitMin is the fewest chain nodes sweepChains splits among
// workers: below it, starting a goroutine costs more than it saves. On a
// quiet machine, one source to all nodes with the chain nodes split in two
// took 0.39 ms on Malta (47,000 chain nodes) against 0.34 ms on one, and
// 1.17 ms on Porto (216,000) against 1.29 ms (bench/README.md).
const sweepSplitMin = 1 << 17

// sweepChainRange is sweepChains over the interior indexes [lo, hi),
// clearing (for fill) the nodes of chains that hold a seed.
func (s *Search) sweepChainRange(f *filler, lo, hi int, src int32, multi bool, limit graph.Seconds) {
	g := s.g
	nCore := g.NumCore()
	starts, _, _ := g.ChainTable()
	// within is limit with +Inf (no limit) as the largest finite time, so
	// that t <= within tells a reached node.
	within := limit
	if within == Unreached {
		within = math.MaxFloat64
	}
	seg := lo
	for _, c := range s.seedChains {
		first, end := int(starts[c])-nCore, int(starts[c+1])-nCore
		if end <= lo || first >= hi {
			continue
		}
		first, end = max(first, lo), min(end, hi)
		s.sweepSegment(f, seg, first, src, multi, within)
		clear(s.node[nCore+first : nCore+end])
		seg = end
	}
	s.sweepSegment(f, seg, hi, src, multi, within)
}

// sweepSegment writes the states of the chain nodes of interior indexes
// [lo, hi) from the sweep's times.
func (s *Search) sweepSegment(f *filler, lo, hi int, src int32, multi bool, within graph.Seconds) {
	if lo >= hi {
		return
	}
	if multi {
		s.sweepSegmentMulti(f, lo, hi, within)
		return
	}
	tab := s.g.SweepTable()
	nCore := s.g.NumCore()
	sw := s.sweepT
	out := s.node[nCore+lo : nCore+hi]
	ea, eb := tab.EndA[lo:hi], tab.EndB[lo:hi]
	fa, fb := tab.FromA[lo:hi], tab.FromB[lo:hi]
	ea, eb, fa, fb = ea[:len(out)], eb[:len(out)], fa[:len(out)], fb[:len(out)]
	settled := slices.Grow(f.settled, len(out))
	v := graph.NodeID(nCore + lo)
	for i := range out {
		ta := math.Float64bits(float64(sw[ea[i]] + fa[i]))
		tb := math.Float64bits(float64(sw[eb[i]] + fb[i]))
		if t := graph.Seconds(math.Float64frombits(min(ta, tb))); t <= within {
			out[i] = nodeState{t: t, src: src, settled: true, seen: true}
			settled = append(settled, v+graph.NodeID(i))
		} else {
			out[i] = nodeState{}
		}
	}
	f.settled = settled
}

// sweepSegmentMulti is sweepSegment after a multi-source sweep: each chain
// node gets the better of its two ends' sums and that end's source (ties:
// the lower source).
func (s *Search) sweepSegmentMulti(f *filler, lo, hi int, within graph.Seconds) {
	tab := s.g.SweepTable()
	nCore := s.g.NumCore()
	sw := s.sweep
	out := s.node[nCore+lo : nCore+hi]
	ea, eb := tab.EndA[lo:hi], tab.EndB[lo:hi]
	fa, fb := tab.FromA[lo:hi], tab.FromB[lo:hi]
	ea, eb, fa, fb = ea[:len(out)], eb[:len(out)], fa[:len(out)], fb[:len(out)]
	settled := slices.Grow(f.settled, len(out))
	v := graph.NodeID(nCore + lo)
	for i := range out {
		a, b := sw[ea[i]], sw[eb[i]]
		t, src := a.t+fa[i], a.src
		if tb := b.t + fb[i]; tb < t || (tb == t && b.src < src) {
			t, src = tb, b.src
		}
		if t <= within {
			out[i] = nodeState{t: t, src: src, settled: true, seen: true}
			settled = append(settled, v+graph.NodeID(i))
		} else {
			out[i] = nodeState{}
		}
	}
	f.settled = settled
}

// upward runs the upward search of PHAST from the queued entries: a plain
// Dijkstra over the up edges, pruned at limit. Its labels are upper bounds
// on the times; the sweep makes them exact. The nodes it labels are in
// s.touched.
func (s *Search) upward(limit graph.Seconds) {
	node := s.node
	upOff, upTgt, upW := s.g.Hierarchy().Up()
	for s.queue.size > 0 {
		top := s.queue.min()
		s.queue.pop()
		u := top.v
		nu := &node[u]
		if nu.settled || top.t != nu.t {
			continue
		}
		nu.settled = true
		su := nu.src
		for e, end := upOff[u], upOff[u+1]; e < end; e++ {
			v := upTgt[e]
			t := top.t + upW[e]
			if t > limit {
				continue
			}
			nv := &node[v]
			if nv.settled {
				continue
			}
			if !nv.seen {
				nv.seen = true
				s.touched = append(s.touched, v)
			} else if t > nv.t || (t == nv.t && su >= nv.src) {
				continue
			}
			nv.t, nv.src = t, su
			s.queue.push(item{t, v})
		}
	}
}

// filler0 returns the first fill worker's scratch, emptied.
func (s *Search) filler0() *filler {
	if len(s.fill_) == 0 {
		s.fill_ = append(s.fill_, &filler{})
	}
	f := s.fill_[0]
	f.settled, f.touched = f.settled[:0], f.touched[:0]
	return f
}
