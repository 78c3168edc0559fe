package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// A CellLocator answers CellOf for a run of points, most of them near the
// one before (a road graph's nodes, which are stored along a space-filling
// curve): it remembers the last few cells it met, each as its hexagon with
// the sides moved inwards by a margin, and a point inside one of those is
// in that cell without asking H3. The answers are CellOf's.
//
// Why that is safe: a hexagonal H3 cell wholly on one icosahedron face is
// a hexagon in the face's gnomonic projection, so its sides are
// great-circle arcs between the vertices Boundary gives. The locator
// draws them as straight lines in the centre's local equirectangular
// projection, whose error over a cell (a relative 1e-3 of its size at
// resolution 5 and 60° of latitude, less for finer cells) is far under the
// margin (sideMargin of the distance from the centre to the nearest side;
// TestCellLocatorMatchesCellOf finds points put in the wrong cell with no
// margin, and none from 0.2 %).
// Pentagons, cells spanning two faces (not six vertices), cells beyond 75°
// of latitude and across the antimeridian are not remembered: every point
// there goes to H3.
//
// The zero value is not usable: make one with NewCellLocator. Not safe for
// concurrent use; one per goroutine.
type CellLocator struct {
	res  int
	hex  [locatorCells]cellHex // the cells remembered, most recent first
	seen int                   // how many of hex are set
}

// locatorCells is how many cells a locator remembers: a road crossing a
// cell side goes back and forth between two or three cells.
const locatorCells = 8

// sideMargin moves each side of a remembered hexagon inwards by this share
// of the centre's distance to the nearest side (a few metres at
// resolution 9), against the projection's error and rounding.
const sideMargin = 0.03

// cellHex is a remembered cell: its sides in the plane of the local
// projection at its centre, as half-planes nx·x + ny·y > c (c already
// moved inwards by the margin).
type cellHex struct {
	cell       h3.Cell
	lon0, lat0 float64 // centre, degrees
	cosLat     float64
	nx, ny, c  [6]float64
}

// NewCellLocator returns a locator of resolution res cells.
func NewCellLocator(res int) *CellLocator { return &CellLocator{res: res} }

// CellOf returns the H3 cell of the locator's resolution containing p
// ([lon, lat]), as CellOf(p, res) does.
func (l *CellLocator) CellOf(p orb.Point) (h3.Cell, error) {
	for i := 0; i < l.seen; i++ {
		if l.hex[i].holds(p) {
			if i > 0 { // most recent first
				h := l.hex[i]
				copy(l.hex[1:i+1], l.hex[:i])
				l.hex[0] = h
			}
			return l.hex[0].cell, nil
		}
	}
	c, err := CellOf(p, l.res)
	if err != nil {
		return 0, err
	}
	for i := 0; i < l.seen; i++ {
		if l.hex[i].cell == c {
			return c, nil // remembered: p lies in its margin
		}
	}
	if h, ok := hexOf(c); ok {
		copy(l.hex[1:], l.hex[:len(l.hex)-1])
		l.hex[0] = h
		l.seen = min(l.seen+1, len(l.hex))
	}
	return c, nil
}

// holds reports whether p lies inside h's shrunk hexagon (false for NaN).
func (h *cellHex) holds(p orb.Point) bool {
	x, y := (p[0]-h.lon0)*h.cosLat, p[1]-h.lat0
	for k := range 6 {
		if !(h.nx[k]*x+h.ny[k]*y > h.c[k]) {
			return false
		}
	}
	return true
}

// hexOf returns c's shrunk hexagon, and false for a pentagon, a cell on two
// faces, near a pole or across the antimeridian.
func hexOf(c h3.Cell) (cellHex, bool) {
	ll, err := c.LatLng()
	if err != nil || math.Abs(ll.Lat) > 75 {
		return cellHex{}, false
	}
	b, err := c.Boundary()
	if err != nil || len(b) != 6 || c.IsPentagon() {
		return cellHex{}, false
	}
	h := cellHex{cell: c, lon0: ll.Lng, lat0: ll.Lat, cosLat: math.Cos(ll.Lat * math.Pi / 180)}
	var xs, ys [6]float64
	for i, v := range b {
		dlon := v.Lng - ll.Lng
		if math.Abs(dlon) > 1 {
			return cellHex{}, false
		}
		xs[i], ys[i] = dlon*h.cosLat, v.Lat-ll.Lat
	}
	// Each side as a unit normal pointing to the centre and the centre's
	// distance to it.
	inr := math.Inf(1)
	for i := range 6 {
		j := (i + 1) % 6
		nx, ny := -(ys[j] - ys[i]), xs[j]-xs[i]
		l := math.Hypot(nx, ny)
		if l == 0 {
			return cellHex{}, false
		}
		nx, ny = nx/l, ny/l
		d := -(nx*xs[i] + ny*ys[i]) // the centre's signed distance
		if d < 0 {
			nx, ny, d = -nx, -ny, -d
		}
		if !(d > 0) {
			return cellHex{}, false
		}
		h.nx[i], h.ny[i], h.c[i] = nx, ny, -d // n·p - n·a > 0 inside: n·p > -d
		inr = min(inr, d)
	}
	for i := range 6 {
		h.c[i] += sideMargin * inr
	}
	return h, true
}
