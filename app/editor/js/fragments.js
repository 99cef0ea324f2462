// An entity's extent: moving its start or end by one word (keys and popup buttons) and
// discontinuous entities (BRAT's "Add Frag."): a mode in which the next text selection becomes
// one more fragment, overlap refusal naming the fragment hit, and removing a fragment.
/* global S, pop, h, button, send, setStatus, wordStep, fragmentsOverlap */
/* exported resize, setFragMode, startFragMode, cancelFragMode, addFragment, fragmentSection */

function resize(e, which, dir) {
  const f = e.fragments.map((x) => x.slice());
  const t = S.doc.text;
  if (which === "start") {
    let p = wordStep(t, f[0][0], dir);
    if (dir > 0) while (p < f[0][1] && /\s/.test(t[p])) p++;
    if (p >= f[0][1] || p < 0) { setStatus("cannot move the start further", "err"); return; }
    f[0][0] = p;
  } else {
    const l = f.length - 1;
    let p = wordStep(t, f[l][1], dir);
    if (dir < 0) while (p > f[l][0] && /\s/.test(t[p - 1])) p--;
    if (p <= f[l][0] || p > t.length) { setStatus("cannot move the end further", "err"); return; }
    f[l][1] = p;
  }
  if (fragmentsOverlap(f)) { setStatus("fragments would overlap", "err"); return; }
  send("change_entity", { entity_id: e.id, fragments: f });
}

function fragLabel(f) {
  const str = S.doc.text.slice(f[0], f[1]);
  return "\u201C" + (str.length > 40 ? str.slice(0, 37) + "\u2026" : str) + "\u201D";
}
function setFragMode(id) {
  const was = S.fragMode;
  S.fragMode = id || null;
  root.classList.toggle("sr-fragmode", !!S.fragMode);
  if (S.fragMode) root.dataset.fragMode = S.fragMode; else delete root.dataset.fragMode;
  const b = pop.querySelector("[data-testid=sr-add-frag]");
  if (b) b.setAttribute("aria-pressed", S.fragMode ? "true" : "false");
  return was;
}
// the store's limit (db/edits.py, sent in the page's configuration) says so before a round trip
function atFragmentLimit(e) {
  const max = S.config.limits.max_fragments;
  if (!(e.fragments.length >= max)) return false;
  setStatus(e.id + " has " + max + " fragments already", "err");
  return true;
}
function startFragMode(e) {
  if (atFragmentLimit(e)) return;
  setFragMode(e.id);
  setStatus("select the text to add to " + e.id + " (" + e.type + ")", "info");
}
function cancelFragMode() {
  const id = setFragMode(null);
  setStatus("adding a fragment to " + id + " cancelled", "info");
}
// one change_entity with the fragments sorted; an overlap is refused here, before sending,
// so the message can name the fragment it collides with
function addFragment(id, off) {
  const e = S.ents.get(id);
  setFragMode(null);
  if (!e) { setStatus("entity " + id + " is gone: fragment not added", "err"); return; }
  const i = e.fragments.findIndex((f) => off[0] < f[1] && f[0] < off[1]);
  if (i >= 0) {
    const f = e.fragments[i];
    setStatus("not added: " + fragLabel(off) + " [" + off[0] + ", " + off[1] + ") overlaps fragment " + (i + 1) + " " +
      fragLabel(f) + " [" + f[0] + ", " + f[1] + ") of " + e.id, "err");
    return;
  }
  if (atFragmentLimit(e)) return;
  const frags = [...e.fragments.map((f) => f.slice()), off].sort((a, b) => a[0] - b[0]);
  send("change_entity", { entity_id: e.id, fragments: frags });
}
function removeFragment(e, i) {
  if (e.fragments.length < 2) return;
  send("change_entity", { entity_id: e.id, fragments: e.fragments.filter((_, j) => j !== i).map((f) => f.slice()) });
}
function fragmentSection(e) {
  const box = h("div", "sr-frags");
  box.appendChild(h("div", "sr-poplabel", e.fragments.length > 1 ? "Fragments (" + e.fragments.length + ")" : "Fragments"));
  if (e.fragments.length > 1) {
    const list = h("ol", "sr-fraglist");
    list.setAttribute("data-testid", "sr-frag-list");
    e.fragments.forEach((f, i) => {
      const li = h("li", "sr-fragrow");
      li.dataset.start = String(f[0]);
      li.dataset.end = String(f[1]);
      li.append(h("span", "sr-fragtext", fragLabel(f)), h("span", "sr-fragoff", f[0] + "\u2013" + f[1]));
      li.appendChild(button("\u2715", "sr-frag-remove-" + i, "Remove fragment " + (i + 1) + " " + fragLabel(f), () => removeFragment(e, i), "sr-fragdel"));
      list.appendChild(li);
    });
    box.appendChild(list);
  }
  const row = h("div", "sr-poprow");
  const add = button("+ Add fragment", "sr-add-frag", "Add a fragment: then select its text (key " + S.config.keys.add_fragment + "; or Shift+drag)",
    () => (S.fragMode === e.id ? cancelFragMode() : startFragMode(e)));
  add.appendChild(h("kbd", null, S.config.keys.add_fragment));
  add.setAttribute("aria-pressed", S.fragMode === e.id ? "true" : "false");
  row.append(add, h("span", "sr-hint", "or Shift+drag over text"));
  box.appendChild(row);
  return box;
}

