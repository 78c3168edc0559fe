package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/uber/h3-go/v4"
)

// dissolve is h3's cellsToLinkedMultiPolygon (the C library 4.2.1 that
// h3-go v4.3.0 bundles) done again in Go, so that it returns the very same
// rings, starting at the same vertex, in the same order, bit for bit, but in
// time near-linear in the number of cells.
//
// The C function costs O(holes × outer ring) when it assigns each hole to
// its polygon (a point-in-ring test of the hole's first vertex against
// every outer ring), and O(loops × cells) when it looks for the next loop
// to walk (it scans its hash table from bucket 0 each time). A coverage gap
// of 1.4 M cells with 190,000 holes took minutes that way. Here the table
// is scanned once, and the holes of a set with a single outer ring (every
// edge-connected set of cells, which every coverage gap is) are that
// ring's, in the order the walk finds them, as the C function makes them.
//
// The order of the rings and their first vertices come from the C
// function's vertex hash table: nodes in buckets by
// floor(|lat + lng| × 10^(15-res)) mod max(cells, 6), in radians, walked
// from bucket 0. h3-go hands out degrees (the C radians times 180/π), so
// the radians are recovered as the range of values whose degrees are the
// ones given. dissolve answers ok = false whenever that, or anything else,
// leaves a doubt (a bucket the range does not settle, a near-tie of
// vertices, a ring across the antimeridian or too flat to orient, holes
// with several outer rings, a C error); the caller then asks the C
// function itself.
func dissolve(cells []h3.Cell) (polys []h3.GeoPolygon, ok bool) {
	if len(cells) == 0 {
		return nil, true
	}
	res := cells[0].Resolution()
	if res < 0 || res > 15 {
		return nil, false
	}
	g := vertexGraph{at: make(map[vkey]int32, len(cells)), p10: pow10[15-res], buckets: max(len(cells), 6)}
	for _, c := range cells {
		b, err := h3.CellToBoundary(c)
		if err != nil {
			return nil, false
		}
		for j := range b {
			k := (j + 1) % len(b)
			// an edge seen before, from the neighbour, runs the other way
			e, ok := g.find(b[k], &b[j])
			if !ok {
				return nil, false
			}
			if e >= 0 {
				g.remove(e)
				continue
			}
			// (a cell given twice adds its edges twice, where the C
			// function would not; the walk then finds two edges from a
			// vertex and leaves the set to it)
			g.add(b[j], b[k])
		}
	}
	// The C function walks a ring from the first node of its first
	// non-empty bucket, each bucket a list in the order the edges came:
	// the edges left, by (bucket, order).
	type start struct {
		bucket, seq uint32
		e           int32
	}
	var starts []start
	for e := range g.nodes {
		n := &g.nodes[e]
		if !n.live {
			continue
		}
		b, ok := g.hash(n.from)
		if !ok {
			return nil, false
		}
		starts = append(starts, start{b, n.seq, int32(e)})
	}
	slices.SortFunc(starts, func(a, b start) int {
		return cmp.Or(cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.seq, b.seq))
	})
	var loops []h3.GeoLoop
	for _, s := range starts {
		if !g.nodes[s.e].live {
			continue
		}
		var loop h3.GeoLoop
		for e := s.e; e >= 0; {
			n := g.nodes[e]
			loop = append(loop, n.from)
			g.remove(e)
			if e, ok = g.find(n.to, nil); !ok {
				return nil, false
			}
		}
		loops = append(loops, loop)
	}
	switch len(loops) {
	case 0:
		return nil, false // cannot be, but the C function would say what it makes of it
	case 1:
		return []h3.GeoPolygon{{GeoLoop: loops[0]}}, true
	}
	// normalizeMultiPolygon: counter-clockwise rings are outer rings, in
	// the order found; clockwise ones holes
	var outer, holes []h3.GeoLoop
	for _, l := range loops {
		cw, ok := clockwise(l)
		if !ok {
			return nil, false
		}
		if cw {
			holes = append(holes, l)
		} else {
			outer = append(outer, l)
		}
	}
	switch {
	case len(holes) == 0:
		polys = make([]h3.GeoPolygon, len(outer))
		for i, l := range outer {
			polys[i] = h3.GeoPolygon{GeoLoop: l}
		}
		return polys, true
	case len(outer) == 1:
		return []h3.GeoPolygon{{GeoLoop: outer[0], Holes: holes}}, true
	}
	return nil, false // holes among several outer rings: the C function's search decides
}

