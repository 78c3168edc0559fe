package study_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestNetworkTurnRestrictions reads Andorra's road network with
// network.turn_restrictions unset, true and false, for both profiles: the
// restrictions are built (via nodes split) exactly when the profile or the
// key asks, and a built graph refuses the key.
func TestNetworkTurnRestrictions(t *testing.T) {
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bases.csv"), []byte("id,lon,lat\na,1.5218,42.5063\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pop.csv"), []byte("cell,population\n893964a4c4bffff,100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		profile, key string
		want         bool
	}{
		{"drive", "", false},
		{"drive", ", turn_restrictions: true", true},
		{"emergency", "", true},
		{"emergency", ", turn_restrictions: false", false},
	}
	for _, tc := range tests {
		t.Run(tc.profile+tc.key, func(t *testing.T) {
			path := filepath.Join(dir, "study.yaml")
			body := fmt.Sprintf("network: {pbf: %s, profile: %s%s}\nfacilities: {bases: [{file: bases.csv}]}\npopulation: {h3: pop.csv}\nunits: {osm_admin_level: 7}\n", pbf, tc.profile, tc.key)
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
			stats := in.Graph.Meta().Stats
			if got := stats["restrictions_applied"] > 0 && stats["restrictions_via_nodes_split"] > 0; got != tc.want {
				t.Errorf("%s: restrictions applied %d, via nodes split %d; want restrictions %v", body, stats["restrictions_applied"], stats["restrictions_via_nodes_split"], tc.want)
			}
		})
	}
	path := filepath.Join(dir, "built.yaml")
	body := "network: {graph: g.rgraph, turn_restrictions: true}\nfacilities: {bases: [{file: bases.csv}]}\npopulation: {h3: pop.csv}\nunits: {osm_admin_level: 7}\n"
	if err := os.WriteFile(filepath.Join(dir, "g.rgraph"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := study.Load(path); err == nil || !strings.Contains(err.Error(), "network.turn_restrictions") {
		t.Errorf("turn_restrictions with a built graph: %v, want an error naming the key", err)
	}
}
