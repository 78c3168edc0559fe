package osm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/paulmach/osm"
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
	// Progress, when set, is called with the pass (always 1: the file is
	// read once), the bytes read so far and the file size.
	Progress func(pass int, done, total int64)
	// Contracting, when set, is called while the graph's contraction
	// hierarchy is built (the longest step after reading: minutes for a
	// country) with the core nodes contracted so far and their number.
	Contracting func(done, total int)
	// Generator is stored in the graph's metadata (program and version).
	Generator string
	// TempDir is where a pass keeps its node index and way store while it
	// runs (about 16 bytes per node of the file, plus the ways' refs when
	// relations are read); "" is the system's (TMPDIR). The files are
	// unlinked as soon as they are created, so nothing is left behind.
	TempDir string
}

// Build reads the OSM file at path and builds the road graph for profile p
// in one pass (see Reader to build it in the same pass as other
// extractions).
func Build(ctx context.Context, path string, p *Profile, opt Options) (*graph.Graph, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %s: %w", p.Name, err)
	}
	if g, err, ok := prefetchedGraph(ctx, path, p, opt.Generator); ok {
		return g, err
	}
	r := NewReader(path, opt)
	res := r.Graph(p)
	if err := r.Run(ctx); err != nil {
		return nil, err
	}
	return res.Get()
}

// Graph asks the pass for the road graph of profile p.
func (r *Reader) Graph(p *Profile) *Result[*graph.Graph] {
	return r.graph(p, r.opt.Generator)
}

func (r *Reader) graph(p *Profile, gen string) *Result[*graph.Graph] {
	b := &builder{profile: p, stats: map[string]int64{}, generator: gen, contracting: r.opt.Contracting, res: &Result[*graph.Graph]{}}
	if err := p.Validate(); err != nil {
		b.res.err = fmt.Errorf("profile %s: %w", p.Name, err)
		b.res.done = true
	}
	r.jobs = append(r.jobs, b)
	return b.res
}

// A Result is what one extraction of a Reader returns, once Run is done.
type Result[T any] struct {
	v    T
	err  error
	done bool
}

// Get returns the extraction's value, or its error (the pass's error if
// the pass failed).
func (r *Result[T]) Get() (T, error) {
	if !r.done {
		var zero T
		return zero, errors.New("osm: result asked for before Reader.Run")
	}
	return r.v, r.err
}

func (r *Result[T]) set(v T, err error) {
	if r.done {
		return
	}
	r.v, r.err, r.done = v, err, true
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

type wayRec struct {
	id    int64
	refs  []int64
	speed float64
	dir   Direction
}

// builder is the graph job of a pass: it keeps the routable ways and the
// barrier nodes as they stream by, then builds the graph from their
// located nodes.
type builder struct {
	profile   *Profile
	generator string
	// contracting is Options.Contracting.
	contracting func(done, total int)
	res         *Result[*graph.Graph]
	stats       map[string]int64
	ways        []wayRec
	barriers    []barrierRec // barrier nodes, judged (Profile.Barriers)
	nodes       nodeTable    // the nodes the ways use
	nodeIDs     []int64      // sorted unique node ids the ways use (nodes.ids)
	lonE7       []int32
	latE7       []int32
	has         []bool
	closed      []bool    // a barrier the profile closes (Profile.Barriers)
	turnRels    []turnRel // the turn restrictions that apply (Profile.TurnRestrictions)
}

type barrierRec struct {
	id      int64
	verdict BarrierVerdict
}

func (b *builder) wants() kinds {
	return kinds{nodes: b.profile.Barriers != nil, ways: !b.res.done, relations: b.profile.TurnRestrictions != nil && !b.res.done, locations: !b.res.done}
}

func (b *builder) node(n *osm.Node) {
	if r := b.profile.Barriers; r != nil && !b.res.done && n.Tags.Find("barrier") != "" {
		b.barriers = append(b.barriers, barrierRec{id: int64(n.ID), verdict: r.Judge(n.Tags)})
	}
}

func (b *builder) members() map[int64]bool      { return nil }
func (b *builder) setMembers(map[int64][]int64) {}
func (b *builder) fail(err error)               { b.res.set(nil, err) }

func (b *builder) locations() *nodeTable {
	if b.res.done || len(b.ways) == 0 {
		return nil
	}
	b.prepareNodes()
	return &b.nodes
}

func (b *builder) finish(ctx context.Context, src source) error {
	if b.res.done {
		return nil
	}
	p := b.profile
	if len(b.ways) == 0 {
		return fmt.Errorf("%s: %w for profile %q (%d ways read, %d with a highway tag, %d dropped by access rules)",
			src.path, ErrNoRoads, p.Name, b.stats["ways_read"], b.stats["ways_highway"], b.stats["ways_skipped_access"])
	}
	for _, r := range b.barriers {
		i, ok := slices.BinarySearch(b.nodeIDs, r.id)
		b.barrier(r.verdict, i, ok)
	}
	b.barriers = nil
	spec, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode profile: %w", err)
	}
	meta := graph.Meta{
		Profile:      p.Name,
		ProfileSpec:  spec,
		BuiltAt:      time.Now().UTC().Truncate(time.Second),
		Generator:    b.generator,
		Source:       filepath.Base(src.path),
		SourceBytes:  src.bytes,
		SourceSHA256: src.sha256,
		Stats:        b.stats,
	}
	g, err := b.build(ctx, meta)
	if err != nil {
		return fmt.Errorf("build graph from %s: %w", src.path, err)
	}
	b.res.set(g, nil)
	return nil
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
	b.nodes = newNodeTable(ids)
	b.nodeIDs, b.lonE7, b.latE7, b.has = b.nodes.ids, b.nodes.lonE7, b.nodes.latE7, b.nodes.has
	b.closed = make([]bool, len(b.nodeIDs))
}

// barrier counts a barrier node and marks it closed when the rules say so.
// onRoute tells whether a routable way uses the node (i is its index then).
func (b *builder) barrier(v BarrierVerdict, i int, onRoute bool) {
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

func (b *builder) build(ctx context.Context, meta graph.Meta) (*graph.Graph, error) {
	gb := graph.Builder{Hierarchy: true, Contracting: b.contracting} // PHAST searches over the core graph
	// Room for every node and directed segment at once (at most two per
	// pair of consecutive refs), instead of growing by copies.
	segs := 0
	if b.profile.TurnRestrictions == nil { // else the turn splitter adds the edges
		for _, w := range b.ways {
			segs += 2 * max(0, len(w.refs)-1)
		}
	}
	gb.Grow(len(b.nodeIDs), segs)
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
	// The builder has every node and edge: let the ways and the node
	// table go before the graph is ordered and contracted, the peak of a
	// build's memory (about 40 bytes a node).
	b.release()
	return gb.BuildContext(ctx, meta)
}

// release drops the ways, barriers and node table once the edges are made.
func (b *builder) release() {
	b.ways, b.barriers, b.turnRels = nil, nil, nil
	b.nodes = nodeTable{}
	b.nodeIDs, b.lonE7, b.latE7, b.has, b.closed = nil, nil, nil, nil, nil
}
