package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// A Segment is a straight line from A to B, both [lon, lat] degrees.
type Segment struct {
	A, B orb.Point
}

// SegmentIndex finds the segment nearest to a point. It buckets segments on
// a uniform grid in a local metric projection (see LocalProjection) and
// searches rings of grid cells outwards from the query, so a query costs a
// few cells near the point whatever the size of the network. It keeps 4
// bytes per bucket entry and the segments' accessor, never a copy of the
// segments (a road graph's nodes hold them already).
//
// A SegmentIndex is immutable after NewSegmentIndex and safe for concurrent use.
type SegmentIndex struct {
	proj  LocalProjection
	cellM float64
	// shrink is the smallest ratio of a grid cell's true east-west width to
	// cellM over the latitudes of the segments (the projection is exact on
	// its centre latitude only): the ring search's bounds use cellM × shrink,
	// so that a network spanning several degrees of latitude is searched as
	// exactly as a city.
	shrink float64
	n      int
	seg    func(i int) Segment
	// Buckets in compressed form: keys sorted ascending, bucket i holds
	// items[start[i]:start[i+1]] (segment indices).
	keys  []uint64
	start []uint32
	items []uint32
}

// DefaultCellM is the grid cell size in metres a SegmentIndex uses when none
// is given: about the length of an urban block, so that a cell holds tens of
// segments in a city and the first ring usually answers a query.
const DefaultCellM = 200.0

// NewSegmentIndex indexes segs (the slice is kept, not copied: do not modify
// it afterwards). cellM is the grid cell size in metres (<= 0 means
// DefaultCellM). The projection is centred on the mean latitude of the segments.
func NewSegmentIndex(segs []Segment, cellM float64) *SegmentIndex {
	return NewSegmentIndexFunc(len(segs), func(i int) Segment { return segs[i] }, cellM)
}

// NewSegmentIndexFunc indexes n segments given by seg(i), which must return
// the same segment for the same i for as long as the index is used (it is
// called by Nearest, from any goroutine). See NewSegmentIndex.
func NewSegmentIndexFunc(n int, seg func(i int) Segment, cellM float64) *SegmentIndex {
	if cellM <= 0 {
		cellM = DefaultCellM
	}
	var latSum float64
	minLat, maxLat := math.Inf(1), math.Inf(-1)
	minLon, maxLon := math.Inf(1), math.Inf(-1)
	for i := range n {
		s := seg(i)
		latSum += s.A[1] + s.B[1]
		minLat, maxLat = math.Min(minLat, math.Min(s.A[1], s.B[1])), math.Max(maxLat, math.Max(s.A[1], s.B[1]))
		minLon, maxLon = math.Min(minLon, math.Min(s.A[0], s.B[0])), math.Max(maxLon, math.Max(s.A[0], s.B[0]))
	}
	lat0 := 0.0
	if n > 0 {
		lat0 = latSum / float64(2*n)
	}
	ix := &SegmentIndex{proj: NewLocalProjection(lat0), cellM: cellM, shrink: 1, n: n, seg: seg}
	if n > 0 && math.Cos(lat0*degToRad) > 0 {
		// cos is largest towards the equator: the cells are narrowest on
		// the latitude farthest from it.
		far := math.Max(math.Abs(minLat), math.Abs(maxLat))
		ix.shrink = math.Min(1, math.Cos(far*degToRad)/math.Cos(lat0*degToRad))
	}

	if !ix.countBuckets(orb.Bound{Min: orb.Point{minLon, minLat}, Max: orb.Point{maxLon, maxLat}}) {
		ix.sortBuckets()
	}
	return ix
}

// The buckets hold each segment under every grid cell of its bounding box,
// keys ascending (x then y, as uint32s: cellKey), segments ascending
// within a key.

// maxCountCells bounds countBuckets' table of counts (4 bytes a grid cell
// of the network's extent) relative to the segments: beyond it the
// extent is mostly empty and sortBuckets builds the same buckets.
const maxCountCells = 4

