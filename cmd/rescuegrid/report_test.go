package main

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// section returns the HTML of <section id="id"> … </section>.
func section(tb testing.TB, page, id string) string {
	tb.Helper()
	i := strings.Index(page, `<section id="`+id+`">`)
	if i < 0 {
		tb.Fatalf("no section %s in the report", id)
	}
	j := strings.Index(page[i:], "</section>")
	return page[i : i+j]
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// csvRows is a CSV file's rows below its header.
func csvRows(tb testing.TB, path string) [][]string {
	tb.Helper()
	return readCSVFile(tb, path)[1:]
}

var reBodyRow = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)

// tableBodyRows counts the <tbody> rows of the table with the given id.
func tableBodyRows(tb testing.TB, page, id string) []string {
	tb.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		tb.Fatalf("no table %s", id)
	}
	body := page[i:]
	body = body[strings.Index(body, "<tbody>"):strings.Index(body, "</tbody>")]
	var rows []string
	for _, m := range reBodyRow.FindAllStringSubmatch(body, -1) {
		rows = append(rows, m[1])
	}
	return rows
}

// TestReport runs 'report' on the bundled sample both ways (from the study
// file, and from the folder 'analyze' wrote), with the siting result of
// 'site', refuses bad input naming the file, and opens the page in
// headless Chromium.
func TestReport(t *testing.T) {
	studyFile := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	dir := t.TempDir()
	out := filepath.Join(dir, "andorra")
	sites := filepath.Join(dir, "andorra-sites")
	runCLI(t, "--quiet", "analyze", studyFile, "--out", out)
	runCLI(t, "--quiet", "site", studyFile, "--add", "3", "--out", sites)

	fromStudy := filepath.Join(dir, "from-study.html")
	stdout, _ := runCLI(t, "report", studyFile, "--out", fromStudy, "--tables", filepath.Join(dir, "kept"))
	if !strings.Contains(stdout, "wrote "+fromStudy) {
		t.Errorf("report printed %q, want the file it wrote", stdout)
	}
	fromDir := filepath.Join(dir, "report.html")
	runCLI(t, "report", out, "--siting", sites, "--out", fromDir)

	t.Run("study file and output folder agree", func(t *testing.T) {
		a, b := readFile(t, fromStudy), readFile(t, fromDir)
		for _, id := range []string{"summary", "units", "bases", "gaps", "scenarios"} {
			sa, sb := section(t, a, id), section(t, b, id)
			if id == "summary" { // the folder's report adds the siting finding
				i := strings.Index(sb, "  <li>3 new sites would bring")
				if i < 0 {
					t.Fatalf("the report with --siting has no siting finding:\n%s", sb)
				}
				sb = sb[:i] + sb[i+strings.Index(sb[i:], "\n")+1:]
			}
			if sa != sb {
				t.Errorf("section %s differs between 'report STUDY.yaml' and 'report OUTPUT_DIR'", id)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "kept", "summary.json")); err != nil {
			t.Errorf("--tables did not keep the study's tables: %v", err)
		}
		if strings.Contains(a, "rescuegrid-report-") {
			t.Error("the report from a study file names its temporary folder")
		}
	})

	t.Run("siting", func(t *testing.T) {
		page := readFile(t, fromDir)
		sec := section(t, page, "siting")
		curve, chosen := csvRows(t, filepath.Join(sites, "curve.csv")), csvRows(t, filepath.Join(sites, "sites.csv"))
		rows := tableBodyRows(t, sec, "siting-curve")
		if len(rows) != len(curve) {
			t.Fatalf("siting curve table %d rows, curve.csv %d", len(rows), len(curve))
		}
		for i, r := range rows {
			if !strings.Contains(r, ">"+curve[i][1]+"<") {
				t.Errorf("curve row %d %q does not name the site %s", i+1, r, curve[i][1])
			}
		}
		rows = tableBodyRows(t, sec, "siting-sites")
		if len(rows) != len(chosen) {
			t.Fatalf("chosen sites table %d rows, sites.csv %d", len(rows), len(chosen))
		}
		for i, r := range rows {
			if !strings.Contains(r, ">"+chosen[i][1]+"<") {
				t.Errorf("site row %d %q does not name %s", i+1, r, chosen[i][1])
			}
		}
		if n := strings.Count(sec[strings.Index(sec, `id="gain-bars"`):strings.Index(sec, `id="siting-value"`)], "<rect "); n != len(curve) {
			t.Errorf("the gain chart has %d bars, want %d", n, len(curve))
		}
		mp := section(t, page, "map")
		if n := strings.Count(mp[strings.Index(mp, `id="map-new-sites"`):], "<g data-rank="); n != len(chosen) {
			t.Errorf("the map marks %d new sites, want %d", n, len(chosen))
		}
	})

	t.Run("bad input", func(t *testing.T) {
		damaged := filepath.Join(dir, "damaged")
		runCLI(t, "--quiet", "analyze", studyFile, "--out", damaged)
		if err := os.Remove(filepath.Join(damaged, "bases.arrow")); err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(dir, "other-sites")
		if err := os.MkdirAll(other, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"curve.csv", "sites.csv"} {
			if err := os.WriteFile(filepath.Join(other, f), []byte(readFile(t, filepath.Join(sites, f))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sum := strings.Replace(readFile(t, filepath.Join(sites, "summary.json")), `"study": "Andorra (bundled sample)"`, `"study": "Malta (benchmark)"`, 1)
		if err := os.WriteFile(filepath.Join(other, "summary.json"), []byte(sum), 0o644); err != nil {
			t.Fatal(err)
		}
		html := filepath.Join(dir, "bad.html")
		tests := []struct {
			name  string
			args  []string
			usage bool
			want  []string
		}{
			{"no output", []string{"report", out}, true, []string{"--out"}},
			{"not an output folder", []string{"report", dir, "--out", html}, false, []string{dir, "no summary.json"}},
			{"siting folder as input", []string{"report", sites, "--out", html}, false, []string{sites, "siting result", "--siting"}},
			{"missing table", []string{"report", damaged, "--out", html}, false, []string{filepath.Join(damaged, "bases.arrow"), "missing"}},
			{"siting of another study", []string{"report", out, "--siting", other, "--out", html}, false, []string{other, `"Malta (benchmark)"`, `"Andorra (bundled sample)"`}},
			{"siting not a site output", []string{"report", out, "--siting", out, "--out", html}, false, []string{filepath.Join(out, "summary.json"), "no objective"}},
			{"summary.json itself", []string{"report", filepath.Join(out, "summary.json"), "--out", html}, true, []string{"give the output folder", out}},
			{"out is a folder", []string{"report", out, "--out", dir}, true, []string{dir, "is a folder"}},
			{"tables with a folder", []string{"report", out, "--tables", filepath.Join(dir, "t"), "--out", html}, true, []string{"--tables goes with a study file"}},
			{"no such input", []string{"report", filepath.Join(dir, "nope"), "--out", html}, false, []string{filepath.Join(dir, "nope")}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := cli(tt.args...)
				if r.err == nil {
					t.Fatalf("rescuegrid %s succeeded", strings.Join(tt.args, " "))
				}
				if errors.Is(r.err, errUsage) != tt.usage {
					t.Errorf("error %v: usage error = %v, want %v", r.err, !tt.usage, tt.usage)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.err.Error(), w) {
						t.Errorf("error %q does not mention %q", r.err, w)
					}
				}
				assertNoFile(t, html)
			})
		}
	})

	t.Run("chromium", func(t *testing.T) { checkInChromium(t, fromDir) })
}

// chromiumPath is the browser the Makefile installs (RESCUEGRID_CHROMIUM),
// else chromium on the PATH; without one the test skips, or fails under
// make test (testenv).
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	return testenv.Chromium(tb)
}

