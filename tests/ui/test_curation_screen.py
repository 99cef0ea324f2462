"""The Curation tab's logic (``app.screens.curation``) on a real store, SQLite and PostgreSQL:
two annotators' layers of one sentence, the agreement figures worked out by hand, the
documents to curate, the aligned view (disagreements in text order, who said what, escaped
text), each kind of choice as one edit of the curated document, a stale view refused with who
changed the document, the policy setting; and the tab's handlers behind the role guard.

The layers (``TEXT`` = "Alice Smith met Bob Jones in Paris last week."):

- ann: Peop "Alice Smith", Peop "Bob Jones", Loc "Paris", Met(Alice Smith -> Bob Jones)
- bob: Peop "Alice Smith", Peop "Bob", Peop "Paris", Peop "last"

Entities, exact: 1 matched (Alice Smith), 2 only ann's, 3 only bob's: F1 = 2 / (2 + 2 + 3) =
0.29. Overlapping, same type: Bob Jones ~ Bob too: 2 / 1 / 2, F1 = 4 / 7 = 0.57. Relations:
0 / 1 / 0, F1 0. Tokens (Alice Smith met Bob Jones in Paris last week .): ann P P O P P O L O
O O, bob P P O P O O P P O O: observed 7 / 10; expected (4 * 5 + 5 * 5 + 1 * 0) / 100 = 0.45;
kappa (0.7 - 0.45) / 0.55 = 0.45.
"""

from __future__ import annotations

import inspect
import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import gradio as gr
import pytest

from app.permissions import Actor, may_edit_document
from app.screens import curation, curation_tab, curation_view, esc
from app.screens.curation import Command, parse_command
from converters.document import Document
from converters.schema import EntityType, RelationType, Schema
from converters.tokenize import tokenize
from db import Edit, Store
from db.views import DocumentView

TEXT = "Alice Smith met Bob Jones in Paris last week."
SCHEMA = Schema([EntityType("Peop"), EntityType("Loc")], [RelationType("Met")])


def at(word: str) -> tuple[int, int]:
    start = TEXT.index(word)
    return start, start + len(word)


def add(store: Store, layer: int, type_: str, word: str, who: str) -> int:
    version = store.load_document(layer).version
    result = store.apply_edit(layer, Edit.add_entity(type_, [at(word)]), version, who)
    assert result.entity_id is not None
    return result.entity_id


def layered(store: Store, *, done: bool = True) -> int:
    """Project "cur" with document "d1" given to ann and bob, annotated as the module says;
    the curated document's id."""
    store.create_project("cur", SCHEMA)
    (doc,) = store.import_documents("cur", [Document("d1", TEXT)]).document_ids
    store.assign_layers("cur", ["d1"], ["ann", "bob"], author="mia")
    ann, bob = store.layer_for(doc, "ann"), store.layer_for(doc, "bob")
    assert ann and bob
    alice = add(store, ann, "Peop", "Alice Smith", "ann")
    jones = add(store, ann, "Peop", "Bob Jones", "ann")
    add(store, ann, "Loc", "Paris", "ann")
    version = store.load_document(ann).version
    store.apply_edit(ann, Edit.add_relation("Met", alice, jones), version, "ann")
    for type_, word in (("Peop", "Alice Smith"), ("Peop", "Bob"), ("Peop", "Paris")):
        add(store, bob, type_, word, "bob")
    add(store, bob, "Peop", "last", "bob")
    if done:
        for layer, who in ((ann, "ann"), (bob, "bob")):
            version = store.load_document(layer).version
            store.apply_edit(layer, Edit.set_status("done"), version, who)
    return doc


def rule_for(name: str, role: str):
    """The editor's permission rule (``may_edit_document``) for ``name`` in ``role``, as the
    tab hands it to ``run_command`` (``Gate.may_edit_view``)."""

    def may_edit(view: DocumentView) -> str:
        return may_edit_document(
            Actor(name, role),
            assignee=view.assignee,
            status=view.status,
            status_by=view.status_by,
            layer_owner=view.layer_owner,
            layer_owners=view.layer_owners,
        )

    return may_edit


CARA, MIA = rule_for("cara", "curator"), rule_for("mia", "manager")
#: the page identity ``run_command`` gives a command the test sends without one
PAGE = "cur-tests"
SEQ = itertools.count(1)


