// Toasts: refusals and conflicts in a box at the bottom right of the window that stays until the person
// closes it (the status line sits below the fold on small screens and is overwritten by the
// next message). After a conflict the page reloads the document and highlights what the other
// person changed (``S.changed``; render.js marks those labels and arcs) until the toast is
// closed or the next own edit is saved.
/* global S, h */
/* exported toast, changedSince, clearChanged */

const toastBox = h("div", "sr-toasts");
toastBox.setAttribute("aria-live", "assertive");
root.appendChild(toastBox);

function toast(msg, kind, onClose) {
  const t = h("div", "sr-toast sr-" + (kind || "err"));
  t.setAttribute("role", "alert");
  t.setAttribute("data-testid", "sr-toast");
  const close = h("button", "sr-toast-close", "\u00D7");
  close.type = "button";
  close.title = "Close";
  close.setAttribute("aria-label", "Close this message");
  close.addEventListener("click", (ev) => {
    ev.preventDefault();
    t.remove();
    if (onClose) onClose();
  });
  t.append(h("span", "sr-toast-text", msg), close);
  toastBox.appendChild(t);
  while (toastBox.children.length > 5) toastBox.firstChild.remove();
  return t;
}

const entKey = (e) => JSON.stringify([e.type, e.fragments || [e.start, e.end], e.review || ""]);
const relKey = (r) => JSON.stringify([r.type, r.arg1, r.arg2, r.review || ""]);

// What differs between two loads of one document: ids added or changed (shown highlighted)
// and how many annotations went.
function changedSince(before, after) {
  const ids = new Set();
  let added = 0, changed = 0, removed = 0;
  for (const [list, key] of [["entities", entKey], ["relations", relKey]]) {
    const old = new Map(((before && before[list]) || []).map((a) => [a.id, key(a)]));
    const now = new Set();
    for (const a of (after && after[list]) || []) {
      now.add(a.id);
      if (!old.has(a.id)) { added++; ids.add(a.id); } else if (old.get(a.id) !== key(a)) { changed++; ids.add(a.id); }
    }
    for (const id of old.keys()) if (!now.has(id)) removed++;
  }
  return { ids, added, changed, removed };
}

function clearChanged() {
  if (!S.changed || !S.changed.size) return false;
  S.changed = new Set();
  return true;
}
