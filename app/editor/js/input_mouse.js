// The mouse: a selection in the text makes an entity of the current type (snapped to whole
// words; Alt+drag does not snap) or, in "add fragment" mode or with Shift on a selected entity,
// one more fragment; a click selects an entity or relation, a click on a second entity opens
// the relation chooser; hovering highlights an annotation and a relation's arguments.
/* global S, docEl, send, setStatus, closePop, snapSelection, addFragment, selectEntity,
   selectRelation, selectRole, selectGroup, openChooser, isEventType, roleArc, groupArc,
   anchorId */
/* exported selectionOffsets */

function boundaryOffset(node, off) {
  const el = node.nodeType === 3 ? node.parentElement : node;
  const seg = el && el.closest ? el.closest(".sr-seg") : null;
  if (seg && docEl.contains(seg)) {
    if (node.nodeType === 3) return +seg.dataset.s + Math.min(off, seg.textContent.length);
    return +seg.dataset.s + (off > 0 ? seg.textContent.length : 0);
  }
  if (!el || !docEl.contains(el)) return null;
  const kids = node.childNodes || [];
  for (let i = off; i < kids.length; i++) {
    const k = kids[i];
    const sg = k.nodeType === 1 ? (k.matches(".sr-seg") ? k : k.querySelector(".sr-seg")) : null;
    if (sg) return +sg.dataset.s;
  }
  for (let i = Math.min(off, kids.length) - 1; i >= 0; i--) {
    const k = kids[i];
    const all = k.nodeType === 1 ? (k.matches(".sr-seg") ? [k] : k.querySelectorAll(".sr-seg")) : [];
    if (all.length) { const sg = all[all.length - 1]; return +sg.dataset.s + sg.textContent.length; }
  }
  return null;
}
function selectionOffsets(noSnap) {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
  const rg = sel.getRangeAt(0);
  if (!docEl.contains(rg.commonAncestorContainer)) return null;
  const a = boundaryOffset(rg.startContainer, rg.startOffset), b = boundaryOffset(rg.endContainer, rg.endOffset);
  if (a == null || b == null) return null;
  return snapSelection(S.doc.text, a, b, noSnap);
}
// the entity a selection made now would extend: in "add fragment" mode, or with Shift held
// while an entity is selected (Alt is taken: Alt+drag selects without snapping to words)
function fragTarget(ev) {
  if (S.fragMode) return S.fragMode;
  if (ev.shiftKey && S.selected && S.selected.kind === "entity" && !S.chooser && S.ents.has(S.selected.id)) return S.selected.id;
  return null;
}
docEl.addEventListener("mousedown", (ev) => {
  S.reviewing = false; // a click picks its own item: Enter / Del then do not move on
  // Shift+mousedown would extend the caret left by the click that selected the entity:
  // drop it so the drag starts where the mouse went down
  if (S.doc && ev.button === 0 && ev.shiftKey && fragTarget(ev)) window.getSelection().removeAllRanges();
});
docEl.addEventListener("mouseup", (ev) => {
  if (!S.doc || ev.button !== 0) return;
  const off = selectionOffsets(ev.altKey);
  if (!off) return;
  window.getSelection().removeAllRanges();
  S.suppressClick = true;
  setTimeout(() => { S.suppressClick = false; }, 0);
  const target = fragTarget(ev);
  if (target) { addFragment(target, off); return; }
  if (!S.curType) { setStatus("choose an entity type first", "err"); return; }
  closePop();
  send(isEventType(S.schema, S.curType) ? "add_event" : "add_entity", { type: S.curType, fragments: [off] });
});
docEl.addEventListener("click", (ev) => {
  if (S.suppressClick || !S.doc) return;
  const sel = window.getSelection();
  if (sel && !sel.isCollapsed) return;
  const rEl = ev.target.closest("[data-rid]");
  if (rEl) {
    const rid = rEl.getAttribute("data-rid");
    (rid.startsWith("a:") ? selectRole : rid.startsWith("q:") ? selectGroup : selectRelation)(rid);
    root.focus({ preventScroll: true });
    return;
  }
  const eEl = ev.target.closest("[data-eid]");
  if (eEl) {
    const id = eEl.getAttribute("data-eid");
    if (S.selected && S.selected.kind === "entity" && S.selected.id !== id && S.ents.has(S.selected.id) && !S.chooser) openChooser(S.selected.id, id);
    else if (S.selected && S.selected.kind === "entity" && S.selected.id === id && !S.chooser) closePop();
    else selectEntity(id);
    root.focus({ preventScroll: true });
    return;
  }
  closePop();
});
docEl.addEventListener("mouseover", (ev) => {
  const el = ev.target.closest("[data-eid],[data-rid]");
  const key = el ? (el.hasAttribute("data-rid") ? "r:" + el.getAttribute("data-rid") : "e:" + el.getAttribute("data-eid")) : null;
  if (key === S.hoverKey) return;
  for (const x of docEl.querySelectorAll(".sr-hover")) x.classList.remove("sr-hover");
  S.hoverKey = key;
  if (!el) return;
  if (el.hasAttribute("data-rid")) {
    const rid = el.getAttribute("data-rid");
    const r = S.rels.get(rid) || roleArc(rid) || groupArc(rid);
    for (const x of S.byRid.get(rid) || []) x.classList.add("sr-hover");
    if (r) for (const id of [r.arg1, r.arg2]) for (const x of S.byEid.get(anchorId(id)) || []) x.classList.add("sr-hover");
  } else {
    for (const x of S.byEid.get(el.getAttribute("data-eid")) || []) x.classList.add("sr-hover");
  }
});