def run_command(store: Store, cmd: Command, author: str, may_edit=CARA) -> curation.Outcome:
    """``curation.run_command`` as the page sends it: with its identity (``PAGE``, the next
    number) where the test gave none, as curator cara."""
    if cmd.client is None:
        cmd = replace(cmd, client=PAGE, seq=next(SEQ))
    return curation.run_command(store, cmd, author, may_edit)


def cells(html: str, table: str) -> dict[tuple[str, str], str]:
    """The cells of the agreement table with class ``table``: (row, column) -> text."""
    start = html.index(f'class="sr-agree {table}"')
    body = html[start : html.index("</table>", start)]
    names = re.findall(r"<th>([^<]*)</th>", body[: body.index("</thead>")])[1:]
    out = {}
    for row in re.findall(r"<tr><th>([^<]*)</th>(.*?)</tr>", body[body.index("<tbody>") :]):
        for name, cell in zip(names, re.findall(r"<td>([^<]*)</td>", row[1]), strict=True):
            out[(row[0], name)] = cell
    return out


def test_agreement_figures_are_the_hand_computed_ones(store: Store) -> None:
    layered(store)
    assert [TEXT[s:e] for s, e in tokenize(TEXT)] == [
        *("Alice", "Smith", "met", "Bob", "Jones", "in", "Paris", "last", "week"),
        ".",
    ]  # the ten tokens the kappa above is worked out on
    html = curation.agreement_view(store, "cur")
    exact = cells(html, "sr-agree-entities")
    assert exact, "the table is drawn"
    assert exact[("ann", "bob")] == "0.29 (1 / 2 / 3)"
    assert exact[("bob", "ann")] == "0.29 (1 / 3 / 2)"  # the counts seen from bob
    assert exact[("ann", "ann")] == ""
    assert cells(html, "sr-agree-entities_overlap")[("ann", "bob")] == "0.57 (2 / 1 / 2)"
    assert cells(html, "sr-agree-relations")[("ann", "bob")] == "0.00 (0 / 1 / 0)"
    assert cells(html, "sr-agree-kappa")[("ann", "bob")] == "0.45"
    assert "curated (done): 0, not yet: 1" in html  # nothing to compare the curated layer with
    # per type: Peop 1 matched, 1 only ann's (Bob Jones), 3 only bob's: 2 / 6
    per_type = html[html.index("<h5>Peop</h5>") :]
    assert cells(per_type, "sr-agree-type")[("ann", "bob")] == "0.33 (1 / 1 / 3)"
    assert curation.agreement_view(store, None) == ""


def test_documents_to_curate_and_the_aligned_view(store: Store) -> None:
    doc = layered(store, done=False)
    store.import_documents("cur", [Document("alone", "No layers here.")])
    frame, note = curation.documents_frame(store, "cur")
    assert frame.values.tolist() == [
        [doc, "d1", "ann: in-progress, bob: in-progress", 4, 4, 1, "new"]
    ]  # "alone" has no layers; Alice Smith is agreed (both), the rest disagreements
    assert note.startswith("1 document(s) with layers; 4 open disagreement(s)")

    shown = curation.aligned_view(store, doc, nonce=7)
    html = shown.html
    assert shown.row is not None and shown.row.open == 4 and shown.version == 0
    assert f'data-doc="{doc}" data-version="0" data-nonce="7"' in html
    # one segment (one line), one row per person under the curated one
    rows = re.findall(r'<span class="sr-cur-who" title="([^"]*)">([^<]*)</span>', html)
    assert rows == [("new", "curated"), ("in-progress", "ann"), ("in-progress", "bob")]
    # the disagreements in text order: the relation (from 0), Bob / Bob Jones, Paris, last
    order = [
        html.index(x) for x in ("relation:0-25:", "entity:16-25:", "entity:29-34:", "entity:35-39:")
    ]
    assert order == sorted(order)
    view = store.curation(doc)
    paris = next(d for d in view.curation.disagreements if d.start == 29)
    assert [(v.label, v.supporters) for v in paris.variants] == [
        ('Loc "Paris"', ("ann",)),
        ('Peop "Paris"', ("bob",)),
    ]
    assert 'data-variant="' + curation.h(paris.variants[0].key) + '"' in html
    assert "Met(Alice Smith \u2192 Bob Jones)" in html
    assert html.count('data-none="1"') == 4  # a "none" per disagreement
    assert f"?project=cur&amp;tab=annotate&amp;doc={doc}" in html  # edit the curated document

    # a choice settles what it settles: the relation, and with its arguments Bob / Bob Jones
    # (and Alice Smith, the agreed one: nothing left to merge)
    relation = next(d for d in view.curation.disagreements if d.kind == "relation")
    run_command(store, Command("pick", doc, 0, relation.id, relation.variants[0].key), "cara")
    frame, _ = curation.documents_frame(store, "cur")
    assert frame.values.tolist() == [
        [doc, "d1", "ann: in-progress, bob: in-progress", 2, 4, 0, "in-progress"]
    ]

    # a document without layers says so
    alone = store.find_document("cur", "alone")
    assert "has no layers" in curation.aligned_view(store, alone).html


