package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/data/csvio"
	"github.com/rescuegrid/rescuegrid/data/facility"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

const siteHelp = `
Where should the next rescue stations go? Candidate sites are the centres of
the H3 cells of a coarser resolution (--candidate-res, default 8) that have
road access, or the sites of --candidates; the study's existing bases stay
open (unless --relocate lets some move). Objectives:
  coverage  most residents within the rescue circle for K new sites (MCLP)
  all       fewest new sites so that every resident (or the preset's coverage
            target share) is within the circle (LSCP); --add caps the count
  time      least population-weighted travel time (p-median)
  expected  most residents expected to be reached in time when teams are
            out on other calls (MEXCLP): the bases' busy fractions as the
            study's busy_teams gives or derives them (derived from the
            preset's call rate without it), new sites at --busy (default:
            the bases' mean)
--day-weight W sites for (1 − W) × residents + W × the day population of
the study's population.day (residents who stay plus workers); the plan's
figures are then in those weighted people.
Greedy with lazy evaluation, then swaps; for every K the residents covered,
the gain of each added site, and a certificate: the greedy and online
bounds, and the exact optimum on small instances, with the gap.

--candidates FILE: GeoJSON points and polygons, or CSV with lon,lat columns
(id optional). A polygon stands for the candidate cells whose centres lie
inside it, each placed on its nearest road; a polygon too small to hold a
cell centre stands for one site at its centroid. Every site is checked for
road access; those dropped are listed with the reason.
--exclude FILE: GeoJSON polygons where no station may stand (water,
protected land); a polygon holding no road of the study is reported.
--relocate N: up to N existing bases may close and their teams move to
candidate sites, when that serves the objective better (never worse than
no move).
--team-size M: the members of each new site (default: the preset's
township minimum); each new site and each unit is judged against the
township and village minimums.

Writes into --out (replaced only if an earlier 'site' wrote it, or with
--force another rescuegrid command; never a folder rescuegrid did not write):
sites.csv (the plan: new and relocated sites), candidates.csv (every candidate
considered: kept, or dropped with the reason), curve.csv
(one row per K), units.csv (each unit before and after: residents inside
the circle, members against the minimum) and summary.json. A readable
curve and plan go to standard output.

Usage:
  rescuegrid site STUDY.yaml --add K [--objective coverage|all|time|expected] --out DIR
                  [--candidates FILE] [--exclude FILE] [--crs wgs84|gcj02|bd09]
                  [--relocate N] [--team-size M]

Example:
  rescuegrid site data/sample/andorra/study.yaml --add 5 --out out/andorra-sites
`

// siteFlags are the site command's settings.
type siteFlags struct {
	add, res, relocate, teamSize int
	objective, out               string
	busy, dayWeight              float64
	force                        bool
	candidates, exclude, crs     string
}

