package report_test

import (
	"html"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/report"
	"github.com/rescuegrid/rescuegrid/internal/shared"
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

// TestReportBusyTeams: a study with busy teams shows each unit's expected
// share (units.csv expected_within / residents) beside its backup, and the
// summary's in the total row and the note.
func TestReportBusyTeams(t *testing.T) {
	sample, err := filepath.Abs(filepath.Join("..", "sample", "andorra"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	path := filepath.Join(tmp, "study.yaml")
	yaml := "name: busy\nnetwork: {pbf: " + filepath.Join(sample, "andorra.osm.pbf") + "}\n" +
		"facilities: {bases: [{file: " + filepath.Join(sample, "fire_stations.csv") + ", team_size: 30}]}\n" +
		"population: {buildings: {scale_to: 77543}}\nunits: {osm_admin_level: 7}\nbusy_teams: {fraction: 0.3}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "out")
	runStudy(t, path, dir)
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
	checked := 0
	for _, u := range readCSV(t, filepath.Join(dir, "units.csv")) {
		res, _ := strconv.ParseFloat(u["residents"], 64)
		if res <= 0 {
			continue
		}
		exp, _ := strconv.ParseFloat(u["expected_within"], 64)
		row := byID[u["unit_id"]]
		if len(row) != 8 || row[7] != percent(exp/res) {
			t.Errorf("unit %s: row %v, want the expected share %s last", u["unit_id"], row, percent(exp/res))
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no unit checked")
	}
	bt, ok := summary(t, dir)["busy_teams"].(map[string]any)
	if !ok {
		t.Fatal("summary.json has no busy_teams")
	}
	share := bt["expected_share"].(float64)
	if !strings.Contains(page, "expected to be reached within 15 minutes "+percent(share)) {
		t.Errorf("the busy-teams note does not give the summary's expected share %s", percent(share))
	}
	if bt["mean_busy_fraction"].(float64) != 0.3 || bt["bases_given"].(float64) != 5 {
		t.Errorf("summary busy_teams = %v, want every base given 0.3", bt)
	}
}

// TestReportDayNight: a study with a day population shows both rows, with
// the summary's figures.
func TestReportDayNight(t *testing.T) {
	grid := shared.Path(t, "data", "porto-alegre", "poa_hexgrid.csv")
	y := "name: poa\nnetwork: {pbf: " + shared.Path(t, "data", "porto-alegre", "poa_osm.pbf") + "}\n" +
		"facilities: {bases: [{file: " + shared.Path(t, "reference", "porto-alegre", "sources.csv") + ", team_size: 20}]}\n" +
		"population: {night: {h3: " + grid + "}, day: {h3: " + grid + "}}\n" +
		"units: {file: " + shared.Path(t, "data", "porto-alegre", "rs_municipios_ibge.geojson") + ", id: id, name: name}\n"
	tmp := t.TempDir()
	path := filepath.Join(tmp, "study.yaml")
	if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "out")
	runStudy(t, path, dir)
	r, err := report.Load(dir, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, report.RenderOptions{})
	_, rows := table(t, page, "day-table")
	sum := summary(t, dir)
	day := sum["day"].(map[string]any)
	want := [][]string{
		{commas(sum["residents"].(float64)), commas(sum["within"].(float64)), percent(sum["share"].(float64)), commas(sum["outside"].(float64))},
		{commas(day["day_population"].(float64)), commas(day["within"].(float64)), percent(day["share"].(float64)), commas(day["outside"].(float64))},
	}
	if len(rows) != 2 {
		t.Fatalf("day table has %d rows, want 2", len(rows))
	}
	for k := range want {
		if got := strings.Join(rows[k][1:5], "|"); got != strings.Join(want[k], "|") {
			t.Errorf("day table row %d = %s, want %s (summary.json)", k, got, strings.Join(want[k], "|"))
		}
	}
}

// TestReportTimes: a study at three times of day with the bundled
// illustrative profile shows one row per time beside free flow, with the
// summary's figures, and says the factors are illustrative.
func TestReportTimes(t *testing.T) {
	sample, err := filepath.Abs(filepath.Join("..", "sample", "andorra"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	path := filepath.Join(tmp, "study.yaml")
	yaml := "name: times\nnetwork: {pbf: " + filepath.Join(sample, "andorra.osm.pbf") + "}\n" +
		"facilities: {bases: [{file: " + filepath.Join(sample, "fire_stations.csv") + ", team_size: 30}]}\n" +
		"population: {buildings: {scale_to: 77543}}\nunits: {osm_admin_level: 7}\n" +
		"times: [\"03:00\", \"08:00\", \"17:30\"]\nspeed_profile: " + filepath.Join(sample, "speed-profile-illustrative.yaml") + "\n"
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "out")
	runStudy(t, path, dir)
	r, err := report.Load(dir, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, report.RenderOptions{})
	_, rows := table(t, page, "times-table")
	sum := summary(t, dir)
	times := sum["times_of_day"].(map[string]any)["times"].([]any)
	if len(rows) != 1+len(times) || len(times) != 3 {
		t.Fatalf("times table has %d rows, summary %d times; want 4 and 3", len(rows), len(times))
	}
	for k, x := range times {
		ts := x.(map[string]any)
		row := rows[k+1]
		if row[0] != ts["time"] || row[2] != commas(ts["within"].(float64)) || row[3] != percent(ts["share"].(float64)) {
			t.Errorf("times row %v, summary %v", row, ts)
		}
	}
	if rows[1][2] != rows[0][2] {
		t.Errorf("03:00 is in the profile's night period at factor 1: %s inside, free flow %s", rows[1][2], rows[0][2])
	}
	if rows[2][2] == rows[0][2] {
		t.Errorf("08:00 (morning peak) has as many inside as free flow: %s", rows[2][2])
	}
	if !strings.Contains(page, "ILLUSTRATIVE") {
		t.Error("the report does not say the profile is illustrative")
	}
	for _, f := range []string{"cells_times.csv", "units_times.csv", "bases_times.csv", "gaps_times.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("output: %v", err)
		}
	}
}
