package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/data/report"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

const reportHelp = `
Write a study as one HTML report for planners and their superiors: the
standards and settings it was judged by, the coverage summary, a map of the
travel time per H3 cell with the gaps outside the rescue circle, unit
boundaries and bases, each unit against the standards (the rescue circle,
team sizes, shelter places and depots when the study has them), the
scenarios beside the baseline, the siting curve and chosen sites of
'rescuegrid site' (--siting), and the data sources with their attribution
(© OpenStreetMap contributors, ODbL). The file is self-contained: styles,
map and charts are inline, and it opens without a network.

The input is either
  STUDY.yaml   a study file: the study is run first, exactly as 'analyze'
               runs it (--tables DIR keeps its tables, as 'analyze --out');
  OUTPUT_DIR   a folder written by 'rescuegrid analyze': its summary.json
               and Arrow tables are read, nothing is computed.
--siting takes a folder written by 'rescuegrid site' for the same study; it
is never picked up on its own.

Usage:
  rescuegrid report STUDY.yaml|OUTPUT_DIR --out REPORT.html [--siting SITE_DIR]

Examples:
  rescuegrid report data/sample/andorra/study.yaml --out andorra.html

  rescuegrid analyze data/sample/andorra/study.yaml --out out/andorra
  rescuegrid site data/sample/andorra/study.yaml --add 5 --out out/andorra-sites
  rescuegrid report out/andorra --siting out/andorra-sites --out out/andorra-report.html
`

func reportCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("report", reportHelp, e)
	out := fs.String("out", "", "the HTML file to write")
	siting := fs.String("siting", "", "a 'rescuegrid site' output folder of the same study: adds the siting curve and the new sites")
	tables := fs.String("tables", "", "with a study file: also keep the study's tables in this folder (as 'analyze --out')")
	title := fs.String("title", "", "the report's title (default \"Rescue coverage report\")")
	cellPaths := fs.Int("cell-paths", report.DefaultMaxCellPaths, "most cells drawn one by one on the map; above, cells are merged by travel-time class")
	workers := fs.Int("workers", 0, "with a study file: parallel searches (0: all cores)")
	force := fs.Bool("force", false, "with --tables: replace the folder even if another rescuegrid command wrote it")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageErr("report: want one study file or output folder, and --out (run 'rescuegrid report --help')")
	}
	if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
		return usageErr("report: --out %s is a folder: give the HTML file to write", *out)
	}
	if err := checkOutFile(*out); err != nil {
		return err
	}
	if err := checkWorkers("report", *workers); err != nil {
		return err
	}
	in := pos[0]
	fi, err := os.Stat(in)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	t0 := time.Now()
	dir := in
	if !fi.IsDir() {
		if strings.EqualFold(filepath.Base(in), study.SummaryFile) {
			return usageErr("report: %s: give the output folder that holds it, %s", in, filepath.Dir(in))
		}
		if *tables != "" {
			dir = *tables
		} else {
			tmp, err := os.MkdirTemp("", "rescuegrid-report-")
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			defer os.RemoveAll(tmp)
			dir = filepath.Join(tmp, "study")
		}
		sin, rs, err := computeStudy(ctx, in, *workers, -1, *out+" (section Data sources)", e)
		if err != nil {
			return err
		}
		timings := append(sin.Timings, rs.Timings...)
		gen := "rescuegrid " + versionString()
		if *tables != "" {
			// The tables are an analyze output, replaced as 'analyze' would.
			err = outdir.Write(ctx, dir, studyManifest("analyze", sin.Study), outdir.Options{Force: *force}, func(d string) error {
				_, err := study.Write(ctx, d, sin, rs, gen, timings)
				return err
			})
		} else {
			_, err = study.Write(ctx, dir, sin, rs, gen, timings)
		}
		if err != nil {
			return err
		}
	} else if *tables != "" {
		return usageErr("report: --tables goes with a study file; %s is already an output folder", in)
	}
	t1 := time.Now()
	r, err := report.Load(dir, report.Options{SitingDir: *siting})
	if err != nil {
		return err
	}
	if !fi.IsDir() && *tables == "" {
		r.Dir = "" // a temporary folder, gone when the report is written
	}
	var size int64
	err = outdir.WriteFile(ctx, *out, func(w io.Writer) error {
		cw := &countWriter{w: w}
		err := report.Render(cw, r, report.RenderOptions{Title: *title, Map: report.MapOptions{MaxCellPaths: *cellPaths}, Lang: e.lang})
		size = cw.n
		return err
	})
	if err != nil {
		return err
	}
	if !e.quiet {
		secs := func(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }
		fmt.Fprint(e.stdout, e.lang.T("reportcmd.wrote", "study", r.Summary.Study, "out", *out, "size", kilobytes(size), "secs", secs(time.Since(t0))))
		if !fi.IsDir() {
			fmt.Fprint(e.stdout, e.lang.T("reportcmd.took", "study", secs(t1.Sub(t0)), "report", secs(time.Since(t1))))
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func kilobytes(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
}
