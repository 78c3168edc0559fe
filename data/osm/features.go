package osm

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
)

// A Feature is an OSM node or way selected by its tags, located at a point:
// a node at its own location, a way at the arithmetic mean of its nodes'
// longitudes and latitudes, a closed ring's repeated last node counted once
// (the rule of SPEED_MODEL.md §7 for fire stations).
type Feature struct {
	Type string    // "node" or "way"
	ID   int64     // OSM id
	Loc  orb.Point // [lon, lat]
	Tags map[string]string
}

// Ref returns the feature's OSM reference, "node/123" or "way/456".
func (f Feature) Ref() string { return fmt.Sprintf("%s/%d", f.Type, f.ID) }

// A TagMatch selects objects whose tag Key has Value ("*": any value).
type TagMatch struct {
	Key, Value string
}

// ParseTagMatch reads "key=value" or "key=*".
func ParseTagMatch(s string) (TagMatch, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" || v == "" {
		return TagMatch{}, fmt.Errorf("tag filter %q: want key=value (or key=*)", s)
	}
	return TagMatch{Key: k, Value: v}, nil
}

func (m TagMatch) match(tags osm.Tags) bool {
	for _, t := range tags {
		if t.Key == m.Key {
			return m.Value == "*" || t.Value == m.Value
		}
	}
	return false
}

// ExtractFeatures returns the nodes and ways of the OSM file at path that
// match any of the filters, nodes by id then ways by id. Relations are not
// read. Ways none of whose nodes has a location are left out.
func ExtractFeatures(ctx context.Context, path string, filters []TagMatch, opt Options) ([]Feature, error) {
	if len(filters) == 0 {
		return nil, fmt.Errorf("extract from %s: no tag filter given", path)
	}
	if f, err, ok := prefetchedFeatures(ctx, path, filters); ok {
		return f, err
	}
	r := NewReader(path, opt)
	res := r.Features(filters)
	if err := r.Run(ctx); err != nil {
		return nil, err
	}
	return res.Get()
}

// Features asks the pass for the nodes and ways matching any of the
// filters, as ExtractFeatures returns them.
func (r *Reader) Features(filters []TagMatch) *Result[[]Feature] {
	j := &featureJob{filters: filters, wayRefs: map[int64][]int64{}, res: &Result[[]Feature]{}}
	if len(filters) == 0 {
		j.res.set(nil, fmt.Errorf("extract from %s: no tag filter given", r.path))
	}
	r.jobs = append(r.jobs, j)
	return j.res
}

// featureJob is ExtractFeatures as a job of a pass: matching nodes at their
// location as they stream by, matching ways by their refs, located after.
type featureJob struct {
	filters []TagMatch
	res     *Result[[]Feature]
	nodes   []Feature
	ways    []Feature
	wayRefs map[int64][]int64
	need    []int64
	located nodeTable
}

func (j *featureJob) wants() kinds {
	return kinds{nodes: !j.res.done, ways: !j.res.done, locations: !j.res.done}
}

func (j *featureJob) relation(*osm.Relation)       {}
func (j *featureJob) members() map[int64]bool      { return nil }
func (j *featureJob) setMembers(map[int64][]int64) {}
func (j *featureJob) fail(err error)               { j.res.set(nil, err) }

func (j *featureJob) matches(tags osm.Tags) bool {
	for _, f := range j.filters {
		if f.match(tags) {
			return true
		}
	}
	return false
}

func (j *featureJob) node(n *osm.Node) {
	if !j.res.done && len(n.Tags) > 0 && j.matches(n.Tags) {
		j.nodes = append(j.nodes, Feature{Type: "node", ID: int64(n.ID), Loc: e7Point(n.Lon, n.Lat), Tags: n.Tags.Map()})
	}
}

func (j *featureJob) way(w *osm.Way) {
	if j.res.done || !j.matches(w.Tags) {
		return
	}
	refs := make([]int64, 0, len(w.Nodes))
	for _, n := range w.Nodes {
		refs = append(refs, int64(n.ID))
	}
	if len(refs) > 1 && refs[0] == refs[len(refs)-1] {
		refs = refs[:len(refs)-1] // a closed ring: its first node once
	}
	j.wayRefs[int64(w.ID)] = refs
	j.need = append(j.need, refs...)
	j.ways = append(j.ways, Feature{Type: "way", ID: int64(w.ID), Tags: w.Tags.Map()})
}

func (j *featureJob) locations() *nodeTable {
	if j.res.done || len(j.ways) == 0 {
		return nil
	}
	j.located = newNodeTable(j.need)
	j.need = nil
	return &j.located
}

func (j *featureJob) finish(context.Context, source) error {
	if j.res.done {
		return nil
	}
	ways := j.ways
	if len(ways) > 0 {
		kept := ways[:0]
		for _, w := range ways {
			var sx, sy float64
			k := 0
			for _, id := range j.wayRefs[w.ID] {
				if p, ok := j.located.loc(id); ok {
					sx += p[0]
					sy += p[1]
					k++
				}
			}
			if k > 0 {
				w.Loc = orb.Point{sx / float64(k), sy / float64(k)}
				kept = append(kept, w)
			}
		}
		ways = kept
	}
	nodes := j.nodes
	sort.Slice(nodes, func(i, k int) bool { return nodes[i].ID < nodes[k].ID })
	sort.Slice(ways, func(i, k int) bool { return ways[i].ID < ways[k].ID })
	j.res.set(append(nodes, ways...), nil)
	return nil
}

