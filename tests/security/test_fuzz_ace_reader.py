"""Fuzzing the ACE reader with hypothesis (a fixed, derandomized budget; the contract is in
reader_fuzzing.py). ACE corpora are XML pairs (.apf.xml annotations over an .sgm source) that
must agree on offsets, so a synthetic sample is broken at random (offsets and ids given bad
values, slices deleted, duplicated or inserted, in either file): reading must give documents
that pass their checks or raise ``ConversionError``, and validation must always answer a list.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converters import ace
from converters.errors import ConversionError
from tests.security.reader_fuzzing import FUZZ
from tests.security.reader_fuzzing import check_documents as _check

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def ace_sample(shared_data: Path) -> tuple[str, str]:
    base = shared_data / "ace-samples" / "synthetic"
    stem = "SYNTH_ENG_20240101.0001"
    return (
        (base / f"{stem}.apf.xml").read_text(encoding="utf-8"),
        (base / f"{stem}.sgm").read_text(encoding="utf-8"),
    )


ACE_TOKENS = ['START="', 'END="', 'ID="', 'REFID="', "<charseq", "</extent>", "&amp;", "<TEXT>"]


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_ace_reader(tmp_path_factory, ace_sample: tuple[str, str], data) -> None:
    apf, sgm = ace_sample
    for _ in range(data.draw(st.integers(1, 4))):
        target = data.draw(st.sampled_from(["apf", "sgm"]))
        doc = apf if target == "apf" else sgm
        op = data.draw(st.sampled_from(["number", "delete", "duplicate", "insert", "token"]))
        if op == "token":
            token = data.draw(st.sampled_from(ACE_TOKENS))
            at = doc.find(token, data.draw(st.integers(0, len(doc))))
            if at < 0:
                continue
            value = data.draw(st.sampled_from(["-1", "0", "99999", "x", "", "1e3", "٣"]))
            doc = doc[: at + len(token)] + value + doc[at + len(token) :]
        else:
            at = data.draw(st.integers(0, len(doc)))
            size = data.draw(st.integers(1, 40))
            if op == "delete":
                doc = doc[:at] + doc[at + size :]
            elif op == "duplicate":
                doc = doc[:at] + doc[at : at + size] + doc[at:]
            elif op == "insert":
                doc = doc[:at] + data.draw(st.text(max_size=10)) + doc[at:]
            else:
                doc = doc[:at] + str(data.draw(st.integers(-5, 400))) + doc[at:]
        apf, sgm = (doc, sgm) if target == "apf" else (apf, doc)
    folder = tmp_path_factory.mktemp("ace")
    (folder / "d.apf.xml").write_bytes(apf.encode("utf-8", "surrogatepass"))
    (folder / "d.sgm").write_bytes(sgm.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(ConversionError):
        _check(ace.read_corpus(folder))
    assert isinstance(ace.validate(folder), list)
