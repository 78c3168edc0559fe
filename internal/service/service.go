package service

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/lru"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// Limits bound what one request may ask for.
type Limits struct {
	MaxBBoxDeg2  float64       // largest bounding box, square degrees
	MaxMinutes   float64       // largest isochrone limit, minutes
	MaxPoints    int           // most bases a what-if may add or remove
	Timeout      time.Duration // per request
	MaxBodyBytes int64         // largest request body, bytes
}

// DefaultLimits are the limits of `rescuegrid serve`.
func DefaultLimits() Limits {
	return Limits{MaxBBoxDeg2: 25, MaxMinutes: 120, MaxPoints: 50, Timeout: 30 * time.Second, MaxBodyBytes: 1 << 20}
}

// Config configures a Service.
type Config struct {
	Limits Limits
	// TileCacheBytes bounds the cache of rendered tiles (0: no cache).
	TileCacheBytes int64
	// Generator is written into the studies' metadata ("rescuegrid v1.2").
	Generator string
	// Admission bounds each kind of work (zero: DefaultAdmission for
	// GOMAXPROCS cores).
	Admission [4]Lane
	// SiteCacheBytes bounds the siting matrices kept for later requests,
	// over all studies (0: DefaultSiteCacheBytes; < 0: none kept).
	SiteCacheBytes int64
}

// DefaultSiteCacheBytes is the default bound of the siting matrix cache:
// a few matrices of a county (Andorra's is about 3 MB, Porto Alegre's
// some tens of MB).
const DefaultSiteCacheBytes = 256 << 20

// Study is a loaded study: immutable once published, its fields for
// reading only.
type Study struct {
	ID      string // in URLs: /studies/{id}/
	Path    string // the study file (never told to clients)
	In      *study.Inputs
	Res     *coverage.Result
	Shelter *shelter.Result // nil without shelters or depots
	Tables  map[string]arrow.Record
	Tiles   *tiles.Set
	Loaded  time.Time

	svc     *Service
	bounds  map[string][]orb.Bound // per table, per row: the geometry's bounds
	summary []byte                 // summary JSON
}

// Slot is one served study: its id in URLs, its path, and once loaded its
// state or the reason it failed. Safe for concurrent use.
type Slot struct {
	id, path string
	state    atomic.Pointer[Study]
	loadErr  atomic.Pointer[string]
}

// ID is the study's id in URLs.
func (sl *Slot) ID() string { return sl.id }

// Path is the study's file or output folder as given (never told to
// clients).
func (sl *Slot) Path() string { return sl.path }

// Study returns the loaded study, or nil while loading or after a failure.
func (sl *Slot) Study() *Study { return sl.state.Load() }

// LoadError returns why the study failed to load ("" if it has not), whole:
// for the log and the operator; clients get Tell of it.
func (sl *Slot) LoadError() string {
	if m := sl.loadErr.Load(); m != nil {
		return *m
	}
	return ""
}

// Ready returns the loaded study, or an ErrUnavailable error saying why it
// is not there.
func (sl *Slot) Ready() (*Study, error) {
	if sl == nil {
		return nil, unavailablef("no study")
	}
	if st := sl.state.Load(); st != nil {
		return st, nil
	}
	if msg := sl.loadErr.Load(); msg != nil {
		return nil, unavailablef("study %s failed to load: %s", sl.id, Tell(*msg))
	}
	return nil, unavailablef("study %s is loading", sl.id)
}

// Service holds the studies, a pool of search workspaces and the caches.
// The first study added is the default one. Safe for concurrent use.
type Service struct {
	cfg      Config
	logger   *slog.Logger
	mu       sync.RWMutex // guards studies and byID
	studies  []*Slot
	byID     map[string]*Slot
	searches sync.Pool
	tiles    *lru.Cache[tileKey, cachedTile] // rendered tiles
	admit    *admission
	sites    *siteCache
}

// New returns a Service with no study.
func New(cfg Config, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.Admission == ([4]Lane{}) {
		cfg.Admission = DefaultAdmission(defaultCores())
	}
	switch {
	case cfg.SiteCacheBytes == 0:
		cfg.SiteCacheBytes = DefaultSiteCacheBytes
	case cfg.SiteCacheBytes < 0:
		cfg.SiteCacheBytes = 0
	}
	return &Service{cfg: cfg, logger: logger, byID: map[string]*Slot{},
		tiles: lru.New[tileKey, cachedTile](cfg.TileCacheBytes),
		admit: newAdmission(cfg.Admission, defaultCores()),
		sites: newSiteCache(cfg.SiteCacheBytes)}
}

