package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/data/report"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// runStudy runs a study as 'rescuegrid analyze' does and writes its output
// into dir.
func runStudy(tb testing.TB, path, dir string) {
	tb.Helper()
	ctx := context.Background()
	st, err := study.Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	in, err := study.Read(ctx, st, study.Options{Generator: "rescuegrid test"})
	if err != nil {
		tb.Fatal(err)
	}
	rs, err := study.Compute(ctx, in)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := study.Write(ctx, dir, in, rs, "rescuegrid test", append(in.Timings, rs.Timings...)); err != nil {
		tb.Fatal(err)
	}
}

// The bundled sample's output, computed once for the package's tests.
var sample struct {
	once sync.Once
	dir  string
}

func sampleDir(tb testing.TB) string {
	tb.Helper()
	sample.once.Do(func() {
		d, err := os.MkdirTemp("", "rescuegrid-report-test-")
		if err != nil {
			tb.Fatal(err)
		}
		sample.dir = filepath.Join(d, "andorra")
		runStudy(tb, filepath.Join("..", "sample", "andorra", "study.yaml"), sample.dir)
	})
	if sample.dir == "" {
		tb.Fatal("the sample study did not run")
	}
	return sample.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sample.dir != "" {
		os.RemoveAll(filepath.Dir(sample.dir))
	}
	os.Exit(code)
}

func render(tb testing.TB, r *report.Report, opt report.RenderOptions) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := report.Render(&buf, r, opt); err != nil {
		tb.Fatalf("Render: %v", err)
	}
	return buf.String()
}

