package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

// handleTile serves /tiles/{layer}.json (TileJSON 3.0) and
// /tiles/{layer}/{z}/{x}/{y}.mvt (Mapbox Vector Tile, gzip).
func (s *server) handleTile(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready()
	if err != nil {
		return err
	}
	if layer, ok := strings.CutSuffix(r.PathValue("rest"), ".json"); ok && !strings.Contains(layer, "/") {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		b, err := st.tiles.TileJSON(layer, scheme+"://"+r.Host+"/tiles/"+layer+"/{z}/{x}/{y}.mvt")
		if err != nil {
			return tileError(err)
		}
		w.Header().Set("Content-Type", "application/json")
		_, err = w.Write(b)
		return err
	}
	layer, z, x, y, err := tiles.ParseTilePath(r.URL.Path)
	if err != nil {
		return tileError(err)
	}
	b, err := st.tiles.Tile(r.Context(), layer, z, x, y)
	if errors.Is(err, tiles.ErrEmptyTile) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return tileError(err)
	}
	h := fnv.New64a()
	h.Write(b)
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, h.Sum64()))
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

func tileError(err error) error {
	switch {
	case errors.Is(err, tiles.ErrBadPath), errors.Is(err, tiles.ErrUnknownLayer):
		return &apiError{http.StatusNotFound, err.Error() + " (layers: " + strings.Join(tiles.LayerNames(), ", ") + ")"}
	case errors.Is(err, tiles.ErrOutOfRange):
		return &apiError{http.StatusBadRequest, err.Error()}
	}
	return err
}
