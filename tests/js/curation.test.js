// The Curation tab's keys (app/screens/curation.js), in node: which disagreement j / k and
// n / p go to, and what each key does.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { stepIndex, keyAction } = require("../../app/screens/curation.js");

const items = [
  { id: "a", open: false },
  { id: "b", open: true },
  { id: "c", open: false },
  { id: "d", open: true },
];

test("j / k step through every disagreement, round past either end", () => {
  assert.equal(stepIndex(items, null, 1, false), 0); // none current yet: the first
  assert.equal(stepIndex(items, null, -1, false), 3); // or the last
  assert.equal(stepIndex(items, "a", 1, false), 1);
  assert.equal(stepIndex(items, "c", -1, false), 1);
  assert.equal(stepIndex(items, "d", 1, false), 0);
  assert.equal(stepIndex(items, "a", -1, false), 3);
  assert.equal(stepIndex(items, "gone", 1, false), 0); // a current one no longer listed
});

test("n / p go to the next / previous open one only", () => {
  assert.equal(stepIndex(items, null, 1, true), 1);
  assert.equal(stepIndex(items, "b", 1, true), 3);
  assert.equal(stepIndex(items, "d", 1, true), 1); // round to the first open one
  assert.equal(stepIndex(items, "c", -1, true), 1);
  assert.equal(stepIndex(items, "b", -1, true), 3);
  // the only open one, current: it stays; none open: nowhere to go
  assert.equal(stepIndex([{ id: "x", open: true }], "x", 1, true), 0);
  assert.equal(stepIndex(items.map((i) => ({ ...i, open: false })), "a", 1, true), -1);
  assert.equal(stepIndex([], null, 1, false), -1);
});

test("the keys", () => {
  assert.deepEqual(keyAction("j"), { move: 1, open: false });
  assert.deepEqual(keyAction("k"), { move: -1, open: false });
  assert.deepEqual(keyAction("n"), { move: 1, open: true });
  assert.deepEqual(keyAction("p"), { move: -1, open: true });
  assert.deepEqual(keyAction("3"), { pick: 3 });
  assert.deepEqual(keyAction("0"), { pick: 0 });
  assert.deepEqual(keyAction("m"), { merge: true });
  assert.deepEqual(keyAction("u"), { undo: true });
  for (const other of ["J", "x", "Enter", "10", " ", "ArrowDown"]) assert.equal(keyAction(other), null);
});

test("the file parses as the page's load script wraps it (app/screens/curation_tab.py)", () => {
  const src = fs.readFileSync(path.join(__dirname, "../../app/screens/curation.js"), "utf8");
  const wrapped = "() => {\n" + src + "\n}";
  assert.equal(typeof new Function("return (" + wrapped + ")")(), "function");
});
