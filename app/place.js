// The page's place in its address: ?project=NAME&tab=ID&doc=ID, kept up to date while the
// person works, so a reload returns there and a copied link opens the same document.
// The server reads the same parameters on load (app.ui: on_load). A tab's id is its label in
// lower case; the document is the one the editor shows (its root's data-doc-id), written only
// while the Annotate tab is open.
() => {
  const read = () => {
    const tab = document.querySelector('button[role="tab"][aria-selected="true"]');
    const project = document.querySelector("#sr-project input");
    const editor = document.querySelector(".sr-editor");
    const place = new URLSearchParams();
    if (project && project.value) place.set("project", project.value);
    const tabId = tab ? tab.textContent.trim().toLowerCase() : "";
    if (tabId) place.set("tab", tabId);
    if (tabId === "annotate" && editor && editor.dataset.docId) place.set("doc", editor.dataset.docId);
    return place;
  };
  let ready = false;
  setInterval(() => {
    // leave the address as it came until the page has applied it (the first load event)
    if (!ready) { ready = !!document.querySelector("#sr-project input") && document.body.dataset.srPlaced === "1"; return; }
    const place = read().toString();
    const now = window.location.search.replace(/^\?/, "");
    if (place && place !== now) window.history.replaceState(null, "", "?" + place + window.location.hash);
  }, 400);
}
