// Word steps over the document text: moving an entity's start or end by one word, and snapping
// a mouse selection to whole words. Pure functions of the text, so tests/js runs them in node.
/* global module */
/* exported WORD, wordStep, snapSelection, fragmentsOverlap */

const WORD = /[\p{L}\p{N}_]/u;

// the offset one word before (dir -1) or after (dir 1) ``pos``; a lone punctuation mark counts
// as a word, the spaces before it are skipped
function wordStep(text, pos, dir) {
  let p = pos;
  if (dir < 0) {
    while (p > 0 && /\s/.test(text[p - 1])) p--;
    if (p > 0 && !WORD.test(text[p - 1])) return p - 1;
    while (p > 0 && WORD.test(text[p - 1])) p--;
    return p;
  }
  while (p < text.length && /\s/.test(text[p])) p++;
  if (p < text.length && !WORD.test(text[p])) return p + 1;
  while (p < text.length && WORD.test(text[p])) p++;
  return p;
}

// [a, b) widened to whole words (unless ``noSnap``: Alt+drag) and trimmed of spaces; null when
// nothing but spaces is left
function snapSelection(text, a, b, noSnap) {
  if (a > b) [a, b] = [b, a];
  if (!noSnap) {
    while (a > 0 && a < text.length && WORD.test(text[a - 1]) && WORD.test(text[a])) a--;
    while (b < text.length && b > 0 && WORD.test(text[b - 1]) && WORD.test(text[b])) b++;
  }
  while (a < b && /\s/.test(text[a])) a++;
  while (b > a && /\s/.test(text[b - 1])) b--;
  return b > a ? [a, b] : null;
}

// whether sorted fragments [[s, e], ...] overlap
function fragmentsOverlap(frags) {
  for (let i = 1; i < frags.length; i++) if (frags[i][0] < frags[i - 1][1]) return true;
  return false;
}

// node (tests/js) loads this file as a CommonJS module; in the page there is a window
if (typeof window === "undefined") module.exports = { WORD, wordStep, snapSelection, fragmentsOverlap };
