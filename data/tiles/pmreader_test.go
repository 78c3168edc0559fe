package tiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// A PMArchive is a PMTiles v3 archive read back by a reader written from
// the spec for the tests (the JavaScript reader is the other one).
type PMArchive struct {
	Magic                          string
	Version                        int
	RootOffset, RootLength         uint64
	MetadataOffset, MetadataLength uint64
	LeafOffset, LeafLength         uint64
	DataOffset, DataLength         uint64
	Addressed, Entries, Contents   uint64
	Clustered                      bool
	InternalCompression            int
	TileCompression, TileType      int
	MinZoom, MaxZoom, CenterZoom   int
	Bounds                         [4]float64 // W, S, E, N
	Center                         [2]float64
	Metadata                       map[string]any
	// Dir is every tile entry, leaves resolved, in tile-id order.
	Dir  []PMEntry
	Size int64
	file []byte
}

// PMEntry is one tile entry of a directory.
type PMEntry struct {
	TileID, Offset    uint64
	Length, RunLength uint32
}

// ReadPMTiles reads a whole archive.
func ReadPMTiles(path string) (*PMArchive, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < pmHeaderLen {
		return nil, errors.New("pmtiles: shorter than the header")
	}
	le := binary.LittleEndian
	a := &PMArchive{Magic: string(b[:7]), Version: int(b[7]), Size: int64(len(b)), file: b}
	u := func(i int) uint64 { return le.Uint64(b[8+8*i:]) }
	a.RootOffset, a.RootLength, a.MetadataOffset, a.MetadataLength = u(0), u(1), u(2), u(3)
	a.LeafOffset, a.LeafLength, a.DataOffset, a.DataLength = u(4), u(5), u(6), u(7)
	a.Addressed, a.Entries, a.Contents = u(8), u(9), u(10)
	a.Clustered = b[96] == 1
	a.InternalCompression, a.TileCompression, a.TileType = int(b[97]), int(b[98]), int(b[99])
	a.MinZoom, a.MaxZoom = int(b[100]), int(b[101])
	e7 := func(off int) float64 { return float64(int32(le.Uint32(b[off:]))) / 1e7 }
	a.Bounds = [4]float64{e7(102), e7(106), e7(110), e7(114)}
	a.CenterZoom = int(b[118])
	a.Center = [2]float64{e7(119), e7(123)}
	if a.Magic != "PMTiles" || a.Version != 3 {
		return nil, fmt.Errorf("pmtiles: magic %q version %d", a.Magic, a.Version)
	}
	if a.RootOffset+a.RootLength > pmRootMax {
		return nil, fmt.Errorf("pmtiles: root directory ends at %d, past the first 16 KiB", a.RootOffset+a.RootLength)
	}
	meta, err := a.section(a.MetadataOffset, a.MetadataLength)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(meta, &a.Metadata); err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	if err := a.readDir(a.RootOffset, a.RootLength, 0); err != nil {
		return nil, err
	}
	if !sort.SliceIsSorted(a.Dir, func(i, j int) bool { return a.Dir[i].TileID < a.Dir[j].TileID }) {
		return nil, errors.New("pmtiles: entries out of order")
	}
	return a, nil
}

func (a *PMArchive) section(off, n uint64) ([]byte, error) {
	if off+n > uint64(len(a.file)) {
		return nil, fmt.Errorf("pmtiles: section %d+%d past the end (%d)", off, n, len(a.file))
	}
	zr, err := gzip.NewReader(bytes.NewReader(a.file[off : off+n]))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func (a *PMArchive) readDir(off, n uint64, depth int) error {
	if depth > 3 {
		return errors.New("pmtiles: directories nested too deep")
	}
	raw, err := a.section(off, n)
	if err != nil {
		return err
	}
	r := bytes.NewReader(raw)
	next := func() uint64 {
		v, e := binary.ReadUvarint(r)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	count := next()
	es := make([]PMEntry, count)
	var id uint64
	for i := range es {
		id += next()
		es[i].TileID = id
	}
	for i := range es {
		es[i].RunLength = uint32(next())
	}
	for i := range es {
		es[i].Length = uint32(next())
	}
	for i := range es {
		v := next()
		if v == 0 && i > 0 {
			es[i].Offset = es[i-1].Offset + uint64(es[i-1].Length)
		} else {
			es[i].Offset = v - 1
		}
	}
	if err != nil {
		return fmt.Errorf("pmtiles: directory: %w", err)
	}
	for _, e := range es {
		if e.RunLength == 0 {
			if err := a.readDir(a.LeafOffset+e.Offset, uint64(e.Length), depth+1); err != nil {
				return err
			}
			continue
		}
		a.Dir = append(a.Dir, e)
	}
	return nil
}

// Tile returns the stored bytes of tile z/x/y, or nil.
func (a *PMArchive) Tile(z, x, y int) []byte {
	id := zxyToTileID(z, x, y)
	i := sort.Search(len(a.Dir), func(i int) bool { return a.Dir[i].TileID > id }) - 1
	if i < 0 || id >= a.Dir[i].TileID+uint64(a.Dir[i].RunLength) {
		return nil
	}
	e := a.Dir[i]
	return a.file[a.DataOffset+e.Offset : a.DataOffset+e.Offset+uint64(e.Length)]
}

// Exported for the external tests.
var (
	ZXYToTileID = zxyToTileID
	TileIDToZXY = tileIDToZXY
)
