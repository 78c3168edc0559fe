package study_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestGatedBaseMalta: Malta's Hal Far fire station stands behind two gates
// (OSM nodes 595357976 and 254911465) that OSM does not open for rescue
// vehicles. With barriers (the emergency profile) the study warns, naming
// the base, both gates and their distances, both snap distances and the fix;
// without barriers it says nothing, and the station snaps onto its own road.
func TestGatedBaseMalta(t *testing.T) {
	if testing.Short() {
		t.Skip("reads Malta")
	}
	pbf := shared.Path(t, "data", "malta", "malta-latest.osm.pbf")
	dir := t.TempDir()
	// Hal Far (node/158681750 in OSM) and Floriana (no barrier near).
	bases := "id,lon,lat,name\nnode/158681750,14.5062319,35.8197004,Hal Far\nfloriana,14.5075,35.8930,Floriana\n"
	if err := os.WriteFile(filepath.Join(dir, "bases.csv"), []byte(bases), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pop.csv"), []byte("cell,population\n893f3040003ffff,100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func(network string) []string {
		t.Helper()
		path := filepath.Join(dir, "study.yaml")
		body := fmt.Sprintf("network: {pbf: %s%s}\nfacilities: {bases: [{file: bases.csv}]}\npopulation: {h3: pop.csv}\nunits: {osm_admin_level: 8}\n", pbf, network)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := study.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		in, err := study.Read(context.Background(), st, study.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var gated []string
		for _, n := range in.Notes {
			if strings.Contains(n, "closed barriers") {
				gated = append(gated, n)
			}
		}
		return gated
	}
	notes := read(", profile: emergency")
	if len(notes) != 1 {
		t.Fatalf("emergency profile: %d barrier notes, want 1 (Hal Far):\n%s", len(notes), strings.Join(notes, "\n"))
	}
	want := regexp.MustCompile(`^base node/158681750 \(Hal Far\): closed barriers at OSM node 595357976 \(63 m from the base\), 254911465 \(86 m from the base\) cut its road, ([0-9.]+) m away, off from the network, so the base is placed on the network ([0-9.]+) m away instead .* tag it emergency=yes in OpenStreetMap, or set network.barriers: false$`)
	m := want.FindStringSubmatch(notes[0])
	if m == nil {
		t.Fatalf("note %q does not match %s", notes[0], want)
	}
	if m[1] != "10.1" || m[2] != "62.8" {
		t.Errorf("note: its road %s m, placed %s m; want 10.1 m (where it snaps without barriers) and 62.8 m", m[1], m[2])
	}
	if notes := read(", profile: emergency, barriers: false"); len(notes) != 0 {
		t.Errorf("without barriers: %q, want no barrier note", notes)
	}
	if notes := read(""); len(notes) != 0 {
		t.Errorf("drive: %q, want no barrier note", notes)
	}
}
