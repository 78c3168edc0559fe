package geo_test

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
)

func ExampleHaversine() {
	valletta := orb.Point{14.5146, 35.8989}
	mdina := orb.Point{14.4031, 35.8859}
	fmt.Printf("%.0f m\n", geo.Haversine(valletta, mdina))
	// Output: 10148 m
}

func ExampleCellOf() {
	c, _ := geo.CellOf(orb.Point{-51.2300, -30.0300}, 9)
	fmt.Println(c, c.Resolution())
	// Output: 89a901288cfffff 9
}
