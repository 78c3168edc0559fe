package osm

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// A Prefetch reads, in one pass, the extractions a caller will ask for one
// by one later (a study reads its road graph, buildings, boundaries and
// facilities in separate stages, through packages that each call Build or
// ExtractAreas). Plan them, Run, and carry the prefetch in the context
// (WithPrefetch): Build, ExtractAreas and ExtractFeatures called with that
// context and the same file, profile or filters return the prefetched
// result, anything else reads the file as usual.
//
// Each planned extraction is handed out as many times as it was planned,
// then dropped, so that its memory goes with its last user.
type Prefetch struct {
	path   string
	opt    Options
	graphs map[string]*planned[*graph.Graph]
	areas  map[string]*planned[AreaSet]
	feats  map[string]*planned[[]Feature]
	base   *planned[*Basemap]
	labels *planned[map[int64]wayTags]
	ran    bool
}

type planned[T any] struct {
	uses int
	res  *Result[T]
	// the graph's profile and generator (graphs only)
	profile *Profile
	gen     string
}

// NewPrefetch plans a pass over the OSM file at path.
func NewPrefetch(path string, opt Options) *Prefetch {
	return &Prefetch{path: path, opt: opt, graphs: map[string]*planned[*graph.Graph]{},
		areas: map[string]*planned[AreaSet]{}, feats: map[string]*planned[[]Feature]{}}
}

// Graph plans Build(path, p) with Options.Generator gen.
func (f *Prefetch) Graph(p *Profile, gen string) {
	if e := plan(f.graphs, graphKey(p, gen)); e != nil && e.profile == nil {
		e.profile, e.gen = p, gen
	}
}

// Areas plans ExtractAreas(path, filters).
func (f *Prefetch) Areas(filters []TagMatch) { plan(f.areas, filterKey(filters)) }

// Features plans ExtractFeatures(path, filters).
func (f *Prefetch) Features(filters []TagMatch) { plan(f.feats, filterKey(filters)) }

func plan[T any](m map[string]*planned[T], key string) *planned[T] {
	if key == "" {
		return nil
	}
	if m[key] == nil {
		m[key] = &planned[T]{}
	}
	m[key].uses++
	return m[key]
}

// Basemap plans ExtractBasemap(path).
func (f *Prefetch) Basemap() {
	if f.base == nil {
		f.base = &planned[*Basemap]{}
	}
	f.base.uses++
}

// RoadLabels plans WayNames and WayHighways of roads (ways with a highway
// tag): the name, ref and highway tags of every such way are kept for as
// many later calls as planned whose ways are all among them (a call asking
// for another way reads the file).
func (f *Prefetch) RoadLabels() {
	if f.labels == nil {
		f.labels = &planned[map[int64]wayTags]{}
	}
	f.labels.uses++
}

// Run reads the file once for every planned extraction. On error nothing
// is prefetched (each later call then reads the file itself, and reports
// the problem in its own words).
func (f *Prefetch) Run(ctx context.Context) error {
	if f.ran {
		return fmt.Errorf("osm: Prefetch.Run called twice")
	}
	f.ran = true
	r := NewReader(f.path, f.opt)
	for _, k := range sortedKeys(f.graphs) {
		e := f.graphs[k]
		e.res = r.graph(e.profile, e.gen)
	}
	for _, k := range sortedKeys(f.areas) {
		f.areas[k].res = r.Areas(parseFilterKey(k))
	}
	for _, k := range sortedKeys(f.feats) {
		f.feats[k].res = r.Features(parseFilterKey(k))
	}
	if f.base != nil {
		f.base.res = r.Basemap()
	}
	if f.labels != nil {
		f.labels.res = r.roadTags()
	}
	if err := r.Run(ctx); err != nil {
		clear(f.graphs)
		clear(f.areas)
		clear(f.feats)
		f.base, f.labels = nil, nil
		return err
	}
	return nil
}

type prefetchKey struct{}

