// Loads rescuegrid's web map in headless Chromium (Debian's, driven by
// playwright-core), waits for the map to render, clicks a cell and uses the
// "add station" tool at a given spot, takes screenshots, and prints what it
// saw as JSON for the Go test (cmd/rescuegrid TestWebMapInChromium).
//
// usage: node check.mjs URL SCREENSHOT.png [ADD_LON,ADD_LAT]
// (Chromium: $RESCUEGRID_CHROMIUM, default /usr/bin/chromium)
import { chromium } from "playwright-core";

const [url, shot, add = ""] = process.argv.slice(2);
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
    await page.waitForFunction(() => document.querySelector("#details h2")?.textContent.startsWith("Cell "), null, { timeout: 10000 });
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
        () => window.rescuegrid.map.queryRenderedFeatures({ layers: ["candidate-iso"] }).length, null, { timeout: 10000 },
      ).then((h) => h.jsonValue()).catch(() => 0);
      out.screenshot_whatif = shot.replace(/\.png$/, "-whatif.png");
      await page.screenshot({ path: out.screenshot_whatif });
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
