package study_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/rescuegrid/rescuegrid/internal/study"
)

// busyStudy writes a copy of the bundled sample's study (without its
// scenarios) into a temporary folder, its stations with the given extra
// busy_fraction column values (by row; "" leaves a row without), plus
// extra YAML.
func busyStudy(tb testing.TB, fractions []string, extra string) string {
	tb.Helper()
	sample, err := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	b, err := os.ReadFile(filepath.Join(sample, "fire_stations.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	lines[0] += ",busy_fraction"
	for i := 1; i < len(lines); i++ {
		v := ""
		if i-1 < len(fractions) {
			v = fractions[i-1]
		}
		lines[i] += "," + v
	}
	if err := os.WriteFile(filepath.Join(dir, "stations.csv"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	yaml := `name: busy
network: {pbf: ` + filepath.Join(sample, "andorra.osm.pbf") + `}
facilities: {bases: [{file: stations.csv, team_size: 30}]}
population: {buildings: {scale_to: 77543}}
units: {osm_admin_level: 7}
` + extra
	path := filepath.Join(dir, "study.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

func column[T any](tb testing.TB, rec arrow.Record, name string) []T {
	tb.Helper()
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		tb.Fatalf("no column %s in %v", name, rec.Schema())
	}
	var out []T
	switch a := rec.Column(idx[0]).(type) {
	case *array.Float64:
		for i := 0; i < a.Len(); i++ {
			out = append(out, any(a.Value(i)).(T))
		}
	case *array.Int32:
		for i := 0; i < a.Len(); i++ {
			out = append(out, any(a.Value(i)).(T))
		}
	case *array.String:
		for i := 0; i < a.Len(); i++ {
			out = append(out, any(a.Value(i)).(T))
		}
	case *array.Boolean:
		for i := 0; i < a.Len(); i++ {
			out = append(out, any(a.Value(i)).(T))
		}
	default:
		tb.Fatalf("column %s: type %T", name, a)
	}
	return out
}

// TestBusyTeamsSample runs the bundled sample with busy teams: one
// station's busy fraction given in its file, the others derived from the
// preset's call rate and job time. The tables must carry what the model
// says, checked from the tables themselves: a derived fraction is the
// rate × the base's nearest residents × the job time over a year; a cell
// one base reaches in time is reached with the chance that base is free;
// the units add up to the summary.
func TestBusyTeamsSample(t *testing.T) {
	ctx := context.Background()
	in, rs := computeStudy(t, busyStudy(t, []string{"0.25"}, "busy_teams: {}\n"))
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tables, err := study.Tables(mem, in, rs.Coverage)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, r := range tables {
			r.Release()
		}
	}()
	bases := tables["bases"]
	ids, q := column[string](t, bases, "base_id"), column[float64](t, bases, "busy_fraction")
	derived, nearest := column[bool](t, bases, "busy_derived"), column[float64](t, bases, "nearest_residents")
	rate := in.Study.Standard.Busy
	busy := map[string]float64{}
	for b := range ids {
		busy[ids[b]] = q[b]
		want := 0.25
		if b > 0 {
			want = min(1, rate.CallsPerResidentYear*nearest[b]*rate.JobMinutes/(365.25*24*60))
		}
		if derived[b] != (b > 0) || math.Abs(q[b]-want) > 1e-15 {
			t.Errorf("base %s: busy_fraction %v (derived %v), want %v", ids[b], q[b], derived[b], want)
		}
	}
	cells := tables["cells"]
	exp, n := column[float64](t, cells, "expected"), column[int32](t, cells, "bases_within")
	nearestID, pop := column[string](t, cells, "base_id"), column[float64](t, cells, "population")
	unitID := column[string](t, cells, "unit_id")
	var sum, inUnits float64
	ones := 0
	for i := range exp {
		sum += exp[i] * pop[i]
		if unitID[i] != "" {
			inUnits += exp[i] * pop[i]
		}
		switch {
		case n[i] == 0 && exp[i] != 0:
			t.Errorf("cell %d: no base in time but expected %v", i, exp[i])
		case n[i] == 1:
			ones++
			if want := 1 - busy[nearestID[i]]; math.Abs(exp[i]-want) > 1e-12 {
				t.Errorf("cell %d: one base (%s) in time, expected %v, want %v", i, nearestID[i], exp[i], want)
			}
		case !(exp[i] >= 0 && exp[i] <= 1):
			t.Errorf("cell %d: expected %v", i, exp[i])
		}
	}
	if ones == 0 {
		t.Error("no cell reached by exactly one base: the check above checked nothing")
	}
	var units float64
	for _, v := range column[float64](t, tables["units"], "expected_within") {
		units += v
	}
	s := rs.Coverage.Summary
	if math.Abs(sum-s.Expected) > 1e-6*s.Residents || math.Abs(units-inUnits) > 1e-6*s.Residents {
		t.Errorf("expected residents: cells %v, units %v, summary %v", sum, units, s.Expected)
	}
	if !(s.Expected < s.Within) {
		t.Errorf("expected %v not below within %v", s.Expected, s.Within)
	}
	t.Logf("Andorra, busy fractions %v: within %.0f, expected %.1f", q, s.Within, s.Expected)

	// Without busy_teams the tables keep their columns.
	in.Coverage.Busy = nil
	rs2, err := study.Compute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := study.Tables(mem, in, rs2.Coverage)
	if err != nil {
		t.Fatal(err)
	}
	for name, rec := range plain {
		if want := tables[name].NumCols() - int64(map[string]int{"cells": 1, "units": 2, "bases": 2}[name]); rec.NumCols() != want {
			t.Errorf("%s without busy_teams: %d columns, want %d", name, rec.NumCols(), want)
		}
		for _, c := range []string{"expected", "expected_within", "busy_fraction"} {
			if len(rec.Schema().FieldIndices(c)) > 0 {
				t.Errorf("%s without busy_teams has column %s", name, c)
			}
		}
		rec.Release()
	}
}

// TestBusyTeamsErrors: bad busy fractions are errors naming the key or the
// file and line.
func TestBusyTeamsErrors(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fractions []string
		extra     string
		want      []string
	}{
		{"fraction out of range", nil, "busy_teams: {fraction: 1.5}\n", []string{"busy_teams", "1.5"}},
		{"unknown key", nil, "busy_teams: {fracton: 0.5}\n", []string{"fracton"}},
		{"bad column", []string{"", "lots"}, "busy_teams: {}\n", []string{"stations.csv", "stations.csv:3", "busy_fraction", "lots"}},
		{"column above 1", []string{"2"}, "busy_teams: {}\n", []string{"stations.csv", "stations.csv:2", "busy_fraction"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := study.Load(busyStudy(t, tt.fractions, tt.extra))
			if err == nil {
				_, err = study.Read(context.Background(), st, study.Options{})
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}
