package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/rescuegrid/rescuegrid/internal/batch"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

const batchHelp = `Split a coverage study into shards that run on separate machines (a
Kubernetes Indexed Job) or processes, and merge their answers into the same
output 'rescuegrid analyze' writes.

Each shard answers for its own cells and bases, and gets the roads, cells
and bases within a margin around them: the plan's limit (the longest of the
second-base horizon, the widest isochrone and the rescue circle, or
--margin-minutes) times the graph's fastest speed, plus the snap distances.
A shard whose cells have no base within the limit fails and says so, rather
than give an answer its roads cannot prove. Busy teams (the busy fractions
are derived in merge from every shard's nearest bases), a day population,
scenarios (road closures and slowdowns, bases out, moved or added, team
sizes) and times of day split exactly: each scenario's and time's graph is
the whole changed graph cut as the baseline's, and a moved or added base
belongs to the shard of its new place, held by every shard around it. Shelters split too: each shard walks from its
own cells to the shelters on a cut of the walk graph (a margin of the
longest shelter reach, or --walk-margin-minutes, default the drive limit,
at walking speed) and merge runs the accessibility and the capacity
assignment on every row at once; a shard that cannot prove a cell's nearest
shelter (or depot) fails and says so; each scenario's shelters are
answered on its own walk graph. Critical segments are not split: run those
studies with 'rescuegrid analyze'.

run-local runs --workers shard processes at once and gives each its share
of the Go heap's soft limit in force (--memory-limit, GOMEMLIMIT, or the
default from the cgroup's or the machine's memory; see 'rescuegrid version').

Usage:
  rescuegrid batch plan STUDY.yaml --out PLAN (--shards N | --by unit [--shards N])
                        [--margin-minutes M] [--walk-margin-minutes W] [--parent-res R]
                        [--k8s [--image I --claim C]]
  rescuegrid batch run PLAN [--shard I] [--force]    (I defaults to $JOB_COMPLETION_INDEX)
  rescuegrid batch run-local PLAN [--workers N]
  rescuegrid batch merge PLAN --out DIR [--force]

Example:
  rescuegrid batch plan data/sample/andorra/study.yaml --shards 4 --out plan
  rescuegrid batch run-local plan --workers 2
  rescuegrid batch merge plan --out out/andorra
`

func runBatch(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		help, ok := i18n.Help(e.lang, "batch")
		if !ok {
			help = batchHelp
		}
		fmt.Fprint(e.stdout, help)
		if len(args) == 0 {
			return usageErr("batch: want a subcommand: plan, run, run-local or merge")
		}
		return nil
	}
	switch args[0] {
	case "plan":
		return batchPlan(ctx, args[1:], e)
	case "run":
		return batchRun(ctx, args[1:], e)
	case "run-local":
		return batchRunLocal(ctx, args[1:], e)
	case "merge":
		return batchMerge(ctx, args[1:], e)
	}
	return usageErr("batch: unknown subcommand %q (want plan, run, run-local or merge)", args[0])
}

func batchPlan(ctx context.Context, args []string, e *env) error {
	fs := newFlags("batch plan", batchHelp, e)
	out := fs.String("out", "", "plan folder to write")
	shards := fs.Int("shards", 0, "number of shards (by unit: at most one per unit; 0 there: one per unit)")
	by := fs.String("by", batch.ByH3, "split by h3 (runs of H3 parent cells) or unit (whole reporting units)")
	margin := fs.Float64("margin-minutes", 0, "answer exactly up to this drive time (default: the study's longest horizon)")
	walkMargin := fs.Float64("walk-margin-minutes", 0, "shelters: answer exactly up to this walk to a cell's nearest shelter (default: the drive limit; never below the longest shelter reach)")
	pres := fs.Int("parent-res", 0, "H3 resolution of the parent cells that own cells and roads (0: study resolution - 2, at most 7)")
	workers := fs.Int("workers", 0, "parallel work while planning (0: all cores)")
	k8s := fs.Bool("k8s", false, "also write job.yaml, a Kubernetes Indexed Job running the shards")
	image := fs.String("image", "rescuegrid:latest", "--k8s: container image")
	claim := fs.String("claim", "rescuegrid-data", "--k8s: PersistentVolumeClaim holding the plan folder")
	mount := fs.String("mount", "/data", "--k8s: where the claim is mounted in the container")
	parallel := fs.Int("parallelism", 0, "--k8s: pods at once (0: every shard)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErr("batch plan: want one study file and --out (run 'rescuegrid batch --help')")
	}
	if *by == batch.ByH3 && *shards < 1 {
		return usageErr("batch plan: --shards N (N >= 1) is required when splitting by h3")
	}
	st, err := study.Load(pos[0])
	if err != nil {
		return err
	}
	p, err := batch.Split(ctx, st, *out, batch.PlanOptions{Shards: *shards, By: *by, ParentRes: *pres, MarginMinutes: *margin,
		WalkMarginMinutes: *walkMargin, Workers: *workers, Generator: "rescuegrid " + versionString()})
	if err != nil {
		return err
	}
	if *k8s {
		path, err := batch.WriteJob(*out, p, batch.JobOptions{Image: *image, Claim: *claim, MountPath: *mount, Parallelism: *parallel})
		if err != nil {
			return err
		}
		e.infof("%s", e.lang.T("batch.wrote", "file", path))
	}
	if !e.quiet {
		f := func(format string, v any) string { return fmt.Sprintf(format, v) }
		fmt.Fprintln(e.stdout, e.lang.T("batch.plan", "study", st.Name, "cells", p.Cells, "bases", p.Bases, "nodes", p.Graph.Nodes, "by", p.By, "shards", len(p.Shards),
			"limit", f("%.0f", p.LimitSeconds), "mps", f("%.1f", p.FastestMPS), "km", f("%.1f", p.RoadMarginM/1000)))
		for _, s := range p.Shards {
			fmt.Fprintln(e.stdout, "  "+e.lang.T("batch.plan_shard", "i", f("%4d", s.Index), "own", f("%7d", s.OwnCells), "cells", f("%7d", s.Cells),
				"ownbases", f("%4d", s.OwnBases), "bases", f("%4d", s.Bases), "nodes", f("%9d", s.Nodes), "mb", s.MemoryBytes>>20))
		}
	}
	return nil
}

