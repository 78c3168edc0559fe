package graph

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
)

// The graph file, version 3 (all integers little-endian):
//
//	offset  size  field
//	0       8     magic "RGRAPH\x00\x1a"
//	8       4     format version (FormatVersion)
//	12      4     reserved, 0
//	16      8×6   counts: nodes N, edges M, ways W, components C, chains K,
//	              core nodes R
//	64      8     length L of the metadata
//	72      L     metadata, JSON (Meta), zero-padded to a multiple of 8
//	…             arrays, each zero-padded to a multiple of 8 bytes:
//	              offsets (N+1)×u32, targets M×u32, edge ways M×u32,
//	              weights M×f64, OSM node ids N×i64, lat N×i32, lon N×i32,
//	              component N×u32, component sizes C×u32,
//	              OSM way ids W×i64, chain starts (K+1)×u32, chain A ends K×u32,
//	              chain B ends K×u32
//	…       8×4   derived counts: core edges E, H (1: the file holds a
//	              contraction hierarchy, 0: it does not), up edges U, down
//	              edges D
//	…             the core layout, arrays each zero-padded to a multiple of 8:
//	              chain lookup buckets ((N−R)/16+1)×u32, core offsets
//	              (R+1)×u32, core heads E×u32, core times E×f64, chain
//	              in-times from the A side (N−R)×f64 and from the B side
//	              (N−R)×f64 (see ChainTimes)
//	…             when H = 1, arrays each zero-padded to a multiple of 8:
//	              ranks R×u32, sweep order R×u32, up offsets (R+1)×u32, up
//	              heads U×u32, up times U×f64, down offsets (R+1)×u32, down
//	              tails (sweep positions) D×u32, down times D×f64 (see
//	              Hierarchy)
//	end−8   4     CRC-32C (Castagnoli) of every byte before it
//	end−4   4     "RGEN"
//
// The core layout and the sweep order are derived from the rest; they are
// stored so that Open maps them instead of deriving them on the heap (a
// graph of tens of millions of nodes opens in constant time and memory).
//
// The reader checks the magic, the version, the length the counts imply, the
// checksum, and every invariant a search relies on (the chain table is checked
// against the edges, the core layout derived again and compared with the
// stored one bit for bit, the hierarchy's ranks, order, directions and
// times), so a truncated, corrupt or foreign file is refused with an error
// instead of a panic or a wrong answer. Version 1 had no hierarchy section,
// version 2 no stored core layout; such files are refused with a message to
// rebuild them.
const (
	magic   = "RGRAPH\x00\x1a"
	trailer = "RGEN"
	// FormatVersion is the graph file version this package writes and reads.
	FormatVersion = 3
	headerSize    = 72
	chHeaderSize  = 32
)

// Errors the reader returns (wrapped with details); callers branch with errors.Is.
var (
	ErrNotGraph   = errors.New("graph: not a rescuegrid graph file")
	ErrVersion    = errors.New("graph: unsupported graph file version")
	ErrTruncated  = errors.New("graph: graph file is truncated")
	ErrChecksum   = errors.New("graph: graph file checksum mismatch (corrupt file)")
	ErrCorrupt    = errors.New("graph: graph file is inconsistent")
	castagnoliTab = crc32.MakeTable(crc32.Castagnoli)
)

func pad8(n int) int { return (n + 7) &^ 7 }

// baseSize returns where the hierarchy section starts for the given counts
// and metadata length.
func baseSize(n, m, w, c, k, metaLen int) int {
	return headerSize + pad8(metaLen) +
		pad8(4*(n+1)) + pad8(4*m) + pad8(4*m) + 8*m +
		8*n + pad8(4*n) + pad8(4*n) + pad8(4*n) + pad8(4*c) + 8*w +
		pad8(4*(k+1)) + pad8(4*k) + pad8(4*k)
}

// coreSize returns the size of the core layout's arrays for n nodes, r
// core nodes and e core edges.
func coreSize(n, r, e int) int {
	return pad8(4*((n-r)>>chainBucketShift+1)) + pad8(4*(r+1)) + pad8(4*e) + 8*e + 16*(n-r)
}

// chSize returns the size of the hierarchy section's arrays for r core
// nodes, u up and d down edges.
func chSize(r, u, d int) int {
	return 2*pad8(4*r) + pad8(4*(r+1)) + pad8(4*u) + 8*u + pad8(4*(r+1)) + pad8(4*d) + 8*d
}