// summary reads summary.json with a plain map, independently of the
// package's types.
func summary(tb testing.TB, dir string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// readCSV reads one of the output's CSV tables as maps by column name.
func readCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// commas writes a whole number of people as the report should: 77,543.
func commas(v float64) string {
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// percent writes a share as the report should: one decimal, never
// rounded up to a target it misses.
func percent(share float64) string {
	return fmt.Sprintf("%.1f %%", math.Floor(share*1000)/10)
}

var (
	reKey   = regexp.MustCompile(`data-key="([a-z_0-9]+)"><div class="l">[^<]*</div><div class="v">([^<]*)</div>`)
	reSub   = regexp.MustCompile(`<span data-key="([a-z_]+)">([^<]*)</span>`)
	reTag   = regexp.MustCompile(`<[^>]+>`)
	reRow   = regexp.MustCompile(`(?s)<tr([^>]*)>(.*?)</tr>`)
	reCell  = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	reAttr  = regexp.MustCompile(`(?i)\b(src|href|xlink:href|action|poster|data)\s*=\s*"([^"]*)"`)
	reURLFn = regexp.MustCompile(`(?i)url\(\s*['"]?([^'")]*)`)
)

// table returns the body rows of the table with the given id: the <tr>
// attributes and each cell's text.
func table(tb testing.TB, page, id string) (attrs []string, rows [][]string) {
	tb.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		tb.Fatalf("no table %s in the report", id)
	}
	end := strings.Index(page[start:], "</table>")
	body := page[start : start+end]
	if i := strings.Index(body, "<tbody>"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</tbody>"); i >= 0 {
		body = body[:i]
	}
	for _, m := range reRow.FindAllStringSubmatch(body, -1) {
		var cells []string
		for _, c := range reCell.FindAllStringSubmatch(m[2], -1) {
			cells = append(cells, html.UnescapeString(strings.TrimSpace(reTag.ReplaceAllString(c[1], ""))))
		}
		attrs, rows = append(attrs, m[1]), append(rows, cells)
	}
	return attrs, rows
}

// svgNode is a parsed SVG element.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []svgNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n *svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// find returns the first element with the given id.
func (n *svgNode) find(id string) *svgNode {
	if n.attr("id") == id {
		return n
	}
	for i := range n.Nodes {
		if f := n.Nodes[i].find(id); f != nil {
			return f
		}
	}
	return nil
}

func (n *svgNode) count(local string) int {
	c := 0
	if n.XMLName.Local == local {
		c++
	}
	for i := range n.Nodes {
		c += n.Nodes[i].count(local)
	}
	return c
}

// mapSVG parses the report's map, which must be well-formed XML.
func mapSVG(tb testing.TB, page string) *svgNode {
	tb.Helper()
	start := strings.Index(page, `<svg xmlns="http://www.w3.org/2000/svg" id="travel-time-map"`)
	if start < 0 {
		tb.Fatal("no map <svg id=\"travel-time-map\"> in the report")
	}
	end := strings.Index(page[start:], "</svg>")
	var root svgNode
	if err := xml.Unmarshal([]byte(page[start:start+end+len("</svg>")]), &root); err != nil {
		tb.Fatalf("the map is not well-formed SVG: %v", err)
	}
	return &root
}

// TestReportSample renders the bundled sample and checks the page against
// the output it was read from: the figures of summary.json, every unit,
// one hexagon per cell in the class of its travel time, every gap, base
// and scenario, the sources with the OSM attribution, and no external
// reference.
func TestReportSample(t *testing.T) {
	dir := sampleDir(t)
	r, err := report.Load(dir, report.Options{})
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	t0 := time.Now()
	page := render(t, r, report.RenderOptions{})
	t.Logf("report of the sample: %d bytes in %v", len(page), time.Since(t0))
	sum := summary(t, dir)
	num := func(k string) float64 {
		v, ok := sum[k].(float64)
		if !ok {
			t.Fatalf("summary.json %s = %v, not a number", k, sum[k])
		}
		return v
	}

	t.Run("summary figures", func(t *testing.T) {
		got := map[string]string{}
		for _, m := range reKey.FindAllStringSubmatch(page, -1) {
			got[m[1]] = html.UnescapeString(m[2])
		}
		for _, m := range reSub.FindAllStringSubmatch(page, -1) {
			got[m[1]] = html.UnescapeString(m[2])
		}
		want := map[string]string{
			"residents":         commas(num("residents")),
			"within":            commas(num("within")),
			"share":             percent(num("share")),
			"outside":           commas(num("outside")),
			"no_road_cells":     commas(num("no_road_cells")),
			"no_road_residents": commas(num("no_road_residents")),
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("key figure %s = %q, want %q (summary.json)", k, got[k], w)
			}
		}
		if !strings.Contains(page, "not met") || num("share") >= 1 {
			t.Errorf("the sample misses its 100 %% target (share %v): the page should say 'not met'", num("share"))
		}
	})

	t.Run("units", func(t *testing.T) {
		units := readCSV(t, filepath.Join(dir, "units.csv"))
		attrs, rows := table(t, page, "units-table")
		_, teams := table(t, page, "teams-table")
		byID := map[string][]string{}
		for i, a := range attrs {
			id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(a), `data-unit="`), `"`)
			byID[html.UnescapeString(id)] = rows[i]
		}
		populated := 0
		for _, u := range units {
			res, _ := strconv.ParseFloat(u["residents"], 64)
			if res <= 0 {
				continue
			}
			populated++
			row, ok := byID[u["unit_id"]]
			if !ok {
				t.Errorf("unit %s (%s) is not in the units table", u["unit_id"], u["name"])
				continue
			}
			share, _ := strconv.ParseFloat(u["share"], 64)
			outside, _ := strconv.ParseFloat(u["outside"], 64)
			if row[0] != u["name"] || row[1] != commas(res) || row[3] != percent(share) || row[4] != commas(outside) {
				t.Errorf("units table row %q, want %s: %s residents, %s, %s outside", row, u["name"], commas(res), percent(share), commas(outside))
			}
			status := "not met"
			if u["meets_rescue"] == "true" {
				status = "met"
			}
			if row[len(row)-1] != status {
				t.Errorf("unit %s target = %q, want %q", u["name"], row[len(row)-1], status)
			}
		}
		if populated != int(num("units_with_residents")) || len(rows) != populated || len(teams) != populated {
			t.Errorf("units table %d rows, teams table %d; %d units with residents, summary %v", len(rows), len(teams), populated, sum["units_with_residents"])
		}
		for _, tr := range teams {
			name, bases, members, min := tr[0], tr[1], tr[2], tr[3]
			for _, u := range units {
				if u["name"] == name && (u["bases"] != bases || u["members"] != members || u["min_members"] != min) {
					t.Errorf("teams row %q, want bases %s, members %s, minimum %s", tr, u["bases"], u["members"], u["min_members"])
				}
			}
		}
	})

	t.Run("map", func(t *testing.T) {
		svg := mapSVG(t, page)
		cells := svg.find("map-cells")
		if cells == nil || cells.attr("data-mode") != "per-cell" {
			t.Fatalf("map cells group missing or not drawn per cell")
		}
		// Each band's cells, by H3 id from the hexagon's tooltip.
		band := map[string]string{}
		for _, g := range cells.Nodes {
			for _, p := range g.Nodes {
				if p.XMLName.Local != "path" || len(p.Nodes) != 1 {
					t.Fatalf("cell element %v: want a path with a title", p.XMLName)
				}
				id, _, _ := strings.Cut(p.Nodes[0].Text, ":")
				if _, dup := band[id]; dup {
					t.Errorf("cell %s drawn twice", id)
				}
				band[id] = g.attr("data-band")
			}
		}
		rows := readCSV(t, filepath.Join(dir, "cells.csv"))
		if len(band) != len(rows) || len(rows) != int(num("cells")) {
			t.Errorf("map has %d hexagons, cells.csv %d rows, summary %v cells", len(band), len(rows), sum["cells"])
		}
		target := 15 * 60.0
		for _, c := range rows {
			want := ""
			sec, err := strconv.ParseFloat(c["seconds"], 64)
			switch {
			case c["no_road_access"] == "true":
				want = "noroad"
			case err != nil:
				want = "unreached"
			case sec <= 300:
				want = "b0"
			case sec <= 600:
				want = "b1"
			case sec <= target:
				want = "b2"
			case sec <= 2*target:
				want = "over"
			default:
				want = "far"
			}
			if band[c["cell"]] != want {
				t.Errorf("cell %s (%s s, no road %s) drawn in band %q, want %q", c["cell"], c["seconds"], c["no_road_access"], band[c["cell"]], want)
			}
			if (c["within_target"] == "true") != strings.HasPrefix(want, "b") {
				t.Errorf("cell %s within_target %s but band %s", c["cell"], c["within_target"], want)
			}
		}
		gaps := readCSV(t, filepath.Join(dir, "gaps.csv"))
		if g := svg.find("map-gaps"); g == nil || len(g.Nodes) != len(gaps) {
			t.Errorf("map outlines %v gaps, gaps.csv has %d", svg.find("map-gaps"), len(gaps))
		}
		if g := svg.find("map-gap-ranks"); g == nil || len(g.Nodes) != min(5, len(gaps)) {
			t.Errorf("map ranks %d gaps, want %d", len(g.Nodes), min(5, len(gaps)))
		}
		bases := readCSV(t, filepath.Join(dir, "bases.csv"))
		if got := svg.find("map-bases").count("path"); got != len(bases) {
			t.Errorf("map draws %d bases, bases.csv has %d", got, len(bases))
		}
		units := readCSV(t, filepath.Join(dir, "units.csv"))
		if got := len(svg.find("map-unit-lines").Nodes); got != len(units) {
			t.Errorf("map draws %d unit boundaries, units.csv has %d", got, len(units))
		}
		if got := len(svg.find("map-unit-names").Nodes); got != len(units) {
			t.Errorf("map names %d units, want %d", got, len(units))
		}
		// The legend counts what the map draws.
		for _, b := range []string{"b0", "b1", "b2", "over", "noroad"} {
			n := 0
			for _, v := range band {
				if v == b {
					n++
				}
			}
			re := regexp.MustCompile(`<tr data-band="` + b + `">.*?<td class="num">([0-9,]+)</td>`)
			m := re.FindStringSubmatch(page)
			if m == nil || m[1] != commas(float64(n)) {
				t.Errorf("legend for band %s = %v, want %d cells", b, m, n)
			}
		}
	})

	t.Run("gaps, bases, scenarios", func(t *testing.T) {
		gaps := readCSV(t, filepath.Join(dir, "gaps.csv"))
		_, rows := table(t, page, "gaps-table")
		if len(rows) != min(10, len(gaps)) {
			t.Fatalf("gaps table %d rows, want %d", len(rows), min(10, len(gaps)))
		}
		for i, row := range rows {
			res, _ := strconv.ParseFloat(gaps[i]["residents"], 64)
			if row[0] != gaps[i]["rank"] || row[1] != commas(res) || row[2] != gaps[i]["cells"] {
				t.Errorf("gaps row %q, want rank %s, %s residents, %s cells", row, gaps[i]["rank"], commas(res), gaps[i]["cells"])
			}
		}
		bases := readCSV(t, filepath.Join(dir, "bases.csv"))
		_, rows = table(t, page, "bases-table")
		if len(rows) != len(bases) {
			t.Fatalf("bases table %d rows, want %d", len(rows), len(bases))
		}
		for i, row := range rows {
			only, _ := strconv.ParseFloat(bases[i]["only_covers_residents"], 64)
			if row[1] != bases[i]["base_id"] || row[len(row)-1] != commas(only) {
				t.Errorf("bases row %q, want %s, only it reaches %s", row, bases[i]["base_id"], commas(only))
			}
		}
		scs := sum["scenarios"].([]any)
		_, rows = table(t, page, "scenarios-table")
		if len(rows) != 1+len(scs) || rows[0][0] != "baseline" || rows[0][2] != commas(num("within")) {
			t.Fatalf("scenarios table %q: want the baseline, then %d scenarios", rows, len(scs))
		}
		for i, s := range scs {
			sc := s.(map[string]any)
			if rows[i+1][0] != sc["name"] || rows[i+1][2] != commas(sc["within"].(float64)) || rows[i+1][5] != commas(sc["residents_losing_coverage"].(float64)) {
				t.Errorf("scenario row %q, want %v with %v inside, %v losing coverage", rows[i+1], sc["name"], sc["within"], sc["residents_losing_coverage"])
			}
		}
		if !strings.Contains(page, "2 bases out of service (node/2966663490, node/6775197585)") {
			t.Error("the massana-out scenario does not name the bases it takes out")
		}
		_, rows = table(t, page, "scenario-units-table")
		if len(rows) != int(num("units_with_residents")) || len(rows[0]) != 3+len(scs) {
			t.Errorf("scenario units table %d rows of %d cells, want %v rows of %d", len(rows), len(rows[0]), sum["units_with_residents"], 3+len(scs))
		}
	})

	t.Run("settings and sources", func(t *testing.T) {
		std := sum["standard"].(map[string]any)
		for _, want := range []string{
			"cn-grassroots", "15 min from the nearest base", "H3 resolution 9", "township 20", "village 10",
			"walk at 4.5 km/h; no road within 500 m", html.EscapeString(std["description"].(string)),
			"© OpenStreetMap contributors, ODbL", `<a href="https://www.openstreetmap.org/copyright">`,
			"Open Database Licence (ODbL) 1.0", // quoted from SOURCE.md
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the report does not contain %q", want)
			}
		}
		_, rows := table(t, page, "sources-table")
		files := map[string]bool{}
		for _, r := range rows {
			files[r[1]] = true
		}
		for _, f := range []string{"andorra.osm.pbf", "fire_stations.csv", "flood_valira.geojson", "whole_country.geojson"} {
			if !files[f] {
				t.Errorf("sources table %q lacks %s", rows, f)
			}
		}
	})

	t.Run("self-contained", func(t *testing.T) {
		for _, m := range reAttr.FindAllStringSubmatch(page, -1) {
			v := m[2]
			if strings.HasPrefix(v, "#") {
				continue
			}
			if m[1] == "href" && v == report.OSMCopyrightURL {
				continue // the attribution link, as an <a href>
			}
			t.Errorf("external reference %s=%q", m[1], v)
		}
		for _, m := range reURLFn.FindAllStringSubmatch(page, -1) {
			if !strings.HasPrefix(m[1], "#") {
				t.Errorf("CSS or SVG url(%s) is not a local reference", m[1])
			}
		}
		for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "@font-face"} {
			if strings.Contains(strings.ToLower(page), bad) {
				t.Errorf("the report contains %s", bad)
			}
		}
		ids := map[string]int{}
		for _, m := range regexp.MustCompile(`\sid="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			ids[m[1]]++
		}
		for id, n := range ids {
			if n > 1 {
				t.Errorf("id %q appears %d times in the page", id, n)
			}
		}
		for _, m := range regexp.MustCompile(`href="#([^"]*)"|url\(#([^)]*)\)`).FindAllStringSubmatch(page, -1) {
			if id := m[1] + m[2]; ids[id] == 0 {
				t.Errorf("local reference #%s has no element", id)
			}
		}
		if n := strings.Count(page, `<a href="https://www.openstreetmap.org/copyright">`); n != 1 {
			t.Errorf("%d attribution links, want 1", n)
		}
		if len(page) > 400<<10 {
			t.Errorf("the sample's report is %d bytes, want under 400 KB", len(page))
		}
	})
}

