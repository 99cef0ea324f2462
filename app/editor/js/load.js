// Loading a document through the ``editor_load`` server function and showing it; the answer
// also carries the page's configuration (limits, command keys, statuses) from Python.
/* global S, scroll, setStatus, indexSchema, loadThresholds, closePop, buildToolbar, render, setEvents,
   setGroups, trailAfterOpen, trailBack */
/* exported call, openDoc, setDoc, goNext, goPrevious */

async function call(name, payload) {
  try {
    const fn = server && server[name];
    if (!fn) return { ok: false, error: "server function " + name + " missing" };
    return await fn(payload);
  } catch (e) {
    return undefined;
  }
}
// ``how``: "next" loads the person's next document to do after ``docId`` (the server picks
// it), "back" is the toolbar's "previous" (which takes its document off the trail itself)
async function openDoc(docId, fromPage, message, how) {
  if (!docId) return;
  setStatus("loading\u2026");
  const res = await call("editor_load", how === "next" ? { doc_id: docId, step: "next" } : { doc_id: docId });
  if (res && res.none_left) { setStatus("nothing left to do for you in this project", "ok"); return; }
  if (!res || !res.ok) { setStatus((res && res.error) || "could not load the document", "err"); return; }
  if (res.config && typeof res.config === "object") S.config = res.config;
  if (how !== "back" && res.doc) S.trail = trailAfterOpen(S.trail, S.docId, res.doc.doc_id);
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
  setEvents(doc.events);
  setGroups(doc.groups);
  S.schema = indexSchema(doc.schema);
  const offered = [...S.schema.types.values()].filter((t) => !t.hidden);
  if (!offered.some((t) => t.name === S.curType)) S.curType = offered.length ? offered[0].name : null;
  loadThresholds();
  if (changed) { closePop(); scroll.scrollTop = 0; S.autoFrom = null; }
  root.dataset.docId = doc.doc_id;
  buildToolbar();
  render();
}
// the toolbar's document steps: "next" goes to the person's next document to do, "previous"
// back along the documents this page showed, then in the project's order (trail.js)
function goNext() {
  if (S.doc) openDoc(S.docId, true, null, "next");
}
function goPrevious() {
  const back = trailBack(S.trail, S.docId, S.doc && S.doc.prev_id);
  if (!back.id) return;
  S.trail = back.trail;
  openDoc(back.id, true, null, "back");
}
