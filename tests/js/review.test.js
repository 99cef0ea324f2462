// The review order of open suggestions (app/editor/js/review.js), in node.
const test = require("node:test");
const assert = require("node:assert/strict");
const { orderKey, openSuggestionsOf, nextSuggestion } = require("../../app/editor/js/review.js");

const ent = (id, s, e, review = "suggested") => ({ id, type: "T", fragments: [[s, e]], review });
const ENTS = new Map([
  ["e1", ent("e1", 10, 15)],
  ["e2", ent("e2", 0, 4)],
  ["e3", ent("e3", 10, 20)],
  ["e4", ent("e4", 30, 35, "accepted")],
  ["e5", ent("e5", 40, 45, "rejected")],
]);
const rel = (id, arg1, arg2, review = "suggested") => ({ id, type: "R", arg1, arg2, review });
const RELS = new Map([
  ["r1", rel("r1", "e4", "e2")],
  ["r2", rel("r2", "e1", "e5")],
  ["r3", rel("r3", "e2", "e4", "accepted")],
]);
const live = (a) => a.review !== "rejected";

test("reading order: by start, then end; a relation after its later argument", () => {
  const items = openSuggestionsOf(ENTS, RELS, live);
  assert.deepEqual(items.map((it) => it.id), ["e2", "e1", "e3", "r1"]);
  assert.deepEqual(orderKey("relation", RELS.get("r1"), ENTS), [30, 1, 0, "r1"]);
});

test("a relation whose argument is hidden is not offered", () => {
  const items = openSuggestionsOf(ENTS, RELS, live);
  assert.ok(!items.some((it) => it.id === "r2"));
  const all = openSuggestionsOf(ENTS, RELS, () => true);
  assert.ok(all.some((it) => it.id === "r2"));
});

test("nextSuggestion steps both ways and wraps round", () => {
  const items = openSuggestionsOf(ENTS, RELS, live);
  const key = (id) => items.find((it) => it.id === id).key;
  assert.equal(nextSuggestion(items, 1, null).id, "e2");
  assert.equal(nextSuggestion(items, -1, null).id, "r1");
  assert.equal(nextSuggestion(items, 1, key("e1")).id, "e3");
  assert.equal(nextSuggestion(items, 1, key("r1")).id, "e2");
  assert.equal(nextSuggestion(items, -1, key("e2")).id, "r1");
  // from an item no longer open (just accepted): the one after its place
  assert.equal(nextSuggestion(items, 1, orderKey("entity", ent("gone", 10, 17), ENTS)).id, "e3");
  assert.equal(nextSuggestion([], 1, null), undefined);
});
