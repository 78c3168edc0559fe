package coordsys_test

import (
	"fmt"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

// A shelter geocoded with Amap (GCJ-02), brought to WGS-84 for the road
// graph, and back for an Amap base map.
func ExampleGCJ02ToWGS84() {
	amap := orb.Point{113.93161, 22.53327}
	wgs := coordsys.GCJ02ToWGS84(amap)
	back := coordsys.WGS84ToGCJ02(wgs)
	fmt.Printf("%.6f %.6f\n", wgs[0], wgs[1])
	fmt.Printf("%.6f %.6f\n", back[0], back[1])
	// Output:
	// 113.926748 22.536310
	// 113.931610 22.533270
}

func ExampleParse() {
	s, err := coordsys.Parse("GCJ-02")
	fmt.Println(s, err)
	_, err = coordsys.Parse("utm50n")
	fmt.Println(err)
	// Output:
	// gcj02 <nil>
	// coordsys: unknown coordinate system "utm50n" (want wgs84, gcj02 or bd09)
}