func site(ctx context.Context, args []string, e *env) error {
	fs := newFlags("site", siteHelp, e)
	var f siteFlags
	fs.IntVar(&f.add, "add", 5, "new sites to place (for 'all': the most allowed, 0 = no cap)")
	fs.StringVar(&f.objective, "objective", "coverage", "coverage | all | time | expected")
	fs.Float64Var(&f.busy, "busy", math.NaN(), "expected: busy fraction of each new site (default: the mean of the bases')")
	fs.Float64Var(&f.dayWeight, "day-weight", 0, "weight of the day population (population.day) against the residents: 0 residents only, 1 day only")
	fs.StringVar(&f.out, "out", "", "output folder")
	fs.BoolVar(&f.force, "force", false, "replace --out even if another rescuegrid command wrote it (never a folder rescuegrid did not write)")
	fs.IntVar(&f.res, "candidate-res", 8, "H3 resolution of the candidate cells")
	fs.StringVar(&f.candidates, "candidates", "", "candidate sites: GeoJSON points/polygons or CSV lon,lat (default: every road cell)")
	fs.StringVar(&f.exclude, "exclude", "", "GeoJSON polygons where no station may stand")
	fs.StringVar(&f.crs, "crs", "wgs84", "coordinate system of --candidates and --exclude: wgs84, gcj02 (Amap, Tencent) or bd09 (Baidu)")
	fs.IntVar(&f.relocate, "relocate", 0, "existing bases that may move to candidate sites")
	fs.IntVar(&f.teamSize, "team-size", -1, "members of each new site (default: the preset's township minimum)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.out == "" {
		return usageErr("site: want one study file and --out (run 'rescuegrid site --help')")
	}
	obj, err := siting.ParseObjective(f.objective)
	if err != nil {
		return usageErr("site: --objective %q: want coverage, all, time or expected", f.objective)
	}
	switch {
	case f.add < 0 || (f.add == 0 && obj != siting.SetCover && f.relocate == 0):
		return usageErr("site: --add %d: want at least 1 (or 0 with --relocate: only move existing teams)", f.add)
	case f.relocate < 0:
		return usageErr("site: --relocate %d: want 0 or more", f.relocate)
	case f.relocate > 0 && (obj == siting.SetCover || obj == siting.Expected):
		return usageErr("site: --relocate works with --objective coverage or time, not %v", obj)
	case !math.IsNaN(f.busy) && !(f.busy >= 0 && f.busy <= 1):
		return usageErr("site: --busy %v: want a share of the time in [0, 1]", f.busy)
	case f.teamSize < -1:
		return usageErr("site: --team-size %d: want 0 or more", f.teamSize)
	}
	sys, err := coordsys.Parse(f.crs)
	if err != nil {
		return usageErr("site: --crs: %v", err)
	}
	if err := outdir.Check(f.out, "site", outdir.Options{Force: f.force}); err != nil {
		return err
	}
	t0 := time.Now()
	st, err := study.Load(pos[0])
	if err != nil {
		return err
	}
	if f.res < 5 || f.res > st.Resolution {
		return usageErr("site: --candidate-res %d: want 5 to the study resolution %d", f.res, st.Resolution)
	}
	in, err := study.Read(ctx, st, study.Options{Generator: "rescuegrid " + versionString()})
	if err != nil {
		return err
	}
	if f.dayWeight != 0 {
		if err := in.WeighDay(f.dayWeight); err != nil {
			return usageErr("site: --day-weight: %v", err)
		}
	}
	std := st.Standard
	if f.teamSize < 0 {
		f.teamSize = std.Teams.MinMembers["township"]
	}
	copt := siting.CandidateOptions{Res: f.res, SnapDistanceM: std.Access.SnapDistanceM, MinTeam: f.teamSize}
	if f.candidates != "" {
		given, err := facility.ReadSites(f.candidates)
		if err != nil {
			return fmt.Errorf("site: --candidates: %w", err)
		}
		facility.SitesToWGS84(sys, given)
		for _, s := range given {
			if s.Area != nil {
				copt.Areas = append(copt.Areas, siting.Area{ID: s.ID, Geom: s.Area})
			} else {
				copt.Points = append(copt.Points, siting.Site{ID: s.ID, Loc: s.Loc})
			}
		}
	}
	if f.exclude != "" {
		areas, err := units.ReadGeoJSON(f.exclude, units.GeoJSONOptions{Repair: true, CRS: sys})
		if err != nil {
			return fmt.Errorf("site: --exclude: %w", err)
		}
		for _, a := range areas {
			if !holdsRoad(in.Graph, a.Geom) {
				b := in.Graph.Bound()
				c := func(v float64) string { return fmt.Sprintf("%.4f", v) }
				e.warn(e.lang.T("site.exclude_empty", "id", strconv.Quote(a.ID), "file", f.exclude, "w", c(b.Min[0]), "s", c(b.Min[1]), "e", c(b.Max[0]), "north", c(b.Max[1])))
			}
			copt.Exclude = append(copt.Exclude, a.Geom)
		}
	}
	m, rep, err := study.SiteMatrix(ctx, in, copt, obj)
	if errors.Is(err, siting.ErrNoCandidates) && f.candidates != "" {
		return fmt.Errorf("site: no usable candidate site in %s (%d considered): %s", f.candidates, rep.Considered, study.Rejections(rep.Rejected, 10))
	}
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if len(rep.Rejected) > 0 {
		e.warn(e.lang.T("site.rejected", "n", len(rep.Rejected), "total", rep.Considered, "file", f.candidates, "reasons", study.Rejections(rep.Rejected, 5)))
	}
	k := f.add
	if k > rep.Kept {
		e.warn(e.lang.T("site.add_more", "k", k, "n", rep.Kept))
		k = rep.Kept
	}
	sopt := siting.Options{Objective: obj, K: k, TargetSeconds: std.RescueSeconds(), Share: std.Rescue.CoverageTarget, SwapEachK: true}
	if obj == siting.Expected {
		if sopt.Busy, err = study.SiteBusy(ctx, in, len(m.Sites), f.busy); err != nil {
			return fmt.Errorf("site: %w", err)
		}
	}
	var sol *siting.Solution
	if k > 0 || obj == siting.SetCover {
		if sol, err = siting.Solve(ctx, m, sopt); err != nil {
			return fmt.Errorf("site: %w", err)
		}
	}
	plan := &study.SitePlan{M: m, Busy: sopt.Busy}
	if sol != nil {
		plan.Sites, plan.Value, plan.Covered = sol.Sites, sol.Value, sol.Covered
	}
	if f.relocate > 0 {
		r, err := siting.Relocate(ctx, m, sopt, plan.Sites, f.relocate)
		if err != nil {
			return fmt.Errorf("site: %w", err)
		}
		plan.Relocation = r
		plan.Sites, plan.Value, plan.Covered = r.Sites, r.Value, r.Covered
	}
	before, after, err := study.PlanCoverage(ctx, in, plan, f.teamSize)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if d := after.Summary.Within - plan.Covered; math.Abs(d) > 0.5 {
		e.warn(e.lang.T("site.mismatch", "study", fmt.Sprintf("%.0f", after.Summary.Within), "matrix", fmt.Sprintf("%.0f", plan.Covered)))
	}
	res := &siteResult{f: f, st: st, in: in, rep: rep, m: m, sol: sol, plan: plan, before: before, after: after}
	err = outdir.Write(ctx, f.out, studyManifest("site", st), outdir.Options{Force: f.force}, func(dir string) error {
		res.took = time.Since(t0)
		return writeSiteFiles(dir, res)
	})
	if err != nil {
		return err
	}
	if !e.quiet {
		printSite(e.stdout, e.lang, res)
		fmt.Fprintln(e.stdout, "  "+e.lang.T("site.wrote", "out", f.out, "secs", fmt.Sprintf("%.2f", time.Since(t0).Seconds())))
	}
	return nil
}

