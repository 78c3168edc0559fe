package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"time"
)

// handleTile serves /tiles/{layer}.json (TileJSON 3.0) and
// /tiles/{layer}/{z}/{x}/{y}.mvt (Mapbox Vector Tile, gzip).
func (s *Server) handleTile(w http.ResponseWriter, r *http.Request) error {
	st, err := s.study(r)
	if err != nil {
		return err
	}
	rest := r.PathValue("rest")
	if layer, ok := strings.CutSuffix(rest, ".json"); ok && !strings.Contains(layer, "/") {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		b, err := st.TileJSON(layer, scheme+"://"+r.Host+prefix(r)+"/tiles/"+layer+"/{z}/{x}/{y}.mvt")
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json")
		_, err = w.Write(b)
		return err
	}
	q, err := st.ParseTilePath("/tiles/" + rest)
	if err != nil {
		return err
	}
	t, err := st.Tile(r.Context(), q)
	if err != nil {
		return err
	}
	if t.Gzip == nil {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	b := t.Gzip
	w.Header().Set("ETag", t.ETag)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("Content-Type", "application/vnd.mapbox-vector-tile")
	w.Header().Set("Vary", "Accept-Encoding")
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
	} else {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return err
		}
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	return nil
}
