package osm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/paulmach/osm"
)

// An Area is a polygon feature of an OSM file: a closed way, or a relation
// of type multipolygon or boundary assembled from its member ways.
type Area struct {
	Type string // "way" or "relation"
	ID   int64  // OSM id
	Tags map[string]string
	// Geom is the area in [lon, lat] WGS-84 degrees, on the file's 1e-7
	// grid. Rings are closed (first point == last); each polygon's exterior
	// is counter-clockwise and its holes clockwise (the GeoJSON rule). A
	// closed way is one polygon without holes.
	Geom orb.MultiPolygon
}

// Ref returns the area's OSM reference, "way/123" or "relation/456".
func (a Area) Ref() string { return a.Type + "/" + fmt.Sprint(a.ID) }

// Errors an AreaProblem wraps, for errors.Is.
var (
	// ErrRingNotClosed: the member ways of a relation do not join into
	// closed rings (a member is missing from the extract, or the relation
	// is broken).
	ErrRingNotClosed = errors.New("osm: ring not closed")
	// ErrMissingMembers: member ways of a relation are not in the file,
	// though the rings that are there close (an island or a hole is lost).
	ErrMissingMembers = errors.New("osm: member ways not in the file")
	// ErrMissingNodes: a ring uses nodes that are not in the file (the
	// extract was clipped through the area).
	ErrMissingNodes = errors.New("osm: ring has nodes without a location")
	// ErrNoExterior: a relation has no outer ring with an area.
	ErrNoExterior = errors.New("osm: no outer ring")
	// ErrHoleOutside: an inner ring lies inside no outer ring.
	ErrHoleOutside = errors.New("osm: inner ring outside every outer ring")
	// ErrDegenerate: a closed way with fewer than 3 distinct nodes.
	ErrDegenerate = errors.New("osm: closed way too short to be an area")
)

// An AreaProblem is an OSM object that matched an area filter but could not
// be built into a polygon; it is left out of the areas, and reported so that
// the caller can say which object and why.
type AreaProblem struct {
	Type string // "way" or "relation"
	ID   int64
	Name string // the name tag, if any
	Tags map[string]string
	Err  error // wraps one of ErrRingNotClosed, ErrMissingNodes, ...
}

// Ref returns "way/123" or "relation/456".
func (p AreaProblem) Ref() string { return p.Type + "/" + fmt.Sprint(p.ID) }

func (p AreaProblem) Error() string {
	if p.Name != "" {
		return fmt.Sprintf("%s (%s): %v", p.Ref(), p.Name, p.Err)
	}
	return fmt.Sprintf("%s: %v", p.Ref(), p.Err)
}

func (p AreaProblem) Unwrap() error { return p.Err }

// ExtractAreas returns the areas of the OSM file at path whose tags match
// any of the filters: closed ways (first node == last), and relations
// tagged type=multipolygon or type=boundary, whose member ways (roles
// "outer" or empty, and "inner"; other members are ignored) are joined end
// to end, in either direction, into closed rings. Each inner ring becomes a
// hole of the smallest outer ring containing it. Relation members that are
// relations are not followed.
//
// Areas come ways first, then relations, each by id. Matching objects that
// cannot be built (rings that do not close, often because member ways are
// missing from a clipped extract; member ways missing even though the rest
// closes; nodes without location; holes outside every exterior) are left
// out and returned as problems, in the same order. Geometry is not checked
// for validity (self-intersections) here: see data/units.
//
// The file is read in one pass (see Reader); memory grows with the
// matching objects, not with the extract.
func ExtractAreas(ctx context.Context, path string, filters []TagMatch, opt Options) ([]Area, []AreaProblem, error) {
	if len(filters) == 0 {
		return nil, nil, fmt.Errorf("extract areas from %s: no tag filter given", path)
	}
	if a, err, ok := prefetchedAreas(ctx, path, filters); ok {
		return a.Areas, a.Problems, err
	}
	r := NewReader(path, opt)
	res := r.Areas(filters)
	if err := r.Run(ctx); err != nil {
		return nil, nil, err
	}
	a, err := res.Get()
	return a.Areas, a.Problems, err
}

// AreaSet is what Reader.Areas extracts: the areas, and the matching
// objects that could not be built (see ExtractAreas).
type AreaSet struct {
	Areas    []Area
	Problems []AreaProblem
}

