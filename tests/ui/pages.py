"""The app's page in Chromium, as the UI tests drive it (shared by the test modules here).

A plain module rather than a fixture: test modules subclass ``AppPage`` for their own checks.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

#: JS that counts pairs of editor labels whose boxes overlap (stacked labels must not collide)
LABEL_OVERLAPS_JS = """() => {
  const b = [...document.querySelectorAll('.sr-label rect')].map(r => r.getBoundingClientRect());
  let n = 0;
  for (let i = 0; i < b.length; i++) for (let j = i + 1; j < b.length; j++)
    if (b[i].left < b[j].right - 1 && b[j].left < b[i].right - 1 &&
        b[i].top < b[j].bottom - 1 && b[j].top < b[i].bottom - 1) n++;
  return n; }"""


#: JS giving the viewport box of the document character at an offset (for mouse selections)
CHAR_BOX_JS = """off => {
  const seg = [...document.querySelectorAll('.sr-seg')].find(
    s => +s.dataset.s <= off && off < +s.dataset.s + s.textContent.length);
  const r = document.createRange();
  r.setStart(seg.firstChild, off - seg.dataset.s);
  r.setEnd(seg.firstChild, off - seg.dataset.s + 1);
  const b = r.getBoundingClientRect();
  return {x: b.left, y: b.top, w: b.width, h: b.height}; }"""


class AppPage:
    def __init__(self, page: Any, url: str) -> None:
        self.page, self.url = page, url
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.responses: list[str] = []  # uploads and failures, for the upload error message
        page.on(
            "response",
            lambda r: (
                self.responses.append(f"{r.status} {r.url.split('?')[0]}")
                if "upload" in r.url or r.status >= 400
                else None
            ),
        )
        page.on("requestfailed", lambda r: self.responses.append(f"failed {r.url.split('?')[0]}"))
        page.on("console", lambda m: m.type == "error" and self.responses.append(m.text[:200]))

    def goto(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_selector("#sr-docs", timeout=30_000)
        # the page's load event has filled the screens (and set the import target)
        self.page.get_by_text("signed in as").first.wait_for(timeout=30_000)
        self.page.evaluate("() => document.fonts.ready")

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    def fill(self, elem_id: str, value: str) -> None:
        self.page.locator(f"#{elem_id}").locator("textarea, input").first.fill(value)

    def choose_project(self, name: str) -> None:
        box = self.page.locator("#sr-project").locator("input").first
        box.click()
        self.page.get_by_role("option", name=name, exact=True).click()

    def open_doc(self, name: str) -> None:
        self.tab("Documents")
        cell = self.page.locator("#sr-docs [role=gridcell][data-col='1']", has_text=name)
        cell.filter(has=self.page.get_by_text(name, exact=True)).first.click()
        self.page.wait_for_function(
            "n => { const r = document.querySelector('.sr-editor');"
            " return r && r.dataset.ready === '1' &&"
            " (document.querySelector('[data-testid=sr-doc-name]') || {}).textContent === n; }",
            arg=name,
            timeout=20_000,
        )

    def upload(self, path: Path) -> None:
        """Put a file into the Import screen's file box, once.

        Sent after the page has gone quiet (so the box's handlers are bound), and never
        resent: on a loaded machine a slow upload still lands, and a second copy would make
        the import refuse the duplicate document.
        """
        with contextlib.suppress(Exception):  # a busy machine may never go fully idle
            self.page.wait_for_load_state("networkidle", timeout=5_000)
        box = self.page.locator("#sr-import-files")
        box.locator("input[type=file]").set_input_files(str(path))
        try:
            # Gradio may show the name as two elements (stem, extension) with white space
            # between them: match the text with white space removed
            self.page.wait_for_function(
                "n => { const b = document.querySelector('#sr-import-files');"
                " return !!b && b.textContent.replace(/\\s+/g, '').includes(n); }",
                arg="".join(path.name.split()),
                timeout=90_000,
            )
        except Exception as exc:  # say what the box shows and what the page logged
            shown = box.inner_text()
            raise AssertionError(
                f"{path.name} never showed in the file box (it shows {shown!r}); "
                f"responses: {self.responses[-8:]}; page errors: {self.errors}"
            ) from exc

    def type_import_target(self, name: str) -> None:
        """Type a new project name into the Import screen's target box.

        The page's own load chain (project dropdown -> refresh of every screen) also sets
        this box to the current project and may land late on a busy machine, so wait for
        the page to go quiet and retype until the typed name has stuck for a second.
        """
        box = self.page.locator("#sr-import-project").locator("input").first
        for _ in range(4):
            # Gradio's own requests may keep a busy machine from ever going idle
            with contextlib.suppress(Exception):
                self.page.wait_for_load_state("networkidle", timeout=5_000)
            box.click()
            box.fill(name)
            box.press("Enter")
            box.blur()
            self.page.wait_for_timeout(1_000)
            if box.input_value() == name:
                return
        raise AssertionError(f"the import target did not keep {name!r}")

    def run_import(self) -> None:
        """Click Import and wait for its outcome; a refusal fails with the per-file report."""
        self.page.locator("#sr-import-go").click()
        msg = self.page.locator("#sr-import-msg")
        self.page.wait_for_function(
            "() => /[\u2713\u26a0]/.test(document.querySelector('#sr-import-msg').innerText)",
            timeout=20_000,
        )
        text = msg.inner_text()
        report = self.page.locator("#sr-import-report").inner_text()
        assert "\u2713 Imported" in text, f"import refused: {text}\n{report}"

    def js(self, code: str, arg: Any = None) -> Any:
        return self.page.evaluate(code, arg)

    def settle(self) -> None:
        self.page.wait_for_function(
            "() => { const s = document.querySelector('.sr-editor').srEditor.state;"
            " return s.queue.length === 0 && !s.inflight; }",
            timeout=15_000,
        )

    def char_box(self, offset: int) -> dict[str, float]:
        return self.js(CHAR_BOX_JS, offset)

    def drag_select(self, start: int, end: int) -> None:
        a, b = self.char_box(start), self.char_box(end - 1)
        mouse = self.page.mouse
        mouse.move(a["x"] + 1, a["y"] + a["h"] / 2)
        mouse.down()
        mouse.move(b["x"] + b["w"] - 1, b["y"] + b["h"] / 2, steps=6)
        mouse.up()

    def labels(self) -> list[str]:
        return self.js(
            "() => [...document.querySelectorAll('.sr-label text')].map(t => t.textContent)"
        )


#: JS that follows one output component's status tracker: ``window.srWatch[sel]`` records
#: whether its event has gone busy and then back to idle (however briefly it was busy)
WATCH_OUTPUT_JS = """sel => {
  const root = document.querySelector(sel);
  const state = {busy: false, done: false};
  const check = () => {
    const t = root.querySelector('[data-testid=status-tracker]');
    const idle = !t || t.classList.contains('hide');
    if (!idle) state.busy = true;
    else if (state.busy) state.done = true;
  };
  new MutationObserver(check).observe(root, {attributes: true, childList: true, subtree: true});
  window.srWatch = window.srWatch || {};
  window.srWatch[sel] = state; }"""


class ScreenPage(AppPage):
    """``AppPage`` with the Export, Import and Model screens' buttons.

    Gradio leaves an output's value untouched when an event returns the same value again (two
    identical exports get the same download link), so an event's end is judged by the output's
    status tracker going busy and idle again, not by its text changing.
    """

    def click_and_wait(self, button_id: str, output_id: str, timeout: float = 60_000) -> str:
        """Click ``#button_id``, wait until the event updating ``#output_id`` has finished;
        the output's text."""
        sel = f"#{output_id}"
        self.page.evaluate(WATCH_OUTPUT_JS, sel)
        self.page.locator(f"#{button_id}").click()
        self.page.wait_for_function(
            "sel => window.srWatch[sel].done", arg=sel, timeout=timeout, polling=200
        )
        return self.page.locator(sel).inner_text()

    def upload_files(self, paths: list[Path]) -> None:
        """Put several files into the Import screen's file box at once (e.g. a SpERT JSON with
        its types file), sent once, as ``AppPage.upload`` does for one."""
        with contextlib.suppress(Exception):  # a busy machine may never go fully idle
            self.page.wait_for_load_state("networkidle", timeout=5_000)
        box = self.page.locator("#sr-import-files")
        box.locator("input[type=file]").set_input_files([str(p) for p in paths])
        for path in paths:
            self.page.wait_for_function(
                "n => { const b = document.querySelector('#sr-import-files');"
                " return !!b && b.textContent.replace(/\\s+/g, '').includes(n); }",
                arg="".join(path.name.split()),
                timeout=90_000,
            )

    def download_links(self, output_id: str, dest: Path) -> list[Path]:
        """Download every file of a File output by clicking its links (Playwright downloads)
        into ``dest``; the saved paths, in the order shown."""
        dest.mkdir(parents=True, exist_ok=True)
        saved = []
        for link in self.page.locator(f"#{output_id} a[data-testid=download-link]").all():
            with self.page.expect_download(timeout=30_000) as info:
                link.click()
            download = info.value
            target = dest / download.suggested_filename
            download.save_as(str(target))
            saved.append(target)
        return saved

    def export_files(self, label: str, suggestions: bool, dest: Path) -> tuple[list[Path], str]:
        """On the Export screen: choose the format ``label``, set "Include unreviewed model
        suggestions", export and download the files into ``dest``; (files, message)."""
        self.page.get_by_role("tab", name="Export").click()
        self.page.locator("#sr-export-fmt").get_by_label(label, exact=True).check()
        box = self.page.locator("#sr-sugg").locator("input[type=checkbox]")
        box.set_checked(suggestions)
        msg = self.click_and_wait("sr-export-go", "sr-export-msg", timeout=120_000)
        assert "\u2713" in msg, f"export refused: {msg}"
        return self.download_links("sr-export-file", dest), msg

    def model_button(self, button_id: str, timeout: float = 60_000) -> str:
        """Click a Model screen button (Activate, Roll back, Refresh...): its message."""
        self.page.get_by_role("tab", name="Model").click()
        return self.click_and_wait(button_id, "sr-model-msg", timeout=timeout)

    def activate_version(self, version: int) -> str:
        """Type ``version`` into "Activate version" and click Activate: the message."""
        self.page.get_by_role("tab", name="Model").click()
        box = self.page.get_by_label("Activate version", exact=True)
        box.fill(str(version))
        box.blur()
        return self.model_button("sr-activate")
