package osm

import (
	"context"
	"fmt"
	"math"
	"os"
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
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open osm file: %w", err)
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrEmptyInput)
	}
	kind, err := sniff(path)
	if err != nil {
		return nil, err
	}
	matches := func(tags osm.Tags) bool {
		for _, f := range filters {
			if f.match(tags) {
				return true
			}
		}
		return false
	}
	var nodes, ways []Feature
	wayRefs := map[int64][]int64{}
	var need []int64
	// Pass 1: matching nodes with their location, matching ways with their refs.
	err = scanObjects(ctx, path, kind, opt, skip{}, func(o osm.Object) {
		switch o := o.(type) {
		case *osm.Node:
			if matches(o.Tags) {
				nodes = append(nodes, Feature{Type: "node", ID: int64(o.ID), Loc: e7Point(o.Lon, o.Lat), Tags: o.Tags.Map()})
			}
		case *osm.Way:
			if matches(o.Tags) {
				refs := make([]int64, 0, len(o.Nodes))
				for _, n := range o.Nodes {
					refs = append(refs, int64(n.ID))
				}
				if len(refs) > 1 && refs[0] == refs[len(refs)-1] {
					refs = refs[:len(refs)-1] // a closed ring: its first node once
				}
				wayRefs[int64(o.ID)] = refs
				need = append(need, refs...)
				ways = append(ways, Feature{Type: "way", ID: int64(o.ID), Tags: o.Tags.Map()})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if len(ways) > 0 {
		slices.Sort(need)
		need = slices.Compact(need)
		locs := make([]orb.Point, len(need))
		has := make([]bool, len(need))
		err = scanObjects(ctx, path, kind, opt, skip{ways: true}, func(o osm.Object) {
			if n, ok := o.(*osm.Node); ok {
				if i, found := slices.BinarySearch(need, int64(n.ID)); found {
					locs[i], has[i] = e7Point(n.Lon, n.Lat), true
				}
			}
		})
		if err != nil {
			return nil, err
		}
		kept := ways[:0]
		for _, w := range ways {
			var sx, sy float64
			k := 0
			for _, id := range wayRefs[w.ID] {
				if i, _ := slices.BinarySearch(need, id); has[i] {
					sx += locs[i][0]
					sy += locs[i][1]
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
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	sort.Slice(ways, func(i, j int) bool { return ways[i].ID < ways[j].ID })
	return append(nodes, ways...), nil
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
	return wayLabels(ctx, path, ids, opt, func(w *osm.Way) string {
		name, ref := strings.TrimSpace(w.Tags.Find("name")), strings.TrimSpace(w.Tags.Find("ref"))
		switch {
		case name != "" && ref != "":
			return name + " (" + ref + ")"
		case name != "":
			return name
		}
		return ref
	})
}

// wayLabels returns label(w) for each of the ways ids of the OSM file at
// path, leaving out ways not in the file and empty labels. One pass over
// the ways; nodes are not decoded.
func wayLabels(ctx context.Context, path string, ids []int64, opt Options, label func(*osm.Way) string) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	kind, err := sniff(path)
	if err != nil {
		return nil, err
	}
	err = scanObjects(ctx, path, kind, opt, skip{nodes: true}, func(o osm.Object) {
		w, ok := o.(*osm.Way)
		if !ok {
			return
		}
		if _, found := slices.BinarySearch(want, int64(w.ID)); !found {
			return
		}
		if l := label(w); l != "" {
			out[int64(w.ID)] = l
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
