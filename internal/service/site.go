package service

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/lru"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// Limits of a siting request, beyond the service's body size and time
// limits: each candidate costs one bounded search, each new site a pass of
// the lazy greedy and the swaps.
const (
	MaxSiteK          = 20   // new sites per request
	MaxSiteCandidates = 2000 // candidate points a request may give
	MaxSiteRelocate   = 10   // existing teams a request may move
)

// SiteRequest asks where new stations do the most good: the body of POST
// /api/site.
type SiteRequest struct {
	Add          int         `json:"add"`           // new sites (objective all: the most allowed, 0 no cap)
	Objective    string      `json:"objective"`     // coverage (default), all or time
	CandidateRes int         `json:"candidate_res"` // H3 resolution of generated candidates (default 8)
	Candidates   []SitePoint `json:"candidates"`    // given candidate points instead of generated cells
	Relocate     int         `json:"relocate"`      // existing teams that may move
	TeamSize     *int        `json:"team_size"`     // members of each new site (default: the township minimum)
	CRS          string      `json:"crs"`           // system of the candidates' lon/lat: wgs84 (default), gcj02 or bd09
}

// SitePoint is a candidate point of a request; lon and lat (degrees) are
// required.
type SitePoint struct {
	ID  string   `json:"id"`
	Lon *float64 `json:"lon"`
	Lat *float64 `json:"lat"`
}

// SiteJSON is one site of a siting answer.
type SiteJSON struct {
	ID      string   `json:"id"`
	Kind    string   `json:"kind"` // new or relocated
	From    string   `json:"from_base,omitempty"`
	Lon     float64  `json:"lon"`
	Lat     float64  `json:"lat"`
	Cell    string   `json:"cell,omitempty"`
	Members int      `json:"members"`
	Gain    *float64 `json:"greedy_gain,omitempty"` // what it added in greedy order, when it is a greedy pick
}

// SiteStep is one step of the greedy curve.
type SiteStep struct {
	K     int      `json:"k"`
	Site  string   `json:"site_id"`
	Gain  float64  `json:"gain"`
	Value float64  `json:"value"`
	Gap   *float64 `json:"gap"`
}

// SiteResult is a siting answer: the sites, the gain of each in greedy
// order, the value and its bound. Fields that do not apply are left out of
// its JSON.
type SiteResult struct {
	Objective             string              `json:"objective"`
	K                     int                 `json:"k"`
	Candidates            int                 `json:"candidates"`
	CandidatesConsidered  int                 `json:"candidates_considered"`
	Baseline              float64             `json:"baseline"`
	Value                 float64             `json:"value"`
	Covered               float64             `json:"covered"`
	MeanSeconds           float64             `json:"mean_seconds"`
	Bound                 map[string]*float64 `json:"bound"`
	Curve                 []SiteStep          `json:"curve"`
	TeamSize              int                 `json:"team_size"`
	ValueWithRelocation   *float64            `json:"value_with_relocation,omitempty"`
	CoveredWithRelocation *float64            `json:"covered_with_relocation,omitempty"`
	Sites                 []SiteJSON          `json:"sites"`
	Rejected              []siting.Rejection  `json:"rejected,omitempty"`
	Required              *float64            `json:"required,omitempty"`
	Feasible              *bool               `json:"feasible,omitempty"`
	MinSitesLowerBound    *int                `json:"min_sites_lower_bound,omitempty"`
	Note                  string              `json:"note,omitempty"`
	TookMS                int64               `json:"took_ms"`
}

