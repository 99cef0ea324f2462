// spanrel entity/relation editor. Runs as gr.HTML js_on_load with
// (element, trigger, props, server, upload, watch). It owns all rendering:
// user text only ever reaches the DOM through textContent / setAttribute.
(function () {
  const root = element.querySelector(".sr-editor");
  if (!root || root.dataset.init) return;
  root.dataset.init = "1";
  const toolbar = root.querySelector(".sr-toolbar");
  const scroll = root.querySelector(".sr-scroll");
  const docEl = root.querySelector(".sr-doc");
  const pop = root.querySelector(".sr-pop");
  const statusEl = root.querySelector(".sr-status");
  const SVGNS = "http://www.w3.org/2000/svg";

  // layout constants (px)
  const LINE_H = 22, LABEL_H = 15, BAND_STEP = 4, BAND_H = 3, ARC_STEP = 16, ROW_PAD = 5;
  const LABEL_FONT_PX = 10.5, LABEL_PAD = 4, ARC_LABEL_PAD = 3;
  const PALETTE = ["#8fb4ff", "#ffb38a", "#7fd19b", "#e3a3f0", "#f5d76e", "#7fd3e0",
    "#f59a9a", "#b7b0ff", "#b5dd7d", "#e6bf8f", "#9ad0c2", "#d7a6b8"];
  const WORD = /[\p{L}\p{N}_]/u;

  const S = {
    doc: null, docId: null, revision: 0, version: 0,
    ents: new Map(), rels: new Map(), types: new Map(), relTypes: new Map(),
    keyToType: new Map(), curType: null, selected: null, chooser: null,
    clientId: (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2)).replace(/[^A-Za-z0-9_-]/g, ""),
    seqs: {}, queue: [], inflight: false, retryMs: 250,
    byEid: new Map(), byRid: new Map(), width: 0, lastRenderMs: 0, showRejected: false,
    // "Show \u2265" / "Accept \u2265" per kind: suggestions below the show value are hidden (kept,
    // not rejected); accept all takes those at or above the accept value (and the show value)
    minShow: 0, minShowRel: 0, threshold: 0.8, thresholdRel: 0.8,
    attrTypes: [], // the schema's attribute types: {name, targets, values}
    reviewing: false, // stepping through suggestions with Tab (a click ends it)
    advanceFrom: null, // order key of a suggestion just accepted/rejected by key: select the next
    fragMode: null, // id of the entity the next text selection is added to, as a fragment
  };
  // key that starts "add fragment": never a type key (those are letters and digits), so it cannot
  // shadow a schema shortcut; "f" would clash with types such as ACE's FAC
  const FRAG_KEY = "+";
  // key of the relation pass ("Suggest relations"). Not Shift+R: type keys are matched on
  // ev.key lower-cased, so Shift+R already means the type whose key is "r". ">" (an arrow, like
  // a relation) is no letter or digit, and indexSchema keeps schema shortcuts off it.
  const REL_PASS_KEY = ">";
  const MAX_FRAGMENTS = 32; // app/editor/ops.py
  // the four boxes: state field, kind and value in the page document's ``thresholds``,
  // built-in default (the model's thresholds, when the document has them, come first)
  const THRESHOLDS = [
    ["minShow", "entity", "show", 0], ["threshold", "entity", "accept", 0.8],
    ["minShowRel", "relation", "show", 0], ["thresholdRel", "relation", "accept", 0.8],
  ];
  const autoOps = new WeakSet(); // relation passes the page sent by itself (quiet on refusal)
  root.dataset.pending = "0";

  // ---------- helpers ----------
  function h(tag, cls, text, attrs) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text != null) el.textContent = String(text);
    if (attrs) for (const k in attrs) el.setAttribute(k, attrs[k]);
    return el;
  }
  function s(tag, attrs, cls) {
    const el = document.createElementNS(SVGNS, tag);
    if (attrs) for (const k in attrs) el.setAttribute(k, attrs[k]);
    if (cls) el.setAttribute("class", cls);
    return el;
  }
  function safeColor(c, i) {
    if (typeof c === "string" && (/^#[0-9a-fA-F]{3,8}$/.test(c) || /^[a-zA-Z]{3,24}$/.test(c))) return c;
    return PALETTE[i % PALETTE.length];
  }
  const mix = (c, pct, other) => "color-mix(in srgb, " + c + " " + pct + "%, " + (other || "transparent") + ")";
  const canvas = document.createElement("canvas").getContext("2d");
  const widthCache = new Map();
  function measure(font, str) {
    const key = font + "\u0000" + str;
    let w = widthCache.get(key);
    if (w === undefined) {
      canvas.font = font;
      w = canvas.measureText(str).width;
      if (widthCache.size > 50000) widthCache.clear();
      widthCache.set(key, w);
    }
    return w;
  }
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
  function selectedAnn() { return S.selected ? (S.selected.kind === "entity" ? S.ents : S.rels).get(S.selected.id) : undefined; }
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
  // the schema's attribute types for an annotation (BRAT "Arg:": type names, a parent type,
  // <ENTITY>, <RELATION>, <ANY>; none listed: any annotation)
  function attrTypesFor(a, kind) {
    const names = kind === "entity" ? ancestors(a.type) : [a.type];
    const macro = kind === "entity" ? "<ENTITY>" : "<RELATION>";
    return S.attrTypes.filter((t) => !t.targets.length || t.targets.some((x) => x === "<ANY>" || x === macro || names.includes(x)));
  }
  function extraSection(a, kind) {
    const box = h("div", "sr-extras");
    box.setAttribute("data-testid", "sr-extras");
    const types = attrTypesFor(a, kind);
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
      const inp = h("input", "sr-note", null, { type: "text", maxlength: "10000", "aria-label": label });
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
  function entText(e) {
    const t = S.doc.text;
    const str = e.fragments.map((f) => t.slice(f[0], f[1])).join(" \u2026 ");
    return str.length > 60 ? str.slice(0, 57) + "\u2026" : str;
  }

  // ``note``: a quiet second line part (the automatic relation pass says there how it went)
  function setStatus(msg, kind, note) {
    S.lastStatus = [msg, kind];
    statusEl.replaceChildren();
    const m = h("span", "sr-msg sr-" + (kind || "info"), msg);
    m.setAttribute("data-testid", "sr-status-msg");
    statusEl.appendChild(m);
    if (note) {
      const q = h("span", "sr-msg sr-info sr-quiet", note);
      q.setAttribute("data-testid", "sr-status-note");
      statusEl.appendChild(q);
    }
    if (S.fragMode) {
      const mode = h("span", "sr-mode", "adding a fragment to " + S.fragMode + ": select its text \u00B7 Esc cancels");
      mode.setAttribute("data-testid", "sr-mode");
      statusEl.appendChild(mode);
    }
    const n = S.queue.length;
    if (n) statusEl.appendChild(h("span", "sr-pending", "saving " + n + "\u2026"));
    root.dataset.pending = String(n);
  }

  // ---------- schema ----------
  function indexSchema(schema) {
    S.types.clear(); S.relTypes.clear(); S.keyToType.clear();
    const used = new Set(["z", "y", FRAG_KEY, REL_PASS_KEY]);
    (schema.entity_types || []).forEach((t, i) => {
      let key = typeof t.shortcut === "string" && t.shortcut.length === 1 ? t.shortcut.toLowerCase() : null;
      if (key && used.has(key)) key = null;
      if (!key) {
        for (const ch of String(t.name).toLowerCase()) {
          if (/[a-z]/.test(ch) && !used.has(ch)) { key = ch; break; }
        }
      }
      if (!key) for (const d of "123456789") if (!used.has(d)) { key = d; break; }
      if (key) { used.add(key); S.keyToType.set(key, t.name); }
      S.types.set(t.name, { name: t.name, color: safeColor(t.color, i), key: key, parent: t.parent || null, index: i });
    });
    (schema.relation_types || []).forEach((t, i) => {
      S.relTypes.set(t.name, {
        name: t.name, arg1: t.arg1_types || [], arg2: t.arg2_types || [],
        color: t.color && safeColor(t.color, i) === t.color ? t.color : "#4a4f5c",
        index: i,
      });
    });
    S.attrTypes = (schema.attribute_types || []).filter((t) => t && typeof t.name === "string").map((t) => ({
      name: t.name, targets: Array.isArray(t.targets) ? t.targets : [], values: Array.isArray(t.values) ? t.values : [],
    }));
    if (!S.types.has(S.curType)) S.curType = S.types.size ? S.types.keys().next().value : null;
  }
  function ancestors(name) {
    const out = [name];
    while (S.types.get(out[out.length - 1])?.parent && !out.includes(S.types.get(out[out.length - 1]).parent)) {
      out.push(S.types.get(out[out.length - 1]).parent);
    }
    return out;
  }
  function allowedRelations(t1, t2) {
    const a1 = ancestors(t1), a2 = ancestors(t2);
    const ok = (list, anc) => !list.length || list.includes("<ANY>") || anc.some((x) => list.includes(x));
    return [...S.relTypes.values()].filter((r) => ok(r.arg1, a1) && ok(r.arg2, a2)).map((r) => r.name);
  }
  function typeColor(name) { return (S.types.get(name) || { color: "#bbbbbb" }).color; }
  function relColor(name) { return (S.relTypes.get(name) || { color: "#4a4f5c" }).color; }

  // ---------- thresholds ----------
  // Each box starts at the value the user typed for this project (localStorage, key
  // "spanrel.thresholds:<project>"), else the active model's choice (the document's
  // ``thresholds``, fitted on dev documents), else the built-in default. The one global filter of
  // earlier versions ("spanrel.minShow", which hid entity and relation suggestions alike) is
  // only read, as the fallback of both show boxes where the model chose nothing: it was typed
  // before models chose values, so a calibrated model's choice wins over it.
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

  // ---------- toolbar ----------
  function button(label, testid, title, onClick, cls) {
    const b = h("button", "sr-btn" + (cls ? " " + cls : ""), label);
    b.type = "button";
    b.setAttribute("data-testid", testid);
    b.setAttribute("aria-label", title);
    b.title = title;
    b.addEventListener("click", (ev) => { ev.preventDefault(); onClick(ev); });
    return b;
  }
  function buildToolbar() {
    toolbar.replaceChildren();
    const d = S.doc;
    const nav = h("div", "sr-group sr-nav");
    const prev = button("\u25C0", "sr-prev", "Previous document", () => d.prev_id && openDoc(d.prev_id, true));
    prev.disabled = !d.prev_id;
    const next = button("\u25B6", "sr-next", "Next document", () => d.next_id && openDoc(d.next_id, true));
    next.disabled = !d.next_id;
    const title = h("span", "sr-title", d.name);
    title.title = d.name;
    title.setAttribute("data-testid", "sr-doc-name");
    nav.append(prev, title, next);
    const badge = h("span", "sr-badge sr-st-" + (/^[a-z_]+$/.test(d.status) ? d.status : "x"), d.status.replace("_", " "));
    badge.setAttribute("data-testid", "sr-doc-status");
    nav.append(badge);
    toolbar.appendChild(nav);

    const types = h("div", "sr-group sr-types");
    types.setAttribute("role", "radiogroup");
    types.setAttribute("aria-label", "Entity type for new selections");
    for (const t of S.types.values()) {
      const b = button("", "sr-type-" + t.index, "New entities: " + t.name + (t.key ? " (key " + t.key + ")" : ""),
        () => { S.curType = t.name; refreshTypeButtons(); });
      b.classList.add("sr-typebtn");
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
      "replaces the open relation suggestions, keeps reviewed ones (key " + REL_PASS_KEY + ")", () => suggestRelations(false));
    relPass.appendChild(h("kbd", null, REL_PASS_KEY));
    filters.appendChild(relPass);
    toolbar.append(edit, filters);
    const done = d.status === "done";
    const doneBtn = button(done ? "Reopen" : "\u2713 Mark done", "sr-done", done ? "Reopen this document" : "Mark this document done",
      () => send("set_status", { status: done ? "in_progress" : "done" }), done ? "" : "sr-primary");
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

  // ---------- loading ----------
  async function call(name, payload) {
    try {
      const fn = server && server[name];
      if (!fn) return { ok: false, error: "server function " + name + " missing" };
      return await fn(payload);
    } catch (e) {
      return undefined;
    }
  }
  async function openDoc(docId, fromPage, message) {
    if (!docId) return;
    setStatus("loading\u2026");
    const res = await call("editor_load", { doc_id: docId });
    if (!res || !res.ok) { setStatus((res && res.error) || "could not load the document", "err"); return; }
    setDoc(res.doc);
    if (fromPage) {
      S.revision = (props.value && props.value.revision) || 0;
      props.value = { doc_id: S.docId, revision: S.revision };
    }
    setStatus(message || "loaded " + S.doc.name + " (version " + S.version + ")", message ? "err" : "ok");
  }
  function setDoc(doc) {
    const changed = !S.doc || S.doc.doc_id !== doc.doc_id;
    S.doc = doc; S.docId = doc.doc_id; S.version = doc.version;
    S.ents = new Map(doc.entities.map((e) => [e.id, e]));
    S.rels = new Map(doc.relations.map((r) => [r.id, r]));
    indexSchema(doc.schema || {});
    loadThresholds();
    if (changed) { closePop(); scroll.scrollTop = 0; S.autoFrom = null; }
    root.dataset.docId = doc.doc_id;
    buildToolbar();
    render();
  }

  // ---------- operations ----------
  function send(kind, fields) {
    if (!S.doc) return;
    const docId = S.doc.doc_id;
    const seq = (S.seqs[docId] = (S.seqs[docId] || 0) + 1);
    const op = Object.assign({ doc_id: docId, client_id: S.clientId, seq: seq, kind: kind }, fields);
    S.queue.push(op);
    setStatus(kind.replace("_", " ") + " #" + seq + "\u2026");
    // the item is dealt with: free the next click (a second entity click would link them)
    if (/^(accept|reject|delete_entity|delete_relation|accept_all|add_relation)$/.test(kind)) closePop();
    pump();
    return op;
  }
  // the relation pass: the active model's relation suggestions between the confirmed entities
  // (the server replaces the open relation suggestions; reviewed ones stay). ``auto``: sent by
  // the page itself (see handleAck), a refusal is then only a quiet note
  function suggestRelations(auto) {
    if (!S.doc) return;
    const status = S.lastStatus;
    const op = send("suggest_relations", {});
    if (!auto || !op) return;
    autoOps.add(op);
    setStatus(status[0], status[1], "suggesting relations between the confirmed entities\u2026");
  }
  // entity suggestions still open (shown or hidden by "Show \u2265"), and confirmed entities
  // (accepted, added by hand or imported: neither suggested nor rejected)
  function openEntitySuggestions() { let n = 0; for (const e of S.ents.values()) if (isSuggestion(e)) n++; return n; }
  function confirmedEntities() { let n = 0; for (const e of S.ents.values()) if (!isSuggestion(e) && e.review !== "rejected") n++; return n; }
  async function pump() {
    if (S.inflight || !S.queue.length) return;
    const op = S.queue[0];
    if (op.base_version === undefined) op.base_version = op.doc_id === S.docId ? S.version : 0;
    S.inflight = true;
    const t0 = performance.now();
    const ack = await call("editor_apply", op);
    S.inflight = false;
    if (!ack || typeof ack !== "object") {
      setStatus("connection problem: retrying #" + op.seq, "err");
      setTimeout(pump, S.retryMs);
      S.retryMs = Math.min(S.retryMs * 2, 4000);
      return;
    }
    S.retryMs = 250;
    S.queue.shift();
    S.lastRoundTrip = performance.now() - t0;
    handleAck(op, ack);
    pump();
  }
  function handleAck(op, ack) {
    root.dataset.lastSeq = String(op.seq);
    const auto = autoOps.has(op);
    if (!ack.ok && auto && !ack.conflict) {
      // the page asked by itself (e.g. the project has no model yet): say so quietly, keep
      // the line as it was; an editor that cannot do it at all is not asked again
      const err = String(ack.error || "not available");
      if (/unsupported operation|not available/.test(err)) S.noAutoRelations = true;
      const more = op.doc_id === S.docId ? resumeReview() : "";
      setStatus(S.lastStatus[0] + more, S.lastStatus[1], "no relation suggestions: " + err);
      return;
    }
    if (op.doc_id !== S.docId) {
      S.advanceFrom = null;
      setStatus((ack.ok ? "saved #" : "refused #") + op.seq + " (other document)", ack.ok ? "ok" : "err");
      return;
    }
    if (!ack.ok) {
      S.advanceFrom = null;
      S.autoFrom = null;
      if (ack.conflict) {
        const dropped = S.queue.filter((q) => q.doc_id === op.doc_id).length;
        S.queue = S.queue.filter((q) => q.doc_id !== op.doc_id);
        openDoc(op.doc_id, false, "#" + op.seq + " refused: " + (ack.error || "conflict") +
          (dropped ? " (" + dropped + " later edit(s) dropped)" : ""));
        return;
      }
      setStatus("#" + op.seq + " refused: " + (ack.error || "unknown error"), "err");
      root.dataset.lastError = String(ack.error || "");
      return;
    }
    const openBefore = openEntitySuggestions();
    if (ack.doc) {
      setDoc(ack.doc);
    } else {
      const c = ack.changes || {};
      for (const id of c.deleted_entities || []) S.ents.delete(id);
      for (const id of c.deleted_relations || []) S.rels.delete(id);
      for (const e of c.entities || []) S.ents.set(e.id, e);
      for (const r of c.relations || []) S.rels.set(r.id, r);
      const oldStatus = S.doc.status;
      if (c.status) S.doc.status = c.status;
      S.doc.entities = [...S.ents.values()];
      S.doc.relations = [...S.rels.values()];
      if (typeof ack.version === "number") S.version = ack.version;
      S.doc.version = S.version;
      if (S.selected && !(selectedAnn() && isLive(selectedAnn()))) closePop();
      buildToolbar();
      render();
      // rebuild the popup so its buttons act on the entity as it is now
      const hadFocus = root.contains(document.activeElement) || document.activeElement === document.body;
      if (S.selected && !S.chooser) (S.selected.kind === "entity" ? selectEntity : selectRelation)(S.selected.id);
      if (hadFocus && !root.contains(document.activeElement)) root.focus({ preventScroll: true });
      if (c.status && c.status !== oldStatus) trigger("doc_status", { doc_id: S.docId, status: c.status });
    }
    root.dataset.version = String(S.version);
    // Automatic relation pass: this edit answered the last open entity suggestion (shown or
    // hidden) and at least two entities are confirmed, so relation suggestions between them
    // are due: asked once, for this transition (the next edit starts from none open). Never
    // after a relation pass itself, nor while one is still waiting to be sent.
    const relPassDue = op.kind !== "suggest_relations" && !S.noAutoRelations && openBefore > 0 &&
      openEntitySuggestions() === 0 && confirmedEntities() >= 2 &&
      !S.queue.some((q) => q.doc_id === S.docId && q.kind === "suggest_relations");
    let next = "";
    if (S.advanceFrom && !S.selected && (op.kind === "accept" || op.kind === "reject") && !S.queue.length) {
      // a Tab review waits for the relation pass, whose suggestions replace the open ones
      if (relPassDue) S.autoFrom = S.advanceFrom;
      else next = stepSuggestion(1, S.advanceFrom, true) ? " \u00B7 next suggestion" : " \u00B7 no open suggestions left";
    }
    if (auto) next = resumeReview();
    else S.advanceFrom = null; // (after the automatic pass: an Enter / Del sent meanwhile still moves on)
    setStatus("\u2713 #" + op.seq + " " + op.kind.replace("_", " ") + " saved" + (ack.repeat ? " (repeat)" : "") +
      (ack.message ? ": " + ack.message : "") + " \u00B7 version " + S.version + next, "ok");
    if (relPassDue) suggestRelations(true);
  }
  // a Tab review held back for the automatic relation pass goes on (when nothing else happened
  // meanwhile): to the suggestion after the one answered last
  function resumeReview() {
    const from = S.autoFrom;
    S.autoFrom = null;
    if (!from || !S.reviewing || S.selected || S.queue.length) return "";
    return stepSuggestion(1, from, true) ? " \u00B7 next suggestion" : " \u00B7 no open suggestions left";
  }

  // ---------- layout ----------
  function breakRows(text, font, maxW) {
    const rows = [];
    const spaceW = measure(font, " ");
    const n = text.length;
    let p = 0;
    while (p <= n) {
      let nl = text.indexOf("\n", p);
      if (nl < 0) nl = n;
      let lineEnd = nl;
      if (lineEnd > p && text[lineEnd - 1] === "\r") lineEnd -= 1;
      // greedy breaking inside the paragraph [p, lineEnd)
      let rowStart = p, x = 0;
      const re = /\S+|\s+/g;
      re.lastIndex = 0;
      const para = text.slice(p, lineEnd);
      let m;
      while ((m = re.exec(para)) !== null) {
        const tok = m[0], ts = p + m.index;
        if (/^\s/.test(tok)) { x += tok === " " ? spaceW : measure(font, tok.replace(/\t/g, "    ")); continue; }
        const w = measure(font, tok);
        if (x + w > maxW && ts > rowStart) {
          rows.push([rowStart, ts]);
          rowStart = ts; x = 0;
        }
        if (w > maxW) { // a token wider than the row: break it by characters
          let cs = ts;
          while (cs < ts + tok.length) {
            let ce = cs + 1;
            while (ce < ts + tok.length && measure(font, text.slice(cs, ce + 1)) <= maxW) ce++;
            if (ce < ts + tok.length) { rows.push([rowStart, ce]); rowStart = ce; x = 0; }
            else x = measure(font, text.slice(cs, ce));
            cs = ce;
          }
          continue;
        }
        x += w;
      }
      rows.push([rowStart, lineEnd]);
      p = nl + 1;
      if (nl >= n) break;
    }
    return rows;
  }

  function render() {
    if (!S.doc) return;
    const t0 = performance.now();
    const text = S.doc.text;
    const width = docEl.clientWidth || scroll.clientWidth || 800;
    S.width = width;
    const probe = h("div", "sr-text", "x");
    docEl.replaceChildren(probe);
    const font = getComputedStyle(probe).font;
    const labelFont = "600 " + LABEL_FONT_PX + "px " + getComputedStyle(probe).fontFamily;
    const arcFont = "500 " + (LABEL_FONT_PX - 0.5) + "px " + getComputedStyle(probe).fontFamily;
    const maxW = Math.max(120, width - 24);
    const rows = breakRows(text, font, maxW);

    // visible annotations and fragments
    const ents = [...S.ents.values()].filter(isLive);
    const frags = [];
    for (const e of ents) {
      e.fragments.forEach((f, i) => {
        const s0 = Math.max(0, Math.min(text.length, f[0])), e0 = Math.max(s0, Math.min(text.length, f[1]));
        if (e0 > s0) frags.push({ ent: e, s: s0, e: e0, first: i === 0, len: e0 - s0 });
      });
    }
    const bounds = new Set();
    for (const f of frags) { bounds.add(f.s); bounds.add(f.e); }
    for (const r of rows) { bounds.add(r[0]); bounds.add(r[1]); }
    const sorted = [...bounds].sort((a, b) => a - b);
    frags.sort((a, b) => a.s - b.s || b.len - a.len);

    // rows -> segments (sweep over fragments for the innermost covering entity)
    const frag = document.createDocumentFragment();
    const rowInfo = [];
    const segOwners = [];
    let bi = 0, fi = 0;
    let active = [];
    for (let ri = 0; ri < rows.length; ri++) {
      const [rs, re] = rows[ri];
      const rowEl = h("div", "sr-row");
      const txt = h("div", "sr-text");
      const segs = [];
      while (bi < sorted.length && sorted[bi] < rs) bi++;
      let k = bi;
      if (rs === re) txt.appendChild(document.createTextNode("\u200B"));
      while (k < sorted.length && sorted[k] < re) {
        const a = sorted[k], b = Math.min(sorted[k + 1] ?? re, re);
        while (fi < frags.length && frags[fi].s <= a) { active.push(frags[fi]); fi++; }
        active = active.filter((f) => f.e > a);
        const seg = h("span", "sr-seg", text.slice(a, b));
        seg.dataset.s = String(a);
        const cover = active.filter((f) => f.s <= a && f.e >= b);
        for (const f of cover) segOwners.push([f.ent.id, seg]);
        if (cover.length) {
          let inner = cover[0];
          for (const f of cover) if (f.len < inner.len) inner = f;
          seg.classList.add("sr-ann");
          seg.dataset.eid = inner.ent.id;
          seg.style.backgroundColor = mix(typeColor(inner.ent.type), isSuggestion(inner.ent) ? 18 : 32);
        }
        txt.appendChild(seg);
        segs.push(seg);
        k++;
      }
      bi = k;
      rowEl.appendChild(txt);
      frag.appendChild(rowEl);
      rowInfo.push({ el: rowEl, txt: txt, segs: segs, s: rs, e: re, pieces: [], labels: [], arcs: [] });
    }
    docEl.replaceChildren(frag);

    // read geometry once
    const rowOf = (off, isEnd) => { // binary search over rows
      let lo = 0, hi = rowInfo.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (rowInfo[mid].s < off || (!isEnd && rowInfo[mid].s === off)) lo = mid; else hi = mid - 1;
      }
      return lo;
    };
    for (const r of rowInfo) {
      const base = r.txt.getBoundingClientRect().left;
      r.startX = new Map(); r.endX = new Map();
      for (const seg of r.segs) {
        const rc = seg.getBoundingClientRect();
        const a = +seg.dataset.s, b = a + seg.textContent.length;
        r.startX.set(a, rc.left - base);
        r.endX.set(b, rc.right - base);
      }
      r.endX.set(r.s, 0);
    }
    // fragment pieces per row
    const entAnchor = new Map();
    for (const f of frags) {
      const r0 = rowOf(f.s, false), r1 = rowOf(f.e, true);
      for (let ri = r0; ri <= r1; ri++) {
        const r = rowInfo[ri];
        const ps = Math.max(f.s, r.s), pe = Math.min(f.e, r.e);
        if (pe <= ps) continue;
        const x0 = r.startX.get(ps), x1 = r.endX.get(pe);
        if (x0 === undefined || x1 === undefined) continue;
        const piece = { f: f, ent: f.ent, x0: x0, x1: Math.max(x1, x0 + 2), len: pe - ps, level: 0 };
        r.pieces.push(piece);
        if (f.first && !entAnchor.has(f.ent.id)) {
          const label = marked(f.ent, isSuggestion(f.ent) && f.ent.confidence != null ? f.ent.type + " " + fmtConf(f.ent.confidence) : f.ent.type);
          const w = measure(labelFont, label) + 2 * LABEL_PAD;
          const c = (piece.x0 + piece.x1) / 2;
          let lx = Math.max(0, Math.min(c - w / 2, maxW + 12 - w));
          const lab = { ent: f.ent, text: label, x: lx, w: w, lane: 0, piece: piece, row: ri, ends: [] };
          r.labels.push(lab);
          entAnchor.set(f.ent.id, lab);
        }
      }
    }
    // band levels and label lanes (shortest first: inner entities stay next to the text)
    for (const r of rowInfo) {
      assignLevels(r.pieces.slice().sort((a, b) => a.len - b.len), (p) => [p.x0 + 0.5, p.x1 - 0.5], "level");
      assignLevels(r.labels.slice().sort((a, b) => a.piece.len - b.piece.len || a.x - b.x), (l) => [l.x - 1.5, l.x + l.w + 1.5], "lane");
    }
    // relations: anchors spread over the label, then arc parts per row
    const rels = [...S.rels.values()].filter((rel) => isLive(rel) && entAnchor.has(rel.arg1) && entAnchor.has(rel.arg2));
    const ends = [];
    for (const rel of rels) {
      const A = entAnchor.get(rel.arg1), B = entAnchor.get(rel.arg2);
      const ea = { rel: rel, lab: A, other: B, arrow: false }, eb = { rel: rel, lab: B, other: A, arrow: true };
      A.ends.push(ea); B.ends.push(eb);
      ends.push([ea, eb]);
    }
    const key = (e) => (e.other.row - e.lab.row) * 1e6 + (e.other.x + e.other.w / 2);
    for (const lab of entAnchor.values()) {
      lab.ends.sort((a, b) => key(a) - key(b));
      const n = lab.ends.length;
      lab.ends.forEach((e, i) => { e.x = lab.x + (lab.w * (i + 1)) / (n + 1); });
    }
    for (const [ea, eb] of ends) {
      const rel = ea.rel;
      const label = marked(rel, isSuggestion(rel) && rel.confidence != null ? rel.type + " " + fmtConf(rel.confidence) : rel.type);
      const lw = measure(arcFont, label) + 2 * ARC_LABEL_PAD;
      const [L, R] = ea.lab.row < eb.lab.row || (ea.lab.row === eb.lab.row && ea.x <= eb.x) ? [ea, eb] : [eb, ea];
      if (L.lab.row === R.lab.row) {
        rowInfo[L.lab.row].arcs.push({ rel: rel, label: label, lw: lw, a: L, b: R, x0: L.x, x1: R.x });
      } else {
        rowInfo[L.lab.row].arcs.push({ rel: rel, label: label, lw: lw, a: L, b: null, x0: L.x, x1: maxW + 12 });
        rowInfo[R.lab.row].arcs.push({ rel: rel, label: label, lw: lw, a: null, b: R, x0: 0, x1: R.x });
      }
    }
    // arc levels: narrower arcs lower; an arc rises above every placed arc it overlaps
    for (const r of rowInfo) {
      const placed = [];
      r.arcs.sort((a, b) => (a.x1 - a.x0) - (b.x1 - b.x0));
      for (const arc of r.arcs) {
        // keep the label inside the row (an arc part running off the edge is short)
        const rowRight = maxW + 12;
        const mid = Math.max(arc.lw / 2 + 1, Math.min((arc.x0 + arc.x1) / 2, rowRight - arc.lw / 2 - 1));
        arc.mid = mid;
        arc.lo = Math.min(arc.x0, mid - arc.lw / 2) - 3;
        arc.hi = Math.max(arc.x1, mid + arc.lw / 2) + 3;
        let lvl = 1;
        for (const p of placed) if (p.lo < arc.hi && arc.lo < p.hi) lvl = Math.max(lvl, p.level + 1);
        arc.level = lvl;
        placed.push(arc);
      }
      // move a label off the vertical legs of higher arcs that cross its line
      for (const arc of r.arcs) {
        const legs = [];
        for (const o of r.arcs) if (o.level > arc.level) for (const e of [o.a, o.b]) if (e) legs.push(e.x);
        const half = arc.lw / 2 + 3;
        const free = (m) => !legs.some((x) => Math.abs(x - m) < half);
        if (!legs.length || free(arc.mid)) continue;
        const lo = Math.min(arc.x0, arc.x1) + half, hi = Math.max(arc.x0, arc.x1) - half;
        const cands = legs.flatMap((x) => [x - half - 0.5, x + half + 0.5]).filter((m) => m >= lo && m <= hi && free(m));
        if (cands.length) arc.mid = cands.reduce((b, m) => (Math.abs(m - arc.mid) < Math.abs(b - arc.mid) ? m : b));
      }
    }

    // write: row paddings and one SVG per annotated row
    S.byEid = new Map(); S.byRid = new Map();
    const reg = (map, id, el) => { let l = map.get(id); if (!l) map.set(id, (l = [])); l.push(el); };
    for (const r of rowInfo) {
      const nLanes = r.labels.length ? Math.max(...r.labels.map((l) => l.lane)) + 1 : 0;
      const nLevels = r.pieces.length ? Math.max(...r.pieces.map((p) => p.level)) + 1 : 0;
      const nArc = r.arcs.length ? Math.max(...r.arcs.map((a) => a.level)) : 0;
      const arcH = nArc ? nArc * ARC_STEP + 6 : 0;
      const top = ROW_PAD + arcH + nLanes * LABEL_H;
      const bottom = nLevels ? nLevels * BAND_STEP + 3 : 2;
      r.el.style.paddingTop = top + "px";
      r.el.style.paddingBottom = bottom + "px";
      if (!r.pieces.length && !r.arcs.length) continue;
      r.el.classList.add("sr-annrow");
      const svg = s("svg", { width: String(maxW + 14), height: String(top + LINE_H + bottom) }, "sr-svg");
      const laneTop = (lane) => ROW_PAD + arcH + (nLanes - 1 - lane) * LABEL_H;
      for (const p of r.pieces) {
        const e = p.ent, col = typeColor(e.type);
        const y = top + LINE_H + 1 + p.level * BAND_STEP;
        const band = s("rect", { x: p.x0.toFixed(1), y: y.toFixed(1), width: (p.x1 - p.x0).toFixed(1), height: String(BAND_H), rx: "1" },
          "sr-band" + (isSuggestion(e) ? " sr-sugg" : "") + (e.review === "rejected" ? " sr-rej" : ""));
        band.style.fill = isSuggestion(e) ? "none" : mix(col, 80, "#000");
        band.style.stroke = mix(col, 75, "#000");
        band.setAttribute("data-eid", e.id);
        band.setAttribute("data-level", String(p.level));
        svg.appendChild(band);
        reg(S.byEid, e.id, band);
      }
      for (const arc of r.arcs) drawArc(svg, arc, laneTop, arcH, maxW, reg);
      for (const l of r.labels) {
        const e = l.ent, col = typeColor(e.type), y = laneTop(l.lane) + 1;
        const g = s("g", null, "sr-label" + (isSuggestion(e) ? " sr-sugg" : "") + (e.review === "rejected" ? " sr-rej" : ""));
        g.setAttribute("data-eid", e.id);
        g.setAttribute("data-lane", String(l.lane));
        const rect = s("rect", { x: l.x.toFixed(1), y: y.toFixed(1), width: l.w.toFixed(1), height: String(LABEL_H - 2), rx: "3" });
        rect.style.fill = isSuggestion(e) ? mix(col, 22, "#fff") : mix(col, 55, "#fff");
        rect.style.stroke = mix(col, 70, "#000");
        const tx = s("text", { x: (l.x + l.w / 2).toFixed(1), y: (y + LABEL_H / 2).toFixed(1) });
        tx.textContent = l.text;
        const tip = s("title");
        tip.textContent = e.id + " " + e.type + (e.confidence != null ? " (" + fmtConf(e.confidence) + ", " + (e.review || e.source) + ")" : "") + ": " + entText(e) + extraTip(e);
        g.append(rect, tx, tip);
        svg.appendChild(g);
        reg(S.byEid, e.id, g);
      }
      r.el.appendChild(svg);
    }
    for (const [id, seg] of segOwners) reg(S.byEid, id, seg);
    applySelection();
    S.lastRenderMs = performance.now() - t0;
    root.dataset.renderMs = S.lastRenderMs.toFixed(1);
    root.dataset.version = String(S.version);
    root.dataset.ready = "1";
    if (S.selected) placePop();
  }

  function assignLevels(items, span, prop) {
    const levels = [];
    for (const it of items) {
      const [a, b] = span(it);
      let lv = 0;
      for (;;) {
        const taken = levels[lv] || (levels[lv] = []);
        if (!taken.some(([c, d]) => c < b && a < d)) { taken.push([a, b]); break; }
        lv++;
      }
      it[prop] = lv;
    }
  }

  function drawArc(svg, arc, laneTop, arcH, maxW, reg) {
    const rel = arc.rel, col = relColor(rel.type);
    const y = ROW_PAD + arcH - 4 - (arc.level - 1) * ARC_STEP - 2;
    const g = s("g", null, "sr-arc" + (isSuggestion(rel) ? " sr-sugg" : "") + (rel.review === "rejected" ? " sr-rej" : ""));
    g.setAttribute("data-rid", rel.id);
    g.setAttribute("data-a1", rel.arg1);
    g.setAttribute("data-a2", rel.arg2);
    const rad = 5;
    let d = "";
    const endY = (end) => laneTop(end.lab.lane) + 1;
    if (arc.a) {
      const x = arc.a.x, y0 = endY(arc.a);
      d += "M" + x.toFixed(1) + " " + (y0 - (arc.a.arrow ? 1 : 0)).toFixed(1) + "V" + (y + rad).toFixed(1) +
        "Q" + x.toFixed(1) + " " + y.toFixed(1) + " " + (x + rad).toFixed(1) + " " + y.toFixed(1);
    } else {
      d += "M0 " + y.toFixed(1);
    }
    if (arc.b) {
      const x = arc.b.x, y1 = endY(arc.b);
      d += "H" + (x - rad).toFixed(1) + "Q" + x.toFixed(1) + " " + y.toFixed(1) + " " + x.toFixed(1) + " " + (y + rad).toFixed(1) + "V" + y1.toFixed(1);
    } else {
      d += "H" + (maxW + 12).toFixed(1);
    }
    const path = s("path", { d: d }, "sr-arcpath");
    path.style.stroke = col;
    g.appendChild(path);
    const hit = s("path", { d: d }, "sr-archit");
    g.appendChild(hit);
    for (const end of [arc.a, arc.b]) {
      if (!end || !end.arrow) continue;
      const x = end.x, yy = endY(end);
      const head = s("path", { d: "M" + (x - 3.5).toFixed(1) + " " + (yy - 6).toFixed(1) + "L" + x.toFixed(1) + " " + yy.toFixed(1) + "L" + (x + 3.5).toFixed(1) + " " + (yy - 6).toFixed(1) + "Z" }, "sr-arrow");
      head.style.fill = col;
      g.appendChild(head);
    }
    const mid = arc.mid;
    const lg = s("g", null, "sr-arclabel");
    lg.setAttribute("data-rid", rel.id);
    const bg = s("rect", { x: (mid - arc.lw / 2).toFixed(1), y: (y - 6.5).toFixed(1), width: arc.lw.toFixed(1), height: "13", rx: "3" });
    bg.style.stroke = isSuggestion(rel) ? col : "none";
    const tx = s("text", { x: mid.toFixed(1), y: (y + 0.5).toFixed(1) });
    tx.style.fill = mix(col, 80, "#000");
    tx.textContent = arc.label;
    const tip = s("title");
    const e1 = S.ents.get(rel.arg1), e2 = S.ents.get(rel.arg2);
    tip.textContent = rel.id + " " + rel.type + ": " + (e1 ? entText(e1) : rel.arg1) + " \u2192 " + (e2 ? entText(e2) : rel.arg2) +
      (rel.confidence != null ? " (" + fmtConf(rel.confidence) + ", " + (rel.review || rel.source) + ")" : "") + extraTip(rel);
    lg.append(bg, tx, tip);
    g.appendChild(lg);
    svg.appendChild(g);
    reg(S.byRid, rel.id, g);
  }

  // ---------- selection, popups ----------
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
    docEl.style.minHeight = "";
    applySelection();
  }
  function placePop() {
    if (pop.hidden || !S.selected) return;
    const map = S.selected.kind === "entity" ? S.byEid : S.byRid;
    const id = S.chooser ? S.chooser.b : S.selected.id;
    const els = (S.selected.kind === "entity" || S.chooser ? S.byEid : map).get(id) || [];
    const anchor = els.find((el) => el.classList.contains("sr-label") || el.classList.contains("sr-arc")) || els[0];
    if (!anchor) { closePop(); return; }
    const row = anchor.closest(".sr-row");
    const sr = scroll.getBoundingClientRect();
    const ar = (anchor.classList.contains("sr-arc") ? anchor.querySelector(".sr-arclabel") : anchor).getBoundingClientRect();
    const rr = row.getBoundingClientRect();
    const top = (S.selected.kind === "entity" || S.chooser ? rr.bottom : ar.bottom) - sr.top + scroll.scrollTop + 4;
    let left = ar.left - sr.left + scroll.scrollLeft;
    left = Math.max(4, Math.min(left, scroll.clientWidth - pop.offsetWidth - 8));
    pop.style.top = top + "px";
    pop.style.left = left + "px";
    // a short document: let the scroll area grow to hold the whole popup, so that clicking in
    // it does not scroll the text away (and a drag after it lands where it was aimed)
    docEl.style.minHeight = Math.ceil(top + pop.offsetHeight + 6 - docEl.offsetTop) + "px";
  }
  function popTitle(main, sub) {
    const t = h("div", "sr-poptitle");
    t.appendChild(h("span", "sr-popmain", main));
    if (sub) t.appendChild(h("span", "sr-popsub", sub));
    return t;
  }
  function typeButtons(names, current, onPick, prefix) {
    const wrap = h("div", "sr-popbtns");
    names.forEach((name, i) => {
      const info = S.types.get(name) || S.relTypes.get(name);
      const key = prefix === "sr-rel-type-" ? (i < 9 ? String(i + 1) : null) : info && info.key;
      const b = button("", prefix + (info ? info.index : i), name + (key ? " (key " + key + ")" : ""), () => onPick(name),
        "sr-typebtn" + (name === current ? " sr-on" : ""));
      b.dataset.type = name;
      const sw = h("span", "sr-swatch");
      sw.style.background = info ? info.color : "#999";
      b.append(sw, h("span", "sr-tname", name));
      if (key) b.appendChild(h("kbd", null, key));
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
    pop.appendChild(h("div", "sr-poplabel", "Type"));
    pop.appendChild(typeButtons([...S.types.keys()], e.type, (t) => t !== e.type && send("change_entity", { entity_id: e.id, type: t }), "sr-retype-"));
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
    pop.appendChild(extraSection(e, "entity"));
    const last = h("div", "sr-poprow");
    last.append(button("Delete", "sr-delete", "Delete this entity and its relations (Delete)", () => send("delete_entity", { entity_id: e.id }), "sr-danger"));
    last.appendChild(h("span", "sr-hint", "click another entity to link it"));
    pop.appendChild(last);
    pop.hidden = false;
    applySelection();
    placePop();
  }
  function selectRelation(id) {
    const r = S.rels.get(id);
    if (!r) return;
    S.selected = { kind: "relation", id: id }; S.chooser = null;
    const e1 = S.ents.get(r.arg1), e2 = S.ents.get(r.arg2);
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
    const allowed = e1 && e2 ? allowedRelations(e1.type, e2.type) : [];
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
  function openChooser(aId, bId) {
    const a = S.ents.get(aId), b = S.ents.get(bId);
    setFragMode(null);
    const allowed = allowedRelations(a.type, b.type);
    S.selected = { kind: "entity", id: aId }; S.chooser = { a: aId, b: bId, allowed: allowed };
    pop.replaceChildren();
    pop.dataset.kind = "chooser";
    pop.setAttribute("aria-label", "New relation");
    pop.appendChild(popTitle("New relation", a.type + " \u201C" + entText(a) + "\u201D \u2192 " + b.type + " \u201C" + entText(b) + "\u201D"));
    if (allowed.length) {
      pop.appendChild(typeButtons(allowed, null, (t) => { send("add_relation", { type: t, arg1: aId, arg2: bId }); closePop(); }, "sr-rel-type-"));
    } else {
      pop.appendChild(h("div", "sr-hint", "The schema allows no relation from " + a.type + " to " + b.type + "."));
    }
    const row = h("div", "sr-poprow");
    const back = allowedRelations(b.type, a.type);
    if (back.length) row.appendChild(button("\u21C4 Reverse", "sr-reverse", "Swap the direction", () => openChooser(bId, aId)));
    row.append(button("Select instead", "sr-select-b", "Select the second entity instead", () => selectEntity(bId)),
      button("Cancel", "sr-cancel", "Cancel (Escape)", () => closePop()));
    pop.appendChild(row);
    pop.hidden = false;
    applySelection();
    placePop();
  }

  // ---------- review: step through open suggestions ----------
  // reading order: an entity by its start (then end), a relation right after the later of its
  // two arguments; ids break ties so the order is stable
  function orderKey(kind, a) {
    if (kind === "entity") return [a.fragments[0][0], 0, a.fragments[a.fragments.length - 1][1], a.id];
    const e1 = S.ents.get(a.arg1), e2 = S.ents.get(a.arg2);
    return [Math.max(e1 ? e1.fragments[0][0] : 0, e2 ? e2.fragments[0][0] : 0), 1, 0, a.id];
  }
  function cmpKey(x, y) {
    for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  }
  function openSuggestions() {
    const items = [];
    const shown = (a) => isSuggestion(a) && isLive(a);
    for (const e of S.ents.values()) if (shown(e)) items.push({ kind: "entity", id: e.id, key: orderKey("entity", e) });
    for (const r of S.rels.values()) {
      const e1 = S.ents.get(r.arg1), e2 = S.ents.get(r.arg2);
      if (shown(r) && e1 && e2 && isLive(e1) && isLive(e2)) items.push({ kind: "relation", id: r.id, key: orderKey("relation", r) });
    }
    return items.sort((a, b) => cmpKey(a.key, b.key));
  }
  function selectedKey() {
    const a = selectedAnn();
    return a ? orderKey(S.selected.kind, a) : null;
  }
  // select the next (dir 1) or previous (dir -1) open suggestion after ``from`` (wrapping);
  // false when there is none
  function stepSuggestion(dir, from, quiet) {
    const items = openSuggestions();
    if (!items.length) { if (!quiet) setStatus("no open suggestions"); return false; }
    let pick = dir > 0 ? items[0] : items[items.length - 1];
    if (from) {
      const after = dir > 0 ? items.find((it) => cmpKey(it.key, from) > 0) : [...items].reverse().find((it) => cmpKey(it.key, from) < 0);
      if (after) pick = after;
    }
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
    S.advanceFrom = S.reviewing ? orderKey(itemKind, a) : null;
    send(kind, { ann_id: a.id });
  }

  function wordStep(pos, dir) {
    const t = S.doc.text;
    if (dir < 0) {
      let p = pos;
      while (p > 0 && /\s/.test(t[p - 1])) p--;
      if (p > 0 && !WORD.test(t[p - 1])) return p - 1;
      while (p > 0 && WORD.test(t[p - 1])) p--;
      return p;
    }
    let p = pos;
    while (p < t.length && /\s/.test(t[p])) p++;
    if (p < t.length && !WORD.test(t[p])) return p + 1;
    while (p < t.length && WORD.test(t[p])) p++;
    return p;
  }
  function resize(e, which, dir) {
    const f = e.fragments.map((x) => x.slice());
    const t = S.doc.text;
    if (which === "start") {
      let p = wordStep(f[0][0], dir);
      if (dir > 0) while (p < f[0][1] && /\s/.test(t[p])) p++;
      if (p >= f[0][1] || p < 0) { setStatus("cannot move the start further", "err"); return; }
      f[0][0] = p;
    } else {
      const l = f.length - 1;
      let p = wordStep(f[l][1], dir);
      if (dir < 0) while (p > f[l][0] && /\s/.test(t[p - 1])) p--;
      if (p <= f[l][0] || p > t.length) { setStatus("cannot move the end further", "err"); return; }
      f[l][1] = p;
    }
    if (l_overlaps(f)) { setStatus("fragments would overlap", "err"); return; }
    send("change_entity", { entity_id: e.id, fragments: f });
  }
  function l_overlaps(f) { for (let i = 1; i < f.length; i++) if (f[i][0] < f[i - 1][1]) return true; return false; }

  // ---------- discontinuous entities (brat's "Add Frag.") ----------
  function fragLabel(f) {
    const str = S.doc.text.slice(f[0], f[1]);
    return "\u201C" + (str.length > 40 ? str.slice(0, 37) + "\u2026" : str) + "\u201D";
  }
  function setFragMode(id) {
    const was = S.fragMode;
    S.fragMode = id || null;
    root.classList.toggle("sr-fragmode", !!S.fragMode);
    if (S.fragMode) root.dataset.fragMode = S.fragMode; else delete root.dataset.fragMode;
    const b = pop.querySelector("[data-testid=sr-add-frag]");
    if (b) b.setAttribute("aria-pressed", S.fragMode ? "true" : "false");
    return was;
  }
  function startFragMode(e) {
    if (e.fragments.length >= MAX_FRAGMENTS) { setStatus(e.id + " has " + MAX_FRAGMENTS + " fragments already", "err"); return; }
    setFragMode(e.id);
    setStatus("select the text to add to " + e.id + " (" + e.type + ")", "info");
  }
  function cancelFragMode() {
    const id = setFragMode(null);
    setStatus("adding a fragment to " + id + " cancelled", "info");
  }
  // one change_entity with the fragments sorted; an overlap is refused here, before sending,
  // so the message can name the fragment it collides with
  function addFragment(id, off) {
    const e = S.ents.get(id);
    setFragMode(null);
    if (!e) { setStatus("entity " + id + " is gone: fragment not added", "err"); return; }
    const i = e.fragments.findIndex((f) => off[0] < f[1] && f[0] < off[1]);
    if (i >= 0) {
      const f = e.fragments[i];
      setStatus("not added: " + fragLabel(off) + " [" + off[0] + ", " + off[1] + ") overlaps fragment " + (i + 1) + " " +
        fragLabel(f) + " [" + f[0] + ", " + f[1] + ") of " + e.id, "err");
      return;
    }
    if (e.fragments.length >= MAX_FRAGMENTS) { setStatus(e.id + " has " + MAX_FRAGMENTS + " fragments already", "err"); return; }
    const frags = [...e.fragments.map((f) => f.slice()), off].sort((a, b) => a[0] - b[0]);
    send("change_entity", { entity_id: e.id, fragments: frags });
  }
  function removeFragment(e, i) {
    if (e.fragments.length < 2) return;
    send("change_entity", { entity_id: e.id, fragments: e.fragments.filter((_, j) => j !== i).map((f) => f.slice()) });
  }
  function fragmentSection(e) {
    const box = h("div", "sr-frags");
    box.appendChild(h("div", "sr-poplabel", e.fragments.length > 1 ? "Fragments (" + e.fragments.length + ")" : "Fragments"));
    if (e.fragments.length > 1) {
      const list = h("ol", "sr-fraglist");
      list.setAttribute("data-testid", "sr-frag-list");
      e.fragments.forEach((f, i) => {
        const li = h("li", "sr-fragrow");
        li.dataset.start = String(f[0]);
        li.dataset.end = String(f[1]);
        li.append(h("span", "sr-fragtext", fragLabel(f)), h("span", "sr-fragoff", f[0] + "\u2013" + f[1]));
        li.appendChild(button("\u2715", "sr-frag-remove-" + i, "Remove fragment " + (i + 1) + " " + fragLabel(f), () => removeFragment(e, i), "sr-fragdel"));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    const row = h("div", "sr-poprow");
    const add = button("+ Add fragment", "sr-add-frag", "Add a fragment: then select its text (key " + FRAG_KEY + "; or Shift+drag)",
      () => (S.fragMode === e.id ? cancelFragMode() : startFragMode(e)));
    add.appendChild(h("kbd", null, FRAG_KEY));
    add.setAttribute("aria-pressed", S.fragMode === e.id ? "true" : "false");
    row.append(add, h("span", "sr-hint", "or Shift+drag over text"));
    box.appendChild(row);
    return box;
  }

  // ---------- mouse ----------
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
    let a = boundaryOffset(rg.startContainer, rg.startOffset), b = boundaryOffset(rg.endContainer, rg.endOffset);
    if (a == null || b == null) return null;
    if (a > b) [a, b] = [b, a];
    const t = S.doc.text;
    if (!noSnap) {
      while (a > 0 && a < t.length && WORD.test(t[a - 1]) && WORD.test(t[a])) a--;
      while (b < t.length && b > 0 && WORD.test(t[b - 1]) && WORD.test(t[b])) b++;
    }
    while (a < b && /\s/.test(t[a])) a++;
    while (b > a && /\s/.test(t[b - 1])) b--;
    return b > a ? [a, b] : null;
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
    send("add_entity", { type: S.curType, fragments: [off] });
  });
  docEl.addEventListener("click", (ev) => {
    if (S.suppressClick || !S.doc) return;
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const rEl = ev.target.closest("[data-rid]");
    if (rEl) { selectRelation(rEl.getAttribute("data-rid")); root.focus({ preventScroll: true }); return; }
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
      const r = S.rels.get(el.getAttribute("data-rid"));
      for (const x of S.byRid.get(el.getAttribute("data-rid")) || []) x.classList.add("sr-hover");
      if (r) for (const id of [r.arg1, r.arg2]) for (const x of S.byEid.get(id) || []) x.classList.add("sr-hover");
    } else {
      for (const x of S.byEid.get(el.getAttribute("data-eid")) || []) x.classList.add("sr-hover");
    }
  });

  // ---------- keyboard ----------
  root.addEventListener("keydown", (ev) => {
    if (!S.doc) return;
    const tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (tag === "button" && (ev.key === "Enter" || ev.key === " ")) return;
    const k = ev.key;
    const mod = ev.ctrlKey || ev.metaKey;
    let handled = true;
    if (mod && (k === "z" || k === "Z") && !ev.shiftKey) send("undo", {});
    else if (mod && (k === "y" || ((k === "z" || k === "Z") && ev.shiftKey))) send("redo", {});
    else if (k === "Escape") { S.reviewing = false; if (S.fragMode) cancelFragMode(); else closePop(); }
    // Tab / Shift+Tab: next / previous open suggestion, while there is one (otherwise Tab
    // moves the focus as usual); not from the toolbar, whose buttons Tab walks through
    else if (k === "Tab" && !mod && !ev.altKey && !S.chooser && !toolbar.contains(ev.target) && openSuggestions().length) stepSuggestion(ev.shiftKey ? -1 : 1, selectedKey());
    else if (mod || ev.altKey) handled = false;
    else if (k === REL_PASS_KEY) suggestRelations(false);
    else if (S.chooser && /^[1-9]$/.test(k)) {
      const t = S.chooser.allowed[+k - 1];
      if (t) { send("add_relation", { type: t, arg1: S.chooser.a, arg2: S.chooser.b }); closePop(); }
    } else if (S.selected && S.selected.kind === "entity" && !S.chooser) {
      const e = S.ents.get(S.selected.id);
      if (!e) handled = false;
      else if (k === "Delete" || k === "Backspace") isSuggestion(e) ? reviewAndAdvance("reject", e, "entity") : send("delete_entity", { entity_id: e.id });
      else if (k === "Enter" && isSuggestion(e)) reviewAndAdvance("accept", e, "entity");
      else if (k === "ArrowLeft" || k === "ArrowRight") resize(e, ev.shiftKey ? "start" : "end", k === "ArrowLeft" ? -1 : 1);
      else if (k === FRAG_KEY) (S.fragMode === e.id ? cancelFragMode() : startFragMode(e));
      else if (S.keyToType.has(k.toLowerCase()) && k.length === 1) {
        const t = S.keyToType.get(k.toLowerCase());
        if (t !== e.type) send("change_entity", { entity_id: e.id, type: t });
      } else handled = false;
    } else if (S.selected && S.selected.kind === "relation") {
      const r = S.rels.get(S.selected.id);
      if (!r) handled = false;
      else if (k === "Delete" || k === "Backspace") isSuggestion(r) ? reviewAndAdvance("reject", r, "relation") : send("delete_relation", { relation_id: r.id });
      else if (k === "Enter" && isSuggestion(r)) reviewAndAdvance("accept", r, "relation");
      else if (/^[1-9]$/.test(k)) {
        const e1 = S.ents.get(r.arg1), e2 = S.ents.get(r.arg2);
        const t = e1 && e2 ? allowedRelations(e1.type, e2.type)[+k - 1] : null;
        if (t && t !== r.type) send("change_relation", { relation_id: r.id, type: t });
      } else handled = false;
    } else if (k.length === 1 && S.keyToType.has(k.toLowerCase())) {
      S.curType = S.keyToType.get(k.toLowerCase());
      refreshTypeButtons();
      const off = selectionOffsets(false);
      if (off) { window.getSelection().removeAllRanges(); send("add_entity", { type: S.curType, fragments: [off] }); }
      else setStatus("new entities: " + S.curType);
    } else handled = false;
    if (handled) { ev.preventDefault(); ev.stopPropagation(); }
  });

  // ---------- lifecycle ----------
  let resizeTimer = null;
  new ResizeObserver(() => {
    if (!S.doc || docEl.clientWidth === S.width) return;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(render, 120);
  }).observe(docEl);
  watch("value", () => {
    const v = props.value || {};
    if (v.doc_id && (v.doc_id !== S.docId || (v.revision || 0) !== S.revision)) {
      S.revision = v.revision || 0;
      openDoc(v.doc_id, false);
    }
  });
  root.srEditor = { state: S, render: render, send: send, open: openDoc, call: call };
  const start = () => {
    const v = props.value || {};
    if (v.doc_id) { S.revision = v.revision || 0; openDoc(v.doc_id, false); }
    else setStatus("no document");
  };
  (document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve()).then(start, start);
})();
