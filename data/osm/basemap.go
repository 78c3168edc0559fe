package osm

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
)

// Basemap is what a quiet reference map draws from an OSM extract: roads
// by class, water areas and waterway lines, landuse, buildings and named
// places. Geometry is [lon, lat] WGS-84 degrees on the file's 1e-7 grid.
// It is the input of the web map's base layers (data/tiles); it is not a
// general-purpose OSM renderer (no railways, no admin boundaries: the
// study's units are drawn from the study).
type Basemap struct {
	Roads     []BasemapLine // highway ways, by class
	Waterways []BasemapLine // rivers, canals, streams and the coastline, as lines
	Water     []BasemapArea // lakes, reservoirs, riverbanks
	Landuse   []BasemapArea // built-up, green, farm, forest, … (see LanduseClass)
	Buildings []orb.Polygon // building outlines (relations: their outer parts)
	Places    []BasemapPlace
	// Skipped counts the matching objects left out: areas whose rings do
	// not close or whose nodes are outside the extract, lines without
	// two located nodes.
	Skipped int
}

// BasemapLine is a road or waterway. Class is RoadClass (or
// WaterwayClass) of its tags; Link marks motorway_link, primary_link, ….
type BasemapLine struct {
	WayID  int64
	Class  string
	Link   bool
	Name   string
	NameEn string // name:en, when tagged
	NameZh string // name:zh, when tagged
	Ref    string
	Line   orb.LineString
}

// BasemapArea is a water or landuse polygon.
type BasemapArea struct {
	Class string
	Name  string
	Geom  orb.MultiPolygon
}

// BasemapPlace is a named place node (place=city, town, village, …).
type BasemapPlace struct {
	Class      string
	Name       string
	NameEn     string
	NameZh     string
	Population float64 // 0 when untagged or unreadable
	Loc        orb.Point
}

// RoadClass returns the base-map class of a highway tag value, and whether
// the value is a drawn road: motorway, trunk, primary, secondary, tertiary,
// minor (unclassified, residential, living_street, road), service, track or
// path (footway, path, cycleway, pedestrian, steps, bridleway). link is
// true for the *_link ramps, which take their road's class.
func RoadClass(highway string) (class string, link, ok bool) {
	if base, isLink := strings.CutSuffix(highway, "_link"); isLink {
		highway, link = base, true
	}
	switch highway {
	case "motorway", "trunk", "primary", "secondary", "tertiary":
		return highway, link, true
	case "unclassified", "residential", "living_street", "road":
		return "minor", false, !link
	case "service":
		return "service", false, !link
	case "track":
		return "track", false, !link
	case "footway", "path", "cycleway", "pedestrian", "steps", "bridleway":
		return "path", false, !link
	}
	return "", false, false
}

// WaterwayClass returns the class of a waterway line: river, canal or
// stream (stream, drain, ditch), and whether it is drawn.
func WaterwayClass(waterway string) (string, bool) {
	switch waterway {
	case "river", "canal":
		return waterway, true
	case "stream", "drain", "ditch":
		return "stream", true
	}
	return "", false
}

// waterArea reports whether tags make a water area.
func waterArea(t osm.Tags) bool {
	switch {
	case t.Find("natural") == "water":
		return true
	case t.Find("waterway") == "riverbank" || t.Find("waterway") == "dock":
		return true
	case t.Find("landuse") == "reservoir" || t.Find("landuse") == "basin":
		return true
	}
	return false
}

// LanduseClass returns the base-map class of an area's landuse, natural or
// leisure tags: residential, commercial (commercial, retail), industrial,
// forest (forest, wood), scrub (scrub, heath), grass (grass, meadow,
// grassland, village_green, recreation_ground), farmland (farmland,
// farmyard, orchard, vineyard, allotments), park (park, garden,
// golf_course, nature_reserve, pitch, playground, sports_centre),
// cemetery, rock (bare_rock, scree, sand, beach, glacier, quarry), wetland
// or military; ok is false for other areas.
func LanduseClass(t osm.Tags) (string, bool) {
	switch v := t.Find("landuse"); v {
	case "residential", "industrial", "cemetery", "military":
		return v, true
	case "commercial", "retail":
		return "commercial", true
	case "forest":
		return "forest", true
	case "grass", "meadow", "village_green", "recreation_ground":
		return "grass", true
	case "farmland", "farmyard", "orchard", "vineyard", "allotments":
		return "farmland", true
	case "quarry":
		return "rock", true
	}
	switch v := t.Find("natural"); v {
	case "wood":
		return "forest", true
	case "scrub", "heath":
		return "scrub", true
	case "grassland":
		return "grass", true
	case "bare_rock", "scree", "sand", "beach", "glacier":
		return "rock", true
	case "wetland":
		return "wetland", true
	}
	switch t.Find("leisure") {
	case "park", "garden", "golf_course", "nature_reserve", "pitch", "playground", "sports_centre":
		return "park", true
	}
	return "", false
}