// e7Point rounds a decoded coordinate back onto the file's 1e-7 grid.
func e7Point(lon, lat float64) orb.Point {
	return orb.Point{math.Round(lon*1e7) / 1e7, math.Round(lat*1e7) / 1e7}
}

// WayNames returns a readable label for each of the ways ids of the OSM
// file at path: its name tag, its ref tag (a road number such as CG-2), or
// both as "name (ref)"; ways with neither, or not in the file, are absent
// from the map. One pass over the ways; nodes are not decoded.
func WayNames(ctx context.Context, path string, ids []int64, opt Options) (map[int64]string, error) {
	if out, err, ok := prefetchedLabels(ctx, path, ids, wayTags.label); ok {
		return out, err
	}
	return wayLabels(ctx, path, ids, opt, func(w *osm.Way) string { return roadTagsOf(w).label() })
}

// wayTags are the tags of a way its labels come from.
type wayTags struct {
	name, ref, highway string
}

func roadTagsOf(w *osm.Way) wayTags {
	return wayTags{
		name:    strings.TrimSpace(w.Tags.Find("name")),
		ref:     strings.TrimSpace(w.Tags.Find("ref")),
		highway: strings.TrimSpace(w.Tags.Find("highway")),
	}
}

// label is WayNames's label: "name (ref)", name or ref.
func (t wayTags) label() string {
	switch {
	case t.name != "" && t.ref != "":
		return t.name + " (" + t.ref + ")"
	case t.name != "":
		return t.name
	}
	return t.ref
}

// roadTags asks the pass for the label tags of every way with a highway
// tag (see Prefetch.RoadLabels).
func (r *Reader) roadTags() *Result[map[int64]wayTags] {
	j := &roadTagJob{out: map[int64]wayTags{}, res: &Result[map[int64]wayTags]{}}
	r.jobs = append(r.jobs, j)
	return j.res
}

type roadTagJob struct {
	out map[int64]wayTags
	res *Result[map[int64]wayTags]
}

func (j *roadTagJob) wants() kinds                 { return kinds{ways: !j.res.done} }
func (j *roadTagJob) node(*osm.Node)               {}
func (j *roadTagJob) relation(*osm.Relation)       {}
func (j *roadTagJob) members() map[int64]bool      { return nil }
func (j *roadTagJob) setMembers(map[int64][]int64) {}
func (j *roadTagJob) locations() *nodeTable        { return nil }
func (j *roadTagJob) fail(err error)               { j.res.set(nil, err) }
func (j *roadTagJob) finish(context.Context, source) error {
	j.res.set(j.out, nil)
	return nil
}

func (j *roadTagJob) way(w *osm.Way) {
	if !j.res.done && w.Tags.Find("highway") != "" {
		j.out[int64(w.ID)] = roadTagsOf(w)
	}
}

// wayLabels returns label(w) for each of the ways ids of the OSM file at
// path, leaving out ways not in the file and empty labels. One pass over
// the ways; nodes are not decoded.
func wayLabels(ctx context.Context, path string, ids []int64, opt Options, label func(*osm.Way) string) (map[int64]string, error) {
	if len(ids) == 0 {
		return map[int64]string{}, nil
	}
	r := NewReader(path, opt)
	res := r.wayLabels(ids, label)
	if err := r.Run(ctx); err != nil {
		return nil, err
	}
	return res.Get()
}

func (r *Reader) wayLabels(ids []int64, label func(*osm.Way) string) *Result[map[int64]string] {
	want := slices.Clone(ids)
	slices.Sort(want)
	j := &labelJob{want: want, label: label, out: map[int64]string{}, res: &Result[map[int64]string]{}}
	r.jobs = append(r.jobs, j)
	return j.res
}

// labelJob is a label per asked way, read as the ways stream by.
type labelJob struct {
	want  []int64 // sorted
	label func(*osm.Way) string
	out   map[int64]string
	res   *Result[map[int64]string]
}

func (j *labelJob) wants() kinds { return kinds{ways: !j.res.done} }

func (j *labelJob) node(*osm.Node)               {}
func (j *labelJob) relation(*osm.Relation)       {}
func (j *labelJob) members() map[int64]bool      { return nil }
func (j *labelJob) setMembers(map[int64][]int64) {}
func (j *labelJob) locations() *nodeTable        { return nil }
func (j *labelJob) fail(err error)               { j.res.set(nil, err) }

func (j *labelJob) way(w *osm.Way) {
	if j.res.done {
		return
	}
	if _, found := slices.BinarySearch(j.want, int64(w.ID)); !found {
		return
	}
	if l := j.label(w); l != "" {
		j.out[int64(w.ID)] = l
	}
}

func (j *labelJob) finish(context.Context, source) error {
	j.res.set(j.out, nil)
	return nil
}
