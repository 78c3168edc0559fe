package shelter

import (
	"context"
	"fmt"
	"math"

	"github.com/rescuegrid/rescuegrid/internal/minheap"
)

// Assignment is Assign's answer: residents of each cell placed in shelters
// within reach, no shelter above its places, the most residents placed and,
// among such placements, the least walking person-seconds.
//
// Residents are real numbers (population tables hold areal estimates), so
// the flow is fractional where the data are; with whole-number demand and
// places every flow is whole too (successive shortest paths augment by
// bottlenecks, which stay whole).
type Assignment struct {
	// Flow is the residents of the entry's cell placed in the entry's
	// shelter, parallel to the matrix entries.
	Flow []float64
	// Load is each shelter's residents placed; Spare its places left.
	Load, Spare []float64
	// Placed and Unplaced are each cell's residents with and without a place.
	Placed, Unplaced []float64
	// PersonSeconds is Σ flow × walking time, the objective.
	PersonSeconds float64
	// Relief says an added place at the shelter would place one more
	// resident (the shelter is full and some resident without a place can
	// reach it, directly or by moving others along a chain of shelters);
	// ReliefSeconds is the walking seconds that added resident costs in
	// total (+Inf where Relief is false). These are the capacity's shadow
	// prices: where to add places first.
	Relief        []bool
	ReliefSeconds []float64
	// Phases is the number of shortest-path searches, Augmentations the
	// number of augmenting paths (for benchmarks).
	Phases, Augmentations int
}

// Assign solves the capacitated assignment on m: demand is the residents
// of each cell who need a place, places each shelter's capacity. It is a
// min-cost max-flow on source → cells (capacity = demand) → shelters (one
// arc per matrix entry, cost = walking seconds) → sink (capacity = places),
// solved by successive shortest paths with node potentials (Dijkstra on
// reduced costs), each phase pushing a blocking flow through all the paths
// of the phase's least cost (the primal-dual method). The result is optimal
// up to floating-point rounding: flows below 1e-9 of the largest demand and
// reduced costs below 1e-9 of the longest walk count as zero.
func Assign(ctx context.Context, m *Matrix, demand, places []float64) (*Assignment, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if len(demand) != m.Cells || len(places) != m.Shelters {
		return nil, fmt.Errorf("%w: matrix %d×%d, %d demands, %d capacities", ErrInput, m.Cells, m.Shelters, len(demand), len(places))
	}
	for i, d := range demand {
		if !(d >= 0) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("%w: cell %d demand %v", ErrInput, i, d)
		}
	}
	for j, p := range places {
		if !(p >= 0) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("%w: shelter %d places %v", ErrInput, j, p)
		}
	}
	f := newFlow(m, demand, places)
	if err := f.solve(ctx); err != nil {
		return nil, err
	}
	a := &Assignment{
		Flow: make([]float64, m.Len()), Load: make([]float64, m.Shelters), Spare: make([]float64, m.Shelters),
		Placed: make([]float64, m.Cells), Unplaced: make([]float64, m.Cells),
		Relief: make([]bool, m.Shelters), ReliefSeconds: make([]float64, m.Shelters),
		Phases: f.phases, Augmentations: f.augments,
	}
	rows := m.rows()
	for k := range a.Flow {
		x := f.cap[f.entryArc[k]^1] // the reverse arc holds the flow
		if x <= f.capEps {
			x = 0
		}
		a.Flow[k] = x
		i, j := rows[k], m.Shelter[k]
		a.Placed[i] += x
		a.Load[j] += x
		a.PersonSeconds += x * m.Seconds[k]
	}
	for i := range a.Unplaced {
		a.Unplaced[i] = math.Max(0, demand[i]-a.Placed[i])
		if a.Unplaced[i] <= f.capEps {
			a.Unplaced[i] = 0
		}
	}
	for j := range a.Spare {
		a.Spare[j] = math.Max(0, places[j]-a.Load[j])
		if a.Spare[j] <= f.capEps {
			a.Spare[j] = 0
		}
	}
	f.relief(a)
	return a, nil
}

