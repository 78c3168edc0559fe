package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadiusM is the mean Earth radius in metres (IUGG R1 = 6,371,008.8 m),
// the radius the reference speed model uses for haversine segment lengths.
const EarthRadiusM = 6371008.8

const degToRad = math.Pi / 180

// Haversine returns the great-circle distance in metres between a and b
// ([lon, lat] degrees) on a sphere of radius EarthRadiusM. It is the exact
// formula of the road-graph contract (shared/reference/SPEED_MODEL.md §5):
// d = 2R·asin(min(1, √h)).
func Haversine(a, b orb.Point) float64 {
	phi1 := a[1] * degToRad
	phi2 := b[1] * degToRad
	dphi := phi2 - phi1
	// λ2·k − λ1·k, not (λ2 − λ1)·k: the reference tools convert each
	// longitude first, and matching that keeps edge times bit-identical.
	dlam := b[0]*degToRad - a[0]*degToRad
	s1 := math.Sin(dphi / 2)
	s2 := math.Sin(dlam / 2)
	h := s1*s1 + math.Cos(phi1)*math.Cos(phi2)*s2*s2
	return 2 * EarthRadiusM * math.Asin(math.Min(1, math.Sqrt(h)))
}

// LocalProjection maps [lon, lat] degrees to planar metres with an
// equirectangular projection centred on a reference latitude. Within a few
// kilometres of that latitude its distances agree with Haversine to better
// than 0.1 %, which is what snapping needs; it is not for areas or long lines.
// The zero value is not usable; build one with NewLocalProjection.
type LocalProjection struct {
	kx, ky float64 // metres per degree of longitude and latitude
}

// NewLocalProjection returns the projection centred on latitude latDeg.
func NewLocalProjection(latDeg float64) LocalProjection {
	ky := EarthRadiusM * degToRad
	return LocalProjection{kx: ky * math.Cos(latDeg*degToRad), ky: ky}
}

// Project returns p in metres (x east, y north) from the meridian 0 and the equator.
func (lp LocalProjection) Project(p orb.Point) (x, y float64) {
	return p[0] * lp.kx, p[1] * lp.ky
}
