package service_test

import (
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/service"
)

func TestTell(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"open /srv/data/secret/population.csv: no such file or directory", "open population.csv: no such file or directory"},
		{"read ../../data/sample/andorra/study.yaml: line 3: unknown key", "read study.yaml: line 3: unknown key"},
		{"data/sample/andorra/study.yaml: bad", "study.yaml: bad"},
		{"base way/330823762 is 150 m off the road", "base way/330823762 is 150 m off the road"},
		{`the study /a/b/c.yaml now gives 5 cells`, `the study c.yaml now gives 5 cells`},
		{"line one\nHOME=/root PATH=/usr/bin", "line one …"},
	} {
		if got := service.Tell(tc.in); got != tc.want {
			t.Errorf("Tell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := "h3: " + strings.Repeat("é", 1000)
	got := service.Tell(long)
	if len(got) > 400 || !strings.Contains(got, "cut") || !strings.HasPrefix(got, "h3: éé") {
		t.Errorf("Tell of a %d-byte message = %d bytes %q…", len(long), len(got), got[:min(len(got), 40)])
	}
}
