package coverage

import (
	"context"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/rescuegrid/rescuegrid/internal/stats"
	"github.com/uber/h3-go/v4"
)

func units(in Input, res *Result) []UnitResult {
	std := in.Standard
	c := &res.Cells
	out := make([]UnitResult, len(in.Units))
	times := make([][]float64, len(in.Units))
	weights := make([][]float64, len(in.Units))
	for u := range out {
		out[u].Unit = in.Units[u]
		if out[u].Level == "" {
			out[u].Level = "township"
		}
		out[u].MinMembers = std.Teams.MinMembers[out[u].Level]
	}
	for i, u := range in.CellUnit {
		if u < 0 {
			continue
		}
		r := &out[u]
		p := in.Pop[i]
		r.Cells++
		r.Residents += p
		if c.Within[i] {
			r.Within += p
		}
		if c.NoRoad[i] {
			r.NoRoadCells++
			r.NoRoadResidents += p
		}
		if c.OwnCovered[i] {
			r.OwnTeamCovered += p
		}
		if c.Rapid[i] >= 0 {
			r.RapidResidents += p
			if c.Rapid[i] == 1 {
				r.RapidMet += p
			}
		}
		times[u] = append(times[u], c.Time[i])
		weights[u] = append(weights[u], p)
	}
	for b, base := range in.Bases {
		if u := in.BaseUnit[b]; u >= 0 {
			out[u].Bases++
			out[u].Members += base.TeamSize
		}
	}
	for u := range out {
		r := &out[u]
		r.Outside = r.Residents - r.Within
		r.Share = 1
		if r.Residents > 0 {
			r.Share = r.Within / r.Residents
		}
		q := stats.WeightedQuantiles(times[u], weights[u], 0.5, 0.9, 1)
		r.P50, r.P90, r.Max = q[0], q[1], q[2]
		r.TeamShort = max(0, r.MinMembers-r.Members)
		r.MeetsRescue = r.Share >= std.Rescue.CoverageTarget-1e-12
		r.MeetsTeam = r.Bases > 0 && r.TeamShort == 0 && (r.Residents == 0 || r.OwnTeamCovered > 0)
	}
	return out
}

func bases(in Input, res *Result, pb *Partial) {
	c := &res.Cells
	for i, b := range c.Base {
		if b >= 0 {
			res.Bases[b].Nearest += in.Pop[i]
		}
		if o := pb.Only[i]; o >= 0 {
			res.Bases[o].OnlyCovers += in.Pop[i]
		}
	}
	for b := range res.Bases {
		res.Bases[b].Covered = pb.Covered[b]
	}
}

func summary(in Input, res *Result) Summary {
	s := res.Summary
	c := &res.Cells
	s.Cells = len(in.Cells)
	for i, p := range in.Pop {
		s.Residents += p
		if c.Within[i] {
			s.Within += p
		}
		if c.NoRoad[i] {
			s.NoRoadCells++
			s.NoRoadResidents += p
		}
		if in.CellUnit[i] < 0 {
			s.OutsideUnits++
			s.OutsideUnitResidents += p
		}
	}
	s.Outside = s.Residents - s.Within
	s.Share = 1
	if s.Residents > 0 {
		s.Share = s.Within / s.Residents
	}
	q := stats.WeightedQuantiles(c.Time, in.Pop, 0.5, 0.9, 1)
	s.P50, s.P90, s.Max = q[0], q[1], q[2]
	return s
}

// isochrones dissolves the per-base band cells, and the all-bases bands:
// the road-node cells of the nearest-base search and the cell centres.
func isochrones(ctx context.Context, in Input, res *Result, pb *Partial) ([]Isochrone, error) {
	bands := in.Standard.IsochroneMinutes
	var out []Isochrone
	sets := make([]map[h3.Cell]struct{}, len(bands))
	resid := make([]float64, len(bands))
	for j := range sets {
		sets[j] = map[h3.Cell]struct{}{}
		for _, c := range pb.NodeBands[j] {
			sets[j][c] = struct{}{}
		}
	}
	for i, t := range res.Cells.Time {
		for j, m := range bands {
			if t <= m*60 {
				sets[j][in.Cells[i]] = struct{}{}
				resid[j] += in.Pop[i]
			}
		}
	}
	for j, m := range bands {
		cells := make([]h3.Cell, 0, len(sets[j]))
		for c := range sets[j] {
			cells = append(cells, c)
		}
		slices.Sort(cells)
		out = append(out, Isochrone{Base: -1, Minutes: m, Cells: cells, Residents: resid[j]})
	}
	for b, per := range pb.BaseBands {
		for j, bc := range per {
			out = append(out, Isochrone{Base: int32(b), Minutes: bands[j], Cells: bc.Cells, Residents: bc.Residents})
		}
	}
	err := par.For(ctx, len(out), in.Workers, func(k int) error {
		mp, err := geo.CellsToMultiPolygon(out[k].Cells)
		out[k].Geom = mp
		return err
	})
	return out, err
}

// gaps groups the populated cells outside the rescue circle into connected
// patches (H3 neighbours) and ranks them by residents.
func gaps(in Input, res *Result) ([]Gap, error) {
	c := &res.Cells
	outside := map[h3.Cell]int{}
	for i := range in.Cells {
		if !c.Within[i] && in.Pop[i] > 0 {
			outside[in.Cells[i]] = i
		}
	}
	seen := map[int]bool{}
	var out []Gap
	keys := make([]h3.Cell, 0, len(outside))
	for k := range outside {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, start := range keys {
		i0 := outside[start]
		if seen[i0] {
			continue
		}
		g := Gap{WorstTime: 0, Unit: -1}
		stack := []int{i0}
		seen[i0] = true
		unitPop := map[int32]float64{}
		var sx, sy float64
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			g.Cells = append(g.Cells, i)
			p := in.Pop[i]
			g.Residents += p
			g.WorstTime = math.Max(g.WorstTime, c.Time[i])
			unitPop[in.CellUnit[i]] += p
			sx += c.Center[i][0] * p
			sy += c.Center[i][1] * p
			nb, err := in.Cells[i].GridDisk(1)
			if err != nil {
				return nil, err
			}
			for _, n := range nb {
				if j, ok := outside[n]; ok && !seen[j] {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
		if g.Residents > 0 {
			g.Centroid = orb.Point{sx / g.Residents, sy / g.Residents}
		}
		best := -1.0
		for u, p := range unitPop {
			if p > best || (p == best && u < g.Unit) {
				best, g.Unit = p, u
			}
		}
		sort.Ints(g.Cells)
		out = append(out, g)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Residents > out[b].Residents })
	return out, nil
}
