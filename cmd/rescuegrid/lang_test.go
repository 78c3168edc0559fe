package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

var numberRe = regexp.MustCompile(`[0-9][0-9,.:]*[0-9]|[0-9]`)

// The printed summary in Chinese says what the English one says: the same
// figures in the same order, in Chinese words (no run of English words
// left outside names), and --lang wins over LANG.
func TestAnalyzeSummaryInChinese(t *testing.T) {
	t.Parallel()
	study := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	en, _ := runCLI(t, "--lang", "en", "analyze", study, "--out", filepath.Join(t.TempDir(), "en"))
	zh, _ := runCLI(t, "analyze", study, "--lang", "zh-CN", "--out", filepath.Join(t.TempDir(), "zh"))
	// The summary ends with the timings line ("wrote … in 1.23 s",
	// "已写入 …，用时 1.23 秒"), which differs between runs: check its
	// words, and compare what comes before it.
	cut := func(s, wrote string) string {
		i := strings.Index(s, "\n  "+wrote+" ")
		if i < 0 {
			t.Fatalf("no %q line in:\n%s", wrote, s)
		}
		if last := s[i:]; wrote != "wrote" && (strings.Contains(last, "wrote") || strings.Contains(last, "road network") || !strings.Contains(last, "路网")) {
			t.Errorf("the timings line is not in Chinese: %q", last)
		}
		return s[:i]
	}
	en, zh = cut(en, "wrote"), cut(zh, "已写入")
	// Line by line, the same figures (Chinese may order them otherwise
	// within a line: "0 of 7" is "7 个中 0 个").
	drop := func(s string) (lines []string, figures [][]string) {
		for _, l := range strings.Split(s, "\n") {
			f := numberRe.FindAllString(l, -1)
			slices.Sort(f)
			lines, figures = append(lines, l), append(figures, f)
		}
		return lines, figures
	}
	le, fe := drop(en)
	lz, fz := drop(zh)
	if len(fe) != len(fz) {
		t.Fatalf("English summary has %d lines, Chinese %d", len(fe), len(fz))
	}
	for i := range fe {
		if !slices.Equal(fe[i], fz[i]) {
			t.Errorf("line %d: figures differ:\n%s\n%s", i+1, le[i], lz[i])
		}
	}
	zh = strings.Join(lz, "\n")
	for _, w := range []string{"15分钟应急救援圈", "名居民", "最大的覆盖缺口", "情景"} {
		if !strings.Contains(zh, w) {
			t.Errorf("Chinese summary lacks %q:\n%s", w, zh)
		}
	}
	han := 0
	for _, r := range zh {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	for _, w := range []string{"residents", "inside the", "largest gaps", "scenarios", "backup", "buildings", "footprint"} {
		if strings.Contains(zh, w) {
			t.Errorf("Chinese summary still says %q", w)
		}
	}
	if han < 100 {
		t.Errorf("Chinese summary has %d Han characters", han)
	}
}

func TestHelpInChinese(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--lang", "zh-CN", "help"}, {"--lang=zh-CN", "analyze", "--help"}, {"site", "--lang", "zh-CN", "--help"}, {"--lang", "zh-CN", "network", "build", "--help"}} {
		r := cli(args...)
		if r.err != nil || !strings.Contains(r.stdout, "用法") || !strings.Contains(r.stdout, "rescuegrid") {
			t.Errorf("rescuegrid %v = %v, stdout %q; want Chinese help", args, r.err, r.stdout)
		}
	}
	if r := cli("--lang", "en", "analyze", "--help"); !strings.Contains(r.stdout, "Usage:") || strings.Contains(r.stdout, "用法") {
		t.Errorf("English help = %q", r.stdout)
	}
	if r := cli("--lang", "fr", "help"); r.err == nil || !strings.Contains(r.err.Error(), "--lang") {
		t.Errorf("--lang fr: err = %v, want a usage error naming --lang", r.err)
	}
}