// building reports whether tags make a building outline.
func building(t osm.Tags) bool {
	v := t.Find("building")
	return v != "" && v != "no"
}

// PlaceClass returns the class of a place node: city, town, village,
// suburb, hamlet or neighbourhood (neighbourhood, quarter, isolated_dwelling
// is left out), and whether it is drawn.
func PlaceClass(place string) (string, bool) {
	switch place {
	case "city", "town", "village", "suburb", "hamlet", "neighbourhood":
		return place, true
	case "quarter":
		return "neighbourhood", true
	}
	return "", false
}

// areaKind is what a closed way or multipolygon relation is drawn as.
type areaKind uint8

const (
	notArea areaKind = iota
	areaWater
	areaLanduse
	areaBuilding
)

func kindOf(t osm.Tags) areaKind {
	switch {
	case waterArea(t):
		return areaWater
	case building(t):
		return areaBuilding
	}
	if _, ok := LanduseClass(t); ok {
		return areaLanduse
	}
	return notArea
}

// ExtractBasemap reads the base-map features of the OSM file at path (PBF
// or XML) in one pass (see Reader): multipolygon relations of water,
// landuse and buildings; roads, waterways, closed areas and the relations'
// member ways; the nodes they use and the place nodes. Objects that cannot
// be drawn (rings that do not close in a clipped extract, nodes missing)
// are counted in Skipped, not reported one by one: a base map is a
// backdrop, and a missing lake is not an error. Memory grows with the
// drawn features, not with the extract.
func ExtractBasemap(ctx context.Context, path string, opt Options) (*Basemap, error) {
	if bm, err, ok := prefetchedBasemap(ctx, path); ok {
		return bm, err
	}
	r := NewReader(path, opt)
	res := r.Basemap()
	if err := r.Run(ctx); err != nil {
		return nil, err
	}
	return res.Get()
}

// Basemap asks the pass for the base map, as ExtractBasemap returns it.
func (r *Reader) Basemap() *Result[*Basemap] {
	j := &basemapJob{wanted: map[int64]bool{}, bm: &Basemap{}, res: &Result[*Basemap]{}}
	r.jobs = append(r.jobs, j)
	return j.res
}

type basemapRel struct {
	rec  relRec
	kind areaKind
}

type basemapWay struct {
	id   int64
	refs []int64
	tags osm.Tags
	line bool // a road or waterway (else a closed area)
	area areaKind
}

// basemapJob is ExtractBasemap as a job of a pass.
type basemapJob struct {
	res    *Result[*Basemap]
	bm     *Basemap
	rels   []basemapRel
	ways   []basemapWay
	wanted map[int64]bool    // member ways of rels
	refs   map[int64][]int64 // their refs, those in the file
	nodes  nodeTable
}

func (j *basemapJob) wants() kinds {
	return kinds{nodes: !j.res.done, ways: !j.res.done, relations: !j.res.done, members: !j.res.done, locations: !j.res.done}
}
func (j *basemapJob) members() map[int64]bool           { return j.wanted }
func (j *basemapJob) setMembers(refs map[int64][]int64) { j.refs = refs }
func (j *basemapJob) fail(err error)                    { j.res.set(nil, err) }

func (j *basemapJob) relation(r *osm.Relation) {
	if j.res.done || r.Tags.Find("type") != "multipolygon" {
		return
	}
	k := kindOf(r.Tags)
	if k == notArea {
		return
	}
	j.rels = append(j.rels, basemapRel{relationRec(r, j.wanted), k})
}

func (j *basemapJob) way(w *osm.Way) {
	if j.res.done {
		return
	}
	_, _, road := RoadClass(w.Tags.Find("highway"))
	_, waterway := WaterwayClass(w.Tags.Find("waterway"))
	coast := w.Tags.Find("natural") == "coastline"
	closed := len(w.Nodes) > 3 && w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID
	area := notArea
	if closed && !road && w.Tags.Find("area") != "no" {
		area = kindOf(w.Tags)
	}
	line := road || waterway || coast
	if !line && area == notArea {
		return
	}
	refs := make([]int64, len(w.Nodes))
	for i, n := range w.Nodes {
		refs[i] = int64(n.ID)
	}
	j.ways = append(j.ways, basemapWay{id: int64(w.ID), refs: refs, tags: w.Tags, line: line, area: area})
}

