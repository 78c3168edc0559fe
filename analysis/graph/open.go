package graph

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/paulmach/orb"
)

// OpenOptions tune Open.
type OpenOptions struct {
	// SkipChecksum leaves out the checksum pass over the chunks (one read of
	// every page, on every core: about 0.1 s a GB a core once the pages are
	// cached). The header and the chunk table are checked whatever it says;
	// with the bytes unchecked, Open then checks every index a search
	// follows instead (O(N)), so that a damaged file is refused, not read.
	SkipChecksum bool
	// Verify runs every structural check ReadFile runs (O(N log N), and a
	// temporary copy of the OSM ids), deriving the core layout, the sweep
	// order and the bounding box again and comparing them with the stored
	// ones. Without it Open trusts a file whose checksums match: WriteFile
	// writes only valid graphs, atomically.
	Verify bool
}

// Open maps the graph file at path into memory read-only and returns a
// graph whose arrays are slices of the mapping. Opening costs the header,
// the checksums of the file's 8 MiB chunks, checked on every core at once
// (see OpenOptions), and nothing else: the core graph, the chain hints, the
// hierarchy's sweep order and the bounding box are stored in the file and
// mapped like the rest, so nothing is derived or copied on the heap and no
// array is scanned. The pages are the operating system's page cache, shared
// by every process and goroutine that opens the same file, and paged in as
// searches touch them.
//
// The mapping lives as long as the process unless Close is called; a graph
// from Open is immutable and safe for concurrent use like any other. On a
// big-endian machine, or where memory mapping is not available, Open falls
// back to ReadFile.
func Open(path string, opt OpenOptions) (*Graph, error) {
	if !littleEndian() {
		return ReadFile(path)
	}
	b, unmap, err := mapFile(path)
	if errors.Is(err, errNoMmap) {
		return ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("open graph: %w", err)
	}
	g, err := decodeInPlace(b, opt)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("open graph %s: %w", path, err)
	}
	g.unmap = unmap
	return g, nil
}

// Close releases the mapping of a graph from Open; the graph and every
// slice taken from it (CSR, CoreCSR) must not be used afterwards. It does
// nothing for other graphs.
func (g *Graph) Close() error {
	if g.unmap == nil {
		return nil
	}
	err := g.unmap()
	g.unmap = nil
	return err
}

// Mapped reports whether the graph's arrays live in a file mapping (Open).
func (g *Graph) Mapped() bool { return g.unmap != nil }

func littleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// view returns k elements of type T at byte offset off of b, in place. The
// graph file is little-endian with every array 8-byte aligned, and b is a
// page-aligned mapping, so on a little-endian machine the bytes are the
// values. This is the one place the package reads memory as another type.
func view[T any](b []byte, off, k int) []T {
	if k == 0 {
		return []T{}
	}
	var zero T
	if off%int(unsafe.Alignof(zero)) != 0 || off+k*int(unsafe.Sizeof(zero)) > len(b) {
		panic(fmt.Sprintf("graph: array of %d at %d misaligned or beyond %d bytes", k, off, len(b)))
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&b[off])), k)
}

// header is what the fixed parts of a graph file say: the counts, the
// derived section's counts and bounding box, where the chunk table starts
// and the file length they imply.
type header struct {
	n, m, w, c, k, nCore, metaLen int
	coreE                         int
	hasCH                         bool
	nUp, nDown                    int
	boundE7                       [4]int32 // min lon, min lat, max lon, max lat
	tableAt, chunks               int
	size                          int
}

func (h header) bound() orb.Bound {
	return orb.Bound{Min: orb.Point{float64(h.boundE7[0]) / 1e7, float64(h.boundE7[1]) / 1e7}, Max: orb.Point{float64(h.boundE7[2]) / 1e7, float64(h.boundE7[3]) / 1e7}}
}

func leUint32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// numChunks is the number of checksummed chunks of the first size bytes.
func numChunks(size int) int { return (size + chunkSize - 1) / chunkSize }

