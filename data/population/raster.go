package population

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/raster"
	"github.com/rescuegrid/rescuegrid/geo"
)

// RasterOptions tune FromRaster.
type RasterOptions struct {
	// Area limits the read to the pixels that overlap it (a study reads
	// the extent of its road network); the zero Bound reads the whole
	// raster.
	Area orb.Bound
}

// RasterStats says what FromRaster read.
type RasterStats struct {
	Window       raster.Window // the pixels read
	Pixels       int           // pixels in the window
	PeoplePixels int           // pixels with people (> 0)
	SplitPixels  int           // pixels shared between two or more cells
	Total        float64       // the raster's people in the window: the table's total
	BytesRead    int64         // compressed pixel data fetched
	FileBytes    int64
}

// FromRaster reads people per pixel from a single-band GeoTIFF in
// geographic coordinates (WorldPop, GHS-POP's WGS-84 release; see package
// data/raster for what is read) onto H3 cells of resolution res. Only the
// pixels overlapping opt.Area are read. Nodata and negative pixels hold
// nobody.
//
// Each pixel's people are split over the cells it overlaps in proportion
// to the overlap's area: a pixel whose four corners lie in one cell goes
// to that cell whole (cells are convex); any other is clipped against
// every cell near it (the cells of its corners and their neighbours, far
// enough for the pixel's size), in the plane of lon/lat degrees, where a
// pixel's and a cell's areas scale alike. The shares of a pixel sum to
// one, so the table's total equals the raster's total in the window, to
// float64 rounding.
func FromRaster(ctx context.Context, path string, res int, opt RasterOptions) (*Table, RasterStats, error) {
	var stats RasterStats
	if err := geo.CheckRes(res); err != nil {
		return nil, stats, fmt.Errorf("read raster %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, stats, fmt.Errorf("read raster: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, stats, fmt.Errorf("read raster: %w", err)
	}
	stats.FileBytes = fi.Size()
	im, err := raster.Open(f, fi.Size())
	if err != nil {
		return nil, stats, fmt.Errorf("read raster %s: %w", path, err)
	}
	if im.EPSG != 0 && im.EPSG != 4326 {
		return nil, stats, fmt.Errorf("read raster %s: geographic EPSG:%d, want 4326 (WGS-84): reproject it with gdalwarp -t_srs EPSG:4326", path, im.EPSG)
	}
	w := raster.Window{X1: im.Width, Y1: im.Height}
	if !opt.Area.IsZero() {
		if w = im.WindowOf(opt.Area); w.Empty() {
			b := im.Bound()
			return nil, stats, fmt.Errorf("read raster %s: the study area %.4f,%.4f .. %.4f,%.4f lies outside the raster (%.4f,%.4f .. %.4f,%.4f)",
				path, opt.Area.Min[0], opt.Area.Min[1], opt.Area.Max[0], opt.Area.Max[1], b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		}
	}
	stats.Window = w
	vals, err := im.Read(w)
	if err != nil {
		return nil, stats, fmt.Errorf("read raster %s: %w", path, err)
	}
	stats.BytesRead = im.BytesRead()
	sp, err := newPixelSplitter(im, res)
	if err != nil {
		return nil, stats, err
	}
	ww := w.X1 - w.X0
	stats.Pixels = len(vals)
	for y := w.Y0; y < w.Y1; y++ {
		if err := ctx.Err(); err != nil {
			return nil, stats, err
		}
		sp.nextRow(y, w.X0, ww)
		for x := w.X0; x < w.X1; x++ {
			v := vals[(y-w.Y0)*ww+(x-w.X0)]
			if !(v > 0) { // nodata (NaN), zero, negative
				continue
			}
			stats.PeoplePixels++
			stats.Total += v
			split, err := sp.add(x, y, v)
			if err != nil {
				return nil, stats, fmt.Errorf("read raster %s: pixel %d,%d: %w", path, x, y, err)
			}
			if split {
				stats.SplitPixels++
			}
		}
	}
	t, err := FromMap(sp.pop, res, fmt.Sprintf("raster %s", filepath.Base(path)))
	return t, stats, err
}

// pixelSplitter spreads pixels over cells. Corner cells are cached for the
// two pixel edges (rows of corners) of the current row.
type pixelSplitter struct {
	im       *raster.Image
	res, k   int
	pop      map[h3.Cell]float64
	rings    map[h3.Cell][]orb.Point // cell boundary, counter-clockwise, open
	top, bot []h3.Cell               // corner cells of the row's north and south edges
	x0, y    int
	cands    map[h3.Cell]bool
}

func newPixelSplitter(im *raster.Image, res int) (*pixelSplitter, error) {
	edgeM, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil {
		return nil, fmt.Errorf("%w: %d", geo.ErrBadResolution, res)
	}
	// The ring of neighbours to clip against must reach across a pixel:
	// its diagonal in metres over a hexagon's narrowest width (√3 edges).
	c := im.Bound().Center()
	lp := geo.NewLocalProjection(c[1])
	x1, y1 := lp.Project(c)
	x2, y2 := lp.Project(orb.Point{c[0] + im.PixelLon, c[1] + im.PixelLat})
	diag := math.Hypot(x2-x1, y2-y1)
	k := int(math.Ceil(diag/(math.Sqrt(3)*edgeM))) + 1
	return &pixelSplitter{im: im, res: res, k: k, pop: map[h3.Cell]float64{}, rings: map[h3.Cell][]orb.Point{}, cands: map[h3.Cell]bool{}}, nil
}

// nextRow starts row y of the window (columns x0 .. x0+w-1).
func (s *pixelSplitter) nextRow(y, x0, w int) {
	if s.top != nil && y == s.y+1 {
		s.top, s.bot = s.bot, s.top
		clear(s.bot)
	} else {
		s.top, s.bot = make([]h3.Cell, w+1), make([]h3.Cell, w+1)
	}
	s.x0, s.y = x0, y
}

// corner returns the cell of the pixel corner at column x of edge row
// (0: the row's north edge, 1: its south edge).
func (s *pixelSplitter) corner(x, edge int) (h3.Cell, error) {
	row := s.top
	if edge == 1 {
		row = s.bot
	}
	i := x - s.x0
	if row[i] == 0 {
		lon := s.im.Origin[0] + float64(x)*s.im.PixelLon
		lat := s.im.Origin[1] - float64(s.y+edge)*s.im.PixelLat
		c, err := geo.CellOf(orb.Point{lon, lat}, s.res)
		if err != nil {
			return 0, err
		}
		row[i] = c
	}
	return row[i], nil
}

// add spreads v people of pixel (x, y); split says whether it went to more
// than one cell.
func (s *pixelSplitter) add(x, y int, v float64) (split bool, err error) {
	var cs [4]h3.Cell
	for i, xe := range [4][2]int{{x, 0}, {x + 1, 0}, {x, 1}, {x + 1, 1}} {
		if cs[i], err = s.corner(xe[0], xe[1]); err != nil {
			return false, err
		}
	}
	if cs[0] == cs[1] && cs[0] == cs[2] && cs[0] == cs[3] {
		s.pop[cs[0]] += v
		return false, nil
	}
	pb := s.im.PixelBound(x, y)
	pixelArea := (pb.Max[0] - pb.Min[0]) * (pb.Max[1] - pb.Min[1])
	type share struct {
		c h3.Cell
		a float64
	}
	var shares [16]share
	list := shares[:0]
	sum := 0.0
	clip := func(c h3.Cell) error {
		ring, err := s.ring(c)
		if err != nil {
			return err
		}
		if a := clipArea(pb, ring); a > 0 {
			list = append(list, share{c, a})
			sum += a
		}
		return nil
	}
	// First the cells of the corners: when their overlaps fill the pixel,
	// no other cell can overlap it (cells do not overlap each other).
	clear(s.cands)
	for _, c := range cs {
		if !s.cands[c] {
			s.cands[c] = true
			if err := clip(c); err != nil {
				return false, err
			}
		}
	}
	if math.Abs(sum-pixelArea) > 1e-6*pixelArea {
		// A neighbour reaches into the pixel between its corners: clip
		// against every cell near enough.
		list, sum = list[:0], 0
		clear(s.cands)
		for _, c := range cs {
			if s.cands[c] {
				continue
			}
			disk, err := h3.GridDisk(c, s.k)
			if err != nil {
				return false, fmt.Errorf("%w: %v", geo.ErrBadCell, err)
			}
			for _, d := range disk {
				s.cands[d] = true
			}
		}
		for c := range s.cands {
			if err := clip(c); err != nil {
				return false, err
			}
		}
	}
	if !(sum > 0) { // cannot happen for a pixel inside the H3 grid; keep the people anyway
		s.pop[cs[0]] += v
		return false, nil
	}
	for _, sh := range list {
		s.pop[sh.c] += v * sh.a / sum
	}
	return len(list) > 1, nil
}

// ring returns c's boundary as an open counter-clockwise [lon, lat] ring.
func (s *pixelSplitter) ring(c h3.Cell) ([]orb.Point, error) {
	if r, ok := s.rings[c]; ok {
		return r, nil
	}
	poly, err := geo.CellPolygon(c)
	if err != nil {
		return nil, err
	}
	r := []orb.Point(poly[0][:len(poly[0])-1])
	if signedArea(r) < 0 {
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
	}
	s.rings[c] = r
	return r, nil
}

func signedArea(r []orb.Point) float64 {
	a := 0.0
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		a += p[0]*q[1] - q[0]*p[1]
	}
	return a / 2
}

// clipArea is the area (degrees²) of rectangle b inside the convex
// counter-clockwise polygon hex (Sutherland–Hodgman), computed relative to
// b's corner for precision.
func clipArea(b orb.Bound, hex []orb.Point) float64 {
	o := b.Min
	var bufA, bufB [32]orb.Point
	poly := append(bufA[:0], orb.Point{0, 0}, orb.Point{b.Max[0] - o[0], 0}, orb.Point{b.Max[0] - o[0], b.Max[1] - o[1]}, orb.Point{0, b.Max[1] - o[1]})
	out := bufB[:0]
	for i := range hex {
		a := orb.Point{hex[i][0] - o[0], hex[i][1] - o[1]}
		c := orb.Point{hex[(i+1)%len(hex)][0] - o[0], hex[(i+1)%len(hex)][1] - o[1]}
		side := func(p orb.Point) float64 { return (c[0]-a[0])*(p[1]-a[1]) - (c[1]-a[1])*(p[0]-a[0]) }
		out = out[:0]
		for j := range poly {
			p, q := poly[j], poly[(j+1)%len(poly)]
			sp, sq := side(p), side(q)
			if sp >= 0 {
				out = append(out, p)
			}
			if (sp >= 0) != (sq >= 0) {
				t := sp / (sp - sq)
				out = append(out, orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])})
			}
		}
		if len(out) < 3 {
			return 0
		}
		poly, out = out, poly
	}
	return math.Abs(signedArea(poly))
}