// Config returns the service's configuration, defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Limits returns the service's request limits.
func (s *Service) Limits() Limits { return s.cfg.Limits }

// TileCacheStats returns the tile cache's counters.
func (s *Service) TileCacheStats() lru.Stats { return s.tiles.Stats() }

// StudyID names a study in URLs: the folder of a "study.yaml" (or of an
// output folder's), else the file name without its extension, lower case,
// with anything but letters, digits, '-' and '_' turned into '-'.
func StudyID(path string) string {
	base := filepath.Base(filepath.Clean(path))
	if base == "study.yaml" || base == "study.yml" {
		base = filepath.Base(filepath.Dir(filepath.Clean(path)))
	}
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, base)
	if id == "" || id == "." || id == ".." {
		id = "study"
	}
	return id
}

// Add registers a study (not yet loaded) and returns its slot; ids are
// made unique with a -2, -3 … suffix.
func (s *Service) Add(path string) *Slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := StudyID(path)
	for k := 2; s.byID[id] != nil; k++ {
		id = fmt.Sprintf("%s-%d", StudyID(path), k)
	}
	sl := &Slot{id: id, path: path}
	s.studies = append(s.studies, sl)
	s.byID[id] = sl
	return sl
}

// Default is the default study (the first added), nil before any.
func (s *Service) Default() *Slot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.studies) == 0 {
		return nil
	}
	return s.studies[0]
}

// Slots returns the studies in order.
func (s *Service) Slots() []*Slot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*Slot(nil), s.studies...)
}

// Slot returns the study with that id ("" is the default study), or an
// ErrNotFound error listing the ids.
func (s *Service) Slot(id string) (*Slot, error) {
	if id == "" {
		return s.Default(), nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sl := s.byID[id]; sl != nil {
		return sl, nil
	}
	ids := make([]string, len(s.studies))
	for i, x := range s.studies {
		ids[i] = x.id
	}
	return nil, NotFoundf("no study %q (studies: %s)", id, strings.Join(ids, ", "))
}

// Ready returns the loaded study with that id ("" the default).
func (s *Service) Ready(id string) (*Study, error) {
	sl, err := s.Slot(id)
	if err != nil {
		return nil, err
	}
	return sl.Ready()
}

// Load adds a study and computes it (see LoadSlot).
func (s *Service) Load(ctx context.Context, path string) *Slot {
	sl := s.Add(path)
	s.LoadSlot(ctx, sl)
	return sl
}

// LoadSlot computes a study and publishes it. A failure is kept and
// reported by Ready; the service stays up.
func (s *Service) LoadSlot(ctx context.Context, sl *Slot) {
	t0 := time.Now()
	st, err := s.compute(ctx, sl.path)
	if err != nil {
		msg := err.Error()
		sl.loadErr.Store(&msg)
		s.logger.Error("study failed to load", "study", sl.path, "id", sl.id, "err", err)
		return
	}
	st.ID = sl.id
	sl.state.Store(st)
	s.logger.Info("study loaded", "study", sl.path, "id", sl.id, "cells", len(st.In.Coverage.Cells), "took", time.Since(t0).Round(time.Millisecond))
}

// fromOutput resolves an analyze output folder to the study file it
// records, and returns the folder's summary to check the new run against.
func fromOutput(dir string) (string, *study.Summary, error) {
	b, err := os.ReadFile(filepath.Join(dir, study.SummaryFile))
	if err != nil {
		return "", nil, fmt.Errorf("%s is a folder but not a rescuegrid output (no readable %s): %w", dir, study.SummaryFile, err)
	}
	var sum study.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return "", nil, fmt.Errorf("%s: %w", filepath.Join(dir, study.SummaryFile), err)
	}
	if sum.StudyFile == "" {
		return "", nil, fmt.Errorf("%s names no study file (a siting output, or from an older version): serve the study file itself", filepath.Join(dir, study.SummaryFile))
	}
	if _, err := os.Stat(sum.StudyFile); err != nil {
		return "", nil, fmt.Errorf("%s was computed from %s, which is gone: %w", dir, sum.StudyFile, err)
	}
	return sum.StudyFile, &sum, nil
}

