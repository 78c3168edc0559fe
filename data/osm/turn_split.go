package osm

import (
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/osm"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// relation reads a relation of the first pass when the profile has turn
// rules: restrictions that apply are kept for build, the others counted.
func (b *builder) relation(rel *osm.Relation) {
	if b.profile.TurnRestrictions == nil || b.res.done {
		return
	}
	tr, skip, ok := b.profile.TurnRestrictions.readRestriction(rel)
	if !ok {
		return
	}
	b.stats["restrictions_read"]++
	if skip != "" {
		b.stats["restrictions_skipped_"+skip]++
		return
	}
	b.turnRels = append(b.turnRels, tr)
}

// turnRule is one forbidden (no) or sole allowed (only) turn at a via node,
// between road ways given by their index in builder.ways.
type turnRule struct {
	rel      int // index into builder.turnRels
	from, to uint32
	only     bool
	uturn    bool // from == to on a u-turn value: the turn back along the same segment
}

// turnSplitter buffers the graph's edges while build makes them, then splits
// the via nodes of the turn restrictions and hands everything to the graph
// builder.
type turnSplitter struct {
	b        *builder
	from, to []uint32
	w        []graph.Seconds
	way      []uint32
	origin   []int32 // builder node -> index into builder.nodeIDs (the OSM node it stands for)
	rules    map[int][]turnRule
	effect   []bool // per relation: it forbade at least one turn
	skipped  []bool // per relation: counted as skipped by check
	nextCopy *int64
	viaWays  []viaWayRule
	private  int64 // the last private copy's id (graph.PrivateCopyID and down)
}

// viaWayRule is a restriction from way from, along way via (its nodes path,
// as indices into builder.nodeIDs, from the end from touches to the end to
// touches), into way to. fromNext are from's nodes next to path[0].
type viaWayRule struct {
	rel           int
	from, via, to uint32
	only          bool
	path          []int
	fromNext      []int
}

func newTurnSplitter(b *builder, nextCopy *int64) *turnSplitter {
	return &turnSplitter{b: b, nextCopy: nextCopy}
}

func (s *turnSplitter) addEdge(from, to uint32, t graph.Seconds, way uint32) {
	s.from = append(s.from, from)
	s.to = append(s.to, to)
	s.w = append(s.w, t)
	s.way = append(s.way, way)
}

// note records that builder node v stands for OSM node nodeIDs[i].
func (s *turnSplitter) note(v uint32, i int) {
	for len(s.origin) <= int(v) {
		s.origin = append(s.origin, -1)
	}
	s.origin[v] = int32(i)
}

// check validates the relations against the routable ways and nodes and
// turns the via-node ones into rules; the rest are counted by reason.
func (s *turnSplitter) check() {
	b := s.b
	want := map[int64]int{}
	for _, tr := range b.turnRels {
		for _, id := range slices.Concat(tr.from, tr.to, tr.viaWays) {
			want[id] = -1
		}
	}
	for k, w := range b.ways {
		if _, ok := want[w.id]; ok {
			want[w.id] = k
		}
	}
	s.rules = map[int][]turnRule{}
	s.effect = make([]bool, len(b.turnRels))
	s.skipped = make([]bool, len(b.turnRels))
	var ri int
	skip := func(reason string) {
		b.stats["restrictions_skipped_"+reason]++
		s.skipped[ri] = true
	}
	for ri = range b.turnRels {
		tr := b.turnRels[ri]
		routable := true
		for _, id := range slices.Concat(tr.from, tr.to, tr.viaWays) {
			if want[id] < 0 {
				routable = false
			}
		}
		if tr.viaNode == 0 {
			switch {
			case !routable:
				skip(turnSkipNotRoutable)
			case len(tr.viaWays) > 1:
				skip(turnSkipViaWays)
			case len(tr.from) > 1 || len(tr.to) > 1 || tr.from[0] == tr.viaWays[0] || tr.to[0] == tr.viaWays[0]:
				skip(turnSkipMalformed)
			default:
				if r, reason := s.viaWay(ri, want[tr.from[0]], want[tr.viaWays[0]], want[tr.to[0]]); reason != "" {
					skip(reason)
				} else {
					s.viaWays = append(s.viaWays, r)
				}
			}
			continue
		}
		i, found := slices.BinarySearch(b.nodeIDs, tr.viaNode)
		if !found || !b.has[i] {
			skip(turnSkipViaNode)
			continue
		}
		if !routable {
			skip(turnSkipNotRoutable)
			continue
		}
		uturnValue := strings.HasSuffix(tr.value, "_u_turn")
		reason := ""
		var rules []turnRule
		for _, f := range tr.from {
			for _, t := range tr.to {
				uturn := f == t && uturnValue
				for _, w := range []int64{f, t} {
					switch touch(b.ways[want[w]].refs, tr.viaNode) {
					case touchNone:
						reason = turnSkipNotOnVia
					case touchMiddle:
						if !uturn && reason == "" {
							reason = turnSkipMidWay
						}
					}
				}
				rules = append(rules, turnRule{rel: ri, from: uint32(want[f]), to: uint32(want[t]), only: tr.only, uturn: uturn})
			}
		}
		switch {
		case reason != "":
			skip(reason)
		case b.closed[i]:
			skip(turnSkipBarrier)
		default:
			s.rules[i] = append(s.rules[i], rules...)
		}
	}
}

// viaWay checks a via-way restriction: from must end at one end of the via
// way and to at the other, every node of the via way must have a location
// and none be a closed barrier.
func (s *turnSplitter) viaWay(ri, from, via, to int) (viaWayRule, string) {
	b := s.b
	r := b.ways[via].refs
	f, t := b.ways[from].refs, b.ways[to].refs
	if len(r) < 2 || r[0] == r[len(r)-1] {
		return viaWayRule{}, turnSkipNotOnVia
	}
	a, z := r[0], r[len(r)-1]
	switch {
	case touch(f, a) == touchEnd && touch(t, z) == touchEnd:
	case touch(f, z) == touchEnd && touch(t, a) == touchEnd:
		r = slices.Clone(r)
		slices.Reverse(r)
		a = r[0] // the end the from way touches
	case touch(f, a) == touchMiddle || touch(f, z) == touchMiddle || touch(t, a) == touchMiddle || touch(t, z) == touchMiddle:
		return viaWayRule{}, turnSkipMidWay
	default:
		return viaWayRule{}, turnSkipNotOnVia
	}
	rule := viaWayRule{rel: ri, from: uint32(from), via: uint32(via), to: uint32(to), only: b.turnRels[ri].only}
	for k, id := range r {
		if k > 0 && id == r[k-1] {
			continue
		}
		i, ok := slices.BinarySearch(b.nodeIDs, id)
		if !ok || !b.has[i] {
			return viaWayRule{}, turnSkipMissing
		}
		if b.closed[i] {
			return viaWayRule{}, turnSkipBarrier
		}
		rule.path = append(rule.path, i)
	}
	for k, id := range f {
		if id != a {
			continue
		}
		for _, n := range []int{k - 1, k + 1} {
			if n >= 0 && n < len(f) && f[n] != a {
				i, _ := slices.BinarySearch(b.nodeIDs, f[n])
				rule.fromNext = append(rule.fromNext, i)
			}
		}
	}
	return rule, ""
}

const (
	touchNone = iota
	touchEnd
	touchMiddle
)

// touch tells whether a way's node list reaches node at one of its ends,
// only in its middle, or not at all.
func touch(refs []int64, node int64) int {
	if len(refs) > 0 && (refs[0] == node || refs[len(refs)-1] == node) {
		return touchEnd
	}
	if slices.Contains(refs, node) {
		return touchMiddle
	}
	return touchNone
}

// split builds the via nodes' turn restrictions into the buffered edges.
//
// At a via node v, each incoming edge e has the set A(e) of outgoing edges
// its restrictions allow. Incoming edges with a restricted set are led into
// a copy of v (one copy per distinct set, at v's place, with a fresh
// negative id) whose outgoing edges are exactly A(e); the other incoming
// edges keep v and all its turns. So that a road segment stays one edge per
// direction (a snapped point on it must see every arrival), each outgoing
// segment that a copy may take starts at a stub node of its own at v's
// place, which v and the copies reach by an edge of zero time.
//
// Splitting one via node adds no edge that touches another via node (only
// edges into its copies and stubs), and the tail or head it moves keeps the
// edge's index, so the via nodes are split one after the other with one
// index of their edges.
func (s *turnSplitter) split(gb *graph.Builder, idx []uint32) {
	b := s.b
	vias := make([]int, 0, len(s.rules))
	for i := range s.rules {
		vias = append(vias, i)
	}
	slices.Sort(vias)
	at := map[uint32]int{} // builder node of a via -> position in vias
	for k, i := range vias {
		at[idx[i]] = k
	}
	in := make([][]int, len(vias))
	out := make([][]int, len(vias))
	for e := range s.from {
		if k, ok := at[s.to[e]]; ok {
			in[k] = append(in[k], e)
		}
		if k, ok := at[s.from[e]]; ok {
			out[k] = append(out[k], e)
		}
	}
	newNode := func(i int) uint32 {
		*s.nextCopy--
		b.stats["restrictions_node_copies"]++
		v := gb.AddNode(*s.nextCopy, b.lonE7[i], b.latE7[i])
		s.note(v, i)
		return v
	}
	for k, i := range vias {
		v := idx[i]
		rules := s.rules[i]
		type group struct {
			allowed []bool
			edges   []int
		}
		var groups []*group
		byKey := map[string]*group{}
		for _, e := range in[k] {
			x := s.origin[s.from[e]]
			allowed := make([]bool, len(out[k]))
			restricted := false
			for j, o := range out[k] {
				allowed[j] = true
				y := s.origin[s.to[o]]
				var onlyTo []uint32
				for _, r := range rules {
					if r.from != s.way[e] {
						continue
					}
					if r.uturn {
						back := s.way[o] == r.from && y == x
						if back != r.only {
							allowed[j] = false
							s.effect[r.rel] = true
						}
						continue
					}
					if r.only {
						onlyTo = append(onlyTo, r.to)
					} else if s.way[o] == r.to {
						allowed[j] = false
						s.effect[r.rel] = true
					}
				}
				if len(onlyTo) > 0 && !slices.Contains(onlyTo, s.way[o]) {
					allowed[j] = false
					for _, r := range rules {
						if r.from == s.way[e] && r.only && !r.uturn {
							s.effect[r.rel] = true
						}
					}
				}
				restricted = restricted || !allowed[j]
			}
			if !restricted {
				continue
			}
			var key strings.Builder
			for j, a := range allowed {
				if a {
					key.WriteString(strconv.Itoa(j))
					key.WriteByte(',')
				}
			}
			g := byKey[key.String()]
			if g == nil {
				g = &group{allowed: allowed}
				byKey[key.String()] = g
				groups = append(groups, g)
			}
			g.edges = append(g.edges, e)
		}
		if len(groups) == 0 {
			continue
		}
		b.stats["restrictions_via_nodes_split"]++
		stub := make([]uint32, len(out[k]))
		for j, o := range out[k] {
			for _, g := range groups {
				if g.allowed[j] {
					stub[j] = newNode(i)
					s.from[o] = stub[j]
					s.addEdge(v, stub[j], 0, s.way[o])
					break
				}
			}
		}
		for _, g := range groups {
			c := newNode(i)
			for _, e := range g.edges {
				s.to[e] = c
			}
			for j, o := range out[k] {
				if g.allowed[j] {
					s.addEdge(c, stub[j], 0, s.way[o])
				}
			}
		}
	}
	b.stats["restrictions_turn_edges"] = int64(len(s.from)) - b.stats["directed_segments"]
	before := len(s.from)
	s.splitViaWays(gb)
	if len(s.from) > before {
		b.stats["restrictions_via_way_edges"] = int64(len(s.from) - before)
	}
	for ri := range b.turnRels {
		switch {
		case s.skipped[ri]:
		case s.effect[ri]:
			b.stats["restrictions_applied"]++
		default:
			b.stats["restrictions_skipped_"+turnSkipNoTurn]++
		}
	}
	for e := range s.from {
		gb.AddEdge(s.from[e], s.to[e], s.w[e], s.way[e])
	}
}

// splitViaWays builds the via-way restrictions, after the via nodes are
// split. For each node the from way's last segment enters at the via way's
// first node, the drive along the via way (through the nodes and stubs the
// edges lead to, so turn restrictions at its nodes still hold) is copied
// into a private path with ids from graph.PrivateCopyID down: each copy
// keeps the turns of the node it copies, except that the path goes on along
// its own copy, the last copy drops the exits into the to way (no_*) or
// keeps only those (only_*, which also drops every other exit on the way).
// The from way's edges into the via way then enter the private path. Two
// restrictions of the same from and via way chain: the second copies the
// first one's path.
func (s *turnSplitter) splitViaWays(gb *graph.Builder) {
	if len(s.viaWays) == 0 {
		return
	}
	b := s.b
	onPath := map[int32]bool{}
	for _, r := range s.viaWays {
		for _, i := range r.path {
			onPath[int32(i)] = true
		}
	}
	out := map[uint32][]int{}
	in := map[uint32][]int{}
	index := func(e int) {
		if onPath[s.origin[s.from[e]]] {
			out[s.from[e]] = append(out[s.from[e]], e)
		}
		if onPath[s.origin[s.to[e]]] {
			in[s.to[e]] = append(in[s.to[e]], e)
		}
	}
	for e := range s.from {
		index(e)
	}
	add := func(from, to uint32, t graph.Seconds, way uint32) {
		s.addEdge(from, to, t, way)
		index(len(s.from) - 1)
	}
	s.private = graph.PrivateCopyID + 1
	for _, r := range s.viaWays {
		a := int32(r.path[0])
		// The edges of the from way into the via way's first node, by the
		// node they reach (the node itself or a copy).
		entries := map[uint32][]int{}
		var heads []uint32
		for h, es := range in {
			if s.origin[h] != a {
				continue
			}
			for _, e := range es {
				if s.way[e] == r.from && slices.Contains(r.fromNext, int(s.origin[s.from[e]])) && s.to[e] == h {
					if entries[h] == nil {
						heads = append(heads, h)
					}
					entries[h] = append(entries[h], e)
				}
			}
		}
		slices.Sort(heads)
		for _, h := range heads {
			chain, edges := s.follow(out, h, r)
			if chain == nil {
				continue // the via way cannot be driven from here (one-way, or a turn forbidden)
			}
			cp := make([]uint32, len(chain))
			for j, v := range chain {
				s.private--
				b.stats["restrictions_via_way_copies"]++
				cp[j] = gb.AddNode(s.private, b.lonE7[s.origin[v]], b.latE7[s.origin[v]])
				s.note(cp[j], int(s.origin[v]))
			}
			last := len(chain) - 1
			for j, v := range chain {
				for _, o := range slices.Clone(out[v]) {
					switch {
					case j < last && o == edges[j]:
						add(cp[j], cp[j+1], s.w[o], s.way[o])
					case j < last:
						if r.only {
							s.effect[r.rel] = true
						} else {
							add(cp[j], s.to[o], s.w[o], s.way[o])
						}
					case (s.way[o] == r.to) == r.only:
						add(cp[j], s.to[o], s.w[o], s.way[o])
					default:
						s.effect[r.rel] = true
					}
				}
			}
			for _, e := range entries[h] {
				s.to[e] = cp[0]
				in[cp[0]] = append(in[cp[0]], e) // a second restriction of the same from and via way starts here
			}
		}
	}
}

// follow drives along via way r.via from node h: it returns the nodes
// passed (h first, stubs included) and the edge leaving each, or nil when
// the way cannot be driven to its end.
func (s *turnSplitter) follow(out map[uint32][]int, h uint32, r viaWayRule) (chain []uint32, edges []int) {
	step := func(cur uint32, target int32) int {
		for _, o := range out[cur] {
			if s.way[o] == r.via && s.origin[s.to[o]] == target {
				return o
			}
		}
		return -1
	}
	chain = []uint32{h}
	cur := h
	for _, p := range r.path[1:] {
		o := step(cur, int32(p))
		if o < 0 {
			if st := step(cur, s.origin[cur]); st >= 0 && s.to[st] != cur { // a stub at the same node
				edges = append(edges, st)
				cur = s.to[st]
				chain = append(chain, cur)
				o = step(cur, int32(p))
			}
		}
		if o < 0 {
			return nil, nil
		}
		edges = append(edges, o)
		cur = s.to[o]
		chain = append(chain, cur)
	}
	return chain, edges
}