// parseHeader checks the magic, the version, the counts, the length, the end
// marker and the checksum of the chunk table of the graph file in b (not the
// chunks themselves: verifyChunks), as Decode does.
func parseHeader(b []byte) (header, error) {
	le := binary.LittleEndian
	var h header
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return h, ErrNotGraph
	}
	if len(b) < headerSize {
		return h, fmt.Errorf("%w: %d bytes, shorter than the %d-byte header", ErrTruncated, len(b), headerSize)
	}
	if v := le.Uint32(b[8:]); v != FormatVersion {
		return h, versionError(v)
	}
	var cnt [7]uint64
	for i := range cnt {
		cnt[i] = le.Uint64(b[16+8*i:])
		if cnt[i] >= math.MaxUint32 {
			return h, fmt.Errorf("%w: count %d in the header is out of range", ErrCorrupt, cnt[i])
		}
	}
	h = header{n: int(cnt[0]), m: int(cnt[1]), w: int(cnt[2]), c: int(cnt[3]), k: int(cnt[4]), nCore: int(cnt[5]), metaLen: int(cnt[6])}
	chAt := baseSize(h.n, h.m, h.w, h.c, h.k, h.metaLen)
	if len(b) < chAt+chHeaderSize+8 {
		return h, fmt.Errorf("%w: %d bytes, the header promises at least %d", ErrTruncated, len(b), chAt+chHeaderSize+8)
	}
	coreE, hasCH, nUp, nDown := le.Uint64(b[chAt:]), le.Uint64(b[chAt+8:]), le.Uint64(b[chAt+16:]), le.Uint64(b[chAt+24:])
	if h.nCore == 0 || h.nCore > h.n || coreE >= math.MaxUint32 || hasCH > 1 || nUp >= math.MaxUint32 || nDown >= math.MaxUint32 || (hasCH == 0 && nUp+nDown != 0) {
		return h, fmt.Errorf("%w: %d core nodes of %d, %d core edges, hierarchy counts %d, %d, %d out of range", ErrCorrupt, h.nCore, h.n, coreE, hasCH, nUp, nDown)
	}
	h.coreE, h.hasCH, h.nUp, h.nDown = int(coreE), hasCH == 1, int(nUp), int(nDown)
	for i := range h.boundE7 {
		h.boundE7[i] = int32(le.Uint32(b[chAt+32+4*i:]))
	}
	h.tableAt = chAt + chHeaderSize + coreSize(h.n, h.nCore, h.coreE)
	if h.hasCH {
		h.tableAt += chSize(h.nCore, h.nUp, h.nDown)
	}
	h.chunks = numChunks(h.tableAt)
	h.size = h.tableAt + pad8(4*h.chunks) + 8
	if len(b) < h.size {
		return h, fmt.Errorf("%w: %d bytes, the header promises %d", ErrTruncated, len(b), h.size)
	}
	if len(b) > h.size {
		return h, fmt.Errorf("%w: %d bytes, the header promises %d", ErrCorrupt, len(b), h.size)
	}
	if string(b[h.size-4:]) != trailer {
		return h, fmt.Errorf("%w: missing end marker", ErrTruncated)
	}
	if got, sum := crc32.Checksum(b[h.tableAt:h.size-8], castagnoliTab), leUint32(b[h.size-8:]); got != sum {
		return h, fmt.Errorf("%w: chunk table: computed %08x, stored %08x", ErrChecksum, got, sum)
	}
	return h, nil
}