func (s *Service) compute(ctx context.Context, path string) (*Study, error) {
	var want *study.Summary
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		dir := path
		if path, want, err = fromOutput(dir); err != nil {
			return nil, err
		}
		s.logger.Info("serving an output folder: recomputing its study to keep the graph for on-demand queries", "folder", dir, "study", path)
	}
	sd, err := study.Load(path)
	if err != nil {
		return nil, err
	}
	in, err := study.Read(ctx, sd, study.Options{Generator: s.cfg.Generator, Basemap: true})
	if err != nil {
		return nil, err
	}
	res, err := coverage.Compute(ctx, in.Coverage)
	if err != nil {
		return nil, err
	}
	if want != nil {
		// The folder's answer must be the one served: inputs changed since
		// it was written would silently serve something else.
		got := res.Summary
		if got.Cells != want.Cells || math.Abs(got.Residents-want.Residents) > 1e-6*max(1, want.Residents) ||
			math.Abs(got.Within-want.Within) > 1e-6*max(1, want.Within) {
			return nil, fmt.Errorf("the study %s now gives %d cells, %.0f residents, %.0f within the circle, but the output folder says %d, %.0f, %.0f (written %s): its inputs changed; serve the study file for the current answer",
				path, got.Cells, got.Residents, got.Within, want.Cells, want.Residents, want.Within, want.Created.Format(time.RFC3339))
		}
	}
	tables, err := study.Tables(memory.NewGoAllocator(), in, res)
	if err != nil {
		return nil, err
	}
	var sres *shelter.Result
	if in.Shelter != nil {
		if sres, err = shelter.Compute(ctx, *in.Shelter); err != nil {
			return nil, fmt.Errorf("shelters: %w", err)
		}
		stabs, err := study.ShelterTables(memory.NewGoAllocator(), in, sres)
		if err != nil {
			return nil, err
		}
		for n, rec := range stabs {
			tables[n] = rec
		}
	}
	bm, err := study.Basemap(ctx, in)
	if err != nil {
		return nil, err
	}
	ti := study.TileInput(in, res, sres)
	ti.Basemap = bm
	times, err := study.ComputeTimes(ctx, in) // the map's time switch (nil without times)
	if err != nil {
		return nil, err
	}
	ti.Times = study.TileTimes(times)
	ts, err := tiles.NewSet(ti, tiles.Options{})
	if err != nil {
		return nil, err
	}
	st := &Study{Path: path, In: in, Res: res, Shelter: sres, Tables: tables, Tiles: ts, bounds: map[string][]orb.Bound{}, Loaded: time.Now(), svc: s}
	for name, rec := range tables {
		idx := rec.Schema().FieldIndices("geometry")
		if len(idx) != 1 {
			continue
		}
		col := rec.Column(idx[0]).(interface {
			Value(int) []byte
			IsNull(int) bool
		})
		b := make([]orb.Bound, rec.NumRows())
		for i := range b {
			if col.IsNull(i) {
				continue
			}
			g, err := wkb.Unmarshal(col.Value(i))
			if err != nil {
				return nil, fmt.Errorf("table %s row %d: %w", name, i, err)
			}
			b[i] = g.Bound()
		}
		st.bounds[name] = b
	}
	summary := map[string]any{
		"study": in.Study.Name, "standard": in.Study.Standard, "resolution": in.Study.Resolution,
		"residents": res.Summary.Residents, "within": res.Summary.Within, "share": res.Summary.Share,
		"outside": res.Summary.Outside, "cells": res.Summary.Cells, "no_road_cells": res.Summary.NoRoadCells,
		"units": len(res.Units), "bases": len(res.Bases), "population_source": in.Population.Source,
	}
	if st.summary, err = json.Marshal(summary); err != nil {
		return nil, err
	}
	return st, nil
}

// Summary returns the study's summary as JSON (do not modify).
func (st *Study) Summary() []byte { return st.summary }

// TableNames lists the study's tables in order.
func (st *Study) TableNames() []string {
	names := make([]string, 0, len(st.Tables))
	for n := range st.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// search returns a workspace for the study's graph; put it back with
// release.
func (st *Study) search() *route.Search {
	if v := st.svc.searches.Get(); v != nil {
		if sr := v.(*route.Search); sr.Graph() == st.In.Graph {
			return sr
		}
	}
	return route.NewSearch(st.In.Graph)
}

func (st *Study) release(sr *route.Search) { st.svc.searches.Put(sr) }
