// Toasts: refusals and conflicts in a box at the bottom right of the window that stays until the person
// closes it (the status line sits below the fold on small screens and is overwritten by the
// next message). After a conflict the page reloads the document and shows what the other
// person changed (diff.js: ``S.changed`` outlined, ``S.removedSpans`` marked in the text by
// render.js) until the toast is closed or the next own edit is saved.
/* global S, h */
/* exported toast, clearChanged */

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
  // none is dropped unread: past half the screen the box scrolls, the newest in view
  toastBox.scrollTop = toastBox.scrollHeight;
  return t;
}

function clearChanged() {
  if (!S.changed.size && !S.removedSpans.length) return false;
  S.changed = new Set();
  S.removedSpans = [];
  return true;
}