// pow10 holds 10^k exactly, as C's pow(10, k) returns it.
var pow10 = [16]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// vertexNode is a directed boundary edge.
type vertexNode struct {
	from, to h3.LatLng // degrees, as h3-go gives them
	seq      uint32    // the order edges came in
	next     int32     // the next node under the same key; -1 ends the list
	live     bool
}

// vkey is a vertex rounded to 1e-7° (1 cm): latitude and longitude in
// 1e-7° as 32-bit integers, side by side.
type vkey uint64

func mkey(lat, lng int64) vkey {
	return vkey(uint64(uint32(int32(lat)))<<32 | uint64(uint32(int32(lng))))
}

const keyScale = 1e7

// vertexGraph holds the boundary edges by their first vertex, as the C
// library's VertexGraph does, but in a map by position rather than in
// lists by its hash (which puts all the vertices of a small region in a
// few thousand buckets). Removed nodes are reused.
type vertexGraph struct {
	at      map[vkey]int32
	nodes   []vertexNode
	free    []int32
	seq     uint32
	p10     float64
	buckets int
}

// epsilonDeg is the C library's EPSILON_RAD (1e-9° in radians) in degrees:
// closer vertices are the same vertex.
const epsilonDeg = 1e-9

// same is geoAlmostEqual, with ok = false when the two are near enough to
// the threshold for degrees and radians to disagree (vertices of one cell
// and its neighbour differ by 1e-14° or so, distinct ones by 1e-4° and more).
func same(a, b h3.LatLng) (eq, ok bool) {
	dlat, dlng := math.Abs(a.Lat-b.Lat), math.Abs(a.Lng-b.Lng)
	switch {
	case dlat >= epsilonDeg*100 || dlng >= epsilonDeg*100:
		return false, true
	case dlat > epsilonDeg/100 || dlng > epsilonDeg/100:
		return false, false
	}
	return true, true
}

func keyOf(v h3.LatLng) vkey {
	return mkey(int64(math.Round(v.Lat*keyScale)), int64(math.Round(v.Lng*keyScale)))
}

// keys returns the keys a vertex equal to v may be under: its own, and
// the neighbouring ones when v is within 1e-8° of a rounding boundary
// (equal vertices are within 1e-9°; nearer than 1e-7° is checked).
func keys(v h3.LatLng, buf *[4]vkey) []vkey {
	lat, lng := int64(math.Round(v.Lat*keyScale)), int64(math.Round(v.Lng*keyScale))
	out := append(buf[:0], mkey(lat, lng))
	near := func(x float64, r int64) int64 {
		f := x*keyScale - float64(r)
		switch {
		case f > 0.4:
			return 1
		case f < -0.4:
			return -1
		}
		return 0
	}
	dlat, dlng := near(v.Lat, lat), near(v.Lng, lng)
	if dlat != 0 {
		out = append(out, mkey(lat+dlat, lng))
	}
	if dlng != 0 {
		out = append(out, mkey(lat, lng+dlng))
	}
	if dlat != 0 && dlng != 0 {
		out = append(out, mkey(lat+dlat, lng+dlng))
	}
	return out
}

// hash is the C function _hashVertex of the vertex whose degrees h3-go
// gave as v, when every radian value those degrees may come from falls in
// the same bucket.
func (g *vertexGraph) hash(v h3.LatLng) (uint32, bool) {
	latLo, latHi, ok1 := radians(v.Lat)
	lngLo, lngHi, ok2 := radians(v.Lng)
	if !ok1 || !ok2 {
		return 0, false
	}
	lo, hi := (latLo+lngLo)*g.p10, (latHi+lngHi)*g.p10
	if (lo < 0) != (hi < 0) {
		return 0, false
	}
	lo, hi = math.Abs(lo), math.Abs(hi)
	if math.Floor(lo) != math.Floor(hi) || math.IsInf(hi, 0) || math.IsNaN(hi) {
		return 0, false
	}
	return uint32(math.Mod(lo, float64(g.buckets))), true
}