// countBuckets builds the buckets by counting: one pass to count each
// grid cell's segments, one to place them, in segment order (no list of
// (key, segment) entries to sort: 16 bytes an entry, 1 GB at 46 M nodes).
// box bounds the segments' ends: the grid's extent is its cells (the
// projection and the floor are monotone). It returns false, building
// nothing, when that grid is more than maxCountCells times the segments.
func (ix *SegmentIndex) countBuckets(box orb.Bound) bool {
	n := ix.n
	if n == 0 {
		return false
	}
	// each axis's cells in cellKey's order: uint32(x), so 0, 1, ... then
	// the negative ones, -big ... -1
	var neg, pos [2]struct{ lo, hi int64 }
	x0, y0 := ix.cell(box.Min)
	x1, y1 := ix.cell(box.Max)
	for a, r := range [2][2]int32{{x0, x1}, {y0, y1}} {
		lo, hi := int64(r[0]), int64(r[1])
		neg[a] = struct{ lo, hi int64 }{lo, min(hi, -1)}
		pos[a] = struct{ lo, hi int64 }{max(lo, 0), hi}
	}
	// rank(a, v) numbers axis a's cells from 0 in cellKey's order
	var npos, size [2]int64
	for a := range 2 {
		if pos[a].lo <= pos[a].hi {
			npos[a] = pos[a].hi - pos[a].lo + 1
		}
		size[a] = npos[a]
		if neg[a].lo <= neg[a].hi {
			size[a] += neg[a].hi - neg[a].lo + 1
		}
	}
	if size[0]*size[1] > int64(maxCountCells)*int64(n)+1<<16 {
		return false
	}
	rank := func(a int, v int32) int64 {
		if v >= 0 {
			return int64(v) - pos[a].lo
		}
		return npos[a] + int64(v) - neg[a].lo
	}
	unrank := func(a int, r int64) int32 {
		if r < npos[a] {
			return int32(r + pos[a].lo)
		}
		return int32(r - npos[a] + neg[a].lo)
	}
	h := size[1]
	span := func(i int) (x0, x1, y0, y1 int64) {
		s := ix.seg(i)
		ax, ay := ix.cell(s.A)
		bx, by := ix.cell(s.B)
		return int64(min(ax, bx)), int64(max(ax, bx)), int64(min(ay, by)), int64(max(ay, by))
	}
	count := make([]uint32, size[0]*h+1)
	total := 0
	for i := range n {
		x0, x1, y0, y1 := span(i)
		for x := x0; x <= x1; x++ {
			rx := rank(0, int32(x)) * h
			for y := y0; y <= y1; y++ {
				count[rx+rank(1, int32(y))]++
				total++
			}
		}
	}
	if total > math.MaxUint32 {
		return false
	}
	nk := 0
	for _, c := range count {
		if c > 0 {
			nk++
		}
	}
	ix.keys, ix.start = make([]uint64, 0, nk), make([]uint32, 0, nk+1)
	at := uint32(0)
	for d, c := range count {
		if c == 0 {
			continue
		}
		ix.keys = append(ix.keys, cellKey(unrank(0, int64(d)/h), unrank(1, int64(d)%h)))
		ix.start = append(ix.start, at)
		count[d] = at // from here on: where bucket d's next segment goes
		at += c
	}
	ix.start = append(ix.start, at)
	ix.items = make([]uint32, total)
	for i := range n {
		x0, x1, y0, y1 := span(i)
		for x := x0; x <= x1; x++ {
			rx := rank(0, int32(x)) * h
			for y := y0; y <= y1; y++ {
				d := rx + rank(1, int32(y))
				ix.items[count[d]] = uint32(i)
				count[d]++
			}
		}
	}
	return true
}

// sortBuckets builds the buckets by sorting a list of (key, segment).
func (ix *SegmentIndex) sortBuckets() {
	type entry struct {
		key uint64
		seg uint32
	}
	n := ix.n
	entries := make([]entry, 0, n+n/4)
	for i := range n {
		s := ix.seg(i)
		ax, ay := ix.cell(s.A)
		bx, by := ix.cell(s.B)
		for x := min(ax, bx); x <= max(ax, bx); x++ {
			for y := min(ay, by); y <= max(ay, by); y++ {
				entries = append(entries, entry{cellKey(x, y), uint32(i)})
			}
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.seg, b.seg)
	})
	ix.items = make([]uint32, len(entries))
	nk := 0
	for i, e := range entries {
		if i == 0 || e.key != entries[i-1].key {
			nk++
		}
	}
	ix.keys, ix.start = make([]uint64, 0, nk), make([]uint32, 0, nk+1)
	for i, e := range entries {
		ix.items[i] = e.seg
		if i == 0 || e.key != entries[i-1].key {
			ix.keys = append(ix.keys, e.key)
			ix.start = append(ix.start, uint32(i))
		}
	}
	ix.start = append(ix.start, uint32(len(entries)))
}

// Len returns the number of indexed segments.
func (ix *SegmentIndex) Len() int { return ix.n }

