// Layout geometry of the editor (app/editor/js/layout.js), in node, with a monospace measure
// (every character 10 px wide).
const test = require("node:test");
const assert = require("node:assert/strict");
const { breakRows, assignLevels, spreadEnds, placeArcs } = require("../../app/editor/js/layout.js");

const mono = (font, str) => 10 * str.length;
const rowsOf = (text, maxW) => breakRows(text, "f", maxW, mono).map(([a, b]) => text.slice(a, b));

test("breakRows breaks paragraphs at newlines and lines at spaces", () => {
  assert.deepEqual(rowsOf("aaa bbb ccc", 75), ["aaa bbb ", "ccc"]);
  assert.deepEqual(rowsOf("aaa\nbbb ccc", 1000), ["aaa", "bbb ccc"]);
  assert.deepEqual(rowsOf("aaa\r\n\nb", 1000), ["aaa", "", "b"]); // \r dropped, empty row kept
  assert.deepEqual(rowsOf("", 100), [""]);
});

test("breakRows breaks a token wider than the row by characters", () => {
  assert.deepEqual(rowsOf("abcdefghij", 40), ["abcd", "efgh", "ij"]);
});

test("breakRows rows cover the text in order", () => {
  const text = "one two three\nfour five six seven eight nine\n\nten";
  const rows = breakRows(text, "f", 60, mono);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i][0] >= rows[i - 1][1]);
  assert.equal(rows.map(([a, b]) => text.slice(a, b)).join(""), text.replace(/\n/g, ""));
});

test("assignLevels stacks overlapping spans, reuses free levels", () => {
  const items = [{ x: [0, 10] }, { x: [5, 15] }, { x: [12, 20] }, { x: [0, 30] }];
  assignLevels(items, (it) => it.x, "level");
  assert.deepEqual(items.map((it) => it.level), [0, 1, 0, 2]);
});

test("spreadEnds spreads relation ends over a label in the order of their other ends", () => {
  const lab = { x: 100, w: 40, row: 0, ends: [] };
  const right = { x: 300, w: 20, row: 0 }, left = { x: 0, w: 20, row: 0 }, below = { x: 0, w: 20, row: 1 };
  for (const other of [below, right, left]) lab.ends.push({ lab, other });
  spreadEnds([lab]);
  assert.deepEqual(lab.ends.map((e) => e.other), [left, right, below]);
  assert.deepEqual(lab.ends.map((e) => e.x), [110, 120, 130]);
});

test("placeArcs: narrower arcs lower, overlapping arcs above, labels inside the row", () => {
  const wide = { x0: 0, x1: 200, lw: 30, a: { x: 0 }, b: { x: 200 } };
  const narrow = { x0: 50, x1: 90, lw: 20, a: { x: 50 }, b: { x: 90 } };
  const apart = { x0: 300, x1: 340, lw: 20, a: { x: 300 }, b: { x: 340 } };
  const edge = { x0: 390, x1: 400, lw: 40, a: { x: 390 }, b: null };
  placeArcs([wide, narrow, apart, edge], 400);
  assert.equal(narrow.level, 1);
  assert.equal(wide.level, 2);
  assert.equal(apart.level, 1);
  assert.ok(edge.mid + edge.lw / 2 <= 400);
});

test("placeArcs moves a label off the leg of a higher arc", () => {
  const low = { x0: 0, x1: 100, lw: 20, a: { x: 0 }, b: { x: 100 } };
  const high = { x0: 48, x1: 200, lw: 20, a: { x: 48 }, b: { x: 200 } };
  placeArcs([low, high], 1000);
  assert.equal(high.level, 2);
  assert.ok(Math.abs(low.mid - 48) >= 13, "label clear of the leg at x=48: " + low.mid);
});
