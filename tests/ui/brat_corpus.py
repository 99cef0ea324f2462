"""A small BRAT corpus as the app's import screen receives it: one sentence with a person and an
organisation, the project's annotation.conf, and ``brat_zip``, which packs documents into the
.zip an annotator uploads. Shared by the screen-logic tests here and the ``brat_project``
fixture of conftest.py, so that imports, exports and the store backend all start from the same
files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

TEXT = "John Smith works for Acme Corp in Boston."
CONF = (
    "[entities]\nPerson\nOrg\nPlace\n[relations]\nWorks_for Arg1:Person, Arg2:Org\n"
    "[events]\n[attributes]\n"
)
ANN = "T1\tPerson 0 10\tJohn Smith\nT2\tOrg 21 30\tAcme Corp\n"


def brat_zip(
    tmp: Path, name: str = "corpus", docs: dict[str, tuple[str, str]] | None = None
) -> Path:
    docs = docs or {"doc1": (TEXT, ANN)}
    out = tmp / f"{name}.zip"
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"{name}/annotation.conf", CONF)
        for stem, (text, ann) in docs.items():
            zf.writestr(f"{name}/{stem}.txt", text)
            zf.writestr(f"{name}/{stem}.ann", ann)
    return out
