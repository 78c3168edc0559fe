package tiles

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo"
)

// PMTiles v3 (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md),
// written here from the spec rather than with github.com/protomaps/go-pmtiles:
// that package pulls the AWS, Azure and Google Cloud SDKs, SQLite and
// Prometheus into the build (about 80 modules) for the 200 lines a writer
// needs. The archives are read back in the tests by the official JavaScript
// reader (npm pmtiles) and by a reader written from the spec.

// PMTiles constants from the v3 spec.
const (
	pmHeaderLen = 127
	// pmRootMax is the most bytes of header plus root directory: a client
	// reads the first 16 KiB and must find the whole root there.
	pmRootMax = 16384

	pmCompressionGzip = 2 // internal and tile compression: gzip
	pmTileTypeMVT     = 1
)

// pmEntry is one directory entry: RunLength tiles from TileID share the
// bytes at Offset (relative to the tile data section) of Length; RunLength
// 0 points at a leaf directory instead (Offset relative to the leaf
// section).
type pmEntry struct {
	TileID    uint64
	Offset    uint64
	Length    uint32
	RunLength uint32
}

// zxyToTileID returns the PMTiles tile id of z/x/y: the tiles of all lower
// zooms, (4^z − 1)/3, plus the distance of x, y along the Hilbert curve of
// order z (the xy2d of Hilbert's curve as the spec gives it). z must be
// 0..MaxZoom and x, y 0..2^z−1.
func zxyToTileID(z, x, y int) uint64 {
	acc := (uint64(1)<<(2*uint(z)) - 1) / 3
	return acc + geo.HilbertIndex(uint(z), uint64(x), uint64(y))
}

// tileIDToZXY is the inverse of zxyToTileID.
func tileIDToZXY(id uint64) (z, x, y int) {
	var acc uint64
	for z = 0; z < 32; z++ {
		n := uint64(1) << (2 * uint(z))
		if id < acc+n {
			break
		}
		acc += n
	}
	tx, ty := geo.HilbertCell(uint(z), id-acc)
	return z, int(tx), int(ty)
}

