package batch

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
	"github.com/uber/h3-go/v4"
)

// coverageInput is coverage.Input without the graph, as the plan stores it.
type coverageInput struct {
	Standard *standard.Standard
	Res      int
	Cells    []h3.Cell
	Pop      []float64
	CellUnit []int32
	Zone     []bool
	Units    []coverage.Unit
	Bases    []coverage.Base
	BaseUnit []int32
	Busy     *coverage.BusyInput // per base: given fraction, NaN to derive (nil: no busy teams)
}

func toInput(ci coverage.Input) coverageInput {
	return coverageInput{Standard: ci.Standard, Res: ci.Res, Cells: ci.Cells, Pop: ci.Pop, CellUnit: ci.CellUnit,
		Zone: ci.Zone, Units: ci.Units, Bases: ci.Bases, BaseUnit: ci.BaseUnit, Busy: ci.Busy}
}

func (c coverageInput) input(g *graph.Graph, workers int) coverage.Input {
	return coverage.Input{Graph: g, Standard: c.Standard, Res: c.Res, Cells: c.Cells, Pop: c.Pop, CellUnit: c.CellUnit,
		Zone: c.Zone, Units: c.Units, Bases: c.Bases, BaseUnit: c.BaseUnit, Workers: workers, Busy: c.Busy}
}

// unitsUnit is units.Unit as the plan stores it (the units table needs the
// boundaries at merge).
type unitsUnit struct {
	ID, Name, Code string
	Geom           orb.MultiPolygon
	Props          map[string]string
	Origin         string
}

func fromUnit(u units.Unit) unitsUnit {
	return unitsUnit{ID: u.ID, Name: u.Name, Code: u.Code, Geom: u.Geom, Props: u.Props, Origin: u.Origin}
}

func (u unitsUnit) unit() units.Unit {
	return units.Unit{ID: u.ID, Name: u.Name, Code: u.Code, Geom: u.Geom, Props: u.Props, Origin: u.Origin}
}

// writeGob writes v to path atomically: a reader sees the whole file or none.
func writeGob(path string, v any) error {
	return atomicfile.Write(path, func(w io.Writer) error { return gob.NewEncoder(w).Encode(v) })
}

func readGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrIncomplete, path)
		}
		return err
	}
	defer f.Close()
	if err := gob.NewDecoder(f).Decode(v); err != nil {
		return fmt.Errorf("batch: read %s: %w", path, err)
	}
	return nil
}