// TestReportDissolvedMap draws the sample's cells merged by class, as a
// study with more cells than MapOptions.MaxCellPaths is: one path per
// class that has cells, and the same legend.
func TestReportDissolvedMap(t *testing.T) {
	r, err := report.Load(sampleDir(t), report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, report.RenderOptions{Map: report.MapOptions{MaxCellPaths: 100}})
	svg := mapSVG(t, page)
	cells := svg.find("map-cells")
	if cells.attr("data-mode") != "dissolved" {
		t.Fatalf("cells mode %q, want dissolved", cells.attr("data-mode"))
	}
	full := render(t, r, report.RenderOptions{})
	for _, g := range cells.Nodes {
		legend := regexp.MustCompile(`<tr data-band="` + g.attr("data-band") + `">.*?<td class="num">([0-9,]+)</td>`).FindStringSubmatch(page)
		n := len(g.Nodes)
		if legend == nil {
			if n != 0 {
				t.Errorf("band %s drawn without a legend row", g.attr("data-band"))
			}
			continue
		}
		if (legend[1] != "0") != (n == 1) {
			t.Errorf("band %s: %d paths for %s cells, want one path when it has cells", g.attr("data-band"), n, legend[1])
		}
		if n == 1 && !strings.Contains(g.Nodes[0].Nodes[0].Text, legend[1]+" cells") {
			t.Errorf("band %s path title %q, want %s cells", g.attr("data-band"), g.Nodes[0].Nodes[0].Text, legend[1])
		}
	}
	if len(page) >= len(full) {
		t.Errorf("the dissolved map's page is %d bytes, the per-cell one %d: want smaller", len(page), len(full))
	}
}

