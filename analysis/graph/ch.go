package graph

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
)

// A Hierarchy is a contraction hierarchy over the core graph (Geisberger,
// Sanders, Schultes and Delling, "Contraction Hierarchies", 2008): the core
// nodes contracted one by one, cheapest first, each contraction adding a
// shortcut u→w (weight w(u,v) + w(v,w)) wherever the path through v is the
// only shortest one a bounded witness search finds. Every core node gets a
// rank, its contraction order. The edges of the core graph and the
// shortcuts then split in two:
//
//   - up edges v→w with rank(w) > rank(v), in rows by NodeID (Up);
//   - down edges u→v with rank(u) > rank(v), in rows by sweep position
//     (Down): position p holds the core node of rank NumCore−1−p, so a
//     sweep over the positions in order meets every edge's tail before its
//     head.
//
// The time from a set of seeds to every core node is then an upward search
// from the seeds over the up edges followed by one linear sweep over the
// down edges (PHAST, Delling, Goldberg, Nowatzyk and Werneck 2011, package
// route). Sums along shortcuts add the same edge times as the core graph's
// paths but in another order, so times may differ from a plain search in
// the last bits (about 1e-12 s here).
//
// A Hierarchy belongs to its graph, is immutable, and is safe for concurrent
// use. Its slices must not be modified.
type Hierarchy struct {
	rank  []uint32 // by core NodeID: 0 was contracted first
	order []NodeID // by sweep position: core nodes by descending rank

	upOff []uint32 // by core NodeID, len NumCore+1
	upTgt []NodeID
	upW   []Seconds

	dnOff []uint32 // by sweep position, len NumCore+1
	dnSrc []uint32 // sweep position of each down edge's tail (< the row's position)
	dnW   []Seconds
}

// Hierarchy returns the graph's contraction hierarchy, or nil when it has
// none (a scenario graph from Modified: searches fall back to Dijkstra).
func (g *Graph) Hierarchy() *Hierarchy { return g.ch }

// Rank returns the contraction rank of core node v (0 = contracted first).
func (h *Hierarchy) Rank(v NodeID) uint32 { return h.rank[v] }

// Position returns the sweep position of core node v: NumCore−1−Rank(v).
func (h *Hierarchy) Position(v NodeID) uint32 { return uint32(len(h.rank)) - 1 - h.rank[v] }

// Order returns the core nodes by sweep position (descending rank).
func (h *Hierarchy) Order() []NodeID { return h.order }

// Up returns the up edges in CSR form by core NodeID: the up edges of v
// lead to targets[offsets[v]:offsets[v+1]] with the same range of weights.
func (h *Hierarchy) Up() (offsets []uint32, targets []NodeID, weights []Seconds) {
	return h.upOff, h.upTgt, h.upW
}

// Down returns the down edges in CSR form by sweep position: the down edges
// into the node at position p come from the positions
// sources[offsets[p]:offsets[p+1]] (all below p) with the same range of
// weights.
func (h *Hierarchy) Down() (offsets []uint32, sources []uint32, weights []Seconds) {
	return h.dnOff, h.dnSrc, h.dnW
}

// NumUp and NumDown return the number of up and down edges, shortcuts included.
func (h *Hierarchy) NumUp() int   { return len(h.upTgt) }
func (h *Hierarchy) NumDown() int { return len(h.dnSrc) }

// MemoryBytes returns the bytes held by the hierarchy's arrays (ranks,
// sweep order, row offsets, edges and times).
func (h *Hierarchy) MemoryBytes() int {
	return 8*len(h.rank) + 8*len(h.upOff) + 12*len(h.upTgt) + 12*len(h.dnSrc)
}

// Contraction settings.
const (
	// witnessSettle bounds each witness search: past this many settled nodes
	// the search gives up and the shortcut is added (a superfluous shortcut
	// costs a little query time, never a wrong answer). 500 is where OSM
	// road graphs stop gaining from longer searches (Geisberger et al. use
	// a few hundred to a thousand).
	witnessSettle = 500
	// simulateSettle bounds the witness searches that only estimate a
	// node's priority: a rougher count, many times cheaper.
	simulateSettle = 60
)

// chArc is an edge of the graph being contracted.
type chArc struct {
	to uint32
	w  Seconds
}

// contractor holds the working graph of a contraction.
type contractor struct {
	out, in    [][]chArc
	done       []bool
	deleted    []int32 // contracted neighbours
	level      []int32 // depth in the hierarchy
	prio       []int32
	ws         witness
	shortcuts  []chArc // scratch: shortcuts of one contraction, as (from, to) pairs below
	scFrom     []uint32
	up, dn     [][]chArc // the final up edges of each node and down edges into it
	contracted int
}

