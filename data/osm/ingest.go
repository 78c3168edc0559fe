package osm

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
)

// Ingest errors callers may branch on.
var (
	ErrNoRoads    = errors.New("osm: no routable ways")
	ErrNotOSM     = errors.New("osm: not an OSM PBF or XML file")
	ErrEmptyInput = errors.New("osm: file is empty")
)

// Options for Build. The zero value uses GOMAXPROCS decoders and no progress.
type Options struct {
	// Procs is the number of PBF decoding goroutines (<= 0: GOMAXPROCS).
	Procs int
	// Progress, when set, is called with the pass (1 ways, 2 nodes), the
	// bytes read so far in that pass and the file size.
	Progress func(pass int, done, total int64)
	// Generator is stored in the graph's metadata (program and version).
	Generator string
}

// Build reads the OSM file at path and builds the road graph for profile p.
func Build(ctx context.Context, path string, p *Profile, opt Options) (*graph.Graph, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("open osm file: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("open osm file %s: is a directory", path)
	}
	if info.Size() == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrEmptyInput)
	}
	kind, err := sniff(path)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	b := &builder{profile: p, stats: map[string]int64{}}
	if err := b.scan(ctx, path, kind, 1, info.Size(), opt); err != nil {
		return nil, err
	}
	if len(b.ways) == 0 {
		return nil, fmt.Errorf("%s: %w for profile %q (%d ways read, %d with a highway tag, %d dropped by access rules)",
			path, ErrNoRoads, p.Name, b.stats["ways_read"], b.stats["ways_highway"], b.stats["ways_skipped_access"])
	}
	b.prepareNodes()
	if err := b.scan(ctx, path, kind, 2, info.Size(), opt); err != nil {
		return nil, err
	}
	spec, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode profile: %w", err)
	}
	meta := graph.Meta{
		Profile:      p.Name,
		ProfileSpec:  spec,
		BuiltAt:      time.Now().UTC().Truncate(time.Second),
		Generator:    opt.Generator,
		Source:       filepath.Base(path),
		SourceBytes:  info.Size(),
		SourceSHA256: sum,
		Stats:        b.stats,
	}
	g, err := b.build(meta)
	if err != nil {
		return nil, fmt.Errorf("build graph from %s: %w", path, err)
	}
	return g, nil
}

type fileKind int

const (
	kindPBF fileKind = iota
	kindXML
)

// sniff tells a PBF from an XML file by its first bytes.
func sniff(path string) (fileKind, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open osm file: %w", err)
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	// A PBF starts with a 4-byte big-endian header length and a BlobHeader
	// whose first field is the type string "OSMHeader".
	if n >= 17 && string(head[6:15]) == "OSMHeader" {
		return kindPBF, nil
	}
	trimmed := head
	for len(trimmed) > 0 && (trimmed[0] == ' ' || trimmed[0] == '\n' || trimmed[0] == '\r' || trimmed[0] == '\t' || trimmed[0] == 0xEF || trimmed[0] == 0xBB || trimmed[0] == 0xBF) {
		trimmed = trimmed[1:]
	}
	if len(trimmed) > 0 && trimmed[0] == '<' {
		return kindXML, nil
	}
	return 0, fmt.Errorf("%s: %w (it starts with %q)", path, ErrNotOSM, printable(head[:min(n, 16)]))
}

