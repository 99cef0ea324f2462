// What another person changed in a document: the page's copy before a conflict against the copy
// the conflict reloaded (ops_queue.js). One comparison of entities, relations, events (trigger
// span, type and arguments), equivalence groups, and the attributes, notes and normalizations
// on each. The page outlines what was added or changed (``ids``: entity, relation and group ids
// and role arc ids; a changed event outlines its trigger and the arcs of the arguments that
// changed), names what went in the toast (``gone``) and marks the text of a removed entity or
// event faintly (``spans``, offsets in the text, which never changes). An event is counted once,
// with its trigger, as the tables count it. Pure: tests/js runs it in node.
/* global module */
/* exported changedSince, changeSummary, roleArcId */

// the page id of an event argument's arc (events.js draws one arc per argument)
const roleArcId = (eventId, role) => "a:" + eventId + ":" + role;

const extrasOf = (a) => [(a && a.attributes) || [], (a && a.notes) || [], (a && a.norms) || []];
const annsById = (list) => new Map((Array.isArray(list) ? list : []).map((a) => [a.id, a]));
const sameKey = (x, y) => JSON.stringify(x) === JSON.stringify(y);
const quoteText = (t) => "\u201C" + (t.length > 40 ? t.slice(0, 39) + "\u2026" : t) + "\u201D";

function changedSince(before, after) {
  const docs = [before || {}, after || {}];
  const ents = docs.map((d) => annsById(d.entities));
  const evs = docs.map((d) => annsById(d.events));
  // a trigger is compared as part of its event, in either copy
  const triggers = new Set([...evs[0].values(), ...evs[1].values()].map((ev) => ev.trigger));
  const trigger = (ev, side) => ents[side].get(ev.trigger) || {};
  // how an annotation of the copy before reads in the toast: its text (an event's is its
  // trigger's)
  const textOf = (id) => {
    const ev = evs[0].get(id), e = ents[0].get(ev ? ev.trigger : id);
    if (!e) return String(id);
    return quoteText((e.fragments || []).map(([s, t]) => String(docs[0].text || "").slice(s, t)).join(" "));
  };
  const kinds = [
    {
      list: "entities", skip: (e) => triggers.has(e.id),
      key: (e) => [e.type, e.fragments, e.review || "", extrasOf(e)],
      outline: (e) => [e.id],
      name: (e) => e.type + " " + textOf(e.id),
      spans: (e) => e.fragments,
    },
    {
      list: "relations",
      key: (r) => [r.type, r.arg1, r.arg2, r.review || "", extrasOf(r)],
      outline: (r) => [r.id],
      name: (r) => r.type + " " + textOf(r.arg1) + " \u2192 " + textOf(r.arg2),
    },
    {
      list: "events",
      key: (ev, side) => [ev.type, trigger(ev, side).fragments, ev.args || [], extrasOf(ev), extrasOf(trigger(ev, side))],
      outline: (ev, was) => {
        const had = new Map(((was && was.args) || []).map((x) => [x.role, x.target]));
        const arcs = (ev.args || []).filter((x) => had.get(x.role) !== x.target).map((x) => roleArcId(ev.id, x.role));
        return [ev.trigger, ...arcs];
      },
      name: (ev) => "event " + ev.type + " " + textOf(ev.id),
      spans: (ev) => trigger(ev, 0).fragments,
    },
    {
      list: "groups",
      key: (g) => [g.type, g.members || []],
      outline: (g) => [g.id],
      name: (g) => g.type + " " + (g.members || []).map(textOf).join(" = "),
    },
  ];
  const out = { ids: new Set(), added: 0, changed: 0, removed: 0, gone: [], spans: [] };
  for (const k of kinds) {
    const old = annsById(docs[0][k.list]), now = annsById(docs[1][k.list]);
    for (const [id, x] of now) {
      const was = old.get(id);
      if ((k.skip && k.skip(x)) || (was && sameKey(k.key(was, 0), k.key(x, 1)))) continue;
      if (was) out.changed++;
      else out.added++;
      for (const o of k.outline(x, was)) out.ids.add(o);
    }
    for (const [id, x] of old) {
      if (now.has(id) || (k.skip && k.skip(x))) continue;
      out.removed++;
      out.gone.push(k.name(x));
      if (k.spans) out.spans.push(...(k.spans(x) || []));
    }
  }
  return out;
}

// the toast's words for ``changedSince``'s answer; at most ``max`` removed ones by name
function changeSummary(d, max) {
  const n = max || 5;
  let msg = "The document was reloaded with the other changes: " + d.added + " added, " + d.changed +
    " changed, " + d.removed + " removed";
  if (d.ids.size) msg += " (added and changed outlined)";
  if (d.gone.length) {
    msg += "; removed: " + d.gone.slice(0, n).join(", ") + (d.gone.length > n ? " and " + (d.gone.length - n) + " more" : "");
  }
  return msg + ".";
}

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") module.exports = { changedSince, changeSummary, roleArcId };
