// Lookups in the schema the page document carries. Which relation types a pair of entity types
// admits, which attributes a type takes and each type's key are answered in Python by
// converters.schema.Schema (app/editor/page_schema.py) and arrive as tables: nothing here
// decides a schema rule, it only reads the tables. Pure, so tests/js runs it in node.
/* global module */
/* exported PALETTE, safeColor, indexSchema, allowedRelations, attributeTypesFor, typeColor, relColor,
   eventRoles, isEventType */

const PALETTE = ["#8fb4ff", "#ffb38a", "#7fd19b", "#e3a3f0", "#f5d76e", "#7fd3e0",
  "#f59a9a", "#b7b0ff", "#b5dd7d", "#e6bf8f", "#9ad0c2", "#d7a6b8"];

// a colour that is safe in a style property: #hex or a colour name, else one from the palette
function safeColor(c, i) {
  if (typeof c === "string" && (/^#[0-9a-fA-F]{3,8}$/.test(c) || /^[a-zA-Z]{3,24}$/.test(c))) return c;
  return PALETTE[i % PALETTE.length];
}

const stringList = (list) => (Array.isArray(list) ? list.filter((n) => typeof n === "string") : []);
// a JSON object as a Map (a type may be named like an Object.prototype member)
const jsonTable = (obj) => new Map(obj && typeof obj === "object" && !Array.isArray(obj) ? Object.entries(obj) : []);

// the page document's ``schema`` as Maps: entity and relation types by name (with colour, key
// and position), the type of each key, attribute types by name, and the lookup tables
function indexSchema(schema) {
  const sc = schema && typeof schema === "object" ? schema : {};
  const types = new Map(), relTypes = new Map(), keyToType = new Map(), attrTypes = new Map();
  // relation types' own keys (kb_shortcuts.conf): in the chooser and on a selected relation
  const relKeyToType = new Map();
  (Array.isArray(sc.entity_types) ? sc.entity_types : []).forEach((t, i) => {
    if (!t || typeof t.name !== "string" || types.has(t.name)) return;
    const key = typeof t.key === "string" && t.key.length === 1 && !keyToType.has(t.key) ? t.key : null;
    if (key) keyToType.set(key, t.name);
    types.set(t.name, { name: t.name, color: safeColor(t.color, i), key: key, parent: t.parent || null, index: i, hidden: t.hidden === true });
  });
  // event types: an event's trigger is drawn as a span of its event type, so they join
  // ``types`` (colour, key, toolbar) with ``event: true`` and their roles
  const eventTypes = new Map();
  const nEnt = types.size;
  (Array.isArray(sc.event_types) ? sc.event_types : []).forEach((t, j) => {
    if (!t || typeof t.name !== "string" || types.has(t.name)) return;
    const key = typeof t.key === "string" && t.key.length === 1 && !keyToType.has(t.key) ? t.key : null;
    if (key) keyToType.set(key, t.name);
    const roles = (Array.isArray(t.roles) ? t.roles : []).filter((r) => r && typeof r.role === "string")
      .map((r) => ({ role: r.role, types: stringList(r.types), cardinality: typeof r.cardinality === "string" ? r.cardinality : "" }));
    const info = { name: t.name, color: safeColor(t.color, nEnt + j), key: key, parent: t.parent || null, index: nEnt + j, event: true, roles: roles, hidden: t.hidden === true };
    types.set(t.name, info);
    eventTypes.set(t.name, info);
  });
  const roles = new Map();
  for (const [ev, row] of jsonTable(sc.roles)) {
    roles.set(ev, new Map([...jsonTable(row)].map(([arg, list]) => [arg, stringList(list)])));
  }
  (Array.isArray(sc.relation_types) ? sc.relation_types : []).forEach((t, i) => {
    if (!t || typeof t.name !== "string" || relTypes.has(t.name)) return;
    const color = t.color && safeColor(t.color, i) === t.color ? t.color : "#4a4f5c";
    const key = typeof t.key === "string" && t.key.length === 1 && !relKeyToType.has(t.key) ? t.key : null;
    if (key) relKeyToType.set(key, t.name);
    relTypes.set(t.name, { name: t.name, color: color, index: i, key: key, equivalence: t.equivalence === true });
  });
  for (const t of Array.isArray(sc.attribute_types) ? sc.attribute_types : []) {
    if (t && typeof t.name === "string" && !attrTypes.has(t.name)) {
      attrTypes.set(t.name, { name: t.name, targets: stringList(t.targets), values: stringList(t.values) });
    }
  }
  const allowed = new Map();
  for (const [head, row] of jsonTable(sc.allowed_relations)) {
    allowed.set(head, new Map([...jsonTable(row)].map(([tail, list]) => [tail, stringList(list)])));
  }
  const attrs = jsonTable(sc.attributes);
  const byType = (kind) => new Map([...jsonTable(attrs.get(kind))].map(([type, list]) => [type, stringList(list)]));
  const other = jsonTable(attrs.get("other"));
  return {
    types, relTypes, keyToType, relKeyToType, attrTypes, allowed, eventTypes, roles,
    attrs: { entity: byType("entity"), relation: byType("relation"), event: byType("event") },
    attrOther: {
      entity: stringList(other.get("entity")), relation: stringList(other.get("relation")),
      event: stringList(other.get("event")),
    },
  };
}

// the roles of event type ``ev`` that take an argument of type ``t``, in schema order
function eventRoles(index, ev, t) {
  const row = index.roles.get(ev);
  return (row && row.get(t)) || [];
}

function isEventType(index, name) { return index.eventTypes.has(name); }

// relation types from an entity of type ``t1`` to one of type ``t2``, in schema order
function allowedRelations(index, t1, t2) {
  const row = index.allowed.get(t1);
  return (row && row.get(t2)) || [];
}

// attribute types ({name, targets, values}) for an annotation of ``kind`` ("entity" or
// "relation") and ``type``
function attributeTypesFor(index, kind, type) {
  const list = index.attrs[kind].get(type) || index.attrOther[kind];
  return list.map((n) => index.attrTypes.get(n)).filter(Boolean);
}

function typeColor(index, name) { return (index.types.get(name) || { color: "#bbbbbb" }).color; }
function relColor(index, name) { return (index.relTypes.get(name) || { color: "#4a4f5c" }).color; }

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") {
  module.exports = {
    PALETTE, safeColor, indexSchema, allowedRelations, attributeTypesFor, typeColor, relColor,
    eventRoles, isEventType,
  };
}
