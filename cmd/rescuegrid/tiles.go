package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

const tilesHelp = `
Export a study's vector tile layers to PMTiles archives (version 3) for
static hosting: one archive per layer, each tile a gzip-compressed Mapbox
Vector Tile, the same tiles 'rescuegrid serve' gives at
/tiles/{layer}/{z}/{x}/{y}.mvt. Layers: cells (travel time per H3 cell,
aggregated to parent cells at low zoom), isochrones, bases, units, gaps,
and basemap (roads, water, landuse, buildings and places from the study's
OSM extract, or its road graph: several MVT layers in one archive).

Usage:
  rescuegrid tiles export STUDY.yaml --out DIR [--layer cells,units] [--min-zoom 0] [--max-zoom 14]

Example:
  rescuegrid tiles export data/sample/andorra/study.yaml --out out/tiles
`

func runTiles(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(e.stdout, strings.TrimLeft(tilesHelp, "\n"))
			return nil
		}
		fmt.Fprint(e.stdout, strings.TrimLeft(tilesHelp, "\n"))
		return usageErr("tiles: want the subcommand export")
	}
	return tilesExport(ctx, args[1:], e)
}

func tilesExport(ctx context.Context, args []string, e *env) error {
	fs := newFlags("tiles export", tilesHelp, e)
	out := fs.String("out", "", "folder for the .pmtiles archives")
	layerList := fs.String("layer", "", "layers to export, comma-separated (default: every layer of the study: "+strings.Join(tiles.LayerNames(), ",")+", and shelters,depots when it has them)")
	minZoom := fs.Int("min-zoom", 0, "lowest zoom")
	maxZoom := fs.Int("max-zoom", 14, "highest zoom")
	force := fs.Bool("force", false, "replace --out even if another rescuegrid command wrote it (never a folder rescuegrid did not write)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErr("tiles export: want one study file and --out (run 'rescuegrid tiles --help')")
	}
	if *minZoom < 0 || *maxZoom > 22 || *minZoom > *maxZoom {
		return usageErr("tiles export: zooms %d..%d: want 0 <= min <= max <= 22", *minZoom, *maxZoom)
	}
	if err := outdir.Check(*out, "tiles export", outdir.Options{Force: *force}); err != nil {
		return err
	}
	st, err := study.Load(pos[0])
	if err != nil {
		return err
	}
	in, err := study.Read(ctx, st, study.Options{Generator: "rescuegrid " + versionString(), Basemap: true})
	if err != nil {
		return err
	}
	res, err := coverage.Compute(ctx, in.Coverage)
	if err != nil {
		return err
	}
	var sres *shelter.Result
	if in.Shelter != nil {
		if sres, err = shelter.Compute(ctx, *in.Shelter); err != nil {
			return fmt.Errorf("study %s: shelters: %w", pos[0], err)
		}
	}
	bm, err := study.Basemap(ctx, in)
	if err != nil {
		return err
	}
	ti := study.TileInput(in, res, sres)
	ti.Basemap = bm
	times, err := study.ComputeTimes(ctx, in)
	if err != nil {
		return fmt.Errorf("study %s: %w", pos[0], err)
	}
	ti.Times = study.TileTimes(times)
	set, err := tiles.NewSet(ti, tiles.Options{})
	if err != nil {
		return err
	}
	layers := set.Layers()
	if *layerList != "" {
		layers = strings.Split(*layerList, ",")
	}
	return outdir.Write(ctx, *out, studyManifest("tiles export", st), outdir.Options{Force: *force}, func(dir string) error {
		for _, layer := range layers {
			layer = strings.TrimSpace(layer)
			t0 := time.Now()
			name := layer + ".pmtiles"
			if err := set.WritePMTiles(ctx, filepath.Join(dir, name), layer, *minZoom, *maxZoom); err != nil {
				return fmt.Errorf("tiles export %s: %w", layer, err)
			}
			e.infof("%s", e.lang.T("tiles.wrote", "file", filepath.Join(*out, name), "secs", fmt.Sprintf("%.2f", time.Since(t0).Seconds())))
		}
		return nil
	})
}
