package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

var (
	figureRe = regexp.MustCompile(`<td class="num"[^>]*>(.*?)</td>|<div class="v">(.*?)</div>|<span data-key="[^"]*">(.*?)</span>`)
	tagRe    = regexp.MustCompile(`<[^>]+>`)
)

// figures lists a report's figures in page order: every numeric table
// cell, every key figure and the figures marked with data-key (the cells
// holding words, such as "not reached", are left out).
func figures(page string) []string {
	var out []string
	for _, m := range figureRe.FindAllStringSubmatch(page, -1) {
		f := strings.TrimSpace(tagRe.ReplaceAllString(m[1]+m[2]+m[3], ""))
		if strings.ContainsAny(f, "0123456789") {
			out = append(out, f)
		}
	}
	return out
}

// The Chinese report of the sample: the same figures as the English page
// in the same places; Chinese words; in headless Chromium with the CJK
// font, no glyph missing, nothing wider than the window, and a screenshot
// (out/test-artifacts/report-zh-CN.png).
func TestReportInChinese(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	study := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	runCLI(t, "--quiet", "analyze", study, "--out", dir)
	en, zh := filepath.Join(t.TempDir(), "en.html"), filepath.Join(t.TempDir(), "zh.html")
	runCLI(t, "--quiet", "report", dir, "--lang", "en", "--out", en)
	runCLI(t, "--quiet", "--lang", "zh-CN", "report", dir, "--out", zh)
	srcEN, srcZH := readFile(t, en), readFile(t, zh)
	fe, fz := figures(srcEN), figures(srcZH)
	if len(fe) < 50 || !slices.Equal(fe, fz) {
		t.Errorf("figures differ (%d English, %d Chinese):\n%v\n%v", len(fe), len(fz), fe, fz)
	}
	if !strings.Contains(srcZH, `<html lang="zh-CN">`) || !strings.Contains(srcEN, `<html lang="en">`) {
		t.Error("the pages do not declare their language")
	}
	for _, w := range []string{"15分钟应急救援圈", "应急救援覆盖评估报告", "各单元对照标准", "救援力量驻地", "数据来源与署名", "快速救援"} {
		if !strings.Contains(srcZH, w) {
			t.Errorf("the Chinese report lacks %q", w)
		}
	}
	for _, w := range []string{"Units against the standards", "Key findings", "Largest gaps", "Rescue bases"} {
		if strings.Contains(srcZH, w) {
			t.Errorf("the Chinese report still says %q", w)
		}
	}

	// Screenshot with the CJK font.
	shot := filepath.Join(repoRoot(t), "out", "test-artifacts", "report-zh-CN.png")
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(shot)
	headless(t, zh, "--screenshot="+shot, "--window-size=1280,2400", "--hide-scrollbars")
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds().Dx() != 1280 {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot of the Chinese report: %s", shot)

	checkCJKInChromium(t, srcZH)

}

// checkCJKInChromium opens a Chinese page (its HTML in src) in headless
// Chromium: every character of the page's text drawn with the page's font
// compared, on a canvas, with a private-use character (always the
// missing-glyph box), and every element outside drawings (an SVG clips its
// own) against the window.
func checkCJKInChromium(t *testing.T, srcZH string) {
	t.Helper()
	var chars []rune
	seen := map[rune]bool{}
	for _, r := range tagRe.ReplaceAllString(srcZH[strings.Index(srcZH, "<body>"):], "") {
		if r > 0x2000 && !seen[r] && !unicode.IsSpace(r) {
			seen[r] = true
			chars = append(chars, r)
		}
	}
	cj, _ := json.Marshal(string(chars))
	script := `<script>(function(){var d=document.documentElement,wide=[],missing=[];` +
		`document.querySelectorAll("section *").forEach(function(e){if(e.ownerSVGElement)return;var r=e.getBoundingClientRect();if(r.right>d.clientWidth+0.5)wide.push(e.tagName+(e.id?"#"+e.id:""))});` +
		`var font=getComputedStyle(document.body).fontFamily,c=document.createElement("canvas");c.width=40;c.height=40;var x=c.getContext("2d");` +
		`function draw(ch){x.clearRect(0,0,40,40);x.font="28px "+font;x.fillStyle="#000";x.fillText(ch,4,30);return Array.prototype.join.call(x.getImageData(0,0,40,40).data,",")}` +
		`var tofu=draw("\uE000"),cs=Array.from(` + string(cj) + `);cs.forEach(function(ch){if(draw(ch)===tofu)missing.push(ch)});` +
		`var p=document.createElement("pre");p.id="probe";p.textContent=JSON.stringify({scrollWidth:d.scrollWidth,clientWidth:d.clientWidth,wide:wide.slice(0,5),missing:missing,checked:cs.length});document.body.appendChild(p)})()</script>`
	probe := filepath.Join(t.TempDir(), "probe.html")
	if err := os.WriteFile(probe, []byte(strings.Replace(srcZH, "</body>", script+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	pd := string(headless(t, probe, "--window-size=1280,2400", "--dump-dom"))
	i := strings.Index(pd, `<pre id="probe">`)
	j := i + strings.Index(pd[max(i, 0):], "</pre>")
	if i < 0 || j < i {
		t.Fatalf("the probe did not run: %.300s", pd[max(0, len(pd)-300):])
	}
	var lay struct {
		ScrollWidth, ClientWidth, Checked int
		Wide, Missing                     []string
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(pd[i+len(`<pre id="probe">`):j], "&quot;", `"`)), &lay); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if lay.Checked < 200 || len(lay.Missing) > 0 {
		t.Errorf("glyphs: %d characters checked, missing in the page's fonts: %q", lay.Checked, lay.Missing)
	}
	if lay.ScrollWidth > lay.ClientWidth || len(lay.Wide) > 0 {
		t.Errorf("the Chinese page is %d px wide in a %d px window; too wide: %v", lay.ScrollWidth, lay.ClientWidth, lay.Wide)
	}
	t.Logf("Chinese report in Chromium: %d distinct characters drawn, none missing; page %d px in %d px", lay.Checked, lay.ScrollWidth, lay.ClientWidth)
}
