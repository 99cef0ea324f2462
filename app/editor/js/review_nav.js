// Reviewing with the keyboard: Tab / Shift+Tab select the next / previous open suggestion (in
// review.js's order), Enter / Del answer it and, once the page has the answer, go on to the next.
/* global S, setStatus, setFragMode, selectEntity, selectRelation, placePop, selectedAnn, send,
   isLive, orderKey, openSuggestionsOf, nextSuggestion */
/* exported openSuggestions, selectedKey, stepSuggestion, reviewAndAdvance */

function openSuggestions() { return openSuggestionsOf(S.ents, S.rels, isLive); }
function selectedKey() {
  const a = selectedAnn();
  return a ? orderKey(S.selected.kind, a, S.ents) : null;
}
// select the next (dir 1) or previous (dir -1) open suggestion after ``from`` (wrapping);
// false when there is none
function stepSuggestion(dir, from, quiet) {
  const items = openSuggestions();
  if (!items.length) { if (!quiet) setStatus("no open suggestions"); return false; }
  const pick = nextSuggestion(items, dir, from);
  setFragMode(null);
  S.reviewing = true;
  (pick.kind === "entity" ? selectEntity : selectRelation)(pick.id);
  const el = (pick.kind === "entity" ? S.byEid : S.byRid).get(pick.id)?.[0];
  if (el) el.scrollIntoView({ block: "nearest" });
  placePop();
  if (!quiet) setStatus(items.length + " open suggestion(s) \u00B7 Enter accepts, Del rejects, Tab skips");
  return true;
}
// Enter / Del on a suggestion reached with Tab: once the page has the answer, go on to the
// next one (after a click they only answer, as before)
function reviewAndAdvance(kind, a, itemKind) {
  S.advanceFrom = S.reviewing ? orderKey(itemKind, a, S.ents) : null;
  send(kind, { ann_id: a.id });
}