// versionError explains a graph file of another version.
func versionError(v uint32) error {
	why := ""
	switch v {
	case 1:
		why = "; version 1 predates the contraction hierarchy"
	case 2:
		why = "; version 2 predates the stored core layout"
	}
	return fmt.Errorf("%w: file is version %d, this program reads version %d%s (rebuild it with `rescuegrid network build`)", ErrVersion, v, FormatVersion, why)
}

// MarshalBinary encodes the graph in the graph file format.
func (g *Graph) MarshalBinary() ([]byte, error) {
	meta, err := json.Marshal(g.meta)
	if err != nil {
		return nil, fmt.Errorf("graph: encode metadata: %w", err)
	}
	n, m, w, c, k := g.NumNodes(), g.NumEdges(), len(g.wayIDs), len(g.cSize), len(g.chainA)
	size := baseSize(n, m, w, c, k, len(meta)) + chHeaderSize + coreSize(n, int(g.nCore), len(g.coreTgt)) + 8
	if g.ch != nil {
		size += chSize(int(g.nCore), g.ch.NumUp(), g.ch.NumDown())
	}
	buf := make([]byte, 0, size)
	le := binary.LittleEndian
	buf = append(buf, magic...)
	buf = le.AppendUint32(buf, FormatVersion)
	buf = le.AppendUint32(buf, 0)
	for _, x := range []int{n, m, w, c, k, int(g.nCore), len(meta)} {
		buf = le.AppendUint64(buf, uint64(x))
	}
	buf = append(buf, meta...)
	align := func() {
		for len(buf)%8 != 0 {
			buf = append(buf, 0)
		}
	}
	align()
	u32 := func(s []uint32) {
		for _, x := range s {
			buf = le.AppendUint32(buf, x)
		}
		align()
	}
	nodes := func(s []NodeID) {
		for _, x := range s {
			buf = le.AppendUint32(buf, uint32(x))
		}
		align()
	}
	i32 := func(s []int32) {
		for _, x := range s {
			buf = le.AppendUint32(buf, uint32(x))
		}
		align()
	}
	i64 := func(s []int64) {
		for _, x := range s {
			buf = le.AppendUint64(buf, uint64(x))
		}
	}
	u32(g.offsets)
	nodes(g.targets)
	u32(g.edgeWay)
	for _, x := range g.weights {
		buf = le.AppendUint64(buf, math.Float64bits(float64(x)))
	}
	i64(g.osmIDs)
	i32(g.latE7)
	i32(g.lonE7)
	u32(g.comp)
	u32(g.cSize)
	i64(g.wayIDs)
	u32(g.chainStart)
	nodes(g.chainA)
	nodes(g.chainB)
	f64 := func(s []Seconds) {
		for _, x := range s {
			buf = le.AppendUint64(buf, math.Float64bits(float64(x)))
		}
	}
	buf = le.AppendUint64(buf, uint64(len(g.coreTgt)))
	if h := g.ch; h == nil {
		buf = le.AppendUint64(buf, 0)
		buf = le.AppendUint64(buf, 0)
		buf = le.AppendUint64(buf, 0)
	} else {
		buf = le.AppendUint64(buf, 1)
		buf = le.AppendUint64(buf, uint64(h.NumUp()))
		buf = le.AppendUint64(buf, uint64(h.NumDown()))
	}
	u32(g.chainBucket)
	u32(g.coreOff)
	nodes(g.coreTgt)
	f64(g.coreW)
	f64(g.chainInA)
	f64(g.chainInB)
	if h := g.ch; h != nil {
		u32(h.rank)
		nodes(h.order)
		u32(h.upOff)
		nodes(h.upTgt)
		f64(h.upW)
		u32(h.dnOff)
		u32(h.dnSrc)
		f64(h.dnW)
	}
	buf = le.AppendUint32(buf, crc32.Checksum(buf, castagnoliTab))
	buf = append(buf, trailer...)
	return buf, nil
}

