// Which page this is to the store: the client id its edits are recorded under (undo and redo
// take back this page's own edits only, db/edit_log.py) and the numbers (seq) of its
// operations per document (the store applies each (client id, seq) once and answers a repeat
// from its record, refusing a lower seq as out of order: db/transactions.py).
//
// Both are kept in the tab's sessionStorage, so that a reload of the tab (F5) is the same page:
// it can still undo what it did before the reload. The numbers must survive with the id: a
// reloaded page numbering from 1 again would be answered with the recorded results of its own
// earlier operations instead of having its new ones applied. A number is written to storage
// before its operation is sent, so no operation the store may have seen is numbered again.
//
// A duplicated tab (Chromium copies sessionStorage into it, as into a window the page opens)
// must not share the numbers with the original: both would send the same (id, seq) for
// different edits. The page holding the identity keeps a "live" marker (its load's nonce) in
// storage and removes it when it leaves (pagehide); a page that finds a marker when it starts
// is a copy beside a live page, or follows one that ended without pagehide (a crash), and takes
// a new identity: it cannot undo the other's edits, which is the safe side. Without storage
// (disabled, full) every load is a new page. Pure: tests/js runs it with a stand-in storage.
/* global module */
/* exported pageIdentity, newPageId */

const PAGE_KEY = "spanrel.editor.page";
const LIVE_KEY = "spanrel.editor.live";
const CLIENT_ID = /^[A-Za-z0-9_-]{1,64}$/; // app/editor/ops.py's shape of a client id

// 32 hex digits; crypto.getRandomValues also exists outside secure contexts (plain http on a
// LAN address), where crypto.randomUUID does not
function newPageId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ``storage``: window.sessionStorage or null; ``makeId``: a fresh random id per call
function pageIdentity(storage, makeId) {
  const get = (key) => { try { return storage ? storage.getItem(key) : null; } catch (e) { return null; } };
  const set = (key, value) => { try { if (!storage) return false; storage.setItem(key, value); return true; } catch (e) { return false; } };
  const drop = (key) => { try { if (storage) storage.removeItem(key); } catch (e) { /* nothing to keep */ } };
  const read = () => {
    try {
      const rec = JSON.parse(get(PAGE_KEY));
      if (!rec || typeof rec.id !== "string" || !CLIENT_ID.test(rec.id) || !rec.seqs || typeof rec.seqs !== "object") return null;
      const seqs = {};
      for (const [doc, n] of Object.entries(rec.seqs)) if (Number.isSafeInteger(n) && n > 0) seqs[doc] = n;
      return { id: rec.id, seqs: seqs };
    } catch (e) {
      return null;
    }
  };
  const nonce = makeId();
  const saved = read();
  const reused = !!saved && get(LIVE_KEY) === null;
  const id = reused ? saved.id : makeId();
  const seqs = reused ? saved.seqs : {};
  // a record that could not be written must not be found by the next load with lower numbers
  const write = () => { if (!set(PAGE_KEY, JSON.stringify({ id: id, seqs: seqs }))) drop(PAGE_KEY); };
  write();
  set(LIVE_KEY, nonce);
  return {
    clientId: id,
    reused: reused,
    seqs: seqs, // the numbers given so far, by document id (also read by the tests)
    // the next number for ``docId``: above what this page gave and what the tab's storage
    // holds for this id (a page of this tab restored from the back-forward cache may have
    // numbered on meanwhile)
    nextSeq(docId) {
      const rec = read();
      if (rec && rec.id === id) {
        for (const [doc, n] of Object.entries(rec.seqs)) if (!(seqs[doc] >= n)) seqs[doc] = n;
      }
      seqs[docId] = (seqs[docId] || 0) + 1;
      write();
      return seqs[docId];
    },
    // pagehide: the next page of this tab (a reload) may be this page again
    leave() { if (get(LIVE_KEY) === nonce) drop(LIVE_KEY); },
    // pageshow from the back-forward cache: this page is the tab's live one again
    back() { set(LIVE_KEY, nonce); },
  };
}

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") module.exports = { pageIdentity, newPageId, PAGE_KEY, LIVE_KEY };
