package report

import (
	"fmt"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"html"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/orb/simplify"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/geo"
)

// Map geometry, in SVG user units (the viewBox). Coordinates are written
// in tenths of a unit: at the map's width of 1000 units a tenth is about
// 0.08 screen pixels, well below what shows.
const (
	mapWidth     = 1000.0
	mapMaxHeight = 1100.0
	mapPadFrac   = 0.03 // margin around the cells, share of the larger side
	// unitTolerance is the Douglas-Peucker tolerance for unit boundaries,
	// in map units: half a unit keeps every visible bend.
	unitTolerance = 0.5
	// gapLabels is how many of the largest gaps get their rank on the map.
	gapLabels = 5
	// maxBaseLabels: above this many bases, their symbols carry no names.
	maxBaseLabels = 12
)

// timeBand is one class of the travel-time legend.
type timeBand struct {
	Key       string  // CSS-safe key: b0, b1, …, over, far, unreached, noroad
	Label     string  // "0–5 min", "no road access", …
	Color     string  // fill colour
	Hatch     bool    // drawn hatched (no road access)
	Inside    bool    // inside the rescue circle
	UpperS    float64 // upper bound in seconds (inclusive); +Inf for the last timed band
	Cells     int
	Residents float64
	Share     float64 // of all residents
}

// Inside-the-circle greens and outside oranges/reds: ColorBrewer RdYlGn
// (Cynthia Brewer, colorbrewer2.org), a ramp that reads as "good to bad"
// and keeps its order in greyscale print.
var (
	greens         = []string{"#1a9850", "#66bd63", "#a6d96a", "#d9ef8b"}
	colorOver      = "#fdae61" // target < t ≤ 2 × target
	colorFar       = "#e0452f" // t > 2 × target
	colorUnreached = "#8e0a26" // on a road, but no base reaches it within the search horizon
	colorNoRoad    = "#d4d4d4" // centre farther than the snap distance from any road
)

// bands returns the legend classes for a rescue circle of targetMin
// minutes, splitting the inside at the standard's isochrone minutes.
func bands(targetMin float64, isoMin []float64) []timeBand {
	var edges []float64
	for _, m := range isoMin {
		if m > 0 && m < targetMin {
			edges = append(edges, m)
		}
	}
	edges = append(edges, targetMin)
	if len(edges) > len(greens) { // keep the last edges: the ones near the target matter most
		edges = edges[len(edges)-len(greens):]
	}
	var out []timeBand
	lo := 0.0
	for i, e := range edges {
		c := greens[i*(len(greens)-1)/max(1, len(edges)-1)]
		if len(edges) == 1 {
			c = greens[1]
		}
		out = append(out, timeBand{Key: "b" + strconv.Itoa(i), Label: fmt.Sprintf("%s–%s min", minutes(lo), minutes(e)), Color: c, Inside: true, UpperS: e * 60})
		lo = e
	}
	out = append(out,
		timeBand{Key: "over", Label: fmt.Sprintf("%s–%s min", minutes(targetMin), minutes(2*targetMin)), Color: colorOver, UpperS: 2 * targetMin * 60},
		timeBand{Key: "far", Label: fmt.Sprintf("over %s min", minutes(2*targetMin)), Color: colorFar, UpperS: math.Inf(1)},
		timeBand{Key: "unreached", Label: "not reached", Color: colorUnreached, UpperS: math.NaN()},
		timeBand{Key: "noroad", Label: "no road access", Color: colorNoRoad, Hatch: true, UpperS: math.NaN()},
	)
	return out
}

// bandOf returns the index in bs of a cell's class.
func bandOf(bs []timeBand, c *Cell) int {
	n := len(bs)
	switch {
	case c.NoRoad:
		return n - 1
	case math.IsNaN(c.Seconds) || math.IsInf(c.Seconds, 1):
		return n - 2
	}
	for i, b := range bs[:n-2] {
		if c.Seconds <= b.UpperS {
			return i
		}
	}
	return n - 3
}

func minutes(m float64) string { return strconv.FormatFloat(m, 'f', -1, 64) }

