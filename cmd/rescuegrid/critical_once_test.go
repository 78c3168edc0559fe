package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
)

// TestAnalyzeCriticalSegmentsReadOSMOnce: --critical-segments given on the
// command line (the study file asks for none) labels the segments with
// road names from the study's one pass over network.pbf. The extract is
// deleted as the stage after the road network starts, and the run still
// names the same roads as a run with the extract in place.
func TestAnalyzeCriticalSegmentsReadOSMOnce(t *testing.T) {
	sample := filepath.Join("..", "..", "data", "sample", "andorra")
	dir := t.TempDir()
	for _, name := range []string{"study.yaml", "andorra.osm.pbf", "fire_stations.csv", "flood_valira.geojson", "speed-profile-illustrative.yaml", "whole_country.geojson"} {
		b, err := os.ReadFile(filepath.Join(sample, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	names := func(removePBF bool) []string {
		out := filepath.Join(t.TempDir(), "out")
		var o, se bytes.Buffer
		var stages []string
		e := &env{stdout: &o, stderr: &se, onStage: func(stage string) {
			if removePBF && len(stages) == 1 {
				if err := os.Remove(filepath.Join(dir, "andorra.osm.pbf")); err != nil {
					t.Fatal(err)
				}
			}
			stages = append(stages, stage)
		}}
		if err := run(context.Background(), []string{"-q", "analyze", filepath.Join(dir, "study.yaml"), "--out", out, "--critical-segments", "6"}, e); err != nil {
			t.Fatalf("analyze --critical-segments 6 (extract removed after %v: %v): %v\n%s", stages[:min(1, len(stages))], removePBF, err, se.String())
		}
		if removePBF && (len(stages) < 2 || stages[0] != "road network") {
			t.Fatalf("stages %v: the extract was removed too late to tell", stages)
		}
		tab := readArrow(t, filepath.Join(out, "critical_segments.arrow"))
		defer tab.Release()
		col := tab.Column(tab.Schema().FieldIndices("name")[0]).Data().Chunk(0).(*array.String)
		var got []string
		for i := 0; i < col.Len(); i++ {
			got = append(got, col.Value(i))
		}
		return got
	}
	kept := names(false)
	once := names(true)
	named := 0
	for _, n := range kept {
		if n != "" {
			named++
		}
	}
	if len(kept) != 6 || named == 0 {
		t.Fatalf("with the extract in place: names %q, want 6 rows, some named", kept)
	}
	if len(once) != len(kept) {
		t.Fatalf("names %q, want %q", once, kept)
	}
	for i := range kept {
		if once[i] != kept[i] {
			t.Errorf("row %d: name %q, want %q as with the extract in place", i, once[i], kept[i])
		}
	}
}