// Site runs the siting on the study: candidates (generated or given), the
// matrix, lazy greedy with swaps and the certificate, and optionally
// relocation of existing teams.
func (st *Study) Site(ctx context.Context, req SiteRequest) (*SiteResult, error) {
	t0 := time.Now()
	if req.Objective == "" {
		req.Objective = "coverage"
	}
	obj, err := siting.ParseObjective(req.Objective)
	if err != nil {
		return nil, Invalidf("objective %q: want coverage, all, time or expected", req.Objective)
	}
	std := st.In.Study.Standard
	if req.CandidateRes == 0 {
		req.CandidateRes = siting.DefaultCandidateRes
	}
	teamSize := std.Teams.MinMembers["township"]
	if req.TeamSize != nil {
		teamSize = *req.TeamSize
	}
	switch {
	case req.Add < 0 || req.Add > MaxSiteK || (req.Add == 0 && obj != siting.SetCover):
		return nil, Invalidf("add %d: want 1 to %d new sites", req.Add, MaxSiteK)
	case req.CandidateRes < 5 || req.CandidateRes > st.In.Study.Resolution:
		return nil, Invalidf("candidate_res %d: want 5 to the study resolution %d", req.CandidateRes, st.In.Study.Resolution)
	case len(req.Candidates) > MaxSiteCandidates:
		return nil, Invalidf("candidates: %d given, at most %d", len(req.Candidates), MaxSiteCandidates)
	case req.Relocate < 0 || req.Relocate > MaxSiteRelocate:
		return nil, Invalidf("relocate %d: want 0 to %d", req.Relocate, MaxSiteRelocate)
	case req.Relocate > 0 && (obj == siting.SetCover || obj == siting.Expected):
		return nil, Invalidf("relocate works with the coverage and time objectives, not %v", obj)
	case teamSize < 0:
		return nil, Invalidf("team_size %d: want 0 or more", teamSize)
	}
	sys, err := coordsys.Parse(req.CRS)
	if err != nil {
		return nil, Invalidf("crs: %v", err)
	}
	copt := siting.CandidateOptions{Res: req.CandidateRes, SnapDistanceM: std.Access.SnapDistanceM, MinTeam: teamSize, Workers: HeavyWorkers}
	for k, c := range req.Candidates {
		if c.Lon == nil || c.Lat == nil {
			return nil, Invalidf("candidates[%d]: lon and lat are required", k)
		}
		if p := (orb.Point{*c.Lon, *c.Lat}); !validLonLat(p) {
			return nil, Invalidf("candidates[%d]: lon,lat %v,%v is not a location", k, p[0], p[1])
		}
		copt.Points = append(copt.Points, siting.Site{ID: c.ID, Loc: coordsys.ToWGS84(sys, orb.Point{*c.Lon, *c.Lat})})
	}
	var m *siting.Matrix
	var rep siting.CandidateReport
	if len(copt.Points) == 0 {
		m, rep, err = st.siteMatrix(ctx, copt, obj)
	} else {
		m, rep, err = study.SiteMatrix(ctx, st.In, copt, obj)
	}
	if errors.Is(err, siting.ErrNoCandidates) {
		return nil, refused(fmt.Sprintf("no usable candidate site (%d considered): %s", rep.Considered, study.Rejections(rep.Rejected, 10)), err)
	}
	if err != nil {
		return nil, err
	}
	k, note := req.Add, ""
	if k > rep.Kept {
		k, note = rep.Kept, fmt.Sprintf("add %d but only %d candidate sites: placing all %d", req.Add, rep.Kept, rep.Kept)
	}
	opt := siting.Options{Objective: obj, K: k, TargetSeconds: std.RescueSeconds(), Share: std.Rescue.CoverageTarget}
	if obj == siting.Expected {
		// The bases' busy fractions as the study gives or derives them, new
		// sites at their mean (as 'site --objective expected' without --busy).
		if opt.Busy, err = study.SiteBusy(ctx, st.In, len(m.Sites), math.NaN()); err != nil {
			return nil, refused("", err)
		}
	}
	sol, err := siting.Solve(ctx, m, opt)
	if err != nil {
		return nil, refused("", err)
	}
	gain := map[int]float64{}
	out := &SiteResult{
		Objective: obj.String(), K: k, Candidates: rep.Kept, CandidatesConsidered: rep.Considered,
		Baseline: sol.Baseline, Value: sol.Value, Covered: sol.Covered, MeanSeconds: sol.MeanSeconds,
		Bound: map[string]*float64{
			"greedy": finitePtr(sol.Bound.Greedy), "online": finitePtr(sol.Bound.Online), "exact": finitePtr(sol.Bound.Exact),
			"best": finitePtr(sol.Bound.Best), "gap": finitePtr(sol.Bound.Gap),
		},
		TeamSize: teamSize, Note: note,
	}
	for _, c := range sol.Curve {
		gain[c.Site] = c.Gain
		out.Curve = append(out.Curve, SiteStep{c.K, m.Sites[c.Site].ID, c.Gain, c.Value, finitePtr(c.Bound.Gap)})
	}
	site := func(j int, kind, from string, members int) SiteJSON {
		s := m.Sites[j]
		o := SiteJSON{ID: s.ID, Kind: kind, From: from, Lon: s.Loc[0], Lat: s.Loc[1], Members: members}
		if s.Cell != 0 {
			o.Cell = s.Cell.String()
		}
		if g, ok := gain[j]; ok && kind == "new" {
			o.Gain = &g
		}
		return o
	}
	plan := sol.Sites
	var moves []siting.Move
	if req.Relocate > 0 {
		rl, err := siting.Relocate(ctx, m, opt, sol.Sites, req.Relocate)
		if err != nil {
			return nil, refused("", err)
		}
		plan, moves = rl.Sites, rl.Moves
		out.ValueWithRelocation, out.CoveredWithRelocation = &rl.Value, &rl.Covered
	}
	for _, j := range plan {
		out.Sites = append(out.Sites, site(j, "new", "", teamSize))
	}
	for _, mv := range moves {
		out.Sites = append(out.Sites, site(mv.To, "relocated", m.Sites[mv.From].ID, m.Sites[mv.From].Members))
	}
	if len(rep.Rejected) > 0 {
		out.Rejected = rep.Rejected[:min(len(rep.Rejected), 50)]
	}
	if obj == siting.SetCover {
		out.Required, out.Feasible, out.MinSitesLowerBound = &sol.Required, &sol.Feasible, &sol.MinSites
	}
	out.TookMS = time.Since(t0).Milliseconds()
	return out, nil
}

