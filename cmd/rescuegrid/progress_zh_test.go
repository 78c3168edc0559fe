package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

// englishRun is a run of two or more English words: a sentence left in
// English. Names are single words ("nanshan.osm.pbf", "way/498494536",
// "cn-grassroots", "drive"), and so are units ("km", "MB").
var englishRun = regexp.MustCompile(`[A-Za-z]{2,}(?: [A-Za-z]{2,})+`)

// runTTY runs the CLI as on a terminal, progress lines drawn on stderr;
// onStage, when not nil, hears each input stage of a study as it starts.
func runTTY(tb testing.TB, onStage func(string), args ...string) (stdout, stderr string) {
	tb.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), args, &env{stdout: &out, stderr: &errb, tty: true, onStage: onStage}); err != nil {
		tb.Fatalf("rescuegrid %s: %v\nstderr: %s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

// termLines splits what a terminal shows into its lines: a progress line
// is redrawn after "\r". Lines are trimmed; blank ones are dropped.
func termLines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// englishLeft lists the lines of s holding an English sentence that is
// not one of the names in allow.
func englishLeft(s string, allow ...string) []string {
	var out []string
	for _, l := range termLines(s) {
		for _, a := range allow {
			l = strings.ReplaceAll(l, a, "")
		}
		if englishRun.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// On a terminal, 'analyze --lang zh-CN' names each input stage it reads in
// the catalogue's Chinese, padded by columns so that the line is wiped
// whole; in English the lines are the ones they were ("reading road
// network…"). Nothing on the Chinese terminal is an English sentence.
func TestAnalyzeProgressInChinese(t *testing.T) {
	t.Parallel()
	study := filepath.Join("..", "..", "data", "sample", "shenzhen", "study.yaml")
	for _, l := range []i18n.Lang{i18n.EN, i18n.ZhCN} {
		var stages []string
		dir := filepath.Join(t.TempDir(), "out")
		out, errs := runTTY(t, func(s string) { stages = append(stages, s) }, "--lang", l.String(), "analyze", study, "--out", dir)
		if len(stages) < 5 {
			t.Fatalf("%v: %d input stages heard: %q", l, len(stages), stages)
		}
		for _, s := range stages {
			line := l.T("progress.reading_stage", "stage", l.Name("stage.", s))
			if l == i18n.EN && line != "reading "+s+"…" {
				t.Errorf("en: stage %q is said %q, want %q", s, line, "reading "+s+"…")
			}
			if l == i18n.ZhCN && (!strings.Contains(line, i18n.ZhCN.T("stage."+s)) || strings.Contains(line, s)) {
				t.Errorf("zh-CN: stage %q is said %q, not in the catalogue's Chinese", s, line)
			}
			if !strings.Contains(errs, "\r"+textwidth.PadRight(line, 40)) {
				t.Errorf("%v: the terminal does not show %q padded to 40 columns:\n%q", l, line, errs)
			}
			if textwidth.Width(line) > 40 {
				t.Errorf("%v: %q is wider than the 40 columns wiped after it", l, line)
			}
		}
		if l != i18n.ZhCN {
			continue
		}
		if left := englishLeft(errs+out, dir, "cn-grassroots"); len(left) > 0 {
			t.Errorf("the Chinese terminal still says English:\n%s", strings.Join(left, "\n"))
		}
	}
}

// 'network build --lang zh-CN' on a terminal: the bars' labels and the
// contraction and result lines come from the catalogue, and no English
// sentence is left; in English the words are the ones they were.
func TestNetworkBuildProgressInChinese(t *testing.T) {
	t.Parallel()
	pbf := filepath.Join("..", "..", "data", "sample", "shenzhen", "nanshan.osm.pbf")
	for _, l := range []i18n.Lang{i18n.EN, i18n.ZhCN} {
		out := filepath.Join(t.TempDir(), "nanshan.rgraph")
		_, errs := runTTY(t, nil, "--lang", l.String(), "network", "build", "--pbf", pbf, "--out", out)
		lines := termLines(errs)
		has := func(prefix string) bool {
			return slices.ContainsFunc(lines, func(s string) bool { return strings.HasPrefix(s, prefix) })
		}
		for _, key := range []string{"progress.reading", "progress.contracting"} {
			if !slices.ContainsFunc(lines, func(s string) bool { return strings.HasPrefix(s, l.T(key)+" ") && strings.HasSuffix(s, "100%") }) {
				t.Errorf("%v: no %q bar at 100%%:\n%q", l, l.T(key), errs)
			}
		}
		built, contracting := l.T("network.built", "out", out), l.T("network.contracting")
		built, contracting = built[:strings.Index(built, "{")], contracting[:strings.Index(contracting, "{")]
		if !has(built) || !has(contracting) {
			t.Errorf("%v: no %q or %q line:\n%s", l, built, contracting, strings.Join(lines, "\n"))
		}
		if l == i18n.EN && (!has("reading ") || !has("contracting ") || !has("built "+out+": ")) {
			t.Errorf("en: the lines changed:\n%s", strings.Join(lines, "\n"))
		}
		if l == i18n.ZhCN {
			if left := englishLeft(errs, out); len(left) > 0 {
				t.Errorf("the Chinese terminal still says English:\n%s", strings.Join(left, "\n"))
			}
		}
	}
}

var (
	reportDropRe = regexp.MustCompile(`(?s)<style.*?</style>|<pre class="provenance">.*?</pre>`)
	reportAttrRe = regexp.MustCompile(`(?:title|aria-label)="([^"]*)"`)
)

// The Chinese report of the Shenzhen sample with a siting says its words in
// Chinese: the map's title and tooltips, the siting charts, the inputs'
// details, the notes rescuegrid adds about the inputs, the timings and the
// population source (from summary.json's population_estimate, with the
// English source's figures), and the sample's provenance file in its
// Chinese translation (SOURCE.zh-CN.md; not read for English here, as it
// quotes names and paths). Left as they are: the names of things
// (OpenStreetMap's attribution, the colour scheme's).
func TestShenzhenReportInChinese(t *testing.T) {
	t.Parallel()
	study := filepath.Join("..", "..", "data", "sample", "shenzhen", "study.yaml")
	dir, sites := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "sites")
	runCLI(t, "--quiet", "analyze", study, "--out", dir)
	runCLI(t, "--quiet", "site", study, "--add", "2", "--out", sites)
	page := filepath.Join(t.TempDir(), "zh.html")
	stdout, _ := runCLI(t, "--lang", "zh-CN", "report", dir, "--siting", sites, "--out", page)
	if left := englishLeft(stdout, dir, page); len(left) > 0 || !strings.Contains(stdout, "已写入") {
		t.Errorf("the report command's line is not in Chinese: %q", stdout)
	}
	src := readFile(t, page)
	for _, id := range []string{"siting-gain", "siting-value", "travel-time-map"} {
		if !strings.Contains(src, `id="`+id+`"`) {
			t.Fatalf("the report has no %s", id)
		}
	}
	body := reportDropRe.ReplaceAllString(src, "")
	var text []string
	for _, m := range reportAttrRe.FindAllStringSubmatch(body, -1) {
		text = append(text, html.UnescapeString(m[1]))
	}
	text = append(text, html.UnescapeString(tagRe.ReplaceAllString(body, "\n")))
	left := englishLeft(strings.Join(text, "\n"), summary.OSMAttribution, "ColorBrewer RdYlGn", "Cynthia A. Brewer", "rescuegrid dev", dir, sites)
	if len(left) > 0 {
		t.Errorf("the Chinese report still says English:\n%s", strings.Join(left, "\n"))
	}
	// The sample's provenance file is quoted in its Chinese translation
	// (SOURCE.zh-CN.md), and in English as it is (SOURCE.md).
	enPage := filepath.Join(t.TempDir(), "en.html")
	runCLI(t, "--quiet", "--lang", "en", "report", dir, "--out", enPage)
	enSrc := readFile(t, enPage)
	if !strings.Contains(src, "SOURCE.zh-CN.md") || !strings.Contains(src, "# 深圳市南山区样例：数据来源") || strings.Contains(src, "Shenzhen Nanshan sample: where the data come from") {
		t.Errorf("the Chinese report does not quote SOURCE.zh-CN.md instead of SOURCE.md")
	}
	if strings.Contains(enSrc, "SOURCE.zh-CN.md") || !strings.Contains(enSrc, "Shenzhen Nanshan sample: where the data come from") {
		t.Errorf("the English report does not quote SOURCE.md")
	}
	// The population source: the estimate's figures in Chinese words.
	var sum summary.Summary
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "summary.json"))), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.PopulationEstimate == nil {
		t.Fatalf("summary.json has no population_estimate (population_source %q)", sum.Population)
	}
	if got := sum.PopulationEstimate.Text(i18n.EN); got != sum.Population {
		t.Errorf("population_estimate says %q in English, population_source %q", got, sum.Population)
	}
	// The notes: each one rescuegrid adds keeps its message, whose English
	// is the note, and the report says it in Chinese.
	said := 0
	for i, m := range sum.NoteMessages {
		if m == nil {
			continue
		}
		said++
		if got := m.Text(i18n.EN); got != sum.Notes[i] {
			t.Errorf("note %d says %q, its message in English %q", i, sum.Notes[i], got)
		}
		if zh := m.Text(i18n.ZhCN); !strings.Contains(body, html.EscapeString(zh)) || strings.Contains(body, html.EscapeString(sum.Notes[i])) {
			t.Errorf("the Chinese report does not say note %q in Chinese (%q)", sum.Notes[i], zh)
		}
	}
	if said < 3 || len(sum.NoteMessages) != len(sum.Notes) {
		t.Errorf("%d of %d notes kept as messages (%d messages), want the sample's 4 data notes, aligned", said, len(sum.Notes), len(sum.NoteMessages))
	}
	zh := sum.PopulationEstimate.Text(i18n.ZhCN)
	if !strings.Contains(body, html.EscapeString(zh)) || strings.Contains(body, html.EscapeString(sum.Population)) {
		t.Errorf("the Chinese report does not say the population source %q in Chinese", zh)
	}
	fe, fz := numberRe.FindAllString(sum.Population, -1), numberRe.FindAllString(zh, -1)
	slices.Sort(fe)
	slices.Sort(fz)
	if !slices.Equal(fe, fz) {
		t.Errorf("population source figures differ: %q, %q", sum.Population, zh)
	}
}

