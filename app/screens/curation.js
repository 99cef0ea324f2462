// The Curation tab's keys and clicks: the server draws the aligned view
// (app/screens/curation.py); this file moves the highlight through its disagreements and sends
// the curator's choices back.
//
// The view (#sr-cur-view .sr-cur: data-doc, data-version, data-nonce) lists the disagreements
// in text order (li.sr-dis: data-id, data-open "1" while unresolved), each with a pick button
// per variant (data-variant: its key; the "none" button has data-none). Keys, while the tab
// shows a document and no text field has the focus: j / k next / previous disagreement, n / p
// next / previous open one, 1-9 pick that variant of the current one, 0 none of them, m merge
// what the layers agree on, u undo this page's last choice. A choice is a command (JSON: op,
// doc, version, id, variant, client, seq) that the hidden button #sr-cur-go sends: its click's
// js takes it from here (srCuration.take). Commands go one at a time, each after the view the
// one before drew (a new data-nonce), so each carries the version the curator saw.
// app/screens/curation_tab.py wraps this file into the page's load function; the pure part
// (stepIndex, keyAction) runs under node: tests/js/curation.test.js.
/* global module */
/* exported stepIndex, keyAction */

// The index of the disagreement to move to from the one with id ``current`` (null: none yet),
// ``step`` +1 (next) or -1 (previous), among ``items`` ([{id, open}] in text order); with
// ``openOnly`` only the open ones count. Round past either end; -1 when there is none to go to.
function stepIndex(items, current, step, openOnly) {
  const n = items.length;
  if (!n) return -1;
  const at = items.findIndex((item) => item.id === current);
  let i = at < 0 ? (step > 0 ? -1 : n) : at;
  for (let tried = 0; tried < n; tried++) {
    i = (((i + step) % n) + n) % n;
    if (!openOnly || items[i].open) return i;
  }
  return -1;
}

// What a key does: {move: +1|-1, open: bool}, {pick: 1..9}, {pick: 0} (none), {merge: true},
// {undo: true}; null for any other key.
function keyAction(key) {
  switch (key) {
    case "j":
      return { move: 1, open: false };
    case "k":
      return { move: -1, open: false };
    case "n":
      return { move: 1, open: true };
    case "p":
      return { move: -1, open: true };
    case "m":
      return { merge: true };
    case "u":
      return { undo: true };
    default:
      return /^[0-9]$/.test(key) ? { pick: Number(key) } : null;
  }
}

if (typeof window === "undefined") {
  module.exports = { stepIndex, keyAction };
} else {
  const BUSY_MS = 20000; // a command not answered by then (a refused event) frees the queue
  const state = {
    current: null, // the id of the current disagreement
    doc: null, // the document the view showed last
    nonce: null, // the last view's data-nonce
    queue: [], // commands waiting for the view of the one before
    pending: null, // the command the hidden button's click takes
    busy: false,
    sentAt: 0,
    client: "cur-" + Math.random().toString(36).slice(2) + Date.now().toString(36),
    seq: 0,
  };
  const root = () => document.querySelector("#sr-cur-view .sr-cur");
  const shown = (el) => !!el && el.offsetParent !== null;
  const listed = (r) => [...r.querySelectorAll("li.sr-dis")];
  const items = (r) => listed(r).map((li) => ({ id: li.dataset.id, open: li.dataset.open === "1" }));
  const currentItem = (r) => listed(r).find((li) => li.dataset.id === state.current) || null;

  const highlight = (scroll) => {
    const r = root();
    if (!r) return;
    r.querySelectorAll(".sr-current").forEach((el) => el.classList.remove("sr-current"));
    const li = currentItem(r);
    if (!li) return;
    li.classList.add("sr-current");
    const marks = [...r.querySelectorAll("[data-dis]")].filter((el) =>
      el.dataset.dis.split(" ").includes(state.current),
    );
    marks.forEach((el) => el.classList.add("sr-current"));
    if (scroll) {
      if (marks.length) marks[0].scrollIntoView({ block: "nearest" });
      li.scrollIntoView({ block: "nearest" });
    }
  };

  const pump = () => {
    if (state.busy || !state.queue.length) return;
    const r = root();
    const go = document.querySelector("#sr-cur-go");
    const button = go && (go.tagName === "BUTTON" ? go : go.querySelector("button"));
    if (!r || !button) {
      state.queue = [];
      return;
    }
    const command = state.queue.shift();
    state.seq += 1;
    state.pending = JSON.stringify({
      ...command,
      doc: Number(r.dataset.doc),
      version: Number(r.dataset.version),
      client: state.client,
      seq: state.seq,
    });
    state.busy = true;
    state.sentAt = Date.now();
    button.click();
  };
  const send = (command) => {
    state.queue.push(command);
    pump();
  };

  const pick = (li, button) => {
    state.current = li.dataset.id;
    highlight(false);
    if (button.dataset.none) send({ op: "none", id: li.dataset.id });
    else send({ op: "pick", id: li.dataset.id, variant: button.dataset.variant });
  };

  const act = (action) => {
    const r = root();
    if (action.merge) return send({ op: "merge" });
    if (action.undo) return send({ op: "undo" });
    if (action.move) {
      const list = items(r);
      const i = stepIndex(list, state.current, action.move, action.open);
      if (i >= 0) {
        state.current = list[i].id;
        highlight(true);
      }
      return;
    }
    const li = currentItem(r);
    if (!li) return act({ move: 1, open: true }); // no current one yet: the first open
    const buttons = [...li.querySelectorAll("button[data-variant]")];
    const button =
      action.pick === 0
        ? buttons.find((b) => b.dataset.none)
        : buttons.filter((b) => !b.dataset.none)[action.pick - 1];
    if (button) pick(li, button);
  };

  // the hidden button's click (curation_tab.wire) takes the command waiting here
  window.srCuration = {
    take() {
      const command = state.pending || "";
      state.pending = null;
      return command;
    },
    state,
  };

  document.addEventListener("keydown", (event) => {
    const r = root();
    if (!shown(r) || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    const action = keyAction(event.key);
    if (!action) return;
    event.preventDefault();
    act(action);
  });

  document.addEventListener("click", (event) => {
    const r = root();
    if (!r || !r.contains(event.target)) return;
    const button = event.target.closest("button[data-variant]");
    const command = event.target.closest("button[data-cmd]");
    const li = event.target.closest("li.sr-dis");
    const mark = event.target.closest("[data-dis]");
    if (button && li) pick(li, button);
    else if (command) send({ op: command.dataset.cmd });
    else if (li) {
      state.current = li.dataset.id;
      highlight(false);
    } else if (mark) {
      state.current = mark.dataset.dis.split(" ")[0];
      highlight(true);
    }
  });

  // a new view: keep the current disagreement (its id stays while the layers do), or take the
  // first open one of a document just opened; then send what waited for it
  setInterval(() => {
    const r = root();
    const nonce = r ? r.dataset.nonce : null;
    if (nonce !== state.nonce) {
      state.nonce = nonce;
      state.busy = false;
      if (r) {
        const fresh = r.dataset.doc !== state.doc;
        state.doc = r.dataset.doc;
        const list = items(r);
        if (fresh || !list.some((item) => item.id === state.current)) {
          const first = list.find((item) => item.open) || list[0];
          state.current = first ? first.id : null;
          highlight(true);
        } else highlight(false);
      }
      pump();
    } else if (state.busy && Date.now() - state.sentAt > BUSY_MS) {
      state.busy = false;
      state.queue = [];
    }
  }, 100);
}
