// Where the toolbar's "previous" goes (app/editor/js/trail.js), in node.
const test = require("node:test");
const assert = require("node:assert/strict");
const { trailAfterOpen, trailBack, TRAIL_MAX } = require("../../app/editor/js/trail.js");

test("previous walks back along what the page showed, then the project's order", () => {
  let trail = [];
  trail = trailAfterOpen(trail, null, "1"); // the first document: nothing before it
  trail = trailAfterOpen(trail, "1", "5"); // next
  trail = trailAfterOpen(trail, "5", "5"); // a reload of the same document
  trail = trailAfterOpen(trail, "5", "3"); // opened by id
  assert.deepEqual(trail, ["1", "5"]);
  let back = trailBack(trail, "3", "2");
  assert.deepEqual(back, { id: "5", trail: ["1"] });
  back = trailBack(back.trail, "5", "4");
  assert.deepEqual(back, { id: "1", trail: [] });
  back = trailBack(back.trail, "1", null); // the first of the project: nowhere
  assert.equal(back.id, null);
  assert.deepEqual(trailBack([], "3", "2"), { id: "2", trail: [] });
});

test("the document open now is skipped, and the trail is bounded", () => {
  assert.deepEqual(trailBack(["4", "7", "7"], "7", null), { id: "4", trail: [] });
  let trail = [];
  for (let i = 0; i < TRAIL_MAX + 10; i++) trail = trailAfterOpen(trail, String(i), String(i + 1));
  assert.equal(trail.length, TRAIL_MAX);
  assert.equal(trail[0], "10");
});
