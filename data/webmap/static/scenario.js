// rescuegrid web map: the what-if tools. The "add station" tool asks
// /api/whatif what a new base at the clicked spot would bring inside the
// circle, per unit, and draws its isochrone.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let h; // helpers from app.js: getJSON, fmt, pct, esc, T, minutes

  const empty = () => ({ type: "FeatureCollection", features: [] });

  function sources() {
    return {
      sources: { candidate: { type: "geojson", data: empty() }, "candidate-iso": { type: "geojson", data: empty() } },
      layers: [
        { id: "candidate-iso", type: "line", source: "candidate-iso", paint: { "line-color": "#1b7f3b", "line-width": 2 } },
        { id: "candidate", type: "circle", source: "candidate", paint: { "circle-radius": 8, "circle-color": "#1b7f3b", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } },
      ],
    };
  }

  async function addStation(map, lngLat) {
    const { getJSON, fmt, pct, esc } = h;
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

  function init(map, helpers) {
    h = helpers;
    $("add-station").addEventListener("click", () => {
      const on = window.rescuegrid.tool !== "add";
      window.rescuegrid.tool = on ? "add" : null;
      $("add-station").setAttribute("aria-pressed", String(on));
      $("add-station").textContent = "Add station: " + (on ? "on (click the map)" : "off");
      map.getCanvas().classList.toggle("adding", on);
    });
  }

  function click(map, e) {
    if (window.rescuegrid.tool === "add") addStation(map, e.lngLat);
  }

  window.rgScenario = { sources, init, click };
})();
