package facility

import (
	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

// PointsToWGS84 converts points read in system sys (GCJ-02 or BD-09) to
// WGS-84 in place; for WGS-84 it does nothing.
func PointsToWGS84(sys coordsys.System, pts []Point) {
	if sys == coordsys.WGS84 {
		return
	}
	for i := range pts {
		pts[i].Loc = coordsys.ToWGS84(sys, pts[i].Loc)
	}
}

// SheltersToWGS84 is PointsToWGS84 for shelters.
func SheltersToWGS84(sys coordsys.System, list []Shelter) {
	if sys == coordsys.WGS84 {
		return
	}
	for i := range list {
		list[i].Loc = coordsys.ToWGS84(sys, list[i].Loc)
	}
}

// DepotsToWGS84 is PointsToWGS84 for depots.
func DepotsToWGS84(sys coordsys.System, list []Depot) {
	if sys == coordsys.WGS84 {
		return
	}
	for i := range list {
		list[i].Loc = coordsys.ToWGS84(sys, list[i].Loc)
	}
}

// SitesToWGS84 converts candidate sites (points and areas) read in system
// sys to WGS-84 in place.
func SitesToWGS84(sys coordsys.System, sites []Site) {
	if sys == coordsys.WGS84 {
		return
	}
	for i := range sites {
		if sites[i].Area != nil {
			sites[i].Area = coordsys.Geometry(sys, coordsys.WGS84, sites[i].Area).(orb.MultiPolygon)
		} else {
			sites[i].Loc = coordsys.ToWGS84(sys, sites[i].Loc)
		}
	}
}