// flow is the residual network. Node 0 is the source, 1..n the cells,
// n+1..n+m the shelters, n+m+1 the sink. Arcs come in pairs: arc a and its
// reverse a^1.
type flow struct {
	n, m     int
	nodes    int
	adjOff   []int32 // arcs leaving node v: adj[adjOff[v]:adjOff[v+1]]
	adj      []int32
	head     []int32
	cap      []float64 // residual capacity
	cost     []float64
	entryArc []int32 // matrix entry → its forward arc

	pi, dist []float64
	heap     minheap.Heap[int32]
	queue    []int32
	level    []int32
	cur      []int32
	prevArc  []int32
	capEps   float64
	costEps  float64

	phases, augments int
}

func newFlow(m *Matrix, demand, places []float64) *flow {
	n, s := m.Cells, m.Shelters
	f := &flow{n: n, m: s, nodes: n + s + 2}
	sink := int32(n + s + 1)
	var maxCap, maxCost float64
	type arc struct {
		from, to  int32
		cap, cost float64
	}
	arcs := make([]arc, 0, n+s+m.Len())
	for i, d := range demand {
		arcs = append(arcs, arc{0, int32(1 + i), d, 0})
		maxCap = math.Max(maxCap, d)
	}
	for j, p := range places {
		arcs = append(arcs, arc{int32(1 + n + j), sink, p, 0})
		maxCap = math.Max(maxCap, p)
	}
	f.entryArc = make([]int32, m.Len())
	for i := 0; i < n; i++ {
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			f.entryArc[k] = int32(2 * len(arcs))
			// The cell's own demand bounds what the arc can carry.
			arcs = append(arcs, arc{int32(1 + i), int32(1 + n + int(m.Shelter[k])), demand[i], m.Seconds[k]})
			maxCost = math.Max(maxCost, m.Seconds[k])
		}
	}
	f.capEps = 1e-9 * math.Max(1, maxCap)
	f.costEps = 1e-9 * math.Max(1, maxCost)
	na := 2 * len(arcs)
	f.head, f.cap, f.cost = make([]int32, na), make([]float64, na), make([]float64, na)
	f.adjOff = make([]int32, f.nodes+1)
	for _, a := range arcs {
		f.adjOff[a.from+1]++
		f.adjOff[a.to+1]++
	}
	for v := 0; v < f.nodes; v++ {
		f.adjOff[v+1] += f.adjOff[v]
	}
	f.adj = make([]int32, na)
	next := append([]int32(nil), f.adjOff[:f.nodes]...)
	for k, a := range arcs {
		fw, bw := int32(2*k), int32(2*k+1)
		f.head[fw], f.cap[fw], f.cost[fw] = a.to, a.cap, a.cost
		f.head[bw], f.cap[bw], f.cost[bw] = a.from, 0, -a.cost
		f.adj[next[a.from]] = fw
		next[a.from]++
		f.adj[next[a.to]] = bw
		next[a.to]++
	}
	f.pi = make([]float64, f.nodes)
	f.dist = make([]float64, f.nodes)
	f.level = make([]int32, f.nodes)
	f.cur = make([]int32, f.nodes)
	f.prevArc = make([]int32, f.nodes)
	return f
}

func (f *flow) tail(a int32) int32 { return f.head[a^1] }

// reduced returns the reduced cost of arc a, clamped at 0: potentials keep
// it >= 0 but for rounding.
func (f *flow) reduced(a int32) float64 {
	return math.Max(0, f.cost[a]+f.pi[f.tail(a)]-f.pi[f.head[a]])
}

