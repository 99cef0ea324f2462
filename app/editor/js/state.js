// spanrel editor: the files app/editor/editor.py joins into one js_on_load body (order:
// load_order.json; identity.js, pure, comes before this one). Every file shares this scope: the
// editor's elements and its state ``S`` live here. ``root`` (the .sr-editor element, once per
// page) is set by the joining wrapper. User text only ever reaches the DOM through textContent /
// setAttribute.
/* global pageIdentity, newPageId */
/* exported toolbar, scroll, docEl, pop, statusEl, SVGNS, LINE_H, LABEL_H, BAND_STEP, BAND_H, ARC_STEP,
   ROW_PAD, LABEL_FONT_PX, LABEL_PAD, ARC_LABEL_PAD, THRESHOLDS, S, autoOps, pageId */

const toolbar = root.querySelector(".sr-toolbar");
const scroll = root.querySelector(".sr-scroll");
const docEl = root.querySelector(".sr-doc");
const pop = root.querySelector(".sr-pop");
const statusEl = root.querySelector(".sr-status");
const SVGNS = "http://www.w3.org/2000/svg";

// layout constants (px)
const LINE_H = 22, LABEL_H = 15, BAND_STEP = 4, BAND_H = 3, ARC_STEP = 16, ROW_PAD = 5;
const LABEL_FONT_PX = 10.5, LABEL_PAD = 4, ARC_LABEL_PAD = 3;

// this page's client id and operation numbers, kept over a reload of the tab (identity.js)
const pageId = pageIdentity((() => { try { return window.sessionStorage; } catch (e) { return null; } })(), newPageId);
window.addEventListener("pagehide", () => pageId.leave());
window.addEventListener("pageshow", (ev) => { if (ev.persisted) pageId.back(); });

const S = {
  doc: null, docId: null, revision: 0, version: 0,
  ents: new Map(), rels: new Map(),
  // events by id, and the event of each trigger entity (events.js)
  events: new Map(), eventOfTrigger: new Map(),
  groups: new Map(), // equivalences by id (groups.js)
  // the schema as indexSchema (schema.js) reads it from the page document
  schema: null, curType: null, selected: null, chooser: null,
  // limits, command keys and statuses, from the server with each loaded document (editor_load)
  config: { limits: {}, keys: {}, statuses: [], done: "done", reopened: "in-progress" },
  clientId: pageId.clientId, seqs: pageId.seqs, queue: [], inflight: false, retryMs: 250,
  byEid: new Map(), byRid: new Map(), width: 0, lastRenderMs: 0, showRejected: false,
  // "Show \u2265" / "Accept \u2265" per kind: suggestions below the show value are hidden (kept,
  // not rejected); accept all takes those at or above the accept value (and the show value)
  minShow: 0, minShowRel: 0, threshold: 0.8, thresholdRel: 0.8,
  reviewing: false, // stepping through suggestions with Tab (a click ends it)
  advanceFrom: null, // order key of a suggestion just accepted/rejected by key: select the next
  fragMode: null, // id of the entity the next text selection is added to, as a fragment
  trail: [], // documents this page showed before, oldest first: where "previous" goes (trail.js)
  changed: new Set(), removedSpans: [], // another person's changes after a conflict (diff.js)
};
// the four boxes: state field, kind and value in the page document's ``thresholds``,
// built-in default (the model's thresholds, when the document has them, come first)
const THRESHOLDS = [
  ["minShow", "entity", "show", 0], ["threshold", "entity", "accept", 0.8],
  ["minShowRel", "relation", "show", 0], ["thresholdRel", "relation", "accept", 0.8],
];
const autoOps = new WeakSet(); // relation passes the page sent by itself (quiet on refusal)
root.dataset.pending = "0";
