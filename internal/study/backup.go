package study

import (
	"fmt"
	"io"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
)

func backupSummary(b coverage.Backup) *BackupSummary {
	out := &BackupSummary{ByBases: map[string]float64{}, Backed: b.Backed(), Share: b.Share()}
	for k, v := range b.ByBases {
		out.ByBases[coverage.BandLabel(k)] = v
	}
	return out
}

// printBackup writes the backup line of the readable summary.
func printBackup(w io.Writer, s coverage.Summary, minutes float64) {
	b := s.Backup
	fmt.Fprintf(w, "  backup: reached by two or more bases within %g min: %s (%.1f %%); by one only: %s; by none: %s\n",
		minutes, people(b.Backed()), 100*b.Share(), people(b.ByBases[1]), people(b.ByBases[0]))
}
