package geo

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// H3 resolutions rescuegrid accepts for studies: 7 (5 km² cells) to 10
// (0.015 km²); 9 (0.1 km², about 175 m across) is the default.
const (
	MinRes     = 7
	MaxRes     = 10
	DefaultRes = 9
)

// Errors of the H3 helpers; h3-go's errors are mapped onto these once, here.
var (
	ErrBadLocation   = errors.New("geo: location outside lon -180..180, lat -90..90")
	ErrBadCell       = errors.New("geo: not a valid H3 cell")
	ErrBadResolution = errors.New("geo: H3 resolution out of range")
)

// CheckRes returns an error unless res is a resolution studies accept.
func CheckRes(res int) error {
	if res < MinRes || res > MaxRes {
		return fmt.Errorf("%w: %d (want %d to %d)", ErrBadResolution, res, MinRes, MaxRes)
	}
	return nil
}

// CellOf returns the H3 cell of resolution res containing p ([lon, lat]).
func CellOf(p orb.Point, res int) (h3.Cell, error) {
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
		return 0, fmt.Errorf("%w: %v", ErrBadLocation, p)
	}
	c, err := h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
	if err != nil {
		return 0, fmt.Errorf("%w: resolution %d: %v", ErrBadResolution, res, err)
	}
	return c, nil
}

// ParseCell reads an H3 cell index in hexadecimal ("89a901291abffff").
func ParseCell(s string) (h3.Cell, error) {
	c := h3.Cell(h3.IndexFromString(s))
	if !c.IsValid() {
		return 0, fmt.Errorf("%w: %q", ErrBadCell, s)
	}
	return c, nil
}

// CellCenter returns the centre of c as [lon, lat].
func CellCenter(c h3.Cell) (orb.Point, error) {
	ll, err := c.LatLng()
	if err != nil {
		return orb.Point{}, fmt.Errorf("%w: %v", ErrBadCell, err)
	}
	return orb.Point{ll.Lng, ll.Lat}, nil
}

// CellPolygon returns the boundary of c as a closed [lon, lat] ring,
// counter-clockwise (GeoJSON's exterior orientation).
func CellPolygon(c h3.Cell) (orb.Polygon, error) {
	b, err := c.Boundary()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCell, err)
	}
	ring := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, orb.Point{ll.Lng, ll.Lat})
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}, nil
}

// CellsToMultiPolygon dissolves a set of cells (one resolution) into
// polygons, with holes where cells are missing inside. Rings are closed;
// exteriors counter-clockwise and holes clockwise (the GeoJSON rule). The
// rings, their first vertices and their order are h3's (cellsToLinkedMultiPolygon),
// in time near-linear in the cells (see dissolve).
func CellsToMultiPolygon(cells []h3.Cell) (orb.MultiPolygon, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	polys, ok := dissolve(cells)
	if !ok {
		var err error
		if polys, err = h3.CellsToMultiPolygon(cells); err != nil {
			return nil, fmt.Errorf("%w: dissolve %d cells: %v", ErrBadCell, len(cells), err)
		}
	}
	mp := make(orb.MultiPolygon, 0, len(polys))
	for _, gp := range polys {
		poly := orb.Polygon{loopRing(gp.GeoLoop, true)}
		for _, hole := range gp.Holes {
			poly = append(poly, loopRing(hole, false))
		}
		mp = append(mp, poly)
	}
	return mp, nil
}

func loopRing(l h3.GeoLoop, ccw bool) orb.Ring {
	r := make(orb.Ring, 0, len(l)+1)
	for _, ll := range l {
		r = append(r, orb.Point{ll.Lng, ll.Lat})
	}
	if len(r) > 0 && r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	if (r.Orientation() == orb.CCW) != ccw {
		r.Reverse()
	}
	return r
}

// PolygonCells returns the cells of resolution res whose centres lie in the
// polygon (holes excluded).
func PolygonCells(poly orb.Polygon, res int) ([]h3.Cell, error) {
	if len(poly) == 0 {
		return nil, nil
	}
	gp := h3.GeoPolygon{GeoLoop: ringLoop(poly[0])}
	for _, hole := range poly[1:] {
		gp.Holes = append(gp.Holes, ringLoop(hole))
	}
	cells, err := h3.PolygonToCells(gp, res)
	if err != nil {
		return nil, fmt.Errorf("%w: polygon to cells at resolution %d: %v", ErrBadResolution, res, err)
	}
	return cells, nil
}

func ringLoop(r orb.Ring) h3.GeoLoop {
	l := make(h3.GeoLoop, 0, len(r))
	for i, p := range r {
		if i == len(r)-1 && len(r) > 1 && p == r[0] {
			break
		}
		l = append(l, h3.NewLatLng(p[1], p[0]))
	}
	return l
}
