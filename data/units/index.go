package units

import (
	"math"

	"github.com/paulmach/orb"
)

// An Index finds the unit a point lies in. It is built once from a set of
// units and is then immutable: safe for concurrent use by any number of
// goroutines. It keeps its own copy of the edges; the units may be changed
// or dropped afterwards without affecting it.
//
// A lookup costs a grid look-up for the candidate units (those whose
// bounding box holds the point) and, for each, a crossing-number test over
// the few edges of one horizontal slab of that unit: well under a
// microsecond on township boundaries, whatever their number of vertices.
type Index struct {
	bound  orb.Bound
	nx, ny int
	cellW  float64 // degrees of lon per grid cell
	cellH  float64 // degrees of lat per grid cell
	// cands[cellStart[k]:cellStart[k+1]] are the units (ascending) whose
	// bounding box meets grid cell k.
	cellStart []int32
	cands     []int32
	units     []slabUnit
}

// edge is a non-horizontal polygon edge with a below b (ay < by), so that
// the crossing test computes the same x for an edge two units share
// whichever way each unit's ring runs.
type edge struct{ ax, ay, bx, by float64 }

// slabUnit is one unit's edges, bucketed into horizontal slabs.
type slabUnit struct {
	bound     orb.Bound
	empty     bool
	y0, slabH float64
	nslab     int
	slabStart []int32
	slabEdges []int32
	edges     []edge
}

// NewIndex builds an index of units. Unit i of the slice is reported as i.
func NewIndex(units []Unit) *Index {
	ix := &Index{units: make([]slabUnit, len(units)), bound: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
	for i, u := range units {
		ix.units[i] = newSlabUnit(u.Geom)
		if !ix.units[i].empty {
			ix.bound = ix.bound.Union(ix.units[i].bound)
		}
	}
	if ix.bound.Min[0] > ix.bound.Max[0] {
		return ix // no geometry at all: every Locate returns -1
	}
	// About two grid cells per unit, square in degrees, at most 512 a side.
	w, h := ix.bound.Max[0]-ix.bound.Min[0], ix.bound.Max[1]-ix.bound.Min[1]
	n := float64(2 * len(units))
	side := math.Sqrt(w * h / n)
	if side <= 0 || math.IsNaN(side) {
		side = math.Max(w, h)
	}
	ix.nx = clampInt(int(math.Ceil(w/side)), 1, 512)
	ix.ny = clampInt(int(math.Ceil(h/side)), 1, 512)
	ix.cellW = w / float64(ix.nx)
	ix.cellH = h / float64(ix.ny)
	lists := make([][]int32, ix.nx*ix.ny)
	for i, u := range ix.units {
		if u.empty {
			continue
		}
		x0, y0 := ix.cell(u.bound.Min)
		x1, y1 := ix.cell(u.bound.Max)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				k := y*ix.nx + x
				lists[k] = append(lists[k], int32(i))
			}
		}
	}
	ix.cellStart = make([]int32, len(lists)+1)
	for k, l := range lists {
		ix.cellStart[k+1] = ix.cellStart[k] + int32(len(l))
		ix.cands = append(ix.cands, l...)
	}
	return ix
}

// cell returns the grid cell of p, clamped into the grid.
func (ix *Index) cell(p orb.Point) (int, int) {
	x := 0
	if ix.cellW > 0 {
		x = clampInt(int((p[0]-ix.bound.Min[0])/ix.cellW), 0, ix.nx-1)
	}
	y := 0
	if ix.cellH > 0 {
		y = clampInt(int((p[1]-ix.bound.Min[1])/ix.cellH), 0, ix.ny-1)
	}
	return x, y
}

// Len returns the number of units indexed.
func (ix *Index) Len() int { return len(ix.units) }

// Locate returns the index of the unit containing p ([lon, lat], in the
// units' datum), or -1 when no unit does.
//
// Containment is the even-odd crossing rule on all rings of a unit, with
// half-open edges: a point on a border two units share (with the same
// vertices) belongs to exactly one of them, chosen by position (the unit
// to its right, or above on a horizontal border), the same on every call.
// Where units overlap, the one with the lowest index wins.
func (ix *Index) Locate(p orb.Point) int {
	if len(ix.cellStart) == 0 || !(p[0] >= ix.bound.Min[0] && p[0] <= ix.bound.Max[0] && p[1] >= ix.bound.Min[1] && p[1] <= ix.bound.Max[1]) {
		return -1 // also catches NaN
	}
	x, y := ix.cell(p)
	k := y*ix.nx + x
	for _, i := range ix.cands[ix.cellStart[k]:ix.cellStart[k+1]] {
		if ix.units[i].contains(p) {
			return int(i)
		}
	}
	return -1
}

func newSlabUnit(mp orb.MultiPolygon) slabUnit {
	var u slabUnit
	u.bound = orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, poly := range mp {
		for _, r := range poly {
			for k := range r {
				a, b := r[k], r[(k+1)%len(r)]
				u.bound = u.bound.Extend(a)
				if a[1] == b[1] {
					continue // horizontal: never crossed by a horizontal ray
				}
				if a[1] > b[1] {
					a, b = b, a
				}
				u.edges = append(u.edges, edge{a[0], a[1], b[0], b[1]})
			}
		}
	}
	if len(u.edges) == 0 {
		u.empty = true
		return u
	}
	// About 4 edges per slab on average; an edge is listed in every slab
	// its y-range meets.
	u.y0 = u.bound.Min[1]
	u.nslab = clampInt(len(u.edges)/4, 1, 1<<16)
	u.slabH = (u.bound.Max[1] - u.bound.Min[1]) / float64(u.nslab)
	counts := make([]int32, u.nslab+1)
	for _, e := range u.edges {
		for s := u.slab(e.ay); s <= u.slab(e.by); s++ {
			counts[s+1]++
		}
	}
	for s := 1; s <= u.nslab; s++ {
		counts[s] += counts[s-1]
	}
	u.slabStart = counts
	u.slabEdges = make([]int32, counts[u.nslab])
	fill := make([]int32, u.nslab)
	copy(fill, counts[:u.nslab])
	for i, e := range u.edges {
		for s := u.slab(e.ay); s <= u.slab(e.by); s++ {
			u.slabEdges[fill[s]] = int32(i)
			fill[s]++
		}
	}
	return u
}

// slab returns the slab of latitude y, clamped. It is monotone in y, so
// an edge listed in slabs slab(ay)..slab(by) is in the slab of every y
// between.
func (u *slabUnit) slab(y float64) int {
	if u.slabH <= 0 {
		return 0
	}
	return clampInt(int((y-u.y0)/u.slabH), 0, u.nslab-1)
}

// contains is the crossing-number test (W. R. Franklin's PNPOLY) on the
// edges of p's slab: an edge counts when ay <= y < by and it crosses the
// horizontal ray going right from p.
func (u *slabUnit) contains(p orb.Point) bool {
	if u.empty || p[0] < u.bound.Min[0] || p[0] > u.bound.Max[0] || p[1] < u.bound.Min[1] || p[1] > u.bound.Max[1] {
		return false
	}
	s := u.slab(p[1])
	in := false
	for _, i := range u.slabEdges[u.slabStart[s]:u.slabStart[s+1]] {
		e := &u.edges[i]
		if p[1] < e.ay || p[1] >= e.by {
			continue
		}
		if p[0] < e.ax+(p[1]-e.ay)*(e.bx-e.ax)/(e.by-e.ay) {
			in = !in
		}
	}
	return in
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
