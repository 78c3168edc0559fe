package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The Shenzhen sample runs end to end in Chinese: shelters read as GCJ-02
// and all of those kept inside streets, street codes kept, the district
// rollup equal to the sum of its streets, GCJ-02 copies written, the
// study's notes carried into the Chinese report.
func TestSampleShenzhen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	study := filepath.Join("..", "..", "data", "sample", "shenzhen", "study.yaml")
	out, _ := runCLI(t, "--lang", "zh-CN", "analyze", study, "--out", dir)
	for _, w := range []string{"15分钟应急救援圈", "应急避难场所：45 处", `"135"区域`} {
		if !strings.Contains(out, w) {
			t.Errorf("printed summary lacks %q:\n%s", w, out)
		}
	}
	var sum struct {
		Bases   int `json:"bases"`
		Sources []struct {
			Role, CRS string
		} `json:"sources"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "summary.json"))), &sum); err != nil {
		t.Fatal(err)
	}
	crs := map[string]string{}
	for _, s := range sum.Sources {
		crs[s.Role] = s.CRS
	}
	if sum.Bases != 2 || crs["shelters"] != "gcj02" || crs["units"] != "wgs84" || len(sum.Notes) < 4 || !strings.HasPrefix(sum.Notes[0], "数据局限") {
		t.Errorf("summary: %d bases, crs %v, notes %q; want 2 OSM fire stations, shelters gcj02, the study's notes first", sum.Bases, crs, sum.Notes)
	}
	rows := func(name string) []map[string]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]string
		for _, r := range recs[1:] {
			m := map[string]string{}
			for i, h := range recs[0] {
				m[h] = r[i]
			}
			out = append(out, m)
		}
		return out
	}
	var residents float64
	for _, u := range rows("units.csv") {
		if len(u["code"]) != 9 || !strings.HasPrefix(u["code"], "440305") {
			t.Errorf("street %s has code %q, want its 9-digit JDBH", u["name"], u["code"])
		}
		v, _ := strconv.ParseFloat(u["residents"], 64)
		residents += v
	}
	county := rows("units_county.csv")
	if len(county) != 1 || county[0]["name"] != "南山区" || county[0]["code"] != "440305" {
		t.Fatalf("units_county = %v, want one row 南山区 440305", county)
	}
	if v, _ := strconv.ParseFloat(county[0]["residents"], 64); v < residents-1 || v > residents+1 {
		t.Errorf("南山区 holds %v residents, its streets %v", v, residents)
	}
	shelters := rows("shelters.csv")
	if len(shelters) != 45 {
		t.Errorf("%d shelters kept, want the 45 inside the extract", len(shelters))
	}
	for _, f := range []string{"shelters.gcj02.geojson", "bases.gcj02.geojson", "units.gcj02.geojson", "gaps.gcj02.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("GCJ-02 copy missing: %v", err)
		}
	}
	html := filepath.Join(t.TempDir(), "sz.html")
	runCLI(t, "--quiet", "--lang", "zh-CN", "report", dir, "--out", html)
	page := readFile(t, html)
	for _, w := range []string{`<html lang="zh-CN">`, "深圳市南山区", "数据局限", "南头街道", "粤海街道", "应急避难场所"} {
		if !strings.Contains(page, w) {
			t.Errorf("the Chinese report lacks %q", w)
		}
	}
	checkCJKInChromium(t, page)
}

// A bundled sample's provenance file translated beside it (SOURCE.zh-CN.md
// beside SOURCE.md) says the same figures: file sizes, commits' dates,
// coordinates, counts and shares, each as often as the original.
func TestSampleProvenanceTranslations(t *testing.T) {
	t.Parallel()
	translations, err := filepath.Glob(filepath.Join("..", "..", "data", "sample", "*", "SOURCE.*.md"))
	if err != nil || len(translations) == 0 {
		t.Fatalf("no translated SOURCE.md among the samples (%v): the Shenzhen sample has SOURCE.zh-CN.md", err)
	}
	for _, tr := range translations {
		orig := filepath.Join(filepath.Dir(tr), "SOURCE.md")
		fo, ft := numberRe.FindAllString(readFile(t, orig), -1), numberRe.FindAllString(readFile(t, tr), -1)
		slices.Sort(fo)
		slices.Sort(ft)
		if !slices.Equal(fo, ft) {
			t.Errorf("%s says other figures than %s:\n%v\n%v", tr, orig, ft, fo)
		}
	}
}