// contractCheck is how many nodes a contraction handles (queued, then
// contracted) between two looks at its context and two progress reports.
// Contracting a node takes 1 to 50 µs on a road graph (the last, densest
// ones the longest; Malta: 24,424 core nodes in 1.2 s), so a cancelled
// build stops within about 10 ms, and the check costs nothing measurable.
const contractCheck = 256

// buildHierarchy contracts the core graph of g and attaches the hierarchy.
func (g *Graph) buildHierarchy(ctx context.Context, progress func(done, total int)) error {
	h, err := contract(ctx, g, progress)
	if err != nil {
		return err
	}
	g.ch = h
	return nil
}

// Contract contracts g's core graph and returns the hierarchy without
// attaching it to g (g is not changed): for measuring, and for comparing a
// re-contraction with the plain search on a scenario graph. Single-threaded.
func Contract(g *Graph) *Hierarchy {
	h, err := contract(context.Background(), g, nil)
	if err != nil {
		panic(err) // only a cancelled context fails, and this one never is
	}
	return h
}

// contract is Contract with a context and a progress report (core nodes
// contracted, of total), both looked at every contractCheck nodes.
func contract(ctx context.Context, g *Graph, progress func(done, total int)) (*Hierarchy, error) {
	nc := int(g.nCore)
	stopped := func(done int) error {
		return fmt.Errorf("graph: contraction stopped after %d of %d core nodes: %w", done, nc, ctx.Err())
	}
	if ctx.Err() != nil {
		return nil, stopped(0)
	}
	c := &contractor{
		out: make([][]chArc, nc), in: make([][]chArc, nc),
		done: make([]bool, nc), deleted: make([]int32, nc), level: make([]int32, nc), prio: make([]int32, nc),
		up: make([][]chArc, nc), dn: make([][]chArc, nc),
	}
	c.ws.init(nc)
	for u := 0; u < nc; u++ {
		for e := g.coreOff[u]; e < g.coreOff[u+1]; e++ {
			v, w := uint32(g.coreTgt[e]), g.coreW[e]
			if v != uint32(u) {
				c.addArc(uint32(u), v, w)
			}
		}
	}
	q := &prioQueue{}
	for v := 0; v < nc; v++ {
		if v%contractCheck == 0 && ctx.Err() != nil {
			return nil, stopped(0)
		}
		c.prio[v] = c.priority(uint32(v))
		heap.Push(q, prioItem{c.prio[v], uint32(v)})
	}
	rank := make([]uint32, nc)
	for q.Len() > 0 {
		it := heap.Pop(q).(prioItem)
		v := it.v
		if c.done[v] || it.p != c.prio[v] {
			continue // stale
		}
		// Lazy update: the priority may have grown since it was queued.
		if p := c.priority(v); q.Len() > 0 && p > (*q)[0].p {
			c.prio[v] = p
			heap.Push(q, prioItem{p, v})
			continue
		}
		if c.contracted%contractCheck == 0 {
			if progress != nil {
				progress(c.contracted, nc)
			}
			if ctx.Err() != nil {
				return nil, stopped(c.contracted)
			}
		}
		rank[v] = uint32(c.contracted)
		c.contract(v)
		for _, a := range c.up[v] {
			c.touch(q, v, a.to)
		}
		for _, a := range c.dn[v] {
			c.touch(q, v, a.to)
		}
	}
	if progress != nil {
		progress(nc, nc)
	}
	return c.hierarchy(rank), nil
}

// touch updates neighbour x of the just contracted v.
func (c *contractor) touch(q *prioQueue, v, x uint32) {
	c.deleted[x]++
	c.level[x] = max(c.level[x], c.level[v]+1)
	if p := c.priority(x); p != c.prio[x] {
		c.prio[x] = p
		heap.Push(q, prioItem{p, x})
	}
}

// addArc adds u→v with weight w, or lowers the weight of an existing u→v.
func (c *contractor) addArc(u, v uint32, w Seconds) {
	for i := range c.out[u] {
		if c.out[u][i].to == v {
			if w < c.out[u][i].w {
				c.out[u][i].w = w
				for j := range c.in[v] {
					if c.in[v][j].to == u {
						c.in[v][j].w = w
					}
				}
			}
			return
		}
	}
	c.out[u] = append(c.out[u], chArc{v, w})
	c.in[v] = append(c.in[v], chArc{u, w})
}

// removeArc removes the arc to (or from) x from list s.
func removeArc(s []chArc, x uint32) []chArc {
	for i := range s {
		if s[i].to == x {
			s[i] = s[len(s)-1]
			return s[:len(s)-1]
		}
	}
	return s
}

