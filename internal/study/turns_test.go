package study_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestNetworkTurnRestrictions reads Andorra's road network with
// network.turn_restrictions unset, true and false, for both profiles: the
// restrictions are built (via nodes split) exactly when the profile or the
// key asks, and a built graph refuses the key.
func TestNetworkTurnRestrictions(t *testing.T) {
	dir := networkKeyStudy(t)
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
			body, stats := readNetworkWith(t, dir, tc.profile, tc.key)
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
