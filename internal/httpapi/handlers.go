package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

// Query-parameter parsing: each returns an ErrInvalid error naming the
// parameter.

// parseLonLat reads "lon,lat" in degrees.
func parseLonLat(name, s string) (orb.Point, error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return orb.Point{}, service.Invalidf("%s=%q: want lon,lat", name, s)
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
		return orb.Point{}, service.Invalidf("%s=%q: want lon,lat in degrees", name, s)
	}
	return orb.Point{lon, lat}, nil
}

// parseFloatParam reads one number in [lo, hi].
func parseFloatParam(name, s string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, service.Invalidf("%s=%q: want a number from %g to %g", name, s, lo, hi)
	}
	return v, nil
}

// parseMinutes reads increasing minutes "5,10,15", each in (0, max].
func parseMinutes(s string, maxMinutes float64) ([]float64, error) {
	if s == "" {
		return []float64{5, 10, 15}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > service.MaxIsochroneBands {
		return nil, service.Invalidf("minutes=%q: at most %d limits", s, service.MaxIsochroneBands)
	}
	var out []float64
	for _, p := range parts {
		m, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(m) || m <= 0 || m > maxMinutes || (len(out) > 0 && m <= out[len(out)-1]) {
			return nil, service.Invalidf("minutes=%q: want increasing numbers in (0, %g]", s, maxMinutes)
		}
		out = append(out, m)
	}
	return out, nil
}

// decodeBody reads a JSON request body into v, refusing unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &service.Error{Kind: service.ErrInvalid, Msg: "body", Err: err}
	}
	return nil
}

func (s *Server) handleStudy(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(st.Summary())
	return err
}

func (s *Server) handleTables(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
	if err != nil {
		return err
	}
	return writeJSON(w, st.TableInfos())
}

// handleTable serves one table, filtered, in the format asked for.
func (s *Server) handleTable(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
	if err != nil {
		return err
	}
	name := r.PathValue("name")
	q := r.URL.Query()
	format := q.Get("format")
	if ext, ok := strings.CutSuffix(name, ".arrow"); ok {
		name, format = ext, "arrow"
	}
	switch format {
	case "", "arrow", "json", "geojson", "csv":
	default:
		return service.Invalidf("format=%q: want arrow, json, geojson or csv", format)
	}
	tq := service.TableQuery{Table: name, BBox: q.Get("bbox"), Unit: q.Get("unit")}
	if c := q.Get("columns"); c != "" {
		tq.Columns = strings.Split(c, ",")
	}
	out, err := st.Query(r.Context(), tq)
	if err != nil {
		return err
	}
	defer out.Release()
	switch format {
	case "json":
		// Rows as objects; the WKB geometry is left out (use geojson).
		var keep []int
		for i, f := range out.Schema().Fields() {
			if f.Name != "geometry" {
				keep = append(keep, i)
			}
		}
		noGeom, err := service.Subset(out, nil, keep)
		if err != nil {
			return err
		}
		defer noGeom.Release()
		w.Header().Set("Content-Type", "application/json")
		return json.NewEncoder(w).Encode(noGeom)
	case "geojson":
		if len(out.Schema().FieldIndices("geometry")) != 1 {
			return service.Invalidf("format=geojson needs the geometry column")
		}
		w.Header().Set("Content-Type", "application/geo+json")
		return arrowio.EncodeGeoJSON(w, out, "geometry")
	case "csv":
		w.Header().Set("Content-Type", "text/csv")
		return arrowio.EncodeCSV(w, out)
	}
	w.Header().Set("Content-Type", "application/vnd.apache.arrow.stream")
	return arrowio.WriteIPCStream(w, out)
}

func (s *Server) handleIsochrone(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
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
	minutes, err := parseMinutes(q.Get("minutes"), s.svc.Limits().MaxMinutes)
	if err != nil {
		return err
	}
	iq := service.IsochroneQuery{At: orb.Point{lon, lat}, Minutes: minutes}
	if v := q.Get("res"); v != "" {
		f, err := parseFloatParam("res", v, 5, 11)
		if err != nil {
			return err
		}
		iq.Res = int(f)
	}
	format := q.Get("format")
	switch format {
	case "", "geojson", "arrow":
	default:
		return service.Invalidf("format=%q: want geojson or arrow", format)
	}
	res, err := st.Isochrone(r.Context(), iq)
	if err != nil {
		return err
	}
	if format == "arrow" {
		rec := res.Record()
		defer rec.Release()
		w.Header().Set("Content-Type", "application/vnd.apache.arrow.stream")
		return arrowio.WriteIPCStream(w, rec)
	}
	fc := geojson.NewFeatureCollection()
	for j := len(res.Bands) - 1; j >= 0; j-- {
		f := geojson.NewFeature(res.Bands[j].Geom)
		f.Properties["minutes"] = res.Bands[j].Minutes
		f.Properties["cells"] = len(res.Bands[j].Cells)
		f.Properties["snap_m"] = res.SnapM
		fc.Append(f)
	}
	w.Header().Set("Content-Type", "application/geo+json")
	return json.NewEncoder(w).Encode(fc)
}

func (s *Server) handleTravelTime(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
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
	tt, err := st.TravelTime(r.Context(), service.TravelTimeQuery{From: from, To: to})
	if err != nil {
		return err
	}
	return writeJSON(w, tt)
}

func (s *Server) handleWhatIf(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
	if err != nil {
		return err
	}
	var req service.WhatIfRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	res, err := st.WhatIf(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, res)
}

// handleSite runs the siting on the study (see service.Study.Site).
func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
	if err != nil {
		return err
	}
	var req service.SiteRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	res, err := st.Site(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, res)
}
