// Where the toolbar's "previous" goes: back along the documents this page showed, as a
// browser's Back button goes, and with none left the document before it in the project's order
// (the loaded document's ``prev_id``). Opening a document any other way ("next", an id, the
// Documents screen, the address) puts the one shown before on the trail; going back takes it
// off, so "previous" pressed again goes further back. Pure: tests/js runs it in node.
/* global module */
/* exported trailAfterOpen, trailBack, TRAIL_MAX */

const TRAIL_MAX = 100; // the oldest go first

// the trail after the page went from document ``from`` to ``to`` (not by going back)
function trailAfterOpen(trail, from, to) {
  if (!from || from === to || trail[trail.length - 1] === from) return trail;
  return [...trail, from].slice(-TRAIL_MAX);
}

// where "previous" goes from ``current``, and the trail after going there; ``id`` undefined or
// null: nowhere
function trailBack(trail, current, fallback) {
  const rest = [...trail];
  while (rest.length) {
    const id = rest.pop();
    if (id !== current) return { id: id, trail: rest };
  }
  return { id: fallback, trail: rest };
}

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") module.exports = { trailAfterOpen, trailBack, TRAIL_MAX };
