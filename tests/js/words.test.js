// Word steps and selection snapping of the editor (app/editor/js/words.js), in node.
const test = require("node:test");
const assert = require("node:assert/strict");
const { wordStep, snapSelection, fragmentsOverlap } = require("../../app/editor/js/words.js");

const TEXT = "John Wilkes-Booth, who  shot Lincoln.";

test("wordStep moves over one word, skipping the spaces before it", () => {
  assert.equal(wordStep(TEXT, 0, 1), 4); // "John|"
  assert.equal(wordStep(TEXT, 4, 1), 11); // " Wilkes|"
  assert.equal(wordStep(TEXT, 11, 1), 12); // "-" is a word of its own
  assert.equal(wordStep(TEXT, 22, 1), 28); // two spaces, then "shot"
  assert.equal(wordStep(TEXT, 28, -1), 24);
  assert.equal(wordStep(TEXT, 24, -1), 19); // back over both spaces to "who"
  assert.equal(wordStep(TEXT, 18, -1), 17); // the comma alone
});

test("wordStep stops at the ends of the text", () => {
  assert.equal(wordStep(TEXT, TEXT.length, 1), TEXT.length);
  assert.equal(wordStep(TEXT, 0, -1), 0);
  assert.equal(wordStep("", 0, 1), 0);
});

test("wordStep counts letters of any script and digits as word characters", () => {
  const text = "Zoë 2024 Łódź";
  assert.equal(wordStep(text, 0, 1), 3);
  assert.equal(wordStep(text, 3, 1), 8);
  assert.equal(wordStep(text, text.length, -1), 9);
});

test("snapSelection widens to whole words and trims spaces", () => {
  // "ilkes-Boo" from inside two words: the whole of both
  assert.deepEqual(snapSelection(TEXT, 6, 15, false), [5, 17]);
  assert.deepEqual(snapSelection(TEXT, 15, 6, false), [5, 17]); // either direction
  assert.deepEqual(snapSelection(TEXT, 4, 12, false), [5, 12]); // leading space trimmed
  assert.equal(snapSelection(TEXT, 22, 24, false), null); // spaces only
});

test("snapSelection without snapping keeps the characters chosen (Alt+drag)", () => {
  assert.deepEqual(snapSelection(TEXT, 6, 15, true), [6, 15]);
});

test("fragmentsOverlap looks at sorted neighbours", () => {
  assert.equal(fragmentsOverlap([[0, 4], [5, 11]]), false);
  assert.equal(fragmentsOverlap([[0, 4], [4, 11]]), false);
  assert.equal(fragmentsOverlap([[0, 5], [4, 11]]), true);
  assert.equal(fragmentsOverlap([[0, 5]]), false);
});
