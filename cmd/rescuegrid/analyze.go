package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/study"
)

const analyzeHelp = `
Run a coverage study: for every H3 cell of residents, the drive time from the
nearest rescue team base (and the second-nearest), who lies outside the
rescue circle, each reporting unit (township) and each base against the
standards, isochrones and the largest gaps. The study file (YAML) names the
road network, the bases, the population, the units and the standards preset
with its overrides; README.md documents every key.

Writes into --out (replaced only if it holds an earlier rescuegrid output):
cells, units, bases, isochrones and gaps (and the shelter and scenario
tables when the study has them), each as Arrow IPC (.arrow),
GeoParquet (.parquet), CSV and GeoJSON, and summary.json. A study that fails
leaves no output folder behind. A readable summary goes to standard output.

With --critical-segments N (or robustness.critical_segments in the study),
the N road segments on most residents' fastest paths are closed one at a
time and the coverage lost is computed exactly: table critical_segments.

Usage:
  rescuegrid analyze STUDY.yaml --out DIR [--critical-segments N]

Example (the bundled sample, what 'make run' does):
  rescuegrid analyze data/sample/andorra/study.yaml --out out/andorra
`

func runAnalyze(ctx context.Context, args []string, e *env) error {
	return handled(analyze(ctx, args, e))
}

func analyze(ctx context.Context, args []string, e *env) error {
	fs := newFlags("analyze", analyzeHelp, e)
	out := fs.String("out", "", "output folder")
	workers := fs.Int("workers", 0, "parallel searches (0: all cores)")
	critical := fs.Int("critical-segments", -1, "road segments to close one at a time and evaluate (default: the study's robustness.critical_segments; 0: none)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErr("analyze: want one study file and --out (run 'rescuegrid analyze --help')")
	}
	if *critical > study.MaxCriticalSegments {
		return usageErr("analyze: --critical-segments %d: want 0 to %d", *critical, study.MaxCriticalSegments)
	}
	t0 := time.Now()
	st, err := study.Load(pos[0])
	if err != nil {
		return err
	}
	gen := "rescuegrid " + versionString()
	stage := func(name string) {
		if e.tty && !e.quiet {
			fmt.Fprintf(e.stderr, "\r%-40s", "reading "+name+"…")
		}
	}
	in, err := study.Read(ctx, st, study.Options{Generator: gen, Workers: *workers, Progress: stage})
	if e.tty && !e.quiet {
		fmt.Fprintf(e.stderr, "\r%-40s\r", "")
	}
	if err != nil {
		return err
	}
	for k, n := range in.Notes {
		if k == 4 {
			e.infof("note: … %d more notes in %s/summary.json", len(in.Notes)-k, *out)
			break
		}
		e.infof("note: %s", n)
	}
	t1 := time.Now()
	res, err := coverage.Compute(ctx, in.Coverage)
	if err != nil {
		return fmt.Errorf("study %s: %w", pos[0], err)
	}
	timings := append(in.Timings, study.StageTiming{Stage: "coverage", Took: time.Since(t1)})
	var sres *shelter.Result
	if in.Shelter != nil {
		t := time.Now()
		if sres, err = shelter.Compute(ctx, *in.Shelter); err != nil {
			return fmt.Errorf("study %s: shelters: %w", pos[0], err)
		}
		timings = append(timings, study.StageTiming{Stage: "shelters", Took: time.Since(t)})
	}
	var scs []study.ScenarioResult
	if len(st.Scenarios) > 0 {
		t := time.Now()
		if scs, err = study.RunScenarios(ctx, in); err != nil {
			return fmt.Errorf("study %s: %w", pos[0], err)
		}
		timings = append(timings, study.StageTiming{Stage: "scenarios", Took: time.Since(t)})
	}
	top := st.Robustness.CriticalSegments
	if *critical >= 0 {
		top = *critical
	}
	var crit *study.Critical
	if top > 0 {
		t := time.Now()
		if crit, err = study.CriticalSegments(ctx, in, top); err != nil {
			return fmt.Errorf("study %s: %w", pos[0], err)
		}
		timings = append(timings, study.StageTiming{Stage: "critical segments", Took: time.Since(t)})
	}
	t2 := time.Now()
	if _, err := study.Write(*out, in, study.Results{Coverage: res, Shelters: sres, Scenarios: scs, Critical: crit}, gen, timings); err != nil {
		return err
	}
	timings = append(timings, study.StageTiming{Stage: "write", Took: time.Since(t2)})
	if !e.quiet {
		study.PrintSummary(e.stdout, in, res)
		if sres != nil {
			study.PrintShelterSummary(e.stdout, in, sres)
		}
		study.PrintScenarios(e.stdout, res, sres, scs)
		study.PrintCritical(e.stdout, crit)
		fmt.Fprintf(e.stdout, "\n  wrote %s in %.2f s (", *out, time.Since(t0).Seconds())
		for i, t := range timings {
			if i > 0 {
				fmt.Fprint(e.stdout, ", ")
			}
			fmt.Fprintf(e.stdout, "%s %.2f s", t.Stage, t.Took.Seconds())
		}
		fmt.Fprint(e.stdout, ")")
		if mb := peakRSSMB(); mb > 0 {
			fmt.Fprintf(e.stdout, "; peak memory %.0f MB", mb)
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// peakRSSMB returns the process's peak resident set size in MB (Linux's
// VmHWM), or 0 where it cannot be read.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
