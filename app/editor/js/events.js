// Events as brat shows them: the trigger is a span of the event type and each argument an arc
// from the trigger to the argument (an entity, or the trigger of an argument event) labelled
// with its role. A click on a trigger selects the event (its arguments, a role change, the
// argument's removal, attributes and notes, and what deleting it takes along); a click on a
// role arc selects that argument. Which roles take which argument types is a table from
// Python (schema.js ``eventRoles``): nothing here decides a schema rule.
/* global S, pop, h, button, send, entText, eventRoles, extraSection, popTitle, applySelection,
   placePop, roleArcId */
/* exported setEvents, anchorId, argType, argOf, argText, roleArcs, roleArc, selectRole,
   eventSection, eventDependents */

function setEvents(list) {
  S.events = new Map((Array.isArray(list) ? list : []).map((ev) => [ev.id, ev]));
  S.eventOfTrigger = new Map();
  for (const ev of S.events.values()) S.eventOfTrigger.set(ev.trigger, ev);
  if (S.doc) S.doc.events = [...S.events.values()];
}
const isEventId = (id) => typeof id === "string" && id[0] === "v";
// the entity an argument is drawn at: itself, or an event's trigger
function anchorId(id) {
  if (!isEventId(id)) return id;
  const ev = S.events.get(id);
  return ev ? ev.trigger : null;
}
// the type of a relation or event argument (an event's is its event type)
function argType(id) {
  const a = isEventId(id) ? S.events.get(id) : S.ents.get(id);
  return a ? a.type : null;
}
// what a click on an entity stands for as an argument: a trigger stands for its event
function argOf(entityId) {
  const ev = S.eventOfTrigger.get(entityId);
  return ev ? ev.id : entityId;
}
function argText(id) {
  const e = S.ents.get(anchorId(id));
  return e ? entText(e) : String(id);
}
const baseRole = (ev, role) => {
  const info = S.schema.eventTypes.get(ev.type);
  if (info && info.roles.some((r) => r.role === role)) return role;
  return role.replace(/[0-9]+$/, "") || role;
};
// one drawable arc per event argument, shaped like a relation for the renderer
function roleArcs() {
  const out = [];
  for (const ev of S.events.values()) {
    for (const a of ev.args || []) {
      out.push({ id: roleArcId(ev.id, a.role), type: a.role, arg1: ev.trigger, arg2: anchorId(a.target),
        review: "accepted", role: a.role, event: ev.id, target: a.target });
    }
  }
  return out;
}
function roleArc(id) { return roleArcs().find((r) => r.id === id); }
// what deleting ``ev`` takes along: the relations on it and the arguments it fills elsewhere
function eventDependents(ev) {
  const out = [];
  for (const r of S.rels.values()) {
    if ((r.arg1 === ev.id || r.arg2 === ev.id) && r.review !== "rejected") out.push("relation " + r.type + " " + r.id);
  }
  for (const o of S.events.values()) {
    for (const a of o.args || []) if (a.target === ev.id) out.push("the " + a.role + " of " + o.type + " " + o.id);
  }
  return out;
}
function roleButtons(ev, arg) {
  const roles = eventRoles(S.schema, ev.type, argType(arg.target));
  const current = baseRole(ev, arg.role);
  const wrap = h("div", "sr-popbtns");
  for (const role of roles) {
    const b = button(role, "sr-role-" + role, role === current ? "The argument's role" : "Make it the " + role,
      () => role !== current && send("change_argument", { event_id: ev.id, role: arg.role, new_role: role }),
      "sr-typebtn" + (role === current ? " sr-on" : ""));
    b.dataset.role = role;
    wrap.appendChild(b);
  }
  return wrap;
}
// the popup part of a selected trigger: its event's arguments and what deleting it means
function eventSection(ev) {
  const box = h("div", "sr-event");
  box.setAttribute("data-testid", "sr-event");
  box.dataset.event = ev.id;
  box.appendChild(h("div", "sr-poplabel", "Event " + ev.id + " \u00B7 arguments"));
  const info = S.schema.eventTypes.get(ev.type);
  for (const a of ev.args || []) {
    const row = h("div", "sr-argrow");
    row.dataset.role = a.role;
    row.append(h("span", "sr-argrole", a.role), h("span", "sr-argtext", "\u201C" + argText(a.target) + "\u201D"),
      button("\u2715", "sr-arg-remove", "Remove the " + a.role + " argument", () => send("delete_argument", { event_id: ev.id, role: a.role }), "sr-fragdel"));
    box.appendChild(row);
  }
  const missing = info ? info.roles.filter((r) => (r.cardinality === "" || r.cardinality === "+") &&
    !(ev.args || []).some((a) => baseRole(ev, a.role) === r.role)) : [];
  const hint = "click an entity or another event's trigger to add an argument" +
    (missing.length ? " (still needs: " + missing.map((r) => r.role).join(", ") + ")" : "");
  box.appendChild(h("div", "sr-hint", hint));
  box.appendChild(extraSection(ev, "event"));
  const deps = eventDependents(ev);
  const row = h("div", "sr-poprow");
  row.appendChild(button("Delete event", "sr-delete-event",
    "Delete this event and its trigger" + (deps.length ? "; also removes " + deps.join(", ") : "") + " (undo brings them back)",
    () => send("delete_event", { event_id: ev.id }), "sr-danger"));
  if (deps.length) row.appendChild(h("span", "sr-hint sr-deps", "also removes: " + deps.join(", ")));
  box.appendChild(row);
  return box;
}
function selectRole(id) {
  const arc = roleArc(id);
  if (!arc) return;
  const ev = S.events.get(arc.event);
  const arg = ev.args.find((a) => a.role === arc.role);
  S.selected = { kind: "role", id: id }; S.chooser = null;
  pop.replaceChildren();
  pop.dataset.kind = "role";
  pop.setAttribute("aria-label", "Argument " + arc.role + " of " + ev.id);
  pop.appendChild(popTitle(arc.role + " of " + ev.type + " \u00B7 " + ev.id, "\u201C" + argText(ev.trigger) + "\u201D \u2192 \u201C" + argText(arg.target) + "\u201D"));
  pop.appendChild(h("div", "sr-poplabel", "Role"));
  pop.appendChild(roleButtons(ev, arg));
  const last = h("div", "sr-poprow");
  last.append(button("Remove argument", "sr-delete", "Remove this argument from the event (Delete)",
    () => send("delete_argument", { event_id: ev.id, role: arg.role }), "sr-danger"));
  pop.appendChild(last);
  pop.hidden = false;
  applySelection();
  placePop();
}
