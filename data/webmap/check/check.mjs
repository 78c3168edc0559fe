// Loads rescuegrid's web map in headless Chromium (Debian's, driven by
// playwright-core), waits for the map to render, clicks a cell and uses the
// "add station" tool at a given spot, takes screenshots, and prints what it
// saw as JSON for the Go test (cmd/rescuegrid TestWebMapInChromium).
//
// usage: node check.mjs URL SCREENSHOT.png [ADD_LON,ADD_LAT] [--basemap [--at=LON,LAT]] [--print] [--a11y]
//   --basemap  zoom to the middle of the data at z15: roads, labels, and a
//              Chinese label drawn with the browser's fonts (no glyph server)
//   --print    the print view as an A4 PDF (SCREENSHOT-print.pdf), its pages
//   --a11y     keyboard use of the map and WCAG contrast of the panel text
// (Chromium: $RESCUEGRID_CHROMIUM, default /usr/bin/chromium)
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]));
// --at=LON,LAT: where the base map check zooms in (default: the data's middle).
const at = (argv.find((a) => a.startsWith("--at=")) || "").slice(5).split(",").filter(Boolean).map(Number);
const [url, shot, add = ""] = argv.filter((a) => !a.startsWith("--"));
const exe = process.env.RESCUEGRID_CHROMIUM || "/usr/bin/chromium";
const addAt = add ? add.split(",").map(Number) : null;
if (!url || !shot) {
  console.error("usage: node check.mjs URL SCREENSHOT.png [ADD_LON,ADD_LAT]");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: exe,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    // WebGL without a GPU: SwiftShader's software rasterizer.
    "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
  ],
});
const out = { console_errors: [], page_errors: [], failed_requests: [], external_requests: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const origin = new URL(url).origin;
  page.on("console", (m) => { if (m.type() === "error") out.console_errors.push(m.text()); });
  page.on("pageerror", (e) => out.page_errors.push(String(e)));
  page.on("requestfailed", (r) => out.failed_requests.push(r.url() + " " + (r.failure()?.errorText || "")));
  page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("blob:") && !r.url().startsWith("data:")) out.external_requests.push(r.url()); });

  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => window.rescuegrid && window.rescuegrid.ready, null, { timeout: 60000 });
  out.error_banner = await page.$eval("#error", (e) => (e.hidden ? "" : e.textContent));
  // The interface language: the page's lang, some of its words.
  out.lang = await page.evaluate(() => ({
    html: document.documentElement.lang,
    legend: document.querySelector("#legend-section h2")?.textContent || "",
    study_line: document.querySelector("#study-line")?.textContent || "",
    tools: [...document.querySelectorAll("#sc-tools button")].map((b) => b.textContent),
    label_field: JSON.stringify(window.rescuegrid.map.getLayoutProperty("bm-place-labels", "text-field") || null),
  }));
  // idle(): the map has drawn what it was asked (a repaint is forced, so
  // that a map already idle answers too; 15 s at most).
  await page.evaluate(() => {
    window.__idle = () => new Promise((done) => {
      const m = window.rescuegrid.map;
      const t = setTimeout(done, 15000);
      m.once("idle", () => { clearTimeout(t); done(); });
      m.triggerRepaint();
    });
  });

  // Features drawn per style layer, and where to click.
  const seen = await page.evaluate(() => {
    const map = window.rescuegrid.map;
    const layers = {};
    for (const l of map.getStyle().layers) {
      if (l.type === "background") continue;
      layers[l.id] = map.queryRenderedFeatures({ layers: [l.id] }).length;
    }
    const rect = map.getCanvas().getBoundingClientRect();
    // A populated cell whose centre is on screen.
    const w = rect.width, h = rect.height;
    let cellPoint = null, cell = null;
    for (const f of map.queryRenderedFeatures({ layers: ["cells-fill"] })) {
      if (!(f.properties.population > 0) || f.geometry.type !== "Polygon") continue;
      const ring = f.geometry.coordinates[0];
      let x = 0, y = 0;
      for (const c of ring.slice(0, -1)) { x += c[0]; y += c[1]; }
      const p = map.project([x / (ring.length - 1), y / (ring.length - 1)]);
      if (p.x > 20 && p.y > 20 && p.x < w - 20 && p.y < h - 20) {
        const top = map.queryRenderedFeatures([p.x, p.y], { layers: ["cells-fill"] })[0];
        if (top && top.properties.cell === f.properties.cell) { cellPoint = [p.x + rect.left, p.y + rect.top]; cell = f.properties.cell; break; }
      }
    }
    return { layers, cellPoint, cell };
  });
  out.rendered = seen.layers;
  out.clicked_cell = seen.cell;

  if (seen.cellPoint) {
    await page.mouse.click(seen.cellPoint[0], seen.cellPoint[1]);
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent, null, { timeout: 10000 });
    out.details = await page.$$eval("#details tr", (rows) => Object.fromEntries(rows.map((r) => [r.cells[0].textContent, r.cells[1].textContent])));
    out.details_title = await page.$eval("#details h2", (e) => e.textContent);
  }
  await page.screenshot({ path: shot });
  out.screenshot = shot;

  // The "add station" tool at ADD_LON,ADD_LAT: zoom there, turn the tool on,
  // click that spot.
  if (addAt) {
    const pt = await page.evaluate((c) => new Promise((done) => {
      const map = window.rescuegrid.map;
      map.once("idle", () => {
        const rect = map.getCanvas().getBoundingClientRect();
        const p = map.project(c);
        done([p.x + rect.left, p.y + rect.top]);
      });
      map.jumpTo({ center: c, zoom: 13 });
    }), addAt);
    await page.click("#add-station");
    await page.mouse.click(pt[0], pt[1]);
    await page.waitForFunction(() => document.querySelector("#whatif-result, #whatif .bad"), null, { timeout: 20000 });
    out.whatif_error = await page.$eval("#whatif", (e) => e.querySelector(".bad")?.textContent || "");
    if (!out.whatif_error) {
      out.whatif = await page.$eval("#whatif-result", (e) => e.textContent);
      out.whatif_units = await page.$$eval("#whatif tr", (rows) => rows.slice(1).map((r) => [r.cells[0].textContent, r.cells[1].textContent]));
      out.whatif_request = await page.evaluate(() => window.rescuegrid.lastWhatIf);
      out.candidate_iso = await page.waitForFunction(
        () => window.rescuegrid.map.queryRenderedFeatures({ layers: ["sc-iso"] }).length, null, { timeout: 10000 },
      ).then((h) => h.jsonValue()).catch(() => 0);
      out.screenshot_whatif = shot.replace(/\.png$/, "-whatif.png");
      await page.screenshot({ path: out.screenshot_whatif });
    }
  }
  if (at.length === 2) await page.evaluate((c) => { window.rescuegrid.busiest = c; }, at);
  if (flags.has("--basemap")) out.basemap = await basemapCheck(page, shot);
  if (flags.has("--a11y")) out.a11y = await a11yCheck(page);
  const scen = argv.find((a) => a.startsWith("--scenario="));
  if (scen) out.scenario = await scenarioCheck(page, shot, JSON.parse(readFileSync(scen.slice(11), "utf8")));
  if (flags.has("--print")) out.print = await printCheck(page, shot);
} finally {
  await browser.close();
}

