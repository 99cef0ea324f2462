"""The editor page inside the whole app, as the browser tests over the database store drive it:
the sentence their documents hold, ``span`` for the offsets of a word in it, and ``StorePage``,
which reads back what the page draws (labels, arcs, the status line) so a test can compare it
with what the database holds.
"""

from __future__ import annotations

from typing import Any

from tests.ui.pages import AppPage

TEXT = "John Wilkes Booth, who assassinated President Abraham Lincoln, was an actor in Washington."


def span(word: str, text: str = TEXT) -> tuple[int, int]:
    i = text.index(word)
    return i, i + len(word)


class StorePage(AppPage):
    def label(self, eid: str) -> Any:
        return self.page.locator(f".sr-label[data-eid='{eid}']").first

    def label_text(self, eid: str) -> str:
        return self.page.locator(f".sr-label[data-eid='{eid}'] text").first.text_content()

    def shown(self) -> list[dict[str, str]]:
        """What the page draws: entity id -> label text, relation id -> arc label text."""
        return self.js(
            """() => {
              const ents = {}, rels = {};
              for (const l of document.querySelectorAll('.sr-label'))
                ents[l.dataset.eid] = l.querySelector('text').textContent;
              for (const l of document.querySelectorAll('.sr-arclabel'))
                rels[l.dataset.rid] = l.querySelector('text').textContent;
              return [ents, rels];
            }"""
        )

    def status(self) -> str:
        return self.page.locator("[data-testid=sr-status-msg]").inner_text()

    def wait_doc(self, name: str) -> None:
        self.page.wait_for_function(
            "n => { const r = document.querySelector('.sr-editor');"
            " return r && r.dataset.ready === '1' &&"
            " document.querySelector('[data-testid=sr-doc-name]').textContent === n; }",
            arg=name,
            timeout=20_000,
        )
