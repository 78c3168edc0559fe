package study

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStudyPathsExpandShared(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared")
	if err := os.MkdirAll(filepath.Join(shared, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	pbf := filepath.Join(shared, "data", "x.osm.pbf")
	if err := os.WriteFile(pbf, []byte("not read here"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{"${RESCUEGRID_SHARED}/data/x.osm.pbf", "$RESCUEGRID_SHARED/data/x.osm.pbf"} {
		t.Run(form, func(t *testing.T) {
			t.Setenv(SharedEnv, shared)
			got, err := expandShared(form)
			if err != nil || got != pbf {
				t.Errorf("expandShared(%q) = %q, %v; want %q", form, got, err, pbf)
			}
			t.Setenv(SharedEnv, "")
			if _, err := expandShared(form); err == nil || !strings.Contains(err.Error(), "RESCUEGRID_SHARED") {
				t.Errorf("expandShared(%q) with the variable unset: error %v, want one naming it", form, err)
			}
		})
	}
	if got, err := expandShared("plain/file.csv"); err != nil || got != "plain/file.csv" {
		t.Errorf("expandShared of a plain path = %q, %v", got, err)
	}
	// Through a whole study file: the road network found via the variable.
	t.Setenv(SharedEnv, shared)
	study := filepath.Join(dir, "study.yaml")
	if err := os.WriteFile(study, []byte("name: x\nresolution: 9\nnetwork:\n  pbf: ${RESCUEGRID_SHARED}/data/x.osm.pbf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Load(study)
	if err == nil && st.Network.PBF != pbf {
		t.Errorf("network.pbf = %q, want %q", st.Network.PBF, pbf)
	}
	if err != nil && strings.Contains(err.Error(), "network.pbf") {
		t.Errorf("Load: %v (network.pbf not found through ${RESCUEGRID_SHARED})", err)
	}
}
