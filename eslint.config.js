// ESLint for the editor's JavaScript (`make lint`). The page files are plain scripts joined into
// one js_on_load body by app/editor/editor.py: each names what it takes from the others in a
// `/* global */` comment and what it gives in `/* exported */`, so no-undef and no-unused-vars
// check the joins file by file (tests/js/bundle.test.js checks that the names match up).
const js = require("@eslint/js");
const globals = require("globals");

// browser globals, less the names the editor declares for itself (window.toolbar, window.scroll)
const browser = Object.fromEntries(
  Object.entries(globals.browser).filter(([name]) => !["toolbar", "scroll"].includes(name)),
);

module.exports = [
  { ignores: ["node_modules/", ".venv/", "build/", "dist/"] },
  js.configs.recommended,
  {
    files: ["app/editor/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "script",
      globals: {
        ...browser,
        // the parameters of gr.HTML's js_on_load, and the editor element of the joining wrapper
        element: "readonly",
        trigger: "readonly",
        props: "readonly",
        server: "readonly",
        upload: "readonly",
        watch: "readonly",
        root: "readonly",
      },
    },
    rules: {
      "no-unused-vars": ["error", { vars: "all", args: "none", caughtErrors: "none" }],
    },
  },
  {
    // the page's own scripts outside the editor (app/place.js: the address keeps the place;
    // app/screens/curation.js: the Curation tab's keys), joined into the page's load function
    files: ["app/*.js", "app/screens/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script", globals: browser },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "commonjs", globals: globals.node },
  },
];
