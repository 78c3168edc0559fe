package batch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/batch"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// withFeatures rewrites a study file written by sharedStudy or portoStudy
// to ask for busy teams (every base's fraction derived from the call rate
// and the residents whose nearest base it is) and, with day, a day
// population: Porto Alegre's jobs column, or for Porto synthetic workers in
// every third cell of its lattice and in cells of no residents.
func withFeatures(t *testing.T, path string, day bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b) + "busy_teams: {}\n"
	if day {
		switch {
		case strings.Contains(text, "population:\n  h3: pop.csv\n"):
			dir := filepath.Dir(path)
			pop, err := os.ReadFile(filepath.Join(dir, "pop.csv"))
			if err != nil {
				t.Fatal(err)
			}
			var jobs strings.Builder
			jobs.WriteString("cell,jobs\n")
			for k, line := range strings.Split(strings.TrimSpace(string(pop)), "\n")[1:] {
				if k%3 == 0 {
					cell, _, _ := strings.Cut(line, ",")
					fmt.Fprintf(&jobs, "%s,%d\n", cell, (k*53)%400)
				}
			}
			writeFile(t, filepath.Join(dir, "jobs.csv"), jobs.String())
			text = strings.Replace(text, "population:\n  h3: pop.csv\n", "population:\n  night: {h3: pop.csv}\n  day: {h3: jobs.csv}\n", 1)
		default:
			re := regexp.MustCompile(`population: \{h3: ([^}]+)\}`)
			if !re.MatchString(text) {
				t.Fatalf("%s: no population line to give a day population", path)
			}
			text = re.ReplaceAllString(text, "population: {night: {h3: $1}, day: {h3: $1}}")
		}
	}
	writeFile(t, path, text)
}

// TestMergeEqualsSingleMachineBusyDay splits studies with busy teams (and,
// where the region has workers by place of work, a day population) into 2
// to 16 shards, by H3 parent and by unit: the merged output is the
// single-machine one, every table byte for byte (the expected coverage,
// the busy fractions, the day columns and the day gaps) and summary.json.
// Porto's shards are cut, so each cell's covering bases come from its own
// shard's roads and the busy fractions from every shard's nearest bases.
func TestMergeEqualsSingleMachineBusyDay(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the shared extracts")
	}
	cases := []struct {
		region string
		day    bool
		splits []batch.PlanOptions
	}{
		{"andorra", false, []batch.PlanOptions{{Shards: 2}, {Shards: 16}, {By: batch.ByUnit}}},
		{"malta", false, []batch.PlanOptions{{Shards: 3}, {By: batch.ByUnit, Shards: 16}}},
		{"porto-alegre", true, []batch.PlanOptions{{Shards: 2}, {Shards: 9}, {By: batch.ByUnit}}},
		{"porto", true, []batch.PlanOptions{{Shards: 6, ParentRes: 7}, {By: batch.ByUnit, Shards: 4, ParentRes: 7}}},
	}
	for _, tc := range cases {
		t.Run(tc.region, func(t *testing.T) {
			var path string
			if tc.region == "porto" {
				path = portoStudy(t)
			} else {
				path = sharedStudy(t, tc.region)
			}
			withFeatures(t, path, tc.day)
			want := single(t, path)
			if !fileHas(t, filepath.Join(want, "cells.csv"), "expected") || !fileHas(t, filepath.Join(want, "bases.csv"), "busy_fraction") {
				t.Fatal("the single-machine output has no expected or busy_fraction column: the study asks for no busy teams")
			}
			if _, err := os.Stat(filepath.Join(want, "gaps_day.csv")); (err == nil) != tc.day {
				t.Fatalf("single-machine gaps_day.csv: %v, want it exactly with a day population", err)
			}
			for _, opt := range tc.splits {
				name := fmt.Sprintf("%s-%d-r%d", cmpOr(opt.By, batch.ByH3), opt.Shards, opt.ParentRes)
				t.Run(name, func(t *testing.T) {
					dir := filepath.Join(t.TempDir(), "plan")
					p := plan(t, path, dir, opt)
					runAll(t, dir, p)
					got := filepath.Join(t.TempDir(), "merged")
					if _, err := batch.Merge(context.Background(), dir, got, batch.MergeOptions{Generator: "test"}); err != nil {
						t.Fatal(err)
					}
					sameOutput(t, want, got)
					hive(t, got, len(p.Shards))
				})
			}
		})
	}
}

func fileHas(t *testing.T, path, s string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.Contains(first, s)
}

// TestSplitRefusesWhatItCannotSplit: shelters, scenarios, critical
// segments and times of day need the whole region at once; the plan says
// which, and writes nothing.
func TestSplitRefusesWhatItCannotSplit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		study study.Study
		want  string
	}{
		{"critical", study.Study{Robustness: study.Robustness{CriticalSegments: 5}}, "critical segments"},
		{"times", study.Study{Times: &study.TimesSpec{}}, "times of day"},
		{"scenarios", study.Study{Scenarios: []study.ScenarioSpec{{Name: "flood"}}}, "scenarios"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plan")
			_, err := batch.Split(context.Background(), &tc.study, dir, batch.PlanOptions{Shards: 2})
			if !errors.Is(err, batch.ErrUnsupported) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "rescuegrid analyze") {
				t.Fatalf("Split: %v, want ErrUnsupported naming %q and 'rescuegrid analyze'", err, tc.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused plan made %s", dir)
			}
		})
	}
}
