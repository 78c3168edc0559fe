package study_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestReadOSMOnce reads a study that takes its road graph, OSM fire
// stations, a building population and its units from Andorra's extract,
// and deletes the extract as soon as the road network stage is done: the
// later stages must not read it again. The same study read with the file
// in place gives the same inputs.
func TestReadOSMOnce(t *testing.T) {
	src, err := os.ReadFile(shared.Path(t, "data", "andorra", "andorra.osm.pbf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pbf := filepath.Join(dir, "andorra.osm.pbf")
	path := filepath.Join(dir, "study.yaml")
	body := fmt.Sprintf("network: {pbf: %s}\nfacilities: {bases: [{osm: [amenity=fire_station]}]}\npopulation: {buildings: {scale_to: 77543}}\nunits: {osm_admin_level: 7}\n", pbf)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(removeAfterGraph bool) *study.Inputs {
		if err := os.WriteFile(pbf, src, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := study.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		var stages []string
		in, err := study.Read(context.Background(), st, study.Options{Progress: func(stage string) {
			if removeAfterGraph && len(stages) == 1 {
				if err := os.Remove(pbf); err != nil {
					t.Fatal(err)
				}
			}
			stages = append(stages, stage)
		}})
		if err != nil {
			t.Fatalf("stages %v: %v", stages, err)
		}
		if removeAfterGraph && (len(stages) < 4 || stages[0] != "road network") {
			t.Fatalf("stages %v: the extract was removed too late to tell", stages)
		}
		return in
	}
	once, again := read(true), read(false)
	if once.Graph.NumNodes() != again.Graph.NumNodes() || once.Graph.Meta().SourceSHA256 != again.Graph.Meta().SourceSHA256 {
		t.Errorf("graph: %d nodes, want %d", once.Graph.NumNodes(), again.Graph.NumNodes())
	}
	if len(once.Coverage.Bases) < 5 || len(once.Coverage.Bases) != len(again.Coverage.Bases) {
		t.Errorf("%d bases, want %d (at least 5)", len(once.Coverage.Bases), len(again.Coverage.Bases))
	}
	if len(once.Units) != 7 || len(again.Units) != 7 {
		t.Errorf("%d and %d units, want Andorra's 7 parishes", len(once.Units), len(again.Units))
	}
	if len(once.Population.Cells) == 0 || fmt.Sprint(once.Population.Cells, once.Population.Pop) != fmt.Sprint(again.Population.Cells, again.Population.Pop) {
		t.Errorf("population: %d cells, want the %d of a second read", len(once.Population.Cells), len(again.Population.Cells))
	}
}
