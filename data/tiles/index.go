package tiles

import (
	"math"

	"github.com/paulmach/orb"
)

// grid is a uniform bucket grid over the world bounds of a level's parts:
// each part is listed in every bucket its bound overlaps, in CSR form, so
// that a tile only looks at the parts near it.
type grid struct {
	min        orb.Point
	cellW      float64 // bucket size in world units
	cellH      float64
	nx, ny     int
	off        []int32 // bucket b holds items[off[b]:off[b+1]]
	items      []int32 // part indices
	partBounds []orb.Bound
}

// maxGridSide bounds the grid at 512 × 512 buckets.
const maxGridSide = 512

func newGrid(bounds []orb.Bound) grid {
	g := grid{partBounds: bounds, nx: 1, ny: 1, off: []int32{0, 0}}
	if len(bounds) == 0 {
		return g
	}
	all := bounds[0]
	for _, b := range bounds[1:] {
		all = all.Union(b)
	}
	// About two parts per bucket along each axis, by the aspect ratio.
	w, h := all.Max[0]-all.Min[0], all.Max[1]-all.Min[1]
	side := math.Sqrt(float64(len(bounds)) / 2)
	g.nx, g.ny = 1, 1
	if w > 0 && h > 0 {
		g.nx = clampInt(int(math.Ceil(side*math.Sqrt(w/h))), 1, maxGridSide)
		g.ny = clampInt(int(math.Ceil(side*math.Sqrt(h/w))), 1, maxGridSide)
	}
	g.min = all.Min
	g.cellW = math.Max(w/float64(g.nx), 1e-300)
	g.cellH = math.Max(h/float64(g.ny), 1e-300)
	counts := make([]int32, g.nx*g.ny+1)
	for _, b := range bounds {
		x0, y0, x1, y1 := g.span(b)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				counts[y*g.nx+x+1]++
			}
		}
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	g.off = counts
	g.items = make([]int32, counts[len(counts)-1])
	next := make([]int32, g.nx*g.ny)
	copy(next, counts)
	for i, b := range bounds {
		x0, y0, x1, y1 := g.span(b)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				k := y*g.nx + x
				g.items[next[k]] = int32(i)
				next[k]++
			}
		}
	}
	return g
}

func (g *grid) col(v float64) int { return bucket((v-g.min[0])/g.cellW, g.nx) }

func (g *grid) row(v float64) int { return bucket((v-g.min[1])/g.cellH, g.ny) }

// bucket clamps f to 0..n-1 before converting it, so that far-off or
// infinite coordinates cannot overflow the conversion.
func bucket(f float64, n int) int {
	switch {
	case !(f > 0): // also NaN
		return 0
	case f >= float64(n-1):
		return n - 1
	}
	return int(f)
}

func (g *grid) span(b orb.Bound) (x0, y0, x1, y1 int) {
	return g.col(b.Min[0]), g.row(b.Min[1]), g.col(b.Max[0]), g.row(b.Max[1])
}

// query appends to dst the parts whose bound intersects q, each once (a
// part is reported only from the bucket holding the lower-left corner of
// its overlap with q, so no scratch space is needed and query is safe for
// concurrent use).
func (g *grid) query(q orb.Bound, dst []int32) []int32 {
	if len(g.items) == 0 {
		return dst
	}
	x0, y0, x1, y1 := g.span(q)
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			k := y*g.nx + x
			for _, i := range g.items[g.off[k]:g.off[k+1]] {
				b := g.partBounds[i]
				if b.Max[0] < q.Min[0] || b.Min[0] > q.Max[0] || b.Max[1] < q.Min[1] || b.Min[1] > q.Max[1] {
					continue
				}
				if g.col(math.Max(b.Min[0], q.Min[0])) == x && g.row(math.Max(b.Min[1], q.Min[1])) == y {
					dst = append(dst, i)
				}
			}
		}
	}
	return dst
}

func clampInt(v, lo, hi int) int {
	return max(lo, min(hi, v))
}
