// The popup's attributes and notes of one annotation: the attributes the schema gives its type
// (a checkbox for a binary one, a list for one with values), those it has besides, its
// normalizations (shown only) and its notes (edited in place, one line each).
/* global S, h, button, send, attributeTypesFor, attrLine, normLine */
/* exported extraSection */

function extraSection(a, kind) {
  const box = h("div", "sr-extras");
  box.setAttribute("data-testid", "sr-extras");
  const types = attributeTypesFor(S.schema, kind, a.type);
  const have = new Map((a.attributes || []).map((at) => [at.name, at]));
  if (types.length || have.size) {
    box.appendChild(h("div", "sr-poplabel", "Attributes"));
    const wrap = h("div", "sr-attrs");
    wrap.setAttribute("data-testid", "sr-attrs");
    for (const t of types) {
      const cur = have.get(t.name);
      have.delete(t.name);
      const lab = h("label", "sr-attr");
      lab.dataset.attr = t.name;
      if (!t.values.length) {  // binary: present or absent
        const cb = h("input", null, null, { type: "checkbox", "aria-label": t.name });
        cb.checked = !!cur;
        cb.addEventListener("change", () => send(cb.checked ? "set_attribute" : "delete_attribute", { ann_id: a.id, name: t.name }));
        lab.append(cb, h("span", null, t.name));
      } else {
        const sel = h("select", null, null, { "aria-label": t.name });
        sel.appendChild(h("option", null, "\u2014", { value: "" }));
        for (const v of t.values) sel.appendChild(h("option", null, v, { value: v }));
        // a value the schema does not list (imported): shown, kept until changed
        if (cur && cur.value != null && !t.values.includes(cur.value)) sel.appendChild(h("option", null, cur.value, { value: cur.value }));
        sel.value = cur && cur.value != null ? cur.value : "";
        sel.addEventListener("change", () => sel.value
          ? send("set_attribute", { ann_id: a.id, name: t.name, value: sel.value })
          : cur && send("delete_attribute", { ann_id: a.id, name: t.name }));
        lab.append(h("span", null, t.name), sel);
      }
      wrap.appendChild(lab);
    }
    for (const at of have.values()) {  // not in the schema for this type: can only go
      const row = h("span", "sr-attr sr-attr-other");
      row.dataset.attr = at.name;
      row.append(h("span", null, attrLine(at)),
        button("\u2715", "sr-attr-remove", "Remove attribute " + at.name, () => send("delete_attribute", { ann_id: a.id, name: at.name }), "sr-fragdel"));
      wrap.appendChild(row);
    }
    box.appendChild(wrap);
  }
  if ((a.norms || []).length) {
    box.appendChild(h("div", "sr-poplabel", "Normalizations"));
    for (const n of a.norms) box.appendChild(h("div", "sr-extra", normLine(n)));
  }
  box.appendChild(h("div", "sr-poplabel", "Notes"));
  const notes = h("div", "sr-notes");
  notes.setAttribute("data-testid", "sr-notes");
  const noteInput = (value, label, onSave) => {
    const inp = h("input", "sr-note", null, { type: "text", maxlength: String(S.config.limits.max_note), "aria-label": label });
    inp.value = value;
    inp.addEventListener("keydown", (ev) => { if (ev.key === "Escape") { inp.value = value; inp.blur(); } });
    inp.addEventListener("change", () => onSave(inp.value.replace(/[\r\n]+/g, " ")));
    return inp;
  };
  for (const n of a.notes || []) {
    const row = h("div", "sr-noterow");
    row.dataset.note = n.id;
    row.append(
      noteInput(n.text, "Note " + n.id, (v) => v.trim() ? v !== n.text && send("set_note", { ann_id: a.id, note_id: n.id, text: v }) : send("delete_note", { note_id: n.id })),
      button("\u2715", "sr-note-remove", "Delete note " + n.id, () => send("delete_note", { note_id: n.id }), "sr-fragdel"));
    notes.appendChild(row);
  }
  const add = noteInput("", "Add a note", (v) => v.trim() && send("set_note", { ann_id: a.id, text: v }));
  add.placeholder = "Add a note\u2026 (Enter)";
  add.setAttribute("data-testid", "sr-note-add");
  notes.appendChild(add);
  box.appendChild(notes);
  return box;
}