// shortcutsOf finds the shortcuts contracting v needs, into c.scFrom and
// c.shortcuts (parallel: from, to and weight).
func (c *contractor) shortcutsOf(v uint32, settleLimit int) {
	c.scFrom, c.shortcuts = c.scFrom[:0], c.shortcuts[:0]
	if len(c.out[v]) == 0 {
		return
	}
	var maxOut Seconds
	for _, b := range c.out[v] {
		maxOut = max(maxOut, b.w)
	}
	c.ws.targetGen++
	if c.ws.targetGen == 0 {
		clear(c.ws.target)
		c.ws.targetGen = 1
	}
	for _, b := range c.out[v] {
		c.ws.target[b.to] = c.ws.targetGen
	}
	for _, a := range c.in[v] {
		u := a.to
		c.ws.run(c, u, v, a.w+maxOut, len(c.out[v]), settleLimit)
		for _, b := range c.out[v] {
			if b.to == u {
				continue
			}
			via := a.w + b.w
			if d, ok := c.ws.dist(b.to); ok && d <= via {
				continue // a witness path no longer than the one through v
			}
			c.scFrom = append(c.scFrom, u)
			c.shortcuts = append(c.shortcuts, chArc{b.to, via})
		}
	}
}

// priority is the order heuristic: the edge difference (shortcuts added
// less edges removed), the neighbours already contracted (spreads the
// contraction evenly) and the depth (keeps the hierarchy shallow).
func (c *contractor) priority(v uint32) int32 {
	c.shortcutsOf(v, simulateSettle)
	ed := int32(len(c.shortcuts)) - int32(len(c.in[v])+len(c.out[v]))
	return 4*ed + 2*c.deleted[v] + c.level[v]
}

// contract removes v from the working graph, records its final edges and
// adds its shortcuts.
func (c *contractor) contract(v uint32) {
	c.shortcutsOf(v, witnessSettle)
	c.up[v] = slices.Clone(c.out[v])
	c.dn[v] = slices.Clone(c.in[v])
	for _, a := range c.out[v] {
		c.in[a.to] = removeArc(c.in[a.to], v)
	}
	for _, a := range c.in[v] {
		c.out[a.to] = removeArc(c.out[a.to], v)
	}
	c.out[v], c.in[v] = nil, nil
	c.done[v] = true
	c.contracted++
	for i, s := range c.shortcuts {
		c.addArc(c.scFrom[i], s.to, s.w)
	}
}

// hierarchy lays the recorded edges out in CSR form.
func (c *contractor) hierarchy(rank []uint32) *Hierarchy {
	nc := len(rank)
	h := &Hierarchy{rank: rank, order: make([]NodeID, nc), upOff: make([]uint32, nc+1), dnOff: make([]uint32, nc+1)}
	for v, r := range rank {
		h.order[nc-1-int(r)] = NodeID(v)
	}
	for v := 0; v < nc; v++ {
		row := c.up[v]
		slices.SortFunc(row, func(a, b chArc) int { return int(a.to) - int(b.to) })
		for _, a := range row {
			h.upTgt = append(h.upTgt, NodeID(a.to))
			h.upW = append(h.upW, a.w)
		}
		h.upOff[v+1] = uint32(len(h.upTgt))
	}
	for p, v := range h.order {
		row := c.dn[v]
		for i := range row {
			row[i].to = uint32(nc) - 1 - rank[row[i].to] // tail's position
		}
		slices.SortFunc(row, func(a, b chArc) int { return int(a.to) - int(b.to) })
		for _, a := range row {
			h.dnSrc = append(h.dnSrc, a.to)
			h.dnW = append(h.dnW, a.w)
		}
		h.dnOff[p+1] = uint32(len(h.dnSrc))
	}
	return h
}

