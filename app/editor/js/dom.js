// Building blocks of the editor's DOM: elements with text set safely, SVG elements, buttons,
// text widths (measured once on a canvas) and the status line.
/* global S, statusEl, SVGNS */
/* exported h, s, mix, measure, button, setStatus */

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
function button(label, testid, title, onClick, cls) {
  const b = h("button", "sr-btn" + (cls ? " " + cls : ""), label);
  b.type = "button";
  b.setAttribute("data-testid", testid);
  b.setAttribute("aria-label", title);
  b.title = title;
  b.addEventListener("click", (ev) => { ev.preventDefault(); onClick(ev); });
  return b;
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
