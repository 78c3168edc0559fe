package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/data/study"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
)

const siteHelp = `
Where should the next rescue stations go? Candidate sites are the centres of
the H3 cells of a coarser resolution (--candidate-res, default 8) that have
road access; the study's existing bases stay open. Objectives:
  coverage  most residents within the rescue circle for K new sites (MCLP)
  all       fewest new sites so that every resident (or the preset's coverage
            target share) is within the circle (LSCP); --add caps the count
  time      least population-weighted travel time (p-median)
Greedy with lazy evaluation, then swaps; for every K the residents covered,
the gain of each added site, and a certificate: the greedy and online
bounds, and the exact optimum on small instances, with the gap.

Writes into --out: sites.csv (the chosen sites), curve.csv (one row per K)
and summary.json. A readable curve goes to standard output.

Usage:
  rescuegrid site STUDY.yaml --add K [--objective coverage|all|time] --out DIR

Example:
  rescuegrid site data/sample/andorra/study.yaml --add 5 --out out/andorra-sites
`

func runSite(ctx context.Context, args []string, e *env) error {
	return handled(site(ctx, args, e))
}

func site(ctx context.Context, args []string, e *env) error {
	fs := newFlags("site", siteHelp, e)
	add := fs.Int("add", 5, "new sites to place (for 'all': the most allowed, 0 = no cap)")
	objective := fs.String("objective", "coverage", "coverage | all | time")
	out := fs.String("out", "", "output folder")
	res := fs.Int("candidate-res", 8, "H3 resolution of the candidate cells")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErr("site: want one study file and --out (run 'rescuegrid site --help')")
	}
	obj, err := siting.ParseObjective(*objective)
	if err != nil {
		return usageErr("site: --objective %q: want coverage, all or time", *objective)
	}
	if *add < 0 || (*add == 0 && obj != siting.SetCover) {
		return usageErr("site: --add %d: want at least 1", *add)
	}
	t0 := time.Now()
	st, err := study.Load(pos[0])
	if err != nil {
		return err
	}
	if *res < 5 || *res > st.Resolution {
		return usageErr("site: --candidate-res %d: want 5 to the study resolution %d", *res, st.Resolution)
	}
	in, err := study.Read(ctx, st, study.Options{Generator: "rescuegrid " + versionString()})
	if err != nil {
		return err
	}
	std := st.Standard
	var sites []siting.Site
	for _, b := range in.Bases {
		sites = append(sites, siting.Site{ID: b.ID, Loc: b.Loc, Existing: true, Members: b.TeamSize})
	}
	cands, rep, err := siting.Candidates(ctx, in.Graph, siting.CandidateOptions{
		Res: *res, SnapDistanceM: std.Access.SnapDistanceM, MinTeam: std.Teams.MinMembers["township"]})
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	horizon := std.RescueSeconds()
	if obj == siting.PMedian {
		horizon = std.Rescue.SecondBaseHorizonMinutes * 60
	}
	m, err := siting.NewMatrix(ctx, in.Graph, append(sites, cands...), siting.Demand{Cells: in.Coverage.Cells, Pop: in.Coverage.Pop},
		siting.MatrixOptions{HorizonSeconds: horizon, TurnoutSeconds: std.Rescue.TurnoutSeconds, WalkKPH: std.Access.WalkKPH, SnapDistanceM: std.Access.SnapDistanceM})
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	sol, err := siting.Solve(ctx, m, siting.Options{Objective: obj, K: *add, TargetSeconds: std.RescueSeconds(), Share: std.Rescue.CoverageTarget, SwapEachK: true})
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}
	if err := mkdirAll(*out); err != nil {
		return err
	}
	num := func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	err = atomicfile.Write(filepath.Join(*out, "sites.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "rank,site_id,cell,lon,lat,members")
		for k, i := range sol.Sites {
			s := m.Sites[i]
			fmt.Fprintf(w, "%d,%s,%s,%s,%s,%d\n", k+1, string(appendCSVField(nil, s.ID)), s.Cell, num(s.Loc[0]), num(s.Loc[1]), s.Members)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = atomicfile.Write(filepath.Join(*out, "curve.csv"), func(w io.Writer) error {
		fmt.Fprintln(w, "k,site_id,gain,value,covered,person_seconds,swapped_value,bound_greedy,bound_online,exact,gap")
		for _, s := range sol.Curve {
			fmt.Fprintf(w, "%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", s.K, string(appendCSVField(nil, m.Sites[s.Site].ID)), num(s.Gain), num(s.Value), num(s.Covered), num(s.PersonSeconds),
				num(s.Swapped), num(s.Bound.Greedy), num(s.Bound.Online), num(s.Bound.Exact), num(s.Bound.Gap))
		}
		return nil
	})
	if err != nil {
		return err
	}
	summary := map[string]any{
		"study": st.Name, "objective": *objective, "k": *add, "candidate_res": *res,
		"candidates": rep, "matrix_entries": m.NumEntries(), "matrix_bytes": m.MemoryBytes(),
		"baseline": sol.Baseline, "value": sol.Value, "covered": sol.Covered, "mean_seconds": sol.MeanSeconds,
		"coverable": sol.Coverable, "uncoverable": sol.Uncoverable, "seconds": time.Since(t0).Seconds(),
	}
	if obj == siting.SetCover {
		summary["required"], summary["feasible"], summary["min_sites_lower_bound"], summary["exact_minimum"] = sol.Required, sol.Feasible, sol.MinSites, sol.ExactMinimum
	}
	b, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "summary.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if !e.quiet {
		w := e.stdout
		fmt.Fprintf(w, "%s — %s, %d candidate sites (res %d), %d existing bases; rescue circle %g min\n", st.Name, *objective, rep.Kept, *res, len(in.Bases), std.Rescue.Minutes)
		fmt.Fprintf(w, "  with the existing bases: %s\n", people(sol.Baseline))
		fmt.Fprintf(w, "  %3s  %-28s %12s %14s %10s\n", "K", "site added", "gain", "value", "gap")
		for _, s := range sol.Curve {
			gap := "-"
			if !math.IsNaN(s.Bound.Gap) {
				gap = fmt.Sprintf("%.2f %%", 100*s.Bound.Gap)
			}
			fmt.Fprintf(w, "  %3d  %-28s %12s %14s %10s\n", s.K, trimRunes(m.Sites[s.Site].ID, 28), people(s.Gain), people(s.Value), gap)
		}
		fmt.Fprintf(w, "  wrote %s in %.2f s\n", *out, time.Since(t0).Seconds())
	}
	return nil
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
