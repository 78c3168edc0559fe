package tiles

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"
)

// World coordinates: Web Mercator scaled to the unit square, x east from
// lon -180, y south from lat +85.0511 (the XYZ tile scheme), so that tile
// z/x/y covers [x, x+1] × [y, y+1] / 2^z. Features are projected once, in
// NewSet; a tile only scales and offsets them.

// maxLat is the latitude at which Web Mercator's y reaches the edge of the
// square world: atan(sinh(π)) in degrees.
const maxLat = 85.05112877980659

func toWorld(p orb.Point) orb.Point {
	lat := math.Max(-maxLat, math.Min(maxLat, p[1]))
	s := math.Sin(lat * math.Pi / 180)
	return orb.Point{p[0]/360 + 0.5, 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)}
}

// fromWorld is the inverse of toWorld.
func fromWorld(p orb.Point) orb.Point {
	lat := math.Atan(math.Sinh(math.Pi*(1-2*p[1]))) * 180 / math.Pi
	return orb.Point{(p[0] - 0.5) * 360, lat}
}

func worldRing(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = toWorld(p)
	}
	return out
}

func worldPolygon(p orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(p))
	for i, r := range p {
		out[i] = worldRing(r)
	}
	return out
}

// projector maps world coordinates to the tile units of one tile.
type projector struct {
	scale  float64 // 2^z × Extent
	ox, oy float64 // the tile's origin in scaled units: x × Extent, y × Extent
}

func (p projector) point(w orb.Point) orb.Point {
	return orb.Point{w[0]*p.scale - p.ox, w[1]*p.scale - p.oy}
}

// polygon returns a new polygon in tile units (the input is shared and
// never modified).
func (p projector) polygon(w orb.Polygon) orb.Polygon {
	out := make(orb.Polygon, len(w))
	for i, r := range w {
		tr := make(orb.Ring, len(r))
		for j, q := range r {
			tr[j] = p.point(q)
		}
		out[i] = tr
	}
	return out
}

// clipPolygon clips a polygon in tile units to box (orb's Sutherland–Hodgman
// ring clipper, which keeps ring orientation); nil when nothing is left.
func clipPolygon(box orb.Bound, p orb.Polygon) orb.Polygon {
	return clip.Polygon(box, p)
}

func roundPoint(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]), math.Round(p[1])}
}

