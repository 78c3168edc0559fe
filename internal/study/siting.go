package study

import (
	"context"
	"fmt"
	"strings"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/data/units"
)

// SiteMatrix places the candidate sites on the study's roads and builds the
// siting matrix: the study's bases first (Existing, in order), then the
// candidates. The horizon is the rescue circle, or for the time objective
// the second-base horizon (the p-median penalty). The `site` command and
// the service's siting both call it, so they answer the same question the
// same way. The matrix does not depend on the members of new sites.
// copt.Workers bounds the matrix's parallel searches too (<= 0: GOMAXPROCS).
func SiteMatrix(ctx context.Context, in *Inputs, copt siting.CandidateOptions, obj siting.Objective) (*siting.Matrix, siting.CandidateReport, error) {
	std := in.Study.Standard
	cands, rep, err := siting.Candidates(ctx, in.Graph, copt)
	if err != nil {
		return nil, rep, err
	}
	sites := make([]siting.Site, 0, len(in.Coverage.Bases)+len(cands))
	for _, b := range in.Coverage.Bases {
		sites = append(sites, siting.Site{ID: b.ID, Loc: b.Loc, Existing: true, Members: b.TeamSize})
	}
	m, err := siting.NewMatrix(ctx, in.Graph, append(sites, cands...), siting.Demand{Cells: in.Coverage.Cells, Pop: in.Coverage.Pop},
		siting.MatrixOptions{HorizonSeconds: SiteHorizonSeconds(std, obj), TurnoutSeconds: std.Rescue.TurnoutSeconds, WalkKPH: std.Access.WalkKPH, SnapDistanceM: std.Access.SnapDistanceM, Workers: copt.Workers})
	return m, rep, err
}

// SiteHorizonSeconds is the search horizon of a siting matrix for obj: the
// rescue circle, or for p-median the second-base horizon. Matrices of the
// same candidates and horizon are the same matrix.
func SiteHorizonSeconds(std *standard.Standard, obj siting.Objective) float64 {
	if obj == siting.PMedian {
		return std.Rescue.SecondBaseHorizonMinutes * 60
	}
	return std.RescueSeconds()
}

// SitePlan is a siting answer to apply to the study: the new sites (rows
// of M) and, when teams may move, the relocation.
type SitePlan struct {
	M              *siting.Matrix
	Sites          []int // rows of M of the new sites
	Relocation     *siting.Relocation
	Value, Covered float64
	// Busy are the busy fractions of M's sites the plan was sited with
	// (the expected objective; nil otherwise): with busy teams in the
	// study, the new sites' teams are busy as the plan assumed.
	Busy []float64
}

// Moves returns the relocation's moves (nil without one).
func (p *SitePlan) Moves() []siting.Move {
	if p.Relocation == nil {
		return nil
	}
	return p.Relocation.Moves
}

// PlanCoverage runs the coverage study with the existing bases (before)
// and with the plan applied (after): new sites as township bases of
// teamSize members, moved teams at their new sites.
func PlanCoverage(ctx context.Context, in *Inputs, plan *SitePlan, teamSize int) (before, after *coverage.Result, err error) {
	ci := in.Coverage
	if before, err = coverage.Compute(ctx, ci); err != nil {
		return nil, nil, err
	}
	ix := units.NewIndex(in.Units)
	moved := map[int]int{} // existing site -> its new site
	for _, mv := range plan.Moves() {
		moved[mv.From] = mv.To
	}
	ci.Bases, ci.BaseUnit = nil, nil
	add := func(b coverage.Base) {
		ci.Bases = append(ci.Bases, b)
		ci.BaseUnit = append(ci.BaseUnit, int32(ix.Locate(b.Loc)))
	}
	for j, b := range in.Coverage.Bases { // existing sites are the matrix's first rows
		if to, ok := moved[j]; ok {
			b.Loc = plan.M.Sites[to].Loc
		}
		add(b)
	}
	for _, j := range plan.Sites {
		s := plan.M.Sites[j]
		add(coverage.Base{ID: s.ID, Name: "new site", Level: "township", Loc: s.Loc, TeamSize: teamSize})
	}
	ci.Busy = planBusy(in.Coverage.Busy, plan)
	if after, err = coverage.Compute(ctx, ci); err != nil {
		return nil, nil, err
	}
	return before, after, nil
}

// Rejections lists up to n dropped candidates with their reasons, for a
// message.
func Rejections(rs []siting.Rejection, n int) string {
	var b strings.Builder
	for k, r := range rs {
		if k == n {
			fmt.Fprintf(&b, "; and %d more", len(rs)-n)
			break
		}
		if k > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", r.ID, r.Reason)
	}
	return b.String()
}