// node keeps the named place nodes.
func (j *basemapJob) node(n *osm.Node) {
	if j.res.done || len(n.Tags) == 0 {
		return
	}
	class, ok := PlaceClass(n.Tags.Find("place"))
	if !ok || n.Tags.Find("name") == "" {
		return
	}
	pop, _ := strconv.ParseFloat(strings.ReplaceAll(n.Tags.Find("population"), ",", ""), 64)
	j.bm.Places = append(j.bm.Places, BasemapPlace{
		Class: class, Name: n.Tags.Find("name"), NameEn: n.Tags.Find("name:en"), NameZh: n.Tags.Find("name:zh"),
		Population: max(pop, 0), Loc: e7Point(n.Lon, n.Lat),
	})
}

func (j *basemapJob) locations() *nodeTable {
	if j.res.done {
		return nil
	}
	j.nodes = newNodeTable(neededNodes(j.ways, func(w basemapWay) []int64 { return w.refs }, j.wanted, j.refs))
	return &j.nodes
}

func (j *basemapJob) finish(ctx context.Context, _ source) error {
	if j.res.done {
		return nil
	}
	bm, nodes := j.bm, j.nodes
	ways, rels := j.ways, j.rels
	slices.SortFunc(ways, func(a, b basemapWay) int { return cmp.Compare(a.id, b.id) })
	for i, w := range ways {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if w.line {
			bm.addLine(w.id, w.tags, w.refs, nodes)
			continue
		}
		ring, err := nodes.ring(w.refs)
		if err != nil || len(ring) < 4 {
			bm.Skipped++
			continue
		}
		if ring.Orientation() == orb.CW {
			ring.Reverse()
		}
		bm.addArea(w.area, w.tags, orb.MultiPolygon{{ring}})
	}
	slices.SortFunc(rels, func(a, b basemapRel) int { return cmp.Compare(a.rec.id, b.rec.id) })
	for _, r := range rels {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		mp, err := r.rec.assemble(j.refs, nodes)
		if err != nil {
			bm.Skipped++
			continue
		}
		bm.addArea(r.kind, mapTags(r.rec.tags), mp)
	}
	j.res.set(bm, nil)
	return nil
}

// addLine adds a road or waterway way; nodes outside the extract split
// nothing, they are left out (a clipped extract ends its roads at the
// clip), and a way with fewer than two located nodes is skipped.
func (bm *Basemap) addLine(id int64, t osm.Tags, refs []int64, nodes nodeTable) {
	ls := make(orb.LineString, 0, len(refs))
	for _, ref := range refs {
		if p, ok := nodes.loc(ref); ok {
			ls = append(ls, p)
		}
	}
	if len(ls) < 2 {
		bm.Skipped++
		return
	}
	l := BasemapLine{WayID: id, Name: t.Find("name"), NameEn: t.Find("name:en"), NameZh: t.Find("name:zh"), Ref: t.Find("ref"), Line: ls}
	if class, link, ok := RoadClass(t.Find("highway")); ok {
		l.Class, l.Link = class, link
		bm.Roads = append(bm.Roads, l)
		return
	}
	if class, ok := WaterwayClass(t.Find("waterway")); ok {
		l.Class = class
	} else {
		l.Class = "coastline"
	}
	bm.Waterways = append(bm.Waterways, l)
}

func (bm *Basemap) addArea(k areaKind, t osm.Tags, mp orb.MultiPolygon) {
	switch k {
	case areaWater:
		bm.Water = append(bm.Water, BasemapArea{Class: "water", Name: t.Find("name"), Geom: mp})
	case areaLanduse:
		class, _ := LanduseClass(t)
		bm.Landuse = append(bm.Landuse, BasemapArea{Class: class, Name: t.Find("name"), Geom: mp})
	case areaBuilding:
		bm.Buildings = append(bm.Buildings, mp...)
	}
}

// mapTags is a relation's kept tag map as osm.Tags (the order is not used).
func mapTags(m map[string]string) osm.Tags {
	t := make(osm.Tags, 0, len(m))
	for k, v := range m {
		t = append(t, osm.Tag{Key: k, Value: v})
	}
	return t
}