// Areas asks the pass for the areas whose tags match any of the filters,
// as ExtractAreas returns them.
func (r *Reader) Areas(filters []TagMatch) *Result[AreaSet] {
	j := &areaJob{filters: filters, wanted: map[int64]bool{}, res: &Result[AreaSet]{}}
	if len(filters) == 0 {
		j.res.set(AreaSet{}, fmt.Errorf("extract areas from %s: no tag filter given", r.path))
	}
	r.jobs = append(r.jobs, j)
	return j.res
}

// areaJob is ExtractAreas as a job of a pass: the matching closed ways and
// relations as they stream by; the relations' member ways from the way
// store; then the nodes of both.
type areaJob struct {
	filters []TagMatch
	res     *Result[AreaSet]
	ways    []wayArea
	rels    []relRec
	wanted  map[int64]bool    // member ways of rels
	refs    map[int64][]int64 // their refs, those in the file
	nodes   nodeTable
}

func (j *areaJob) wants() kinds {
	return kinds{ways: !j.res.done, relations: !j.res.done, members: !j.res.done, locations: !j.res.done}
}

func (j *areaJob) node(*osm.Node)                    {}
func (j *areaJob) members() map[int64]bool           { return j.wanted }
func (j *areaJob) setMembers(refs map[int64][]int64) { j.refs = refs }
func (j *areaJob) fail(err error)                    { j.res.set(AreaSet{}, err) }

func (j *areaJob) matches(tags osm.Tags) bool {
	for _, f := range j.filters {
		if f.match(tags) {
			return true
		}
	}
	return false
}

func (j *areaJob) way(w *osm.Way) {
	if j.res.done {
		return
	}
	closed := len(w.Nodes) > 1 && w.Nodes[0].ID == w.Nodes[len(w.Nodes)-1].ID
	if !closed || !j.matches(w.Tags) {
		return
	}
	refs := make([]int64, len(w.Nodes))
	for i, n := range w.Nodes {
		refs[i] = int64(n.ID)
	}
	j.ways = append(j.ways, wayArea{id: int64(w.ID), refs: refs, tags: w.Tags.Map()})
}

func (j *areaJob) relation(r *osm.Relation) {
	if j.res.done {
		return
	}
	if t := r.Tags.Find("type"); t != "multipolygon" && t != "boundary" {
		return
	}
	if !j.matches(r.Tags) {
		return
	}
	j.rels = append(j.rels, relationRec(r, j.wanted))
}

// relationRec keeps a relation's outer and inner member ways (other roles
// and members are ignored), marking them in wanted.
func relationRec(r *osm.Relation, wanted map[int64]bool) relRec {
	rec := relRec{id: int64(r.ID), tags: r.Tags.Map()}
	for _, m := range r.Members {
		if m.Type != osm.TypeWay {
			continue
		}
		var inner bool
		switch m.Role {
		case "outer", "":
		case "inner":
			inner = true
		default:
			continue
		}
		rec.members = append(rec.members, memberRec{way: m.Ref, inner: inner})
		wanted[m.Ref] = true
	}
	return rec
}

func (j *areaJob) locations() *nodeTable {
	if j.res.done {
		return nil
	}
	j.nodes = newNodeTable(neededNodes(j.ways, func(w wayArea) []int64 { return w.refs }, j.wanted, j.refs))
	return &j.nodes
}

// neededNodes lists the nodes whose locations a job needs: those of its
// own ways and those of the member ways its relations asked for (wanted,
// with their refs as the way store gave them).
func neededNodes[W any](ways []W, wayRefs func(W) []int64, wanted map[int64]bool, refs map[int64][]int64) []int64 {
	var need []int64
	for _, w := range ways {
		need = append(need, wayRefs(w)...)
	}
	for id := range wanted {
		need = append(need, refs[id]...)
	}
	return need
}

func (j *areaJob) finish(ctx context.Context, _ source) error {
	if j.res.done {
		return nil
	}
	areas, problems, err := assembleAreas(ctx, j.ways, j.rels, j.refs, j.nodes)
	if err != nil {
		return err
	}
	j.res.set(AreaSet{Areas: areas, Problems: problems}, nil)
	return nil
}

