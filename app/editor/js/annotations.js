// What the page shows of one annotation: whether it is drawn, its label and tooltip text, the
// lines of its attributes, normalizations and notes.
/* global S, roleArc, groupArc */
/* exported fmtConf, isLive, isSuggestion, selectedAnn, attrLine, normLine, marked,
   extraTip, entText */

function fmtConf(c) { return typeof c === "number" ? c.toFixed(2) : ""; }
// drawn: not rejected, and not a suggestion below the "Show \u2265" confidence filter of its
// kind (a relation has arguments)
function isLive(a) {
  if (!S.showRejected && a.review === "rejected") return false;
  const floor = "arg1" in a ? S.minShowRel : S.minShow;
  return !(isSuggestion(a) && typeof a.confidence === "number" && a.confidence < floor);
}
function isSuggestion(a) { return a.review === "suggested"; }
// the selected entity or relation as the page has it now (undefined when gone)
function selectedAnn() {
  if (!S.selected) return undefined;
  if (S.selected.kind === "role") return roleArc(S.selected.id);
  if (S.selected.kind === "group") return groupArc(S.selected.id);
  return (S.selected.kind === "entity" ? S.ents : S.rels).get(S.selected.id);
}
// attributes, normalizations and notes of an annotation: titled groups of lines (label
// marker, tooltip); the popup edits attributes and notes and shows normalizations
function attrLine(at) { return at.value != null ? at.name + " = " + at.value : at.name; }
function normLine(n) { return n.ref + (n.text ? " (" + n.text + ")" : ""); }
function extraGroups(a) {
  return [
    ["Attributes", (a.attributes || []).map(attrLine)],
    ["Normalizations", (a.norms || []).map(normLine)],
    ["Notes", (a.notes || []).map((n) => n.text)],
  ].filter(([, items]) => items.length);
}
function extraLines(a) {
  return extraGroups(a).flatMap(([title, items]) => title === "Notes" ? items.map((n) => "\u201C" + n + "\u201D") : items);
}
function marked(a, label) { return extraLines(a).length ? label + " *" : label; }
function extraTip(a) { const l = extraLines(a); return l.length ? "\n" + l.join("\n") : ""; }
function entText(e) {
  const t = S.doc.text;
  const str = e.fragments.map((f) => t.slice(f[0], f[1])).join(" \u2026 ");
  return str.length > 60 ? str.slice(0, 57) + "\u2026" : str;
}
