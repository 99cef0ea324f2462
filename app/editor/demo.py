"""Sample data for the editor: CoNLL04 documents with fake suggestions, a synthetic large
document for the benchmark, and ``store_document`` that puts such a document into the database
store. ``python -m app.editor.demo [conll04_dev.json]`` serves a demo on a SQLite file in a
temporary folder.

Kept here (not in tests) because the demo, the browser tests, the screenshot and the benchmark
all need the same realistic content, written through the same store the app uses.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.editor.backend import EditorBackend
from app.store_backend import StoreBackend
from converters import document as cd
from converters import schema as cs
from db import Store
from db.document_status import NEW

CONLL04_SCHEMA: dict[str, Any] = {
    "entity_types": [
        {"name": "Peop", "color": "#8fb4ff", "shortcut": "p"},
        {"name": "Org", "color": "#7fd19b", "shortcut": "o"},
        {"name": "Loc", "color": "#ffb38a", "shortcut": "l"},
        {"name": "Other", "color": "#e3a3f0", "shortcut": "t"},
    ],
    "relation_types": [
        {"name": "Work_For", "arg1_types": ["Peop"], "arg2_types": ["Org"], "color": "#3b5bdb"},
        {"name": "Kill", "arg1_types": ["Peop"], "arg2_types": ["Peop"], "color": "#c92a2a"},
        {"name": "OrgBased_In", "arg1_types": ["Org"], "arg2_types": ["Loc"], "color": "#2b8a3e"},
        {"name": "Live_In", "arg1_types": ["Peop"], "arg2_types": ["Loc"], "color": "#e8590c"},
        {"name": "Located_In", "arg1_types": ["Loc"], "arg2_types": ["Loc"], "color": "#862e9c"},
    ],
}


def _detok(tokens: list[str]) -> tuple[str, list[int], list[int]]:
    """Join tokens with spaces (none before punctuation) and return char starts/ends."""
    text, starts, ends = "", [], []
    for i, tok in enumerate(tokens):
        glued = tok in {",", ".", ";", ":", ")", "%"} or tok.startswith("'")
        if i and not (glued or tokens[i - 1] in {"(", "``", "$"}):
            text += " "
        starts.append(len(text))
        text += tok
        ends.append(len(text))
    return text, starts, ends


def conll04_documents(
    path: Path, *, docs: int = 3, per_doc: int = 6, seed: int = 4
) -> list[dict[str, Any]]:
    """Group CoNLL04 sentences into documents; some gold annotations become model
    suggestions with confidences, plus nested suggestions so overlaps are visible."""
    rng = random.Random(seed)
    sents = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for d in range(docs):
        text, ents, rels = "", [], []
        suggested_ids: set[str] = set()
        for sent in sents[d * per_doc : (d + 1) * per_doc]:
            if text:
                text += "\n"
            base = len(text)
            stext, starts, ends = _detok(sent["tokens"])
            text += stext
            ids = []
            for ent in sent["entities"]:
                eid = f"T{len(ents) + 1}"
                ids.append(eid)
                frag = [base + starts[ent["start"]], base + ends[ent["end"] - 1]]
                suggested = rng.random() < 0.35
                if suggested:
                    suggested_ids.add(eid)
                ents.append(
                    {
                        "id": eid,
                        "type": ent["type"],
                        "fragments": [frag],
                        "source": "model" if suggested else "import",
                        "review": "suggested" if suggested else None,
                        "confidence": round(rng.uniform(0.55, 0.99), 2) if suggested else None,
                    }
                )
                if ent["end"] - ent["start"] >= 2 and rng.random() < 0.5:
                    # a nested suggestion on the last token (e.g. a place inside an org name)
                    nested = [base + starts[ent["end"] - 1], base + ends[ent["end"] - 1]]
                    other = {"Org": "Loc", "Peop": "Other", "Loc": "Other", "Other": "Org"}
                    ents.append(
                        {
                            "id": f"T{len(ents) + 1}",
                            "type": other[ent["type"]],
                            "fragments": [nested],
                            "source": "model",
                            "review": "suggested",
                            "confidence": round(rng.uniform(0.3, 0.7), 2),
                        }
                    )
            for rel in sent["relations"]:
                # a relation over a suggested entity is a suggestion too: accepting a relation
                # accepts its arguments in the store, so the reverse state cannot be stored
                pending = {ids[rel["head"]], ids[rel["tail"]]} & suggested_ids
                suggested = rng.random() < 0.3 or bool(pending)
                rels.append(
                    {
                        "id": f"R{len(rels) + 1}",
                        "type": rel["type"],
                        "arg1": ids[rel["head"]],
                        "arg2": ids[rel["tail"]],
                        "source": "model" if suggested else "import",
                        "review": "suggested" if suggested else None,
                        "confidence": round(rng.uniform(0.5, 0.95), 2) if suggested else None,
                    }
                )
        out.append(
            {
                "doc_id": f"conll04-{d + 1}",
                "name": f"CoNLL04 dev, sentences {d * per_doc + 1}-{(d + 1) * per_doc}",
                "text": text,
                "entities": ents,
                "relations": rels,
            }
        )
    return out


_WORDS = (
    "the of and a in to was for on with as by at from his that it is an were which he "
    "company president minister city river report agency office court market council"
)
WORDS = _WORDS.split()
_NAMES = "Alice Bertrand Chen Dubois Ekwueme Fischer Garcia Haddad Ito Jensen Kowalski Lopez"
NAMES = _NAMES.split()


def synthetic_document(
    words: int = 5000, entities: int = 800, relations: int = 300, seed: int = 7
) -> dict[str, Any]:
    """A long document with ``entities`` entities (some nested, some suggested) and
    ``relations`` relations between nearby entities, for the render benchmark."""
    rng = random.Random(seed)
    toks = [rng.choice(WORDS) for _ in range(words)]
    slots = sorted(rng.sample(range(words - 3), entities))
    spans: list[tuple[int, int]] = []
    for i in slots:
        n = rng.choice((1, 1, 2, 3))
        for k in range(n):
            toks[i + k] = rng.choice(NAMES)
        spans.append((i, i + n))
    text, starts, ends = "", [], []
    for i, tok in enumerate(toks):
        if i:
            text += "\n\n" if i % 400 == 0 else " "
        starts.append(len(text))
        text += tok
        ends.append(len(text))
    types = [t["name"] for t in CONLL04_SCHEMA["entity_types"]]
    ents = []
    for k, (a, b) in enumerate(spans):
        sug = rng.random() < 0.25
        ents.append(
            {
                "id": f"T{k + 1}",
                "type": types[k % 3],
                "fragments": [[starts[a], ends[b - 1]]],
                "source": "model" if sug else "import",
                "review": "suggested" if sug else None,
                "confidence": round(rng.random(), 2) if sug else None,
            }
        )
    allowed = {
        ("Peop", "Org"): "Work_For",
        ("Peop", "Peop"): "Kill",
        ("Org", "Loc"): "OrgBased_In",
        ("Peop", "Loc"): "Live_In",
        ("Loc", "Loc"): "Located_In",
    }
    rels: list[dict[str, Any]] = []
    seen = set()
    while len(rels) < relations:
        i = rng.randrange(len(ents) - 4)
        j = i + rng.randint(1, 4)
        e1, e2 = ents[i], ents[j]
        if rng.random() < 0.5:
            e1, e2 = e2, e1
        rtype = allowed.get((e1["type"], e2["type"]))
        if rtype is None or (e1["id"], e2["id"]) in seen:
            continue
        seen.add((e1["id"], e2["id"]))
        rels.append({"id": f"R{len(rels) + 1}", "type": rtype, "arg1": e1["id"], "arg2": e2["id"]})
    return {
        "doc_id": "big",
        "name": f"synthetic {words} words",
        "text": text,
        "entities": ents,
        "relations": rels,
    }


def store_schema(schema: dict[str, Any]) -> cs.Schema:
    """The store's ``Schema`` for an editor schema dict (the format of ``CONLL04_SCHEMA``)."""
    return cs.Schema(
        entity_types=[
            cs.EntityType(
                t["name"], parent=t.get("parent"), color=t.get("color"), shortcut=t.get("shortcut")
            )
            for t in schema.get("entity_types", [])
        ],
        relation_types=[
            cs.RelationType(
                r["name"],
                list(r.get("arg1_types", [])),
                list(r.get("arg2_types", [])),
                color=r.get("color"),
                shortcut=r.get("shortcut"),
            )
            for r in schema.get("relation_types", [])
        ],
        attribute_types=[
            cs.AttributeType(a["name"], list(a.get("targets", [])), list(a.get("values", [])))
            for a in schema.get("attribute_types", [])
        ],
    )


