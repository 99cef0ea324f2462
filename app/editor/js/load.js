// Loading a document through the ``editor_load`` server function and showing it; the answer
// also carries the page's configuration (limits, command keys, statuses) from Python.
/* global S, scroll, setStatus, indexSchema, loadThresholds, closePop, buildToolbar, render, setEvents,
   setGroups */
/* exported call, openDoc, setDoc */

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
  if (res.config && typeof res.config === "object") S.config = res.config;
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
