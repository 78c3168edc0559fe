package study_test

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// poaDayStudy writes a Porto Alegre study with a night and a day
// population from the same grid (population and jobs columns).
func poaDayStudy(tb testing.TB, day string) string {
	tb.Helper()
	grid := shared.Path(tb, "data", "porto-alegre", "poa_hexgrid.csv")
	y := "name: poa day and night\nnetwork: {pbf: " + shared.Path(tb, "data", "porto-alegre", "poa_osm.pbf") + "}\n" +
		"facilities: {bases: [{file: " + shared.Path(tb, "reference", "porto-alegre", "sources.csv") + ", team_size: 20}]}\n" +
		"population:\n  night: {h3: " + grid + "}\n  day: {h3: " + grid + day + "}\n" +
		"units: {file: " + shared.Path(tb, "data", "porto-alegre", "rs_municipios_ibge.geojson") + ", id: id, name: name}\n"
	path := filepath.Join(tb.TempDir(), "study.yaml")
	if err := os.WriteFile(path, []byte(y), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestDayPopulationPortoAlegre checks the day population against sums of
// the input columns of Porto Alegre's grid: every cell's day population is
// the stay share × its residents + its jobs, the stay share derived is
// 1 − Σ jobs / Σ residents, the day total follows, and the people inside
// the circle by day are the day population of the cells the night study
// finds inside it (the times do not change between day and night).
func TestDayPopulationPortoAlegre(t *testing.T) {
	ctx := context.Background()
	f, err := os.Open(shared.Path(t, "data", "porto-alegre", "poa_hexgrid.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, jobs := map[string]float64{}, map[string]float64{}
	var sumRes, sumJobs float64
	for _, r := range rows[1:] { // id,lon,lat,population,schools,jobs,healthcare
		p, _ := strconv.ParseFloat(r[3], 64)
		j, _ := strconv.ParseFloat(r[5], 64)
		res[r[0]] += p
		jobs[r[0]] += j
		sumRes += p
		sumJobs += j
	}
	for _, tc := range []struct {
		name, day string
		stay      float64
	}{
		{"derived stay share", "", 1 - sumJobs/sumRes},
		{"given stay share", ", stay_share: 0.5", 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, rs := computeStudy(t, poaDayStudy(t, tc.day))
			if math.Abs(in.Day.StayShare-tc.stay) > 1e-12 || in.Day.Workers != sumJobs || in.Day.Residents != sumRes {
				t.Errorf("day: stay %v, workers %v, residents %v; want %v, %v, %v", in.Day.StayShare, in.Day.Workers, in.Day.Residents, tc.stay, sumJobs, sumRes)
			}
			var dayWithin, dayTotal float64
			ci := in.Coverage
			for i, c := range ci.Cells {
				want := tc.stay*res[c.String()] + jobs[c.String()]
				if math.Abs(in.DayPop[i]-want) > 1e-9*(1+want) {
					t.Fatalf("cell %s: day population %v, want %v × %v + %v", c, in.DayPop[i], tc.stay, res[c.String()], jobs[c.String()])
				}
				dayTotal += want
				if rs.Coverage.Cells.Within[i] {
					dayWithin += want
				}
				if rs.Day.Cells.Within[i] != rs.Coverage.Cells.Within[i] {
					t.Fatalf("cell %s: inside the circle by night %v, by day %v", c, rs.Coverage.Cells.Within[i], rs.Day.Cells.Within[i])
				}
			}
			s := rs.Day.Summary
			if want := tc.stay*sumRes + sumJobs; math.Abs(s.Residents-want) > 1e-6*want || math.Abs(dayTotal-want) > 1e-6*want {
				t.Errorf("day population %v (cells %v), want %v × %v + %v = %v", s.Residents, dayTotal, tc.stay, sumRes, sumJobs, want)
			}
			if math.Abs(s.Within-dayWithin) > 1e-6*dayWithin {
				t.Errorf("day within %v, the night's cells inside weighted by day %v", s.Within, dayWithin)
			}
			if rs.Coverage.Summary.Residents != sumRes {
				t.Errorf("night residents %v, want the column's sum %v", rs.Coverage.Summary.Residents, sumRes)
			}
			if tc.day != "" {
				return
			}
			// The output: day columns, the day gaps, the day summary.
			dir := filepath.Join(t.TempDir(), "out")
			sum, err := study.Write(ctx, dir, in, rs, "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Day == nil || sum.Day.Within != s.Within || sum.Day.NightWithin != rs.Coverage.Summary.Within || sum.Day.Total != s.Residents {
				t.Errorf("summary day = %+v", sum.Day)
			}
			units := readCSV(t, filepath.Join(dir, "units.csv"))
			var people float64
			for _, u := range units {
				v, err := strconv.ParseFloat(u["day_people"], 64)
				if err != nil {
					t.Fatalf("units.csv day_people %q: %v", u["day_people"], err)
				}
				people += v
			}
			if math.Abs(people+s.OutsideUnitResidents-s.Residents) > 1e-6*s.Residents {
				t.Errorf("units' day people %v + outside units %v, day population %v", people, s.OutsideUnitResidents, s.Residents)
			}
			gaps := readCSV(t, filepath.Join(dir, "gaps_day.csv"))
			var outside float64
			for _, g := range gaps {
				v, _ := strconv.ParseFloat(g["residents"], 64)
				outside += v
			}
			if math.Abs(outside-s.Outside) > 1e-6*(1+s.Outside) {
				t.Errorf("day gaps hold %v people, outside by day %v", outside, s.Outside)
			}
			t.Logf("Porto Alegre: %.0f residents, %.0f jobs, stay %.3f: by day %.0f people, %.2f %% inside (night %.2f %%)",
				sumRes, sumJobs, tc.stay, s.Residents, 100*s.Share, 100*rs.Coverage.Summary.Share)
		})
	}
}

func readCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}