def test_each_choice_is_one_edit_and_a_stale_view_is_refused(store: Store) -> None:
    doc = layered(store)

    def cur():
        return store.curation(doc)

    def curated() -> list[tuple[str, str]]:
        d = store.load_document(doc)
        ents = [(e.type, TEXT[e.start : e.end]) for e in d.entities if e.review == "accepted"]
        return sorted(ents)

    v0 = cur()
    merged = run_command(store, Command("merge", doc, v0.version), "cara")
    assert merged == curation.Outcome('Merged what the layers agree on: + Peop "Alice Smith".')
    assert curated() == [("Peop", "Alice Smith")]
    # the same view again: stale, refused, naming who changed the document since
    stale = run_command(store, Command("merge", doc, v0.version), "cara")
    assert "changed by cara (merge agreed)" in stale.refusal
    assert "version 0, now 1" in stale.refusal

    v1 = cur()
    relation = next(d for d in v1.curation.disagreements if d.kind == "relation")
    picked = run_command(
        store,
        Command("pick", doc, v1.version, relation.id, relation.variants[0].key, "page-1", 1),
        "cara",
    )
    assert picked.message == ('Chose: + Peop "Bob Jones"; + Met(Alice Smith \u2192 Bob Jones).'), (
        picked
    )
    assert curated() == [("Peop", "Alice Smith"), ("Peop", "Bob Jones")]  # its argument too
    v2 = cur()
    last = next(d for d in v2.curation.disagreements if d.start == at("last")[0])
    run_command(
        store, Command("pick", doc, v2.version, last.id, last.variants[0].key, "page-1", 2), "cara"
    )
    assert ("Peop", "last") in curated()
    v3 = cur()
    none = run_command(store, Command("none", doc, v3.version, last.id, "", "page-1", 3), "cara")
    assert none.message == 'None of them: - Peop "last".' and ("Peop", "last") not in curated()
    undone = run_command(
        store, Command("undo", doc, v3.version + 1, client="page-1", seq=4), "cara"
    )
    assert undone.refusal == "" and ("Peop", "last") in curated()  # the page's last choice
    # a choice already made, a disagreement no longer there: refused with the store's reason
    v5 = cur()
    again = run_command(
        store, Command("pick", doc, v5.version, last.id, last.variants[0].key), "cara"
    )
    assert again.refusal.startswith("Not saved: ") and "already says that" in again.refusal
    gone = run_command(store, Command("none", doc, v5.version, "entity:0-1:00000000"), "cara")
    assert "is not in this document any more" in gone.refusal
    # none of them where the curated document holds none either (Paris): settled all the same
    paris = next(d for d in v5.curation.disagreements if d.start == at("Paris")[0])
    assert not paris.resolved and not paris.held
    declined = run_command(store, Command("none", doc, v5.version, paris.id), "cara")
    assert declined == curation.Outcome("None of them.")
    settled = next(d for d in cur().curation.disagreements if d.id == paris.id)
    assert settled.resolved and settled.declined
    shown = curation.aligned_view(store, doc).html
    item = shown[shown.index(f'data-id="{paris.id}"') :]
    assert item.index("\u2713 chosen") < item.index("</li>")
    history = store.history(doc)
    assert [h.op for h in history[:6]] == ["resolve"] * 5 + ["merge_agreed"]
    assert all(h.author == "cara" for h in history[:6])

    # the table's row follows without reading the others
    frame, _ = curation.documents_frame(store, "cur")
    before = frame.copy()
    before.loc[0, "open"] = 99
    row = curation.aligned_view(store, doc).row
    patched = curation.patch_frame(before, row)
    assert patched is not None and patched.values.tolist() == frame.values.tolist()
    assert curation.patch_frame(None, row) is None