// MemoryBytes returns the bytes the index holds (not the segments).
func (ix *SegmentIndex) MemoryBytes() int { return 8*len(ix.keys) + 4*len(ix.start) + 4*len(ix.items) }

func (ix *SegmentIndex) cell(p orb.Point) (int32, int32) {
	x, y := ix.proj.Project(p)
	return int32(math.Floor(x / ix.cellM)), int32(math.Floor(y / ix.cellM))
}

func cellKey(x, y int32) uint64 { return uint64(uint32(x))<<32 | uint64(uint32(y)) }

func (ix *SegmentIndex) bucket(x, y int32) []uint32 {
	k := cellKey(x, y)
	i, ok := slices.BinarySearch(ix.keys, k)
	if !ok {
		return nil
	}
	return ix.items[ix.start[i]:ix.start[i+1]]
}

// snapPlanarSlack2 scales a planar distance into a lower bound of the
// great-circle one: LocalProjection is within 0.1 % near its centre and within
// 1.5 % at 50 km from it at latitude 60°, so 0.98 leaves a margin.
const snapPlanarSlack2 = 0.98 * 0.98 // squared, to compare squared planar distances

// A Hit is a point's nearest place on an indexed segment.
type Hit struct {
	Seg       int       // index of the segment in the slice given to NewSegmentIndex
	Fraction  float64   // position along the segment from A (0) to B (1)
	Point     orb.Point // the nearest point on the segment, [lon, lat]
	DistanceM float64   // great-circle distance from the query to Point, metres
}

// Nearest returns the segment nearest to p among those for which accept
// returns true (nil accepts all), if one lies within maxM metres. Ties go to
// the lower segment index, so answers are deterministic.
func (ix *SegmentIndex) Nearest(p orb.Point, maxM float64, accept func(seg int) bool) (Hit, bool) {
	if ix.n == 0 || math.IsNaN(p[0]) || math.IsNaN(p[1]) {
		return Hit{}, false
	}
	cx, cy := ix.cell(p)
	// A projection centred on the query latitude measures the candidates.
	local := NewLocalProjection(p[1])
	px, py := local.Project(p)
	best := Hit{Seg: -1, DistanceM: math.Inf(1)}
	reach2 := maxM * maxM         // squared bound a candidate must beat: maxM, then the best so far
	cellM := ix.cellM * ix.shrink // the narrowest a cell is on the ground
	maxRing := int32(math.Ceil(maxM/cellM)) + 1
	for r := int32(0); r <= maxRing; r++ {
		// Every segment not yet seen lies at least (r-1)·cell away.
		if float64(r-1)*cellM > min(best.DistanceM, maxM)*1.01 {
			break
		}
		for x := cx - r; x <= cx+r; x++ {
			for y := cy - r; y <= cy+r; y++ {
				if r > 0 && x != cx-r && x != cx+r && y != cy-r && y != cy+r {
					continue // inside the ring: seen already
				}
				for _, si := range ix.bucket(x, y) {
					s := int(si)
					if accept != nil && !accept(s) {
						continue
					}
					f, q := closest(local, px, py, ix.seg(s))
					// The planar distance decides most candidates without the
					// trigonometry of Haversine (three quarters of a snap's time
					// before): near the query it is within 0.1 % of the
					// great-circle one (see LocalProjection), so a candidate more
					// than 2 % farther than the best so far, or than maxM, cannot
					// win, and the exact distance is computed only for the others.
					qx, qy := local.Project(q)
					if dx, dy := qx-px, qy-py; (dx*dx+dy*dy)*snapPlanarSlack2 > reach2 {
						continue
					}
					d := Haversine(p, q)
					if d < best.DistanceM || (d == best.DistanceM && s < best.Seg) {
						best = Hit{Seg: s, Fraction: f, Point: q, DistanceM: d}
						reach2 = d * d
					}
				}
			}
		}
	}
	if best.Seg < 0 || best.DistanceM > maxM {
		return Hit{}, false
	}
	return best, true
}

// closest returns the fraction along s of the point nearest to (px, py) in
// the projection, and that point in degrees.
func closest(lp LocalProjection, px, py float64, s Segment) (float64, orb.Point) {
	ax, ay := lp.Project(s.A)
	bx, by := lp.Project(s.B)
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return 0, s.A
	}
	f := ((px-ax)*dx + (py-ay)*dy) / l2
	switch {
	case f <= 0:
		return 0, s.A
	case f >= 1:
		return 1, s.B
	}
	return f, orb.Point{s.A[0] + f*(s.B[0]-s.A[0]), s.A[1] + f*(s.B[1]-s.A[1])}
}