// WritePMTiles writes every non-empty tile of one layer from minZoom to
// maxZoom (0 <= minZoom <= maxZoom <= MaxZoom) to a PMTiles v3 archive at
// path: the tiles are the bytes Tile returns (gzip-compressed MVT), in
// tile-id order, with identical tiles stored once; directories and JSON
// metadata (name, attribution, vector_layers) are gzip-compressed. The
// header's zooms are those of the tiles written, its bounds the layer's.
// The file is written to a temporary name in the same folder and renamed
// when complete. A layer with no feature is an error, as an archive must
// hold at least one tile.
func (s *Set) WritePMTiles(ctx context.Context, path string, layer string, minZoom, maxZoom int) (err error) {
	l, ok := s.layers[layer]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownLayer, layer)
	}
	if minZoom < 0 || maxZoom > MaxZoom || minZoom > maxZoom {
		return fmt.Errorf("%w: zooms %d..%d (want 0 <= min <= max <= %d)", ErrOutOfRange, minZoom, maxZoom, MaxZoom)
	}
	if l.empty {
		return fmt.Errorf("tiles: layer %q has no feature to export", layer)
	}
	dir := filepath.Dir(path)
	data, err := os.CreateTemp(dir, ".pmtiles-data-*")
	if err != nil {
		return err
	}
	defer func() {
		data.Close()
		os.Remove(data.Name())
	}()
	dw := bufio.NewWriterSize(data, 1<<20)

	var (
		entries  []pmEntry
		contents = map[[sha256.Size]byte]pmEntry{} // tile bytes → where they are
		dataLen  uint64
		zmin     = -1
		zmax     = -1
	)
	add := func(id uint64, tile []byte) error {
		h := sha256.Sum256(tile)
		e, seen := contents[h]
		if !seen {
			if len(tile) > math.MaxUint32 {
				return fmt.Errorf("tiles: tile %d of %d bytes is too large for PMTiles", id, len(tile))
			}
			e = pmEntry{Offset: dataLen, Length: uint32(len(tile))}
			if _, err := dw.Write(tile); err != nil {
				return err
			}
			dataLen += uint64(len(tile))
			contents[h] = e
		}
		// Extend the previous run when this tile repeats it.
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.Offset == e.Offset && last.Length == e.Length && last.TileID+uint64(last.RunLength) == id && last.RunLength < math.MaxUint32 {
				last.RunLength++
				return nil
			}
		}
		entries = append(entries, pmEntry{TileID: id, Offset: e.Offset, Length: e.Length, RunLength: 1})
		return nil
	}
	for z := minZoom; z <= maxZoom; z++ {
		ids := s.tileIDs(l, z)
		n, err := s.renderMany(ctx, layer, ids, add)
		if err != nil {
			return err
		}
		if n > 0 {
			if zmin < 0 {
				zmin = z
			}
			zmax = z
		}
	}
	if len(entries) == 0 {
		return fmt.Errorf("tiles: layer %q has no tile at zooms %d to %d", layer, minZoom, maxZoom)
	}
	if err := dw.Flush(); err != nil {
		return err
	}

	meta, err := s.pmMetadata(l)
	if err != nil {
		return err
	}
	root, leaves, err := pmDirectories(entries)
	if err != nil {
		return err
	}
	var addressed uint64
	for _, e := range entries {
		addressed += uint64(e.RunLength)
	}
	c, cz := center(l.bounds, zmin, zmax)
	h := pmHeader{
		RootOffset: pmHeaderLen, RootLength: uint64(len(root)),
		MetadataLength: uint64(len(meta)), LeafLength: uint64(len(leaves)), DataLength: dataLen,
		Addressed: addressed, Entries: uint64(len(entries)), Contents: uint64(len(contents)),
		Clustered: true, MinZoom: uint8(zmin), MaxZoom: uint8(zmax),
		Bounds: l.bounds, CenterZoom: uint8(cz), Center: c,
	}
	h.MetadataOffset = h.RootOffset + h.RootLength
	h.LeafOffset = h.MetadataOffset + h.MetadataLength
	h.DataOffset = h.LeafOffset + h.LeafLength

	out, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	ow := bufio.NewWriterSize(out, 1<<20)
	for _, b := range [][]byte{h.marshal(), root, meta, leaves} {
		if _, err := ow.Write(b); err != nil {
			return err
		}
	}
	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(ow, data); err != nil {
		return err
	}
	if err := ow.Flush(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file private; an archive is for publishing.
	if err := os.Chmod(out.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(out.Name(), path)
}

// tileIDs lists, in tile-id order, the tiles of zoom z that the buffered
// bounds of some part of the layer reach: the candidates of a full export,
// proportional to the features rather than to the area of the bounds.
func (s *Set) tileIDs(l *layer, z int) []uint64 {
	lv := l.level(z)
	scale := math.Ldexp(1, z)
	b := s.buffer / Extent
	last := int(scale) - 1
	seen := map[[2]int]struct{}{}
	var ids []uint64
	for _, p := range lv.parts {
		x0 := clampInt(int(math.Floor(p.bound.Min[0]*scale-b)), 0, last)
		x1 := clampInt(int(math.Floor(p.bound.Max[0]*scale+b)), 0, last)
		y0 := clampInt(int(math.Floor(p.bound.Min[1]*scale-b)), 0, last)
		y1 := clampInt(int(math.Floor(p.bound.Max[1]*scale+b)), 0, last)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				k := [2]int{x, y}
				if _, ok := seen[k]; !ok {
					seen[k] = struct{}{}
					ids = append(ids, zxyToTileID(z, x, y))
				}
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// renderMany renders tiles on all cores, in batches, and hands the
// non-empty ones to add in id order. It returns how many it added.
func (s *Set) renderMany(ctx context.Context, layer string, ids []uint64, add func(uint64, []byte) error) (int, error) {
	workers := runtime.GOMAXPROCS(0)
	const batch = 256
	out := make([][]byte, batch)
	errs := make([]error, batch)
	added := 0
	for start := 0; start < len(ids); start += batch {
		if err := ctx.Err(); err != nil {
			return added, err
		}
		chunk := ids[start:min(start+batch, len(ids))]
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < min(workers, len(chunk)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					z, x, y := tileIDToZXY(chunk[i])
					out[i], errs[i] = s.Tile(ctx, layer, z, x, y)
				}
			}()
		}
		for i := range chunk {
			next <- i
		}
		close(next)
		wg.Wait()
		for i, id := range chunk {
			switch {
			case errors.Is(errs[i], ErrEmptyTile):
				continue
			case errs[i] != nil:
				return added, errs[i]
			}
			if err := add(id, out[i]); err != nil {
				return added, err
			}
			added++
		}
	}
	return added, nil
}

// pmMetadata is the archive's JSON metadata: what TileJSON says about the
// layer, less the URLs.
func (s *Set) pmMetadata(l *layer) ([]byte, error) {
	meta := map[string]any{
		"name":          strings.TrimSpace(s.name + " " + l.name),
		"description":   l.description,
		"attribution":   s.attribution,
		"type":          pmType(l),
		"version":       "1.0.0",
		"generator":     "rescuegrid",
		"vector_layers": s.vectorLayers(l),
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	return gzipBytes(b)
}

// pmDirectories serializes the entries as a root directory, with leaf
// directories when the root alone would not fit the first 16 KiB.
func pmDirectories(entries []pmEntry) (root, leaves []byte, err error) {
	root, err = pmDirectory(entries)
	if err != nil {
		return nil, nil, err
	}
	if pmHeaderLen+len(root) <= pmRootMax {
		return root, nil, nil
	}
	for size := 4096; ; size *= 2 {
		var rootEntries []pmEntry
		var lb bytes.Buffer
		for i := 0; i < len(entries); i += size {
			chunk := entries[i:min(i+size, len(entries))]
			d, err := pmDirectory(chunk)
			if err != nil {
				return nil, nil, err
			}
			rootEntries = append(rootEntries, pmEntry{TileID: chunk[0].TileID, Offset: uint64(lb.Len()), Length: uint32(len(d))})
			lb.Write(d)
		}
		root, err = pmDirectory(rootEntries)
		if err != nil {
			return nil, nil, err
		}
		if pmHeaderLen+len(root) <= pmRootMax {
			return root, lb.Bytes(), nil
		}
	}
}

// pmDirectory is one gzip-compressed directory: the entry count, then the
// tile ids (delta-coded), run lengths, lengths and offsets (0 for "right
// after the previous entry", else offset+1), each as unsigned varints.
func pmDirectory(entries []pmEntry) ([]byte, error) {
	buf := make([]byte, 0, 4*len(entries)+binary.MaxVarintLen64)
	buf = binary.AppendUvarint(buf, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		buf = binary.AppendUvarint(buf, e.TileID-last)
		last = e.TileID
	}
	for _, e := range entries {
		buf = binary.AppendUvarint(buf, uint64(e.RunLength))
	}
	for _, e := range entries {
		buf = binary.AppendUvarint(buf, uint64(e.Length))
	}
	for i, e := range entries {
		if i > 0 && e.Offset == entries[i-1].Offset+uint64(entries[i-1].Length) {
			buf = binary.AppendUvarint(buf, 0)
		} else {
			buf = binary.AppendUvarint(buf, e.Offset+1)
		}
	}
	return gzipBytes(buf)
}

func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// pmHeader is the fixed 127-byte header.
type pmHeader struct {
	RootOffset, RootLength         uint64
	MetadataOffset, MetadataLength uint64
	LeafOffset, LeafLength         uint64
	DataOffset, DataLength         uint64
	Addressed, Entries, Contents   uint64
	Clustered                      bool
	MinZoom, MaxZoom               uint8
	Bounds                         orb.Bound // [lon, lat]
	CenterZoom                     uint8
	Center                         orb.Point
}

func (h *pmHeader) marshal() []byte {
	b := make([]byte, pmHeaderLen)
	copy(b, "PMTiles")
	b[7] = 3
	le := binary.LittleEndian
	for i, v := range []uint64{
		h.RootOffset, h.RootLength, h.MetadataOffset, h.MetadataLength,
		h.LeafOffset, h.LeafLength, h.DataOffset, h.DataLength,
		h.Addressed, h.Entries, h.Contents,
	} {
		le.PutUint64(b[8+8*i:], v)
	}
	if h.Clustered {
		b[96] = 1
	}
	b[97] = pmCompressionGzip
	b[98] = pmCompressionGzip
	b[99] = pmTileTypeMVT
	b[100], b[101] = h.MinZoom, h.MaxZoom
	// Degrees × 10^7 as int32; bounds rounded outwards.
	e7 := func(v float64, round func(float64) float64) uint32 { return uint32(int32(round(v * 1e7))) }
	le.PutUint32(b[102:], e7(h.Bounds.Min[0], math.Floor))
	le.PutUint32(b[106:], e7(h.Bounds.Min[1], math.Floor))
	le.PutUint32(b[110:], e7(h.Bounds.Max[0], math.Ceil))
	le.PutUint32(b[114:], e7(h.Bounds.Max[1], math.Ceil))
	b[118] = h.CenterZoom
	le.PutUint32(b[119:], e7(h.Center[0], math.Round))
	le.PutUint32(b[123:], e7(h.Center[1], math.Round))
	return b
}

// pmType is the archive's metadata type: "baselayer" for the base map,
// "overlay" for the study's layers.
func pmType(l *layer) string {
	if l.basemap != nil {
		return "baselayer"
	}
	return "overlay"
}
