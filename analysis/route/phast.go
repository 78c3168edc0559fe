package route

import (
	"context"

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
	// one-to-all and many-to-all searches. Times agree with Dijkstra's to
	// within 1e-9 s (shortcuts add the same edge times in another order),
	// not always to the last bit. Falls back to Dijkstra on a graph without
	// a hierarchy.
	PHAST
)

// PHASTMinLimit is the smallest limit for which WideMethod chooses PHAST.
// A bounded Dijkstra costs about the nodes within the limit, a PHAST sweep
// every core node whatever the limit; on Malta a bounded Dijkstra costs as
// much as a sweep at about this limit (bench/README.md).
const PHASTMinLimit graph.Seconds = 20 * 60

// WideMethod returns the faster method for a search of g with this limit
// (0: none), by measurement: PHAST for wide searches on a graph with a
// hierarchy, Dijkstra otherwise.
func WideMethod(g *graph.Graph, limit graph.Seconds) Method {
	if g.Hierarchy() != nil && (limit <= 0 || limit >= PHASTMinLimit) {
		return PHAST
	}
	return Dijkstra
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
	dnOff, dnSrc, dnW := h.Down()
	for p := range sw {
		b := sw[p]
		for e, end := dnOff[p], dnOff[p+1]; e < end; e++ {
			from := &sw[dnSrc[e]]
			t := from.t + dnW[e]
			if t < b.t || (t == b.t && from.src < b.src) {
				b = phastState{t, from.src}
			}
		}
		sw[p] = b
		if p&65535 == 65535 && ctx.Err() != nil {
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
// and the same minima, so the same answer bit for bit.
func (s *Search) sweepOne(ctx context.Context, src int32, limit graph.Seconds) error {
	h := s.g.Hierarchy()
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
	dnOff, dnSrc, dnW := h.Down()
	for p := range sw {
		b := sw[p]
		for e, end := dnOff[p], dnOff[p+1]; e < end; e++ {
			if t := sw[dnSrc[e]] + dnW[e]; t < b {
				b = t
			}
		}
		sw[p] = b
		if p&65535 == 65535 && ctx.Err() != nil {
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
	return nil
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