// The base map at z15 in the middle of the data: what draws, the labels
// placed, and the glyphs MapLibre drew itself (no glyphs URL in the style);
// then a Chinese label, to see CJK glyphs drawn from the local fonts.
async function basemapCheck(page, shot) {
  const res = await page.evaluate(() => new Promise((done) => {
    const map = window.rescuegrid.map;
    const b = window.rescuegrid.dataBounds;
    map.once("idle", () => {
      const n = (id) => (map.getLayer(id) ? map.queryRenderedFeatures({ layers: [id] }).length : -1);
      const gm = map.style.glyphManager;
      let drawn = 0;
      for (const st of Object.values(gm.entries)) for (const g of Object.values(st.glyphs)) if (g && g.bitmap.width > 0) drawn++;
      done({ zoom: map.getZoom(), roads: n("bm-roads"), road_labels: n("bm-road-labels"), place_labels: n("bm-place-labels"),
        buildings: n("bm-buildings"), glyphs_url: map.getStyle().glyphs || "", local_glyphs: drawn,
        label_names: map.queryRenderedFeatures({ layers: ["bm-road-labels", "bm-place-labels"] }).slice(0, 8).map((f) => f.properties.name) });
    });
    // Where the roads are densest: the middle of the largest town's cells.
    map.jumpTo({ center: window.rescuegrid.busiest || [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], zoom: 15 });
  }));
  res.screenshot = shot.replace(/\.png$/, "-basemap.png");
  await page.screenshot({ path: res.screenshot });
  res.cjk = await page.evaluate(() => new Promise((done) => {
    const map = window.rescuegrid.map;
    const c = map.getCenter();
    map.addSource("cjk-probe", { type: "geojson", data: { type: "Feature", geometry: { type: "Point", coordinates: [c.lng, c.lat] }, properties: { name: "南山区 Nanshan" } } });
    map.addLayer({ id: "cjk-probe", type: "symbol", source: "cjk-probe", layout: { "text-field": ["get", "name"], "text-font": map.getLayoutProperty("bm-place-labels", "text-font"), "text-size": 20, "text-allow-overlap": true } });
    map.once("idle", () => {
      const placed = map.queryRenderedFeatures({ layers: ["cjk-probe"] }).length;
      const cps = ["南", "山", "区"].map((ch) => ch.codePointAt(0));
      let ok = 0;
      for (const st of Object.values(map.style.glyphManager.entries)) for (const cp of cps) { const g = st.glyphs[cp]; if (g && g.bitmap.width > 0 && g.metrics.advance > 0) ok++; }
      done({ placed, cjk_glyphs: ok });
    });
  }));
  await page.screenshot({ path: shot.replace(/\.png$/, "-cjk.png") });
  await page.evaluate(() => { const m = window.rescuegrid.map; m.removeLayer("cjk-probe"); m.removeSource("cjk-probe"); });
  return res;
}

