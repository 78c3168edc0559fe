package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/isochrone"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/limits"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/uber/h3-go/v4"
)

const isochroneHelp = `
The areas a team starting at a point reaches within each time limit: the H3
cells whose road nodes are reached, dissolved into polygons (with holes where
the network is not reached in time). One bounded search. Output: a GeoJSON
FeatureCollection, one feature per limit (properties minutes, cells,
area_km2), largest first so smaller bands draw on top.

Usage:
  rescuegrid isochrone --graph FILE.rgraph --lon X --lat Y [--minutes 5,10,15]
                       [--res 9] [--out FILE.geojson]

Example (from La Massana's fire station, Andorra):
  rescuegrid isochrone --graph andorra.rgraph --lon 1.5199 --lat 42.5458 \
      --minutes 5,10,15 --out massana.geojson
`

func isochroneCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("isochrone", isochroneHelp, e)
	graphPath := fs.String("graph", "", "graph file from 'network build'")
	lon := fs.Float64("lon", math.NaN(), "longitude of the start, degrees")
	lat := fs.Float64("lat", math.NaN(), "latitude of the start, degrees")
	minutesFlag := fs.String("minutes", "5,10,15", "time limits in minutes, comma-separated, increasing")
	res := fs.Int("res", 9, "H3 resolution of the cells (0-15)")
	out := fs.String("out", "-", "GeoJSON file to write, or - for standard output")
	snapM := fs.Float64("snap-distance", graph.DefaultSnapDistanceM, "farthest distance in metres from the point to its road")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("isochrone: unexpected argument %q", pos[0])
	}
	if *graphPath == "" || math.IsNaN(*lon) || math.IsNaN(*lat) {
		return usageErr("isochrone: --graph, --lon and --lat are required (run 'rescuegrid isochrone --help')")
	}
	if math.Abs(*lon) > 180 || math.Abs(*lat) > 90 {
		return usageErr("isochrone: --lon %v --lat %v is not a location", *lon, *lat)
	}
	var minutes []float64
	for _, f := range strings.Split(*minutesFlag, ",") {
		m, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return usageErr("isochrone: --minutes %q: %q is not a number", *minutesFlag, f)
		}
		minutes = append(minutes, m)
	}
	if err := checkOutFile(*out); err != nil {
		return err
	}
	if err := limits.RegularFile(*graphPath); err != nil {
		return fmt.Errorf("isochrone: --graph %w", err)
	}
	g, err := graph.Open(*graphPath, graph.OpenOptions{})
	if err != nil {
		return err
	}
	t0 := time.Now()
	bands, sn, err := isochrone.FromPoint(ctx, route.NewSearch(g), orb.Point{*lon, *lat}, minutes,
		isochrone.Options{Res: *res, Snap: graph.SnapOptions{MaxDistanceM: *snapM}})
	if err != nil {
		return fmt.Errorf("isochrone: %w", err)
	}
	took := time.Since(t0)
	fc := geojson.NewFeatureCollection()
	for j := len(bands) - 1; j >= 0; j-- {
		b := bands[j]
		f := geojson.NewFeature(b.Geom)
		f.Properties["minutes"] = b.Minutes
		f.Properties["cells"] = len(b.Cells)
		f.Properties["area_km2"] = math.Round(areaKm2(b)*1000) / 1000
		fc.Append(f)
	}
	data, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	data = append(data, '\n')
	write := func(w io.Writer) error { _, err := w.Write(data); return err }
	if *out == "-" {
		err = write(e.stdout)
	} else {
		err = outdir.WriteFile(ctx, *out, write)
	}
	if err != nil {
		return err
	}
	e.infof("%s", e.lang.T("isochrone.done", "lon", fmt.Sprintf("%.6f", *lon), "lat", fmt.Sprintf("%.6f", *lat), "m", fmt.Sprintf("%.0f", sn.DistanceM),
		"bands", len(bands), "ms", fmt.Sprintf("%.1f", float64(took.Microseconds())/1000)))
	return nil
}

// areaKm2 adds up the cells' areas.
func areaKm2(b isochrone.Band) float64 {
	var a float64
	for _, c := range b.Cells {
		if k, err := h3.CellAreaKm2(c); err == nil {
			a += k
		}
	}
	return a
}