// copyDir copies a study output into a new folder for a test to damage.
func copyDir(tb testing.TB, src string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), filepath.Base(src))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		tb.Fatal(err)
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".arrow") && e.Name() != "summary.json" {
			continue
		}
		in, err := os.Open(filepath.Join(src, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dst, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			tb.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return dst
}

// TestLoadErrors: a folder that is not a study output, or one with a
// table missing, damaged or of another kind, is refused with a message
// naming the file.
func TestLoadErrors(t *testing.T) {
	src := sampleDir(t)
	tests := []struct {
		name    string
		damage  func(dir string) error
		notOut  bool     // errors.Is ErrNotOutput
		wantSub []string // in the message; "DIR" is the folder
	}{
		{"no summary", func(d string) error { return os.Remove(filepath.Join(d, "summary.json")) }, true, []string{"DIR", "no summary.json"}},
		{"siting summary", func(d string) error {
			return os.WriteFile(filepath.Join(d, "summary.json"), []byte(`{"study":"x","objective":"coverage","k":5}`), 0o644)
		}, true, []string{"DIR", "siting result", "--siting"}},
		{"not json", func(d string) error {
			return os.WriteFile(filepath.Join(d, "summary.json"), []byte("units: 7\n"), 0o644)
		}, true, []string{"DIR/summary.json"}},
		{"missing units table", func(d string) error { return os.Remove(filepath.Join(d, "units.arrow")) }, true, []string{"DIR/units.arrow", "missing"}},
		{"missing scenarios table", func(d string) error { return os.Remove(filepath.Join(d, "scenarios.arrow")) }, true, []string{"DIR/scenarios.arrow", "missing"}},
		{"damaged cells table", func(d string) error {
			return os.WriteFile(filepath.Join(d, "cells.arrow"), []byte("PAR1 not arrow"), 0o644)
		}, false, []string{"DIR/cells.arrow", "not an Arrow IPC file"}},
		{"table of another kind", func(d string) error {
			b, err := os.ReadFile(filepath.Join(d, "bases.arrow"))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(d, "gaps.arrow"), b, 0o644)
		}, false, []string{"DIR/gaps.arrow", `no column "rank"`}},
		{"tables of another run", func(d string) error {
			b, err := os.ReadFile(filepath.Join(d, "summary.json"))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(d, "summary.json"), bytes.Replace(b, []byte(`"cells": 531`), []byte(`"cells": 530`), 1), 0o644)
		}, false, []string{"DIR/summary.json", "530 cells", "531"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyDir(t, src)
			if err := tt.damage(dir); err != nil {
				t.Fatal(err)
			}
			_, err := report.Load(dir, report.Options{})
			if err == nil {
				t.Fatalf("Load accepted the folder")
			}
			if errors.Is(err, report.ErrNotOutput) != tt.notOut {
				t.Errorf("errors.Is(%v, ErrNotOutput) = %v, want %v", err, !tt.notOut, tt.notOut)
			}
			for _, w := range tt.wantSub {
				w = strings.ReplaceAll(w, "DIR", dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if _, err := report.Load(filepath.Join(src, "summary.json"), report.Options{}); err == nil || !strings.Contains(err.Error(), "not a folder") {
		t.Errorf("Load(summary.json file) = %v, want 'not a folder'", err)
	}
	if _, err := report.Load(src, report.Options{SitingDir: src}); err == nil || !strings.Contains(err.Error(), "no objective") {
		t.Errorf("Load(--siting a study output) = %v, want 'no objective'", err)
	}
}

// TestReportShelters renders Porto Alegre with its May 2024 flood shelters:
// the shelter figures equal summary.json's, and every unit with residents
// or shelters has its row.
func TestReportShelters(t *testing.T) {
	if testing.Short() {
		t.Skip("Porto Alegre study: not in -short")
	}
	d := t.TempDir()
	path := filepath.Join(d, "poa.yaml")
	yaml := fmt.Sprintf(`name: Porto Alegre (report test)
network: {pbf: %q}
facilities:
  bases: [{file: %q, team_size: 20}]
  shelters: [{file: %q, format: sosrs, city: Porto Alegre}]
population: {h3: %q}
units: {file: %q, id: id, name: name}
`, shared.Path(t, "data", "porto-alegre", "poa_osm.pbf"), shared.Path(t, "reference", "porto-alegre", "sources.csv"),
		shared.Path(t, "data", "porto-alegre", "sosrs_shelters_2024-05.csv"), shared.Path(t, "data", "porto-alegre", "poa_hexgrid.csv"),
		shared.Path(t, "data", "porto-alegre", "rs_municipios_ibge.geojson"))
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(d, "out")
	runStudy(t, path, out)
	r, err := report.Load(out, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, r, report.RenderOptions{})
	sh := summary(t, out)["shelters"].(map[string]any)
	got := map[string]string{}
	for _, m := range reKey.FindAllStringSubmatch(page, -1) {
		got[m[1]] = html.UnescapeString(m[2])
	}
	for k, w := range map[string]string{
		"shelter_shelters": strconv.Itoa(int(sh["shelters"].(float64))), "shelter_places": commas(sh["places"].(float64)),
		"shelter_required_places": commas(sh["required_places"].(float64)), "shelter_place_deficit": commas(sh["place_deficit"].(float64)),
		"shelter_unplaced": commas(sh["unplaced"].(float64)),
	} {
		if got[k] != w {
			t.Errorf("shelter figure %s = %q, want %q (summary.json)", k, got[k], w)
		}
	}
	var want []string
	for _, u := range readCSV(t, filepath.Join(out, "shelter_units.csv")) {
		res, _ := strconv.ParseFloat(u["residents"], 64)
		if res > 0 || u["shelters"] != "0" {
			want = append(want, u["name"])
		}
	}
	_, rows := table(t, page, "shelter-units-table")
	if len(rows) != len(want) {
		t.Fatalf("shelter units table %d rows, want %d (%v)", len(rows), len(want), want)
	}
	for i, row := range rows {
		if row[0] != want[i] {
			t.Errorf("shelter units row %d = %s, want %s", i, row[0], want[i])
		}
	}
	if !strings.Contains(page, "495 more units have no residents") {
		t.Error("the 495 Rio Grande do Sul municipalities outside the study area are not accounted for")
	}
	_, rows = table(t, page, "overflow-table")
	if n := int(sh["shelters_overflowing_if_nearest"].(float64)); len(rows) != min(10, n) {
		t.Errorf("overflow table %d rows, want %d", len(rows), min(10, n))
	}

	// The map draws every shelter of the shelters table, red when it
	// would overflow with everyone at the nearest, and the legend says so.
	shelters := readCSV(t, filepath.Join(out, "shelters.csv"))
	g := regexp.MustCompile(`(?s)<g id="map-shelters">(.*?)</g>`).FindStringSubmatch(page)
	if g == nil {
		t.Fatal("the map has no shelters group")
	}
	circles := strings.Count(g[1], "<circle")
	red := strings.Count(g[1], `fill="#c62828"`)
	over := 0
	for _, s := range shelters {
		if s["overflows"] == "true" {
			over++
		}
	}
	if circles != len(shelters) || red != over || over == 0 {
		t.Errorf("map: %d shelter circles (%d red), want %d (%d overflowing, shelters.csv)", circles, red, len(shelters), over)
	}
	if !strings.Contains(page, "shelter that overflows if all go to the nearest") {
		t.Error("the map legend has no shelter symbols")
	}
}
