package graph

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
)

// The graph file, version 4 (all integers little-endian):
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
//	…       4×4   bounding box of the nodes, i32 ×1e7: min lon, min lat,
//	              max lon, max lat
//	…             the core layout, arrays each zero-padded to a multiple of 8:
//	              chain lookup buckets ((N−R)/16+1)×u32, core offsets
//	              (R+1)×u32, core heads E×u32, core times E×f64, chain
//	              hints 2(N−R)×u8 (see ChainHints)
//	…             when H = 1, arrays each zero-padded to a multiple of 8:
//	              ranks R×u32, sweep order R×u32, up offsets (R+1)×u32, up
//	              heads U×u32, up times U×f64, down offsets (R+1)×u32, down
//	              tails (sweep positions) D×u32, down times D×f64 (see
//	              Hierarchy)
//	…       4×T   chunk table: the CRC-32C (Castagnoli) of each 8 MiB chunk of
//	              every byte before the table (T chunks, the last one
//	              shorter), zero-padded to a multiple of 8
//	end−8   4     CRC-32C of the chunk table (with its padding)
//	end−4   4     "RGEN"
//
// The core layout, the sweep order and the bounding box are derived from the
// rest; they are stored so that Open maps them instead of deriving them on
// the heap (a graph of tens of millions of nodes opens in constant time and
// memory). The checksums are per chunk so that a reader checks them on every
// core at once (Open), and the file is written in one streaming pass
// (WriteTo).
//
// The reader checks the magic, the version, the length the counts imply, the
// checksum, and every invariant a search relies on (the chain table is checked
// against the edges, the core layout derived again and compared with the
// stored one bit for bit, the hierarchy's ranks, order, directions and
// times), so a truncated, corrupt or foreign file is refused with an error
// instead of a panic or a wrong answer. Version 1 had no hierarchy section,
// version 2 no stored core layout, version 3 one checksum over the whole
// file and no stored bounding box; such files are refused with a message to
// rebuild them.
const (
	magic   = "RGRAPH\x00\x1a"
	trailer = "RGEN"
	// FormatVersion is the graph file version this package writes and reads.
	FormatVersion = 4
	headerSize    = 72
	chHeaderSize  = 48
	// chunkSize is the span of one checksum of the chunk table.
	chunkSize = 8 << 20
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
	return pad8(4*((n-r)>>chainBucketShift+1)) + pad8(4*(r+1)) + pad8(4*e) + 8*e + pad8(2*(n-r))
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
	case 3:
		why = "; version 3 predates the per-chunk checksums"
	}
	return fmt.Errorf("%w: file is version %d, this program reads version %d%s (rebuild it with `rescuegrid network build`)", ErrVersion, v, FormatVersion, why)
}

// MarshalBinary encodes the graph in the graph file format (WriteTo into memory).
func (g *Graph) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// chunkWriter writes through to w and keeps the CRC-32C of every chunkSize
// bytes written.
type chunkWriter struct {
	w    io.Writer
	n    int64
	crc  uint32
	sums []uint32
	err  error
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	written := 0
	for len(p) > 0 {
		k := min(len(p), chunkSize-int(c.n%chunkSize))
		c.crc = crc32.Update(c.crc, castagnoliTab, p[:k])
		c.n += int64(k)
		if c.n%chunkSize == 0 {
			c.sums = append(c.sums, c.crc)
			c.crc = 0
		}
		if _, err := c.w.Write(p[:k]); err != nil {
			c.err = err
			return written, err
		}
		written += k
		p = p[k:]
	}
	return written, nil
}

// table returns the chunk table: the sums of the whole chunks and of the
// last, partial one.
func (c *chunkWriter) table() []uint32 {
	if c.n%chunkSize != 0 {
		return append(c.sums, c.crc)
	}
	return c.sums
}