// headless runs Chromium on a local file with a fresh profile, no network
// services, and every host name unresolvable: the page must render from
// the file alone.
func headless(tb testing.TB, file string, args ...string) []byte {
	tb.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + tb.TempDir(), "--host-resolver-rules=MAP * ~NOTFOUND"}, args...)
	all = append(all, "file://"+abs)
	cmd := exec.CommandContext(ctx, chromiumPath(tb), all...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		tb.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout
}

// repoRoot is the folder holding go.mod.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	d, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for ; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			tb.Fatal("no go.mod above the test folder")
		}
	}
}

// checkInChromium opens the report in headless Chromium: a screenshot kept
// in out/test-artifacts/report.png that shows the map's colours, the DOM
// as the browser parsed it with every section and every map element, and
// the layout (no element wider than the window, a map of real size).
func checkInChromium(t *testing.T, page string) {
	src := readFile(t, page)

	// 1. Screenshot.
	shot := filepath.Join(repoRoot(t), "out", "test-artifacts", "report.png")
	if err := os.MkdirAll(filepath.Dir(shot), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(shot)
	headless(t, page, "--screenshot="+shot, "--window-size=1280,2400", "--hide-scrollbars")
	t.Logf("screenshot of the report: %s", shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2400 {
		t.Errorf("screenshot is %v, want 1280×2400", b)
	}
	colours := map[uint32]int{}
	rgba := func(img image.Image, x, y int) uint32 {
		r, g, b, _ := img.At(x, y).RGBA()
		return (r>>8)<<16 | (g>>8)<<8 | b>>8
	}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			colours[rgba(img, x, y)]++
		}
	}
	if len(colours) < 50 {
		t.Errorf("screenshot has %d distinct colours: blank or unstyled", len(colours))
	}
	// The map's travel-time classes and the bases, as drawn (flat fills).
	for name, c := range map[string]uint32{"0–5 min green": 0x1a9850, "5–10 min green": 0x66bd63, "15–30 min orange": 0xfdae61, "page background": 0xeef1f4} {
		if colours[c] < 30 {
			t.Errorf("screenshot has %d pixels of the %s #%06x: the map or the page did not render", colours[c], name, c)
		}
	}

	// 2. The DOM as Chromium built it.
	dom := string(headless(t, page, "--dump-dom"))
	for _, id := range []string{"summary", "map", "units", "bases", "gaps", "scenarios", "siting", "settings", "sources"} {
		if !strings.Contains(dom, `<section id="`+id+`">`) {
			t.Errorf("the rendered DOM has no section %s", id)
		}
	}
	for _, id := range []string{`<svg xmlns="http://www.w3.org/2000/svg" id="travel-time-map"`, `id="siting-gain"`, `id="units-table"`, `id="osm-attribution"`} {
		if !strings.Contains(dom, id) {
			t.Errorf("the rendered DOM lacks %s", id)
		}
	}
	// Every drawn element survives HTML parsing: no tag left open.
	for _, tag := range []string{"<path ", "<circle ", "<text ", "<tr", "<td"} {
		if a, b := strings.Count(src, tag), strings.Count(dom, tag); a != b {
			t.Errorf("%s: %d in the file, %d in the browser's DOM", tag, a, b)
		}
	}

	// 3. Layout, measured by the browser: a copy of the page with a
	// script that writes its measurements into the DOM.
	probe := filepath.Join(t.TempDir(), "probe.html")
	script := `<script>(function(){var d=document.documentElement,m=document.getElementById("travel-time-map").getBoundingClientRect(),wide=[];` +
		`document.querySelectorAll("section *").forEach(function(e){var r=e.getBoundingClientRect();if(r.right>d.clientWidth+0.5)wide.push(e.tagName+(e.id?"#"+e.id:""))});` +
		`var p=document.createElement("pre");p.id="probe";p.textContent=JSON.stringify({scrollWidth:d.scrollWidth,clientWidth:d.clientWidth,mapWidth:m.width,mapHeight:m.height,wide:wide.slice(0,5)});document.body.appendChild(p)})()</script>`
	if err := os.WriteFile(probe, []byte(strings.Replace(src, "</body>", script+"</body>", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	pd := string(headless(t, probe, "--window-size=1280,2400", "--dump-dom"))
	i := strings.Index(pd, `<pre id="probe">`)
	j := i + strings.Index(pd[max(i, 0):], "</pre>")
	if i < 0 || j < i {
		t.Fatalf("the layout probe did not run: %.300s", pd[max(0, len(pd)-300):])
	}
	var lay struct {
		ScrollWidth, ClientWidth int
		MapWidth, MapHeight      float64
		Wide                     []string
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(pd[i+len(`<pre id="probe">`):j], "&quot;", `"`)), &lay); err != nil {
		t.Fatalf("layout probe: %v", err)
	}
	t.Logf("layout in Chromium: page %d px in a %d px window, map %.0f×%.0f px", lay.ScrollWidth, lay.ClientWidth, lay.MapWidth, lay.MapHeight)
	if lay.ScrollWidth > lay.ClientWidth || len(lay.Wide) > 0 {
		t.Errorf("the page is %d px wide in a %d px window; too wide: %v", lay.ScrollWidth, lay.ClientWidth, lay.Wide)
	}
	if lay.MapWidth < 600 || lay.MapHeight < 400 {
		t.Errorf("the map is drawn %.0f×%.0f px, want at least 600×400", lay.MapWidth, lay.MapHeight)
	}
}