// 'site --lang zh-CN' prints its summary in the catalogue's Chinese: line by
// line the English one's figures, no English sentence but the study's and
// the units' names; the English summary keeps its words.
func TestSiteSummaryInChinese(t *testing.T) {
	t.Parallel()
	study := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	enDir, zhDir := filepath.Join(t.TempDir(), "en"), filepath.Join(t.TempDir(), "zh")
	en, _ := runCLI(t, "--lang", "en", "site", study, "--add", "3", "--out", enDir)
	zh, _ := runCLI(t, "--lang", "zh-CN", "site", study, "--add", "3", "--out", zhDir)
	for _, w := range []string{"candidate sites", "site added", "plan: 3 new sites", "coverage study:", "residents inside the circle"} {
		if !strings.Contains(en, w) {
			t.Errorf("the English summary lacks %q:\n%s", w, en)
		}
	}
	// The last line says where and how long: compare the lines before it.
	le, lz := strings.Split(strings.TrimSpace(en), "\n"), strings.Split(strings.TrimSpace(zh), "\n")
	if len(le) != len(lz) || len(le) < 6 {
		t.Fatalf("English summary has %d lines, Chinese %d:\n%s\n%s", len(le), len(lz), en, zh)
	}
	for i := range le[:len(le)-1] {
		fe, fz := numberRe.FindAllString(le[i], -1), numberRe.FindAllString(lz[i], -1)
		slices.Sort(fe)
		slices.Sort(fz)
		if !slices.Equal(fe, fz) {
			t.Errorf("line %d: figures differ:\n%s\n%s", i+1, le[i], lz[i])
		}
	}
	names := []string{"Andorra (bundled sample)", zhDir}
	for _, row := range csvRows(t, filepath.Join(zhDir, "units.csv")) {
		names = append(names, row[1])
	}
	if left := englishLeft(zh, names...); len(left) > 0 {
		t.Errorf("the Chinese site summary still says English:\n%s", strings.Join(left, "\n"))
	}
}

