package study

import (
	"fmt"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
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
func printBackup(w io.Writer, l i18n.Lang, s coverage.Summary, minutes float64) {
	b := s.Backup
	fmt.Fprintln(w, "  "+l.T("summary.backup", "minutes", fmt.Sprintf("%g", minutes), "backed", people(b.Backed()), "share", fmt.Sprintf("%.1f", 100*b.Share()),
		"one", people(b.ByBases[1]), "none", people(b.ByBases[0])))
}