// WithPrefetch returns a context carrying f for Build, ExtractAreas and
// ExtractFeatures.
func WithPrefetch(ctx context.Context, f *Prefetch) context.Context {
	return context.WithValue(ctx, prefetchKey{}, f)
}

// take hands out a prefetched result of path and key, if there is one.
func take[T any](ctx context.Context, path string, pick func(*Prefetch) map[string]*planned[T], key string) (T, error, bool) {
	var zero T
	f, _ := ctx.Value(prefetchKey{}).(*Prefetch)
	if f == nil || !f.ran || f.path != path || key == "" {
		return zero, nil, false
	}
	m := pick(f)
	e := m[key]
	if e == nil || e.res == nil {
		return zero, nil, false
	}
	if e.uses--; e.uses <= 0 {
		delete(m, key)
	}
	v, err := e.res.Get()
	return v, err, true
}

func prefetchedGraph(ctx context.Context, path string, p *Profile, gen string) (*graph.Graph, error, bool) {
	return take(ctx, path, func(f *Prefetch) map[string]*planned[*graph.Graph] { return f.graphs }, graphKey(p, gen))
}

func prefetchedAreas(ctx context.Context, path string, filters []TagMatch) (AreaSet, error, bool) {
	a, err, ok := take(ctx, path, func(f *Prefetch) map[string]*planned[AreaSet] { return f.areas }, filterKey(filters))
	// Callers may filter the slices in place: each gets its own.
	return AreaSet{Areas: slices.Clone(a.Areas), Problems: slices.Clone(a.Problems)}, err, ok
}

func prefetchedFeatures(ctx context.Context, path string, filters []TagMatch) ([]Feature, error, bool) {
	v, err, ok := take(ctx, path, func(f *Prefetch) map[string]*planned[[]Feature] { return f.feats }, filterKey(filters))
	return slices.Clone(v), err, ok
}

// graphKey is the profile (as the graph records it) and the generator:
// two Builds with equal keys build the same graph.
func graphKey(p *Profile, gen string) string {
	b, err := json.Marshal(p)
	if err != nil {
		return "" // not prefetched: Build reports the problem
	}
	return gen + "\x00" + string(b)
}

func filterKey(filters []TagMatch) string {
	if len(filters) == 0 {
		return ""
	}
	b, _ := json.Marshal(filters) // a slice of string pairs
	return string(b)
}

func parseFilterKey(k string) []TagMatch {
	var f []TagMatch
	_ = json.Unmarshal([]byte(k), &f) // made by filterKey
	return f
}

func sortedKeys[T any](m map[string]*planned[T]) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func prefetchedBasemap(ctx context.Context, path string) (*Basemap, error, bool) {
	f, _ := ctx.Value(prefetchKey{}).(*Prefetch)
	if f == nil || !f.ran || f.path != path || f.base == nil || f.base.res == nil {
		return nil, nil, false
	}
	res := f.base.res
	if f.base.uses--; f.base.uses <= 0 {
		f.base = nil
	}
	bm, err := res.Get()
	return bm, err, true
}

// prefetchedLabels returns label(w) of each of ids from the prefetched
// road tags, if every one of ids is a road there.
func prefetchedLabels(ctx context.Context, path string, ids []int64, label func(wayTags) string) (map[int64]string, error, bool) {
	f, _ := ctx.Value(prefetchKey{}).(*Prefetch)
	if f == nil || !f.ran || f.path != path || f.labels == nil || f.labels.res == nil {
		return nil, nil, false
	}
	tags, err := f.labels.res.Get()
	if err != nil {
		return nil, err, true
	}
	out := map[int64]string{}
	for _, id := range ids {
		t, ok := tags[id]
		if !ok {
			return nil, nil, false // not a road of the file: read it
		}
		if l := label(t); l != "" {
			out[id] = l
		}
	}
	if f.labels.uses--; f.labels.uses <= 0 {
		f.labels = nil
	}
	return out, nil, true
}
