// The order in which Tab / Shift+Tab walk through open suggestions: reading order, an entity by
// its start (then end), a relation right after the later of its two arguments; ids break ties
// so the order is stable. Pure functions of the annotations, so tests/js runs them in node.
/* global module */
/* exported orderKey, cmpKey, openSuggestionsOf, nextSuggestion */

// ``ents``: the document's entities by id (a relation is placed by its arguments)
function orderKey(kind, a, ents) {
  if (kind === "entity") return [a.fragments[0][0], 0, a.fragments[a.fragments.length - 1][1], a.id];
  const e1 = ents.get(a.arg1), e2 = ents.get(a.arg2);
  return [Math.max(e1 ? e1.fragments[0][0] : 0, e2 ? e2.fragments[0][0] : 0), 1, 0, a.id];
}

function cmpKey(x, y) {
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

// the open suggestions that are shown (``isLive``), in review order: [{kind, id, key}]; a
// relation only while both its arguments are shown
function openSuggestionsOf(ents, rels, isLive) {
  const items = [];
  const shown = (a) => a.review === "suggested" && isLive(a);
  for (const e of ents.values()) if (shown(e)) items.push({ kind: "entity", id: e.id, key: orderKey("entity", e, ents) });
  for (const r of rels.values()) {
    const e1 = ents.get(r.arg1), e2 = ents.get(r.arg2);
    if (shown(r) && e1 && e2 && isLive(e1) && isLive(e2)) items.push({ kind: "relation", id: r.id, key: orderKey("relation", r, ents) });
  }
  return items.sort((a, b) => cmpKey(a.key, b.key));
}

// the item after (dir 1) or before (dir -1) the order key ``from``, wrapping round; the first
// (or last) without ``from``; undefined when there are none
function nextSuggestion(items, dir, from) {
  let pick = dir > 0 ? items[0] : items[items.length - 1];
  if (from) {
    const after = dir > 0 ? items.find((it) => cmpKey(it.key, from) > 0) : [...items].reverse().find((it) => cmpKey(it.key, from) < 0);
    if (after) pick = after;
  }
  return pick;
}

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") module.exports = { orderKey, cmpKey, openSuggestionsOf, nextSuggestion };
