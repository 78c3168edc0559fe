// rescuegrid's web map: the study's vector tiles (/tiles/{layer}.json) drawn
// with MapLibre GL JS, served by `rescuegrid serve` with no network access
// needed (no base map, no CDN). Clicking a cell or feature shows its numbers;
// the "add station" tool asks /api/whatif what a new base would gain.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const fmt = (v, d = 0) => (v == null || Number.isNaN(v) ? "–" : Number(v).toLocaleString("en", { maximumFractionDigits: d }));
  const pct = (v) => (v == null ? "–" : (100 * v).toFixed(1) + " %");
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

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

  // Travel-time bands (minutes) around the rescue circle of the standard.
  function bands(target) {
    const stops = [target / 3, (2 * target) / 3, target, 1.5 * target, 2 * target];
    const colors = ["#1a9850", "#91cf60", "#d9ef8b", "#fc8d59", "#d73027", "#7f0000"];
    return { stops, colors };
  }

  function legend(target, available) {
    const { stops, colors } = bands(target);
    const rows = [];
    let lo = 0;
    stops.forEach((s, i) => {
      rows.push([colors[i], `${fmt(lo, 1)}–${fmt(s, 1)} min`]);
      lo = s;
    });
    rows.push([colors[colors.length - 1], `over ${fmt(lo, 1)} min`]);
    rows.push(["#9e9e9e", "no base reaches it / no road"]);
    $("legend").innerHTML =
      rows.map(([c, t]) => `<div class="row"><span class="sw" style="background:${c}"></span>${esc(t)}</div>`).join("") +
      `<div class="row"><span class="sw" style="background:transparent;border:2px solid #c62828"></span>gap: outside the ${fmt(target)}-minute circle</div>` +
      symbols.filter(([layer]) => available.includes(layer))
        .map(([, c, t]) => `<div class="row"><span class="dot" style="background:${c}"></span>${esc(t)}</div>`).join("");
  }

  const symbols = [
    ["bases", "#0d47a1", "rescue base"],
    ["shelters", "#6a1b9a", "shelter"],
    ["shelters", "#c62828", "shelter that overflows if all go to the nearest"],
    ["shelters", "#9e9e9e", "shelter of unknown capacity"],
    ["depots", "#ef6c00", "material depot"],
  ];

  function summary(s) {
    const target = s.standard?.rescue?.minutes ?? 15;
    $("study-name").textContent = s.study || "rescuegrid";
    $("study-line").textContent = `${s.standard?.name ?? ""}: ${fmt(target)}-minute rescue circle · H3 res ${s.resolution}`;
    $("summary").innerHTML = `<div class="kpi">
      <div><span class="muted">residents</span><b>${fmt(s.residents)}</b></div>
      <div><span class="muted">inside ${fmt(target)} min</span><b>${pct(s.share)}</b></div>
      <div class="${s.outside > 0 ? "bad" : ""}"><span class="muted">outside</span><b>${fmt(s.outside)}</b></div>
      <div><span class="muted">bases · units</span><b>${fmt(s.bases)} · ${fmt(s.units)}</b></div></div>`;
    return target;
  }

  // The drawing order and style of each tile layer the server offers.
  function styleLayers(target, available) {
    const { stops, colors } = bands(target);
    const ramp = ["step", ["/", ["get", "seconds"], 60], colors[0]];
    stops.forEach((s, i) => ramp.push(s, colors[i + 1]));
    const timeColor = ["case", ["has", "seconds"], ramp, "#9e9e9e"];
    const defs = {
      units: [
        { id: "units-fill", type: "fill", paint: { "fill-color": "#ffffff", "fill-opacity": 0.01 } },
        { id: "units-line", type: "line", paint: { "line-color": "#37474f", "line-width": 1.5, "line-dasharray": [3, 2] } },
      ],
      isochrones: [
        { id: "isochrones-line", type: "line", paint: { "line-color": "#0b6bcb", "line-width": ["match", ["get", "minutes"], target, 2, 0.8], "line-opacity": 0.8 } },
      ],
      cells: [
        { id: "cells-fill", type: "fill", paint: { "fill-color": timeColor, "fill-opacity": 0.72, "fill-outline-color": "rgba(255,255,255,0.25)" } },
      ],
      gaps: [
        { id: "gaps-line", type: "line", paint: { "line-color": "#c62828", "line-width": 2.5 } },
      ],
      shelters: [
        { id: "shelters-circle", type: "circle", paint: {
          "circle-radius": 5, "circle-stroke-color": "#fff", "circle-stroke-width": 1,
          "circle-color": ["case", ["boolean", ["get", "overflows"], false], "#c62828", ["has", "places"], "#6a1b9a", "#9e9e9e"] } },
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
    }
    return out;
  }

  const groups = {
    cells: "Cells by travel time", gaps: "Gaps (outside the circle)", isochrones: "Isochrones (5/10/15 min)",
    units: "Units", bases: "Rescue bases", shelters: "Shelters", depots: "Depots",
  };

  function toggles(map, available) {
    $("toggles").innerHTML = available
      .map((n) => `<label><input type="checkbox" data-layer="${n}" checked> ${esc(groups[n] || n)}</label>`)
      .join("");
    $("toggles").addEventListener("change", (e) => {
      const n = e.target.dataset.layer;
      for (const l of map.getStyle().layers) {
        if (l.source === n) map.setLayoutProperty(l.id, "visibility", e.target.checked ? "visible" : "none");
      }
    });
  }

  function details(title, props, keys) {
    const rows = keys
      .filter(([k]) => props[k] !== undefined)
      .map(([k, label, f]) => `<tr><th>${esc(label)}</th><td class="n">${esc(f ? f(props[k]) : props[k])}</td></tr>`)
      .join("");
    $("details").innerHTML = `<h2>${esc(title)}</h2><table>${rows}</table>`;
  }

  const minutes = (s) => fmt(s / 60, 1) + " min";
  const describe = {
    "cells-fill": (p) => details("Cell " + p.cell, p, [
      ["population", "residents", (v) => fmt(v)], ["seconds", "travel time", minutes], ["max_seconds", "longest", minutes],
      ["within_share", "inside the circle", pct], ["base_id", "nearest base"], ["unit_id", "unit"], ["cells", "study cells", fmt],
      ["no_road_cells", "without road access", fmt],
    ]),
    "bases-circle": (p) => details("Base " + (p.name || p.id), p, [
      ["id", "id"], ["team_size", "team", fmt], ["level", "level"], ["nearest_residents", "nearest for", fmt],
      ["covered_residents", "reaches in time", fmt], ["only_covers_residents", "only it reaches", fmt],
    ]),
    "shelters-circle": (p) => details("Shelter " + (p.name || p.id), p, [
      ["places", "places", fmt], ["load", "assigned", fmt], ["load_share", "load", pct], ["nearest_load", "nearest for", fmt],
      ["overflow", "overflow if nearest", fmt], ["places_per_resident", "places per resident", (v) => fmt(v, 3)],
    ]),
    "depots-circle": (p) => details("Depot " + (p.name || p.id), p, [["residents", "residents served", fmt], ["shelters", "shelters served", fmt]]),
    "gaps-line": (p) => details("Gap #" + p.rank, p, [["residents", "residents", fmt], ["cells", "cells", fmt], ["worst_seconds", "worst", minutes], ["unit_id", "unit"]]),
    "units-fill": (p) => details("Unit " + (p.name || p.id), p, [
      ["residents", "residents", fmt], ["share", "inside the circle", pct], ["outside", "outside", fmt], ["p90_seconds", "p90 time", minutes],
      ["bases", "bases", fmt], ["members", "team members", fmt], ["meets_rescue", "meets the circle"], ["meets_team", "meets team minimums"],
    ]),
  };

  async function whatIf(map, lngLat) {
    const team = Math.max(1, Number($("team-size").value) || 20);
    $("whatif").innerHTML = `asking what a base at ${lngLat.lng.toFixed(5)}, ${lngLat.lat.toFixed(5)} would gain…`;
    const t0 = performance.now();
    try {
      const [r, iso] = await Promise.all([
        getJSON("api/whatif", {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ add: [{ id: "new", lon: lngLat.lng, lat: lngLat.lat, team_size: team }] }),
        }),
        getJSON(`api/isochrone?lon=${lngLat.lng}&lat=${lngLat.lat}`),
      ]);
      map.getSource("candidate").setData({ type: "FeatureCollection", features: [{ type: "Feature", geometry: { type: "Point", coordinates: [lngLat.lng, lngLat.lat] }, properties: {} }] });
      map.getSource("candidate-iso").setData(iso);
      window.rescuegrid.lastWhatIf = { lon: lngLat.lng, lat: lngLat.lat, team_size: team, response: r };
      const units = r.units.filter((u) => u.residents_gained > 0.5).sort((a, b) => b.residents_gained - a.residents_gained);
      const rows = units.map((u) => `<tr><td>${esc(u.name || u.unit_id)}</td><td class="n gain">+${fmt(u.residents_gained)}</td><td class="n">${pct(u.share_before)} → ${pct(u.share_after)}</td></tr>`).join("");
      $("whatif").innerHTML =
        `<p id="whatif-result"><span class="gain">+${fmt(r.residents_gained)}</span> residents inside the circle (${pct(r.share_before)} → ${pct(r.share_after)}), answered in ${fmt(performance.now() - t0)} ms</p>` +
        (rows ? `<table><tr><th>unit</th><th class="n">gain</th><th class="n">share</th></tr>${rows}</table>` : `<p>No unit gains: this spot adds no one to the circle.</p>`);
    } catch (e) {
      $("whatif").innerHTML = `<p class="bad">${esc(e.message)}</p>`;
    }
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
    sel.setAttribute("aria-label", "study");
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

  async function main() {
    if (typeof maplibregl === "undefined") {
      fail("This binary was built without the web map library: run `make build` (it bundles MapLibre GL JS from npm).");
      return;
    }
    let s, tables;
    try {
      [s, tables] = await Promise.all([getJSON("api/study"), getJSON("api/tables")]);
    } catch (e) {
      fail("The study is not ready: " + e.message);
      return;
    }
    const target = summary(s);
    studyPicker().catch(() => {});
    const order = ["units", "isochrones", "cells", "gaps", "shelters", "depots", "bases"];
    // The optional shelters and depots tile layers exist only with features.
    const names = new Set(tables.filter((t) => t.rows > 0 || !["shelters", "depots"].includes(t.name)).map((t) => t.name));
    const available = order.filter((n) => names.has(n));
    legend(target, available);
    const sources = {};
    for (const n of available) sources[n] = { type: "vector", url: new URL(`tiles/${n}.json`, location.href).href };
    sources.candidate = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
    sources["candidate-iso"] = { type: "geojson", data: { type: "FeatureCollection", features: [] } };
    const tj = await getJSON(`tiles/${available.includes("cells") ? "cells" : available[0]}.json`);
    $("attribution").innerHTML = esc(tj.attribution || "").replace(/&lt;.*?&gt;/g, "");
    const map = new maplibregl.Map({
      container: "map",
      style: {
        version: 8, sources,
        layers: [
          { id: "background", type: "background", paint: { "background-color": "#eef1f4" } },
          ...styleLayers(target, available),
          { id: "candidate-iso", type: "line", source: "candidate-iso", paint: { "line-color": "#1b7f3b", "line-width": 2 } },
          { id: "candidate", type: "circle", source: "candidate", paint: { "circle-radius": 8, "circle-color": "#1b7f3b", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
        ],
      },
      bounds: tj.bounds, fitBoundsOptions: { padding: 20 },
      attributionControl: { compact: false },
    });
    window.rescuegrid = { map, available, ready: false };
    map.addControl(new maplibregl.NavigationControl(), "top-left");
    map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
    map.on("error", (e) => fail("map: " + (e.error?.message || e.error || "error")));
    toggles(map, available);

    let adding = false;
    $("add-station").addEventListener("click", () => {
      adding = !adding;
      $("add-station").setAttribute("aria-pressed", String(adding));
      $("add-station").textContent = "Add station: " + (adding ? "on (click the map)" : "off");
      map.getCanvas().classList.toggle("adding", adding);
    });
    const clickable = Object.keys(describe);
    map.on("click", (e) => {
      if (adding) {
        whatIf(map, e.lngLat);
        return;
      }
      const layers = clickable.filter((id) => map.getLayer(id));
      const f = map.queryRenderedFeatures(e.point, { layers })[0];
      if (f) describe[f.layer.id](f.properties);
    });
    map.once("idle", () => { window.rescuegrid.ready = true; });
  }

  main().catch((e) => fail(e.message));
})();