// frame maps [lon, lat] to map units: a local equirectangular projection
// (geo.LocalProjection at the frame's middle latitude), scaled and shifted
// so that the frame's bound fills the map. North is up.
type frame struct {
	proj   geo.LocalProjection
	x0, y0 float64 // projected metres of the top-left corner
	scale  float64 // map units per metre
	w, h   float64 // map size in units
}

func newFrame(b orb.Bound) frame {
	lp := geo.NewLocalProjection((b.Min[1] + b.Max[1]) / 2)
	x0, y0 := lp.Project(orb.Point{b.Min[0], b.Max[1]})
	x1, y1 := lp.Project(orb.Point{b.Max[0], b.Min[1]})
	dx, dy := math.Max(x1-x0, 1), math.Max(y0-y1, 1)
	pad := mapPadFrac * math.Max(dx, dy)
	x0, y0, dx, dy = x0-pad, y0+pad, dx+2*pad, dy+2*pad
	scale := mapWidth / dx
	if dy*scale > mapMaxHeight {
		scale = mapMaxHeight / dy
	}
	return frame{proj: lp, x0: x0, y0: y0, scale: scale, w: math.Round(dx * scale), h: math.Round(dy * scale)}
}

// xy returns p in map units (x right, y down).
func (f *frame) xy(p orb.Point) (float64, float64) {
	x, y := f.proj.Project(p)
	return (x - f.x0) * f.scale, (f.y0 - y) * f.scale
}

// tenths returns p in tenths of a map unit.
func (f *frame) tenths(p orb.Point) (int, int) {
	x, y := f.xy(p)
	return int(math.Round(x * 10)), int(math.Round(y * 10))
}

// lonLatBound is the [lon, lat] area the map shows.
func (f *frame) lonLatBound() orb.Bound {
	kx, ky := f.proj.Project(orb.Point{1, 1})
	minLon, maxLat := f.x0/kx, f.y0/ky
	return orb.Bound{Min: orb.Point{minLon, maxLat - f.h/f.scale/ky}, Max: orb.Point{minLon + f.w/f.scale/kx, maxLat}}
}

// appendTenths appends v/10 in the shortest SVG form: 12, 1.5, -.5.
func appendTenths(b []byte, v int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	q, r := v/10, v%10
	if q > 0 || r == 0 {
		b = strconv.AppendInt(b, int64(q), 10)
	}
	if r != 0 {
		b = append(b, '.', byte('0'+r))
	}
	return b
}

// appendPair appends "x y" (a space before a positive y, none before a minus).
func appendPair(b []byte, x, y int) []byte {
	b = appendTenths(b, x)
	if y >= 0 {
		b = append(b, ' ')
	}
	return appendTenths(b, y)
}

// appendRing appends a closed [lon, lat] ring as a path (see appendPath).
func (f *frame) appendRing(b []byte, ring orb.Ring) []byte {
	pts := make([][2]int, len(ring))
	for i, p := range ring {
		pts[i][0], pts[i][1] = f.tenths(p)
	}
	return appendPath(b, pts)
}

// appendPath appends a closed ring of points in tenths of a map unit as
// "Mx yl dx dy … z": relative moves after the first point, repeated
// points dropped. A ring that shrinks below three points adds nothing.
func appendPath(b []byte, pts [][2]int) []byte {
	k := 0
	for _, p := range pts {
		if k > 0 && pts[k-1] == p {
			continue
		}
		pts[k] = p
		k++
	}
	pts = pts[:k]
	if n := len(pts); n > 1 && pts[0] == pts[n-1] {
		pts = pts[:n-1]
	}
	if len(pts) < 3 {
		return b
	}
	b = append(b, 'M')
	b = appendPair(b, pts[0][0], pts[0][1])
	b = append(b, 'l')
	for i := 1; i < len(pts); i++ {
		if i > 1 && pts[i][0]-pts[i-1][0] >= 0 {
			b = append(b, ' ')
		}
		b = appendPair(b, pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1])
	}
	return append(b, 'z')
}

// appendMultiPolygon appends every ring of mp (holes included: draw with
// fill-rule evenodd).
func (f *frame) appendMultiPolygon(b []byte, mp orb.MultiPolygon) []byte {
	for _, poly := range mp {
		for _, r := range poly {
			b = f.appendRing(b, r)
		}
	}
	return b
}

