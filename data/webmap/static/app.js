// rescuegrid's web map: the study's vector tiles (/tiles/{layer}.json) over
// a base map from the study's own OpenStreetMap extract, drawn with MapLibre
// GL JS and served by `rescuegrid serve` with no network access needed (no
// CDN, no font server: labels are drawn with the browser's fonts). Hover
// and click read-outs for every layer, a legend in minutes and residents,
// a print view, and the scenario tools (scenario.js).
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const S = window.rgStyle;
  const T = (s) => (window.rgI18n ? window.rgI18n.t(s) : s);
  const lang = () => (window.rgI18n ? window.rgI18n.lang : "en");
  // "15-minute emergency rescue circle" (or 15分钟应急救援圈).
  const circle = (m) => (window.rgI18n ? window.rgI18n.term("rescue_circle", { minutes: fmt(m) }, `${fmt(m)}-minute rescue circle`) : `${fmt(m)}-minute rescue circle`);
  const fmt = (v, d = 0) => (v == null || Number.isNaN(v) ? "–" : Number(v).toLocaleString("en", { maximumFractionDigits: d }));
  const pct = (v) => (v == null ? "–" : (100 * v).toFixed(1) + " %");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  const minutes = (s) => fmt(s / 60, 1) + " " + T("min");

  function fail(msg) {
    const el = $("error");
    el.textContent = msg;
    el.hidden = false;
  }

  async function getJSON(url, opts) {
    const r = await fetch(url, opts);
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.status + " " + r.statusText);
    return body;
  }

  const symbols = [
    ["bases", "#0d47a1", "rescue base"],
    ["shelters", "#6a1b9a", "shelter"],
    ["shelters", "#c62828", "shelter that overflows if all go to the nearest"],
    ["shelters", "#757575", "shelter of unknown capacity"],
    ["depots", "#ef6c00", "material depot"],
  ];

  // The legend: each travel-time class with its residents (from the cells
  // table: the same sums as the report's legend), the gap outline, symbols.
  function legend(bs, target, available, cells) {
    const res = new Array(bs.length).fill(0);
    const n = new Array(bs.length).fill(0);
    let total = 0;
    for (const c of cells) {
      const i = S.bandOf(bs, { seconds: c.seconds, noRoad: c.no_road_access });
      res[i] += c.population || 0;
      n[i]++;
      total += c.population || 0;
    }
    const label = (b) => (b.key === "far" ? `${T("over")} ${fmt(b.lo, 1)} ${T("min")}` : b.hi != null ? `${fmt(b.lo, 1)}–${fmt(b.hi, 1)} ${T("min")}` : T(b.label));
    const rows = bs.map((b, i) => `<tr data-band="${b.key}"><td><span class="sw${b.hatch ? " hatch" : ""}" style="background:${b.color}"></span></td>` +
      `<td>${esc(label(b))}</td><td class="n">${fmt(res[i])}</td><td class="n">${total ? pct(res[i] / total) : "–"}</td></tr>`).join("");
    $("legend").innerHTML =
      `<table class="legend"><caption class="muted">${esc(T("travel time from the nearest base, residents of each class"))}</caption>` +
      `<tr><th></th><th>${esc(T("minutes"))}</th><th class="n">${esc(T("residents"))}</th><th class="n">${esc(T("share"))}</th></tr>${rows}</table>` +
      `<div class="row"><span class="sw" style="background:transparent;border:2px solid #c62828"></span>${esc(T("Gap"))}: ${esc(T("residents outside the circle"))} (${esc(circle(target))})</div>` +
      symbols.filter(([layer]) => available.includes(layer))
        .map(([, c, t]) => `<div class="row"><span class="dot" style="background:${c}"></span>${esc(T(t))}</div>`).join("");
    return { res, n, total };
  }

  function summary(s) {
    const target = s.standard?.rescue?.minutes ?? 15;
    $("study-name").textContent = s.study || "rescuegrid";
    $("study-line").textContent = `${s.standard?.name ?? ""}: ${circle(target)} · H3 res ${s.resolution}`;
    $("summary").innerHTML = `<div class="kpi">
      <div><span class="muted">${esc(T("residents"))}</span><b>${fmt(s.residents)}</b></div>
      <div><span class="muted">${esc(T("inside"))} ${fmt(target)} ${esc(T("min"))}</span><b>${pct(s.share)}</b></div>
      <div class="${s.outside > 0 ? "bad" : ""}"><span class="muted">${esc(T("outside"))}</span><b>${fmt(s.outside)}</b></div>
      <div><span class="muted">${esc(T("bases · units"))}</span><b>${fmt(s.bases)} · ${fmt(s.units)}</b></div></div>`;
    return target;
  }

  // Zoom from which gaps are drawn as their own outlines; below it, the
  // aggregated cells that hold residents outside the circle are outlined
  // instead (one ring per parent cell, not one per gap of small cells).
  const gapZoom = 11;

  // The drawing order and style of each tile layer the server offers.
  function styleLayers(bs, target, available) {
    const defs = {
      units: [
        { id: "units-fill", type: "fill", paint: { "fill-color": "#ffffff", "fill-opacity": 0.01 } },
        { id: "units-line", type: "line", paint: { "line-color": "#37474f", "line-width": 1.5, "line-dasharray": [3, 2] } },
      ],
      isochrones: [
        { id: "isochrones-line", type: "line", filter: ["==", ["get", "base_id"], "all"],
          paint: { "line-color": "#0b5cad", "line-width": ["match", ["get", "minutes"], target, 2, 0.8], "line-opacity": 0.85 } },
      ],
      cells: [
        { id: "cells-fill", type: "fill", paint: { "fill-color": S.cellColor(bs),
          "fill-opacity": ["interpolate", ["linear"], ["zoom"], 10, 0.75, 14, 0.55, 16, 0.4], "fill-outline-color": "rgba(255,255,255,0.3)" } },
      ],
      gaps: [
        { id: "gaps-line", type: "line", minzoom: gapZoom, paint: { "line-color": "#c62828", "line-width": 2.5 } },
      ],
      shelters: [
        { id: "shelters-circle", type: "circle", paint: {
          "circle-radius": 5, "circle-stroke-color": "#fff", "circle-stroke-width": 1,
          "circle-color": ["case", ["boolean", ["get", "overflows"], false], "#c62828", ["has", "places"], "#6a1b9a", "#757575"] } },
      ],
      depots: [
        { id: "depots-circle", type: "circle", paint: { "circle-radius": 5, "circle-color": "#ef6c00", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
      ],
      bases: [
        { id: "bases-circle", type: "circle", paint: { "circle-radius": 7, "circle-color": "#0d47a1", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
      ],
    };
    const out = [];
    for (const name of available) {
      for (const l of defs[name] || []) out.push({ ...l, source: name, "source-layer": name });
      if (name === "cells" && available.includes("gaps")) {
        out.push({ id: "gaps-agg", type: "line", source: "cells", "source-layer": "cells", maxzoom: gapZoom,
          filter: ["all", [">", ["get", "population"], 0], ["<", ["get", "within_share"], 0.9995]],
          paint: { "line-color": "#c62828", "line-width": 1.6 } });
      }
    }
    return out;
  }

  const groups = {
    basemap: "Base map (OpenStreetMap)", cells: "Cells by travel time", gaps: "Gaps (outside the circle)", isochrones: "Isochrones (all bases)",
    units: "Units", bases: "Rescue bases", shelters: "Shelters", depots: "Depots",
  };

  function toggles(map, available) {
    $("toggles").innerHTML = available
      .map((n) => `<label><input type="checkbox" data-layer="${n}" checked> ${esc(T(groups[n] || n))}</label>`)
      .join("");
    $("toggles").addEventListener("change", (e) => {
      const n = e.target.dataset.layer;
      for (const l of map.getStyle().layers) {
        if (l.source === n || (n === "gaps" && l.id === "gaps-agg")) map.setLayoutProperty(l.id, "visibility", e.target.checked ? "visible" : "none");
      }
    });
  }

  function table(title, props, keys) {
    const rows = keys
      .filter(([k]) => props[k] !== undefined)
      .map(([k, label, f]) => `<tr><th>${esc(T(label))}</th><td class="n">${esc(f ? f(props[k]) : props[k])}</td></tr>`)
      .join("");
    return `<h2>${esc(title)}</h2><table>${rows}</table>`;
  }

  // Read-outs: per style layer, a title, the rows of the click panel and
  // the one line of the hover tooltip.
  const readouts = {
    "cells-fill": {
      title: (p) => T("Cell") + " " + p.cell,
      rows: [["population", "residents", (v) => fmt(v)], ["seconds", "travel time", minutes], ["max_seconds", "longest", minutes],
        ["within_share", "inside the circle", pct], ["base_id", "nearest base"], ["unit_id", "unit"], ["cells", "study cells", fmt],
        ["no_road_cells", "without road access", fmt]],
      line: (p) => `${fmt(p.population)} ${T("residents")}, ${p.seconds != null ? minutes(p.seconds) : T("not reached")}, ${pct(p.within_share)} ${T("inside")}`,
    },
    "bases-circle": {
      title: (p) => T("Base") + " " + (p.name || p.id),
      rows: [["id", "id"], ["team_size", "team", fmt], ["level", "level"], ["nearest_residents", "nearest for", fmt],
        ["covered_residents", "reaches in time", fmt], ["only_covers_residents", "only it reaches", fmt]],
      line: (p) => `${T("Base")} ${p.name || p.id}: ${T("team")} ${fmt(p.team_size)}, ${fmt(p.covered_residents)} ${T("reached in time")}`,
    },
    "shelters-circle": {
      title: (p) => T("Shelter") + " " + (p.name || p.id),
      rows: [["places", "places", fmt], ["load", "assigned", fmt], ["load_share", "load", pct], ["nearest_load", "nearest for", fmt],
        ["overflow", "overflow if nearest", fmt], ["places_per_resident", "places per resident", (v) => fmt(v, 3)]],
      line: (p) => `${T("Shelter")} ${p.name || p.id}: ${p.places != null ? fmt(p.places) + " " + T("places") : T("capacity unknown")}`,
    },
    "depots-circle": {
      title: (p) => T("Depot") + " " + (p.name || p.id),
      rows: [["residents", "residents served", fmt], ["shelters", "shelters served", fmt]],
      line: (p) => `${T("Depot")} ${p.name || p.id}`,
    },
    "gaps-line": {
      title: (p) => T("Gap") + " #" + p.rank,
      rows: [["residents", "residents", fmt], ["cells", "cells", fmt], ["worst_seconds", "worst", minutes], ["unit_id", "unit"]],
      line: (p) => `${T("Gap")} #${p.rank}: ${fmt(p.residents)} ${T("residents outside the circle")}`,
    },
    "isochrones-line": {
      title: (p) => `${T("Isochrone")} ${p.minutes} min`,
      rows: [["minutes", "minutes"], ["residents", "residents", fmt], ["cells", "cells", fmt]],
      line: (p) => `${T("within")} ${p.minutes} min: ${fmt(p.residents)} ${T("residents")}`,
    },
    "units-fill": {
      title: (p) => T("Unit") + " " + (p.name || p.id),
      rows: [["residents", "residents", fmt], ["share", "inside the circle", pct], ["outside", "outside", fmt], ["p90_seconds", "p90 time", minutes],
        ["bases", "bases", fmt], ["members", "team members", fmt], ["meets_rescue", "meets the circle"], ["meets_team", "meets team minimums"]],
      line: (p) => `${p.name || p.id}: ${pct(p.share)} ${T("inside")}, ${fmt(p.outside)} ${T("outside")}`,
    },
    "bm-roads": {
      title: (p) => p.name || p.ref || T("road") + " (" + p.class + ")",
      rows: [["class", "class"], ["ref", "ref"], ["way_id", "OSM way"]],
      line: (p) => `${p.name || p.ref || T("road")} (${p.class})`,
    },
  };
  readouts["sc-points"] = {
    title: (p) => `${p.kind === "add" ? T("new station") : p.kind === "move" ? T("moved") : T("out of service")}: ${p.id}`,
    rows: [["id", "id"]],
    line: (p) => `${p.kind === "add" ? T("new station") : p.kind === "move" ? T("moved") : T("out of service")}: ${p.id}`,
  };
  readouts["sc-cells"] = {
    title: (p) => (p.status === "lost" ? T("cells that leave the circle") : T("cells that join it")) + ": " + p.cell,
    rows: [["residents", "residents", (v) => fmt(v)], ["status", "change"]],
    line: (p) => `${fmt(p.residents)} ${T("residents")}: ${p.status === "lost" ? T("cells that leave the circle") : T("cells that join it")}`,
  };
  readouts["bm-paths"] = readouts["bm-roads"];
  readouts["bm-roads-casing"] = readouts["bm-roads"];
  // Most specific first: what the pointer is over, top layer first.
  // (An aggregated gap outline reads as its cell, whose row says the share inside.)
  const readOrder = ["sc-points", "bases-circle", "depots-circle", "shelters-circle", "sc-cells", "gaps-line", "cells-fill", "isochrones-line", "bm-roads", "bm-paths", "units-fill"];

  function featuresAt(map, point) {
    const layers = readOrder.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, "visibility") !== "none");
    const fs = map.queryRenderedFeatures(point, { layers });
    fs.sort((a, b) => readOrder.indexOf(a.layer.id) - readOrder.indexOf(b.layer.id));
    return fs;
  }

  function describe(f) {
    const r = readouts[f.layer.id];
    $("details").innerHTML = table(r.title(f.properties), f.properties, r.rows);
  }

  // Keyboard: the map canvas takes focus (Tab), arrows pan and +/− zoom
  // (MapLibre's keyboard handler); Enter reads out what is under the
  // crosshair at the centre, into the details panel (a live region).
  function keyboard(map) {
    const canvas = map.getCanvas();
    canvas.setAttribute("aria-label", T("map: arrows pan, + and − zoom, Enter reads the centre"));
    canvas.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      const c = map.project(map.getCenter());
      const f = featuresAt(map, [c.x, c.y])[0];
      if (f) describe(f);
      else $("details").innerHTML = `<h2>${esc(T("Nothing here"))}</h2>`;
      window.rescuegrid.onCenterRead?.(map.getCenter());
    });
  }

  function hover(map) {
    const tip = $("tooltip");
    map.on("mousemove", (e) => {
      const f = featuresAt(map, e.point)[0];
      if (!f || window.rescuegrid.tool) {
        tip.hidden = true;
        map.getCanvas().style.cursor = window.rescuegrid.tool ? "crosshair" : "";
        return;
      }
      tip.textContent = readouts[f.layer.id].line(f.properties);
      tip.style.left = e.point.x + 14 + "px";
      tip.style.top = e.point.y + 14 + "px";
      tip.hidden = false;
      map.getCanvas().style.cursor = "pointer";
    });
    map.on("mouseout", () => { tip.hidden = true; });
  }

  // With several studies served, a picker links to each one's map
  // (/studies/{id}/), relative to where this page is served.
  async function studyPicker() {
    const list = await getJSON("api/studies");
    if (list.length < 2) return;
    const m = location.pathname.match(/^(.*\/)studies\/([^/]+)\/$/);
    const root = m ? m[1] : location.pathname.replace(/[^/]*$/, "");
    const current = m ? decodeURIComponent(m[2]) : list.find((x) => x.default).id;
    const sel = document.createElement("select");
    sel.id = "study-picker";
    sel.setAttribute("aria-label", T("study"));
    for (const x of list) {
      const o = document.createElement("option");
      o.value = root + "studies/" + encodeURIComponent(x.id) + "/";
      o.textContent = (x.name || x.id) + (x.status === "ready" ? "" : " (" + x.status + ")");
      o.selected = x.id === current;
      sel.appendChild(o);
    }
    sel.addEventListener("change", () => { location.href = sel.value; });
    $("study-line").after(sel);
  }

  // Print: the browser's print (A4 landscape, print.css rules in app.css)
  // of the map, legend, scale bar, attribution and the scenario table.
  function printView(map) {
    $("print").addEventListener("click", () => window.print());
    const fit = () => { map.resize(); };
    window.addEventListener("beforeprint", () => { document.body.classList.add("printing"); fit(); });
    window.addEventListener("afterprint", () => { document.body.classList.remove("printing"); fit(); });
  }

  async function main() {
    if (typeof maplibregl === "undefined") {
      fail("This binary was built without the web map library: run `make build` (it bundles MapLibre GL JS from npm).");
      return;
    }
    await window.rgI18n?.ready;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = T(el.textContent);
    if (window.rgI18n) window.rgI18n.picker($("lang-slot"));
    let s, tables;
    try {
      [s, tables] = await Promise.all([getJSON("api/study"), getJSON("api/tables")]);
    } catch (e) {
      fail("The study is not ready: " + e.message);
      return;
    }
    const target = summary(s);
    const bs = S.bands(target, s.standard?.isochrone_minutes);
    studyPicker().catch(() => {});
    const order = ["units", "isochrones", "cells", "gaps", "shelters", "depots", "bases"];
    // The optional shelters and depots tile layers exist only with features.
    const names = new Set(tables.filter((t) => t.rows > 0 || !["shelters", "depots"].includes(t.name)).map((t) => t.name));
    const available = order.filter((n) => names.has(n));
    const [tj, bmj, cells] = await Promise.all([
      getJSON(`tiles/${available.includes("cells") ? "cells" : available[0]}.json`),
      getJSON("tiles/basemap.json").catch(() => null),
      getJSON("api/tables/cells?format=json&columns=population,seconds,no_road_access").catch(() => []),
    ]);
    const counts = legend(bs, target, available, cells);
    $("attribution").innerHTML = esc(tj.attribution || "").replace(/&lt;.*?&gt;/g, "");
    const sources = {};
    for (const n of available) sources[n] = { type: "vector", url: new URL(`tiles/${n}.json`, location.href).href };
    let bm = { below: [], labels: [] };
    if (bmj) {
      sources.basemap = { type: "vector", url: new URL("tiles/basemap.json", location.href).href };
      bm = S.basemapLayers("basemap", lang());
    }
    const extra = window.rgScenario ? window.rgScenario.sources(!!bmj) : {};
    Object.assign(sources, extra.sources || {});
    const db = tj.data_bounds && tj.data_bounds[2] > tj.data_bounds[0] ? tj.data_bounds : tj.bounds;
    const map = new maplibregl.Map({
      container: "map",
      style: {
        version: 8, sources,
        layers: [
          { id: "background", type: "background", paint: { "background-color": "#f3f2ee" } },
          ...bm.below,
          ...styleLayers(bs, target, available),
          ...(extra.layers || []),
          ...bm.labels,
        ],
      },
      bounds: db, fitBoundsOptions: { padding: 24 },
      localIdeographFontFamily: S.ideographFamily,
      attributionControl: { compact: false, customAttribution: bmj ? "" : undefined },
      canvasContextAttributes: { preserveDrawingBuffer: true },
    });
    window.rescuegrid = { map, available, ready: false, bands: bs, target, study: s, counts, tool: null, basemap: !!bmj, dataBounds: db };
    map.addControl(new maplibregl.NavigationControl(), "top-left");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    map.on("error", (e) => fail("map: " + (e.error?.message || e.error || "error")));
    toggles(map, bmj ? ["basemap", ...available] : available);
    keyboard(map);
    hover(map);
    printView(map);
    map.on("click", (e) => {
      if (window.rescuegrid.tool) {
        window.rgScenario?.click(map, e);
        return;
      }
      const f = featuresAt(map, e.point)[0];
      if (f) describe(f);
    });
    if (window.rgScenario) window.rgScenario.init(map, { getJSON, fmt, pct, esc, T, minutes });
    map.once("idle", () => { window.rescuegrid.ready = true; });
  }

  main().catch((e) => fail(e.message));
})();
