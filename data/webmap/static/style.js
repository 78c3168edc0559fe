// rescuegrid web map: colour classes and map styles (no DOM, no network).
// The travel-time classes are the report's (data/report/svgmap.go: bands
// and bandOf), so that a colour means the same minutes in both.
"use strict";

(function () {
  // ColorBrewer RdYlGn greens inside the circle, oranges/reds outside.
  const greens = ["#1a9850", "#66bd63", "#a6d96a", "#d9ef8b"];
  const colorOver = "#fdae61";
  const colorFar = "#e0452f";
  const colorUnreached = "#8e0a26";
  const colorNoRoad = "#d4d4d4";
  const num = (m) => String(Number(m.toFixed(6)));

  // bands(target, isoMinutes) -> the report's legend classes: the inside of
  // the circle split at the standard's isochrone minutes, then target to
  // 2×target, beyond, not reached, no road access. upper is in seconds and
  // inclusive (a cell of exactly 15:00 is inside a 15-minute circle).
  function bands(target, isoMinutes) {
    let edges = (isoMinutes || []).filter((m) => m > 0 && m < target);
    edges.push(target);
    if (edges.length > greens.length) edges = edges.slice(edges.length - greens.length);
    const out = [];
    let lo = 0;
    edges.forEach((e, i) => {
      let c = greens[Math.floor((i * (greens.length - 1)) / Math.max(1, edges.length - 1))];
      if (edges.length === 1) c = greens[1];
      out.push({ key: "b" + i, label: `${num(lo)}–${num(e)} min`, lo, hi: e, color: c, inside: true, upper: e * 60 });
      lo = e;
    });
    out.push(
      { key: "over", label: `${num(target)}–${num(2 * target)} min`, lo: target, hi: 2 * target, color: colorOver, upper: 2 * target * 60 },
      { key: "far", label: `over ${num(2 * target)} min`, lo: 2 * target, color: colorFar, upper: Infinity },
      { key: "unreached", label: "not reached", color: colorUnreached },
      { key: "noroad", label: "no road access", color: colorNoRoad, hatch: true },
    );
    return out;
  }

  // bandOf(bs, {seconds, noRoad}) -> index of a cell's class (report's bandOf).
  function bandOf(bs, c) {
    const n = bs.length;
    if (c.noRoad) return n - 1;
    if (c.seconds == null || !Number.isFinite(c.seconds)) return n - 2;
    for (let i = 0; i < n - 2; i++) if (c.seconds <= bs[i].upper) return i;
    return n - 3;
  }

  // cellColor(bs) -> a MapLibre expression giving a cells-tile feature its
  // class colour: all its study cells without road access -> no road; no
  // seconds (no base reaches it) -> not reached; else by seconds.
  function cellColor(bs) {
    const n = bs.length;
    const e = ["case",
      ["==", ["get", "no_road_cells"], ["get", "cells"]], bs[n - 1].color,
      ["!", ["has", "seconds"]], bs[n - 2].color];
    for (let i = 0; i < n - 3; i++) e.push(["<=", ["get", "seconds"], bs[i].upper], bs[i].color);
    e.push(bs[n - 3].color);
    return e;
  }

  // Fonts: the style has no "glyphs" URL, so MapLibre GL JS (>= 5.11) draws
  // every label glyph in the browser with TinySDF from the fonts installed
  // there, using text-font as the CSS font-family list. Nothing is fetched.
  // CJK families are in the list so Chinese names use a CJK face when one
  // is installed (and the map's localIdeographFontFamily covers the
  // default stack).
  const fontStack = ["Noto Sans", "DejaVu Sans", "Arial", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC"];
  const ideographFamily = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif";

  // label(lang) -> the name to show: name:<lang> when tagged, else name.
  function label(lang) {
    const key = lang && lang.startsWith("zh") ? "name_zh" : lang === "en" ? "name_en" : null;
    return key ? ["coalesce", ["get", key], ["get", "name"]] : ["get", "name"];
  }

  // A quiet base map: light greys and muted tints, so that the analysis
  // colours stay the loudest thing on the map. Returns {below, labels}:
  // layers drawn under the study's layers, and the label layers on top.
  function basemapLayers(src, lang) {
    const L = (id, type, layer, extra) => ({ id, type, source: src, "source-layer": layer, ...extra });
    // Road widths by class and zoom (pixels): main roads, then the rest.
    const major3 = ["motorway", "trunk", "primary"];
    const roadWidth = (major, minor) => ["interpolate", ["exponential", 1.6], ["zoom"],
      8, ["match", ["get", "class"], major3, major * 0.5, minor * 0.3],
      12, ["match", ["get", "class"], major3, major, ["secondary", "tertiary"], major * 0.8, minor],
      16, ["match", ["get", "class"], major3, major * 4, ["secondary", "tertiary"], major * 3.2, minor * 3.5]];
    const below = [
      L("bm-landuse", "fill", "landuse", { paint: { "fill-color": ["match", ["get", "class"],
        ["forest", "scrub"], "#dfe6d6", ["grass", "park", "farmland"], "#e7ecdf", ["residential"], "#ecebe7",
        ["commercial", "industrial", "military"], "#e9e6e3", ["cemetery"], "#e2e6de", ["wetland"], "#e1e9e8", ["rock"], "#eae8e3", "#ecebe7"],
      "fill-opacity": 0.9 } }),
      L("bm-water", "fill", "water", { paint: { "fill-color": "#c6d9e6" } }),
      L("bm-waterways", "line", "waterways", { paint: {
        "line-color": ["match", ["get", "class"], "coastline", "#9fb8c8", "#b4cddd"],
        "line-width": ["interpolate", ["linear"], ["zoom"], 8, ["match", ["get", "class"], "river", 0.8, 0.4], 14, ["match", ["get", "class"], "river", 3, "stream", 1, 1.5]] } }),
      L("bm-buildings", "fill", "buildings", { minzoom: 13, paint: { "fill-color": "#dedbd5", "fill-outline-color": "#cdc9c1" } }),
      L("bm-roads-casing", "line", "roads", { filter: ["!=", ["get", "class"], "path"],
        layout: { "line-join": "round", "line-cap": "round" },
        paint: { "line-color": "#bfbcb4", "line-width": roadWidth(1.6, 0.9), "line-gap-width": 0 } }),
      L("bm-roads", "line", "roads", { filter: ["!=", ["get", "class"], "path"],
        layout: { "line-join": "round", "line-cap": "round" },
        paint: {
          "line-color": ["match", ["get", "class"], ["motorway", "trunk"], "#f3ead2", "primary", "#f7f1df", "#ffffff"],
          "line-width": roadWidth(1.1, 0.6),
        } }),
      L("bm-paths", "line", "roads", { filter: ["==", ["get", "class"], "path"],
        paint: { "line-color": "#b9b4a8", "line-width": ["interpolate", ["linear"], ["zoom"], 14, 0.6, 18, 1.5], "line-dasharray": [2, 1.5] } }),
    ];
    const text = { "text-font": fontStack, "text-field": label(lang) };
    const labels = [
      L("bm-road-labels", "symbol", "roads", { minzoom: 13, filter: ["has", "name"],
        layout: { ...text, "symbol-placement": "line", "text-size": ["interpolate", ["linear"], ["zoom"], 13, 10, 17, 13], "text-max-angle": 30, "symbol-spacing": 300 },
        paint: { "text-color": "#4a4f55", "text-halo-color": "#ffffff", "text-halo-width": 1.6 } }),
      L("bm-place-labels", "symbol", "places", {
        layout: { ...text, "text-size": ["match", ["get", "class"], "city", 16, "town", 14, ["village", "suburb"], 12.5, 11.5],
          "symbol-sort-key": ["get", "rank"], "text-padding": 4, "text-max-width": 8 },
        paint: { "text-color": "#22272d", "text-halo-color": "rgba(255,255,255,0.92)", "text-halo-width": 2 } }),
    ];
    return { below, labels };
  }

  window.rgStyle = { bands, bandOf, cellColor, basemapLayers, fontStack, ideographFamily, label };
})();
