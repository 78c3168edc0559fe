// rescuegrid web map: the interface language (en, zh-CN). Messages come
// from the server's catalogue (GET i18n/{lang}.json: internal/i18n, keys
// webmap.* and term.*); t(english) looks up "webmap." + the English text
// with runs of other characters as "_", and falls back to the English.
// The language is ?lang=, else the last one picked, else the browser's.
"use strict";

(function () {
  const params = new URLSearchParams(location.search);
  let pick = params.get("lang") || "";
  try { pick = pick || localStorage.getItem("rescuegrid.lang") || ""; } catch (e) { /* storage off */ }
  pick = pick || navigator.language || "en";
  const lang = pick.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  document.documentElement.lang = lang;
  let msgs = {};
  const key = (s) => "webmap." + String(s).replace(/[^A-Za-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  const ready = fetch(`i18n/${lang}.json`).then((r) => (r.ok ? r.json() : {})).then((m) => { msgs = m; }).catch(() => {});

  // t(english) -> the message in the page's language.
  const t = (s) => msgs[key(s)] ?? s;
  // term(name, {placeholder: value}) -> a planner's term (term.* keys).
  const term = (name, args = {}, fallback = "") => {
    let m = msgs["term." + name] ?? fallback;
    for (const [k, v] of Object.entries(args)) m = m.replaceAll(`{${k}}`, v);
    return m;
  };

  // picker(slot): a language select; a change reloads the page in it.
  function picker(slot) {
    const sel = document.createElement("select");
    sel.id = "lang";
    sel.setAttribute("aria-label", t("Language"));
    for (const [v, label] of [["en", "English"], ["zh-CN", "简体中文"]]) {
      const o = document.createElement("option");
      o.value = v;
      o.textContent = label;
      o.selected = v === lang;
      sel.appendChild(o);
    }
    sel.addEventListener("change", () => {
      try { localStorage.setItem("rescuegrid.lang", sel.value); } catch (e) { /* storage off */ }
      const u = new URL(location.href);
      u.searchParams.set("lang", sel.value);
      location.href = u.href;
    });
    slot.appendChild(sel);
  }

  window.rgI18n = { lang, t, term, ready, picker, key };
})();