// Keyboard: Tab reaches the map, + zooms in, an arrow pans, Enter reads
// the centre into the details panel. Contrast: every visible text of the
// panel against its background (WCAG 2.1 AA: 4.5, 3 for large text).
async function a11yCheck(page) {
  const out = {};
  await page.evaluate(() => { window.rescuegrid.map.fitBounds(window.rescuegrid.dataBounds, { padding: 24, animate: false }); return window.__idle(); });
  let reached = false;
  await page.focus("body");
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement === window.rescuegrid.map.getCanvas());
  }
  out.tab_reaches_map = reached;
  const z0 = await page.evaluate(() => window.rescuegrid.map.getZoom());
  const settle = async () => {
    await page.waitForTimeout(150);
    await page.waitForFunction(() => !window.rescuegrid.map.isMoving(), null, { timeout: 10000 });
  };
  await page.keyboard.press("Equal");
  await settle();
  const z1 = await page.evaluate(() => window.rescuegrid.map.getZoom());
  const c0 = await page.evaluate(() => window.rescuegrid.map.getCenter().lng);
  await page.keyboard.press("ArrowRight");
  await settle();
  const c1 = await page.evaluate(() => window.rescuegrid.map.getCenter().lng);
  out.zoomed = z1 - z0;
  out.panned = c1 - c0;
  await page.keyboard.press("Enter");
  out.read_centre = await page.$eval("#details", (e) => e.querySelector("h2")?.textContent || "");
  out.contrast = await page.evaluate(() => {
    const lum = (c) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r, g, b, a = 1] = m[1].split(",").map(Number);
      return { a, l: [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0) };
    };
    const bgOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = lum(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c.l;
      }
      return 1;
    };
    let min = 99, worst = "", n = 0;
    for (const el of document.querySelectorAll("#panel *")) {
      const own = [...el.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
      if (!own || !el.getClientRects().length) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === "hidden") continue;
      const fg = lum(cs.color).l, bg = bgOf(el);
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      n++;
      if (ratio / need < min) { min = ratio / need; worst = `${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1 (needs ${need})`; }
    }
    return { checked: n, min_margin: min, worst };
  });
  return out;
}