// check verifies the invariants a search relies on (for a hierarchy read
// from a file): ranks a permutation, up edges going up, down edges coming
// from earlier positions, times finite and >= 0, the sweep order the
// ranks' inverse. It allocates nothing.
func (h *Hierarchy) check(nc int) error {
	if len(h.rank) != nc || len(h.order) != nc || len(h.upOff) != nc+1 || len(h.dnOff) != nc+1 {
		return fmt.Errorf("hierarchy of %d ranks does not fit %d core nodes", len(h.rank), nc)
	}
	for v, r := range h.rank {
		if int(r) >= nc {
			return fmt.Errorf("hierarchy rank %d of node %d out of range", r, v)
		}
	}
	// Each position names a node of the matching rank: the positions name
	// distinct nodes, so the ranks are a permutation and order its inverse.
	for p, v := range h.order {
		if int(v) >= nc || int(h.rank[v]) != nc-1-p {
			return fmt.Errorf("hierarchy sweep position %d holds node %d, not the node of rank %d (ranks repeated or order corrupt)", p, v, nc-1-p)
		}
	}
	for _, s := range [2][]uint32{h.upOff, h.dnOff} {
		if s[0] != 0 {
			return fmt.Errorf("hierarchy rows start at %d", s[0])
		}
		for i := 0; i < nc; i++ {
			if s[i] > s[i+1] {
				return fmt.Errorf("hierarchy row offsets decrease at %d", i)
			}
		}
	}
	if int(h.upOff[nc]) != len(h.upTgt) || int(h.dnOff[nc]) != len(h.dnSrc) {
		return fmt.Errorf("hierarchy rows end at %d and %d, want %d and %d", h.upOff[nc], h.dnOff[nc], len(h.upTgt), len(h.dnSrc))
	}
	for v := 0; v < nc; v++ {
		for e := h.upOff[v]; e < h.upOff[v+1]; e++ {
			if t := h.upTgt[e]; int(t) >= nc || h.rank[t] <= h.rank[v] {
				return fmt.Errorf("hierarchy up edge %d->%d does not go up", v, t)
			}
		}
		for e := h.dnOff[v]; e < h.dnOff[v+1]; e++ {
			if h.dnSrc[e] >= uint32(v) {
				return fmt.Errorf("hierarchy down edge into position %d comes from position %d", v, h.dnSrc[e])
			}
		}
	}
	for _, ws := range [2][]Seconds{h.upW, h.dnW} {
		for i, w := range ws {
			if !(w >= 0) || w > maxSeconds {
				return fmt.Errorf("hierarchy edge %d has time %v", i, w)
			}
		}
	}
	return nil
}

// maxSeconds is a bound no finite path time reaches (a year).
const maxSeconds = 365 * 24 * 3600

// witness is a bounded Dijkstra workspace for witness searches.
type witness struct {
	d         []Seconds
	stamp     []uint32
	gen       uint32
	target    []uint32 // targetGen marks the nodes a run may stop after settling
	targetGen uint32
	q         prioQueueF
}

func (ws *witness) init(n int) {
	ws.d = make([]Seconds, n)
	ws.stamp = make([]uint32, n)
	ws.target = make([]uint32, n)
}

func (ws *witness) dist(v uint32) (Seconds, bool) {
	if ws.stamp[v] != ws.gen {
		return 0, false
	}
	return ws.d[v], true
}

// run searches from src over the working graph without node skip, up to
// time limit and maxSettle settled nodes, or until the targets (marked,
// targets of them) are all settled.
func (ws *witness) run(c *contractor, src, skip uint32, limit Seconds, targets, maxSettle int) {
	ws.gen++
	if ws.gen == 0 {
		clear(ws.stamp)
		ws.gen = 1
	}
	ws.q = ws.q[:0]
	ws.d[src], ws.stamp[src] = 0, ws.gen
	ws.q.push(fitem{0, src})
	settled := 0
	for len(ws.q) > 0 {
		it := ws.q.pop()
		if it.t > ws.d[it.v] {
			continue
		}
		if it.t > limit || settled >= maxSettle {
			return
		}
		settled++
		if ws.target[it.v] == ws.targetGen {
			if targets--; targets == 0 {
				return // every target has its final distance
			}
		}
		for _, a := range c.out[it.v] {
			if a.to == skip {
				continue
			}
			t := it.t + a.w
			if ws.stamp[a.to] != ws.gen || t < ws.d[a.to] {
				ws.d[a.to], ws.stamp[a.to] = t, ws.gen
				ws.q.push(fitem{t, a.to})
			}
		}
	}
}

// prioItem and prioQueue: the contraction order's min-heap.
type prioItem struct {
	p int32
	v uint32
}

type prioQueue []prioItem

func (q prioQueue) Len() int { return len(q) }
func (q prioQueue) Less(i, j int) bool {
	if q[i].p != q[j].p {
		return q[i].p < q[j].p
	}
	return q[i].v < q[j].v
}
func (q prioQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *prioQueue) Push(x any)   { *q = append(*q, x.(prioItem)) }
func (q *prioQueue) Pop() any {
	o := *q
	x := o[len(o)-1]
	*q = o[:len(o)-1]
	return x
}

// fitem and prioQueueF: a plain binary min-heap by time for witness searches.
type fitem struct {
	t Seconds
	v uint32
}

type prioQueueF []fitem

func (q *prioQueueF) push(it fitem) {
	*q = append(*q, it)
	s := *q
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].t <= s[i].t {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (q *prioQueueF) pop() fitem {
	s := *q
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		m := l
		if r := l + 1; r < len(s) && s[r].t < s[l].t {
			m = r
		}
		if s[i].t <= s[m].t {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*q = s
	return top
}
