package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/csvio"
	"github.com/rescuegrid/rescuegrid/data/facility"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/limits"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
)

const reachHelp = `
Travel time from the nearest source to every routable OSM node, with the
source that is nearest: one multi-source search over the whole graph.

Sources are CSV with id,lon,lat columns (other columns are kept) or GeoJSON
points (polygons count at their centroid). Each source is placed on the
nearest point of the nearest road that belongs to a large strongly connected
part of the network (so never into a one-way trap), with the partial edge
time counted. A source farther than --snap-distance from such a road is
reported and left out. A source with an osm_node_id column (or property) is
pinned to that graph node instead, as the reference answers are.
Coordinates are WGS-84 unless --crs says gcj02 (Amap, Tencent) or bd09
(Baidu): those are converted to WGS-84 on reading.

The search runs Dijkstra while the limit is short and sweeps the graph's
contraction hierarchy (PHAST) once it would reach an eighth of the graph
(--method auto); both give the same times to within 1e-9 s. --method
dijkstra gives the coverage study's own sums, bit for bit.

Output: osm_id,seconds,source_id for every reached node, sorted by osm_id:
CSV (seconds print as the shortest decimal that reads back to the same
float64), or by the --out extension an Arrow IPC file (.arrow), an Arrow
IPC stream (.arrows) or Parquet (.parquet), written in record batches of
65,536 rows so the table is never held twice.

Usage:
  rescuegrid reach --graph FILE.rgraph --sources FILE.csv|FILE.geojson
                   [--max-minutes M] [--crs wgs84|gcj02|bd09]
                   [--method auto|dijkstra|phast] --out FILE.csv

Example:
  rescuegrid reach --graph andorra.rgraph \
      --sources data/sample/andorra/fire_stations.csv --max-minutes 15 --out reach.csv
`

