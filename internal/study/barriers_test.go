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

// TestNetworkBarriers reads Andorra's road network with network.barriers
// unset, true and false, for both profiles: the barriers close roads (node
// copies in the graph's stats) exactly when the profile or the key asks.
func TestNetworkBarriers(t *testing.T) {
	dir := networkKeyStudy(t)
	tests := []struct {
		profile, barriers string
		want              bool
	}{
		{"drive", "", false},
		{"drive", ", barriers: true", true},
		{"emergency", "", true},
		{"emergency", ", barriers: false", false},
	}
	for _, tc := range tests {
		t.Run(tc.profile+tc.barriers, func(t *testing.T) {
			body, stats := readNetworkWith(t, dir, tc.profile, tc.barriers)
			if got := stats["barriers_applied"] > 0 && stats["barriers_node_copies"] > 0; got != tc.want {
				t.Errorf("%s: barriers applied %d, node copies %d; want barriers %v", body, stats["barriers_applied"], stats["barriers_node_copies"], tc.want)
			}
		})
	}
}

// networkKeyStudy writes a study folder's bases and population (one base
// and one cell of Andorra) for readNetworkWith.
func networkKeyStudy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bases.csv"), []byte("id,lon,lat\na,1.5218,42.5063\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pop.csv"), []byte("cell,population\n893964a4c4bffff,100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readNetworkWith reads Andorra's road network through a study in dir
// with the profile and the extra network keys (", key: value"), and
// returns the study file's text and the graph's ingest stats.
func readNetworkWith(t *testing.T, dir, profile, keys string) (string, map[string]int64) {
	t.Helper()
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	path := filepath.Join(dir, "study.yaml")
	body := fmt.Sprintf("network: {pbf: %s, profile: %s%s}\nfacilities: {bases: [{file: bases.csv}]}\npopulation: {h3: pop.csv}\nunits: {osm_admin_level: 7}\n", pbf, profile, keys)
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
	return body, in.Graph.Meta().Stats
}
