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
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	if layer, ok := strings.CutSuffix(r.PathValue("rest"), ".json"); ok && !strings.Contains(layer, "/") {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		b, err := st.tiles.TileJSON(layer, scheme+"://"+r.Host+prefix(r)+"/tiles/"+layer+"/{z}/{x}/{y}.mvt")
		if err != nil {
			return tileError(err, st.tiles.Layers())
		}
		w.Header().Set("Content-Type", "application/json")
		_, err = w.Write(b)
		return err
	}
	layer, z, x, y, err := tiles.ParseTilePath(r.URL.Path)
	if err != nil {
		return tileError(err, st.tiles.Layers())
	}
	t, err := s.tile(r, st, layer, z, x, y)
	if err != nil {
		return tileError(err, st.tiles.Layers())
	}
	if t.gz == nil {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	b := t.gz
	w.Header().Set("ETag", t.etag)
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

// tileKey names one rendered tile of one loaded study.
type tileKey struct {
	st      *studyState
	layer   string
	z, x, y int
}

// cachedTile is a rendered tile: gzip MVT bytes (nil: empty tile) and ETag.
type cachedTile struct {
	gz   []byte
	etag string
}

// tile returns a tile from the cache or renders and caches it. Empty tiles
// are cached too (they cost a search of the index to find).
func (s *server) tile(r *http.Request, st *studyState, layer string, z, x, y int) (cachedTile, error) {
	key := tileKey{st, layer, z, x, y}
	if t, ok := s.tiles.Get(key); ok {
		return t, nil
	}
	b, err := st.tiles.Tile(r.Context(), layer, z, x, y)
	if errors.Is(err, tiles.ErrEmptyTile) {
		s.tiles.Add(key, cachedTile{}, 64)
		return cachedTile{}, nil
	}
	if err != nil {
		return cachedTile{}, err
	}
	h := fnv.New64a()
	h.Write(b)
	t := cachedTile{gz: b, etag: fmt.Sprintf(`"%x"`, h.Sum64())}
	s.tiles.Add(key, t, int64(len(b))+64)
	return t, nil
}

func tileError(err error, layers []string) error {
	switch {
	case errors.Is(err, tiles.ErrBadPath), errors.Is(err, tiles.ErrUnknownLayer):
		return &apiError{http.StatusNotFound, err.Error() + " (layers: " + strings.Join(layers, ", ") + ")"}
	case errors.Is(err, tiles.ErrOutOfRange):
		return &apiError{http.StatusBadRequest, err.Error()}
	}
	return err
}