// radians returns the range of float64 radians r with
// float64(h3.RadsToDegs*r) == deg, the values the C library may have held.
func radians(deg float64) (lo, hi float64, ok bool) {
	const span = 4 // ulps each side of the estimate; the range is 1-2 wide
	r := deg * h3.DegsToRads
	c := r
	for range span {
		c = math.Nextafter(c, math.Inf(-1))
	}
	found := false
	for i := 0; i <= 2*span; i++ {
		if h3.RadsToDegs*c == deg {
			if !found {
				if i == 0 {
					return 0, 0, false // the range may go on below
				}
				lo, found = c, true
			}
			hi = c
		} else if found {
			return lo, hi, true
		}
		c = math.Nextafter(c, math.Inf(1))
	}
	return 0, 0, false // none found, or the range may go on above
}

// add is addVertexNode.
func (g *vertexGraph) add(from, to h3.LatLng) {
	k := keyOf(from)
	head, ok := g.at[k]
	if !ok {
		head = -1
	}
	n := vertexNode{from: from, to: to, seq: g.seq, next: head, live: true}
	g.seq++
	var e int32
	if f := len(g.free); f > 0 {
		e, g.free = g.free[f-1], g.free[:f-1]
		g.nodes[e] = n
	} else {
		e = int32(len(g.nodes))
		g.nodes = append(g.nodes, n)
	}
	g.at[k] = e
}

// remove is removeVertexNode.
func (g *vertexGraph) remove(e int32) {
	n := &g.nodes[e]
	k := keyOf(n.from)
	if h := g.at[k]; h == e {
		if n.next < 0 {
			delete(g.at, k)
		} else {
			g.at[k] = n.next
		}
	} else {
		for cur := h; cur >= 0; cur = g.nodes[cur].next {
			if g.nodes[cur].next == e {
				g.nodes[cur].next = n.next
				break
			}
		}
	}
	n.live = false
	g.free = append(g.free, e)
}

// find is findNodeForEdge: the edge from from to *to (to anywhere for
// nil), -1 for none. ok = false where the C function might answer
// otherwise: a vertex near the equality threshold, an equal vertex in
// another bucket of its hash table (which it would not look in), or, for
// nil, two edges from one vertex (which it would pick between by bucket
// order).
func (g *vertexGraph) find(from h3.LatLng, to *h3.LatLng) (int32, bool) {
	var buf [4]vkey
	found := int32(-1)
	for _, k := range keys(from, &buf) {
		e, ok := g.at[k]
		if !ok {
			continue
		}
		for ; e >= 0; e = g.nodes[e].next {
			n := &g.nodes[e]
			f, ok := same(n.from, from)
			if !ok {
				return 0, false
			}
			if !f {
				continue
			}
			if to != nil {
				t, ok := same(n.to, *to)
				if !ok {
					return 0, false
				}
				if !t {
					continue
				}
			}
			if found >= 0 {
				return 0, false
			}
			if n.from != from {
				b1, ok1 := g.hash(n.from)
				b2, ok2 := g.hash(from)
				if !ok1 || !ok2 || b1 != b2 {
					return 0, false
				}
			}
			found = e
		}
	}
	return found, true
}

// clockwise is isClockwiseLinkedGeoLoop, summed in degrees: ok = false
// for a ring across the antimeridian or one so flat that the sign of the
// sum could differ in radians.
func clockwise(l h3.GeoLoop) (cw, ok bool) {
	var sum, abs float64
	for i := range l {
		a, b := l[i], l[(i+1)%len(l)]
		if math.Abs(a.Lng-b.Lng) > 180 {
			return false, false
		}
		t := (b.Lng - a.Lng) * (b.Lat + a.Lat)
		sum += t
		abs += math.Abs(t)
	}
	if math.Abs(sum) <= 1e-9*abs {
		return false, false
	}
	return sum > 0, true
}