// WriteTo writes the graph in the graph file format to w, streaming: it
// holds no second copy of the graph (a buffer of 64 kB).
func (g *Graph) WriteTo(w io.Writer) (int64, error) {
	meta, err := json.Marshal(g.meta)
	if err != nil {
		return 0, fmt.Errorf("graph: encode metadata: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &chunkWriter{w: bw}
	le := binary.LittleEndian
	var scratch [4096]byte
	put := func(b []byte) { _, _ = cw.Write(b) } // the first error sticks in cw
	var zeros [8]byte
	align := func() {
		if r := int(cw.n % 8); r != 0 {
			put(zeros[:8-r])
		}
	}
	// Arrays are written in blocks of 512 values through scratch.
	u32 := func(s []uint32) {
		for len(s) > 0 {
			k := min(len(s), len(scratch)/8)
			for i, x := range s[:k] {
				le.PutUint32(scratch[4*i:], x)
			}
			put(scratch[:4*k])
			s = s[k:]
		}
		align()
	}
	u64 := func(s []uint64) {
		for len(s) > 0 {
			k := min(len(s), len(scratch)/8)
			for i, x := range s[:k] {
				le.PutUint64(scratch[8*i:], x)
			}
			put(scratch[:8*k])
			s = s[k:]
		}
	}
	n, m, nw, c, k, nc := g.NumNodes(), g.NumEdges(), len(g.wayIDs), len(g.cSize), len(g.chainA), int(g.nCore)
	var hdr [headerSize]byte
	copy(hdr[:], magic)
	le.PutUint32(hdr[8:], FormatVersion)
	for i, x := range []int{n, m, nw, c, k, nc, len(meta)} {
		le.PutUint64(hdr[16+8*i:], uint64(x))
	}
	put(hdr[:])
	put(meta)
	align()
	u32(g.offsets)
	u32(nodeIDs(g.targets))
	u32(g.edgeWay)
	u64(float64Bits(g.weights))
	u64(int64Bits(g.osmIDs))
	u32(int32Bits(g.latE7))
	u32(int32Bits(g.lonE7))
	u32(g.comp)
	u32(g.cSize)
	u64(int64Bits(g.wayIDs))
	u32(g.chainStart)
	u32(nodeIDs(g.chainA))
	u32(nodeIDs(g.chainB))
	var chHdr [chHeaderSize]byte
	le.PutUint64(chHdr[0:], uint64(len(g.coreTgt)))
	if h := g.ch; h != nil {
		le.PutUint64(chHdr[8:], 1)
		le.PutUint64(chHdr[16:], uint64(h.NumUp()))
		le.PutUint64(chHdr[24:], uint64(h.NumDown()))
	}
	minLon, minLat, maxLon, maxLat := g.boundE7()
	for i, x := range []int32{minLon, minLat, maxLon, maxLat} {
		le.PutUint32(chHdr[32+4*i:], uint32(x))
	}
	put(chHdr[:])
	u32(g.chainBucket)
	u32(g.coreOff)
	u32(nodeIDs(g.coreTgt))
	u64(float64Bits(g.coreW))
	put(g.chainHint)
	align()
	if h := g.ch; h != nil {
		u32(h.rank)
		u32(nodeIDs(h.order))
		u32(h.upOff)
		u32(nodeIDs(h.upTgt))
		u64(float64Bits(h.upW))
		u32(h.dnOff)
		u32(h.dnSrc)
		u64(float64Bits(h.dnW))
	}
	if cw.err != nil {
		return cw.n, cw.err
	}
	body := cw.n
	tab := cw.table()
	tb := make([]byte, pad8(4*len(tab)))
	for i, x := range tab {
		le.PutUint32(tb[4*i:], x)
	}
	var end [8]byte
	le.PutUint32(end[:], crc32.Checksum(tb, castagnoliTab))
	copy(end[4:], trailer)
	total := body + int64(len(tb)) + 8
	if _, err := bw.Write(tb); err != nil {
		return body, err
	}
	if _, err := bw.Write(end[:]); err != nil {
		return body, err
	}
	if err := bw.Flush(); err != nil {
		return body, err
	}
	return total, nil
}

// boundE7 is the bounding box of the nodes in the file's units.
func (g *Graph) boundE7() (minLon, minLat, maxLon, maxLat int32) {
	minLon, minLat, maxLon, maxLat = math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32
	for v := range g.latE7 {
		minLon, maxLon = min(minLon, g.lonE7[v]), max(maxLon, g.lonE7[v])
		minLat, maxLat = min(minLat, g.latE7[v]), max(maxLat, g.latE7[v])
	}
	return minLon, minLat, maxLon, maxLat
}

// The writer's views of typed slices as their bit patterns (no copy).
func nodeIDs(s []NodeID) []uint32 { return unsafe.Slice((*uint32)(unsafe.SliceData(s)), len(s)) }
func int32Bits(s []int32) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}
func int64Bits(s []int64) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}
func float64Bits(s []Seconds) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// WriteFile writes the graph to path atomically: it writes a temporary file
// in the same directory and renames it, so a failed or interrupted write
// never leaves a partial graph file behind.
func (g *Graph) WriteFile(path string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := g.WriteTo(w)
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
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	if err := h.verifyChunks(b, runtime.GOMAXPROCS(0)); err != nil {
		return nil, err
	}
	n, m, w, c, k, nCore, metaLen := h.n, h.m, h.w, h.c, h.k, h.nCore, h.metaLen
	nCoreE, nUp, nDown := h.coreE, h.nUp, h.nDown
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
	g.coreTgt = nodes(nCoreE)
	g.coreW = f64(nCoreE)
	g.chainHint = slices.Clone(b[off : off+2*(n-nCore)])
	off += pad8(2 * (n - nCore))
	if h.hasCH {
		ch := &Hierarchy{}
		ch.rank = u32(nCore)
		ch.order = nodes(nCore)
		ch.upOff = u32(nCore + 1)
		ch.upTgt = nodes(nUp)
		ch.upW = f64(nUp)
		ch.dnOff = u32(nCore + 1)
		ch.dnSrc = u32(nDown)
		ch.dnW = f64(nDown)
		if err := ch.check(nCore); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		g.ch = ch
	}
	if err := g.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if g.bound != h.bound() {
		return nil, fmt.Errorf("%w: the stored bounding box %v is not the nodes' %v", ErrCorrupt, h.bound(), g.bound)
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
