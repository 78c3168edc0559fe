package coordsys

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// A System is a geographic coordinate system of lon/lat degrees.
type System uint8

// The systems. The zero value is WGS84, the default of every input.
const (
	WGS84 System = iota // WGS-84 (EPSG:4326): GPS, OpenStreetMap, Tianditu
	GCJ02               // GCJ-02: Amap/高德, Tencent, most Chinese geocoders
	BD09                // BD-09: Baidu
)

// ErrUnknown is returned by Parse for a name that is no system.
var ErrUnknown = errors.New("coordsys: unknown coordinate system")

// Names lists the names Parse accepts for each system, first the canonical
// one (the one String returns and outputs record).
var Names = [...][]string{
	WGS84: {"wgs84", "wgs-84", "epsg:4326", "cgcs2000"},
	GCJ02: {"gcj02", "gcj-02", "amap", "mars"},
	BD09:  {"bd09", "bd-09", "baidu"},
}

// String returns the canonical name: "wgs84", "gcj02" or "bd09".
func (s System) String() string {
	if int(s) < len(Names) {
		return Names[s][0]
	}
	return fmt.Sprintf("coordsys.System(%d)", s)
}

// Parse reads a system name, case-insensitively; "" is WGS84. An unknown
// name is an error wrapping ErrUnknown that lists the accepted names.
func Parse(name string) (System, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		return WGS84, nil
	}
	for s, names := range Names {
		for _, v := range names {
			if n == v {
				return System(s), nil
			}
		}
	}
	return WGS84, fmt.Errorf("%w %q (want wgs84, gcj02 or bd09)", ErrUnknown, name)
}

// The convention's rectangle of "China" (see the package doc).
const (
	minLon = 72.004
	maxLon = 137.8347
	minLat = 0.8293
	maxLat = 55.8271
)

// InChina reports whether p lies inside the rectangle where the GCJ-02 and
// BD-09 offsets apply.
func InChina(p orb.Point) bool {
	return p[0] >= minLon && p[0] <= maxLon && p[1] >= minLat && p[1] <= maxLat
}

// Constants of the GCJ-02 formulas, as every implementation copies them:
// the semi-major axis (m) and first eccentricity squared of the Krasovsky
// 1940 ellipsoid.
const (
	krasovskyA  = 6378245.0
	krasovskyE2 = 0.00669342162296594323
	bdXPi       = math.Pi * 3000.0 / 180.0
)

func transformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func transformLon(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// gcjShift is the GCJ-02 forward formula without the China test.
func gcjShift(p orb.Point) orb.Point {
	lon, lat := p[0], p[1]
	dLat := transformLat(lon-105.0, lat-35.0)
	dLon := transformLon(lon-105.0, lat-35.0)
	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyE2*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyE2)) / (magic * sqrtMagic) * math.Pi)
	dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{lon + dLon, lat + dLat}
}

// bdShift is the BD-09 forward formula (from GCJ-02) without the China test.
func bdShift(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// bdUnshift is the usual closed-form approximate inverse of bdShift, the
// starting point of the iteration.
func bdUnshift(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}

// Tolerance of the inverse iteration, in degrees: the forward image of the
// answer is this close to the input (1e-10° is about 0.01 mm).
const inverseTolDeg = 1e-10

// maxIterations bounds the fixed-point loop; it converges in 3–6 steps
// because both offsets change by less than 1e-3 of a degree per degree.
const maxIterations = 30

// invert solves fwd(x) = target by x ← x − (fwd(x) − target), from start.
func invert(fwd func(orb.Point) orb.Point, target, start orb.Point) orb.Point {
	x := start
	for range maxIterations {
		f := fwd(x)
		dx, dy := f[0]-target[0], f[1]-target[1]
		x = orb.Point{x[0] - dx, x[1] - dy}
		if math.Abs(dx) < inverseTolDeg && math.Abs(dy) < inverseTolDeg {
			break
		}
	}
	return x
}

// WGS84ToGCJ02 moves a WGS-84 point to GCJ-02 (the forward formula);
// outside China it returns p.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return gcjShift(p)
}

// GCJ02ToWGS84 returns the WGS-84 point whose GCJ-02 image is p, to within
// 1e-10 degrees; outside China it returns p.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	// The offset at p is a good first step: start from p − (shift(p) − p).
	s := gcjShift(p)
	return invert(gcjShift, p, orb.Point{2*p[0] - s[0], 2*p[1] - s[1]})
}

// GCJ02ToBD09 moves a GCJ-02 point to BD-09; outside China it returns p.
func GCJ02ToBD09(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return bdShift(p)
}

// BD09ToGCJ02 returns the GCJ-02 point whose BD-09 image is p, to within
// 1e-10 degrees; outside China it returns p.
func BD09ToGCJ02(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return invert(bdShift, p, bdUnshift(p))
}

// WGS84ToBD09 is GCJ02ToBD09(WGS84ToGCJ02(p)).
func WGS84ToBD09(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return bdShift(gcjShift(p))
}

// BD09ToWGS84 is GCJ02ToWGS84(BD09ToGCJ02(p)).
func BD09ToWGS84(p orb.Point) orb.Point {
	if !InChina(p) {
		return p
	}
	return GCJ02ToWGS84(BD09ToGCJ02(p))
}

// ToWGS84 converts p from system s to WGS-84.
func ToWGS84(s System, p orb.Point) orb.Point {
	switch s {
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return BD09ToWGS84(p)
	default:
		return p
	}
}

// FromWGS84 converts a WGS-84 point p to system s.
func FromWGS84(s System, p orb.Point) orb.Point {
	switch s {
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return WGS84ToBD09(p)
	default:
		return p
	}
}

// Point converts p from system from to system to.
func Point(from, to System, p orb.Point) orb.Point {
	if from == to {
		return p
	}
	return FromWGS84(to, ToWGS84(from, p))
}
