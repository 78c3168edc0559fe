package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
)

// Limits of POST /api/site, beyond the server's body size and time limits:
// each candidate costs one bounded search, each new site a pass of the
// lazy greedy and the swaps.
const (
	maxSiteK          = 20   // new sites per request
	maxSiteCandidates = 2000 // candidate points a request may give
	maxSiteRelocate   = 10   // existing teams a request may move
)

// siteRequest is the body of POST /api/site.
type siteRequest struct {
	Add          int         `json:"add"`           // new sites (objective all: the most allowed, 0 no cap)
	Objective    string      `json:"objective"`     // coverage (default), all or time
	CandidateRes int         `json:"candidate_res"` // H3 resolution of generated candidates (default 8)
	Candidates   []sitePoint `json:"candidates"`    // given candidate points instead of generated cells
	Relocate     int         `json:"relocate"`      // existing teams that may move
	TeamSize     *int        `json:"team_size"`     // members of each new site (default: the township minimum)
}

// sitePoint is a candidate point of a request; lon and lat are required.
type sitePoint struct {
	ID  string   `json:"id"`
	Lon *float64 `json:"lon"`
	Lat *float64 `json:"lat"`
}

// handleSite runs the siting on the loaded study: candidates (generated or
// given), the matrix, lazy greedy with swaps and the certificate, and
// optionally relocation of existing teams. It answers the sites, the gain
// of each in greedy order, the value and its bound.
func (s *server) handleSite(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ready(r)
	if err != nil {
		return err
	}
	t0 := time.Now()
	var req siteRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return badRequest("body: %v", err)
	}
	if req.Objective == "" {
		req.Objective = "coverage"
	}
	obj, err := siting.ParseObjective(req.Objective)
	if err != nil {
		return badRequest("objective %q: want coverage, all or time", req.Objective)
	}
	std := st.in.Study.Standard
	if req.CandidateRes == 0 {
		req.CandidateRes = siting.DefaultCandidateRes
	}
	teamSize := std.Teams.MinMembers["township"]
	if req.TeamSize != nil {
		teamSize = *req.TeamSize
	}
	switch {
	case req.Add < 0 || req.Add > maxSiteK || (req.Add == 0 && obj != siting.SetCover):
		return badRequest("add %d: want 1 to %d new sites", req.Add, maxSiteK)
	case req.CandidateRes < 5 || req.CandidateRes > st.in.Study.Resolution:
		return badRequest("candidate_res %d: want 5 to the study resolution %d", req.CandidateRes, st.in.Study.Resolution)
	case len(req.Candidates) > maxSiteCandidates:
		return badRequest("candidates: %d given, at most %d", len(req.Candidates), maxSiteCandidates)
	case req.Relocate < 0 || req.Relocate > maxSiteRelocate:
		return badRequest("relocate %d: want 0 to %d", req.Relocate, maxSiteRelocate)
	case req.Relocate > 0 && obj == siting.SetCover:
		return badRequest("relocate works with the coverage and time objectives, not all")
	case teamSize < 0:
		return badRequest("team_size %d: want 0 or more", teamSize)
	}
	copt := siting.CandidateOptions{Res: req.CandidateRes, SnapDistanceM: std.Access.SnapDistanceM, MinTeam: teamSize}
	for k, c := range req.Candidates {
		if c.Lon == nil || c.Lat == nil {
			return badRequest("candidates[%d]: lon and lat are required", k)
		}
		lon, lat := *c.Lon, *c.Lat
		if math.IsNaN(lon) || math.IsNaN(lat) || math.Abs(lon) > 180 || math.Abs(lat) > 90 {
			return badRequest("candidates[%d]: lon,lat %v,%v is not a location", k, lon, lat)
		}
		copt.Points = append(copt.Points, siting.Site{ID: c.ID, Loc: orb.Point{lon, lat}})
	}
	var m *siting.Matrix
	var rep siting.CandidateReport
	if len(copt.Points) == 0 {
		m, rep, err = st.siteMatrix(r.Context(), copt, obj)
	} else {
		m, rep, err = siteMatrix(r.Context(), st.in, copt, obj)
	}
	if errors.Is(err, siting.ErrNoCandidates) {
		return &apiError{http.StatusUnprocessableEntity, fmt.Sprintf("no usable candidate site (%d considered): %s", rep.Considered, rejections(rep.Rejected, 10))}
	}
	if err != nil {
		return err
	}
	k, note := req.Add, ""
	if k > rep.Kept {
		k, note = rep.Kept, fmt.Sprintf("add %d but only %d candidate sites: placing all %d", req.Add, rep.Kept, rep.Kept)
	}
	opt := siting.Options{Objective: obj, K: k, TargetSeconds: std.RescueSeconds(), Share: std.Rescue.CoverageTarget}
	sol, err := siting.Solve(r.Context(), m, opt)
	if err != nil {
		return &apiError{http.StatusUnprocessableEntity, err.Error()}
	}
	type siteJSON struct {
		ID      string   `json:"id"`
		Kind    string   `json:"kind"` // new or relocated
		From    string   `json:"from_base,omitempty"`
		Lon     float64  `json:"lon"`
		Lat     float64  `json:"lat"`
		Cell    string   `json:"cell,omitempty"`
		Members int      `json:"members"`
		Gain    *float64 `json:"greedy_gain,omitempty"` // what it added in greedy order, when it is a greedy pick
	}
	gain := map[int]float64{}
	type stepJSON struct {
		K     int      `json:"k"`
		Site  string   `json:"site_id"`
		Gain  float64  `json:"gain"`
		Value float64  `json:"value"`
		Gap   *float64 `json:"gap"`
	}
	var curve []stepJSON
	for _, c := range sol.Curve {
		gain[c.Site] = c.Gain
		curve = append(curve, stepJSON{c.K, m.Sites[c.Site].ID, c.Gain, c.Value, finitePtr(c.Bound.Gap)})
	}
	site := func(j int, kind, from string, members int) siteJSON {
		s := m.Sites[j]
		out := siteJSON{ID: s.ID, Kind: kind, From: from, Lon: s.Loc[0], Lat: s.Loc[1], Members: members}
		if s.Cell != 0 {
			out.Cell = s.Cell.String()
		}
		if g, ok := gain[j]; ok && kind == "new" {
			out.Gain = &g
		}
		return out
	}
	resp := map[string]any{
		"objective": obj.String(), "k": k, "candidates": rep.Kept, "candidates_considered": rep.Considered,
		"baseline": sol.Baseline, "value": sol.Value, "covered": sol.Covered, "mean_seconds": sol.MeanSeconds,
		"bound": map[string]*float64{
			"greedy": finitePtr(sol.Bound.Greedy), "online": finitePtr(sol.Bound.Online), "exact": finitePtr(sol.Bound.Exact),
			"best": finitePtr(sol.Bound.Best), "gap": finitePtr(sol.Bound.Gap),
		},
		"curve": curve, "team_size": teamSize,
	}
	var sites []siteJSON
	plan := sol.Sites
	var moves []siting.Move
	if req.Relocate > 0 {
		rl, err := siting.Relocate(r.Context(), m, opt, sol.Sites, req.Relocate)
		if err != nil {
			return &apiError{http.StatusUnprocessableEntity, err.Error()}
		}
		plan, moves = rl.Sites, rl.Moves
		resp["value_with_relocation"], resp["covered_with_relocation"] = rl.Value, rl.Covered
	}
	for _, j := range plan {
		sites = append(sites, site(j, "new", "", teamSize))
	}
	for _, mv := range moves {
		sites = append(sites, site(mv.To, "relocated", m.Sites[mv.From].ID, m.Sites[mv.From].Members))
	}
	resp["sites"] = sites
	if len(rep.Rejected) > 0 {
		rej := rep.Rejected[:min(len(rep.Rejected), 50)]
		resp["rejected"] = rej
	}
	if obj == siting.SetCover {
		resp["required"], resp["feasible"], resp["min_sites_lower_bound"] = sol.Required, sol.Feasible, sol.MinSites
	}
	if note != "" {
		resp["note"] = note
	}
	resp["took_ms"] = time.Since(t0).Milliseconds()
	return writeJSON(w, resp)
}

// siteKey names a matrix of generated candidates: it depends on the
// candidates' resolution and team, and on the search horizon (longer for
// p-median).
type siteKey struct {
	res, team int
	pmedian   bool
}

// siteEntry is a matrix built once per study and key and shared by the
// requests after it (the solver only reads it).
type siteEntry struct {
	once sync.Once
	m    *siting.Matrix
	rep  siting.CandidateReport
	err  error
}

// siteMatrix returns the study's matrix of generated candidates for copt
// and obj, built by the first request that needs it (not cancelled by that
// request's client going away: the next one wants it too).
func (st *studyState) siteMatrix(ctx context.Context, copt siting.CandidateOptions, obj siting.Objective) (*siting.Matrix, siting.CandidateReport, error) {
	key := siteKey{copt.Res, copt.MinTeam, obj == siting.PMedian}
	v, _ := st.siteMats.LoadOrStore(key, &siteEntry{})
	e := v.(*siteEntry)
	e.once.Do(func() {
		e.m, e.rep, e.err = siteMatrix(context.WithoutCancel(ctx), st.in, copt, obj)
	})
	return e.m, e.rep, e.err
}

func finitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
