package service

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

// TileQuery asks for one vector tile of one layer.
type TileQuery struct {
	Layer   string
	Z, X, Y int
}

// Tile is a rendered tile: gzip-compressed MVT bytes (nil: no feature in
// the tile) and its ETag. The bytes are shared: do not modify them.
type Tile struct {
	Gzip []byte
	ETag string
}

// tileKey names one rendered tile of one loaded study.
type tileKey struct {
	st      *Study
	layer   string
	z, x, y int
}

// cachedTile is what the tile cache holds.
type cachedTile = Tile

// tileEntryBytes is what a cached tile costs beyond its bytes: the key, the
// value, the cache's list element and map slot, the ETag. Measured at
// about 250 B on the heap (TestTileCacheCountsRealCost), rounded up for
// the map's growth; an empty tile costs exactly this.
const tileEntryBytes = 320

// Tile returns a tile from the cache or renders and caches it. Empty tiles
// are cached too (they cost a search of the index to find).
func (st *Study) Tile(ctx context.Context, q TileQuery) (Tile, error) {
	cache := st.svc.tiles
	key := tileKey{st, q.Layer, q.Z, q.X, q.Y}
	if t, ok := cache.Get(key); ok {
		return t, nil
	}
	// The layer name may point into the request's URL: keep a copy of its
	// own, not the request.
	key.layer = strings.Clone(q.Layer)
	b, err := st.Tiles.Tile(ctx, q.Layer, q.Z, q.X, q.Y)
	if errors.Is(err, tiles.ErrEmptyTile) {
		cache.Add(key, Tile{}, tileEntryBytes)
		return Tile{}, nil
	}
	if err != nil {
		return Tile{}, st.tileError(err)
	}
	h := fnv.New64a()
	h.Write(b)
	t := Tile{Gzip: b, ETag: fmt.Sprintf(`"%x"`, h.Sum64())}
	cache.Add(key, t, int64(len(b))+tileEntryBytes)
	return t, nil
}

// ParseTilePath reads "/tiles/{layer}/{z}/{x}/{y}.mvt".
func (st *Study) ParseTilePath(path string) (TileQuery, error) {
	layer, z, x, y, err := tiles.ParseTilePath(path)
	if err != nil {
		return TileQuery{}, st.tileError(err)
	}
	return TileQuery{layer, z, x, y}, nil
}

// TileJSON returns the TileJSON 3.0 document of a layer whose tiles are at
// urlTemplate.
func (st *Study) TileJSON(layer, urlTemplate string) ([]byte, error) {
	b, err := st.Tiles.TileJSON(layer, urlTemplate)
	if err != nil {
		return nil, st.tileError(err)
	}
	return b, nil
}

func (st *Study) tileError(err error) error {
	switch {
	case errors.Is(err, tiles.ErrBadPath), errors.Is(err, tiles.ErrUnknownLayer):
		return &Error{Kind: ErrNotFound, Msg: err.Error() + " (layers: " + strings.Join(st.Tiles.Layers(), ", ") + ")"}
	case errors.Is(err, tiles.ErrOutOfRange):
		return &Error{Kind: ErrInvalid, Err: err}
	}
	return err
}
