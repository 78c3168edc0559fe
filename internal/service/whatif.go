package service

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

// WhatIfRequest asks how coverage changes with bases added or removed. It
// is the body of POST /api/whatif; new kinds of change (moving a base,
// closing roads, slowing an area) become new fields here, each applied by
// its own step in WhatIf.
type WhatIfRequest struct {
	Add    []NewBase `json:"add"`
	Remove []string  `json:"remove"` // ids of the study's bases to close
	// CRS is the system of the added bases' lon/lat: wgs84 (default),
	// gcj02 (Amap, Tencent) or bd09 (Baidu); converted to WGS-84.
	CRS string `json:"crs"`
}

// NewBase is a base a what-if adds.
type NewBase struct {
	ID       string  `json:"id"` // "" becomes new-1, new-2 …
	Lon      float64 `json:"lon"`
	Lat      float64 `json:"lat"`
	TeamSize int     `json:"team_size"`
	Level    string  `json:"level"` // "" is township
}

// UnitChange is one unit's coverage before and after a what-if.
type UnitChange struct {
	ID            string  `json:"unit_id"`
	Name          string  `json:"name"`
	Residents     float64 `json:"residents"`
	WithinBefore  float64 `json:"within_before"`
	WithinAfter   float64 `json:"within_after"`
	ShareBefore   float64 `json:"share_before"`
	ShareAfter    float64 `json:"share_after"`
	ResidentsGain float64 `json:"residents_gained"`
}

// WhatIfResult is the coverage before and after, in total and per unit
// with residents.
type WhatIfResult struct {
	WithinBefore    float64      `json:"within_before"`
	WithinAfter     float64      `json:"within_after"`
	ShareBefore     float64      `json:"share_before"`
	ShareAfter      float64      `json:"share_after"`
	ResidentsGained float64      `json:"residents_gained"`
	UnplacedBases   []string     `json:"unplaced_bases"`
	Units           []UnitChange `json:"units"`
}

// WhatIf recomputes the study's coverage with the request's changes.
func (st *Study) WhatIf(ctx context.Context, req WhatIfRequest) (*WhatIfResult, error) {
	if len(req.Add)+len(req.Remove) == 0 {
		return nil, Invalidf("body: nothing to add or remove")
	}
	if maxP := st.svc.cfg.Limits.MaxPoints; len(req.Add)+len(req.Remove) > maxP {
		return nil, Invalidf("body: at most %d bases added or removed", maxP)
	}
	sys, err := coordsys.Parse(req.CRS)
	if err != nil {
		return nil, Invalidf("crs: %v", err)
	}
	in := st.In.Coverage
	if err := applyBases(&in, req, sys); err != nil {
		return nil, err
	}
	in.Zone = nil
	in.Workers = HeavyWorkers
	res, err := coverage.Compute(ctx, in)
	if err != nil {
		return nil, refused("", err)
	}
	out := &WhatIfResult{
		WithinBefore: st.Res.Summary.Within, WithinAfter: res.Summary.Within,
		ShareBefore: st.Res.Summary.Share, ShareAfter: res.Summary.Share,
		ResidentsGained: res.Summary.Within - st.Res.Summary.Within,
		UnplacedBases:   res.Summary.UnplacedBases,
	}
	for u, after := range res.Units {
		before := st.Res.Units[u]
		if after.Residents == 0 {
			continue
		}
		out.Units = append(out.Units, UnitChange{after.ID, after.Name, after.Residents, before.Within, after.Within, before.Share, after.Share, after.Within - before.Within})
	}
	return out, nil
}

// applyBases removes and adds the request's bases in a copy of the
// coverage inputs (in's slices are replaced, never written to).
func applyBases(in *coverage.Input, req WhatIfRequest, sys coordsys.System) error {
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
		return Invalidf("remove: no base %q", id)
	}
	for k, a := range req.Add {
		if !validLonLat(orb.Point{a.Lon, a.Lat}) {
			return Invalidf("add[%d]: lon,lat %v,%v is not a location", k, a.Lon, a.Lat)
		}
		id := a.ID
		if id == "" {
			id = fmt.Sprintf("new-%d", k+1)
		}
		level := a.Level
		if level == "" {
			level = "township"
		}
		bases = append(bases, coverage.Base{ID: id, Name: id, Level: level, TeamSize: a.TeamSize, Loc: coordsys.ToWGS84(sys, orb.Point{a.Lon, a.Lat})})
		baseUnit = append(baseUnit, -1)
	}
	if len(bases) == 0 {
		return Invalidf("remove: that would leave no base")
	}
	in.Bases, in.BaseUnit = bases, baseUnit
	return nil
}