func batchRun(ctx context.Context, args []string, e *env) error {
	fs := newFlags("batch run", batchHelp, e)
	shard := fs.Int("shard", -1, "shard index (default: $JOB_COMPLETION_INDEX)")
	force := fs.Bool("force", false, "recompute a shard whose output exists")
	workers := fs.Int("workers", 0, "parallel searches (0: all cores)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("batch run: want one plan folder (run 'rescuegrid batch --help')")
	}
	if *shard < 0 {
		v := os.Getenv("JOB_COMPLETION_INDEX")
		n, err := strconv.Atoi(v)
		if v == "" || err != nil || n < 0 {
			return usageErr("batch run: give --shard I, or set JOB_COMPLETION_INDEX (got %q)", v)
		}
		*shard = n
	}
	did, err := batch.RunShard(ctx, pos[0], *shard, batch.RunOptions{Workers: *workers, Force: *force})
	if err != nil {
		return err
	}
	if did {
		e.infof("%s", e.lang.T("batch.shard_done", "n", *shard, "file", batch.OutputPath(pos[0], *shard), "mb", fmt.Sprintf("%.0f", peakRSSMB())))
	} else {
		e.infof("%s", e.lang.T("batch.shard_already", "n", *shard, "file", batch.OutputPath(pos[0], *shard)))
	}
	return nil
}

func batchRunLocal(ctx context.Context, args []string, e *env) error {
	fs := newFlags("batch run-local", batchHelp, e)
	workers := fs.Int("workers", 2, "shards run at once")
	retries := fs.Int("retries", 1, "times a failed shard is run again")
	perShard := fs.Int("shard-workers", 1, "parallel searches inside each shard")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("batch run-local: want one plan folder (run 'rescuegrid batch --help')")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var log = e.stderr
	if e.quiet {
		log = nil
	}
	shardArgs := []string{"--workers", strconv.Itoa(*perShard), "--quiet"}
	if lim, ok := shardMemoryLimit(debug.SetMemoryLimit(-1), *workers); ok {
		shardArgs = append(shardArgs, "--memory-limit", lim)
	}
	return batch.RunLocal(ctx, pos[0], batch.LocalOptions{Workers: *workers, Exe: exe, Retries: *retries,
		Args: shardArgs, Log: log, Lang: e.lang})
}

// shardMemoryLimit is the --memory-limit of each of the workers shard
// processes run-local runs at once: its share of the soft limit in force
// (limit, from --memory-limit, GOMEMLIMIT or the default), so that
// together they keep within it; ok is false when there is no limit.
func shardMemoryLimit(limit int64, workers int) (string, bool) {
	if limit == math.MaxInt64 || limit <= 0 {
		return "", false
	}
	return strconv.FormatInt(limit/int64(max(workers, 1)), 10), true
}

func batchMerge(ctx context.Context, args []string, e *env) error {
	fs := newFlags("batch merge", batchHelp, e)
	out := fs.String("out", "", "output folder")
	force := fs.Bool("force", false, "replace --out even if another rescuegrid command wrote it (never a folder rescuegrid did not write)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErr("batch merge: want one plan folder and --out (run 'rescuegrid batch --help')")
	}
	// The output folder is written as analyze writes its own: whole or not
	// at all, with its manifest, replacing only an earlier merge (or, with
	// --force, another rescuegrid output).
	opt := outdir.Options{Force: *force}
	if err := outdir.Check(*out, "batch merge", opt); err != nil {
		return err
	}
	p, err := batch.ReadPlan(pos[0])
	if err != nil {
		return err
	}
	m := outdir.Manifest{Command: "batch merge", Study: p.Name, StudyFile: p.Study, Version: versionString()}
	var sum *study.Summary
	err = outdir.Write(ctx, *out, m, opt, func(dir string) (err error) {
		sum, err = batch.Merge(ctx, pos[0], dir, batch.MergeOptions{Generator: "rescuegrid " + versionString()})
		return err
	})
	if err != nil {
		return err
	}
	if !e.quiet {
		fmt.Fprintf(e.stdout, "%s: %d cells, %.0f of %.0f residents inside the circle; wrote %s (and cells/, units/, bases/ partitioned by shard)\n",
			sum.Study, sum.Cells, sum.Within, sum.Residents, *out)
	}
	return nil
}