def test_a_crafted_command_is_refused_and_changes_nothing(store: Store) -> None:
    """Whatever the page sends, a command must carry its page identity, name a curated
    document (never a layer: an undo there would take back its owner's newest edit) and pass
    the editor's permission rule; a refused one writes nothing anywhere."""
    doc = layered(store, done=False)
    ann, bob = store.layer_for(doc, "ann") or 0, store.layer_for(doc, "bob") or 0
    # ann's newest edit of her layer, from her editor page "ed-ann"
    version = store.load_document(ann).version
    week = Edit.add_entity("Loc", [at("week")])
    store.apply_edit(ann, week, version, "ann", client_id="ed-ann", seq=1)
    # someone else's choice on the curated document, from another page
    mine = Command("merge", doc, 0, client="cur-mia", seq=1)
    assert not curation.run_command(store, mine, "mia", MIA).refusal

    def state() -> list[tuple[int, int, int]]:
        out = []
        for d in (doc, ann, bob):
            view = store.load_document(d)
            out.append((view.version, len(view.entities), len(store.history(d))))
        return out

    before = state()
    ann_version = store.load_document(ann).version
    crafted = [
        # ann's layer: cara may see it, never change it (nor undo ann's newest edit there)
        (Command("undo", ann, ann_version, client="ed-ann", seq=2), CARA, "ann's layer of"),
        # not through the Curation tab even for a manager, whom the editor lets edit any row
        (Command("undo", ann, ann_version, client="ed-ann", seq=2), MIA, "ann's layer of"),
        (Command("merge", ann, ann_version, client="cur-x", seq=1), MIA, "ann's layer of"),
        (Command("merge", ann, ann_version, client="cur-x", seq=2), CARA, "ann's layer of"),
        (Command("none", bob, 1, "entity:0-1:x", client="cur-x", seq=3), CARA, "bob's layer"),
        # no page identity: an undo would take back the document's newest edit, mia's
        (Command("undo", doc, 1), CARA, "carries no page identity"),
        (Command("merge", doc, 1, client="cur-x"), CARA, "carries no page identity"),
        # the editor's rule: ann annotates her own layer, not the curated document
        (
            Command("undo", doc, 1, client="cur-mia", seq=2),
            rule_for("ann", "annotator"),
            "this is the curated document: annotate your own layer of it",
        ),
        (Command("merge", 999_999, 0, client="cur-x", seq=4), CARA, "no document 999999"),
    ]
    for cmd, rule, reason in crafted:
        outcome = curation.run_command(store, cmd, "cara", rule)
        assert outcome.refusal.startswith("Not saved: ") and reason in outcome.refusal, (
            cmd,
            outcome,
        )
        assert outcome.message == outcome.refusal
    assert state() == before  # nothing changed, anywhere
    assert ("Loc", "week") in [
        (e.type, TEXT[e.start : e.end]) for e in store.load_document(ann).entities
    ]
    assert store.history(doc)[0].author == "mia" and store.history(doc)[0].state == "done"
    # the page's own undo still works: its identity, the curated document, mia may edit it
    undo = Command("undo", doc, 1, client="cur-mia", seq=2)
    assert not curation.run_command(store, undo, "mia", MIA).refusal
    assert store.load_document(doc).entities == []