// assembleAreas builds the areas of the ways, then of the relations, each
// by id; those that cannot be built are the problems, in the same order.
func assembleAreas(ctx context.Context, ways []wayArea, rels []relRec, refs map[int64][]int64, nodes nodeTable) ([]Area, []AreaProblem, error) {
	var areas []Area
	var problems []AreaProblem
	sort.Slice(ways, func(i, j int) bool { return ways[i].id < ways[j].id })
	for i, w := range ways {
		if i%4096 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		ring, err := nodes.ring(w.refs)
		if err == nil && len(w.refs) < 4 {
			err = fmt.Errorf("%w: %d nodes", ErrDegenerate, len(w.refs))
		}
		if err != nil {
			problems = append(problems, AreaProblem{Type: "way", ID: w.id, Name: w.tags["name"], Tags: w.tags, Err: err})
			continue
		}
		if ring.Orientation() == orb.CW {
			ring.Reverse()
		}
		areas = append(areas, Area{Type: "way", ID: w.id, Tags: w.tags, Geom: orb.MultiPolygon{{ring}}})
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].id < rels[j].id })
	for _, r := range rels {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		mp, err := r.assemble(refs, nodes)
		if err != nil {
			problems = append(problems, AreaProblem{Type: "relation", ID: r.id, Name: r.tags["name"], Tags: r.tags, Err: err})
			continue
		}
		areas = append(areas, Area{Type: "relation", ID: r.id, Tags: r.tags, Geom: mp})
	}
	return areas, problems, nil
}

type wayArea struct {
	id   int64
	refs []int64
	tags map[string]string
}

type memberRec struct {
	way   int64
	inner bool
}

type relRec struct {
	id      int64
	tags    map[string]string
	members []memberRec
}

// ring returns the locations of refs as a ring, or ErrMissingNodes.
func (t nodeTable) ring(refs []int64) (orb.Ring, error) {
	r := make(orb.Ring, 0, len(refs))
	var missing []int64
	for _, id := range refs {
		p, ok := t.loc(id)
		if !ok {
			missing = append(missing, id)
			continue
		}
		r = append(r, p)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %d of %d nodes missing (first node %d)", ErrMissingNodes, len(missing), len(refs), missing[0])
	}
	return r, nil
}

func (t nodeTable) loc(id int64) (orb.Point, bool) {
	i, ok := slices.BinarySearch(t.ids, id)
	if !ok || !t.has[i] {
		return orb.Point{}, false
	}
	return orb.Point{float64(t.lonE7[i]) / 1e7, float64(t.latE7[i]) / 1e7}, true
}