// holdsRoad reports whether some node of g lies inside mp.
func holdsRoad(g *graph.Graph, mp orb.MultiPolygon) bool {
	bound := mp.Bound()
	if !bound.Intersects(g.Bound()) {
		return false
	}
	for v := 0; v < g.NumNodes(); v++ {
		if p := g.Point(graph.NodeID(v)); bound.Contains(p) && planar.MultiPolygonContains(mp, p) {
			return true
		}
	}
	return false
}

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// siteResult is one run of the site command: its flags, study and inputs,
// the candidates (rep) and their matrix, the solution (nil when nothing was
// solved), the plan, the coverage before and after the plan, and its time.
type siteResult struct {
	f             siteFlags
	st            *study.Study
	in            *study.Inputs
	rep           siting.CandidateReport
	m             *siting.Matrix
	sol           *siting.Solution
	plan          *study.SitePlan
	before, after *coverage.Result
	took          time.Duration
}

// writeSiteFiles writes the site output's files into dir.
func writeSiteFiles(dir string, r *siteResult) error {
	f, st, in, rep, m, sol, plan, before, after, took := r.f, r.st, r.in, r.rep, r.m, r.sol, r.plan, r.before, r.after, r.took
	std := st.Standard
	minT, minV := std.Teams.MinMembers["township"], std.Teams.MinMembers["village"]
	ix := units.NewIndex(in.Units)
	unitID := func(p orb.Point) string {
		if u := ix.Locate(p); u >= 0 {
			return in.Units[u].ID
		}
		return ""
	}
	err := atomicfile.Write(filepath.Join(dir, "sites.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "rank,site_id,kind,from_base,cell,lon,lat,unit_id,members,meets_township_min,meets_village_min")
		row := func(rank int, s siting.Site, kind, from string, members int) {
			cell := ""
			if s.Cell != 0 {
				cell = s.Cell.String()
			}
			fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s,%s,%d,%t,%t\n", rank, csvio.Field(s.ID), kind, csvio.Field(from), cell, num(s.Loc[0]), num(s.Loc[1]),
				csvio.Field(unitID(s.Loc)), members, members >= minT, members >= minV)
		}
		for k, j := range plan.Sites {
			row(k+1, m.Sites[j], "new", "", f.teamSize)
		}
		for k, mv := range plan.Moves() {
			row(len(plan.Sites)+k+1, m.Sites[mv.To], "relocated", m.Sites[mv.From].ID, m.Sites[mv.From].Members)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := writeCandidates(dir, r); err != nil {
		return err
	}
	if sol != nil {
		err = atomicfile.Write(filepath.Join(dir, "curve.csv"), func(w io.Writer) error {
			fmt.Fprintln(w, "k,site_id,gain,value,covered,person_seconds,swapped_value,bound_greedy,bound_online,exact,gap")
			for _, s := range sol.Curve {
				fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", s.K, csvio.Field(m.Sites[s.Site].ID), num(s.Gain), num(s.Value), num(s.Covered), num(s.PersonSeconds),
					num(s.Swapped), num(s.Bound.Greedy), num(s.Bound.Online), num(s.Bound.Exact), num(s.Bound.Gap))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	err = atomicfile.Write(filepath.Join(dir, "units.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "unit_id,name,residents,within_before,within_after,bases_before,bases_after,members_before,members_after,min_members,team_short_before,team_short_after,meets_team_before,meets_team_after")
		for u, b := range before.Units {
			a := after.Units[u]
			fmt.Fprintf(w, "%s,%s,%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%t,%t\n", csvio.Field(b.ID), csvio.Field(b.Name), num(b.Residents), num(b.Within), num(a.Within),
				b.Bases, a.Bases, b.Members, a.Members, b.MinMembers, b.TeamShort, a.TeamShort, b.MeetsTeam, a.MeetsTeam)
		}
		return nil
	})
	if err != nil {
		return err
	}
	type moveJSON struct {
		From string `json:"from_base"`
		To   string `json:"to_site"`
	}
	var moves []moveJSON
	for _, mv := range plan.Moves() {
		moves = append(moves, moveJSON{m.Sites[mv.From].ID, m.Sites[mv.To].ID})
	}
	summary := map[string]any{
		"study": st.Name, "objective": f.objective, "k": f.add, "candidate_res": f.res,
		"candidates": rep, "matrix_entries": m.NumEntries(), "matrix_bytes": m.MemoryBytes(),
		"team_size": f.teamSize, "township_min_members": minT, "village_min_members": minV,
		"plan_value": plan.Value, "plan_covered": plan.Covered,
		"coverage_before": before.Summary.Within, "coverage_after": after.Summary.Within,
		"seconds": took.Seconds(),
	}
	if f.candidates != "" {
		summary["candidates_file"] = f.candidates
	}
	if f.exclude != "" {
		summary["exclude_file"] = f.exclude
	}
	if sol != nil {
		summary["baseline"], summary["value"], summary["covered"], summary["mean_seconds"] = sol.Baseline, sol.Value, sol.Covered, sol.MeanSeconds
		summary["coverable"], summary["uncoverable"] = sol.Coverable, sol.Uncoverable
		if sol.Objective == siting.SetCover {
			summary["required"], summary["feasible"], summary["min_sites_lower_bound"], summary["exact_minimum"] = sol.Required, sol.Feasible, sol.MinSites, sol.ExactMinimum
		}
	}
	if plan.Relocation != nil {
		summary["relocate"] = f.relocate
		summary["relocations"] = moves
		summary["value_without_relocation"] = plan.Relocation.Before
	}
	b, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "summary.json"), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// writeCandidates writes candidates.csv: every candidate site the siting
// considered, kept (on the road point it was placed at) or dropped (with
// the reason), so that the answer can be checked against the set it was
// chosen from. The existing bases are not candidates.
func writeCandidates(dir string, r *siteResult) error {
	return atomicfile.Write(filepath.Join(dir, "candidates.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "site_id,cell,lon,lat,kept,reason")
		for _, s := range r.m.Sites {
			if s.Existing {
				continue
			}
			cell := ""
			if s.Cell != 0 {
				cell = s.Cell.String()
			}
			fmt.Fprintf(w, "%s,%s,%s,%s,true,\n", csvio.Field(s.ID), cell, num(s.Loc[0]), num(s.Loc[1]))
		}
		for _, d := range append(append([]siting.Rejection(nil), r.rep.Rejected...), r.rep.DroppedCells...) {
			fmt.Fprintf(w, "%s,,,,false,%s\n", csvio.Field(d.ID), csvio.Field(d.Reason))
		}
		return nil
	})
}

// printSite prints the siting's summary in language l.
func printSite(w io.Writer, l i18n.Lang, r *siteResult) {
	f, st, in, rep, m, sol, plan, before, after := r.f, r.st, r.in, r.rep, r.m, r.sol, r.plan, r.before, r.after
	std := st.Standard
	where := l.T("site.from_res", "res", f.res)
	if f.candidates != "" {
		where = l.T("site.from_file", "file", filepath.Base(f.candidates))
	}
	fmt.Fprintln(w, l.T("site.head", "study", st.Name, "objective", l.Name("site.obj.", f.objective), "n", rep.Kept, "where", where,
		"bases", len(in.Coverage.Bases), "min", fmt.Sprintf("%g", std.Rescue.Minutes)))
	if sol != nil {
		fmt.Fprintln(w, "  "+l.T("site.baseline", "n", people(sol.Baseline)))
		fmt.Fprintf(w, "  %3s  %s %s %s %s\n", "K", textwidth.PadRight(l.T("site.col.site"), 28), textwidth.PadLeft(l.T("site.col.gain"), 12),
			textwidth.PadLeft(l.T("site.col.value"), 14), textwidth.PadLeft(l.T("site.col.gap"), 10))
		for _, s := range sol.Curve {
			gap := "-"
			if !math.IsNaN(s.Bound.Gap) {
				gap = fmt.Sprintf("%.2f %%", 100*s.Bound.Gap)
			}
			fmt.Fprintf(w, "  %3d  %-28s %12s %14s %10s\n", s.K, trimRunes(m.Sites[s.Site].ID, 28), people(s.Gain), people(s.Value), gap)
		}
	}
	minT, minV := std.Teams.MinMembers["township"], std.Teams.MinMembers["village"]
	judge := func(n int) string {
		switch {
		case n >= minT:
			return l.T("site.meets_township", "t", minT)
		case n >= minV:
			return l.T("site.meets_village", "t", minT, "v", minV)
		}
		return l.T("site.below_village", "v", minV)
	}
	fmt.Fprintln(w, "  "+l.T("site.plan", "n", len(plan.Sites), "members", f.teamSize, "judge", judge(f.teamSize)))
	for _, mv := range plan.Moves() {
		fmt.Fprintln(w, "  "+l.T("site.move", "from", m.Sites[mv.From].ID, "members", m.Sites[mv.From].Members, "to", m.Sites[mv.To].ID))
	}
	if r := plan.Relocation; r != nil {
		fmt.Fprintln(w, "  "+l.T("site.relocation", "n", len(r.Moves), "max", f.relocate, "value", people(r.Value), "before", people(r.Before)))
	}
	fmt.Fprintln(w, "  "+l.T("site.study", "before", people(before.Summary.Within), "after", people(after.Summary.Within)))
	for u, b := range before.Units {
		a := after.Units[u]
		if a.Bases != b.Bases || a.MeetsTeam != b.MeetsTeam {
			status := l.T("site.unit_meets")
			if !a.MeetsTeam {
				status = l.T("site.unit_short", "members", a.Members, "min", a.MinMembers)
			}
			// Padded by runes, as before, so that English stays the same bytes.
			fmt.Fprintf(w, "    %-28s %s\n", trimRunes(b.Name, 28), l.T("site.unit", "b0", b.Bases, "b1", a.Bases, "m0", b.Members, "m1", a.Members, "status", status))
		}
	}
}

func people(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

func trimRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
