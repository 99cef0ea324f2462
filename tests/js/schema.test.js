// Schema lookups of the editor (app/editor/js/schema.js), in node: the page answers only from
// the tables Python sends (app/editor/page_schema.py), whatever the types are called.
const test = require("node:test");
const assert = require("node:assert/strict");
const { indexSchema, allowedRelations, attributeTypesFor, typeColor, safeColor, eventRoles, isEventType } =
  require("../../app/editor/js/schema.js");

// the shape of ``schema_dict`` for a BRAT schema with an abstract parent (!Agent) and <ENTITY>
const PAYLOAD = {
  entity_types: [
    { name: "Person", color: "#8fb4ff", key: "p", parent: "Agent" },
    { name: "Company", color: "#7fd19b", key: "c", parent: "Agent" },
    { name: "Place", color: "red;background:url(x)", key: "l", parent: null },
  ],
  relation_types: [
    { name: "Works_for", arg1_types: ["Agent"], arg2_types: ["Agent"], color: "#3b5bdb", key: "w" },
    { name: "Any_link", arg1_types: ["<ENTITY>"], arg2_types: ["<ENTITY>"], color: null, key: "too long" },
    { name: "Works_for", arg1_types: ["Place"], arg2_types: ["Place"], color: "#000000" },
  ],
  attribute_types: [
    { name: "Negated", targets: ["<ENTITY>"], values: [] },
    { name: "Level", targets: ["Agent"], values: ["low", "high"] },
    { name: "Certain", targets: ["<RELATION>"], values: [] },
  ],
  allowed_relations: {
    Person: { Person: ["Works_for", "Any_link"], Company: ["Works_for", "Any_link"], Place: ["Any_link"] },
    Company: { Person: ["Works_for", "Any_link"], Company: ["Works_for", "Any_link"], Place: ["Any_link"] },
    Place: { Person: ["Any_link"], Company: ["Any_link"], Place: ["Works_for", "Any_link"] },
  },
  attributes: {
    entity: { Person: ["Negated", "Level"], Company: ["Negated", "Level"], Place: ["Negated"] },
    relation: { Works_for: ["Certain"], Any_link: ["Certain"] },
    other: { entity: ["Negated"], relation: ["Certain"] },
  },
};

test("allowedRelations reads the table, in its order", () => {
  const ix = indexSchema(PAYLOAD);
  assert.deepEqual(allowedRelations(ix, "Person", "Company"), ["Works_for", "Any_link"]);
  assert.deepEqual(allowedRelations(ix, "Person", "Place"), ["Any_link"]);
  // nothing is derived from parents or argument lists in the page: no row, nothing offered
  assert.deepEqual(allowedRelations(ix, "Agent", "Person"), []);
  assert.deepEqual(allowedRelations(ix, "Unknown", "Person"), []);
});

test("type names that are Object.prototype members are plain keys", () => {
  const ix = indexSchema({
    entity_types: [{ name: "constructor", key: "c" }, { name: "__proto__", key: "p" }],
    allowed_relations: JSON.parse('{"constructor": {"__proto__": ["toString"]}}'),
  });
  assert.deepEqual(allowedRelations(ix, "constructor", "__proto__"), ["toString"]);
  assert.deepEqual(allowedRelations(ix, "__proto__", "constructor"), []);
  assert.deepEqual(allowedRelations(ix, "toString", "valueOf"), []);
  assert.deepEqual([...ix.types.keys()], ["constructor", "__proto__"]);
});

test("attributeTypesFor reads the table, falling back to the kind's default", () => {
  const ix = indexSchema(PAYLOAD);
  const names = (kind, type) => attributeTypesFor(ix, kind, type).map((t) => t.name);
  assert.deepEqual(names("entity", "Person"), ["Negated", "Level"]);
  assert.deepEqual(names("entity", "Place"), ["Negated"]);
  assert.deepEqual(names("entity", "Imported_only"), ["Negated"]);
  assert.deepEqual(names("relation", "Any_link"), ["Certain"]);
  assert.deepEqual(attributeTypesFor(ix, "entity", "Person")[1].values, ["low", "high"]);
});

test("keys come from the payload, one type per key", () => {
  const ix = indexSchema({
    entity_types: [
      { name: "A", key: "a" }, { name: "B", key: "a" }, { name: "C", key: "cc" }, { name: "D" },
    ],
  });
  assert.deepEqual([...ix.keyToType], [["a", "A"]]);
  assert.equal(ix.types.get("B").key, null);
  assert.equal(ix.types.get("C").key, null);
});

test("colours are sanitised; a repeated relation name keeps its first line", () => {
  const ix = indexSchema(PAYLOAD);
  assert.equal(typeColor(ix, "Person"), "#8fb4ff");
  assert.equal(typeColor(ix, "Place"), safeColor(null, 2)); // not a colour: the palette's
  assert.equal(typeColor(ix, "Nope"), "#bbbbbb");
  assert.deepEqual([...ix.relTypes.keys()], ["Works_for", "Any_link"]);
  assert.equal(ix.relTypes.get("Works_for").color, "#3b5bdb");
  assert.equal(ix.relTypes.get("Any_link").color, "#4a4f5c");
});

test("a relation type's own key (kb_shortcuts.conf) picks it; a malformed one is ignored", () => {
  const ix = indexSchema(PAYLOAD);
  assert.equal(ix.relTypes.get("Works_for").key, "w");
  assert.equal(ix.relTypes.get("Any_link").key, null);
  assert.deepEqual([...ix.relKeyToType], [["w", "Works_for"]]);
});

test("a missing or malformed schema gives empty lookups", () => {
  for (const bad of [undefined, null, [], "x", { entity_types: "x", allowed_relations: [1] }]) {
    const ix = indexSchema(bad);
    assert.equal(ix.types.size, 0);
    assert.deepEqual(allowedRelations(ix, "A", "B"), []);
    assert.deepEqual(attributeTypesFor(ix, "entity", "A"), []);
  }
});

test("event types join the types with their roles; roles are looked up, not decided", () => {
  const ix = indexSchema({
    entity_types: [{ name: "Protein", key: "p" }],
    event_types: [{ name: "Binding", key: "b", roles: [{ role: "Theme", types: ["Protein"], cardinality: "+" }] }],
    roles: { Binding: { Protein: ["Theme"] } },
    attributes: { event: { Binding: ["Negation"] }, other: { event: [] } },
    attribute_types: [{ name: "Negation", targets: ["<EVENT>"], values: [] }],
  });
  assert.equal(ix.types.get("Binding").event, true);
  assert.equal(ix.types.get("Protein").event, undefined);
  assert.equal(ix.keyToType.get("b"), "Binding");
  assert.equal(isEventType(ix, "Binding"), true);
  assert.equal(isEventType(ix, "Protein"), false);
  assert.deepEqual(eventRoles(ix, "Binding", "Protein"), ["Theme"]);
  assert.deepEqual(eventRoles(ix, "Binding", "Binding"), []);
  assert.deepEqual(ix.eventTypes.get("Binding").roles, [{ role: "Theme", types: ["Protein"], cardinality: "+" }]);
  assert.deepEqual(attributeTypesFor(ix, "event", "Binding").map((a) => a.name), ["Negation"]);
});
