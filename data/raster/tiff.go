package raster

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"golang.org/x/image/tiff/lzw"
)

// Errors callers may branch on with errors.Is.
var (
	ErrNotTIFF     = errors.New("raster: not a TIFF file")
	ErrUnsupported = errors.New("raster: unsupported TIFF")
	ErrProjected   = errors.New("raster: projected raster (want geographic EPSG:4326)")
	ErrCorrupt     = errors.New("raster: corrupt TIFF")
)

// TIFF and GeoTIFF tags read here.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagPlanarConfig    = 284
	tagPredictor       = 317
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	tagSampleFormat    = 339
	tagModelPixelScale = 33550
	tagModelTiepoint   = 33922
	tagModelTransform  = 34264
	tagGeoKeyDirectory = 34735
	tagGDALNoData      = 42113
)

// GeoKeys (GeoTIFF 1.1 §7).
const (
	keyModelType      = 1024
	keyRasterType     = 1025
	keyGeographicType = 2048
	keyProjectedType  = 3072
	rasterPixelIsPt   = 2
	modelProjected    = 1
)

// An Image is an open GeoTIFF: its layout and georeferencing, read from the
// header. Pixel (x, y) covers lon [Origin[0] + x·PixelLon, + PixelLon) and
// lat (Origin[1] − (y+1)·PixelLat, Origin[1] − y·PixelLat]: rows run north
// to south. Read is not safe for concurrent use (it counts what it reads);
// open one Image per goroutine.
type Image struct {
	Width, Height int
	// Origin is the [lon, lat] of the outer corner of pixel (0, 0) (its
	// north-west corner), in degrees.
	Origin orb.Point
	// PixelLon and PixelLat are a pixel's width and height in degrees (> 0).
	PixelLon, PixelLat float64
	// NoData is the value marking pixels without data; HasNoData says
	// whether the file declares one.
	NoData    float64
	HasNoData bool
	// EPSG is the geographic system's code (4326 for WGS-84; 0 when the
	// file does not say, which is read as WGS-84).
	EPSG int

	r                   io.ReaderAt
	order               binary.ByteOrder
	compression         int
	predictor           int
	bits, format        int // bits per sample; 1 uint, 2 int, 3 float
	blockW, blockH      int // tile size, or width × rows per strip
	offsets, byteCounts []uint64
	tiled               bool
	bytesRead           int64
	blocksRead          int
}

// BytesRead is how many bytes of pixel data Read has fetched so far (not
// counting the header), to show that a window reads only its blocks.
func (im *Image) BytesRead() int64 { return im.bytesRead }

// BlocksRead is how many blocks (tiles or strips) Read has decoded so far.
func (im *Image) BlocksRead() int { return im.blocksRead }

type ifdEntry struct {
	typ   uint16
	count uint64
	raw   []byte // the value bytes (fetched when they lie elsewhere)
}

// Open reads the header of the TIFF in r (size bytes): the first image's
// directory and its georeferencing. Only the header is read.
func Open(r io.ReaderAt, size int64) (*Image, error) {
	hdr := make([]byte, 16)
	if _, err := r.ReadAt(hdr[:8], 0); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTIFF, err)
	}
	var order binary.ByteOrder
	switch string(hdr[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return nil, ErrNotTIFF
	}
	big := false
	var ifdOff uint64
	switch order.Uint16(hdr[2:4]) {
	case 42:
		ifdOff = uint64(order.Uint32(hdr[4:8]))
	case 43:
		big = true
		if _, err := r.ReadAt(hdr[8:16], 8); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		ifdOff = order.Uint64(hdr[8:16])
	default:
		return nil, ErrNotTIFF
	}
	entries, err := readIFD(r, order, big, ifdOff, size)
	if err != nil {
		return nil, err
	}
	return newImage(r, order, entries)
}

var typeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8}