def test_merge_agreed_in_every_document(store: Store) -> None:
    """The project-wide merge: each document with something agreed gets one merge edit; those
    with nothing to merge (or no layers) are left alone; a document that changes meanwhile is
    reported and the others, after it too, go on."""
    d1 = layered(store, done=False)  # agreed: Peop "Alice Smith"
    store.import_documents("cur", [Document(n, TEXT) for n in ("d2", "d3", "d4", "d5")])
    store.assign_layers("cur", ["d2", "d3", "d5"], ["ann", "bob"], author="mia")  # d4: none
    ids = {n: store.find_document("cur", n) for n in ("d2", "d3", "d4", "d5")}
    for who in ("ann", "bob"):
        for name, words in (("d2", ["Alice Smith", "Paris"]), ("d5", ["Bob Jones"])):
            for word in words:
                add(store, store.layer_for(ids[name], who) or 0, "Peop", word, who)
    add(store, store.layer_for(ids["d3"], "ann") or 0, "Peop", "last", "ann")  # no agreement

    def meanwhile(view: DocumentView) -> str:
        """cara's rule, and someone editing d2 between the read and the merge."""
        if view.name == "d2":
            store.apply_edit(view.id, Edit.set_assignee("cara"), view.version, "mia")
        return CARA(view)

    done = curation.merge_project(store, "cur", "cara", meanwhile)
    assert (done.annotations, done.documents, done.nothing) == (2, 2, 1)
    assert done.line() == (
        "Merged 2 annotations into 2 documents; 1 document had nothing to merge. Not merged: "
        "d2 (changed meanwhile: version 0, now 1; merge again)."
    )

    def held(doc_id: int) -> list[str]:
        return sorted(TEXT[e.start : e.end] for e in store.load_document(doc_id).entities)

    assert held(d1) == ["Alice Smith"] and held(ids["d5"]) == ["Bob Jones"]
    assert held(ids["d2"]) == held(ids["d3"]) == held(ids["d4"]) == []
    for doc_id in (d1, ids["d5"]):
        (entry, *_) = store.history(doc_id)
        assert (entry.op, entry.author) == ("merge_agreed", "cara")  # one edit each
    assert "merge_agreed" not in [h.op for h in store.history(ids["d3"])]
    # again: only d2 is left; one not allowed to edit is refused everywhere, nothing written
    refused = curation.merge_project(store, "cur", "zed", rule_for("zed", "annotator"))
    assert (refused.documents, len(refused.refused)) == (0, 1)
    assert "d2 (this document is annotated in layers" in refused.line()
    again = curation.merge_project(store, "cur", "cara", CARA)
    assert again.line() == (
        "Merged 2 annotations into 1 document; 3 documents had nothing to merge."
    )
    assert held(ids["d2"]) == ["Alice Smith", "Paris"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "not a curation command"),
        ("[1]", "not a curation command"),
        ('{"op": "drop", "doc": 1, "version": 0}', "unknown curation command"),
        ('{"op": "merge", "doc": "1", "version": 0}', "names no document"),
        ('{"op": "merge", "doc": 1, "version": true}', "carries no version"),
        ('{"op": "pick", "doc": 1, "version": 0, "id": "x"}', "names no variant"),
        ('{"op": "none", "doc": 1, "version": 0}', "names no disagreement"),
        ('{"op": "merge", "doc": 1, "version": 0, "client": "a b", "seq": 1}', "malformed"),
        ('{"op": "merge", "doc": 1, "version": 0, "client": "ab", "seq": 0}', "malformed"),
        ('{"op": "undo", "doc": 1, "version": 0}', "carries no page identity"),
        ('{"op": "undo", "doc": 1, "version": 0, "client": "ab"}', "carries no page identity"),
        ('{"op": "merge", "doc": 1, "version": 0, "seq": 3}', "carries no page identity"),
    ],
)
def test_a_malformed_command_is_refused(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_command(text)


def test_a_command_as_the_page_sends_it() -> None:
    sent = {"op": "pick", "doc": 3, "version": 5, "id": "entity:0-4:ab", "variant": "k"}
    sent.update(client="cur-x1", seq=2)
    assert parse_command(json.dumps(sent)) == Command(
        "pick", 3, 5, "entity:0-4:ab", "k", "cur-x1", 2
    )


def test_the_policy_says_what_a_merge_takes(store: Store) -> None:
    store.create_project("three", SCHEMA)
    (doc,) = store.import_documents("three", [Document("d", TEXT)]).document_ids
    store.assign_layers("three", ["d"], ["a", "b", "c"], author="mia")
    for who in ("a", "b"):  # two of three: a majority, not unanimous
        add(store, store.layer_for(doc, who) or 0, "Peop", "Alice Smith", who)
    assert curation.policy_of(store, "three") == "majority"  # the store's default
    assert curation.aligned_view(store, doc).row.to_merge == 1  # type: ignore[union-attr]
    said = curation.set_policy(store, "three", "unanimous")
    assert "**unanimous**" in said and "every annotator" in said
    assert curation.policy_of(store, "three") == "unanimous"
    assert curation.aligned_view(store, doc).row.to_merge == 0  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unanimous, majority"):
        curation.set_policy(store, "three", "most")


def test_user_text_is_inert_in_the_view(store: Store) -> None:
    text = 'x <script>alert(1)</script> {{value}} ${props} `y` "q" end'
    store.create_project("evil <b>", Schema([EntityType("T<i>{{x}}")]))
    (doc,) = store.import_documents("evil <b>", [Document("<img src=x>", text)]).document_ids
    store.assign_layers("evil <b>", ["<img src=x>"], ["<u>ann", "bob"], author="mia")
    layer = store.layer_for(doc, "<u>ann") or 0
    start = text.index("<script>")
    store.apply_edit(layer, Edit.add_entity("T<i>{{x}}", [(start, start + 8)]), 0, "<u>ann")
    html = curation.aligned_view(store, doc).html
    assert "<script" not in html and "<img" not in html and "<u>" not in html
    assert "<i>" not in html and "{{" not in html and "${" not in html and "`" not in html
    assert "&lt;script&gt;" in html and "&#123;&#123;value&#125;&#125;" in html
    assert "project=evil+%3Cb%3E" in html  # the edit link's address, encoded
    for owner, layer_id in (("<u>ann", layer), ("bob", store.layer_for(doc, "bob") or 0)):
        version = store.load_document(layer_id).version
        store.apply_edit(layer_id, Edit.set_status("done"), version, owner)
    report = curation.agreement_view(store, "evil <b>")
    assert "&lt;u&gt;ann" in report  # the name is shown, as text
    assert "<u>" not in report


def test_a_row_keys_relations_as_the_alignment_does() -> None:
    """The aligned view's rows key a relation as ``db.curation.keys`` does, extra (ACE)
    arguments included: its label names them and it is marked disputed by that key."""
    from datetime import UTC, datetime

    from converters.document import Entity, Relation
    from db.curation.keys import entity_spec, relation_spec
    from db.views import EntityView, RelationView

    now = datetime.now(UTC)

    def ent(i: int, word: str) -> EntityView:
        return EntityView(
            i, f"T{i}", "Peop", [at(word)], None, "human", None, None, "accepted", "ann", now, now
        )

    ents = [ent(1, "Alice Smith"), ent(2, "Bob Jones"), ent(3, "last week")]
    extra = [("Time-Within", "T3")]
    rel = RelationView(
        1,
        "R1",
        "Met",
        1,
        2,
        "T1",
        "T2",
        "Arg1",
        "Arg2",
        extra,
        "human",
        None,
        None,
        "accepted",
        "ann",
        now,
        now,
    )
    view = DocumentView(1, "p", "d", TEXT, "new", None, "train", 0, "", {}, ents, [rel])
    specs = {e.ann_id: entity_spec(Entity(e.ann_id, e.type, e.fragments)) for e in ents}
    key = relation_spec(Relation("R1", "Met", "T1", "T2", extra_args=extra), specs)
    assert key is not None and key.extra  # the alignment's key of that relation
    row = curation_view._read_row("ann", view, {}, {key.key})
    assert row.relations == [(0, "Met(Alice Smith \u2192 Bob Jones; Time-Within: last week)", True)]


def test_segments_never_cut_an_annotation() -> None:
    text = "First line.\n\nSecond one. " + "Word " * 30 + "end. Tail here."
    # nothing long: its lines, the empty one dropped
    assert curation.segments(text, []) == [(0, 11), (13, len(text))]
    # a long line: after a sentence end once it is long enough, at a space if far too long
    line = "One two three. Four five six. Seven eight nine ten eleven twelve thirteen."
    cut = [line[a:b] for a, b in curation.segments(line, [], size=10)]
    assert cut == [
        "One two three.",
        "Four five six.",
        "Seven eight nine ten eleven twelve",  # 30 characters without a sentence end
        "thirteen.",
    ]
    # a span across the sentence end keeps the sentence whole
    held = [line[a:b] for a, b in curation.segments(line, [(8, 19)], size=10)]
    assert held[:2] == ["One two three. Four five six.", "Seven eight nine ten eleven twelve"]
    # and one across a line break keeps the lines together
    assert curation.segments("ab\ncd", [(1, 4)]) == [(0, 5)]


# --- behind the guard --------------------------------------------------------------------


@pytest.fixture
def built(tmp_path: Path):
    from app.ui import AppConfig, create_app

    store = Store.open(f"sqlite:///{tmp_path / 'g.sqlite'}")
    for name, role in (("mia", "manager"), ("cara", "curator"), ("ann", "annotator")):
        store.add_user(name, f"{name}-pw-000001")
        if role != "manager":
            store.set_role(name, role)
    app, demo = create_app(
        store, AppConfig(models_dir=tmp_path / "models", auto_retrain=False, sign_in=True)
    )
    yield store, demo
    app.close()
    store.close()


def _guarded(demo: gr.Blocks, name: str):
    """The guarded handler ``name`` of the Curation tab, called as ``fn(username, *inputs)``."""
    fn = next(
        bf.fn
        for bf in demo.fns.values()
        if bf.fn is not None
        and (bf.fn._sr_handler.__module__, bf.fn._sr_handler.__name__)
        == ("app.screens.curation_tab", name)
    )

    def call(username: str, *inputs):
        given = iter(inputs)
        args = [
            gr.Request(username=username) if p in ("_sr_request", "request") else next(given, None)
            for p in inspect.signature(fn).parameters
        ]
        return fn(*args)

    return call


def test_the_tab_is_for_managers_and_curators(built) -> None:
    store, demo = built
    doc = layered(store)
    view = store.curation(doc)
    command = json.dumps(
        {"op": "merge", "doc": doc, "version": view.version, "client": "cur-a", "seq": 1}
    )
    for name in (
        "show_curation",
        "refresh_agreement",
        "refresh_documents",
        "command",
        "merge_everywhere",
    ):
        refused = pytest.warns(UserWarning, match="Only a manager or a curator may")
        with refused, pytest.raises(gr.Error):  # refused before the handler runs
            _guarded(demo, name)("ann", "cur")
    assert store.load_document(doc).version == view.version

    refresh = _guarded(demo, "refresh_agreement")
    assert "0.29 (1 / 2 / 3)" in refresh("cara", "cur")
    html, row, line = _guarded(demo, "command")("cara", command)
    assert line.startswith("Merged what the layers agree on")
    assert row.to_merge == 0 and 'data-version="1"' in html
    assert store.history(doc)[0].author == "cara"
    # the tab opened again: the document shown before is drawn again, as it is now
    views = _guarded(demo, "show_curation")("cara", "cur", row)
    assert f'data-doc="{doc}" data-version="1"' in views[4] and views[5] == row
    assert _guarded(demo, "show_curation")("cara", "cur", None)[4] == curation_tab.EMPTY_VIEW

    show_tab = _guarded(demo, "show_tab")
    assert show_tab("ann")[0] == "0"
    assert show_tab("cara")[0] == "1"
    assert show_tab("mia")[0] == "1"
    # the address opens the tab: filled for a curator, at once
    fn = next(
        bf.fn
        for bf in demo.fns.values()
        if bf.fn is not None and bf.fn._sr_handler.__name__ == "show_tab"
    )
    placed = gr.Request(username="cara", query_params={"tab": "curation", "project": "cur"})
    shown = fn(placed)
    assert shown[0] == "1" and "0.29 (1 / 2 / 3)" in shown[1]
    follow = _guarded(demo, "follow_project")
    assert all(u == gr.update() for u in follow("ann", "cur"))
    assert "0.29 (1 / 2 / 3)" in follow("mia", "cur")[0]

    # a crafted command: without the page's identity, or on a layer, refused; nothing written
    version = store.load_document(doc).version
    bare = json.dumps({"op": "undo", "doc": doc, "version": version})
    with pytest.warns(UserWarning, match="carries no page identity"), pytest.raises(gr.Error):
        _guarded(demo, "command")("cara", bare)
    layer = store.layer_for(doc, "ann") or 0
    layer_version = store.load_document(layer).version
    on_layer = {"op": "undo", "doc": layer, "version": layer_version, "client": "cur-a", "seq": 2}
    with pytest.warns(UserWarning, match="ann's layer of document"):
        _, _, line = _guarded(demo, "command")("cara", json.dumps(on_layer))
    assert "curation changes the curated document only" in line
    assert store.load_document(doc).version == version
    assert store.load_document(layer).version == layer_version

    # merge across the project: the button's line; the table drawn again
    line, frame, note, html, row = _guarded(demo, "merge_everywhere")("cara", "cur", None)
    assert line == esc("Merged 0 annotations into 0 documents; 1 document had nothing to merge.")
    assert frame.values.tolist()[0][:2] == [doc, "d1"] and "with layers" in note
    assert html == gr.update() and row is None  # no document shown: none drawn