// siteKey names a matrix of generated candidates: it depends on the study,
// the candidates' resolution and the search horizon (longer for
// p-median), and on nothing else a request says.
type siteKey struct {
	st      *Study
	res     int
	pmedian bool
}

// siteBuild is a matrix being built or built: done is closed when m, rep
// and err are set.
type siteBuild struct {
	done chan struct{}
	m    *siting.Matrix
	rep  siting.CandidateReport
	err  error
}

// siteCache keeps built matrices of generated candidates, bounded by their
// bytes (siting.Matrix.MemoryBytes), and shares a build in progress with
// the requests that want the same matrix. Safe for concurrent use.
type siteCache struct {
	mu      sync.Mutex
	pending map[siteKey]*siteBuild
	built   *lru.Cache[siteKey, *siteBuild]
}

// siteEntryBytes is what a cache entry costs beyond its matrix: the key,
// the build record and the cache's own bookkeeping.
const siteEntryBytes = 512

func newSiteCache(capacity int64) *siteCache {
	return &siteCache{pending: map[siteKey]*siteBuild{}, built: lru.New[siteKey, *siteBuild](capacity)}
}

// get returns the matrix of key, built by build if no request built it or
// is building it. The build is not cancelled by the request that started
// it (the next one wants it too) but is bounded by buildTimeout; a request
// stops waiting when its own context ends. Failed builds are not kept.
func (c *siteCache) get(ctx context.Context, key siteKey, buildTimeout time.Duration,
	build func(context.Context) (*siting.Matrix, siting.CandidateReport, error)) (*siting.Matrix, siting.CandidateReport, error) {
	if b, ok := c.built.Get(key); ok {
		return b.m, b.rep, b.err
	}
	c.mu.Lock()
	b := c.pending[key]
	if b == nil {
		if done, ok := c.built.Get(key); ok { // built between the two looks
			c.mu.Unlock()
			return done.m, done.rep, done.err
		}
		b = &siteBuild{done: make(chan struct{})}
		c.pending[key] = b
		go func() {
			bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), buildTimeout)
			b.m, b.rep, b.err = build(bctx)
			cancel()
			if b.err == nil {
				c.built.Add(key, b, int64(b.m.MemoryBytes())+siteEntryBytes)
			}
			c.mu.Lock()
			delete(c.pending, key)
			c.mu.Unlock()
			close(b.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-b.done:
		return b.m, b.rep, b.err
	case <-ctx.Done():
		return nil, siting.CandidateReport{}, ctx.Err()
	}
}

// siteMatrix returns the study's matrix of generated candidates for copt
// and obj from the service's cache. The members of new sites change no
// entry of the matrix, only Site.Members of its candidates, which the
// answer does not read (it states the request's team size): the shared
// matrix carries the study's township minimum whatever the first request
// asked.
func (st *Study) siteMatrix(ctx context.Context, copt siting.CandidateOptions, obj siting.Objective) (*siting.Matrix, siting.CandidateReport, error) {
	key := siteKey{st, copt.Res, obj == siting.PMedian}
	copt.MinTeam = st.In.Study.Standard.Teams.MinMembers["township"]
	return st.svc.sites.get(ctx, key, 4*st.svc.cfg.Limits.Timeout, func(ctx context.Context) (*siting.Matrix, siting.CandidateReport, error) {
		return study.SiteMatrix(ctx, st.In, copt, obj)
	})
}

// SiteCacheStats returns the siting matrix cache's counters (entries and
// bytes over all studies).
func (s *Service) SiteCacheStats() lru.Stats { return s.sites.built.Stats() }

func finitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