func readIFD(r io.ReaderAt, order binary.ByteOrder, big bool, off uint64, size int64) (map[uint16]ifdEntry, error) {
	countSize, entrySize, inline := 2, 12, 4
	if big {
		countSize, entrySize, inline = 8, 20, 8
	}
	if off == 0 || int64(off) >= size {
		return nil, fmt.Errorf("%w: directory offset %d beyond the file", ErrCorrupt, off)
	}
	cb := make([]byte, countSize)
	if _, err := r.ReadAt(cb, int64(off)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	var n uint64
	if big {
		n = order.Uint64(cb)
	} else {
		n = uint64(order.Uint16(cb))
	}
	if n == 0 || n > 4096 {
		return nil, fmt.Errorf("%w: %d directory entries", ErrCorrupt, n)
	}
	buf := make([]byte, int(n)*entrySize)
	if _, err := r.ReadAt(buf, int64(off)+int64(countSize)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	out := make(map[uint16]ifdEntry, n)
	for i := range int(n) {
		e := buf[i*entrySize:]
		tag, typ := order.Uint16(e[0:2]), order.Uint16(e[2:4])
		var count uint64
		var val []byte
		if big {
			count, val = order.Uint64(e[4:12]), e[12:20]
		} else {
			count, val = uint64(order.Uint32(e[4:8])), e[8:12]
		}
		ts, ok := typeSize[typ]
		if !ok {
			continue // a type this reader never needs
		}
		nb := count * uint64(ts)
		if nb > uint64(size) {
			return nil, fmt.Errorf("%w: tag %d holds %d bytes, more than the file", ErrCorrupt, tag, nb)
		}
		raw := make([]byte, nb)
		if nb <= uint64(inline) {
			copy(raw, val)
		} else {
			var at uint64
			if big {
				at = order.Uint64(val)
			} else {
				at = uint64(order.Uint32(val))
			}
			if _, err := r.ReadAt(raw, int64(at)); err != nil {
				return nil, fmt.Errorf("%w: tag %d: %v", ErrCorrupt, tag, err)
			}
		}
		out[tag] = ifdEntry{typ: typ, count: count, raw: raw}
	}
	return out, nil
}

// uints returns an integer-typed entry's values.
func (e ifdEntry) uints(order binary.ByteOrder) []uint64 {
	out := make([]uint64, e.count)
	for i := range out {
		switch e.typ {
		case 1, 7:
			out[i] = uint64(e.raw[i])
		case 3:
			out[i] = uint64(order.Uint16(e.raw[2*i:]))
		case 4:
			out[i] = uint64(order.Uint32(e.raw[4*i:]))
		case 16:
			out[i] = order.Uint64(e.raw[8*i:])
		}
	}
	return out
}

func (e ifdEntry) floats(order binary.ByteOrder) []float64 {
	out := make([]float64, e.count)
	for i := range out {
		switch e.typ {
		case 12:
			out[i] = math.Float64frombits(order.Uint64(e.raw[8*i:]))
		case 11:
			out[i] = float64(math.Float32frombits(order.Uint32(e.raw[4*i:])))
		}
	}
	return out
}

func newImage(r io.ReaderAt, order binary.ByteOrder, ent map[uint16]ifdEntry) (*Image, error) {
	im := &Image{r: r, order: order, compression: 1, predictor: 1, format: 1}
	one := func(tag uint16, def int) int {
		e, ok := ent[tag]
		if !ok || e.count == 0 {
			return def
		}
		return int(e.uints(order)[0])
	}
	im.Width, im.Height = one(tagImageWidth, 0), one(tagImageLength, 0)
	if im.Width <= 0 || im.Height <= 0 {
		return nil, fmt.Errorf("%w: image is %d × %d pixels", ErrCorrupt, im.Width, im.Height)
	}
	if spp := one(tagSamplesPerPixel, 1); spp != 1 {
		return nil, fmt.Errorf("%w: %d samples per pixel (want one band)", ErrUnsupported, spp)
	}
	im.bits, im.format = one(tagBitsPerSample, 1), one(tagSampleFormat, 1)
	switch {
	case im.format == 3 && (im.bits == 32 || im.bits == 64):
	case (im.format == 1 || im.format == 2) && (im.bits == 8 || im.bits == 16 || im.bits == 32 || im.bits == 64):
	default:
		return nil, fmt.Errorf("%w: %d-bit samples of format %d", ErrUnsupported, im.bits, im.format)
	}
	im.compression, im.predictor = one(tagCompression, 1), one(tagPredictor, 1)
	switch im.compression {
	case 1, 5, 8, 32946:
	default:
		return nil, fmt.Errorf("%w: compression %d (want none, LZW or Deflate)", ErrUnsupported, im.compression)
	}
	if im.predictor < 1 || im.predictor > 3 || (im.predictor == 3 && im.format != 3) {
		return nil, fmt.Errorf("%w: predictor %d for format %d", ErrUnsupported, im.predictor, im.format)
	}
	if _, ok := ent[tagTileWidth]; ok {
		im.tiled = true
		im.blockW, im.blockH = one(tagTileWidth, 0), one(tagTileLength, 0)
		im.offsets, im.byteCounts = ent[tagTileOffsets].uints(order), ent[tagTileByteCounts].uints(order)
	} else {
		im.blockW, im.blockH = im.Width, min(one(tagRowsPerStrip, im.Height), im.Height)
		im.offsets, im.byteCounts = ent[tagStripOffsets].uints(order), ent[tagStripByteCounts].uints(order)
	}
	if im.blockW <= 0 || im.blockH <= 0 {
		return nil, fmt.Errorf("%w: blocks of %d × %d", ErrCorrupt, im.blockW, im.blockH)
	}
	bx, by := ceilDiv(im.Width, im.blockW), ceilDiv(im.Height, im.blockH)
	if len(im.offsets) != bx*by || len(im.byteCounts) != bx*by {
		return nil, fmt.Errorf("%w: %d block offsets and %d byte counts, want %d", ErrCorrupt, len(im.offsets), len(im.byteCounts), bx*by)
	}
	if _, ok := ent[tagModelTransform]; ok {
		return nil, fmt.Errorf("%w: a ModelTransformation (rotated or sheared grid)", ErrUnsupported)
	}
	scale, tie := ent[tagModelPixelScale].floats(order), ent[tagModelTiepoint].floats(order)
	if len(scale) < 2 || len(tie) < 6 || !(scale[0] > 0) || !(scale[1] > 0) {
		return nil, fmt.Errorf("%w: no georeferencing (ModelPixelScale and ModelTiepoint)", ErrUnsupported)
	}
	im.PixelLon, im.PixelLat = scale[0], scale[1]
	// The tie point maps raster (i, j) to model (x, y).
	im.Origin = orb.Point{tie[3] - tie[0]*im.PixelLon, tie[4] + tie[1]*im.PixelLat}
	keys := geoKeys(ent[tagGeoKeyDirectory].uints(order))
	if keys[keyModelType] == modelProjected || keys[keyProjectedType] != 0 {
		return nil, fmt.Errorf("%w: EPSG:%d; reproject it with gdalwarp -t_srs EPSG:4326", ErrProjected, keys[keyProjectedType])
	}
	if keys[keyRasterType] == rasterPixelIsPt {
		// The tie point is a pixel centre: the corner is half a pixel away.
		im.Origin = orb.Point{im.Origin[0] - im.PixelLon/2, im.Origin[1] + im.PixelLat/2}
	}
	im.EPSG = keys[keyGeographicType]
	if e, ok := ent[tagGDALNoData]; ok {
		s := strings.TrimRight(string(e.raw), "\x00 ")
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: GDAL_NODATA %q is not a number", ErrCorrupt, s)
		}
		im.NoData, im.HasNoData = v, true
	}
	return im, nil
}

// geoKeys reads the GeoKeyDirectory's short-valued keys.
func geoKeys(d []uint64) map[int]int {
	out := map[int]int{}
	if len(d) < 4 {
		return out
	}
	n := int(d[3])
	for i := range n {
		k := d[4+4*i:]
		if len(k) < 4 {
			break
		}
		if k[1] == 0 { // value held in the entry itself
			out[int(k[0])] = int(k[3])
		}
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Bound is the raster's extent, [lon, lat] degrees.
func (im *Image) Bound() orb.Bound {
	return orb.Bound{
		Min: orb.Point{im.Origin[0], im.Origin[1] - float64(im.Height)*im.PixelLat},
		Max: orb.Point{im.Origin[0] + float64(im.Width)*im.PixelLon, im.Origin[1]},
	}
}

// A Window is a rectangle of pixels: columns X0 ≤ x < X1, rows Y0 ≤ y < Y1.
type Window struct{ X0, Y0, X1, Y1 int }

// Empty reports whether w holds no pixel.
func (w Window) Empty() bool { return w.X1 <= w.X0 || w.Y1 <= w.Y0 }

// WindowOf returns the pixels that overlap b, clipped to the image (empty
// when b misses the raster).
func (im *Image) WindowOf(b orb.Bound) Window {
	w := Window{
		X0: int(math.Floor((b.Min[0] - im.Origin[0]) / im.PixelLon)),
		X1: int(math.Ceil((b.Max[0] - im.Origin[0]) / im.PixelLon)),
		Y0: int(math.Floor((im.Origin[1] - b.Max[1]) / im.PixelLat)),
		Y1: int(math.Ceil((im.Origin[1] - b.Min[1]) / im.PixelLat)),
	}
	w.X0, w.Y0 = max(w.X0, 0), max(w.Y0, 0)
	w.X1, w.Y1 = min(w.X1, im.Width), min(w.Y1, im.Height)
	if w.Empty() {
		return Window{}
	}
	return w
}

// PixelBound returns the [lon, lat] rectangle of pixel (x, y).
func (im *Image) PixelBound(x, y int) orb.Bound {
	lon0 := im.Origin[0] + float64(x)*im.PixelLon
	lat1 := im.Origin[1] - float64(y)*im.PixelLat
	return orb.Bound{Min: orb.Point{lon0, lat1 - im.PixelLat}, Max: orb.Point{lon0 + im.PixelLon, lat1}}
}

// Read returns the values of the pixels of w, row by row from the north
// (len = width × height of w), reading and decoding only the blocks (tiles
// or strips) that overlap w. Nodata pixels are NaN.
func (im *Image) Read(w Window) ([]float64, error) {
	if w.Empty() || w.X0 < 0 || w.Y0 < 0 || w.X1 > im.Width || w.Y1 > im.Height {
		return nil, fmt.Errorf("raster: window %+v outside the %d × %d image", w, im.Width, im.Height)
	}
	ww := w.X1 - w.X0
	out := make([]float64, ww*(w.Y1-w.Y0))
	bpp := im.bits / 8
	bx := ceilDiv(im.Width, im.blockW)
	var buf []byte
	for by := w.Y0 / im.blockH; by*im.blockH < w.Y1; by++ {
		for bxi := w.X0 / im.blockW; bxi*im.blockW < w.X1; bxi++ {
			idx := by*bx + bxi
			rows := im.blockH
			if !im.tiled { // the last strip may be short
				rows = min(im.blockH, im.Height-by*im.blockH)
			}
			var err error
			buf, err = im.block(idx, rows, buf)
			if err != nil {
				return nil, fmt.Errorf("raster: block %d: %w", idx, err)
			}
			x0, y0 := bxi*im.blockW, by*im.blockH
			for y := max(y0, w.Y0); y < min(y0+rows, w.Y1); y++ {
				row := buf[(y-y0)*im.blockW*bpp:]
				for x := max(x0, w.X0); x < min(x0+im.blockW, w.X1); x++ {
					v := im.sample(row[(x-x0)*bpp:])
					if im.HasNoData && v == im.NoData || math.IsNaN(v) {
						v = math.NaN()
					}
					out[(y-w.Y0)*ww+(x-w.X0)] = v
				}
			}
		}
	}
	return out, nil
}

// block reads and decodes block idx (rows rows of blockW samples) into buf.
func (im *Image) block(idx, rows int, buf []byte) ([]byte, error) {
	bpp := im.bits / 8
	want := im.blockW * rows * bpp
	raw := make([]byte, im.byteCounts[idx])
	if len(raw) > 0 {
		if _, err := im.r.ReadAt(raw, int64(im.offsets[idx])); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
	}
	im.bytesRead += int64(len(raw))
	im.blocksRead++
	if cap(buf) < want {
		buf = make([]byte, want)
	}
	buf = buf[:want]
	clear(buf)
	if len(raw) == 0 {
		return buf, nil // a sparse (empty) block: all zero
	}
	var rd io.Reader
	switch im.compression {
	case 1:
		rd = bytes.NewReader(raw)
	case 5:
		lr := lzw.NewReader(bytes.NewReader(raw), lzw.MSB, 8)
		defer lr.Close()
		rd = lr
	default:
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%w: deflate: %v", ErrCorrupt, err)
		}
		defer zr.Close()
		rd = zr
	}
	if _, err := io.ReadFull(rd, buf); err != nil {
		return nil, fmt.Errorf("%w: decompress: %v", ErrCorrupt, err)
	}
	rowBytes := im.blockW * bpp
	for r := range rows {
		row := buf[r*rowBytes : (r+1)*rowBytes]
		switch im.predictor {
		case 2:
			im.undoHorizontal(row)
		case 3:
			undoFloat(row, bpp)
		}
	}
	return buf, nil
}

// undoHorizontal reverses TIFF predictor 2: each sample, as an integer of
// its width in the file's byte order, is the difference from the previous
// one (libtiff applies it to the bit patterns of float samples too).
func (im *Image) undoHorizontal(row []byte) {
	o := im.order
	switch im.bits {
	case 8:
		for i := 1; i < len(row); i++ {
			row[i] += row[i-1]
		}
	case 16:
		for i := 2; i < len(row); i += 2 {
			o.PutUint16(row[i:], o.Uint16(row[i:])+o.Uint16(row[i-2:]))
		}
	case 32:
		for i := 4; i < len(row); i += 4 {
			o.PutUint32(row[i:], o.Uint32(row[i:])+o.Uint32(row[i-4:]))
		}
	case 64:
		for i := 8; i < len(row); i += 8 {
			o.PutUint64(row[i:], o.Uint64(row[i:])+o.Uint64(row[i-8:]))
		}
	}
}

// undoFloat reverses TIFF predictor 3 (Adobe TIFF Technical Note 3): the
// row's bytes are differenced, and were split into planes, most significant
// byte of every sample first. It leaves the samples big-endian; sample()
// reads them so.
func undoFloat(row []byte, bpp int) {
	for i := 1; i < len(row); i++ {
		row[i] += row[i-1]
	}
	n := len(row) / bpp
	tmp := make([]byte, len(row))
	copy(tmp, row)
	for i := range n {
		for b := range bpp {
			row[i*bpp+b] = tmp[b*n+i]
		}
	}
}

// sample decodes one sample at the start of b.
func (im *Image) sample(b []byte) float64 {
	o := im.order
	if im.predictor == 3 {
		o = binary.BigEndian
	}
	switch im.format {
	case 3:
		if im.bits == 32 {
			return float64(math.Float32frombits(o.Uint32(b)))
		}
		return math.Float64frombits(o.Uint64(b))
	case 2:
		switch im.bits {
		case 8:
			return float64(int8(b[0]))
		case 16:
			return float64(int16(o.Uint16(b)))
		case 32:
			return float64(int32(o.Uint32(b)))
		default:
			return float64(int64(o.Uint64(b)))
		}
	default:
		switch im.bits {
		case 8:
			return float64(b[0])
		case 16:
			return float64(o.Uint16(b))
		case 32:
			return float64(o.Uint32(b))
		default:
			return float64(o.Uint64(b))
		}
	}
}