// WriteFile writes the graph to path atomically: it writes a temporary file
// in the same directory and renames it, so a failed or interrupted write
// never leaves a partial graph file behind.
func (g *Graph) WriteFile(path string) error {
	b, err := g.MarshalBinary()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// ReadFile reads a graph file in one read and checks it (see Decode).
func ReadFile(path string) (*Graph, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read graph: %w", err)
	}
	g, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("read graph %s: %w", path, err)
	}
	return g, nil
}

// Decode parses a graph file held in b. It checks the magic, version,
// length, checksum and the structural invariants; on any failure it returns
// an error wrapping ErrNotGraph, ErrVersion, ErrTruncated, ErrChecksum or
// ErrCorrupt. The returned graph does not keep b.
func Decode(b []byte) (*Graph, error) {
	le := binary.LittleEndian
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, ErrNotGraph
	}
	if len(b) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(b), headerSize)
	}
	if v := le.Uint32(b[8:]); v != FormatVersion {
		return nil, versionError(v)
	}
	var cnt [7]uint64
	for i := range cnt {
		cnt[i] = le.Uint64(b[16+8*i:])
		if cnt[i] >= math.MaxUint32 {
			return nil, fmt.Errorf("%w: count %d in the header is out of range", ErrCorrupt, cnt[i])
		}
	}
	n, m, w, c, k, nCore, metaLen := int(cnt[0]), int(cnt[1]), int(cnt[2]), int(cnt[3]), int(cnt[4]), int(cnt[5]), int(cnt[6])
	chAt := baseSize(n, m, w, c, k, metaLen)
	if len(b) < chAt+chHeaderSize+8 {
		return nil, fmt.Errorf("%w: %d bytes, the header promises at least %d", ErrTruncated, len(b), chAt+chHeaderSize+8)
	}
	nCoreE, hasCH, nUp, nDown := le.Uint64(b[chAt:]), le.Uint64(b[chAt+8:]), le.Uint64(b[chAt+16:]), le.Uint64(b[chAt+24:])
	if nCore == 0 || nCore > n || nCoreE >= math.MaxUint32 || hasCH > 1 || nUp >= math.MaxUint32 || nDown >= math.MaxUint32 || (hasCH == 0 && nUp+nDown != 0) {
		return nil, fmt.Errorf("%w: %d core nodes of %d, %d core edges, hierarchy counts %d, %d, %d out of range", ErrCorrupt, nCore, n, nCoreE, hasCH, nUp, nDown)
	}
	want := chAt + chHeaderSize + coreSize(n, nCore, int(nCoreE)) + 8
	if hasCH == 1 {
		want += chSize(nCore, int(nUp), int(nDown))
	}
	if len(b) < want {
		return nil, fmt.Errorf("%w: %d bytes, the header promises %d", ErrTruncated, len(b), want)
	}
	if len(b) > want {
		return nil, fmt.Errorf("%w: %d bytes, the header promises %d", ErrCorrupt, len(b), want)
	}
	if string(b[want-4:]) != trailer {
		return nil, fmt.Errorf("%w: missing end marker", ErrTruncated)
	}
	if got, sum := crc32.Checksum(b[:want-8], castagnoliTab), le.Uint32(b[want-8:]); got != sum {
		return nil, fmt.Errorf("%w: computed %08x, stored %08x", ErrChecksum, got, sum)
	}

	g := &Graph{}
	off := headerSize
	if err := json.Unmarshal(b[off:off+metaLen], &g.meta); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	off += pad8(metaLen)
	u32 := func(k int) []uint32 {
		s := make([]uint32, k)
		for i := range s {
			s[i] = le.Uint32(b[off+4*i:])
		}
		off += pad8(4 * k)
		return s
	}
	nodes := func(k int) []NodeID {
		s := make([]NodeID, k)
		for i := range s {
			s[i] = NodeID(le.Uint32(b[off+4*i:]))
		}
		off += pad8(4 * k)
		return s
	}
	i32 := func(k int) []int32 {
		s := make([]int32, k)
		for i := range s {
			s[i] = int32(le.Uint32(b[off+4*i:]))
		}
		off += pad8(4 * k)
		return s
	}
	i64 := func(k int) []int64 {
		s := make([]int64, k)
		for i := range s {
			s[i] = int64(le.Uint64(b[off+8*i:]))
		}
		off += 8 * k
		return s
	}
	g.offsets = u32(n + 1)
	g.targets = nodes(m)
	g.edgeWay = u32(m)
	g.weights = make([]Seconds, m)
	for i := range g.weights {
		g.weights[i] = Seconds(math.Float64frombits(le.Uint64(b[off+8*i:])))
	}
	off += 8 * m
	g.osmIDs = i64(n)
	g.latE7 = i32(n)
	g.lonE7 = i32(n)
	g.comp = u32(n)
	g.cSize = u32(c)
	g.wayIDs = i64(w)
	g.chainStart = u32(k + 1)
	g.chainA = nodes(k)
	g.chainB = nodes(k)
	g.nCore = uint32(nCore)
	off += chHeaderSize
	f64 := func(k int) []Seconds {
		s := make([]Seconds, k)
		for i := range s {
			s[i] = Seconds(math.Float64frombits(le.Uint64(b[off+8*i:])))
		}
		off += 8 * k
		return s
	}
	g.chainBucket = u32((n-nCore)>>chainBucketShift + 1)
	g.coreOff = u32(nCore + 1)
	g.coreTgt = nodes(int(nCoreE))
	g.coreW = f64(int(nCoreE))
	g.chainInA = f64(n - nCore)
	g.chainInB = f64(n - nCore)
	if hasCH == 1 {
		h := &Hierarchy{}
		h.rank = u32(nCore)
		h.order = nodes(nCore)
		h.upOff = u32(nCore + 1)
		h.upTgt = nodes(int(nUp))
		h.upW = f64(int(nUp))
		h.dnOff = u32(nCore + 1)
		h.dnSrc = u32(int(nDown))
		h.dnW = f64(int(nDown))
		if err := h.check(nCore); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		g.ch = h
	}
	if err := g.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := g.checkStoredCore(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return g, nil
}

