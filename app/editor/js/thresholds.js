// The confidence boxes of the toolbar: "Accept \u2265" (accept all) and "Show \u2265" (hide
// suggestions below it, kept, not rejected), one of each for entities and relations.
// Each box starts at the value the user typed for this project (localStorage, key
// "spanrel.thresholds:<project>"), else the active model's choice (the document's
// ``thresholds``, fitted on dev documents), else the built-in default. The one global filter of
// earlier versions ("spanrel.minShow", which hid entity and relation suggestions alike) is
// only read, as the fallback of both show boxes where the model chose nothing: it was typed
// before models chose values, so a calibrated model's choice wins over it.
/* global S, THRESHOLDS, h, setStatus, isSuggestion, isLive */
/* exported okThr, loadThresholds, thrBox, countText */

const okThr = (v) => typeof v === "number" && v >= 0 && v <= 1;
function thrKey() { return "spanrel.thresholds:" + (S.doc && typeof S.doc.project === "string" ? S.doc.project : ""); }
function typedThresholds() {
  try {
    const o = JSON.parse(localStorage.getItem(thrKey()) || "{}");
    return o && typeof o === "object" && !Array.isArray(o) ? o : {};
  } catch (e) { return {}; }
}
function thresholdDefault(kind, which, builtin) {
  const m = S.doc && S.doc.thresholds && S.doc.thresholds[kind];
  if (m && okThr(m[which])) return m[which];
  if (which === "show") {
    try {
      const v = parseFloat(localStorage.getItem("spanrel.minShow"));
      if (okThr(v)) return v;
    } catch (e) { /* no storage */ }
  }
  return builtin;
}
function loadThresholds() {
  const typed = typedThresholds();
  for (const [field, kind, which, builtin] of THRESHOLDS) {
    const t = typed[kind] && typed[kind][which];
    S[field] = okThr(t) ? t : thresholdDefault(kind, which, builtin);
  }
}
// remember (``v`` null: forget) what the user typed into one box, for this project
function saveThreshold(kind, which, v) {
  const typed = typedThresholds();
  const block = typed[kind] && typeof typed[kind] === "object" ? typed[kind] : (typed[kind] = {});
  if (v == null) delete block[which]; else block[which] = v;
  try { localStorage.setItem(thrKey(), JSON.stringify(typed)); } catch (e) { /* storage off: this page only */ }
}
function fmtThr(v) { return Math.abs(v * 100 - Math.round(v * 100)) < 1e-9 ? v.toFixed(2) : String(+v.toFixed(4)); }
// one box: a short kind label ("E" / "R") and the number; empty brings the default back
function thrBox(field, testid, what, onSet) {
  const [, kind, which] = THRESHOLDS.find((t) => t[0] === field);
  const wrap = h("label", "sr-pair");
  const tag = h("span", "sr-kind", kind === "entity" ? "E" : "R");
  const box = h("input", "sr-thr");
  box.type = "number"; box.min = "0"; box.max = "1"; box.step = "0.05"; box.value = fmtThr(S[field]);
  box.setAttribute("data-testid", testid);
  box.setAttribute("aria-label", what);
  box.title = tag.title = what + " (kept for this project; empty: the model's default)";
  box.addEventListener("change", () => {
    if (box.value.trim() === "") {
      saveThreshold(kind, which, null);
      loadThresholds();
      box.value = fmtThr(S[field]);
    } else {
      const v = parseFloat(box.value);
      if (!okThr(v)) {
        // a filter acts at once: back to the value in force; accept all checks its box itself
        if (which === "show") { setStatus("the filter must be between 0 and 1", "err"); box.value = fmtThr(S[field]); }
        else setStatus("threshold must be between 0 and 1", "err");
        return;
      }
      S[field] = v;
      saveThreshold(kind, which, v);
    }
    onSet();
  });
  wrap.append(tag, box);
  return wrap;
}
function countText() {
  const sugg = [...S.ents.values(), ...S.rels.values()].filter(isSuggestion);
  const nSugg = sugg.length, nHidden = sugg.filter((a) => !isLive(a)).length;
  return nSugg ? nSugg + " suggestion" + (nSugg > 1 ? "s" : "") + (nHidden ? " (" + nHidden + " hidden)" : "") : "";
}

