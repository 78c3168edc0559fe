package report_test

import (
	"html"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/report"
)

// TestReportBackup: the backup table shows, for every unit with residents,
// the shares of the units table's backup columns, and the total row the
// summary's.
func TestReportBackup(t *testing.T) {
	dir := sampleDir(t)
	r, err := report.Load(dir, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, report.RenderOptions{})
	attrs, rows := table(t, page, "backup-table")
	byID := map[string][]string{}
	for i, a := range attrs {
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(a), `data-unit="`), `"`)
		byID[html.UnescapeString(id)] = rows[i]
	}
	cols := []string{"residents_0_bases", "residents_1_base", "residents_2_bases", "residents_3plus_bases"}
	checked := 0
	for _, u := range readCSV(t, filepath.Join(dir, "units.csv")) {
		res, _ := strconv.ParseFloat(u["residents"], 64)
		if res <= 0 {
			continue
		}
		row, ok := byID[u["unit_id"]]
		if !ok {
			t.Errorf("unit %s has residents but no row in the backup table", u["unit_id"])
			continue
		}
		var b [4]float64
		var sum float64
		for k, c := range cols {
			b[k], _ = strconv.ParseFloat(u[c], 64)
			sum += b[k]
		}
		if d := sum - res; d > 1e-6*res || d < -1e-6*res {
			t.Errorf("unit %s: backup columns sum to %v, residents %v", u["unit_id"], sum, res)
		}
		want := []string{commas(res), percent(b[0] / res), percent(b[1] / res), percent(b[2] / res), percent(b[3] / res), percent((b[2] + b[3]) / res)}
		if got := row[1:]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("unit %s: backup row %v, want %v (units.csv)", u["unit_id"], got, want)
		}
		share, _ := strconv.ParseFloat(u["backup_share"], 64)
		if d := share - (b[2]+b[3])/res; d > 1e-12 || d < -1e-12 {
			t.Errorf("unit %s: backup_share %v, want %v", u["unit_id"], share, (b[2]+b[3])/res)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no unit with residents checked")
	}
	sum := summary(t, dir)
	bk, ok := sum["backup"].(map[string]any)
	if !ok {
		t.Fatalf("summary.json has no backup: %v", sum["backup"])
	}
	if got, want := bk["share"].(float64), bk["backed"].(float64)/sum["residents"].(float64); got-want > 1e-12 || want-got > 1e-12 {
		t.Errorf("summary backup share %v, backed / residents %v", got, want)
	}
	if !strings.Contains(page, percent(bk["share"].(float64))+" of the residents are reached") {
		t.Errorf("the backup note does not give the summary's share %s", percent(bk["share"].(float64)))
	}
}