// tidyPolygon rounds a polygon in tile units to integers, removes repeated
// points, drops rings that collapse (fewer than three distinct points or no
// area), and orients the rings for MVT 2.1: the exterior with a positive
// surveyor's-formula area in tile coordinates (y down, so clockwise on
// screen), holes negative. It returns nil when the exterior collapses. It
// modifies p.
func tidyPolygon(p orb.Polygon) orb.Polygon {
	out := p[:0]
	for i, r := range p {
		r = tidyRing(r)
		if r == nil {
			if i == 0 {
				return nil
			}
			continue
		}
		a := ringArea2(r)
		if (i == 0) != (a > 0) {
			r.Reverse()
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// tidyRing rounds and de-duplicates a ring in place; nil if it collapses.
func tidyRing(r orb.Ring) orb.Ring {
	out := r[:0]
	for _, q := range r {
		q = roundPoint(q)
		if len(out) > 0 && out[len(out)-1] == q {
			continue
		}
		out = append(out, q)
	}
	if len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	if len(out) < 3 {
		return nil
	}
	out = append(out, out[0])
	if ringArea2(out) == 0 {
		return nil
	}
	return out
}

// ringArea2 is twice the signed area of a closed ring by the surveyor's
// formula, Σ (x_i·y_{i+1} − x_{i+1}·y_i): positive for an MVT exterior ring
// in tile coordinates.
func ringArea2(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a
}

// fastPolygons clips (when not inside the box) and rounds the polygons of
// one feature with orb's ring clipper: exact for convex polygons such as H3
// cells, whose clipped and rounded rings stay simple. It returns nil,
// a Polygon or a MultiPolygon (a new one: mp is reused by the caller).
func fastPolygons(mp orb.MultiPolygon, box orb.Bound, inside bool) orb.Geometry {
	var out orb.MultiPolygon
	for _, poly := range mp {
		if !inside {
			poly = clipPolygon(box, poly)
		}
		if poly = tidyPolygon(poly); poly != nil {
			out = append(out, poly)
		}
	}
	return polygonal(out)
}

func polygonal(mp orb.MultiPolygon) orb.Geometry {
	switch len(mp) {
	case 0:
		return nil
	case 1:
		return mp[0]
	}
	return mp
}

// robustPolygons clips and rounds the polygons of one feature so that the
// result is valid for GEOS however concave the input. A Sutherland–Hodgman
// clip of a concave ring leaves zero-width spikes along the clip edge, and
// rounding can make a narrow neck cross itself; both are invalid for GEOS
// and GDAL. So: GEOS ClipByRect (when the feature crosses the clip box),
// rounding in Go, a GEOS validity check, and only when that fails GEOS
// snap-rounding of the clipped geometry to the integer grid (SetPrecision
// 1, which nodes the rings and drops what collapses, five times the cost of
// the rest). If GEOS fails on an input, the fast path is used instead.
func (s *Set) robustPolygons(mp orb.MultiPolygon, box orb.Bound, inside bool) (g orb.Geometry) {
	gctx := s.geos.Get().(*geos.Context)
	defer s.geos.Put(gctx)
	fallback := func() orb.Geometry { return fastPolygons(mp, box, inside) }
	defer func() {
		// go-geos panics with GEOS's error on a TopologyException.
		if r := recover(); r != nil {
			g = fallback()
		}
	}()
	var clipped *geos.Geom // the clipped geometry in GEOS, when it was clipped there
	if !inside {
		in, err := toGEOS(gctx, mp)
		if err != nil {
			return fallback()
		}
		defer in.Destroy()
		clipped = in.ClipByRect(box.Min[0], box.Min[1], box.Max[0], box.Max[1])
		defer clipped.Destroy()
		if clipped.IsEmpty() {
			return nil
		}
		og, err := wkb.Unmarshal(clipped.ToWKB())
		if err != nil {
			return fallback()
		}
		mp = nil
		collectPolygons(og, &mp)
	}
	rounded := tidyPolygons(slices.Clone(mp), true)
	if rounded == nil {
		return nil
	}
	rg, err := toGEOS(gctx, rounded)
	if err != nil {
		return fallback()
	}
	valid := rg.IsValid()
	rg.Destroy()
	if valid {
		return polygonal(rounded)
	}
	if clipped == nil {
		if clipped, err = toGEOS(gctx, mp); err != nil {
			return fallback()
		}
		defer clipped.Destroy()
	}
	r := clipped.SetPrecision(1, geos.PrecisionRuleNone)
	defer r.Destroy()
	if r.IsEmpty() {
		return nil
	}
	og, err := wkb.Unmarshal(r.ToWKB())
	if err != nil {
		return fallback()
	}
	var out orb.MultiPolygon
	collectPolygons(og, &out)
	return polygonal(tidyPolygons(out, false))
}

// tidyPolygons applies tidyPolygon to each polygon (to copies of the rings
// when clone is set, as tidyPolygon works in place) and keeps what is left.
func tidyPolygons(mp orb.MultiPolygon, clone bool) orb.MultiPolygon {
	var out orb.MultiPolygon
	for _, p := range mp {
		if clone {
			p = p.Clone()
		}
		if p = tidyPolygon(p); p != nil {
			out = append(out, p)
		}
	}
	return out
}

func toGEOS(gctx *geos.Context, mp orb.MultiPolygon) (*geos.Geom, error) {
	b, err := wkb.Marshal(mp)
	if err != nil {
		return nil, err
	}
	return gctx.NewGeomFromWKB(b)
}

// collectPolygons appends the polygons in g (a polygon, multipolygon or
// collection) to out; lower-dimensional parts are dropped.
func collectPolygons(g orb.Geometry, out *orb.MultiPolygon) {
	switch g := g.(type) {
	case orb.Polygon:
		*out = append(*out, g)
	case orb.MultiPolygon:
		*out = append(*out, g...)
	case orb.Collection:
		for _, c := range g {
			collectPolygons(c, out)
		}
	}
}
