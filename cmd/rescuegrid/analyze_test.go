package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// readArrow reads a whole Arrow IPC file with the Arrow reader.
func readArrow(tb testing.TB, path string) arrow.Table {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	defer r.Close()
	var recs []arrow.Record
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.Record(i)
		if err != nil {
			tb.Fatal(err)
		}
		rec.Retain()
		recs = append(recs, rec)
	}
	return array.NewTableFromRecords(r.Schema(), recs)
}

func sumFloat(tb testing.TB, t arrow.Table, name string) float64 {
	tb.Helper()
	idx := t.Schema().FieldIndices(name)
	if len(idx) != 1 {
		tb.Fatalf("no column %q in %v", name, t.Schema())
	}
	var s float64
	for _, ch := range t.Column(idx[0]).Data().Chunks() {
		a := ch.(*array.Float64)
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				s += a.Value(i)
			}
		}
	}
	return s
}

// TestAnalyzeSample runs the bundled study as 'make run' does and reads its
// outputs back with the Arrow and Parquet readers.
func TestAnalyzeSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "andorra")
	stdout, _ := runCLI(t, "analyze", filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"), "--out", out)
	for _, want := range []string{"inside the 15-minute circle", "Andorra la Vella", "largest gaps"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary does not mention %q:\n%s", want, stdout)
		}
	}
	var sum struct {
		Residents, Within   float64
		Units, Bases, Cells int
		Standard            struct{ Name string }
		ResidentsOutside    float64 `json:"residents_outside_units"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if math.Abs(sum.Residents-77543) > 1e-6 || sum.Units != 7 || sum.Bases != 5 || sum.Standard.Name != "cn-grassroots" {
		t.Errorf("summary = %+v, want 77,543 residents in 7 parishes, 5 bases, cn-grassroots", sum)
	}
	// Every resident counted once: cells, units + outside units, the summary.
	cells := readArrow(t, filepath.Join(out, "cells.arrow"))
	defer cells.Release()
	units := readArrow(t, filepath.Join(out, "units.arrow"))
	defer units.Release()
	if got := sumFloat(t, cells, "population"); math.Abs(got-sum.Residents) > 1e-6 {
		t.Errorf("cells add up to %v residents, summary %v", got, sum.Residents)
	}
	if got := sumFloat(t, units, "residents") + sum.ResidentsOutside; math.Abs(got-sum.Residents) > 1e-6 {
		t.Errorf("units + outside units = %v residents, summary %v", got, sum.Residents)
	}
	if got := sumFloat(t, units, "within"); math.Abs(got-sum.Within) > 1e-6+sum.ResidentsOutside {
		t.Errorf("units' residents within = %v, summary %v", got, sum.Within)
	}
	// The GeoParquet file reads back with the Parquet reader, with its geo metadata.
	pf, err := file.OpenParquetFile(filepath.Join(out, "units.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	geoMeta := pf.MetaData().KeyValueMetadata().FindValue("geo")
	if geoMeta == nil || !strings.Contains(*geoMeta, `"primary_column":"geometry"`) {
		t.Errorf("units.parquet geo metadata = %v", geoMeta)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 7 {
		t.Errorf("units.parquet has %d rows, want 7", tbl.NumRows())
	}
}

// TestAnalyzeFailureLeavesNoOutput: a study whose input is bad fails with a
// message naming the file, and leaves no output folder.
func TestAnalyzeFailureLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	sample, _ := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
	bad := filepath.Join(dir, "bases.csv")
	if err := os.WriteFile(bad, []byte("id,lon,lat\na,1.5,42.5\nb,east,42.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	studyYAML := "network: {pbf: " + filepath.Join(sample, "andorra.osm.pbf") + "}\n" +
		"facilities: {bases: [{file: bases.csv}]}\n" +
		"population: {buildings: {}}\n" +
		"units: {osm_admin_level: 7}\n"
	path := filepath.Join(dir, "study.yaml")
	if err := os.WriteFile(path, []byte(studyYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var o, e bytes.Buffer
	err := run(context.Background(), []string{"--quiet", "analyze", path, "--out", out}, &env{stdout: &o, stderr: &e})
	if err == nil || !strings.Contains(err.Error(), "bases.csv:3") || !strings.Contains(err.Error(), "lon") {
		t.Errorf("analyze with a bad base row = %v, want an error naming bases.csv:3 and lon", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if en.Name() != "bases.csv" && en.Name() != "study.yaml" {
			t.Errorf("left behind: %s", en.Name())
		}
	}
}
