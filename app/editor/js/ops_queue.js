// Edits as operations: numbered per document (identity.js: the numbers go on over a reload of
// the tab, with the page's client id), queued, sent strictly one at a time through the
// ``editor_apply`` server function (the next after the acknowledgement; a lost answer is
// retried with the same number, which the server answers once), and the acknowledgements
// applied to the page. Also the automatic relation pass after the last entity suggestion.
/* global S, pageId, autoOps, statusEl, button, call, openDoc, toast, changedSince, changeSummary, clearChanged, setDoc, setStatus, closePop, buildToolbar, render, selectedAnn,
   isLive, isSuggestion, selectEntity, selectRelation, selectRole, selectGroup, stepSuggestion, setEvents, setGroups */
/* exported send, suggestRelations */

// Gradio answers /config (like every route) with 401 once the server has dropped this page's
// sign-in (app/access.py's Sessions); any other answer, or none, is a connection problem to
// retry. Asked only after a call failed.
async function signedOut() {
  try {
    const root = String((window.gradio_config && window.gradio_config.root) || "").replace(/\/$/, "");
    const res = await fetch(root + "/config", { credentials: "same-origin", cache: "no-store" });
    return res.status === 401;
  } catch (e) {
    return false;
  }
}
function send(kind, fields) {
  if (!S.doc) return;
  const docId = S.doc.doc_id;
  const seq = pageId.nextSeq(docId);
  const op = Object.assign({ doc_id: docId, client_id: S.clientId, seq: seq, kind: kind }, fields);
  S.queue.push(op);
  setStatus(kind.replace("_", " ") + " #" + seq + "\u2026");
  // the item is dealt with: free the next click (a second entity click would link them)
  if (/^(accept|reject|delete_entity|delete_relation|accept_all|add_relation|add_argument|delete_event|add_equivalence|delete_group)$/.test(kind)) closePop();
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
    if (await signedOut()) {
      // retrying cannot help: the sign-in ended (account disabled or removed, password
      // changed); the queue stays as it is, unsaved, and the person is told what to do
      if (!S.signedOut) toast("Your sign-in has ended (account disabled, or its password changed): " + S.queue.length + " edit(s) not saved. Reload the page to sign in again.", "err");
      S.signedOut = true;
      setStatus("signed out: " + S.queue.length + " edit(s) not saved; reload the page to sign in", "err");
      return;
    }
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
      const why = op.kind.replace(/_/g, " ") + " (#" + op.seq + ") refused: " + (ack.error || "conflict") +
        (dropped ? " (" + dropped + " later edit(s) dropped)" : "");
      const before = S.doc;
      openDoc(op.doc_id, false, why).then(() => {
        const d = changedSince(before, S.doc);
        S.changed = d.ids;
        S.removedSpans = d.spans;
        render();
        toast(why + ". " + changeSummary(d), "err", () => { if (clearChanged()) render(); });
      });
      return;
    }
    setStatus("#" + op.seq + " refused: " + (ack.error || "unknown error"), "err");
    toast(op.kind.replace(/_/g, " ") + " (#" + op.seq + ") refused: " + (ack.error || "unknown error"), "err");
    root.dataset.lastError = String(ack.error || "");
    if (ack.allow && typeof ack.allow === "object") offerPair(op, ack.allow);
    return;
  }
  const openBefore = openEntitySuggestions();
  clearChanged();
  if (ack.doc) {
    setDoc(ack.doc);
  } else {
    const c = ack.changes || {};
    for (const id of c.deleted_entities || []) S.ents.delete(id);
    for (const id of c.deleted_relations || []) S.rels.delete(id);
    for (const e of c.entities || []) S.ents.set(e.id, e);
    for (const r of c.relations || []) S.rels.set(r.id, r);
    if (c.events) setEvents(c.events);
    if (c.groups) setGroups(c.groups);
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
    if (S.selected && !S.chooser) ({ entity: selectEntity, relation: selectRelation, role: selectRole, group: selectGroup })[S.selected.kind](S.selected.id);
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

// a retype refused because a relation or an event role would not allow the new type: offer
// the schema change that allows it (``allow``: the operation, from the server), then send the
// retype again
function offerPair(op, allow) {
  const label = String(allow.label || "Allow it") + " and retry";
  const fields = Object.fromEntries(Object.entries(allow).filter(([k]) => k !== "kind" && k !== "label"));
  const retry = Object.fromEntries(Object.entries(op).filter(([k]) => !["doc_id", "client_id", "seq", "kind", "base_version"].includes(k)));
  statusEl.appendChild(button(label, "sr-allow-pair", label, () => {
    send(allow.kind, fields);
    send(op.kind, retry);
  }, "sr-primary"));
}
