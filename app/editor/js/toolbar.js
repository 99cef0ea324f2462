// The toolbar: previous/next document and the status badge, the entity type for new
// selections, undo/redo, the confidence boxes with "Accept all", "Suggest relations" and
// "Mark done" / "Reopen".
/* global S, toolbar, h, button, send, goNext, goPrevious, suggestRelations, closePop, render, isLive,
   selectedAnn, thrBox, okThr, countText, setStatus */
/* exported buildToolbar, refreshTypeButtons */

function buildToolbar() {
  toolbar.replaceChildren();
  const d = S.doc;
  const nav = h("div", "sr-group sr-nav");
  const prev = button("\u25C0", "sr-prev", "Previous document: the one shown before, else the one before in the project's order", goPrevious);
  prev.disabled = !d.prev_id && !S.trail.some((id) => id !== d.doc_id);
  // enabled even when nothing may be left: the server decides when it is pressed
  const next = button("\u25B6", "sr-next", "Next document to do: yours first, then those open to all", goNext);
  const title = h("span", "sr-title", d.name);
  title.title = d.name;
  title.setAttribute("data-testid", "sr-doc-name");
  nav.append(prev, title, next);
  // the store's statuses ("in-progress"): the class is the word itself, the label has spaces
  const known = S.config.statuses.includes(d.status);
  const badge = h("span", "sr-badge sr-st-" + (known ? d.status : "x"), String(d.status).replace(/-/g, " "));
  badge.setAttribute("data-testid", "sr-doc-status");
  nav.append(badge);
  toolbar.appendChild(nav);

  const types = h("div", "sr-group sr-types");
  types.setAttribute("role", "radiogroup");
  types.setAttribute("aria-label", "Entity type for new selections");
  for (const t of S.schema.types.values()) {
    if (t.hidden) continue; // kept for drawing, not offered
    const what = t.event ? "New events: " : "New entities: ";
    const b = button("", "sr-type-" + t.index, what + t.name + (t.key ? " (key " + t.key + ")" : ""),
      () => { S.curType = t.name; refreshTypeButtons(); });
    b.classList.add("sr-typebtn");
    if (t.event) b.classList.add("sr-evtype");
    b.setAttribute("role", "radio");
    b.dataset.type = t.name;
    const sw = h("span", "sr-swatch");
    sw.style.background = t.color;
    b.append(sw, h("span", "sr-tname", t.name));
    if (t.key) b.appendChild(h("kbd", null, t.key));
    types.appendChild(b);
  }
  toolbar.appendChild(types);

  const edit = h("div", "sr-group");
  edit.append(
    button("\u21B6 Undo", "sr-undo", "Undo (Ctrl+Z)", () => send("undo", {})),
    button("\u21B7 Redo", "sr-redo", "Redo (Ctrl+Y)", () => send("redo", {})),
  );
  // a new show value: redraw in place (rebuilding the toolbar would swallow a click on
  // "Accept \u2265" that blurred the box)
  const reshow = () => {
    if (S.selected && !isLive(selectedAnn() || {})) closePop();
    count.textContent = countText();
    render();
  };
  const thr = thrBox("threshold", "sr-threshold", "Accept all: confidence threshold for entity suggestions", () => {});
  const thrRel = thrBox("thresholdRel", "sr-threshold-rel", "Accept all: confidence threshold for relation suggestions", () => {});
  const show = thrBox("minShow", "sr-min-show", "Hide entity suggestions below this confidence (kept, not rejected)", reshow);
  const showRel = thrBox("minShowRel", "sr-min-show-rel", "Hide relation suggestions below this confidence (kept, not rejected)", reshow);
  const count = h("span", "sr-count", countText());
  count.setAttribute("data-testid", "sr-count");
  const filters = h("div", "sr-group sr-filters");
  filters.append(
    button("Accept \u2265", "sr-accept-all", "Accept all shown suggestions with confidence at least the threshold of their kind (E: entities, R: relations; to review them one by one: Tab, then Enter or Del)", () => {
      const v = parseFloat(thr.lastChild.value), vr = parseFloat(thrRel.lastChild.value);
      if (!(okThr(v) && okThr(vr))) { setStatus("threshold must be between 0 and 1", "err"); return; }
      // never accept what the filter hides
      send("accept_all", { min_confidence: Math.max(v, S.minShow), min_relation_confidence: Math.max(vr, S.minShowRel) });
    }),
    thr, thrRel,
    h("span", "sr-lbl", "Show \u2265"),
    show, showRel,
    count,
  );
  const relPass = button("\u21E2 Suggest relations", "sr-suggest-relations",
    "Suggest relations between the confirmed (accepted) entities with the project's active model; " +
    "replaces the open relation suggestions, keeps reviewed ones (key " + S.config.keys.suggest_relations + ")", () => suggestRelations(false));
  relPass.appendChild(h("kbd", null, S.config.keys.suggest_relations));
  filters.appendChild(relPass);
  toolbar.append(edit, filters);
  const done = d.status === S.config.done;
  const doneBtn = button(done ? "Reopen" : "\u2713 Mark done", "sr-done", done ? "Reopen this document" : "Mark this document done",
    () => send("set_status", { status: done ? S.config.reopened : S.config.done }), done ? "" : "sr-primary");
  toolbar.appendChild(h("div", "sr-group sr-right")).appendChild(doneBtn);
  refreshTypeButtons();
}
function refreshTypeButtons() {
  for (const b of toolbar.querySelectorAll(".sr-typebtn")) {
    const on = b.dataset.type === S.curType;
    b.classList.toggle("sr-on", on);
    b.setAttribute("aria-checked", on ? "true" : "false");
  }
}
