package raster_test

import (
	"bufio"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/data/raster"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

func wuhan(tb testing.TB) string {
	tb.Helper()
	return shared.Path(tb, "data", "china-wuhan", "wuhan_worldpop_age20plus_100m.tif")
}

func open(tb testing.TB, path string) *raster.Image {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	im, err := raster.Open(f, fi.Size())
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	return im
}

// The Wuhan WorldPop raster (SOURCE.md): 1,662 × 1,668 float32 pixels of
// 0.000833333°, nodata -1, 9,491,334 persons in 494,676 non-zero pixels,
// largest 179.9.
func TestWuhanWhole(t *testing.T) {
	t.Parallel()
	im := open(t, wuhan(t))
	if im.Width != 1662 || im.Height != 1668 || !im.HasNoData || im.NoData != -1 || im.EPSG != 4326 {
		t.Fatalf("header = %d × %d, nodata %v (%v), EPSG %d; want 1662 × 1668, nodata -1, EPSG 4326", im.Width, im.Height, im.NoData, im.HasNoData, im.EPSG)
	}
	if d := math.Abs(im.Origin[0]-113.692083) + math.Abs(im.Origin[1]-31.362083); d > 1e-6 {
		t.Errorf("origin = %v, want 113.692083, 31.362083", im.Origin)
	}
	v, err := im.Read(raster.Window{X1: im.Width, Y1: im.Height})
	if err != nil {
		t.Fatal(err)
	}
	var total, largest float64
	nonzero := 0
	for _, x := range v {
		if x > 0 {
			total += x
			nonzero++
			largest = max(largest, x)
		}
	}
	if math.Round(total) != 9491334 || nonzero != 494676 || math.Abs(largest-179.9) > 0.05 {
		t.Errorf("total %.1f in %d non-zero pixels, largest %.2f; want 9,491,334 in 494,676, largest 179.9", total, nonzero, largest)
	}
}

// gdalWindow runs GDAL's gdal_translate on a window and returns its values
// (XYZ output, row by row from the north, as Read returns them).
func gdalWindow(tb testing.TB, path string, w raster.Window) []float64 {
	tb.Helper()
	testenv.Program(tb, "gdal_translate", "GDAL: install Debian's gdal-bin (`make tiles-deps` does)")
	out := filepath.Join(tb.TempDir(), "w.xyz")
	cmd := exec.Command("gdal_translate", "-q", "-srcwin", strconv.Itoa(w.X0), strconv.Itoa(w.Y0), strconv.Itoa(w.X1-w.X0), strconv.Itoa(w.Y1-w.Y0),
		"-of", "XYZ", "-co", "DECIMAL_PRECISION=10", path, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("gdal_translate: %v: %s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var vals []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		v, err := strconv.ParseFloat(fs[2], 64)
		if err != nil {
			tb.Fatal(err)
		}
		vals = append(vals, v)
	}
	return vals
}

// gdalConvert rewrites src with gdal_translate and creation options.
func gdalConvert(tb testing.TB, src string, args ...string) string {
	tb.Helper()
	testenv.Program(tb, "gdal_translate", "GDAL: install Debian's gdal-bin (`make tiles-deps` does)")
	dst := filepath.Join(tb.TempDir(), "out.tif")
	cmd := exec.Command("gdal_translate", append(append([]string{"-q"}, args...), src, dst)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("gdal_translate %v: %v: %s", args, err, b)
	}
	return dst
}

// The same windows decoded by GDAL and by this reader agree pixel for pixel,
// for the file as given (strips, Deflate, predictor 2 on float32) and for
// GDAL's rewrites of it as a Cloud-Optimized GeoTIFF (tiles, predictor 3),
// LZW strips, BigTIFF, big-endian, uncompressed, and Int32 samples.
func TestAgainstGDAL(t *testing.T) {
	t.Parallel()
	testenv.Program(t, "gdal_translate", "GDAL: install Debian's gdal-bin (`make tiles-deps` does)")
	src := wuhan(t)
	variants := []struct {
		name string
		args []string
	}{
		{"as given", nil},
		{"COG deflate predictor 3", []string{"-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=YES", "-co", "BLOCKSIZE=256", "-co", "OVERVIEWS=NONE"}},
		{"LZW predictor 2 tiled", []string{"-co", "COMPRESS=LZW", "-co", "PREDICTOR=2", "-co", "TILED=YES", "-co", "BLOCKXSIZE=128", "-co", "BLOCKYSIZE=64"}},
		{"BigTIFF big-endian none", []string{"-co", "BIGTIFF=YES", "-co", "ENDIANNESS=BIG", "-co", "COMPRESS=NONE"}},
		{"Int32 deflate strips", []string{"-ot", "Int32", "-scale", "0", "200", "0", "200000", "-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=2", "-co", "BLOCKYSIZE=7"}},
	}
	windows := []raster.Window{{X0: 790, Y0: 780, X1: 1010, Y1: 905}, {X0: 0, Y0: 1600, X1: 300, Y1: 1668}, {X0: 1500, Y0: 0, X1: 1662, Y1: 40}}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			path := src
			if v.args != nil {
				path = gdalConvert(t, src, v.args...)
			}
			im := open(t, path)
			for _, w := range windows {
				got, err := im.Read(w)
				if err != nil {
					t.Fatalf("Read(%+v): %v", w, err)
				}
				want := gdalWindow(t, path, w)
				if len(got) != len(want) {
					t.Fatalf("Read(%+v) = %d values, GDAL %d", w, len(got), len(want))
				}
				bad := 0
				for i := range got {
					g, wv := got[i], want[i]
					if im.HasNoData && wv == im.NoData {
						wv = math.NaN()
					}
					same := (math.IsNaN(g) && math.IsNaN(wv)) || math.Abs(g-wv) <= 1e-6*math.Max(1, math.Abs(wv))
					if !same {
						if bad < 3 {
							t.Errorf("window %+v pixel %d: got %v, GDAL %v", w, i, g, wv)
						}
						bad++
					}
				}
				if bad > 0 {
					t.Errorf("window %+v: %d of %d pixels differ from GDAL", w, bad, len(got))
				}
			}
		})
	}
}