// verifyChunks checks the CRC-32C of every chunk of the file against the
// chunk table, on up to workers goroutines, and names the first bad chunk.
func (h header) verifyChunks(b []byte, workers int) error {
	workers = max(1, min(workers, h.chunks))
	bad := make([]bool, h.chunks)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= h.chunks {
					return
				}
				lo, hi := i*chunkSize, min((i+1)*chunkSize, h.tableAt)
				bad[i] = crc32.Checksum(b[lo:hi], castagnoliTab) != leUint32(b[h.tableAt+4*i:])
			}
		}()
	}
	wg.Wait()
	for i, x := range bad {
		if x {
			return fmt.Errorf("%w: bytes %d..%d (chunk %d of %d)", ErrChecksum, i*chunkSize, min((i+1)*chunkSize, h.tableAt), i+1, h.chunks)
		}
	}
	return nil
}

// decodeInPlace is Decode over bytes that outlive the graph (a mapping).
func decodeInPlace(b []byte, opt OpenOptions) (*Graph, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	if !opt.SkipChecksum {
		if err := h.verifyChunks(b, runtime.GOMAXPROCS(0)); err != nil {
			return nil, err
		}
	}
	g := &Graph{}
	off := headerSize
	if err := json.Unmarshal(b[off:off+h.metaLen], &g.meta); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	off += pad8(h.metaLen)
	n, m, w, c, k := h.n, h.m, h.w, h.c, h.k
	take32 := func(cnt int) []uint32 {
		s := view[uint32](b, off, cnt)
		off += pad8(4 * cnt)
		return s
	}
	takeNodes := func(cnt int) []NodeID {
		s := view[NodeID](b, off, cnt)
		off += pad8(4 * cnt)
		return s
	}
	takeI32 := func(cnt int) []int32 {
		s := view[int32](b, off, cnt)
		off += pad8(4 * cnt)
		return s
	}
	takeI64 := func(cnt int) []int64 {
		s := view[int64](b, off, cnt)
		off += 8 * cnt
		return s
	}
	takeF64 := func(cnt int) []Seconds {
		s := view[Seconds](b, off, cnt)
		off += 8 * cnt
		return s
	}
	g.offsets = take32(n + 1)
	g.targets = takeNodes(m)
	g.edgeWay = take32(m)
	g.weights = takeF64(m)
	g.osmIDs = takeI64(n)
	g.latE7 = takeI32(n)
	g.lonE7 = takeI32(n)
	g.comp = take32(n)
	g.cSize = take32(c)
	g.wayIDs = takeI64(w)
	g.chainStart = take32(k + 1)
	g.chainA = takeNodes(k)
	g.chainB = takeNodes(k)
	g.nCore = uint32(h.nCore)
	off += chHeaderSize
	g.chainBucket = take32((n-h.nCore)>>chainBucketShift + 1)
	g.coreOff = take32(h.nCore + 1)
	g.coreTgt = takeNodes(h.coreE)
	g.coreW = takeF64(h.coreE)
	g.chainHint = view[uint8](b, off, 2*(n-h.nCore))
	off += pad8(2 * (n - h.nCore))
	if h.hasCH {
		ch := &Hierarchy{}
		ch.rank = take32(h.nCore)
		ch.order = takeNodes(h.nCore)
		ch.upOff = take32(h.nCore + 1)
		ch.upTgt = takeNodes(h.nUp)
		ch.upW = takeF64(h.nUp)
		ch.dnOff = take32(h.nCore + 1)
		ch.dnSrc = take32(h.nDown)
		ch.dnW = takeF64(h.nDown)
		g.ch = ch
	}
	g.bound = h.bound()
	if err := g.endsCheck(h); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	switch {
	case opt.Verify:
		// Everything Decode checks: O(N log N).
		if g.ch != nil {
			if err := g.ch.check(h.nCore); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
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
	case opt.SkipChecksum:
		// Bytes nobody vouches for: check every index a search follows, so
		// that a damaged file is refused rather than read (O(N)).
		if g.ch != nil {
			if err := g.ch.check(h.nCore); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
			}
		}
		if err := g.quickCheckCore(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	// Otherwise the checksums vouch for the bytes WriteFile wrote, and it
	// writes only valid graphs: nothing more is read (O(1)). The arrays are
	// slices of their exact lengths, so even a file from a faulty writer
	// fails a bounds check, never reads another array's memory.
	return g, nil
}

// endsCheck is the O(1) part of the checks: every row table starts at 0 and
// ends at the length of the array it indexes, and the chains cover the
// interior nodes.
func (g *Graph) endsCheck(h header) error {
	n, m, k, nc := h.n, h.m, h.k, uint32(h.nCore)
	switch {
	case g.offsets[0] != 0 || int(g.offsets[n]) != m:
		return fmt.Errorf("edge offsets run %d..%d, want 0..%d", g.offsets[0], g.offsets[n], m)
	case g.chainStart[0] != nc || int(g.chainStart[k]) != n:
		return fmt.Errorf("chain table of %d chains does not fit %d core of %d nodes", k, nc, n)
	case g.coreOff[0] != 0 || int(g.coreOff[nc]) != h.coreE:
		return fmt.Errorf("core rows run %d..%d, want 0..%d", g.coreOff[0], g.coreOff[nc], h.coreE)
	}
	if ch := g.ch; ch != nil && (ch.upOff[0] != 0 || int(ch.upOff[nc]) != h.nUp || ch.dnOff[0] != 0 || int(ch.dnOff[nc]) != h.nDown) {
		return fmt.Errorf("hierarchy rows run %d..%d and %d..%d, want 0..%d and 0..%d", ch.upOff[0], ch.upOff[nc], ch.dnOff[0], ch.dnOff[nc], h.nUp, h.nDown)
	}
	return nil
}

// quickCheckCore is the part of checkStoredCore a search cannot do without
// reading out of bounds: the chain table's and the core rows' ends and
// every index they hold. O(R + K + core edges), no allocation.
func (g *Graph) quickCheckCore() error {
	n, nc, k := uint32(g.NumNodes()), g.nCore, len(g.chainA)
	if nc > n || nc == 0 || len(g.chainStart) != k+1 || g.chainStart[0] != nc || g.chainStart[k] != n {
		return fmt.Errorf("chain table of %d chains does not fit %d core of %d nodes", k, nc, n)
	}
	for c := 0; c < k; c++ {
		if g.chainStart[c] >= g.chainStart[c+1] || uint32(g.chainA[c]) >= nc || uint32(g.chainB[c]) >= nc {
			return fmt.Errorf("chain %d is empty, out of order or ends at a node that is not core", c)
		}
	}
	for b, c := range g.chainBucket {
		if int(c) >= max(k, 1) || (k > 0 && g.chainStart[c] > nc+uint32(b)<<chainBucketShift) {
			return fmt.Errorf("chain lookup bucket %d names chain %d", b, c)
		}
	}
	if g.coreOff[0] != 0 || int(g.coreOff[nc]) != len(g.coreTgt) {
		return fmt.Errorf("core rows run %d..%d, want 0..%d", g.coreOff[0], g.coreOff[nc], len(g.coreTgt))
	}
	for u := uint32(0); u < nc; u++ {
		if g.coreOff[u] > g.coreOff[u+1] {
			return fmt.Errorf("core row offsets decrease at node %d", u)
		}
	}
	for e, t := range g.coreTgt {
		if uint32(t) >= nc {
			return fmt.Errorf("core edge %d leads to node %d of %d core nodes", e, t, nc)
		}
	}
	return nil
}

var errNoMmap = errors.New("graph: memory mapping not available")

// mapFile maps path read-only; the returned function unmaps it.
func mapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if fi.Size() < headerSize {
		// Too short to map usefully: let the reader say what is wrong.
		b := make([]byte, fi.Size())
		if _, err := f.ReadAt(b, 0); err != nil {
			return nil, nil, err
		}
		return b, func() error { return nil }, nil
	}
	if fi.Size() > math.MaxInt {
		return nil, nil, fmt.Errorf("%s: %d bytes", path, fi.Size())
	}
	return mmap(f, int(fi.Size()))
}
