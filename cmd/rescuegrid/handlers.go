package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/isochrone"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
)

// Query-parameter parsing: each returns a 400 error naming the parameter.

// parseLonLat reads "lon,lat".
func parseLonLat(name, s string) (orb.Point, error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return orb.Point{}, badRequest("%s=%q: want lon,lat", name, s)
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return orb.Point{}, badRequest("%s=%q: want lon,lat in degrees", name, s)
	}
	return orb.Point{lon, lat}, nil
}

// parseFloatParam reads one number in [lo, hi].
func parseFloatParam(name, s string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, badRequest("%s=%q: want a number from %g to %g", name, s, lo, hi)
	}
	return v, nil
}

// parseMinutes reads increasing minutes "5,10,15", each in (0, max].
func parseMinutes(s string, maxMinutes float64) ([]float64, error) {
	if s == "" {
		return []float64{5, 10, 15}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 12 {
		return nil, badRequest("minutes=%q: at most 12 limits", s)
	}
	var out []float64
	for _, p := range parts {
		m, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(m) || m <= 0 || m > maxMinutes || (len(out) > 0 && m <= out[len(out)-1]) {
			return nil, badRequest("minutes=%q: want increasing numbers in (0, %g]", s, maxMinutes)
		}
		out = append(out, m)
	}
	return out, nil
}

// parseBBox reads "minLon,minLat,maxLon,maxLat" no larger than maxDeg2.
func parseBBox(s string, maxDeg2 float64) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, badRequest("bbox=%q: want minLon,minLat,maxLon,maxLat", s)
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, badRequest("bbox=%q: %q is not a number", s, p)
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] || math.Abs(v[0]) > 180 || math.Abs(v[2]) > 180 || math.Abs(v[1]) > 90 || math.Abs(v[3]) > 90 {
		return orb.Bound{}, badRequest("bbox=%q: want min <= max within lon -180..180, lat -90..90", s)
	}
	if (v[2]-v[0])*(v[3]-v[1]) > maxDeg2 {
		return orb.Bound{}, badRequest("bbox=%q: larger than the limit of %g square degrees", s, maxDeg2)
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

func (s *server) handleStudy(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(st.summary)
	return err
}

func (s *server) handleTables(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	type info struct {
		Name    string   `json:"name"`
		Rows    int64    `json:"rows"`
		Columns []string `json:"columns"`
	}
	var out []info
	for name, rec := range st.tables {
		i := info{Name: name, Rows: rec.NumRows()}
		for _, f := range rec.Schema().Fields() {
			i.Columns = append(i.Columns, f.Name)
		}
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return writeJSON(w, out)
}

// handleTable serves one table, filtered, in the format asked for.
func (s *server) handleTable(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	format := r.URL.Query().Get("format")
	if ext, ok := strings.CutSuffix(name, ".arrow"); ok {
		name, format = ext, "arrow"
	}
	q := r.URL.Query()
	tq := tableQuery{Table: name, BBox: q.Get("bbox"), Unit: q.Get("unit")}
	if c := q.Get("columns"); c != "" {
		tq.Columns = strings.Split(c, ",")
	}
	out, err := s.query(st, tq)
	if err != nil {
		return err
	}
	defer out.Release()
	switch format {
	case "", "arrow":
		w.Header().Set("Content-Type", "application/vnd.apache.arrow.stream")
		return arrowio.WriteIPCStream(w, out)
	case "json":
		// Rows as objects; the WKB geometry is left out (use geojson).
		var keep []int
		for i, f := range out.Schema().Fields() {
			if f.Name != "geometry" {
				keep = append(keep, i)
			}
		}
		noGeom, err := subset(out, nil, keep)
		if err != nil {
			return err
		}
		defer noGeom.Release()
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(noGeom)
	case "geojson":
		if len(out.Schema().FieldIndices("geometry")) != 1 {
			return badRequest("format=geojson needs the geometry column")
		}
		w.Header().Set("Content-Type", "application/geo+json")
		return arrowio.EncodeGeoJSON(w, out, "geometry")
	case "csv":
		w.Header().Set("Content-Type", "text/csv")
		return arrowio.EncodeCSV(w, out)
	}
	return badRequest("format=%q: want arrow, json, geojson or csv", format)
}

// tableQuery asks for some rows and columns of one table: the same
// question over HTTP (query parameters) and Arrow Flight (a JSON ticket).
type tableQuery struct {
	Study   string   `json:"study,omitempty"` // Flight only: a study id; "" the default
	Table   string   `json:"table"`
	Columns []string `json:"columns,omitempty"`
	BBox    string   `json:"bbox,omitempty"` // minLon,minLat,maxLon,maxLat
	Unit    string   `json:"unit,omitempty"`
}

// query answers a tableQuery with a new record (release it).
func (s *server) query(st *studyState, q tableQuery) (arrow.Record, error) {
	rec, ok := st.tables[q.Table]
	if !ok {
		return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no table %q (tables: %s)", q.Table, strings.Join(st.tableNames(), ", "))}
	}
	rows, err := s.selectRows(st, q.Table, rec, q.BBox, q.Unit)
	if err != nil {
		return nil, err
	}
	var cols []int
	for _, n := range q.Columns {
		idx := rec.Schema().FieldIndices(strings.TrimSpace(n))
		if len(idx) != 1 {
			return nil, badRequest("columns: no column %q in table %s", n, q.Table)
		}
		cols = append(cols, idx[0])
	}
	return subset(rec, rows, cols)
}

// tableNames lists the study's tables in order.
func (st *studyState) tableNames() []string {
	names := make([]string, 0, len(st.tables))
	for n := range st.tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// selectRows returns the rows passing the bbox and unit filters (nil: all).
func (s *server) selectRows(st *studyState, name string, rec arrow.Record, bbox, unit string) ([]int, error) {
	if bbox == "" && unit == "" {
		return nil, nil
	}
	n := int(rec.NumRows())
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	if bbox != "" {
		b, err := parseBBox(bbox, s.cfg.Limits.MaxBBoxDeg2)
		if err != nil {
			return nil, err
		}
		bounds, ok := st.bounds[name]
		if !ok {
			return nil, badRequest("table %s has no geometry to filter by bbox", name)
		}
		for i := range keep {
			keep[i] = keep[i] && bounds[i].Intersects(b)
		}
	}
	if unit != "" {
		idx := rec.Schema().FieldIndices("unit_id")
		if len(idx) != 1 {
			return nil, badRequest("table %s has no unit_id column", name)
		}
		col := rec.Column(idx[0]).(*array.String)
		for i := range keep {
			keep[i] = keep[i] && col.IsValid(i) && col.Value(i) == unit
		}
	}
	rows := []int{}
	for i, k := range keep {
		if k {
			rows = append(rows, i)
		}
	}
	return rows, nil
}

// subset returns the chosen rows (nil: all) and columns (nil: all) of rec.
func subset(rec arrow.Record, rows []int, cols []int) (arrow.Record, error) {
	if cols == nil {
		for i := 0; i < int(rec.NumCols()); i++ {
			cols = append(cols, i)
		}
	}
	fields := make([]arrow.Field, len(cols))
	arrays := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrays {
			if a != nil {
				a.Release()
			}
		}
	}()
	nrows := rec.NumRows()
	for k, c := range cols {
		fields[k] = rec.Schema().Field(c)
		col := rec.Column(c)
		if rows == nil {
			col.Retain()
			arrays[k] = col
			continue
		}
		// Contiguous runs of rows become slices, concatenated once.
		var parts []arrow.Array
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && rows[j] == rows[j-1]+1 {
				j++
			}
			parts = append(parts, array.NewSlice(col, int64(rows[i]), int64(rows[j-1]+1)))
			i = j
		}
		var err error
		if len(parts) == 0 {
			arrays[k] = array.MakeArrayOfNull(memory.DefaultAllocator, col.DataType(), 0)
		} else {
			arrays[k], err = array.Concatenate(parts, memory.DefaultAllocator)
		}
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, err
		}
		nrows = int64(len(rows))
	}
	md := rec.Schema().Metadata()
	return array.NewRecord(arrow.NewSchema(fields, &md), arrays, nrows), nil
}