// Scenarios as a planner makes them: draw a flood polygon corner by corner
// with the mouse, finish it, read the answer (the response and the table
// the panel shows), save it and export it; then move a base (click it,
// click its new place), save; compare the two.
async function scenarioCheck(page, shot, spec) {
  const res = {};
  const view = (b) => page.evaluate((bb) => { window.rescuegrid.map.fitBounds(bb, { padding: 80, animate: false }); return window.__idle(); }, b);
  const screen = (ll) => page.evaluate((c) => { const m = window.rescuegrid.map; const r = m.getCanvas().getBoundingClientRect(); const p = m.project(c); return [p.x + r.left, p.y + r.top]; }, ll);
  const waitAnswer = async (n) => {
    await page.waitForFunction((k) => (window.rescuegrid.answers || 0) >= k, n, { timeout: 30000 });
    return page.evaluate(() => {
      const w = window.rescuegrid.lastWhatIf;
      const table = [...document.querySelectorAll("#scenario-result tr[data-unit]")].map((r) => [r.dataset.unit, ...[...r.cells].slice(1).map((c) => c.textContent)]);
      return { request: w.request, response: w.response, ms: w.ms, text: document.querySelector("#whatif-result")?.textContent || "", table, error: document.querySelector("#whatif .bad")?.textContent || "" };
    });
  };
  await page.evaluate(() => { window.rescuegrid.scenario.setTool(null); });
  // The flood.
  const lons = spec.polygon.map((p) => p[0]), lats = spec.polygon.map((p) => p[1]);
  await view([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]]);
  let answers = await page.evaluate(() => window.rescuegrid.answers || 0);
  await page.click('#sc-tools button[data-tool="close"]');
  for (const p of spec.polygon) {
    const [x, y] = await screen(p);
    await page.mouse.click(x, y);
    await page.waitForTimeout(350); // not a double-click
  }
  await page.click("#sc-finish");
  res.flood = await waitAnswer(answers + 1);
  await page.evaluate(() => window.__idle());
  res.flood.cells_drawn = await page.evaluate(() => window.rescuegrid.map.queryRenderedFeatures({ layers: ["sc-cells"] }).length);
  await page.fill("#sc-name", "flood-drawn");
  await page.click("#sc-save");
  res.flood.export = await page.evaluate(() => window.rescuegrid.scenario.exportFiles(0));
  res.screenshot_flood = shot.replace(/\.png$/, "-flood.png");
  await page.screenshot({ path: res.screenshot_flood });

  // Move a base.
  await page.click("#sc-new");
  await page.evaluate(() => window.rescuegrid.scenario.setTool(null));
  await view([[Math.min(spec.move.from[0], spec.move.to[0]), Math.min(spec.move.from[1], spec.move.to[1])], [Math.max(spec.move.from[0], spec.move.to[0]), Math.max(spec.move.from[1], spec.move.to[1])]]);
  answers = await page.evaluate(() => window.rescuegrid.answers || 0);
  await page.click('#sc-tools button[data-tool="move"]');
  let [x, y] = await screen(spec.move.from);
  await page.mouse.click(x, y);
  await page.waitForTimeout(350);
  [x, y] = await screen(spec.move.to);
  await page.mouse.click(x, y);
  res.move = await waitAnswer(answers + 1);
  await page.fill("#sc-name", "move-base");
  await page.click("#sc-save");
  await page.evaluate(() => window.__idle());
  res.move.iso_drawn = await page.evaluate(() => window.rescuegrid.map.queryRenderedFeatures({ layers: ["sc-iso"] }).length);
  res.screenshot_move = shot.replace(/\.png$/, "-move.png");
  await page.screenshot({ path: res.screenshot_move });

  // Compare the two.
  await page.check('#sc-session input[data-cmp="0"]');
  await page.check('#sc-session input[data-cmp="1"]');
  await page.click("#sc-compare");
  res.compare_rows = await page.$$eval("#sc-compare-table tr", (rs) => rs.length);
  res.session = await page.$$eval("#sc-session > table tr", (rs) => rs.slice(1).map((r) => [...r.cells].slice(1, 5).map((c) => c.textContent)));
  // Reopen the flood for the print view's scenario table.
  await page.click('#sc-session button[data-open="0"]');
  await waitAnswer(answers + 2);
  return res;
}

// The print view: Chromium's PDF of the page in print media, A4 landscape
// as the page's @page rule asks; pages counted in the PDF.
async function printCheck(page, shot) {
  await page.emulateMedia({ media: "print" });
  await page.evaluate(() => {
    window.dispatchEvent(new Event("beforeprint"));
    window.rescuegrid.map.fitBounds(window.rescuegrid.dataBounds, { padding: 12, animate: false });
    return window.__idle();
  });
  const pdf = shot.replace(/\.png$/, "-print.pdf");
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
  await page.screenshot({ path: shot.replace(/\.png$/, "-print.png"), fullPage: true });
  const body = readFileSync(pdf, "latin1");
  const pages = (body.match(/\/Type\s*\/Page[^s]/g) || []).length;
  const box = body.match(/\/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]/);
  const layout = await page.evaluate(() => {
    const r = (s) => { const e = document.querySelector(s); if (!e) return null; const b = e.getBoundingClientRect(); return [b.width, b.height]; };
    return { map: r("#map"), legend: !!document.querySelector("#legend table"), scale: !!document.querySelector(".maplibregl-ctrl-scale"),
      attribution: document.querySelector(".maplibregl-ctrl-attrib")?.textContent || "", scenario_table: !!document.querySelector("#scenario-result table") };
  });
  await page.emulateMedia({ media: "screen" });
  await page.evaluate(() => window.dispatchEvent(new Event("afterprint")));
  return { pdf, pages, media_box: box ? box.slice(1).map(Number) : null, ...layout };
}
console.log(JSON.stringify(out));
