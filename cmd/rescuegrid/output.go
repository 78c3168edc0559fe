package main

import "github.com/rescuegrid/rescuegrid/internal/outdir"

// checkOutFile refuses, before any work, an --out file that would not be
// written (a folder, a link, a device; "-" is standard output).
func checkOutFile(out string) error {
	if out == "-" {
		return nil
	}
	return outdir.CheckFile(out)
}