// assemble joins the member ways into rings and rings into polygons.
func (r relRec) assemble(refs map[int64][]int64, nodes nodeTable) (orb.MultiPolygon, error) {
	var outerWays, innerWays [][]int64
	var missing []int64
	seen := map[memberRec]bool{}
	for _, m := range r.members {
		if seen[m] {
			continue // a way listed twice with the same role is one way
		}
		seen[m] = true
		w, found := refs[m.way]
		if !found {
			missing = append(missing, m.way)
			continue
		}
		if m.inner {
			innerWays = append(innerWays, w)
		} else {
			outerWays = append(outerWays, w)
		}
	}
	outerIDs, err := joinRings(outerWays, "outer")
	if err == nil {
		var innerIDs [][]int64
		innerIDs, err = joinRings(innerWays, "inner")
		if err == nil && len(missing) > 0 {
			// The rings close, but an island or a hole is gone.
			return nil, fmt.Errorf("%w: %d of %d (first way %d)", ErrMissingMembers, len(missing), len(r.members), missing[0])
		}
		if err == nil {
			return buildPolygons(outerIDs, innerIDs, nodes)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w, %d of %d member ways are not in the file (first way %d)", err, len(missing), len(r.members), missing[0])
	}
	var oe *openRingError
	if errors.As(err, &oe) {
		a, okA := nodes.loc(oe.from)
		b, okB := nodes.loc(oe.to)
		if okA && okB {
			return nil, fmt.Errorf("%w (at %.7f,%.7f and %.7f,%.7f)", err, a[0], a[1], b[0], b[1])
		}
	}
	return nil, err
}

// openRingError says where a chain of ways stops without closing.
type openRingError struct {
	role     string
	from, to int64 // node ids of the chain's two open ends
}

func (e *openRingError) Error() string {
	return fmt.Sprintf("%v: %s ways end at nodes %d and %d", ErrRingNotClosed, e.role, e.from, e.to)
}

func (e *openRingError) Unwrap() error { return ErrRingNotClosed }

// joinRings joins ways (node id sequences) end to end, in either direction,
// into closed rings of node ids (first == last).
func joinRings(ways [][]int64, role string) ([][]int64, error) {
	var rings [][]int64
	ends := map[int64][]int{} // end node id -> indices of open ways
	var open []int
	for i, w := range ways {
		if len(w) < 2 {
			continue
		}
		if w[0] == w[len(w)-1] {
			rings = append(rings, w)
			continue
		}
		open = append(open, i)
		ends[w[0]] = append(ends[w[0]], i)
		ends[w[len(w)-1]] = append(ends[w[len(w)-1]], i)
	}
	used := make([]bool, len(ways))
	for _, start := range open {
		if used[start] {
			continue
		}
		used[start] = true
		cur := slices.Clone(ways[start])
		for cur[0] != cur[len(cur)-1] {
			end := cur[len(cur)-1]
			next := -1
			for _, j := range ends[end] {
				if !used[j] {
					next = j
					break
				}
			}
			if next < 0 {
				return nil, &openRingError{role: role, from: cur[0], to: end}
			}
			used[next] = true
			w := ways[next]
			if w[0] == end {
				cur = append(cur, w[1:]...)
			} else {
				for k := len(w) - 2; k >= 0; k-- {
					cur = append(cur, w[k])
				}
			}
		}
		rings = append(rings, cur)
	}
	return rings, nil
}

// buildPolygons turns rings of node ids into polygons: exteriors
// counter-clockwise, each hole (clockwise) in the smallest exterior that
// contains it.
func buildPolygons(outerIDs, innerIDs [][]int64, nodes nodeTable) (orb.MultiPolygon, error) {
	toRings := func(ids [][]int64, ccw bool) ([]orb.Ring, error) {
		var rings []orb.Ring
		for _, r := range ids {
			ring, err := nodes.ring(r)
			if err != nil {
				return nil, err
			}
			if len(ring) < 4 || planar.Area(ring) == 0 {
				continue // a ring with no area adds nothing
			}
			if (ring.Orientation() == orb.CCW) != ccw {
				ring.Reverse()
			}
			rings = append(rings, ring)
		}
		return rings, nil
	}
	outers, err := toRings(outerIDs, true)
	if err != nil {
		return nil, err
	}
	inners, err := toRings(innerIDs, false)
	if err != nil {
		return nil, err
	}
	if len(outers) == 0 {
		return nil, ErrNoExterior
	}
	// Larger exteriors first, so the polygons come in a stable order.
	areas := make([]float64, len(outers))
	for i, o := range outers {
		areas[i] = math.Abs(planar.Area(o))
	}
	order := make([]int, len(outers))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return areas[order[a]] > areas[order[b]] })
	bounds := make([]orb.Bound, len(outers))
	for i, o := range outers {
		bounds[i] = o.Bound()
	}
	holes := make([][]orb.Ring, len(outers))
	for _, h := range inners {
		hb := h.Bound()
		best := -1
		for i, o := range outers {
			if !boundWithin(hb, bounds[i]) || !ringWithin(h, o) {
				continue
			}
			if best < 0 || areas[i] < areas[best] {
				best = i
			}
		}
		if best < 0 {
			return nil, fmt.Errorf("%w (near %.7f,%.7f)", ErrHoleOutside, h[0][0], h[0][1])
		}
		holes[best] = append(holes[best], h)
	}
	mp := make(orb.MultiPolygon, 0, len(outers))
	for _, i := range order {
		p := orb.Polygon{outers[i]}
		p = append(p, holes[i]...)
		mp = append(mp, p)
	}
	return mp, nil
}

func boundWithin(in, out orb.Bound) bool {
	return in.Min[0] >= out.Min[0] && in.Min[1] >= out.Min[1] && in.Max[0] <= out.Max[0] && in.Max[1] <= out.Max[1]
}

// ringWithin reports whether ring in lies inside ring out. Rings of a valid
// multipolygon may touch at nodes, so it samples up to 16 vertices of in
// and takes the majority (a vertex on out's boundary counts as inside).
func ringWithin(in, out orb.Ring) bool {
	n := len(in) - 1 // the closing point repeats the first
	step := max(1, n/16)
	var yes, no int
	for k := 0; k < n; k += step {
		if planar.RingContains(out, in[k]) {
			yes++
		} else {
			no++
		}
	}
	return yes > no
}
