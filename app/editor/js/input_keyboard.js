// The keyboard, on the focused editor: Ctrl+Z / Ctrl+Y, Escape, Tab review, the relation pass
// key, digits in the relation chooser, and on a selected entity or relation: Delete, Enter,
// arrows (resize), the fragment key and type keys (retype); with nothing selected a type key
// chooses the type for new entities (and makes one from a selection made with the keyboard).
/* global S, toolbar, send, setStatus, closePop, cancelFragMode, startFragMode, resize,
   suggestRelations, openSuggestions, stepSuggestion, selectedKey, reviewAndAdvance, isSuggestion,
   allowedRelations, refreshTypeButtons, selectionOffsets, roleArc, groupArc, argType, isEventType */

root.addEventListener("keydown", (ev) => {
  if (!S.doc) return;
  const tag = (ev.target.tagName || "").toLowerCase();
  if (tag === "input" || tag === "textarea" || tag === "select") return;
  if (tag === "button" && (ev.key === "Enter" || ev.key === " ")) return;
  const k = ev.key;
  const mod = ev.ctrlKey || ev.metaKey;
  let handled = true;
  const lower = k.toLowerCase(), keys = S.config.keys;
  if (mod && lower === keys.undo && !ev.shiftKey) send("undo", {});
  else if (mod && (lower === keys.redo || (lower === keys.undo && ev.shiftKey))) send("redo", {});
  else if (k === "Escape") { S.reviewing = false; if (S.fragMode) cancelFragMode(); else closePop(); }
  // Tab / Shift+Tab: next / previous open suggestion, while there is one (otherwise Tab
  // moves the focus as usual); not from the toolbar, whose buttons Tab walks through
  else if (k === "Tab" && !mod && !ev.altKey && !S.chooser && !toolbar.contains(ev.target) && openSuggestions().length) stepSuggestion(ev.shiftKey ? -1 : 1, selectedKey());
  else if (mod || ev.altKey) handled = false;
  else if (k === S.config.keys.suggest_relations) suggestRelations(false);
  else if (S.chooser && /^[1-9]$/.test(k)) {
    const option = S.chooser.options[+k - 1];
    if (option) { option.run(); closePop(); }
  } else if (S.chooser && S.schema.relKeyToType.has(lower)) {
    // a relation type's own key picks it among the offered relation types
    const option = S.chooser.options.find((o) => o.relation === S.schema.relKeyToType.get(lower));
    if (option) { option.run(); closePop(); } else handled = false;
  } else if (S.selected && S.selected.kind === "group") {
    const arc = groupArc(S.selected.id);
    if (arc && (k === "Delete" || k === "Backspace")) send("delete_group", { group_id: arc.equiv });
    else handled = false;
  } else if (S.selected && S.selected.kind === "role") {
    const arc = roleArc(S.selected.id);
    if (arc && (k === "Delete" || k === "Backspace")) send("delete_argument", { event_id: arc.event, role: arc.role });
    else handled = false;
  } else if (S.selected && S.selected.kind === "entity" && !S.chooser) {
    const e = S.ents.get(S.selected.id);
    const trig = e && S.eventOfTrigger.get(e.id);
    if (!e) handled = false;
    else if (trig && (k === "Delete" || k === "Backspace")) send("delete_event", { event_id: trig.id });
    else if (k === "Delete" || k === "Backspace") isSuggestion(e) ? reviewAndAdvance("reject", e, "entity") : send("delete_entity", { entity_id: e.id });
    else if (k === "Enter" && isSuggestion(e)) reviewAndAdvance("accept", e, "entity");
    else if (k === "ArrowLeft" || k === "ArrowRight") resize(e, ev.shiftKey ? "start" : "end", k === "ArrowLeft" ? -1 : 1);
    else if (k === S.config.keys.add_fragment) (S.fragMode === e.id ? cancelFragMode() : startFragMode(e));
    else if (S.schema.keyToType.has(k.toLowerCase()) && k.length === 1) {
      const t = S.schema.keyToType.get(k.toLowerCase());
      // a trigger takes event types, another entity entity types (as the popup offers)
      if (t !== e.type && isEventType(S.schema, t) === !!trig) send("change_entity", { entity_id: e.id, type: t });
    } else handled = false;
  } else if (S.selected && S.selected.kind === "relation") {
    const r = S.rels.get(S.selected.id);
    if (!r) handled = false;
    else if (k === "Delete" || k === "Backspace") isSuggestion(r) ? reviewAndAdvance("reject", r, "relation") : send("delete_relation", { relation_id: r.id });
    else if (k === "Enter" && isSuggestion(r)) reviewAndAdvance("accept", r, "relation");
    else if (/^[1-9]$/.test(k) || S.schema.relKeyToType.has(lower)) {
      const t1 = argType(r.arg1), t2 = argType(r.arg2);
      const offered = t1 && t2 ? allowedRelations(S.schema, t1, t2) : [];
      const t = /^[1-9]$/.test(k) ? offered[+k - 1] : offered.find((n) => n === S.schema.relKeyToType.get(lower));
      if (t && t !== r.type) send("change_relation", { relation_id: r.id, type: t });
    } else handled = false;
  } else if (k.length === 1 && S.schema.keyToType.has(k.toLowerCase())) {
    S.curType = S.schema.keyToType.get(k.toLowerCase());
    refreshTypeButtons();
    const off = selectionOffsets(false);
    if (off) { window.getSelection().removeAllRanges(); send(isEventType(S.schema, S.curType) ? "add_event" : "add_entity", { type: S.curType, fragments: [off] }); }
    else setStatus((isEventType(S.schema, S.curType) ? "new events: " : "new entities: ") + S.curType);
  } else handled = false;
  if (handled) { ev.preventDefault(); ev.stopPropagation(); }
});