// Every command's and subcommand's help reads whole in both languages: the
// main help has no unfilled format verb (a bare % in it once printed
// "80%!((MISSING)") and no catalogue key shown raw ("cli.cmd.batch"), and
// each command's help is in the language asked for.
func TestHelpWholeInBothLanguages(t *testing.T) {
	t.Parallel()
	raw := regexp.MustCompile(`\bcli\.[a-z]`)
	for _, lang := range []string{"en", "zh-CN"} {
		r := cli("--lang", lang, "help")
		if r.err != nil || strings.Contains(r.stdout, "%!") || raw.MatchString(r.stdout) {
			t.Errorf("--lang %s help = %v:\n%s", lang, r.err, r.stdout)
		}
		var cmds [][]string
		for _, c := range commands() {
			switch c.name {
			case "network":
				cmds = append(cmds, []string{"network", "build"}, []string{"network", "info"})
			case "tiles":
				cmds = append(cmds, []string{"tiles", "export"})
			case "batch":
				cmds = append(cmds, []string{"batch"}, []string{"batch", "plan"}, []string{"batch", "run"},
					[]string{"batch", "run-local"}, []string{"batch", "merge"})
			default:
				cmds = append(cmds, []string{c.name})
			}
		}
		for _, c := range cmds {
			r := cli(append(append([]string{"--lang", lang}, c...), "--help")...)
			want, not := "Usage:", "用法"
			if lang == "zh-CN" {
				want, not = "用法", "Usage:"
			}
			if r.err != nil || !strings.Contains(r.stdout, want) || strings.Contains(r.stdout, not) ||
				strings.Contains(r.stdout, "%!") || raw.MatchString(r.stdout) {
				t.Errorf("rescuegrid --lang %s %s --help = %v:\n%s", lang, strings.Join(c, " "), r.err, r.stdout)
			}
		}
	}
}

// On the Shenzhen sample (two stations whose nearest roads are cut-off
// fragments, a population estimated from buildings), the Chinese summary
// says both in Chinese, with the English one's figures.
func TestShenzhenSummaryInChinese(t *testing.T) {
	t.Parallel()
	study := filepath.Join("..", "..", "data", "sample", "shenzhen", "study.yaml")
	enDir := filepath.Join(t.TempDir(), "en")
	en, _ := runCLI(t, "--lang", "en", "analyze", study, "--out", enDir)
	zh, _ := runCLI(t, "--lang", "zh-CN", "analyze", study, "--out", filepath.Join(t.TempDir(), "zh"))
	// The English summary says the population source in summary.json's
	// words: the catalogue's text and the data layer's are the same.
	var sum struct {
		Population string `json:"population_source"`
	}
	if b, err := os.ReadFile(filepath.Join(enDir, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil || sum.Population == "" {
		t.Fatalf("summary.json: %v, population source %q", err, sum.Population)
	}
	if !strings.Contains(en, "population: "+sum.Population+"\n") {
		t.Errorf("the English summary does not say the population source %q:\n%s", sum.Population, en)
	}
	pick := func(s, word string) (lines []string) {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, word) {
				lines = append(lines, l)
			}
		}
		return lines
	}
	for _, c := range []struct{ en, zh string }{{"cut-off fragment", "孤立路段"}, {"OSM buildings", "座 OSM 建筑"}} {
		le, lz := pick(en, c.en), pick(zh, c.zh)
		if len(le) == 0 || len(le) != len(lz) {
			t.Fatalf("%d English lines with %q, %d Chinese with %q:\n%s\n%s", len(le), c.en, len(lz), c.zh, en, zh)
		}
		for i := range le {
			fe, fz := numberRe.FindAllString(le[i], -1), numberRe.FindAllString(lz[i], -1)
			slices.Sort(fe)
			slices.Sort(fz)
			if !slices.Equal(fe, fz) {
				t.Errorf("figures differ:\n%s\n%s", le[i], lz[i])
			}
		}
		if strings.Contains(zh, c.en) {
			t.Errorf("the Chinese summary still says %q", c.en)
		}
	}
}
