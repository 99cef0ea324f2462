// Layout geometry of the rendered document: rows of text, stacking levels of entity bands and
// labels, relation arc ends and heights. Pure functions over numbers (text widths come from the
// ``measure(font, text)`` given), so tests/js runs them in node; render.js draws the result.
/* global module */
/* exported breakRows, assignLevels, spreadEnds, placeArcs */

// [start, end) of each row: paragraphs at "\n", then greedy breaking at spaces to ``maxW``; a
// token wider than a row is broken by characters
function breakRows(text, font, maxW, measure) {
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

// the lowest free level for each item in turn, in ``item[prop]``; ``span(item)`` is its [x0, x1)
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

// the relation ends at each label ({x, w, row, ends: [{other}]}), spread over its width in the
// order of the labels they point to (so arcs do not cross above the label): sets ``end.x``
function spreadEnds(labels) {
  const key = (e) => (e.other.row - e.lab.row) * 1e6 + (e.other.x + e.other.w / 2);
  for (const lab of labels) {
    lab.ends.sort((a, b) => key(a) - key(b));
    const n = lab.ends.length;
    lab.ends.forEach((e, i) => { e.x = lab.x + (lab.w * (i + 1)) / (n + 1); });
  }
}

// arc parts of one row ({x0, x1, lw, a, b}): narrower arcs lower, an arc rises above every
// placed arc it overlaps (``level`` from 1); the label (``mid``) stays inside the row and moves
// off the vertical legs of higher arcs that cross its line
function placeArcs(arcs, rowRight) {
  const placed = [];
  arcs.sort((a, b) => (a.x1 - a.x0) - (b.x1 - b.x0));
  for (const arc of arcs) {
    // keep the label inside the row (an arc part running off the edge is short)
    const mid = Math.max(arc.lw / 2 + 1, Math.min((arc.x0 + arc.x1) / 2, rowRight - arc.lw / 2 - 1));
    arc.mid = mid;
    arc.lo = Math.min(arc.x0, mid - arc.lw / 2) - 3;
    arc.hi = Math.max(arc.x1, mid + arc.lw / 2) + 3;
    let lvl = 1;
    for (const p of placed) if (p.lo < arc.hi && arc.lo < p.hi) lvl = Math.max(lvl, p.level + 1);
    arc.level = lvl;
    placed.push(arc);
  }
  for (const arc of arcs) {
    const legs = [];
    for (const o of arcs) if (o.level > arc.level) for (const e of [o.a, o.b]) if (e) legs.push(e.x);
    const half = arc.lw / 2 + 3;
    const free = (m) => !legs.some((x) => Math.abs(x - m) < half);
    if (!legs.length || free(arc.mid)) continue;
    const lo = Math.min(arc.x0, arc.x1) + half, hi = Math.max(arc.x0, arc.x1) - half;
    const cands = legs.flatMap((x) => [x - half - 0.5, x + half + 0.5]).filter((m) => m >= lo && m <= hi && free(m));
    if (cands.length) arc.mid = cands.reduce((b, m) => (Math.abs(m - arc.mid) < Math.abs(b - arc.mid) ? m : b));
  }
}

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") module.exports = { breakRows, assignLevels, spreadEnds, placeArcs };