// projected returns mp in map units (as orb points), for simplification.
func (f *frame) projected(mp orb.MultiPolygon) orb.MultiPolygon {
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, poly := range mp {
		np := make(orb.Polygon, 0, len(poly))
		for _, r := range poly {
			nr := make(orb.Ring, len(r))
			for i, p := range r {
				x, y := f.xy(p)
				nr[i] = orb.Point{x, y}
			}
			np = append(np, nr)
		}
		out = append(out, np)
	}
	return out
}

// appendProjectedRings appends the rings of mp, already in map units.
func appendProjectedRings(b []byte, mp orb.MultiPolygon) []byte {
	for _, poly := range mp {
		for _, r := range poly {
			pts := make([][2]int, len(r))
			for i, p := range r {
				pts[i] = [2]int{int(math.Round(p[0] * 10)), int(math.Round(p[1] * 10))}
			}
			b = appendPath(b, pts)
		}
	}
	return b
}

// MapOptions tune the map.
type MapOptions struct {
	// MaxCellPaths is the most cells drawn one path each (with a tooltip);
	// above it the cells of each band are dissolved into one path, which
	// keeps a large study's file small. 0 means DefaultMaxCellPaths.
	MaxCellPaths int
	// Lang is the language of the map's tooltips (Render sets it from
	// RenderOptions.Lang).
	Lang i18n.Lang
}

// DefaultMaxCellPaths keeps a report under about 2 MB: a cell costs about
// 60 bytes of path and 60 of tooltip.
const DefaultMaxCellPaths = 15000

// svgMap is the rendered map with its legend data.
type svgMap struct {
	SVG     template.HTML // the <svg> element, built here with every text escaped
	Bands   []timeBand
	PerCell bool // one path per cell (else dissolved per band)
	ScaleM  float64
}

// renderMap draws the travel-time map: unit areas, cells coloured by band,
// gap outlines with the largest ranked, unit boundaries and names, bases,
// the new sites of a siting result, a scale bar and a north arrow.
func renderMap(r *Report, opt MapOptions) (*svgMap, error) {
	std := r.Summary.Standard
	bs := bands(std.Rescue.Minutes, std.IsochroneMinutes)
	cellBand, polys, bound, err := classifyCells(r, bs)
	if err != nil {
		return nil, err
	}
	f := newFrame(bound)
	maxPaths := opt.MaxCellPaths
	if maxPaths <= 0 {
		maxPaths = DefaultMaxCellPaths
	}
	out := &svgMap{Bands: bs, PerCell: len(r.Cells) <= maxPaths}
	m := &mapDraw{r: r, opt: opt, f: &f, view: f.lonLatBound()}
	shapes := m.unitShapes()
	baseLabels := baseLabelBoxes(r.Bases, &f)

	b := m.appendHeader(nil)
	b = appendUnitPaths(b, `<g id="map-unit-areas" fill="#ffffff" stroke="none" fill-rule="evenodd">`, shapes)
	if b, err = m.appendCells(b, bs, cellBand, polys, out.PerCell); err != nil {
		return nil, err
	}
	b = appendUnitPaths(b, `<g id="map-unit-lines" fill="none" stroke="#3a3f47" stroke-width="1.3" stroke-linejoin="round">`, shapes)
	b = m.appendGaps(b)
	b = m.appendUnitNames(b, shapes, baseLabels)
	b = m.appendGapRanks(b)
	b = m.appendShelters(b)
	b = m.appendDepots(b)
	b = m.appendBases(b, baseLabels)
	b = m.appendNewSites(b)
	b = append(b, `</g>`...) // clip
	b, out.ScaleM = m.appendScaleAndNorth(b)
	b = append(b, `</svg>`...)
	out.SVG = template.HTML(b)
	return out, nil
}