func (s *server) handleIsochrone(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	lon, err := parseFloatParam("lon", q.Get("lon"), -180, 180)
	if err != nil {
		return err
	}
	lat, err := parseFloatParam("lat", q.Get("lat"), -90, 90)
	if err != nil {
		return err
	}
	minutes, err := parseMinutes(q.Get("minutes"), s.cfg.Limits.MaxMinutes)
	if err != nil {
		return err
	}
	res := st.in.Study.Resolution
	if v := q.Get("res"); v != "" {
		f, err := parseFloatParam("res", v, 5, 11)
		if err != nil {
			return err
		}
		res = int(f)
	}
	sr := s.search(st)
	defer s.release(sr)
	bands, sn, err := isochrone.FromPoint(r.Context(), sr, orb.Point{lon, lat}, minutes, isochrone.Options{
		Res: res, Snap: graph.SnapOptions{MaxDistanceM: st.in.Study.Standard.Access.SnapDistanceM}})
	if err != nil {
		if r.Context().Err() != nil {
			return err
		}
		return &apiError{http.StatusUnprocessableEntity, err.Error()}
	}
	switch f := q.Get("format"); f {
	case "", "geojson":
	case "arrow":
		// One row per band, largest first, as in the GeoJSON.
		schema := arrow.NewSchema([]arrow.Field{
			arrowio.Field("minutes", arrow.PrimitiveTypes.Float64, arrowio.UnitMinutes, "drive-time limit of the band"),
			arrowio.Field("cells", arrow.PrimitiveTypes.Int64, "", "H3 cells reached within the limit"),
			arrowio.Field("snap_m", arrow.PrimitiveTypes.Float64, arrowio.UnitMetres, "distance from the point to the road it starts on"),
			arrowio.GeomField("geometry", "the band: reached H3 cells dissolved"),
		}, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer b.Release()
		for j := len(bands) - 1; j >= 0; j-- {
			b.Field(0).(*array.Float64Builder).Append(bands[j].Minutes)
			b.Field(1).(*array.Int64Builder).Append(int64(len(bands[j].Cells)))
			b.Field(2).(*array.Float64Builder).Append(math.Round(sn.DistanceM*10) / 10)
			arrowio.AppendWKB(b.Field(3).(*array.BinaryBuilder), bands[j].Geom)
		}
		rec := b.NewRecord()
		defer rec.Release()
		w.Header().Set("Content-Type", "application/vnd.apache.arrow.stream")
		return arrowio.WriteIPCStream(w, rec)
	default:
		return badRequest("format=%q: want geojson or arrow", f)
	}
	fc := geojson.NewFeatureCollection()
	for j := len(bands) - 1; j >= 0; j-- {
		f := geojson.NewFeature(bands[j].Geom)
		f.Properties["minutes"] = bands[j].Minutes
		f.Properties["cells"] = len(bands[j].Cells)
		f.Properties["snap_m"] = math.Round(sn.DistanceM*10) / 10
		fc.Append(f)
	}
	w.Header().Set("Content-Type", "application/geo+json")
	return json.NewEncoder(w).Encode(fc)
}

func (s *server) handleTravelTime(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, err := parseLonLat("from", q.Get("from"))
	if err != nil {
		return err
	}
	to, err := parseLonLat("to", q.Get("to"))
	if err != nil {
		return err
	}
	g := st.in.Graph
	opt := graph.SnapOptions{MaxDistanceM: st.in.Study.Standard.Access.SnapDistanceM}
	a, err := g.Snap(from, opt)
	if err != nil {
		return &apiError{http.StatusUnprocessableEntity, "from: " + err.Error()}
	}
	b, err := g.Snap(to, opt)
	if err != nil {
		return &apiError{http.StatusUnprocessableEntity, "to: " + err.Error()}
	}
	sr := s.search(st)
	defer s.release(sr)
	if err := sr.Run(r.Context(), route.SnapSeeds(g, a, 0, 0), route.Options{}); err != nil {
		return err
	}
	t, _, ok := route.PointTime(sr, b)
	out := map[string]any{"from_snap_m": a.DistanceM, "to_snap_m": b.DistanceM, "reachable": ok}
	if ok {
		out["seconds"] = float64(t)
	}
	return writeJSON(w, out)
}

// whatIf is the body of POST /api/whatif.
type whatIf struct {
	Add []struct {
		ID       string  `json:"id"`
		Lon      float64 `json:"lon"`
		Lat      float64 `json:"lat"`
		TeamSize int     `json:"team_size"`
		Level    string  `json:"level"`
	} `json:"add"`
	Remove []string `json:"remove"`
}

func (s *server) handleWhatIf(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	var req whatIf
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badRequest("body: %v", err)
	}
	if len(req.Add)+len(req.Remove) == 0 {
		return badRequest("body: nothing to add or remove")
	}
	if len(req.Add)+len(req.Remove) > s.cfg.Limits.MaxPoints {
		return badRequest("body: at most %d bases added or removed", s.cfg.Limits.MaxPoints)
	}
	in := st.in.Coverage
	remove := map[string]bool{}
	for _, id := range req.Remove {
		remove[id] = true
	}
	var bases []coverage.Base
	var baseUnit []int32
	for i, b := range in.Bases {
		if remove[b.ID] {
			delete(remove, b.ID)
			continue
		}
		bases = append(bases, b)
		baseUnit = append(baseUnit, in.BaseUnit[i])
	}
	for id := range remove {
		return badRequest("remove: no base %q", id)
	}
	for k, a := range req.Add {
		if math.IsNaN(a.Lon) || math.IsNaN(a.Lat) || math.Abs(a.Lon) > 180 || math.Abs(a.Lat) > 90 {
			return badRequest("add[%d]: lon,lat %v,%v is not a location", k, a.Lon, a.Lat)
		}
		id := a.ID
		if id == "" {
			id = fmt.Sprintf("new-%d", k+1)
		}
		level := a.Level
		if level == "" {
			level = "township"
		}
		bases = append(bases, coverage.Base{ID: id, Name: id, Level: level, TeamSize: a.TeamSize, Loc: orb.Point{a.Lon, a.Lat}})
		baseUnit = append(baseUnit, -1)
	}
	if len(bases) == 0 {
		return badRequest("remove: that would leave no base")
	}
	in.Bases, in.BaseUnit = bases, baseUnit
	in.Zone = nil
	res, err := coverage.Compute(r.Context(), in)
	if err != nil {
		return &apiError{http.StatusUnprocessableEntity, err.Error()}
	}
	type unitChange struct {
		ID            string  `json:"unit_id"`
		Name          string  `json:"name"`
		Residents     float64 `json:"residents"`
		WithinBefore  float64 `json:"within_before"`
		WithinAfter   float64 `json:"within_after"`
		ShareBefore   float64 `json:"share_before"`
		ShareAfter    float64 `json:"share_after"`
		ResidentsGain float64 `json:"residents_gained"`
	}
	var units []unitChange
	for u, after := range res.Units {
		before := st.res.Units[u]
		if after.Residents == 0 {
			continue
		}
		units = append(units, unitChange{after.ID, after.Name, after.Residents, before.Within, after.Within, before.Share, after.Share, after.Within - before.Within})
	}
	return writeJSON(w, map[string]any{
		"within_before": st.res.Summary.Within, "within_after": res.Summary.Within,
		"share_before": st.res.Summary.Share, "share_after": res.Summary.Share,
		"residents_gained": res.Summary.Within - st.res.Summary.Within,
		"unplaced_bases":   res.Summary.UnplacedBases,
		"units":            units,
	})
}
