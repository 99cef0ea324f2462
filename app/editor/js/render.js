// Drawing the document: the text as rows of segments (an annotated segment tinted by its
// innermost entity), and per annotated row one SVG with entity bands, labels and relation arcs.
// The geometry is layout.js's; this file reads positions from the DOM and writes elements.
/* global S, docEl, scroll, LINE_H, LABEL_H, BAND_STEP, BAND_H, ARC_STEP, ROW_PAD, LABEL_FONT_PX,
   LABEL_PAD, ARC_LABEL_PAD, h, s, mix, measure, breakRows, assignLevels, spreadEnds, placeArcs,
   isLive, isSuggestion, marked, fmtConf, entText, extraTip, typeColor, relColor, applySelection,
   placePop, anchorId, roleArcs, groupArcs */
/* exported render */

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
  const rows = breakRows(text, font, maxW, measure);

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
  // what another person removed, marked faintly in the text after a conflict (diff.js)
  const gone = S.removedSpans.filter(([a, b]) => b > a);
  for (const [a, b] of gone) { bounds.add(Math.max(0, Math.min(text.length, a))); bounds.add(Math.max(0, Math.min(text.length, b))); }
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
      if (gone.length && gone.some(([gs, ge]) => gs <= a && ge >= b)) seg.classList.add("sr-removed");
      const cover = active.filter((f) => f.s <= a && f.e >= b);
      for (const f of cover) segOwners.push([f.ent.id, seg]);
      if (cover.length) {
        let inner = cover[0];
        for (const f of cover) if (f.len < inner.len) inner = f;
        seg.classList.add("sr-ann");
        seg.dataset.eid = inner.ent.id;
        seg.style.backgroundColor = mix(typeColor(S.schema, inner.ent.type), isSuggestion(inner.ent) ? 18 : 32);
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
        // a trigger's marker says whether its event has attributes or notes
        const owner = S.eventOfTrigger.get(f.ent.id) || f.ent;
        const label = marked(owner, isSuggestion(f.ent) && f.ent.confidence != null ? f.ent.type + " " + fmtConf(f.ent.confidence) : f.ent.type);
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
  // relations and event arguments (role arcs): anchors spread over the label, then arc parts
  // per row; an argument that is an event is drawn at its trigger
  const drawn = (rel) => entAnchor.has(anchorId(rel.arg1)) && entAnchor.has(anchorId(rel.arg2));
  const rels = [...S.rels.values()].filter((rel) => isLive(rel) && drawn(rel))
    .concat(roleArcs().filter(drawn), groupArcs().filter(drawn));
  const ends = [];
  for (const rel of rels) {
    const A = entAnchor.get(anchorId(rel.arg1)), B = entAnchor.get(anchorId(rel.arg2));
    const ea = { rel: rel, lab: A, other: B, arrow: false }, eb = { rel: rel, lab: B, other: A, arrow: !rel.equiv };
    A.ends.push(ea); B.ends.push(eb);
    ends.push([ea, eb]);
  }
  spreadEnds(entAnchor.values());
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
  for (const r of rowInfo) placeArcs(r.arcs, maxW + 12);

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
      const e = p.ent, col = typeColor(S.schema, e.type);
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
      const e = l.ent, col = typeColor(S.schema, e.type), y = laneTop(l.lane) + 1;
      const trig = S.eventOfTrigger.get(e.id);
      const g = s("g", null, "sr-label" + (trig ? " sr-trigger" : "") + (isSuggestion(e) ? " sr-sugg" : "") + (e.review === "rejected" ? " sr-rej" : "") + (S.changed.has(e.id) ? " sr-changed" : ""));
      g.setAttribute("data-eid", e.id);
      if (trig) g.setAttribute("data-event", trig.id);
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

function drawArc(svg, arc, laneTop, arcH, maxW, reg) {
  const rel = arc.rel;
  const ev = rel.role ? S.events.get(rel.event) : null;
  const col = ev ? mix(typeColor(S.schema, ev.type), 60, "#000") : relColor(S.schema, rel.type);
  const y = ROW_PAD + arcH - 4 - (arc.level - 1) * ARC_STEP - 2;
  const g = s("g", null, "sr-arc" + (ev ? " sr-role" : "") + (rel.equiv ? " sr-equiv" : "") + (isSuggestion(rel) ? " sr-sugg" : "") + (rel.review === "rejected" ? " sr-rej" : "") + (S.changed.has(rel.id) || (rel.equiv && S.changed.has(rel.equiv)) ? " sr-changed" : ""));
  if (ev) { g.setAttribute("data-event", ev.id); g.setAttribute("data-role", rel.role); }
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
  const e1 = S.ents.get(anchorId(rel.arg1)), e2 = S.ents.get(anchorId(rel.arg2));
  tip.textContent = (ev ? ev.id + " " + ev.type + " " + rel.role : rel.id + " " + rel.type) + ": " + (e1 ? entText(e1) : rel.arg1) + " \u2192 " + (e2 ? entText(e2) : rel.arg2) +
    (rel.confidence != null ? " (" + fmtConf(rel.confidence) + ", " + (rel.review || rel.source) + ")" : "") + extraTip(rel);
  lg.append(bg, tx, tip);
  g.appendChild(lg);
  svg.appendChild(g);
  reg(S.byRid, rel.id, g);
}
