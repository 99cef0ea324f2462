// Last of the joined files: starts the editor. Redraws on a width change, reloads when Python
// sets ``value`` (another document, or a new revision of this one), exposes ``root.srEditor``
// (tests and benchmarks drive the page through it) and opens the first document once the
// fonts are ready (text widths are measured with them).
/* global S, docEl, render, send, openDoc, call, setStatus */

let resizeTimer = null;
new ResizeObserver(() => {
  if (!S.doc || docEl.clientWidth === S.width) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(render, 120);
}).observe(docEl);
watch("value", () => {
  const v = props.value || {};
  if (v.doc_id && (v.doc_id !== S.docId || (v.revision || 0) !== S.revision)) {
    S.revision = v.revision || 0;
    openDoc(v.doc_id, false);
  }
});
root.srEditor = { state: S, render: render, send: send, open: openDoc, call: call };
const start = () => {
  const v = props.value || {};
  if (v.doc_id) { S.revision = v.revision || 0; openDoc(v.doc_id, false); }
  else setStatus("no document");
};
(document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve()).then(start, start);
