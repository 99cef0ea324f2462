// What another person changed between two copies of a document (app/editor/js/diff.js), in node.
const test = require("node:test");
const assert = require("node:assert/strict");
const { changedSince, changeSummary, roleArcId } = require("../../app/editor/js/diff.js");

const TEXT = "Alice Smith met Bob Jones in Paris and Rome.";
const span = (word) => {
  const i = TEXT.indexOf(word);
  assert.ok(i >= 0, word);
  return [i, i + word.length];
};
const ent = (id, type, word, extra = {}) => ({ id, type, fragments: [span(word)], review: "accepted", ...extra });
const rel = (id, type, arg1, arg2, extra = {}) => ({ id, type, arg1, arg2, review: "accepted", ...extra });

const BEFORE = {
  text: TEXT,
  entities: [
    ent("e1", "Peop", "Alice Smith"),
    ent("e2", "Peop", "Bob Jones"),
    ent("e3", "Loc", "Paris"),
    ent("e4", "Meet", "met"), // a trigger
    ent("e5", "Loc", "Rome"),
  ],
  relations: [rel("r1", "Live_In", "e2", "e3"), rel("r2", "Live_In", "e1", "e5")],
  events: [{ id: "v1", type: "Meet", trigger: "e4", args: [{ role: "Agent", target: "e1" }] }],
  groups: [{ id: "q1", type: "Equiv", members: ["e3", "e5"] }],
};
const copy = (doc) => JSON.parse(JSON.stringify(doc));

test("the same document twice: nothing to show", () => {
  const d = changedSince(BEFORE, copy(BEFORE));
  assert.deepEqual([d.added, d.changed, d.removed, d.ids.size, d.gone.length, d.spans.length], [0, 0, 0, 0, 0, 0]);
});

test("added, changed and removed entities and relations; the removed named and their spans kept", () => {
  const after = copy(BEFORE);
  after.entities = after.entities.filter((e) => e.id !== "e2"); // Bob Jones goes
  after.relations = after.relations.filter((r) => r.id !== "r1"); // and his relation
  after.entities.find((e) => e.id === "e1").type = "Org"; // retyped
  after.entities.push(ent("e9", "Other", "and")); // added
  after.relations.push(rel("r9", "Kill", "e1", "e3"));
  const d = changedSince(BEFORE, after);
  assert.equal(d.added, 2);
  assert.equal(d.changed, 1);
  assert.equal(d.removed, 2);
  assert.deepEqual([...d.ids].sort(), ["e1", "e9", "r9"]);
  assert.deepEqual(d.gone, ["Peop \u201CBob Jones\u201D", "Live_In \u201CBob Jones\u201D \u2192 \u201CParis\u201D"]);
  assert.deepEqual(d.spans, [span("Bob Jones")]);
  const words = changeSummary(d);
  assert.match(words, /2 added, 1 changed, 2 removed/);
  assert.match(words, /removed: Peop \u201CBob Jones\u201D, Live_In/);
});

test("attributes and notes changed on an entity or a relation outline it", () => {
  const after = copy(BEFORE);
  after.entities.find((e) => e.id === "e3").attributes = [{ name: "Negated" }];
  after.relations.find((r) => r.id === "r2").notes = [{ id: 4, text: "check" }];
  const d = changedSince(BEFORE, after);
  assert.equal(d.changed, 2);
  assert.deepEqual([...d.ids].sort(), ["e3", "r2"]);
  // and a note rewritten
  const again = copy(after);
  again.relations.find((r) => r.id === "r2").notes[0].text = "checked";
  assert.deepEqual([...changedSince(after, again).ids], ["r2"]);
});

test("an event is one annotation with its trigger: argument, type, notes, removal", () => {
  const after = copy(BEFORE);
  after.events[0].args.push({ role: "Agent2", target: "e2" }); // a new argument
  const d = changedSince(BEFORE, after);
  assert.equal(d.changed, 1);
  assert.equal(d.added + d.removed, 0);
  // the trigger label and the new argument's arc, not the unchanged one
  assert.deepEqual([...d.ids].sort(), ["a:v1:Agent2", "e4"]);
  assert.equal(roleArcId("v1", "Agent2"), "a:v1:Agent2");

  const noted = copy(BEFORE);
  noted.events[0].notes = [{ id: 1, text: "why" }];
  assert.deepEqual([...changedSince(BEFORE, noted).ids], ["e4"]);

  const moved = copy(BEFORE);
  moved.entities.find((e) => e.id === "e4").fragments = [span("met Bob")]; // the trigger resized
  const m = changedSince(BEFORE, moved);
  assert.deepEqual([m.added, m.changed, m.removed], [0, 1, 0]);

  const gone = copy(BEFORE);
  gone.events = [];
  gone.entities = gone.entities.filter((e) => e.id !== "e4");
  const g = changedSince(BEFORE, gone);
  assert.deepEqual([g.added, g.changed, g.removed], [0, 0, 1]); // not also its trigger
  assert.deepEqual(g.gone, ["event Meet \u201Cmet\u201D"]);
  assert.deepEqual(g.spans, [span("met")]);
});

test("an equivalence group changed or removed", () => {
  const after = copy(BEFORE);
  after.groups[0].members.push("e1");
  const d = changedSince(BEFORE, after);
  assert.deepEqual([d.changed, [...d.ids]], [1, ["q1"]]);
  const gone = copy(BEFORE);
  gone.groups = [];
  assert.deepEqual(changedSince(BEFORE, gone).gone, ["Equiv \u201CParis\u201D = \u201CRome\u201D"]);
});

test("the toast names at most five removed ones", () => {
  const after = copy(BEFORE);
  after.entities = after.entities.filter((e) => e.id === "e4");
  after.relations = [];
  after.groups = [];
  const d = changedSince(BEFORE, after);
  assert.equal(d.removed, 7);
  assert.match(changeSummary(d), /and 2 more\.$/);
  assert.equal(changeSummary(d, 10).includes("more"), false);
});
