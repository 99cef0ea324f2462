// The selection and its popup: an entity's (accept/reject a suggestion, retype, resize,
// fragments, attributes and notes, delete), a relation's (accept/reject, retype among the types
// its arguments allow, attributes and notes, delete), and the chooser of a new relation's type
// after a click on a second entity.
/* global S, docEl, pop, scroll, h, button, send, setFragMode, entText, fmtConf, isSuggestion,
   allowedRelations, resize, fragmentSection, extraSection, eventSection, eventRoles, anchorId,
   argType, argOf */
/* exported applySelection, closePop, placePop, selectEntity, selectRelation, openChooser,
   popTitle */

function applySelection() {
  for (const el of docEl.querySelectorAll(".sr-selected")) el.classList.remove("sr-selected");
  if (!S.selected) return;
  const map = S.selected.kind === "entity" ? S.byEid : S.byRid;
  for (const el of map.get(S.selected.id) || []) el.classList.add("sr-selected");
  if (S.chooser) for (const el of S.byEid.get(S.chooser.b) || []) el.classList.add("sr-selected");
}
function closePop() {
  setFragMode(null);
  S.selected = null; S.chooser = null;
  pop.hidden = true;
  pop.replaceChildren();
  applySelection();
}
// The popup is fixed to the viewport, outside the text's scroll box (which would clip it): below
// the entity's row (a relation's label), or above the anchor when the viewport has no room
// below, moved left to fit, and never taller than the viewport (it scrolls inside instead).
// Hidden while its anchor is scrolled out of the box, and placed again on every scroll.
const POP_MARGIN = 8;
function placePop() {
  if (pop.hidden || !S.selected) return;
  const map = S.selected.kind === "entity" ? S.byEid : S.byRid;
  const id = S.chooser ? S.chooser.b : S.selected.id;
  const els = (S.selected.kind === "entity" || S.chooser ? S.byEid : map).get(id) || [];
  const anchor = els.find((el) => el.classList.contains("sr-label") || el.classList.contains("sr-arc")) || els[0];
  if (!anchor) { closePop(); return; }
  const sr = scroll.getBoundingClientRect();
  const ar = (anchor.classList.contains("sr-arc") ? anchor.querySelector(".sr-arclabel") : anchor).getBoundingClientRect();
  const rr = anchor.closest(".sr-row").getBoundingClientRect();
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const out = ar.bottom < Math.max(sr.top, 0) || ar.top > Math.min(sr.bottom, vh) ||
    ar.right < Math.max(sr.left, 0) || ar.left > Math.min(sr.right, vw);
  pop.style.visibility = out ? "hidden" : "";
  pop.style.maxHeight = (vh - 2 * POP_MARGIN) + "px";
  const w = pop.offsetWidth, ph = pop.offsetHeight;
  const below = (S.selected.kind === "entity" || S.chooser ? rr.bottom : ar.bottom) + 4;
  const above = ar.top - 4 - ph;
  let top = below;
  if (below + ph > vh - POP_MARGIN) top = above >= POP_MARGIN ? above : vh - POP_MARGIN - ph;
  top = Math.max(POP_MARGIN, top);
  const left = Math.max(POP_MARGIN, Math.min(ar.left, vw - w - POP_MARGIN));
  pop.style.left = left + "px";
  pop.style.top = top + "px";
  // a transformed ancestor would make "fixed" relative to itself: correct by what was measured
  const got = pop.getBoundingClientRect();
  if (Math.abs(got.left - left) > 0.5 || Math.abs(got.top - top) > 0.5) {
    pop.style.left = (2 * left - got.left) + "px";
    pop.style.top = (2 * top - got.top) + "px";
  }
}
// any scroll (the text's box, the page, a Gradio column) or resize moves the anchor
window.addEventListener("scroll", () => { if (root.isConnected) placePop(); }, { capture: true, passive: true });
window.addEventListener("resize", () => { if (root.isConnected) placePop(); }, { passive: true });
function popTitle(main, sub) {
  const t = h("div", "sr-poptitle");
  t.appendChild(h("span", "sr-popmain", main));
  if (sub) t.appendChild(h("span", "sr-popsub", sub));
  return t;
}
function typeButtons(names, current, onPick, prefix, keyOffset) {
  const wrap = h("div", "sr-popbtns");
  names.forEach((name, i) => {
    const info = S.schema.types.get(name) || S.schema.relTypes.get(name);
    const k = i + (keyOffset || 0);
    const key = prefix === "sr-rel-type-" ? (k < 9 ? String(k + 1) : null) : info && info.key;
    // a relation type with a key of its own (kb_shortcuts.conf) answers to it as well
    const own = prefix === "sr-rel-type-" && info && info.key ? info.key : null;
    const title = name + (key || own ? " (key " + [key, own].filter(Boolean).join(" or ") + ")" : "");
    const b = button("", prefix + (info ? info.index : i), title, () => onPick(name),
      "sr-typebtn" + (name === current ? " sr-on" : ""));
    b.dataset.type = name;
    const sw = h("span", "sr-swatch");
    sw.style.background = info ? info.color : "#999";
    b.append(sw, h("span", "sr-tname", name));
    if (key) b.appendChild(h("kbd", null, key));
    if (own) b.appendChild(h("kbd", null, own));
    wrap.appendChild(b);
  });
  return wrap;
}
function selectEntity(id) {
  const e = S.ents.get(id);
  if (!e) return;
  if (S.fragMode && S.fragMode !== id) setFragMode(null);
  S.selected = { kind: "entity", id: id }; S.chooser = null;
  pop.replaceChildren();
  pop.setAttribute("aria-label", "Entity " + e.id);
  pop.dataset.kind = "entity";
  pop.appendChild(popTitle(e.type + " \u00B7 " + e.id, "\u201C" + entText(e) + "\u201D" +
    (e.confidence != null ? " \u00B7 " + (e.review || e.source) + " " + fmtConf(e.confidence) : "")));
  if (isSuggestion(e)) {
    const row = h("div", "sr-poprow");
    row.append(button("\u2713 Accept", "sr-accept", "Accept this suggestion (Enter)", () => send("accept", { ann_id: e.id }), "sr-primary"),
      button("\u2717 Reject", "sr-reject", "Reject this suggestion (Delete)", () => send("reject", { ann_id: e.id })));
    pop.appendChild(row);
  }
  // a trigger takes event types (retyping it retypes its event), any other entity the rest
  const ev = S.eventOfTrigger.get(e.id);
  const kinds = [...S.schema.types.values()].filter((t) => !!t.event === !!ev && (!t.hidden || t.name === e.type)).map((t) => t.name);
  pop.appendChild(h("div", "sr-poplabel", ev ? "Event type" : "Type"));
  pop.appendChild(typeButtons(kinds, e.type, (t) => t !== e.type && send("change_entity", { entity_id: e.id, type: t }), "sr-retype-"));
  if (ev) pop.appendChild(eventSection(ev));
  pop.appendChild(h("div", "sr-poplabel", "Extent"));
  const rs = h("div", "sr-poprow");
  rs.append(
    button("\u25C0 start", "sr-start-left", "Move start one word left (Shift+\u2190)", () => resize(e, "start", -1)),
    button("start \u25B6", "sr-start-right", "Move start one word right (Shift+\u2192)", () => resize(e, "start", 1)),
    button("\u25C0 end", "sr-end-left", "Move end one word left (\u2190)", () => resize(e, "end", -1)),
    button("end \u25B6", "sr-end-right", "Move end one word right (\u2192)", () => resize(e, "end", 1)),
  );
  pop.appendChild(rs);
  pop.appendChild(fragmentSection(e));
  if (!ev) {  // an event's attributes and notes are its own (eventSection), not its trigger's
    pop.appendChild(extraSection(e, "entity"));
    const last = h("div", "sr-poprow");
    last.append(button("Delete", "sr-delete", "Delete this entity and its relations (Delete)", () => send("delete_entity", { entity_id: e.id }), "sr-danger"));
    last.appendChild(h("span", "sr-hint", "click another entity to link it"));
    pop.appendChild(last);
  }
  pop.hidden = false;
  applySelection();
  placePop();
}
function selectRelation(id) {
  const r = S.rels.get(id);
  if (!r) return;
  S.selected = { kind: "relation", id: id }; S.chooser = null;
  const e1 = S.ents.get(anchorId(r.arg1)), e2 = S.ents.get(anchorId(r.arg2));
  pop.replaceChildren();
  pop.dataset.kind = "relation";
  pop.setAttribute("aria-label", "Relation " + r.id);
  pop.appendChild(popTitle(r.type + " \u00B7 " + r.id, (e1 ? entText(e1) : r.arg1) + " \u2192 " + (e2 ? entText(e2) : r.arg2) +
    (r.confidence != null ? " \u00B7 " + (r.review || r.source) + " " + fmtConf(r.confidence) : "")));
  if (isSuggestion(r)) {
    const row = h("div", "sr-poprow");
    row.append(button("\u2713 Accept", "sr-accept", "Accept this suggestion (Enter)", () => send("accept", { ann_id: r.id }), "sr-primary"),
      button("\u2717 Reject", "sr-reject", "Reject this suggestion (Delete)", () => send("reject", { ann_id: r.id })));
    pop.appendChild(row);
  }
  const t1 = argType(r.arg1), t2 = argType(r.arg2);
  const allowed = t1 && t2 ? allowedRelations(S.schema, t1, t2) : [];
  pop.appendChild(h("div", "sr-poplabel", "Type"));
  pop.appendChild(typeButtons(allowed, r.type, (t) => t !== r.type && send("change_relation", { relation_id: r.id, type: t }), "sr-rel-type-"));
  pop.appendChild(extraSection(r, "relation"));
  const last = h("div", "sr-poprow");
  last.append(button("Delete", "sr-delete", "Delete this relation (Delete)", () => send("delete_relation", { relation_id: r.id }), "sr-danger"));
  pop.appendChild(last);
  pop.hidden = false;
  applySelection();
  placePop();
}
// after a click on a second entity: what the first can become with it. A first entity that is
// an event's trigger offers the roles its event type gives the second (an argument), and
// both offer the relation types the schema allows between them; a trigger stands for its
// event as a relation argument too. Digits pick the options in order.
function openChooser(aId, bId) {
  const a = S.ents.get(aId), b = S.ents.get(bId);
  setFragMode(null);
  const ev = S.eventOfTrigger.get(aId);
  const A = argOf(aId), B = argOf(bId);
  const roles = ev && B !== ev.id ? eventRoles(S.schema, ev.type, argType(B)) : [];
  const allowed = allowedRelations(S.schema, argType(A), argType(B));
  // an equivalence type (brat's Equiv) links the two into one group instead of a pair
  const link = (t) => send((S.schema.relTypes.get(t) || {}).equivalence ? "add_equivalence" : "add_relation", { type: t, arg1: A, arg2: B });
  const options = roles.map((role) => ({ label: role, run: () => send("add_argument", { event_id: ev.id, role: role, target: B }) }))
    .concat(allowed.map((t) => ({ label: t, relation: t, run: () => link(t) })));
  S.selected = { kind: "entity", id: aId }; S.chooser = { a: aId, b: bId, options: options };
  pop.replaceChildren();
  pop.dataset.kind = "chooser";
  pop.setAttribute("aria-label", roles.length ? "New argument or relation" : "New relation");
  pop.appendChild(popTitle(roles.length ? "New argument or relation" : "New relation",
    a.type + " “" + entText(a) + "” → " + b.type + " “" + entText(b) + "”"));
  if (roles.length) {
    pop.appendChild(h("div", "sr-poplabel", "Argument of " + ev.type + " " + ev.id));
    const wrap = h("div", "sr-popbtns");
    roles.forEach((role, i) => {
      const btn = button(role, "sr-add-role-" + role, "Add as the event's " + role + (i < 9 ? " (key " + (i + 1) + ")" : ""), () => { options[i].run(); closePop(); }, "sr-typebtn");
      btn.dataset.role = role;
      if (i < 9) btn.appendChild(h("kbd", null, String(i + 1)));
      wrap.appendChild(btn);
    });
    pop.appendChild(wrap);
  }
  if (allowed.length) {
    if (roles.length) pop.appendChild(h("div", "sr-poplabel", "Relation"));
    const offset = roles.length;
    pop.appendChild(typeButtons(allowed, null, (t) => { link(t); closePop(); }, "sr-rel-type-", offset));
  } else if (!roles.length) {
    pop.appendChild(h("div", "sr-hint", "The schema allows no relation" + (ev ? " or argument" : "") + " from " + a.type + " to " + b.type + "."));
  }
  const row = h("div", "sr-poprow");
  const backEv = S.eventOfTrigger.get(bId);
  const back = allowedRelations(S.schema, argType(B), argType(A)).length ||
    (backEv && A !== backEv.id && eventRoles(S.schema, backEv.type, argType(A)).length);
  if (back) row.appendChild(button("\u21C4 Reverse", "sr-reverse", "Swap the direction", () => openChooser(bId, aId)));
  row.append(button("Select instead", "sr-select-b", "Select the second entity instead", () => selectEntity(bId)),
    button("Cancel", "sr-cancel", "Cancel (Escape)", () => closePop()));
  pop.appendChild(row);
  pop.hidden = false;
  applySelection();
  placePop();
}