// A window of a tiled COG reads only the tiles it overlaps.
func TestWindowReadsOnlyItsTiles(t *testing.T) {
	t.Parallel()
	path := gdalConvert(t, wuhan(t), "-of", "COG", "-co", "COMPRESS=DEFLATE", "-co", "BLOCKSIZE=256", "-co", "OVERVIEWS=NONE")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	im := open(t, path)
	// Central Wuhan, about 11 × 9 km: within one or four 256-pixel tiles.
	w := im.WindowOf(orb.Bound{Min: orb.Point{114.25, 30.55}, Max: orb.Point{114.36, 30.63}})
	if _, err := im.Read(w); err != nil {
		t.Fatal(err)
	}
	tiles := (w.X1-1)/256 - w.X0/256 + 1
	tiles *= (w.Y1-1)/256 - w.Y0/256 + 1
	if got := im.BlocksRead(); got != tiles || im.BytesRead() > fi.Size()/4 {
		t.Errorf("reading a %d × %d window decoded %d tiles (%d of %d bytes); want the %d it overlaps of 49", w.X1-w.X0, w.Y1-w.Y0, got, im.BytesRead(), fi.Size(), tiles)
	}
	t.Logf("window %+v: %d of %d bytes read", w, im.BytesRead(), fi.Size())
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	proj := gdalConvert(t, wuhan(t), "-a_srs", "EPSG:32650", "-a_ullr", "500000", "3470000", "638000", "3331000")
	f, err := os.Open(proj)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	if _, err := raster.Open(f, fi.Size()); !errors.Is(err, raster.ErrProjected) || !strings.Contains(err.Error(), "32650") {
		t.Errorf("Open(UTM 50N raster) = %v, want ErrProjected naming EPSG:32650", err)
	}
	if _, err := raster.Open(strings.NewReader("not a tiff at all"), 17); !errors.Is(err, raster.ErrNotTIFF) {
		t.Errorf("Open(text) = %v, want ErrNotTIFF", err)
	}
}