func printable(b []byte) string {
	out := make([]rune, 0, len(b))
	for _, c := range b {
		if c >= 32 && c < 127 {
			out = append(out, rune(c))
		} else {
			out = append(out, '.')
		}
	}
	return string(out)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open osm file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read osm file %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type wayRec struct {
	id    int64
	refs  []int64
	speed float64
	dir   Direction
}

type builder struct {
	profile *Profile
	stats   map[string]int64
	ways    []wayRec
	nodeIDs []int64 // sorted unique node ids the ways use
	lonE7   []int32
	latE7   []int32
	has     []bool
	closed  []bool // a barrier the profile closes (Profile.Barriers)
	// turnRels are the turn restrictions that apply (Profile.TurnRestrictions).
	turnRels []turnRel
}

// countingReader reports bytes read for the progress callback.
type countingReader struct {
	r     io.Reader
	n     int64
	total int64
	pass  int
	fn    func(pass int, done, total int64)
	last  int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.fn != nil && (c.n-c.last >= 1<<20 || err == io.EOF) {
		c.last = c.n
		c.fn(c.pass, c.n, c.total)
	}
	return n, err
}

func (b *builder) scan(ctx context.Context, path string, kind fileKind, pass int, size int64, opt Options) error {
	progress := opt.Progress
	if progress != nil {
		progress = func(_ int, done, total int64) { opt.Progress(pass, done, total) }
	}
	o := opt
	o.Progress = progress
	turns := b.profile.TurnRestrictions != nil
	return scanObjects(ctx, path, kind, o, skip{nodes: pass == 1, ways: pass == 2, withRelations: pass == 1 && turns}, func(obj osm.Object) {
		switch obj := obj.(type) {
		case *osm.Relation:
			if pass == 1 && turns {
				b.relation(obj)
			}
		case *osm.Way:
			if pass == 1 {
				b.way(obj)
			}
		case *osm.Node:
			if pass == 2 {
				b.node(obj)
			}
		}
	})
}

// skip says which kinds of object a scan leaves undecoded. Relations are
// left out unless withRelations is set, so that the zero value keeps the
// nodes-and-ways scan every older caller relies on.
type skip struct {
	nodes, ways   bool
	withRelations bool
}

// scanObjects streams the nodes and ways of an OSM file to fn, in file
// order, less those skipped (a PBF scan does not even decode them).
// Relations are skipped unless sk.withRelations is set; an XML scan passes
// everything through and leaves the choice to fn.
func scanObjects(ctx context.Context, path string, kind fileKind, opt Options, sk skip, fn func(osm.Object)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open osm file: %w", err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	cr := &countingReader{r: bufio.NewReaderSize(f, 1<<20), total: size, fn: opt.Progress}
	var sc osm.Scanner
	switch kind {
	case kindPBF:
		procs := opt.Procs
		if procs <= 0 {
			procs = runtime.GOMAXPROCS(0)
		}
		ps := osmpbf.New(ctx, cr, procs)
		ps.SkipRelations = !sk.withRelations
		ps.SkipNodes = sk.nodes
		ps.SkipWays = sk.ways
		sc = ps
	case kindXML:
		sc = osmxml.New(ctx, cr)
	}
	defer sc.Close()
	for sc.Scan() {
		fn(sc.Object())
	}
	if err := sc.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("read %s: file is truncated: %w", path, err)
		}
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func (b *builder) way(w *osm.Way) {
	b.stats["ways_read"]++
	if w.Tags.Find("highway") == "" {
		return
	}
	b.stats["ways_highway"]++
	v := b.profile.Judge(w.Tags)
	if v.Denied {
		b.stats["ways_skipped_access"]++
	}
	if !v.Routable {
		return
	}
	b.stats["ways_included"]++
	switch v.Maxspeed {
	case 1:
		b.stats["ways_maxspeed_used"]++
	case -1:
		b.stats["ways_maxspeed_ignored"]++
	}
	switch v.Direction {
	case Forward:
		b.stats["ways_oneway_forward"]++
	case Backward:
		b.stats["ways_oneway_backward"]++
	}
	refs := make([]int64, len(w.Nodes))
	for i, n := range w.Nodes {
		refs[i] = int64(n.ID)
	}
	b.ways = append(b.ways, wayRec{id: int64(w.ID), refs: refs, speed: v.SpeedKPH, dir: v.Direction})
}

func (b *builder) prepareNodes() {
	var n int
	for _, w := range b.ways {
		n += len(w.refs)
	}
	ids := make([]int64, 0, n)
	for _, w := range b.ways {
		ids = append(ids, w.refs...)
	}
	slices.Sort(ids)
	b.nodeIDs = slices.Compact(ids)
	b.lonE7 = make([]int32, len(b.nodeIDs))
	b.latE7 = make([]int32, len(b.nodeIDs))
	b.has = make([]bool, len(b.nodeIDs))
	b.closed = make([]bool, len(b.nodeIDs))
}

func (b *builder) node(n *osm.Node) {
	i, ok := slices.BinarySearch(b.nodeIDs, int64(n.ID))
	if r := b.profile.Barriers; r != nil && n.Tags.Find("barrier") != "" {
		b.barrier(r, n, i, ok)
	}
	if !ok {
		return
	}
	// osmpbf decodes 1e-9·(offset + granularity·raw); rounding to the 1e-7
	// grid gives back the stored fixed-point value exactly (SPEED_MODEL §9).
	b.lonE7[i] = int32(math.Round(n.Lon * 1e7))
	b.latE7[i] = int32(math.Round(n.Lat * 1e7))
	b.has[i] = true
}

// barrier counts a barrier node and marks it closed when the rules say so.
// onRoute tells whether a routable way uses the node (i is its index then).
func (b *builder) barrier(r *BarrierRules, n *osm.Node, i int, onRoute bool) {
	v := r.Judge(n.Tags)
	switch {
	case v.Barrier == "":
		if onRoute {
			b.stats["barriers_passable_kind"]++ // cattle_grid, toll_booth, kerb, ...
		}
	case !onRoute:
		b.stats["barriers_off_routable_ways"]++
	case !v.Closed:
		b.stats["barriers_open_by_"+v.PassKey]++
	default:
		b.stats["barriers_applied"]++
		b.closed[i] = true
	}
}

func (b *builder) build(meta graph.Meta) (*graph.Graph, error) {
	gb := graph.Builder{Hierarchy: true} // PHAST searches over the core graph
	idx := make([]uint32, len(b.nodeIDs))
	for i, id := range b.nodeIDs {
		if b.has[i] {
			idx[i] = gb.AddNode(id, b.lonE7[i], b.latE7[i])
		} else {
			b.stats["nodes_without_location"]++
		}
	}
	lookup := func(id int64) int {
		i, _ := slices.BinarySearch(b.nodeIDs, id)
		return i
	}
	point := func(i int) [2]float64 {
		return [2]float64{float64(b.lonE7[i]) / 1e7, float64(b.latE7[i]) / 1e7}
	}
	// A closed barrier ends every segment that touches it at a node of the
	// segment's own: the first segment keeps the OSM node, each further one
	// gets a copy at the same place with a negative id (OSM ids are
	// positive), so no route passes through while both sides stay routable.
	used := make([]bool, len(b.nodeIDs))
	nextCopy := int64(0)
	addEdge := gb.AddEdge
	var turns *turnSplitter // turn restrictions split their via nodes once every edge is made
	if b.profile.TurnRestrictions != nil {
		turns = newTurnSplitter(b, &nextCopy)
		turns.check()
		addEdge = turns.addEdge
	}
	end := func(i int) uint32 {
		if !b.closed[i] {
			return idx[i]
		}
		if !used[i] {
			used[i] = true
			return idx[i]
		}
		nextCopy--
		b.stats["barriers_node_copies"]++
		return gb.AddNode(nextCopy, b.lonE7[i], b.latE7[i])
	}
	for _, w := range b.ways {
		wi := gb.AddWay(w.id)
		for k := 0; k+1 < len(w.refs); k++ {
			a, c := w.refs[k], w.refs[k+1]
			if a == c {
				b.stats["segments_repeated_node_skipped"]++
				continue
			}
			ia, ic := lookup(a), lookup(c)
			if !b.has[ia] || !b.has[ic] {
				b.stats["segments_cut_missing_node"]++
				continue // the way is cut where a node has no location
			}
			b.stats["segments"]++
			lengthM := geo.Haversine(point(ia), point(ic))
			if lengthM == 0 {
				b.stats["segments_zero_length"]++
			}
			t := graph.Seconds(lengthM * 3.6 / w.speed)
			va, vc := end(ia), end(ic)
			if turns != nil {
				turns.note(va, ia)
				turns.note(vc, ic)
			}
			if w.dir != Backward {
				addEdge(va, vc, t, wi)
			}
			if w.dir != Forward {
				addEdge(vc, va, t, wi)
			}
		}
	}
	if turns != nil {
		b.stats["directed_segments"] = int64(len(turns.from))
		turns.split(&gb, idx)
	} else {
		b.stats["directed_segments"] = int64(gb.NumEdges())
	}
	if gb.NumNodes() == 0 {
		return nil, fmt.Errorf("%w: the routable ways reference no node with a location", ErrNoRoads)
	}
	return gb.Build(meta)
}