// classifyCells puts each cell in its band (counting the band's cells,
// residents and share of all residents) and returns each cell's band and
// polygon, with the bound of the cells, bases and new sites.
func classifyCells(r *Report, bs []timeBand) (cellBand []int, polys []orb.Polygon, bound orb.Bound, err error) {
	first := true
	extend := func(p orb.Point) {
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) {
			return
		}
		if first {
			bound, first = orb.Bound{Min: p, Max: p}, false
		} else {
			bound = bound.Extend(p)
		}
	}
	cellBand = make([]int, len(r.Cells))
	polys = make([]orb.Polygon, len(r.Cells))
	for i := range r.Cells {
		c := &r.Cells[i]
		k := bandOf(bs, c)
		cellBand[i] = k
		bs[k].Cells++
		bs[k].Residents += c.Population
		poly, err := geo.CellPolygon(c.H3)
		if err != nil {
			return nil, nil, bound, fmt.Errorf("cell %s: %w", c.H3, err)
		}
		polys[i] = poly
		for _, p := range poly[0] {
			extend(p)
		}
	}
	for _, b := range r.Bases {
		extend(b.Loc)
	}
	if r.Siting != nil {
		for _, s := range r.Siting.Sites {
			extend(s.Loc)
		}
	}
	if first {
		return nil, nil, bound, fmt.Errorf("%s: no cell and no base to map", r.Dir)
	}
	if total := r.Summary.Residents; total > 0 {
		for i := range bs {
			bs[i].Share = bs[i].Residents / total
		}
	}
	return cellBand, polys, bound, nil
}

// mapDraw is what every layer of the map is drawn from.
type mapDraw struct {
	r    *Report
	opt  MapOptions
	f    *frame
	view orb.Bound // the map's extent in lon/lat
}

// unitShape is a unit's outline in map units with where its name goes.
type unitShape struct {
	d         []byte
	label     orb.Point
	name      string
	residents float64
}

// appendHeader opens the <svg>: title, hatch pattern, clip frame,
// background, and the clipped group the layers go in.
func (m *mapDraw) appendHeader(b []byte) []byte {
	f := m.f
	b = fmt.Appendf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="travel-time-map" viewBox="0 0 %g %g" role="img" aria-labelledby="map-title">`, f.w, f.h)
	b = fmt.Appendf(b, `<title id="map-title">%s</title>`, html.EscapeString(m.opt.Lang.T("report.map.title", "study", m.r.Summary.Study)))
	b = append(b, `<defs><pattern id="map-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="`+colorNoRoad+`"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="1.6"/></pattern>`...)
	b = fmt.Appendf(b, `<clipPath id="map-frame"><rect width="%g" height="%g"/></clipPath></defs>`, f.w, f.h)
	b = fmt.Appendf(b, `<rect width="%g" height="%g" fill="#f6f7f8"/>`, f.w, f.h)
	return append(b, `<g clip-path="url(#map-frame)">`...)
}

// unitShapes simplifies the units in view in map units. A unit's name goes
// at the centroid of its largest part when that lies inside the part and
// well inside the map, else at the population-weighted centre of its cells
// (a unit larger than the study area).
func (m *mapDraw) unitShapes() []unitShape {
	r, f := m.r, m.f
	labelAt := map[string]*[3]float64{} // unit id -> population-weighted x, y, weight
	for i := range r.Cells {
		c := &r.Cells[i]
		if c.UnitID == "" {
			continue
		}
		p, err := geo.CellCenter(c.H3)
		if err != nil {
			continue
		}
		x, y := f.xy(p)
		w := math.Max(c.Population, 1e-9)
		a := labelAt[c.UnitID]
		if a == nil {
			a = &[3]float64{}
			labelAt[c.UnitID] = a
		}
		a[0], a[1], a[2] = a[0]+x*w, a[1]+y*w, a[2]+w
	}
	var shapes []unitShape
	for _, u := range r.Units {
		if len(u.Geom) == 0 || !u.Geom.Bound().Intersects(m.view) {
			continue
		}
		mp := simplify.DouglasPeucker(unitTolerance).MultiPolygon(f.projected(u.Geom))
		d := appendProjectedRings(nil, mp)
		if len(d) == 0 {
			continue
		}
		s := unitShape{d: d, name: u.Name, label: labelPoint(mp, f.w, f.h), residents: u.Residents}
		if a := labelAt[u.ID]; math.IsNaN(s.label[0]) && a != nil && a[2] > 0 {
			s.label = orb.Point{a[0] / a[2], a[1] / a[2]}
		}
		shapes = append(shapes, s)
	}
	return shapes
}

