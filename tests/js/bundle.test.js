// The editor's page files (app/editor/js) as app/editor/editor.py joins them: every file is in
// the load order, the names a file takes from others (`/* global */`) are given by exactly one
// other file (`/* exported */`) and declared there, and the joined body parses.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const DIR = path.join(__dirname, "../../app/editor/js");
const ORDER = JSON.parse(fs.readFileSync(path.join(DIR, "load_order.json"), "utf8"));
const SOURCES = new Map(ORDER.map((name) => [name, fs.readFileSync(path.join(DIR, name), "utf8")]));
// names the page gets from gr.HTML's js_on_load and from the joining wrapper
const GIVEN = new Set(["element", "trigger", "props", "server", "upload", "watch", "root"]);
// names of the node-only export line of the pure files
const NODE_ONLY = new Set(["module"]);

function listed(src, directive) {
  const names = [];
  for (const m of src.matchAll(new RegExp("/\\*\\s*" + directive + "\\s+([^*]*)\\*/", "g"))) {
    names.push(...m[1].split(/[\s,]+/).filter(Boolean));
  }
  return names;
}

test("load_order.json lists every file of app/editor/js once", () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".js")).sort();
  assert.deepEqual([...ORDER].sort(), files);
  assert.equal(new Set(ORDER).size, ORDER.length);
});

test("each exported name is declared in its file and exported by no other", () => {
  const owner = new Map();
  for (const [file, src] of SOURCES) {
    for (const name of listed(src, "exported")) {
      assert.ok(!owner.has(name), name + " exported by " + owner.get(name) + " and " + file);
      owner.set(name, file);
      const declared = new RegExp("(?:function|const|let)\\s+" + name + "\\b|,\\s*" + name + "\\s*=");
      assert.match(src, declared, name + " is not declared in " + file);
    }
  }
});

test("each name a file takes from the others is exported by one of them", () => {
  const exported = new Map();
  for (const [file, src] of SOURCES) for (const name of listed(src, "exported")) exported.set(name, file);
  for (const [file, src] of SOURCES) {
    for (const name of listed(src, "global")) {
      if (GIVEN.has(name) || NODE_ONLY.has(name)) continue;
      assert.ok(exported.has(name), file + " takes " + name + ", which no file exports");
      assert.notEqual(exported.get(name), file, file + " takes its own " + name);
    }
  }
});

test("the joined files parse as one function body", () => {
  const body = "const root = null;\n" + ORDER.map((name) => SOURCES.get(name)).join("\n");
  assert.doesNotThrow(() => new Function(...[...GIVEN].filter((n) => n !== "root"), body));
});
