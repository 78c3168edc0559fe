package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

const analyzeHelp = `
Run a coverage study: for every H3 cell of residents, the drive time from the
nearest rescue team base (and the second-nearest), who lies outside the
rescue circle, each reporting unit (township) and each base against the
standards, isochrones and the largest gaps. The study file (YAML) names the
road network, the bases, the population, the units and the standards preset
with its overrides; docs/study-file.md documents every key.

Writes into --out (replaced only if an earlier 'analyze' wrote it, or with
--force another rescuegrid command; never a folder rescuegrid did not write):
cells, units, bases, isochrones and gaps (and the shelter and scenario
tables when the study has them), each as Arrow IPC (.arrow),
GeoParquet (.parquet), CSV and GeoJSON, and summary.json. A study that fails
leaves the earlier output as it was; rescuegrid-output.json records what
wrote the folder. A readable summary goes to standard output.

With --critical-segments N (or robustness.critical_segments in the study),
the N road segments on most residents' fastest paths are closed one at a
time and the coverage lost is computed exactly: table critical_segments.

Usage:
  rescuegrid analyze STUDY.yaml --out DIR [--critical-segments N]

Example (the bundled sample, what 'make run' does):
  rescuegrid analyze data/sample/andorra/study.yaml --out out/andorra
`

func analyze(ctx context.Context, args []string, e *env) error {
	fs := newFlags("analyze", analyzeHelp, e)
	out := fs.String("out", "", "output folder")
	workers := fs.Int("workers", 0, "parallel searches (0: all cores)")
	force := fs.Bool("force", false, "replace --out even if another rescuegrid command wrote it (never a folder rescuegrid did not write)")
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
	if err := checkWorkers("analyze", *workers); err != nil {
		return err
	}
	if err := outdir.Check(*out, "analyze", outdir.Options{Force: *force}); err != nil {
		return err
	}
	t0 := time.Now()
	in, rs, err := computeStudy(ctx, pos[0], *workers, *critical, filepath.Join(*out, study.SummaryFile), e)
	if err != nil {
		return err
	}
	res, sres, scs := rs.Coverage, rs.Shelter, rs.Scenarios
	timings := append(in.Timings, rs.Timings...)
	gen := "rescuegrid " + versionString()
	crit := rs.Critical
	t2 := time.Now()
	err = outdir.Write(ctx, *out, studyManifest("analyze", in.Study), outdir.Options{Force: *force}, func(dir string) error {
		_, err := study.Write(ctx, dir, in, rs, gen, timings)
		return err
	})
	if err != nil {
		return err
	}
	timings = append(timings, study.StageTiming{Stage: "write", Took: time.Since(t2)})
	if !e.quiet {
		study.PrintSummary(e.stdout, e.lang, in, res)
		study.PrintDay(e.stdout, e.lang, in, res, rs.Day)
		study.PrintTimes(e.stdout, e.lang, in, res, rs.Times)
		if sres != nil {
			study.PrintShelterSummary(e.stdout, e.lang, in, sres)
		}
		study.PrintScenarios(e.stdout, e.lang, res, sres, scs)
		study.PrintCritical(e.stdout, e.lang, crit)
		stages := make([]string, len(timings))
		for i, t := range timings {
			stages[i] = e.lang.T("analyze.stage", "stage", e.lang.Name("stage.", t.Stage), "secs", fmt.Sprintf("%.2f", t.Took.Seconds()))
		}
		line := e.lang.T("analyze.wrote", "out", *out, "secs", fmt.Sprintf("%.2f", time.Since(t0).Seconds()),
			"stages", strings.Join(stages, e.lang.T("analyze.stage_sep")))
		if mb := peakRSSMB(); mb > 0 {
			line += e.lang.T("analyze.peak_memory", "mb", fmt.Sprintf("%.0f", mb))
		}
		fmt.Fprintln(e.stdout, "\n  "+line)
	}
	return nil
}

// studyManifest is the manifest of command's output folder for study st.
func studyManifest(command string, st *study.Study) outdir.Manifest {
	return outdir.Manifest{Command: command, Study: st.Name, StudyFile: st.File, Version: versionString()}
}

// computeStudy loads the study file, reads its inputs (a progress line on a
// terminal) and computes it: what 'analyze' and 'report STUDY.yaml' share.
// critical >= 0 replaces the study's robustness.critical_segments before
// its inputs are read, so that the study's one pass over network.pbf also
// keeps the road names the critical segments are labelled with (computed
// afterwards, they cost a second scan of the file's ways). Notes about the
// inputs go to stderr, the first four of them; the rest are in notesIn (a
// summary.json, the report).
func computeStudy(ctx context.Context, path string, workers, critical int, notesIn string, e *env) (*study.Inputs, *study.Results, error) {
	st, err := study.Load(path)
	if err != nil {
		return nil, nil, err
	}
	if critical >= 0 {
		st.Robustness.CriticalSegments = critical
	}
	stage := func(name string) {
		if e.onStage != nil {
			e.onStage(name)
		}
		if e.tty && !e.quiet {
			fmt.Fprint(e.stderr, "\r"+textwidth.PadRight(e.lang.T("progress.reading_stage", "stage", e.lang.Name("stage.", name)), 40))
		}
	}
	in, err := study.Read(ctx, st, study.Options{Generator: "rescuegrid " + versionString(), Workers: workers, Progress: stage})
	if e.tty && !e.quiet {
		fmt.Fprintf(e.stderr, "\r%-40s\r", "")
	}
	if err != nil {
		return nil, nil, err
	}
	for k := range in.Notes {
		if k == 4 {
			e.infof("%s", e.lang.T("analyze.more_notes", "n", len(in.Notes)-k, "file", notesIn))
			break
		}
		e.infof("%s", e.lang.T("analyze.note", "note", in.NoteText(k, e.lang)))
	}
	rs, err := study.Compute(ctx, in)
	if err != nil {
		return nil, nil, fmt.Errorf("study %s: %w", path, err)
	}
	return in, rs, nil
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
