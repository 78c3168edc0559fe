package route

import (
	"context"
	"math"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// A Seed starts a search: node Node is reached at time Time (for example the
// partial edge from a snapped base) from source number Source.
type Seed struct {
	Node   graph.NodeID
	Time   graph.Seconds
	Source int32
}

// Options tune a search.
type Options struct {
	// Limit stops the search at this travel time: nodes farther than Limit
	// are left unreached. A node at exactly Limit is reached. Zero (or +Inf)
	// means no limit.
	Limit graph.Seconds
}

// Unreached is the time Time reports for a node the search did not reach.
var Unreached = graph.Seconds(math.Inf(1))

const (
	stateUnseen  = -1
	stateSettled = -2
)

type item struct {
	t graph.Seconds
	v graph.NodeID
}

// Search is a Dijkstra workspace bound to one graph. The zero value is not
// usable; call NewSearch. Not safe for concurrent use.
type Search struct {
	g       *graph.Graph
	dist    []graph.Seconds
	src     []int32
	state   []int32 // stateUnseen, stateSettled, or the node's position in heap
	heap    []item  // 4-ary min-heap on t
	touched []graph.NodeID
	settled []graph.NodeID
}

// NewSearch returns a workspace for searches on g. It allocates O(nodes) once.
func NewSearch(g *graph.Graph) *Search {
	n := g.NumNodes()
	s := &Search{
		g:     g,
		dist:  make([]graph.Seconds, n),
		src:   make([]int32, n),
		state: make([]int32, n),
	}
	for i := range s.state {
		s.state[i] = stateUnseen
	}
	return s
}

// Graph returns the graph the workspace searches.
func (s *Search) Graph() *graph.Graph { return s.g }

func (s *Search) reset() {
	for _, v := range s.touched {
		s.state[v] = stateUnseen
	}
	s.touched = s.touched[:0]
	s.settled = s.settled[:0]
	s.heap = s.heap[:0]
}

// Run computes, for every node within the limit, the least travel time from
// any seed and the seed's source. Ties go to the lower source number, so the
// answer does not depend on seed order. It replaces the previous run's
// result. It returns ctx.Err() if ctx is cancelled (the result is then partial).
func (s *Search) Run(ctx context.Context, seeds []Seed, opt Options) error {
	s.reset()
	limit := opt.Limit
	if limit <= 0 {
		limit = Unreached
	}
	for _, sd := range seeds {
		if int(sd.Node) >= len(s.state) || !(sd.Time >= 0) {
			continue
		}
		s.relax(sd.Node, sd.Time, sd.Source)
	}
	offsets, targets, weights := s.g.CSR()
	pops := 0
	for len(s.heap) > 0 {
		top := s.heap[0]
		if top.t > limit {
			break
		}
		s.pop()
		u := top.v
		s.state[u] = stateSettled
		s.settled = append(s.settled, u)
		su := s.src[u]
		for e := offsets[u]; e < offsets[u+1]; e++ {
			v := targets[e]
			if s.state[v] == stateSettled {
				continue
			}
			s.relax(v, top.t+weights[e], su)
		}
		if pops++; pops&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// relax offers time t from source src to node v.
func (s *Search) relax(v graph.NodeID, t graph.Seconds, src int32) {
	switch p := s.state[v]; {
	case p == stateUnseen:
		s.touched = append(s.touched, v)
		s.dist[v], s.src[v] = t, src
		s.state[v] = int32(len(s.heap))
		s.heap = append(s.heap, item{t, v})
		s.up(int(s.state[v]))
	case p >= 0:
		if t < s.dist[v] || (t == s.dist[v] && src < s.src[v]) {
			s.dist[v], s.src[v] = t, src
			s.heap[p].t = t
			s.up(int(p))
		}
	}
}

func (s *Search) up(i int) {
	h := s.heap
	it := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if h[p].t <= it.t {
			break
		}
		h[i] = h[p]
		s.state[h[i].v] = int32(i)
		i = p
	}
	h[i] = it
	s.state[it.v] = int32(i)
}

func (s *Search) pop() {
	h := s.heap
	last := len(h) - 1
	it := h[last]
	s.heap = h[:last]
	h = s.heap
	if last == 0 {
		return
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= last {
			break
		}
		best := c
		end := min(c+4, last)
		for k := c + 1; k < end; k++ {
			if h[k].t < h[best].t {
				best = k
			}
		}
		if h[best].t >= it.t {
			break
		}
		h[i] = h[best]
		s.state[h[i].v] = int32(i)
		i = best
	}
	h[i] = it
	s.state[it.v] = int32(i)
}

// Time returns the travel time to v found by the last Run, and whether v was
// reached within the limit.
func (s *Search) Time(v graph.NodeID) (graph.Seconds, bool) {
	if s.state[v] != stateSettled {
		return Unreached, false
	}
	return s.dist[v], true
}

// Source returns the source number of the seed that reaches v first, or -1
// when v was not reached.
func (s *Search) Source(v graph.NodeID) int32 {
	if s.state[v] != stateSettled {
		return -1
	}
	return s.src[v]
}

// Settled returns the nodes the last Run reached, in order of travel time.
// The slice is reused by the next Run.
func (s *Search) Settled() []graph.NodeID { return s.settled }

// A Tree is the result of a search copied out of its workspace: for every
// node, the travel time (Unreached if not reached) and the source (-1).
type Tree struct {
	Time   []graph.Seconds
	Source []int32
}

// Tree copies the last Run's result into a Tree indexed by NodeID.
func (s *Search) Tree() Tree {
	n := len(s.state)
	t := Tree{Time: make([]graph.Seconds, n), Source: make([]int32, n)}
	for i := range t.Time {
		t.Time[i] = Unreached
		t.Source[i] = -1
	}
	for _, v := range s.settled {
		t.Time[v], t.Source[v] = s.dist[v], s.src[v]
	}
	return t
}
