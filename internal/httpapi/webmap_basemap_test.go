package httpapi

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/webmaptest"
)

// TestWebMapBasemapInChromium loads the sample's web map in headless
// Chromium and checks the reading of the map: the base map from the
// study's OSM extract draws roads and street and place labels at z15 with
// no request leaving the server and no glyph server (the style has no
// glyphs URL: MapLibre draws every glyph with the browser's fonts, a
// Chinese label too); the map opens on the study's data; the map is usable
// by keyboard; every text of the panel passes WCAG AA contrast; the print
// view is one A4 landscape page with the legend, scale bar and
// attribution. Screenshots and the PDF are kept in out/test-artifacts/.
func TestWebMapBasemapInChromium(t *testing.T) {
	exe := webmaptest.Browser(t)
	s := sampleSrv(t)

	// Zoom in on the most populated cell: streets with names.
	st := s.svc.Default().Study()
	ci, cr := &st.In.Coverage, &st.Res.Cells
	best := 0
	for i := range ci.Pop {
		if ci.Pop[i] > ci.Pop[best] {
			best = i
		}
	}
	at := cr.Center[best]
	var got struct {
		webmaptest.Page
		Rendered map[string]int `json:"rendered"`
		Basemap  struct {
			Zoom        float64  `json:"zoom"`
			Roads       int      `json:"roads"`
			RoadLabels  int      `json:"road_labels"`
			PlaceLabels int      `json:"place_labels"`
			Buildings   int      `json:"buildings"`
			GlyphsURL   string   `json:"glyphs_url"`
			LocalGlyphs int      `json:"local_glyphs"`
			LabelNames  []string `json:"label_names"`
			CJK         struct {
				Placed int `json:"placed"`
				Glyphs int `json:"cjk_glyphs"`
			} `json:"cjk"`
		} `json:"basemap"`
		A11y struct {
			TabReachesMap bool    `json:"tab_reaches_map"`
			Zoomed        float64 `json:"zoomed"`
			Panned        float64 `json:"panned"`
			ReadCentre    string  `json:"read_centre"`
			Contrast      struct {
				Checked   int     `json:"checked"`
				MinMargin float64 `json:"min_margin"`
				Worst     string  `json:"worst"`
			} `json:"contrast"`
		} `json:"a11y"`
		Print struct {
			PDF         string    `json:"pdf"`
			Pages       int       `json:"pages"`
			MediaBox    []float64 `json:"media_box"`
			Map         []float64 `json:"map"`
			Legend      bool      `json:"legend"`
			Scale       bool      `json:"scale"`
			Attribution string    `json:"attribution"`
		} `json:"print"`
	}
	shot := webmaptest.Check(t, exe, s.Handler(), "/", "webmap-read.png", &got, "--basemap", fmt.Sprintf("--at=%.7f,%.7f", at[0], at[1]), "--a11y", "--print")
	t.Logf("screenshots in %s: webmap-read.png, -basemap.png, -cjk.png, -print.png, -print.pdf", filepath.Dir(shot))
	got.CheckClean(t)

	// The first view: the study's layers and the base map under them;
	// gaps as their aggregate cells at the opening zoom.
	for _, l := range []string{"cells-fill", "units-line", "bases-circle", "bm-roads", "bm-place-labels"} {
		if got.Rendered[l] == 0 {
			t.Errorf("first view: layer %s drew nothing (%v)", l, got.Rendered)
		}
	}
	if got.Rendered["gaps-agg"]+got.Rendered["gaps-line"] == 0 {
		t.Errorf("first view: no gap drawn (%v)", got.Rendered)
	}

	b := got.Basemap
	t.Logf("base map at z%.1f: %d roads, %d road labels, %d place labels, %d buildings, %d glyphs drawn locally; labels %q",
		b.Zoom, b.Roads, b.RoadLabels, b.PlaceLabels, b.Buildings, b.LocalGlyphs, b.LabelNames)
	if b.Roads == 0 || b.RoadLabels == 0 || b.Buildings == 0 {
		t.Errorf("z15 base map: %d roads, %d road labels, %d buildings; want all drawn", b.Roads, b.RoadLabels, b.Buildings)
	}
	if b.GlyphsURL != "" || b.LocalGlyphs == 0 {
		t.Errorf("labels: glyphs URL %q, %d glyphs drawn in the browser; want none and some", b.GlyphsURL, b.LocalGlyphs)
	}
	if b.CJK.Placed == 0 || b.CJK.Glyphs != 3 {
		t.Errorf("a Chinese label: placed %d, %d of its 3 CJK glyphs drawn locally", b.CJK.Placed, b.CJK.Glyphs)
	}

	a := got.A11y
	if !a.TabReachesMap || a.Zoomed < 0.5 || a.Panned <= 0 || a.ReadCentre == "" {
		t.Errorf("keyboard: Tab reaches the map %v, + zoomed by %.2f, → panned by %g°, Enter read %q", a.TabReachesMap, a.Zoomed, a.Panned, a.ReadCentre)
	}
	if a.Contrast.Checked < 20 || a.Contrast.MinMargin < 1 {
		t.Errorf("contrast: %d texts checked, worst %s", a.Contrast.Checked, a.Contrast.Worst)
	}

	p := got.Print
	a4 := len(p.MediaBox) == 4 && math.Abs(p.MediaBox[2]-p.MediaBox[0]-842) < 2 && math.Abs(p.MediaBox[3]-p.MediaBox[1]-595) < 2
	if p.Pages != 1 || !a4 {
		t.Errorf("print: %d pages, media box %v; want one A4 landscape page (842 × 595 pt)", p.Pages, p.MediaBox)
	}
	if !p.Legend || !p.Scale || !strings.Contains(p.Attribution, "OpenStreetMap") || len(p.Map) != 2 || p.Map[0] < 900 {
		t.Errorf("print view: legend %v, scale bar %v, attribution %q, map %v px", p.Legend, p.Scale, p.Attribution, p.Map)
	}
}

// TestWebMapChineseInChromium: the web map in Simplified Chinese
// (?lang=zh-CN): the page's language, its headings, tools and the study's
// rescue circle from the message catalogue (internal/i18n), place labels
// from name:zh where tagged; no console error.
func TestWebMapChineseInChromium(t *testing.T) {
	exe := webmaptest.Browser(t)
	s := sampleSrv(t)
	var got struct {
		ConsoleErrors []string `json:"console_errors"`
		PageErrors    []string `json:"page_errors"`
		Lang          struct {
			HTML       string   `json:"html"`
			Legend     string   `json:"legend"`
			StudyLine  string   `json:"study_line"`
			Tools      []string `json:"tools"`
			LabelField string   `json:"label_field"`
		} `json:"lang"`
	}
	webmaptest.Check(t, exe, s.Handler(), "/?lang=zh-CN", "webmap-zh.png", &got)
	l := got.Lang
	t.Logf("zh-CN: legend %q, study line %q, tools %q", l.Legend, l.StudyLine, l.Tools)
	if len(got.ConsoleErrors)+len(got.PageErrors) > 0 {
		t.Errorf("errors: %q %q", got.ConsoleErrors, got.PageErrors)
	}
	if l.HTML != "zh-CN" || l.Legend != "图例" || !strings.Contains(l.StudyLine, "15分钟应急救援圈") ||
		len(l.Tools) == 0 || l.Tools[0] != "新增站点" || !strings.Contains(l.LabelField, "name_zh") {
		t.Errorf("zh-CN page: %+v", l)
	}
}