// appendUnitPaths draws the unit outlines in the group opened by open:
// the unit areas under everything, the boundaries over the cells.
func appendUnitPaths(b []byte, open string, shapes []unitShape) []byte {
	b = append(b, open...)
	for _, s := range shapes {
		b = append(b, `<path d="`...)
		b = append(b, s.d...)
		b = append(b, `"/>`...)
	}
	return append(b, `</g>`...)
}

// appendCells draws the cells by band: one path per cell with its
// tooltip, or the band's cells dissolved into one path.
func (m *mapDraw) appendCells(b []byte, bs []timeBand, cellBand []int, polys []orb.Polygon, perCell bool) ([]byte, error) {
	r, opt, f := m.r, m.opt, m.f
	b = fmt.Appendf(b, `<g id="map-cells" data-mode="%s" stroke="none">`, map[bool]string{true: "per-cell", false: "dissolved"}[perCell])
	for k, band := range bs {
		fill := band.Color
		if band.Hatch {
			fill = "url(#map-hatch)"
		}
		b = fmt.Appendf(b, `<g class="band" data-band="%s" fill="%s"`, band.Key, fill)
		if !perCell {
			b = append(b, ` fill-rule="evenodd"`...)
		}
		b = append(b, '>')
		if perCell {
			for i := range r.Cells {
				if cellBand[i] != k {
					continue
				}
				c := &r.Cells[i]
				b = append(b, `<path d="`...)
				b = f.appendRing(b, polys[i][0])
				b = fmt.Appendf(b, `"><title>%s</title></path>`, html.EscapeString(opt.Lang.T("report.tip.cell", "cell", c.H3, "time", cellTime(opt.Lang, c), "residents", people(c.Population))))
			}
		} else {
			var cells []h3.Cell
			for i := range r.Cells {
				if cellBand[i] == k {
					cells = append(cells, r.Cells[i].H3)
				}
			}
			if len(cells) > 0 {
				mp, err := geo.CellsToMultiPolygon(cells)
				if err != nil {
					return nil, err
				}
				b = append(b, `<path d="`...)
				b = f.appendMultiPolygon(b, mp)
				b = fmt.Appendf(b, `"><title>%s</title></path>`, html.EscapeString(opt.Lang.T("report.tip.band", "band", bandLabel(opt.Lang, band), "n", len(cells))))
			}
		}
		b = append(b, `</g>`...)
	}
	return append(b, `</g>`...), nil
}

// appendGaps outlines every patch outside the circle.
func (m *mapDraw) appendGaps(b []byte) []byte {
	opt := m.opt
	b = append(b, `<g id="map-gaps" fill="none" stroke="#111" stroke-width="1.8" stroke-linejoin="round">`...)
	for _, g := range m.r.Gaps {
		if len(g.Geom) == 0 || !g.Geom.Bound().Intersects(m.view) {
			continue
		}
		b = fmt.Appendf(b, `<path data-rank="%d" d="`, g.Rank)
		b = m.f.appendMultiPolygon(b, g.Geom)
		b = fmt.Appendf(b, `"><title>%s</title></path>`, html.EscapeString(opt.Lang.T("report.tip.gap", "rank", g.Rank, "residents", people(g.Residents), "cells", g.Cells, "worst", durOr(g.Worst, opt.Lang.T("report.not_reached")))))
	}
	return append(b, `</g>`...)
}

// markerBoxes returns the boxes of what is drawn over the unit names: the
// gap ranks, new sites, bases and base names.
func (m *mapDraw) markerBoxes(baseLabels []baseLabel) []orb.Bound {
	r, f := m.r, m.f
	var placed []orb.Bound
	around := func(x, y, r float64) orb.Bound {
		return orb.Bound{Min: orb.Point{x - r, y - r}, Max: orb.Point{x + r, y + r}}
	}
	for _, g := range r.Gaps {
		if g.Rank <= gapLabels {
			x, y := f.xy(g.Loc)
			placed = append(placed, around(x, y, 12))
		}
	}
	if r.Siting != nil {
		for _, st := range r.Siting.Sites {
			x, y := f.xy(st.Loc)
			placed = append(placed, around(x, y, 14))
		}
	}
	for _, base := range r.Bases {
		if !math.IsNaN(base.Loc[0]) {
			x, y := f.xy(base.Loc)
			placed = append(placed, around(x, y, 10))
		}
	}
	for _, bl := range baseLabels {
		placed = append(placed, bl.box)
	}
	return placed
}

