package geo_test

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

func TestCellRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []orb.Point{{-51.2, -30.05}, {1.52, 42.54}, {14.5, 35.9}, {120.23, 29.71}} {
		for res := geo.MinRes; res <= geo.MaxRes; res++ {
			c, err := geo.CellOf(p, res)
			if err != nil {
				t.Fatal(err)
			}
			ctr, err := geo.CellCenter(c)
			if err != nil {
				t.Fatal(err)
			}
			back, err := geo.CellOf(ctr, res)
			if err != nil || back != c {
				t.Errorf("CellOf(CellCenter(%v)) = %v, %v; want %v", c, back, err, c)
			}
			s, err := geo.ParseCell(c.String())
			if err != nil || s != c {
				t.Errorf("ParseCell(%q) = %v, %v", c.String(), s, err)
			}
		}
	}
	// The Porto Alegre grid's first cell, from poa_hexgrid.csv.
	c, err := geo.ParseCell("89a901291abffff")
	if err != nil || c.Resolution() != 9 {
		t.Errorf("ParseCell(89a901291abffff) = %v, %v, want a resolution-9 cell", c, err)
	}
}

func TestCellErrors(t *testing.T) {
	t.Parallel()
	if _, err := geo.CellOf(orb.Point{200, 0}, 9); err == nil {
		t.Error("CellOf(lon 200) gave no error")
	}
	if _, err := geo.CellOf(orb.Point{0, 0}, 16); err == nil {
		t.Error("CellOf(res 16) gave no error")
	}
	if _, err := geo.ParseCell("zzz"); err == nil {
		t.Error(`ParseCell("zzz") gave no error`)
	}
	if err := geo.CheckRes(6); err == nil {
		t.Error("CheckRes(6) gave no error")
	}
}

// TestCellsToMultiPolygonHole dissolves a ring of cells around a missing
// centre: one polygon with one hole, whose area is the ring's.
func TestCellsToMultiPolygonHole(t *testing.T) {
	t.Parallel()
	centre, _ := geo.CellOf(orb.Point{1.52, 42.54}, 9)
	disk, err := centre.GridDisk(2)
	if err != nil {
		t.Fatal(err)
	}
	var ring []h3.Cell
	for _, c := range disk {
		if c != centre {
			ring = append(ring, c)
		}
	}
	mp, err := geo.CellsToMultiPolygon(ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(mp) != 1 || len(mp[0]) != 2 {
		t.Fatalf("dissolved ring = %d polygons, first with %d rings; want 1 polygon with a hole", len(mp), len(mp[0]))
	}
	if mp[0][0].Orientation() != orb.CCW || mp[0][1].Orientation() != orb.CW {
		t.Errorf("orientations = %v, %v; want CCW exterior, CW hole", mp[0][0].Orientation(), mp[0][1].Orientation())
	}
	var cellsArea float64
	for _, c := range ring {
		p, _ := geo.CellPolygon(c)
		cellsArea += planar.Area(p)
	}
	if got := planar.Area(mp); math.Abs(got-cellsArea)/cellsArea > 1e-9 {
		t.Errorf("dissolved area %.12g, cells %.12g", got, cellsArea)
	}
	// Back to cells: the polygon's cells are the ring's 18, not the hole.
	cells, err := geo.PolygonCells(mp[0], 9)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 18 {
		t.Errorf("PolygonCells(dissolved ring) = %d cells, want 18", len(cells))
	}
}