// The status lines of isochrone, reach, extract and tiles export come from
// the catalogue: in Chinese no English sentence is left, and in English
// they say what they said ("reached … of … nodes within 10 min from …").
func TestStatusLinesInChinese(t *testing.T) {
	t.Parallel()
	sample := filepath.Join("..", "..", "data", "sample", "andorra")
	dir := t.TempDir()
	g := filepath.Join(dir, "g.rgraph")
	runCLI(t, "--quiet", "network", "build", "--pbf", filepath.Join(sample, "andorra.osm.pbf"), "--out", g)
	commands := func(out string) [][]string {
		return [][]string{
			{"isochrone", "--graph", g, "--lon", "1.52", "--lat", "42.507", "--out", filepath.Join(out, "iso.geojson")},
			{"reach", "--graph", g, "--sources", filepath.Join(sample, "fire_stations.csv"), "--max-minutes", "10", "--out", filepath.Join(out, "r.csv")},
			{"extract", "--pbf", filepath.Join(sample, "andorra.osm.pbf"), "--tag", "amenity=fire_station", "--out", filepath.Join(out, "fs.geojson")},
			{"tiles", "export", filepath.Join(sample, "study.yaml"), "--out", filepath.Join(out, "tiles"), "--layer", "units"},
		}
	}
	english := []string{"isochrone from 1.520000,42.507000 (snapped ", "reached ", "extracted 5 features from ", "wrote "}
	zhCommands := commands(filepath.Join(dir, "zh"))
	for i, c := range commands(filepath.Join(dir, "en")) {
		_, en := runCLI(t, append([]string{"--lang", "en"}, c...)...)
		if !strings.HasPrefix(en, english[i]) {
			t.Errorf("%s in English says %q, want it to start %q", c[0], en, english[i])
		}
		_, zh := runCLI(t, append([]string{"--lang", "zh-CN"}, zhCommands[i]...)...)
		if left := englishLeft(zh, dir, sample); len(left) > 0 || zh == "" {
			t.Errorf("%s in Chinese says %q: English left %q", c[0], zh, left)
		}
	}
	// batch plan prints the plan on stdout, a line per shard.
	study := filepath.Join(sample, "study.yaml")
	en, _ := runCLI(t, "--lang", "en", "batch", "plan", study, "--out", filepath.Join(dir, "en", "plan"), "--shards", "2")
	zh, _ := runCLI(t, "--lang", "zh-CN", "batch", "plan", study, "--out", filepath.Join(dir, "zh", "plan"), "--shards", "2")
	if !strings.Contains(en, " cells, 5 bases, graph of ") || !strings.Contains(en, "\n  shard    0: ") {
		t.Errorf("batch plan in English says:\n%s", en)
	}
	if left := englishLeft(zh, "Andorra (bundled sample)"); len(left) > 0 || len(strings.Split(zh, "\n")) != len(strings.Split(en, "\n")) {
		t.Errorf("batch plan in Chinese says:\n%s\nEnglish left %q", zh, left)
	}
}