// appendUnitNames writes the unit names, with a white halo: the most
// populous first, each only where it overlaps no name or marker already
// placed (the tables name them all).
func (m *mapDraw) appendUnitNames(b []byte, shapes []unitShape, baseLabels []baseLabel) []byte {
	f := m.f
	fontSize := 19.0
	if len(shapes) > 12 {
		fontSize = 15
	}
	b = fmt.Appendf(b, `<g id="map-unit-names" font-size="%g" font-weight="600" fill="#2b2f36" text-anchor="middle" stroke="#fff" stroke-width="4" stroke-linejoin="round" paint-order="stroke">`, fontSize)
	order := make([]int, len(shapes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return shapes[order[i]].residents > shapes[order[j]].residents })
	placed := m.markerBoxes(baseLabels)
	free := func(box orb.Bound) bool {
		for _, p := range placed {
			if p.Intersects(box) {
				return false
			}
		}
		return true
	}
	for _, i := range order {
		s := shapes[i]
		if math.IsNaN(s.label[0]) {
			continue
		}
		// Width from the character count: about 0.62 em per character for
		// a semibold sans-serif, plus the halo.
		half := 0.31*fontSize*float64(len([]rune(s.name))) + 4
		var box orb.Bound
		var x, y float64
		ok := false
		for _, d := range [][2]float64{{0, 0}, {0, -1.4 * fontSize}, {0, 1.4 * fontSize}, {-half, -fontSize}, {half, -fontSize}, {-half, fontSize}, {half, fontSize}} {
			x = math.Min(math.Max(s.label[0]+d[0], half+2), f.w-half-2)
			y = math.Min(math.Max(s.label[1]+d[1], fontSize+2), f.h-6)
			box = orb.Bound{Min: orb.Point{x - half, y - fontSize}, Max: orb.Point{x + half, y + 4}}
			if ok = free(box); ok {
				break
			}
		}
		if !ok && len(shapes) > 12 {
			continue // many units: leave this name to the tables
		}
		if !ok { // few units: every name shows, where it was meant to go
			x = math.Min(math.Max(s.label[0], half+2), f.w-half-2)
			y = math.Min(math.Max(s.label[1], fontSize+2), f.h-6)
			box = orb.Bound{Min: orb.Point{x - half, y - fontSize}, Max: orb.Point{x + half, y + 4}}
		}
		placed = append(placed, box)
		b = fmt.Appendf(b, `<text x="%.1f" y="%.1f">%s</text>`, x, y, html.EscapeString(s.name))
	}
	return append(b, `</g>`...)
}

// appendGapRanks draws the rank markers of the largest gaps.
func (m *mapDraw) appendGapRanks(b []byte) []byte {
	b = append(b, `<g id="map-gap-ranks" font-size="14" font-weight="700" text-anchor="middle">`...)
	for _, g := range m.r.Gaps {
		if g.Rank > gapLabels {
			continue
		}
		x, y := m.f.xy(g.Loc)
		b = fmt.Appendf(b, `<g data-rank="%d"><circle cx="%.1f" cy="%.1f" r="11" fill="#fff" stroke="#111" stroke-width="1.8"/><text x="%.1f" y="%.1f" fill="#111">%d</text></g>`,
			g.Rank, x, y, x, y+5, g.Rank)
	}
	return append(b, `</g>`...)
}

