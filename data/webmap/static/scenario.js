// rescuegrid web map: scenarios drawn on the map. Every edit (a station
// added, a base moved, taken out or resized, a flood drawn, a road closed,
// an area slowed) goes into one what-if, answered by POST /api/whatif with
// the code the study's batch scenarios run; the panel shows who leaves the
// rescue circle and who loses a shelter, per unit, and the map the cells
// that change and the isochrones of the changed bases. Scenarios of the
// session are kept with their totals, two can be compared, and one can be
// exported as a study-file scenario (YAML) with its polygons (GeoJSON), for
// `rescuegrid analyze` to rerun.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let h; // helpers from app.js: getJSON, fmt, pct, esc, T, minutes
  let map;

  const fc = (features = []) => ({ type: "FeatureCollection", features });
  const pointF = (c, props = {}) => ({ type: "Feature", geometry: { type: "Point", coordinates: c }, properties: props });

  // The scenario being edited.
  let sc = blank();
  function blank() {
    return { name: "", add: [], remove: [], move: [], team_size: {}, close_ways: [], close_areas: [], slow: [] };
  }
  let drawing = null; // {kind: "close"|"slow", pts: [[lon,lat]...]}
  let picked = null; // base id picked by the move tool
  const session = []; // {name, request, response}
  let lastRequest = null;

  // sources(hasBasemap): the scenario's map sources and layers (the closed
  // roads are drawn from the base map's roads when there is one).
  function sources(hasBasemap) {
    const closed = hasBasemap ? [{ id: "sc-closed-roads", type: "line", source: "basemap", "source-layer": "roads",
      filter: ["in", ["get", "way_id"], ["literal", [-1]]],
      paint: { "line-color": "#b71c1c", "line-width": 4, "line-dasharray": [1, 1] } }] : [];
    return {
      sources: {
        "sc-polygons": { type: "geojson", data: fc() },
        "sc-draft": { type: "geojson", data: fc() },
        "sc-cells": { type: "geojson", data: fc() },
        "sc-iso": { type: "geojson", data: fc() },
        "sc-points": { type: "geojson", data: fc() },
        candidate: { type: "geojson", data: fc() },
        "candidate-iso": { type: "geojson", data: fc() },
      },
      layers: [
        { id: "sc-cells", type: "fill", source: "sc-cells", paint: {
          "fill-color": ["match", ["get", "status"], "lost", "#b71c1c", "#0b5cad"], "fill-opacity": 0.55,
          "fill-outline-color": ["match", ["get", "status"], "lost", "#7f0000", "#06326b"] } },
        { id: "sc-polygons", type: "fill", source: "sc-polygons", paint: {
          "fill-color": ["match", ["get", "kind"], "close", "#1565c0", "#ef6c00"], "fill-opacity": 0.18 } },
        { id: "sc-polygons-line", type: "line", source: "sc-polygons", paint: {
          "line-color": ["match", ["get", "kind"], "close", "#0d47a1", "#e65100"], "line-width": 2 } },
        ...closed,
        { id: "sc-iso", type: "line", source: "sc-iso", paint: { "line-color": "#1b6e35", "line-width": ["interpolate", ["linear"], ["get", "minutes"], 5, 1, 15, 2.5] } },
        { id: "candidate-iso", type: "line", source: "candidate-iso", paint: { "line-color": "#1b6e35", "line-width": 2 } },
        { id: "sc-draft-line", type: "line", source: "sc-draft", paint: { "line-color": "#0d47a1", "line-width": 2, "line-dasharray": [2, 1] } },
        { id: "sc-draft-pts", type: "circle", source: "sc-draft", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#0d47a1" } },
        { id: "sc-points", type: "circle", source: "sc-points", paint: {
          "circle-radius": 8, "circle-stroke-color": "#fff", "circle-stroke-width": 2,
          "circle-color": ["match", ["get", "kind"], "add", "#1b6e35", "move", "#6a1b9a", "old", "rgba(255,255,255,0.6)", "#0d47a1"],
          "circle-stroke-color": ["match", ["get", "kind"], "old", "#616161", "#ffffff"] } },
        { id: "candidate", type: "circle", source: "candidate", paint: { "circle-radius": 8, "circle-color": "#1b6e35", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
      ],
    };
  }

  const tools = [
    ["add", "Add station", "click the map where a new base would stand"],
    ["move", "Move base", "click a base, then its new place"],
    ["remove", "Take base out", "click a base"],
    ["team", "Team size", "click a base, then set its members"],
    ["close", "Draw flood / landslide", "click the corners, double-click or Enter to finish: every road inside is closed"],
    ["slow", "Slow an area", "click the corners, double-click or Enter to finish: travel times inside × factor"],
    ["road", "Close a road", "click a road of the base map (its OSM way is closed)"],
  ];

  function setTool(name) {
    window.rescuegrid.tool = window.rescuegrid.tool === name ? null : name;
    drawing = null;
    picked = null;
    draft();
    for (const b of document.querySelectorAll("#sc-tools button")) b.setAttribute("aria-pressed", String(b.dataset.tool === window.rescuegrid.tool));
    const t = tools.find((x) => x[0] === window.rescuegrid.tool);
    $("sc-hint").textContent = t ? h.T(t[2]) : h.T("Pick a tool: each change is added to the scenario and answered at once.");
    map.getCanvas().classList.toggle("adding", !!window.rescuegrid.tool);
    // The legacy label of the add tool, which the page's first test reads.
  }

  const baseLoc = {}; // where the bases picked so far stand
  function baseAt(e) {
    const f = map.getLayer("bases-circle") && map.queryRenderedFeatures([[e.point.x - 6, e.point.y - 6], [e.point.x + 6, e.point.y + 6]], { layers: ["bases-circle"] })[0];
    if (!f) return null;
    baseLoc[f.properties.id] = f.geometry.coordinates;
    return { id: f.properties.id, name: f.properties.name, team: f.properties.team_size, at: f.geometry.coordinates };
  }

  function click(m, e) {
    const tool = window.rescuegrid.tool;
    const ll = [e.lngLat.lng, e.lngLat.lat];
    switch (tool) {
      case "add": {
        const team = Math.max(1, Number($("team-size").value) || 20);
        sc.add.push({ id: "new-" + (sc.add.length + 1), lon: ll[0], lat: ll[1], team_size: team });
        run();
        return;
      }
      case "move": {
        if (!picked) {
          const b = baseAt(e);
          if (b) { picked = b.id; $("sc-hint").textContent = h.T("now click the new place of") + " " + (b.name || b.id); }
          return;
        }
        sc.move = sc.move.filter((x) => x.id !== picked);
        sc.move.push({ id: picked, lon: ll[0], lat: ll[1] });
        picked = null;
        $("sc-hint").textContent = h.T(tools.find((x) => x[0] === "move")[2]);
        run();
        return;
      }
      case "remove": {
        const b = baseAt(e);
        if (b && !sc.remove.includes(b.id)) { sc.remove.push(b.id); run(); }
        return;
      }
      case "team": {
        const b = baseAt(e);
        if (b) teamForm(b);
        return;
      }
      case "close":
      case "slow":
        addVertex(tool, ll);
        return;
      case "road": {
        const f = map.queryRenderedFeatures([[e.point.x - 4, e.point.y - 4], [e.point.x + 4, e.point.y + 4]], { layers: ["bm-roads", "bm-paths"].filter((id) => map.getLayer(id)) })[0];
        if (f && f.properties.way_id != null && !sc.close_ways.includes(f.properties.way_id)) {
          sc.close_ways.push(f.properties.way_id);
          run();
        }
        return;
      }
    }
  }

  function teamForm(b) {
    const cur = sc.team_size[b.id] ?? b.team;
    $("sc-hint").innerHTML = `<label>${h.esc(h.T("members of"))} ${h.esc(b.name || b.id)} <input id="sc-team" class="num" type="number" min="0" max="500" value="${h.esc(cur)}"></label> <button type="button" id="sc-team-ok">${h.esc(h.T("Apply"))}</button>`;
    $("sc-team").focus();
    const ok = () => { sc.team_size[b.id] = Math.max(0, Math.round(Number($("sc-team").value) || 0)); run(); setTool("team"); };
    $("sc-team-ok").addEventListener("click", ok);
    $("sc-team").addEventListener("keydown", (e) => { if (e.key === "Enter") ok(); });
  }

  function addVertex(kind, ll) {
    if (!drawing || drawing.kind !== kind) drawing = { kind, pts: [] };
    drawing.pts.push(ll);
    draft();
  }

  function finishPolygon() {
    if (!drawing) return;
    const pts = drawing.pts;
    // A double-click adds the same corner twice: drop repeats.
    const ring = pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
    if (ring.length >= 3) {
      ring.push(ring[0]);
      const poly = { type: "Polygon", coordinates: [ring] };
      if (drawing.kind === "close") sc.close_areas.push(poly);
      else sc.slow.push({ area: poly, factor: Math.max(1.01, Number($("sc-factor").value) || 1.5) });
      drawing = null;
      draft();
      run();
    }
  }


  function draft() {
    const feats = [];
    if (drawing && drawing.pts.length) {
      for (const p of drawing.pts) feats.push(pointF(p));
      if (drawing.pts.length > 1) feats.push({ type: "Feature", geometry: { type: "LineString", coordinates: [...drawing.pts, drawing.pts[0]] }, properties: {} });
    }
    map.getSource("sc-draft")?.setData(fc(feats));
    const panel = $("sc-draw");
    if (panel) panel.hidden = !drawing;
  }

  // The request for the scenario as it stands.
  function request() {
    const typed = ($("sc-name")?.value || "").trim();
    const r = { name: typed || sc.name || "scenario " + (session.length + 1), cells: true };
    if (sc.add.length) r.add = sc.add;
    if (sc.remove.length) r.remove = sc.remove;
    if (sc.move.length) r.move = sc.move;
    if (Object.keys(sc.team_size).length) r.team_size = sc.team_size;
    if (sc.close_ways.length) r.close_ways = sc.close_ways;
    if (sc.close_areas.length) r.close_areas = fc(sc.close_areas.map((g, i) => ({ type: "Feature", properties: { id: "area-" + (i + 1) }, geometry: g })));
    if (sc.slow.length) r.slow = sc.slow.map((s) => ({ area: fc([{ type: "Feature", properties: {}, geometry: s.area }]), factor: s.factor }));
    return r;
  }

  function empty() {
    return !(sc.add.length || sc.remove.length || sc.move.length || Object.keys(sc.team_size).length || sc.close_ways.length || sc.close_areas.length || sc.slow.length);
  }

  // Map overlays of the edits (without waiting for the answer).
  function overlays() {
    const polys = [...sc.close_areas.map((g) => ({ type: "Feature", geometry: g, properties: { kind: "close" } })),
      ...sc.slow.map((s) => ({ type: "Feature", geometry: s.area, properties: { kind: "slow", factor: s.factor } }))];
    map.getSource("sc-polygons").setData(fc(polys));
    const pts = [...sc.add.map((a) => pointF([a.lon, a.lat], { kind: "add", id: a.id })), ...sc.move.map((m) => pointF([m.lon, m.lat], { kind: "move", id: m.id }))];
    // Bases moved or taken out: hidden from the bases layer, a grey ring
    // where they stood.
    const gone = [...sc.remove, ...sc.move.map((m) => m.id)];
    for (const id of gone) {
      const at = baseLoc[id];
      if (at) pts.push(pointF(at, { kind: "old", id }));
    }
    if (map.getLayer("bases-circle")) map.setFilter("bases-circle", gone.length ? ["!", ["in", ["get", "id"], ["literal", gone]]] : null);
    map.getSource("sc-points").setData(fc(pts));
    if (map.getLayer("sc-closed-roads")) map.setFilter("sc-closed-roads", ["in", ["get", "way_id"], ["literal", sc.close_ways.length ? sc.close_ways : [-1]]]);
    edits();
  }

  // The list of edits, each with a button to undo it.
  function edits() {
    const rows = [];
    const item = (text, undo) => rows.push(`<li>${h.esc(text)} <button type="button" class="link" data-undo="${rows.length}" aria-label="${h.esc(h.T("undo"))}: ${h.esc(text)}">×</button></li>`) && undos.push(undo);
    undos = [];
    sc.add.forEach((a, i) => item(`${h.T("new station")} ${a.id} (${h.T("team")} ${a.team_size})`, () => sc.add.splice(i, 1)));
    sc.move.forEach((m, i) => item(`${h.T("base")} ${m.id} ${h.T("moved")}`, () => sc.move.splice(i, 1)));
    sc.remove.forEach((id, i) => item(`${h.T("base")} ${id} ${h.T("out of service")}`, () => sc.remove.splice(i, 1)));
    for (const id of Object.keys(sc.team_size)) item(`${h.T("base")} ${id}: ${h.T("team")} ${sc.team_size[id]}`, () => delete sc.team_size[id]);
    sc.close_areas.forEach((_, i) => item(`${h.T("closed area")} ${i + 1}`, () => sc.close_areas.splice(i, 1)));
    sc.slow.forEach((s, i) => item(`${h.T("slowed area")} ${i + 1} (× ${s.factor})`, () => sc.slow.splice(i, 1)));
    sc.close_ways.forEach((w, i) => item(`${h.T("road closed")}: way ${w}`, () => sc.close_ways.splice(i, 1)));
    $("sc-edits").innerHTML = rows.length ? `<ul>${rows.join("")}</ul>` : `<p class="muted">${h.esc(h.T("No change yet."))}</p>`;
  }
  let undos = [];

  let seq = 0;
  async function run() {
    overlays();
    if (empty()) {
      $("scenario-result").innerHTML = "";
      $("whatif").innerHTML = "";
      for (const id of ["sc-cells", "sc-iso", "candidate-iso", "candidate"]) map.getSource(id).setData(fc());
      return;
    }
    const req = request();
    const mine = ++seq;
    lastRequest = req;
    $("whatif").innerHTML = `<p class="muted">${h.esc(h.T("computing…"))}</p>`;
    const t0 = performance.now();
    try {
      const r = await h.getJSON("api/whatif", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(req) });
      if (mine !== seq) return; // a newer edit is on its way
      const ms = performance.now() - t0;
      window.rescuegrid.lastWhatIf = { request: req, response: r, ms };
      if (sc.add.length === 1 && !sc.remove.length && !sc.move.length && !sc.close_areas.length && !sc.slow.length && !sc.close_ways.length) {
        Object.assign(window.rescuegrid.lastWhatIf, { lon: sc.add[0].lon, lat: sc.add[0].lat, team_size: sc.add[0].team_size });
      }
      map.getSource("sc-cells").setData(r.cells_changed || fc());
      map.getSource("sc-iso").setData(r.isochrones || fc());
      show(r, ms);
      window.rescuegrid.answers = (window.rescuegrid.answers || 0) + 1;
    } catch (e) {
      if (mine !== seq) return;
      $("whatif").innerHTML = `<p class="bad">${h.esc(e.message)}</p>`;
      $("scenario-result").innerHTML = "";
      window.rescuegrid.answers = (window.rescuegrid.answers || 0) + 1;
    }
  }

  function signed(v) {
    const r = Math.round(v);
    return r > 0 ? "+" + h.fmt(r) : r < 0 ? "−" + h.fmt(-r) : "0";
  }

  // The answer: totals, then the per-unit table (units that change first).
  function show(r, ms) {
    const { fmt, pct, esc, T } = h;
    const t = r.totals;
    const net = r.within_after - r.within_before;
    const shelter = t.lost_walk_reach != null ? `; <span class="loss">${fmt(t.lost_walk_reach)}</span> ${esc(T("lose a shelter within walking reach"))}` : "";
    $("whatif").innerHTML =
      `<p id="whatif-result"><span class="${net >= 0 ? "gain" : "loss"}">${net >= 0 ? "+" : "−"}${fmt(Math.abs(net))}</span> ${esc(T("residents inside the circle"))} (${pct(r.share_before)} → ${pct(r.share_after)}): ` +
      `<span class="loss">${fmt(t.left)}</span> ${esc(T("leave it"))}, <span class="gain">${fmt(t.joined)}</span> ${esc(T("join it"))}${shelter}. ` +
      `${esc(T("answered in"))} ${fmt(ms)} ms</p>` +
      (r.report.closed_edges + r.report.slowed_edges ? `<p class="muted">${fmt(r.report.closed_edges)} ${esc(T("road edges closed"))}, ${fmt(r.report.slowed_edges)} ${esc(T("slowed"))}${r.report.unknown_ways?.length ? ", " + esc(T("unknown ways")) + " " + esc(r.report.unknown_ways.join(", ")) : ""}</p>` : "") +
      (r.unplaced_bases?.length ? `<p class="bad">${esc(T("not on a road"))}: ${esc(r.unplaced_bases.join(", "))}</p>` : "");
    $("scenario-result").innerHTML = `<h2>${esc(r.name)}</h2>` +
      `<p class="print-only">${$("whatif-result").innerHTML}</p>` +
      `<p class="muted"><span class="sw" style="background:#b71c1c"></span> ${esc(T("cells that leave the circle"))} <span class="sw" style="background:#0b5cad"></span> ${esc(T("cells that join it"))}` +
      (r.isochrones?.features?.length ? ` <span class="sw" style="background:transparent;border:2px solid #1b6e35"></span> ${esc(T("isochrones of the changed bases"))}` : "") + `</p>` + unitTable(r);
  }

  function unitTable(r) {
    const { fmt, esc, T } = h;
    const hasShelters = r.scenario.some((u) => u.walk_reach_baseline != null);
    const rows = r.scenario.filter((u) => u.residents > 0)
      .sort((a, b) => (b.lost + b.gained) - (a.lost + a.gained) || b.residents - a.residents)
      .map((u) => `<tr data-unit="${esc(u.unit_id)}"><td>${esc(u.name || u.unit_id)}</td><td class="n">${fmt(u.residents)}</td>` +
        `<td class="n">${fmt(u.within_baseline)}</td><td class="n">${fmt(u.within_scenario)}</td>` +
        `<td class="n ${u.within_scenario < u.within_baseline ? "loss" : "gain"}">${Math.abs(u.within_scenario - u.within_baseline) >= 0.5 ? signed(u.within_scenario - u.within_baseline) : ""}</td>` +
        (hasShelters ? `<td class="n loss">${u.lost_walk_reach >= 0.5 ? fmt(u.lost_walk_reach) : ""}</td>` : "") + `</tr>`).join("");
    return `<table class="sc-units"><caption class="muted">${esc(T("residents inside the rescue circle, before and after, per unit"))}</caption>` +
      `<tr><th>${esc(T("unit"))}</th><th class="n">${esc(T("residents"))}</th><th class="n">${esc(T("inside before"))}</th><th class="n">${esc(T("after"))}</th>` +
      `<th class="n">${esc(T("change"))}</th>${hasShelters ? `<th class="n">${esc(T("lose shelter"))}</th>` : ""}</tr>${rows}</table>`;
  }

  // The session: saved scenarios with totals; compare two; export one.
  function save() {
    const w = window.rescuegrid.lastWhatIf;
    if (!w || empty()) return;
    const name = ($("sc-name").value || "").trim() || w.request.name;
    const edit = JSON.parse(JSON.stringify(sc));
    session.push({ name: uniqueName(name), request: { ...w.request, name: uniqueName(name) }, response: w.response, edit });
    listSession();
  }

  function uniqueName(n) {
    let name = n.replace(/[^\p{L}\p{N}_.-]+/gu, "-").replace(/^-+|-+$/g, "") || "scenario";
    let k = 2;
    const base = name;
    while (session.some((s) => s.name === name)) name = `${base}-${k++}`;
    return name;
  }

  function listSession() {
    const { fmt, esc, T } = h;
    if (!session.length) { $("sc-session").innerHTML = `<p class="muted">${esc(T("Saved scenarios appear here."))}</p>`; return; }
    $("sc-session").innerHTML = `<table><tr><th>${esc(T("compare"))}</th><th>${esc(T("scenario"))}</th><th class="n">${esc(T("leave"))}</th><th class="n">${esc(T("join"))}</th><th class="n">${esc(T("net"))}</th><th></th></tr>` +
      session.map((s, i) => {
        const t = s.response.totals;
        return `<tr><td><input type="checkbox" data-cmp="${i}" aria-label="${esc(T("compare"))} ${esc(s.name)}"></td><td>${esc(s.name)}</td>` +
          `<td class="n">${fmt(t.left)}</td><td class="n">${fmt(t.joined)}</td><td class="n">${signed(s.response.within_after - s.response.within_before)}</td>` +
          `<td><button type="button" data-open="${i}">${esc(T("Open"))}</button> <button type="button" data-export="${i}">${esc(T("Export"))}</button></td></tr>`;
      }).join("") + `</table><button type="button" id="sc-compare">${esc(T("Compare the two ticked"))}</button><div id="sc-compare-out"></div>`;
    $("sc-compare").addEventListener("click", compare);
  }

  function compare() {
    const { fmt, esc, T } = h;
    const picks = [...document.querySelectorAll("#sc-session input[data-cmp]:checked")].map((e) => session[Number(e.dataset.cmp)]);
    if (picks.length !== 2) { $("sc-compare-out").innerHTML = `<p class="bad">${esc(T("Tick two scenarios."))}</p>`; return; }
    const [a, b] = picks;
    const bu = Object.fromEntries(b.response.scenario.map((u) => [u.unit_id, u]));
    const rows = a.response.scenario.filter((u) => u.residents > 0).map((u) => {
      const v = bu[u.unit_id];
      return `<tr><td>${esc(u.name || u.unit_id)}</td><td class="n">${fmt(u.within_scenario)}</td><td class="n">${fmt(v.within_scenario)}</td><td class="n">${signed(v.within_scenario - u.within_scenario)}</td></tr>`;
    }).join("");
    const ta = a.response.totals, tb = b.response.totals;
    $("sc-compare-out").innerHTML = `<table id="sc-compare-table"><caption class="muted">${esc(T("residents inside the circle"))}: ${esc(a.name)} / ${esc(b.name)}</caption>` +
      `<tr><th>${esc(T("unit"))}</th><th class="n">${esc(a.name)}</th><th class="n">${esc(b.name)}</th><th class="n">${esc(T("difference"))}</th></tr>${rows}` +
      `<tr><th>${esc(T("all"))}</th><th class="n">${fmt(ta.within_scenario)}</th><th class="n">${fmt(tb.within_scenario)}</th><th class="n">${signed(tb.within_scenario - ta.within_scenario)}</th></tr></table>`;
  }

  // The study-file scenario of a saved what-if, and its GeoJSON files.
  // Strings are JSON-quoted (valid YAML); numbers are JavaScript's shortest
  // round-trip form, read back to the same doubles.
  function exportFiles(i) {
    const s = session[i];
    const r = s.request;
    const q = JSON.stringify;
    const files = {};
    const lines = [`# A scenario drawn on the rescuegrid web map of ${window.rescuegrid.study?.study || "the study"}.`,
      "# Add it to the study file's scenarios list (the GeoJSON files beside it).", "scenarios:", `  - name: ${q(s.name)}`];
    if (r.close_areas) {
      const f = `${s.name}-close_areas.geojson`;
      files[f] = JSON.stringify(r.close_areas);
      lines.push(`    close_areas: ${q(f)}`);
    }
    if (r.close_ways) lines.push(`    close_ways: [${r.close_ways.join(", ")}]`);
    if (r.slow) {
      lines.push("    slow:");
      r.slow.forEach((sl, k) => {
        const f = `${s.name}-slow-${k + 1}.geojson`;
        files[f] = JSON.stringify(sl.area);
        lines.push(`      - area: ${q(f)}`, `        factor: ${sl.factor}`);
      });
    }
    if (r.remove) lines.push(`    bases_out: [${r.remove.map(q).join(", ")}]`);
    if (r.move) {
      lines.push("    bases_move:");
      for (const m of r.move) lines.push(`      - {id: ${q(m.id)}, lon: ${m.lon}, lat: ${m.lat}}`);
    }
    if (r.add) {
      lines.push("    bases_add:");
      for (const a of r.add) lines.push(`      - {id: ${q(a.id)}, lon: ${a.lon}, lat: ${a.lat}, team_size: ${a.team_size}}`);
    }
    if (r.team_size) lines.push(`    team_size: {${Object.entries(r.team_size).map(([k, v]) => `${q(k)}: ${v}`).join(", ")}}`);
    files[`${s.name}.yaml`] = lines.join("\n") + "\n";
    return files;
  }

  function download(files) {
    for (const [name, text] of Object.entries(files)) {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text], { type: name.endsWith(".yaml") ? "application/yaml" : "application/geo+json" }));
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
  }

  function open(i) {
    sc = JSON.parse(JSON.stringify(session[i].edit));
    sc.name = session[i].name;
    $("sc-name").value = session[i].name;
    run();
  }

  function init(m, helpers) {
    h = helpers;
    map = m;
    const { esc, T } = h;
    $("tools").innerHTML = `<h2>${esc(T("Scenario"))}</h2>
      <div id="sc-tools" role="toolbar" aria-label="${esc(T("scenario tools"))}">${tools.map(([k, label]) => `<button type="button" data-tool="${k}" aria-pressed="false"${k === "add" ? ' id="add-station"' : ""}>${esc(T(label))}</button>`).join(" ")}</div>
      <div class="row"><label class="muted">${esc(T("team size"))} <input id="team-size" class="num" type="number" min="1" max="500" value="20"></label>
      <label class="muted">${esc(T("slow factor"))} <input id="sc-factor" class="num" type="number" min="1.01" max="10" step="0.1" value="1.5"></label></div>
      <p id="sc-hint" class="muted" aria-live="polite"></p>
      <div id="sc-draw" hidden><button type="button" id="sc-finish">${esc(T("Finish the polygon"))}</button> <button type="button" id="sc-cancel">${esc(T("Cancel"))}</button></div>
      <div id="sc-edits"></div>
      <div id="whatif" aria-live="polite"></div>
      <div class="row"><label class="muted">${esc(T("name"))} <input id="sc-name" type="text" size="14" placeholder="flood-1"></label>
      <button type="button" id="sc-save">${esc(T("Save to the session"))}</button> <button type="button" id="sc-new">${esc(T("New scenario"))}</button></div>
      <h2>${esc(T("Scenarios of this session"))}</h2><div id="sc-session"></div>`;
    $("sc-tools").addEventListener("click", (e) => { const t = e.target.closest("button[data-tool]"); if (t) setTool(t.dataset.tool); });
    $("sc-edits").addEventListener("click", (e) => { const b = e.target.closest("button[data-undo]"); if (b) { undos[Number(b.dataset.undo)](); run(); } });
    $("sc-finish").addEventListener("click", finishPolygon);
    $("sc-cancel").addEventListener("click", () => { drawing = null; draft(); });
    $("sc-save").addEventListener("click", save);
    $("sc-new").addEventListener("click", () => { sc = blank(); $("sc-name").value = ""; run(); });
    $("sc-name").addEventListener("change", () => { sc.name = $("sc-name").value.trim(); });
    $("sc-session").addEventListener("click", (e) => {
      const ex = e.target.closest("button[data-export]");
      if (ex) download(exportFiles(Number(ex.dataset.export)));
      const op = e.target.closest("button[data-open]");
      if (op) open(Number(op.dataset.open));
    });
    map.on("dblclick", (e) => {
      if (drawing) { e.preventDefault(); finishPolygon(); }
    });
    map.getCanvas().addEventListener("keydown", (e) => {
      if (!drawing) return;
      if (e.key === "Escape") { drawing = null; draft(); }
      if (e.key === "Backspace") { drawing.pts.pop(); draft(); }
    });
    // Keyboard drawing: Enter on the map reads the centre (app.js); with a
    // drawing tool it also adds the centre as a corner, and F finishes.
    window.rescuegrid.onCenterRead = (c) => {
      const t = window.rescuegrid.tool;
      if (t === "close" || t === "slow") addVertex(t, [c.lng, c.lat]);
      else if (t === "add") click(map, { lngLat: c, point: map.project(c) });
    };
    map.getCanvas().addEventListener("keydown", (e) => { if ((e.key === "f" || e.key === "F") && drawing) finishPolygon(); });
    document.addEventListener("keydown", (e) => { if (e.key === "Enter" && drawing && e.target === document.body) finishPolygon(); });
    setTool(null);
    edits();
    listSession();
    Object.assign(window.rescuegrid, { scenario: { exportFiles, session, finishPolygon, request: () => lastRequest, setTool } });
  }

  window.rgScenario = { sources, init, click };
})();
