// Equivalences (brat's ``*`` lines): a group of entities or events of a symmetric-transitive
// relation type (brat's ``Equiv``), drawn as brat draws it, an unarrowed arc between each two
// members next to each other in the text, labelled with the type. Linking two annotations
// with such a type puts them in one group (the store merges groups); a group's popup takes
// a member out or deletes the group.
/* global S, pop, h, button, send, popTitle, applySelection, placePop, anchorId, argText */
/* exported setGroups, groupArcs, groupArc, selectGroup */

function setGroups(list) {
  S.groups = new Map((Array.isArray(list) ? list : []).map((g) => [g.id, g]));
  if (S.doc) S.doc.groups = [...S.groups.values()];
}
const textStart = (id) => {
  const e = S.ents.get(anchorId(id));
  return e && e.fragments.length ? e.fragments[0][0] : Infinity;
};
// one drawable arc per two neighbouring members, shaped like a relation for the renderer
function groupArcs() {
  const out = [];
  for (const g of S.groups.values()) {
    const members = g.members.filter((id) => S.ents.has(anchorId(id))).sort((a, b) => textStart(a) - textStart(b));
    for (let i = 1; i < members.length; i++) {
      out.push({ id: "q:" + g.id + ":" + i, type: g.type, arg1: members[i - 1], arg2: members[i],
        review: "accepted", equiv: g.id });
    }
  }
  return out;
}
function groupArc(id) { return groupArcs().find((a) => a.id === id); }
function selectGroup(id) {
  const arc = groupArc(id);
  if (!arc) return;
  const g = S.groups.get(arc.equiv);
  S.selected = { kind: "group", id: id }; S.chooser = null;
  pop.replaceChildren();
  pop.dataset.kind = "group";
  pop.setAttribute("aria-label", g.type + " group");
  pop.appendChild(popTitle(g.type + " \u00B7 " + g.members.length + " equivalent", g.members.map((m) => "\u201C" + argText(m) + "\u201D").join(" = ")));
  for (const m of g.members) {
    const row = h("div", "sr-argrow");
    row.dataset.member = m;
    row.append(h("span", "sr-argtext", "\u201C" + argText(m) + "\u201D"),
      button("\u2715", "sr-member-remove", "Take " + argText(m) + " out of the group", () => send("remove_member", { group_id: g.id, member: m }), "sr-fragdel"));
    pop.appendChild(row);
  }
  const last = h("div", "sr-poprow");
  last.append(button("Delete group", "sr-delete", "Delete this " + g.type + " group (Delete)", () => send("delete_group", { group_id: g.id }), "sr-danger"));
  pop.appendChild(last);
  pop.hidden = false;
  applySelection();
  placePop();
}