// appendShelters draws the shelters, under the bases: circles, purple,
// red when they would overflow with everyone at the nearest, grey of
// unknown capacity.
func (m *mapDraw) appendShelters(b []byte) []byte {
	if len(m.r.Shelters) == 0 {
		return b
	}
	b = append(b, `<g id="map-shelters">`...)
	for _, s := range m.r.Shelters {
		if math.IsNaN(s.Loc[0]) || s.Loc == (orb.Point{}) {
			continue
		}
		fill := "#6a1b9a"
		switch {
		case s.Overflows:
			fill = "#c62828"
		case s.Rule == "unknown":
			fill = "#9e9e9e"
		}
		x, y := m.f.xy(s.Loc)
		b = fmt.Appendf(b, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s" stroke="#fff" stroke-width="1.4"><title>%s</title></circle>`, x, y, fill, html.EscapeString(shelterName(m.opt.Lang, s)))
	}
	return append(b, `</g>`...)
}

// appendDepots draws the depots as orange squares, under the bases.
func (m *mapDraw) appendDepots(b []byte) []byte {
	if len(m.r.Depots) == 0 {
		return b
	}
	b = append(b, `<g id="map-depots">`...)
	for _, d := range m.r.Depots {
		if math.IsNaN(d.Loc[0]) || d.Loc == (orb.Point{}) {
			continue
		}
		x, y := m.f.xy(d.Loc)
		name := d.Name
		if name == "" {
			name = d.ID
		}
		b = fmt.Appendf(b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="#ef6c00" stroke="#fff" stroke-width="1.4"><title>%s</title></rect>`, x-5, y-5, html.EscapeString(name))
	}
	return append(b, `</g>`...)
}

// appendBases draws the bases as triangles, named when few.
func (m *mapDraw) appendBases(b []byte, baseLabels []baseLabel) []byte {
	b = append(b, `<g id="map-bases">`...)
	for _, base := range m.r.Bases {
		if math.IsNaN(base.Loc[0]) {
			continue
		}
		x, y := m.f.xy(base.Loc)
		b = fmt.Appendf(b, `<path d="M%.1f %.1fl10 17h-20z" fill="#1f3a93" stroke="#fff" stroke-width="1.6"><title>%s</title></path>`, x, y-11, html.EscapeString(baseName(base)))
	}
	if len(baseLabels) > 0 {
		b = append(b, `<g font-size="15" fill="#1f3a93" stroke="#fff" stroke-width="3.5" paint-order="stroke" stroke-linejoin="round">`...)
		for _, bl := range baseLabels {
			b = fmt.Appendf(b, `<text x="%.1f" y="%.1f"%s>%s</text>`, bl.x, bl.y, bl.anchor, html.EscapeString(bl.text))
		}
		b = append(b, `</g>`...)
	}
	return append(b, `</g>`...)
}

// appendNewSites draws the new sites of the siting result: diamonds with
// their rank.
func (m *mapDraw) appendNewSites(b []byte) []byte {
	if m.r.Siting == nil {
		return b
	}
	b = append(b, `<g id="map-new-sites" font-size="13" font-weight="700" text-anchor="middle">`...)
	for _, s := range m.r.Siting.Sites {
		x, y := m.f.xy(s.Loc)
		b = fmt.Appendf(b, `<g data-rank="%d"><path d="M%.1f %.1fl13 13-13 13-13-13z" fill="#6a3d9a" stroke="#fff" stroke-width="1.6"/><text x="%.1f" y="%.1f" fill="#fff">%d</text><title>%s</title></g>`,
			s.Rank, x, y-13, x, y+5, s.Rank, html.EscapeString(m.opt.Lang.T("report.tip.site", "rank", s.Rank, "id", s.ID)))
	}
	return append(b, `</g>`...)
}

// appendScaleAndNorth draws the scale bar (bottom left) and the north
// arrow (top right), and returns the scale bar's length in metres.
func (m *mapDraw) appendScaleAndNorth(b []byte) ([]byte, float64) {
	f := m.f
	mPerUnit := 1 / f.scale
	lengthM := niceLength(mPerUnit * 160)
	lw := lengthM / mPerUnit
	x0, y0 := 18.0, f.h-22
	b = fmt.Appendf(b, `<g id="map-scale" font-size="15" fill="#222"><rect x="%.1f" y="%.1f" width="%.1f" height="34" fill="#fff" fill-opacity=".85" rx="3"/>`, x0-8, y0-24, lw+70)
	b = fmt.Appendf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="6" fill="#222"/><rect x="%.1f" y="%.1f" width="%.1f" height="6" fill="#fff" stroke="#222" stroke-width="1"/>`,
		x0, y0, lw/2, x0+lw/2, y0, lw/2)
	b = fmt.Appendf(b, `<text x="%.1f" y="%.1f">0</text><text x="%.1f" y="%.1f" text-anchor="middle">%s</text></g>`, x0-4, y0-5, x0+lw, y0-5, distanceLabel(lengthM))
	nx, ny := f.w-32, 20.0
	b = fmt.Appendf(b, `<g id="map-north" fill="#222"><path d="M%.1f %.1fl11 28-11-7-11 7z"/><text x="%.1f" y="%.1f" font-size="16" font-weight="700" text-anchor="middle">N</text></g>`, nx, ny+14, nx, ny+8)
	return b, lengthM
}

// labelPoint returns the centroid of the largest polygon of mp (in map
// units) when it lies inside that polygon and at least 60 units inside
// the w × h map; NaN otherwise.
func labelPoint(mp orb.MultiPolygon, w, h float64) orb.Point {
	none := orb.Point{math.NaN(), math.NaN()}
	best, bestArea := -1, 0.0
	for i, p := range mp {
		if a := math.Abs(planar.Area(p)); a > bestArea {
			best, bestArea = i, a
		}
	}
	if best < 0 {
		return none
	}
	c, _ := planar.CentroidArea(mp[best])
	const margin = 60
	if c[0] < margin || c[0] > w-margin || c[1] < margin || c[1] > h-margin || !planar.PolygonContains(mp[best], c) {
		return none
	}
	return c
}

// baseLabel is a base's name placed on the map.
type baseLabel struct {
	text   string
	x, y   float64
	anchor string // ` text-anchor="end"` when the name goes left of its base
	box    orb.Bound
}

// baseLabelBoxes places the names of the named bases (when there are at
// most maxBaseLabels bases): right of the symbol, or left of it near the
// map's right edge.
func baseLabelBoxes(bs []Base, f *frame) []baseLabel {
	if len(bs) > maxBaseLabels {
		return nil
	}
	var out []baseLabel
	for _, base := range distinctBaseLabels(bs) {
		x, y := f.xy(base.Loc)
		text := trimRunes(baseName(base), 28)
		w := 0.58 * 15 * float64(len([]rune(text)))
		l := baseLabel{text: text, x: x + 13, y: y + 5}
		if x > f.w-220 { // near the right edge: name on the left
			l.x, l.anchor = x-13, ` text-anchor="end"`
			l.box = orb.Bound{Min: orb.Point{l.x - w, l.y - 13}, Max: orb.Point{l.x, l.y + 3}}
		} else {
			l.box = orb.Bound{Min: orb.Point{l.x, l.y - 13}, Max: orb.Point{l.x + w, l.y + 3}}
		}
		out = append(out, l)
	}
	return out
}

// distinctBaseLabels returns the named bases to label on the map, one
// per place: bases within about 50 m of each other share a label, as a
// station mapped both as a node and as a building does. Unnamed bases get
// no label (their ids are in the bases table).
func distinctBaseLabels(bs []Base) []Base {
	var out []Base
	for _, b := range bs {
		if math.IsNaN(b.Loc[0]) || strings.TrimSpace(b.Name) == "" {
			continue
		}
		dup := false
		for _, o := range out {
			if geo.Haversine(o.Loc, b.Loc) < 50 {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, b)
		}
	}
	return out
}

func baseName(b Base) string {
	if strings.TrimSpace(b.Name) != "" {
		return b.Name
	}
	return b.ID
}

// niceLength returns the largest of 1, 2, 5 × 10^k metres not above m.
func niceLength(m float64) float64 {
	if !(m > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, f := range []float64{5, 2, 1} {
		if f*p <= m {
			return f * p
		}
	}
	return p
}

func distanceLabel(m float64) string {
	if m >= 1000 {
		return strconv.FormatFloat(m/1000, 'f', -1, 64) + " km"
	}
	return strconv.FormatFloat(m, 'f', -1, 64) + " m"
}

func cellTime(l i18n.Lang, c *Cell) string {
	switch {
	case c.NoRoad:
		return l.T("report.band.noroad")
	case math.IsNaN(c.Seconds):
		return l.T("report.not_reached")
	}
	return l.T("report.band.range", "range", dur(c.Seconds))
}

// shelterName is a shelter's name with its places in language l, for the
// map's tooltip.
func shelterName(l i18n.Lang, s Shelter) string {
	name := s.Name
	if name == "" {
		name = s.ID
	}
	if s.Rule == "unknown" {
		return l.T("report.tip.shelter_unknown", "name", name)
	}
	return l.T("report.tip.shelter", "name", name, "places", people(s.Places))
}