func reach(ctx context.Context, args []string, e *env) error {
	fs := newFlags("reach", reachHelp, e)
	graphPath := fs.String("graph", "", "graph file from 'network build'")
	sourcesPath := fs.String("sources", "", "sources: CSV (id,lon,lat) or GeoJSON points")
	maxMinutes := fs.Float64("max-minutes", 0, "stop at this travel time in minutes (0: no limit)")
	out := fs.String("out", "", "file to write: .csv, .arrow, .arrows or .parquet, or - for CSV on standard output")
	snapM := fs.Float64("snap-distance", graph.DefaultSnapDistanceM, "farthest distance in metres from a source to its road")
	crs := fs.String("crs", "wgs84", "coordinate system of --sources: wgs84, gcj02 (Amap, Tencent) or bd09 (Baidu)")
	minComp := fs.Int("min-component", graph.DefaultMinComponent, "smallest strongly connected part (nodes) a source may snap into; the largest always qualifies")
	methodName := fs.String("method", "auto", "how to search: auto (Dijkstra for a short limit, the hierarchy's sweep once it would reach an eighth of the graph), dijkstra (node by node: a coverage study's sums, bit for bit) or phast (sweep the hierarchy)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("reach: unexpected argument %q", pos[0])
	}
	if *graphPath == "" || *sourcesPath == "" || *out == "" {
		return usageErr("reach: --graph, --sources and --out are required (run 'rescuegrid reach --help')")
	}
	if *maxMinutes < 0 || math.IsNaN(*maxMinutes) || math.IsInf(*maxMinutes, 0) {
		return usageErr("reach: --max-minutes %v must be a number >= 0", *maxMinutes)
	}
	if *snapM <= 0 {
		return usageErr("reach: --snap-distance %v must be > 0", *snapM)
	}
	methods := map[string]route.Method{"auto": route.Auto, "dijkstra": route.Dijkstra, "phast": route.PHAST}
	method, ok := methods[*methodName]
	if !ok {
		return usageErr("reach: --method %q: want auto, dijkstra or phast", *methodName)
	}
	sys, err := coordsys.Parse(*crs)
	if err != nil {
		return usageErr("reach: --crs: %v", err)
	}
	if err := checkOutFile(*out); err != nil {
		return err
	}
	if err := limits.RegularFile(*graphPath); err != nil {
		return fmt.Errorf("reach: --graph %w", err)
	}
	g, err := graph.Open(*graphPath, graph.OpenOptions{})
	if err != nil {
		return err
	}
	pts, err := facility.ReadPoints(*sourcesPath)
	if err != nil {
		return err
	}
	facility.PointsToWGS84(sys, pts)
	seeds, placed := placeSources(g, pts, graph.SnapOptions{MaxDistanceM: *snapM, MinComponent: *minComp}, *sourcesPath, e)
	if placed == 0 {
		return fmt.Errorf("reach: none of the %d sources in %s could be placed on the graph %s", len(pts), *sourcesPath, *graphPath)
	}
	t0 := time.Now()
	s := route.NewSearch(g)
	s.FillWorkers = runtime.GOMAXPROCS(0)
	lim := graph.Seconds(*maxMinutes * 60)
	if method == route.Auto {
		method = route.WideMethod(g, lim)
	}
	if err := s.Run(ctx, seeds, route.Options{Limit: lim, Method: method}); err != nil {
		return err
	}
	took := time.Since(t0)
	reached := slices.Clone(s.Settled())
	slices.SortFunc(reached, func(a, b graph.NodeID) int {
		return int(min(1, max(-1, g.OSMID(a)-g.OSMID(b))))
	})
	write := func(w io.Writer) error {
		if f, ok := arrowio.FormatOf(*out); ok {
			return writeReachBatches(w, f, reached, s, g, pts)
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		bw.WriteString("osm_id,seconds,source_id\n")
		buf := make([]byte, 0, 64)
		for _, v := range reached {
			t, _ := s.Time(v)
			buf = strconv.AppendInt(buf[:0], g.OSMID(v), 10)
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, float64(t), 'g', -1, 64)
			buf = append(buf, ',')
			buf = csvio.AppendField(buf, pts[s.Source(v)].ID)
			buf = append(buf, '\n')
			bw.Write(buf)
		}
		return bw.Flush()
	}
	if *out == "-" {
		err = write(e.stdout)
	} else {
		err = outdir.WriteFile(ctx, *out, write)
	}
	if err != nil {
		return err
	}
	limit := e.lang.T("reach.no_limit")
	if *maxMinutes > 0 {
		limit = e.lang.T("reach.within", "min", fmt.Sprintf("%g", *maxMinutes))
	}
	e.infof("%s", e.lang.T("reach.done", "n", len(reached), "total", g.NumNodes(), "limit", limit, "placed", placed, "sources", len(pts),
		"ms", fmt.Sprintf("%.1f", float64(took.Microseconds())/1000)))
	return nil
}

// placeSources turns points into search seeds; source numbers are indices
// into pts. Points that cannot be placed are reported and left out.
func placeSources(g *graph.Graph, pts []facility.Point, opt graph.SnapOptions, file string, e *env) ([]route.Seed, int) {
	var seeds []route.Seed
	placed := 0
	for i, p := range pts {
		if p.OSMNode != 0 {
			v, ok := g.Node(p.OSMNode)
			if !ok {
				e.warn(e.lang.T("reach.node_missing", "file", file, "line", p.Line, "id", strconv.Quote(p.ID), "node", p.OSMNode))
				continue
			}
			seeds = append(seeds, route.Seed{Node: v, Source: int32(i)})
			placed++
			continue
		}
		sn, err := g.Snap(p.Loc, opt)
		if err != nil {
			e.warn(e.lang.T("reach.unplaced", "file", file, "line", p.Line, "id", strconv.Quote(p.ID), "err", err))
			continue
		}
		seeds = append(seeds, route.SnapSeeds(g, sn, int32(i), 0)...)
		placed++
	}
	return seeds, placed
}