def store_document(store: Store, project: str, doc: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Write one document given in the page's format into ``project`` (which must exist).

    ``doc`` has ``doc_id`` (the stored name unless ``name`` is given), ``text``, optional
    ``status`` (one of ``db.models.DOCUMENT_STATUSES``) and ``entities``/``relations`` with ids
    such as ``T1``/``R1``. Annotations with ``review: "suggested"`` become model suggestions
    (with their ``confidence``), as pre-annotation stores them, which moves the document to
    version 1 and ``pre-annotated``; the others are imported as accepted. Returns the
    document's page id and the page id (``e<db id>``/``r<db id>``) of every annotation by its
    given id.
    """
    ents, rels = list(doc.get("entities", [])), list(doc.get("relations", []))
    for ann in [*ents, *rels]:
        if ann.get("review") not in (None, "accepted", "suggested"):
            raise ValueError(f"{ann['id']}: only accepted or suggested annotations can be stored")
    suggested = {a["id"] for a in [*ents, *rels] if a.get("review") == "suggested"}
    for rel in rels:
        if rel["id"] not in suggested and {rel["arg1"], rel["arg2"]} & suggested:
            raise ValueError(
                f"{rel['id']} is accepted but uses a suggested entity: the store accepts a "
                "relation's arguments with it"
            )

    def entity(e: dict[str, Any]) -> cd.Entity:
        frags = [(int(a), int(b)) for a, b in e["fragments"]]
        return cd.Entity(e["id"], e["type"], frags, confidence=e.get("confidence"))

    def relation(r: dict[str, Any]) -> cd.Relation:
        return cd.Relation(r["id"], r["type"], r["arg1"], r["arg2"], confidence=r.get("confidence"))

    imported = cd.Document(
        doc.get("name") or doc["doc_id"],
        doc["text"],
        [entity(e) for e in ents if e["id"] not in suggested],
        [relation(r) for r in rels if r["id"] not in suggested],
    )
    status = doc.get("status", NEW)
    (db_id,) = store.import_documents(project, [imported], status=status).document_ids
    if suggested:
        store.replace_suggestions(
            db_id,
            None,
            [entity(e) for e in ents],
            [relation(r) for r in rels if r["id"] in suggested],
        )
    view = store.load_document(db_id)
    by_span = {(e.type, tuple(e.fragments)): f"e{e.id}" for e in view.entities}
    ids = {e["id"]: by_span[(e["type"], tuple(entity(e).fragments))] for e in ents}
    by_args = {(r.type, f"e{r.arg1}", f"e{r.arg2}"): f"r{r.id}" for r in view.relations}
    for r in rels:
        ids[r["id"]] = by_args[(r["type"], ids[r["arg1"]], ids[r["arg2"]])]
    return str(db_id), ids


def store_with(
    documents: list[dict[str, Any]],
    url: str,
    schema: dict[str, Any] | None = None,
    project: str = "demo",
) -> tuple[StoreBackend, list[str]]:
    """A ``StoreBackend`` on the database at ``url`` holding ``documents`` in a new project;
    also the page ids of the documents, in order."""
    store = Store.open(url)
    store.create_project(project, store_schema(schema or CONLL04_SCHEMA))
    doc_ids = [store_document(store, project, doc)[0] for doc in documents]
    return StoreBackend(store), doc_ids


def build_app(backend: EditorBackend, doc_id: str) -> Any:
    import gradio as gr

    from app.editor.editor import AnnotationEditor

    with gr.Blocks(title="spanrel editor") as demo:
        AnnotationEditor(backend, {"doc_id": doc_id, "revision": 0})
    return demo


def main(argv: list[str]) -> None:
    path = (
        Path(argv[0])
        if argv
        else Path(__file__).resolve().parents[3] / "shared/data/conll04/conll04_dev.json"
    )
    docs = conll04_documents(path)
    with tempfile.TemporaryDirectory(prefix="spanrel-editor-demo-") as tmp:
        backend, doc_ids = store_with(docs, f"sqlite:///{Path(tmp) / 'demo.sqlite'}")
        try:
            build_app(backend, doc_ids[0]).launch(run_history=False)
        finally:
            backend.store.close()


if __name__ == "__main__":
    main(sys.argv[1:])
