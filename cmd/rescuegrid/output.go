package main

import (
	"flag"
	"math"

	"github.com/rescuegrid/rescuegrid/internal/outdir"
)

// maxWorkers bounds --workers: more searches than this only add memory
// (each holds a distance array of the whole graph).
const maxWorkers = 256

// checkWorkers refuses a --workers outside 0 (all cores) to maxWorkers.
func checkWorkers(cmd string, n int) error {
	if n < 0 || n > maxWorkers {
		return usageErr("%s: --workers %d: want 0 (all cores) to %d, the limit", cmd, n, maxWorkers)
	}
	return nil
}

// checkOutFile refuses, before any work, an --out file that would not be
// written (a folder, a link, a device; "-" is standard output).
func checkOutFile(out string) error {
	if out == "-" {
		return nil
	}
	return outdir.CheckFile(out)
}

// finiteFlags refuses NaN and infinities in the number flags given (Go's
// flag package accepts "NaN" and "Inf", which then pass every "> 0"
// check or fall back to defaults).
func finiteFlags(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok || err != nil {
			return
		}
		if v, ok := g.Get().(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			err = usageErr("%s: --%s %s: want a finite number", fs.Name(), f.Name, f.Value)
		}
	})
	return err
}
