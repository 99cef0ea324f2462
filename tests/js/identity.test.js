// The page's client id and operation numbers over reloads and duplicated tabs
// (app/editor/js/identity.js), in node with a stand-in for sessionStorage.
const test = require("node:test");
const assert = require("node:assert/strict");
const { pageIdentity, newPageId, PAGE_KEY, LIVE_KEY } = require("../../app/editor/js/identity.js");

// sessionStorage as a tab has it: a copy is what Chromium gives a duplicated tab
class TabStorage {
  constructor(items) { this.items = new Map(items || []); }
  getItem(k) { return this.items.has(k) ? this.items.get(k) : null; }
  setItem(k, v) { this.items.set(k, String(v)); }
  removeItem(k) { this.items.delete(k); }
  copy() { return new TabStorage(this.items); }
}
let n = 0;
const ids = () => "id" + ++n;

test("a reload of the tab is the same page: same client id, numbers go on", () => {
  const tab = new TabStorage();
  const first = pageIdentity(tab, ids);
  assert.equal(first.reused, false);
  assert.deepEqual([first.nextSeq("7"), first.nextSeq("7"), first.nextSeq("8")], [1, 2, 1]);
  first.leave(); // pagehide
  const again = pageIdentity(tab, ids);
  assert.equal(again.reused, true);
  assert.equal(again.clientId, first.clientId);
  assert.equal(again.nextSeq("7"), 3);
  assert.equal(again.nextSeq("8"), 2);
  assert.deepEqual(again.seqs, { 7: 3, 8: 2 });
});

test("a duplicated tab (storage copied while the page lives) is a new page", () => {
  const tab = new TabStorage();
  const original = pageIdentity(tab, ids);
  original.nextSeq("7");
  const dup = pageIdentity(tab.copy(), ids);
  assert.equal(dup.reused, false);
  assert.notEqual(dup.clientId, original.clientId);
  assert.equal(dup.nextSeq("7"), 1); // its own numbers, under its own id
  assert.equal(original.nextSeq("7"), 2);
});

test("after a page that ended without pagehide (a crash) the next is a new page", () => {
  const tab = new TabStorage();
  const crashed = pageIdentity(tab, ids);
  crashed.nextSeq("7");
  assert.notEqual(pageIdentity(tab, ids).clientId, crashed.clientId);
});

test("a page back from the back-forward cache numbers above what the tab's next page gave", () => {
  const tab = new TabStorage();
  const a = pageIdentity(tab, ids);
  a.nextSeq("7");
  a.leave(); // into the cache
  const b = pageIdentity(tab, ids); // the next page of the tab, same identity
  assert.equal(b.clientId, a.clientId);
  assert.deepEqual([b.nextSeq("7"), b.nextSeq("7")], [2, 3]);
  b.leave();
  a.back();
  assert.equal(a.nextSeq("7"), 4);
  // and the marker is held again: a copy now is a new page
  assert.equal(pageIdentity(tab.copy(), ids).reused, false);
});

test("leaving removes only this page's own marker", () => {
  const tab = new TabStorage();
  const a = pageIdentity(tab, ids);
  tab.setItem(LIVE_KEY, "someone-else");
  a.leave();
  assert.equal(tab.getItem(LIVE_KEY), "someone-else");
});

test("a damaged record or no storage at all: a new page each load", () => {
  const tab = new TabStorage([[PAGE_KEY, "{not json"]]);
  const a = pageIdentity(tab, ids);
  assert.equal(a.reused, false);
  assert.equal(a.nextSeq("1"), 1);
  const bad = new TabStorage([[PAGE_KEY, JSON.stringify({ id: "<script>", seqs: {} })]]);
  assert.equal(pageIdentity(bad, ids).reused, false);
  const none = pageIdentity(null, ids);
  assert.deepEqual([none.nextSeq("1"), none.nextSeq("1")], [1, 2]);
  none.leave();
  assert.notEqual(pageIdentity(null, ids).clientId, none.clientId);
});

test("a number that could not be stored leaves no record with a lower one behind", () => {
  const tab = new TabStorage();
  const a = pageIdentity(tab, ids);
  a.nextSeq("7");
  tab.setItem = () => { throw new Error("QuotaExceededError"); };
  assert.equal(a.nextSeq("7"), 2);
  a.leave();
  delete tab.setItem;
  const next = pageIdentity(tab, ids);
  assert.equal(next.reused, false); // not the old id with seq 1 on record
});

test("newPageId: 32 hex digits, the client id shape the server takes", () => {
  const id = newPageId();
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.notEqual(newPageId(), id);
});
