package main

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestNetworkInfoInChinese: `network info` on Andorra's emergency graph
// (barriers and turn restrictions counted) says, in Chinese, line by line
// the same figures as in English, each labelled line in Chinese; the rows
// of the speed table and the ingest counts are data keys, the same in both.
func TestNetworkInfoInChinese(t *testing.T) {
	g := filepath.Join(t.TempDir(), "andorra-emergency.rgraph")
	runCLI(t, "--quiet", "network", "build", "--profile", "emergency", "--pbf", shared.Path(t, "data", "andorra", "andorra.osm.pbf"), "--out", g)
	en := cli("--lang", "en", "network", "info", g)
	zh := cli("--lang", "zh-CN", "network", "info", g)
	if en.err != nil || zh.err != nil {
		t.Fatalf("network info: %v / %v", en.err, zh.err)
	}
	// The load time is measured per run; the other figures are the file's.
	loadTime := regexp.MustCompile(`[0-9.]+ (ms|毫秒)`)
	enLines := strings.Split(loadTime.ReplaceAllString(en.stdout, "T"), "\n")
	zhLines := strings.Split(loadTime.ReplaceAllString(zh.stdout, "T"), "\n")
	if len(enLines) != len(zhLines) {
		t.Fatalf("%d lines in English, %d in Chinese:\n%s\n%s", len(enLines), len(zhLines), en.stdout, zh.stdout)
	}
	number := regexp.MustCompile(`[0-9]+(\.[0-9]+)?`)
	word := regexp.MustCompile(`[A-Za-z_]{3,}`)
	sha := regexp.MustCompile(`[0-9a-f]{64}`)
	names := map[string]bool{"OSM": true, "Dijkstra": true, "highway": true, "maxspeed": true, "sha": true,
		"emergency": true, "rescuegrid": true, "dev": true, "andorra": true, "osm": true, "pbf": true,
		"motorcar": true, "motor_vehicle": true, "vehicle": true, "access": true}
	labelled := 0
	for i, e := range enLines {
		z := zhLines[i]
		if !slices.Equal(number.FindAllString(e, -1), number.FindAllString(z, -1)) {
			t.Errorf("line %d: English %q and Chinese %q say different figures", i+1, e, z)
		}
		if e == "" || strings.HasPrefix(e, "  ") {
			if e != z {
				t.Errorf("line %d: data row %q in English, %q in Chinese", i+1, e, z)
			}
			continue
		}
		labelled++
		han := func(s string) bool {
			return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
		}
		if label := strings.Fields(z)[0]; !han(label) {
			t.Errorf("line %d: label %q of %q is not in Chinese", i+1, label, z)
		}
		// Past the label, English words may only be names: of OSM tags,
		// the profile, the program, the algorithm, the file.
		rest := sha.ReplaceAllString(strings.ReplaceAll(z, g, ""), "")
		for _, w := range word.FindAllString(rest, -1) {
			if !names[w] {
				t.Errorf("line %d: English %q in %q", i+1, w, z)
			}
		}
	}
	for _, want := range []string{"路障", "转向限制", "收缩层级", "扫描表"} {
		if !strings.Contains(zh.stdout, want) {
			t.Errorf("no %q line in:\n%s", want, zh.stdout)
		}
	}
	if labelled < 14 {
		t.Errorf("%d labelled lines, want the 14 or more of an emergency graph:\n%s", labelled, zh.stdout)
	}
}