// validate checks every invariant the searches and lookups rely on.
func (g *Graph) validate() error {
	n, m := g.NumNodes(), g.NumEdges()
	if n == 0 {
		return errors.New("no nodes")
	}
	if g.offsets[0] != 0 || int(g.offsets[n]) != m {
		return fmt.Errorf("edge offsets run %d..%d, want 0..%d", g.offsets[0], g.offsets[n], m)
	}
	for v := 0; v < n; v++ {
		if g.offsets[v] > g.offsets[v+1] {
			return fmt.Errorf("edge offsets decrease at node %d", v)
		}
	}
	for e, t := range g.targets {
		if int(t) >= n {
			return fmt.Errorf("edge %d leads to node %d of %d", e, t, n)
		}
		if int(g.edgeWay[e]) >= len(g.wayIDs) {
			return fmt.Errorf("edge %d refers to way %d of %d", e, g.edgeWay[e], len(g.wayIDs))
		}
		if w := float64(g.weights[e]); !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("edge %d has travel time %v", e, w)
		}
	}
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for v := 0; v < n; v++ {
		if g.latE7[v] < -900000000 || g.latE7[v] > 900000000 || g.lonE7[v] < -1800000000 || g.lonE7[v] > 1800000000 {
			return fmt.Errorf("node %d has coordinate %d,%d (×1e-7) out of range", v, g.lonE7[v], g.latE7[v])
		}
		bound = bound.Extend(g.Point(NodeID(v)))
	}
	g.bound = bound
	// Node finds a node by its OSM id, so no id may name two nodes (Build
	// refuses them too).
	ids := slices.Clone(g.osmIDs)
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return fmt.Errorf("OSM node %d is stored twice", ids[i])
		}
	}
	for v, c := range g.comp {
		if int(c) >= len(g.cSize) {
			return fmt.Errorf("node %d is in component %d of %d", v, c, len(g.cSize))
		}
	}
	if g.meta.Parent != nil {
		// A subgraph's components are its parent's (Subgraph): each holds
		// at least the nodes kept from it.
		count := make([]uint32, len(g.cSize))
		for _, c := range g.comp {
			count[c]++
		}
		for c, k := range count {
			if k > g.cSize[c] {
				return fmt.Errorf("component %d holds %d nodes, more than its size %d in the parent graph", c, k, g.cSize[c])
			}
		}
	} else {
		total := 0
		for _, s := range g.cSize {
			total += int(s)
		}
		if total != n {
			return fmt.Errorf("component sizes add up to %d nodes, want %d", total, n)
		}
	}
	return nil
}