// dijkstra fills f.dist with reduced-cost distances from the sources (every
// node with seed distance 0 in from) over arcs with residual capacity,
// stopping when the sink is settled; it skips arcs into the sink (and
// settles everything) when noSink.
func (f *flow) dijkstra(from []int32, noSink bool) {
	sink := int32(f.nodes - 1)
	for v := range f.dist {
		f.dist[v] = math.Inf(1)
		f.prevArc[v] = -1
	}
	h := f.heap[:0]
	for _, s := range from {
		f.dist[s] = 0
		h.Push(0, s)
	}
	defer func() { f.heap = h[:0] }()
	for len(h) > 0 {
		it := h.Pop()
		u := it.Val
		if it.Key > f.dist[u] {
			continue
		}
		if u == sink && !noSink {
			// Every node not yet settled is at least as far as the sink: the
			// potential update takes min(dist, dist[sink]) and stays exact.
			break
		}
		for _, a := range f.adj[f.adjOff[u]:f.adjOff[u+1]] {
			if f.cap[a] <= f.capEps {
				continue
			}
			v := f.head[a]
			if noSink && v == sink {
				continue
			}
			if d := it.Key + f.reduced(a); d < f.dist[v] {
				f.dist[v] = d
				f.prevArc[v] = a
				h.Push(d, v)
			}
		}
	}
}

// solve runs the primal-dual phases until the sink is out of reach.
func (f *flow) solve(ctx context.Context) error {
	sink := int32(f.nodes - 1)
	src := []int32{0}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		f.dijkstra(src, false)
		ds := f.dist[sink]
		if math.IsInf(ds, 1) {
			return nil
		}
		f.phases++
		for v := range f.pi {
			f.pi[v] += math.Min(f.dist[v], ds)
		}
		// Blocking flow on the admissible arcs (reduced cost ~ 0).
		for f.levels() {
			copy(f.cur, f.adjOff[:f.nodes])
			for {
				pushed := f.push(0, math.Inf(1))
				if pushed <= f.capEps {
					break
				}
				f.augments++
			}
		}
	}
}

// admissible reports whether a may carry flow in this phase.
func (f *flow) admissible(a int32) bool {
	return f.cap[a] > f.capEps && f.cost[a]+f.pi[f.tail(a)]-f.pi[f.head[a]] <= f.costEps
}

// levels numbers the nodes by BFS depth from the source over admissible
// arcs and reports whether the sink is reached.
func (f *flow) levels() bool {
	for v := range f.level {
		f.level[v] = -1
	}
	f.level[0] = 0
	q := append(f.queue[:0], 0)
	defer func() { f.queue = q[:0] }()
	for head := 0; head < len(q); head++ {
		u := q[head]
		for _, a := range f.adj[f.adjOff[u]:f.adjOff[u+1]] {
			if v := f.head[a]; f.level[v] < 0 && f.admissible(a) {
				f.level[v] = f.level[u] + 1
				q = append(q, v)
			}
		}
	}
	return f.level[f.nodes-1] >= 0
}

// push sends up to limit along level-increasing admissible arcs from u to
// the sink (Dinic's DFS with current-arc pointers) and returns the amount.
func (f *flow) push(u int32, limit float64) float64 {
	if u == int32(f.nodes-1) {
		return limit
	}
	for ; f.cur[u] < f.adjOff[u+1]; f.cur[u]++ {
		a := f.adj[f.cur[u]]
		v := f.head[a]
		if f.level[v] != f.level[u]+1 || !f.admissible(a) {
			continue
		}
		if got := f.push(v, math.Min(limit, f.cap[a])); got > f.capEps {
			f.cap[a] -= got
			f.cap[a^1] += got
			return got
		}
	}
	return 0
}

// relief finds the shelters an added place would help: those the residual
// network reaches from a cell with residents left without a place (the
// source arcs with capacity left are exactly those cells), and the walking
// seconds of the cheapest such chain. The potentials of the last phase are
// still feasible, so one Dijkstra on reduced costs finds them all.
func (f *flow) relief(a *Assignment) {
	for j := range a.ReliefSeconds {
		a.ReliefSeconds[j] = math.Inf(1)
	}
	f.dijkstra([]int32{0}, true)
	for j := 0; j < f.m; j++ {
		v := int32(1 + f.n + j)
		if d := f.dist[v]; !math.IsInf(d, 1) {
			a.Relief[j] = true
			a.ReliefSeconds[j] = math.Max(0, d+f.pi[v]-f.pi[0]) // reduced back to true cost
		}
	}
}
