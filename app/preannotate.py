"""Pre-annotation: run the project's active model and store its output as suggestions.

``Store.replace_suggestions`` does the storing, one document per transaction: it replaces only
the document's *open* model suggestions, so re-running never touches human annotations,
accepted suggestions or rejected ones (a rejected suggestion is also not suggested again).

Offsets: ``core_model`` predicts on word tokens and answers in character offsets into the text
it was given. A document imported with its own tokenisation (SpERT JSON keeps ``tokens`` as
character ranges in the metadata) is predicted on exactly those tokens, the tokenisation a model
trained on such data expects; any other text is split by the model's own sentence splitter (the
choice is ``core_model.documents``', the adapter that training uses too). Either way the
character offsets are offsets into ``Document.text``, i.e. the fragments.

A document annotated in people's layers (``db.layers``) gets the same suggestions in each of its
layers as well (each layer's open suggestions replaced, never what its annotator reviewed); a
layer asked for by its own id (an annotator's "pre-annotate this document") gets them alone.

Each document's ``Prediction.uncertainty`` is stored with it (``Store.set_uncertainty``): the
"least confident first" order of the editor's next document (``app.ordering``) reads it.

Entity and relation types the project does not know (a model trained elsewhere) are skipped and
counted, never silently written under another name; so are relations between entity types that
the project's schema does not admit for them (its ``Arg1:``/``Arg2:`` constraints), which an
annotator could not draw either.

``suggest_relations`` is the second pass: once an annotator has confirmed a document's entities
(accepted, added, resized or retyped them), the active model's relation classifier scores the
pairs of exactly those spans, and the document's open relation suggestions are replaced with the
result. Relation suggestions between the entities as corrected are far better than those made
between the model's own entities (relation P/R 0.70 / 0.53 against 0.33 / 0.28 after 100
CoNLL04 documents, issue 19), since a wrong or missing entity no longer spoils its relations.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from converters.document import Document, Entity, Relation
from converters.schema import Schema
from db import Store
from db.views import ConflictError, DocumentView, EditResult

log = logging.getLogger(__name__)

CHUNK = 32  # documents predicted at once (then stored, then progress reported)


class NoActiveModel(RuntimeError):
    """The project has no active model version; the message says how to get one."""


@dataclass
class PreannotateResult:
    documents: int = 0
    entities: int = 0
    relations: int = 0
    skipped_types: int = 0
    failed: int = 0
    seconds: float = 0.0
    model_version_id: int | None = None
    #: people's layers of those documents given the same suggestions (``_into_layers``)
    layers: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        text = (
            f"{self.documents} document(s) pre-annotated: {self.entities} entity and "
            f"{self.relations} relation suggestion(s) in {self.seconds:.1f} s"
        )
        if self.layers:
            text += f"; the same suggestions in {self.layers} annotator layer(s)"
        if self.skipped_types:
            text += f"; {self.skipped_types} prediction(s) of types the project lacks skipped"
        if self.failed:
            text += f"; {self.failed} document(s) failed (see the job log)"
        return text


class PredictorCache:
    """Loaded models by directory: loading one costs seconds, a prediction milliseconds.

    Holds at most ``size`` models; a lock per directory so two jobs do not load it twice.
    """

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._models: dict[str, Any] = {}
        self._loading: dict[str, threading.Lock] = {}

    def get(self, model_dir: str | Path) -> Any:
        key = str(Path(model_dir).resolve())
        with self._lock:
            if key in self._models:
                return self._models[key]
            lock = self._loading.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._models:
                    return self._models[key]
            from core_model import Predictor  # torch is imported only when a model is used

            predictor = Predictor.load(key, device="auto")
            with self._lock:
                while len(self._models) >= self.size:
                    self._models.pop(next(iter(self._models)))
                self._models[key] = predictor
            return predictor


PREDICTORS = PredictorCache()


def model_input(doc: DocumentView) -> Document:
    """What the model is given for ``doc``: its text and its own tokens, if it has any
    (``core_model.documents`` uses them when they tokenize the text, else splits the text)."""
    tokens = (doc.metadata or {}).get("tokens")
    return Document(doc.name, doc.text, metadata={} if tokens is None else {"tokens": tokens})


# A barely trained model can score hundreds of spans in one sentence as entities and then every
# pair of them as related (130,000 relation suggestions for one sentence was seen): nobody can
# review that, and writing it stalls the job. Only the most probable suggestions are kept.
MAX_ENTITIES_PER_DOC = 300
MAX_RELATIONS_PER_DOC = 300


def _admits(schema: Schema, type_of: Callable[[int], str]) -> Callable[[Any], bool]:
    """Whether the schema admits a predicted relation (``head``/``tail`` entity indices)."""
    allowed: dict[tuple[str, str], set[str]] = {}

    def admits(rel: Any) -> bool:
        key = (type_of(rel.head), type_of(rel.tail))
        if key not in allowed:
            allowed[key] = set(schema.allowed_relations(*key))
        return rel.type in allowed[key]

    return admits


def _best_relations(candidates: list[Any]) -> list[Any]:
    """The ``MAX_RELATIONS_PER_DOC`` most probable of ``candidates``, in their order."""
    best = sorted(range(len(candidates)), key=lambda j: -candidates[j].probability)
    keep = set(best[:MAX_RELATIONS_PER_DOC])
    return [r for j, r in enumerate(candidates) if j in keep]


def to_suggestions(prediction: Any, schema: Schema) -> tuple[list[Entity], list[Relation], int]:
    """Store entities/relations from one ``core_model.Prediction`` and the count skipped
    (unknown types, relations whose argument types the project's schema does not admit, bad
    offsets, and what lies beyond the per-document caps)."""
    entity_types = {t.name for t in schema.entity_types if t.selectable}
    admits = _admits(schema, lambda i: prediction.entities[i].type)
    valid = [
        i
        for i, e in enumerate(prediction.entities)
        if e.type in entity_types and 0 <= e.start < e.end <= len(prediction.text)
    ]
    kept = sorted(valid, key=lambda i: -prediction.entities[i].probability)
    kept = set(kept[:MAX_ENTITIES_PER_DOC])
    skipped = len(prediction.entities) - len(kept)
    entities: list[Entity] = []
    ids: dict[int, str] = {}
    for i, e in enumerate(prediction.entities):
        if i in kept:
            ids[i] = f"S{i}"
            entities.append(Entity(f"S{i}", e.type, [(e.start, e.end)], confidence=e.probability))
    best = _best_relations(
        [r for r in prediction.relations if r.head in ids and r.tail in ids and admits(r)]
    )
    skipped += len(prediction.relations) - len(best)
    relations = [
        Relation(f"P{j}", r.type, ids[r.head], ids[r.tail], confidence=r.probability)
        for j, r in enumerate(best)
    ]
    return entities, relations, skipped


def preannotate(
    store: Store,
    project: str,
    doc_ids: Sequence[int],
    *,
    model_dir: str | Path | None = None,
    model_version_id: int | None = None,
    batch_size: int = 16,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    log_line: Callable[[str], None] | None = None,
    predictors: PredictorCache = PREDICTORS,
    layer_statuses: Collection[str] | None = None,
) -> PreannotateResult:
    """Pre-annotate ``doc_ids`` of ``project`` with the active model (or ``model_dir``).

    ``progress(done, total)`` is called after every chunk; ``should_stop()`` ends the run
    between chunks (what was stored stays). One document that fails is logged and counted;
    the others go on. A document annotated in layers passes the suggestions on to each layer
    (``layer_statuses``: only to the layers whose status is one of these, e.g.
    ``UNTOUCHED`` for a refresh that must not touch work under way; default: every layer).
    """
    if model_dir is None:
        active = store.active_model_version(project)
        if active is None:
            raise NoActiveModel(f"project {project!r} has no active model")
        model_dir, model_version_id = active.path, active.id
    started = time.perf_counter()
    predictor = predictors.get(model_dir)
    schema = store.project_schema(project)
    result = PreannotateResult(model_version_id=model_version_id)
    total = len(doc_ids)
    for start in range(0, total, CHUNK):
        if should_stop is not None and should_stop():
            break
        chunk = [store.load_document(i) for i in doc_ids[start : start + CHUNK]]
        chunk = [d for d in chunk if d.project == project]
        predictions = predictor.predict([model_input(d) for d in chunk], batch_size=batch_size)
        scored: dict[int, float | None] = {}
        for doc, pred in zip(chunk, predictions, strict=True):
            ents, rels, skipped = to_suggestions(pred, schema)
            result.skipped_types += skipped
            try:
                store.replace_suggestions(doc.id, model_version_id, ents, rels)
            except (ConflictError, ValueError, LookupError) as exc:
                result.failed += 1
                if log_line:
                    log_line(f"{doc.name}: {exc}")
                log.warning("pre-annotation of %s failed: %s", doc.name, exc)
                continue
            if doc.layer_owners:
                result.layers += _into_layers(
                    store, doc, model_version_id, ents, rels, log_line, layer_statuses
                )
            scored[doc.id] = getattr(pred, "uncertainty", None)
            result.documents += 1
            result.entities += len(ents)
            result.relations += len(rels)
        if scored:
            # for "least confident first" (app.ordering): how unsure this model was
            store.set_uncertainty(scored)
        if progress is not None:
            progress(min(start + CHUNK, total), total)
    result.seconds = time.perf_counter() - started
    return result


def _into_layers(
    store: Store,
    doc: DocumentView,
    model_version_id: int | None,
    entities: list[Entity],
    relations: list[Relation],
    log_line: Callable[[str], None] | None,
    statuses: Collection[str] | None = None,
) -> int:
    """The same suggestions in each person's layer of ``doc`` (the model's suggestions appear
    in each layer independently): each layer's open suggestions are replaced, what
    its annotator reviewed or drew stays (``Store.replace_suggestions``). How many layers got
    them; one that fails is logged and skipped (the others and the document keep theirs).
    ``statuses``: only the layers whose status is one of these."""
    written = 0
    for layer in store.layers(doc.id):
        if statuses is not None and layer.status not in statuses:
            continue
        try:
            store.replace_suggestions(layer.id, model_version_id, entities, relations)
        except (ConflictError, ValueError, LookupError) as exc:
            if log_line:
                log_line(f"{doc.name} ({layer.owner}'s layer): {exc}")
            log.warning("pre-annotation of %s's layer of %s failed: %s", layer.owner, doc.name, exc)
            continue
        written += 1
    return written


@dataclass
class RelationSuggestResult:
    """What one relation pass did: suggestions stored, entities it could not score."""

    relations: int
    entities: int  # confirmed entities scored
    unscored: int  # confirmed discontinuous entities: the model cannot score them
    model_version_id: int
    edit: EditResult  # the store's answer (one undoable step)

    def summary(self) -> str:
        text = (
            f"{self.relations} relation suggestion(s) between {self.entities} confirmed "
            f"entities (model version {self.model_version_id})"
        )
        if self.unscored:
            text += f"; {self.unscored} discontinuous entity(ies) not scored"
        return text


def confirmed_entities(view: DocumentView) -> list[Any]:
    """Entities the annotator has confirmed: added by hand, accepted, or imported as gold."""
    return [e for e in view.entities if e.review == "accepted"]


def suggest_relations(
    store: Store,
    doc_id: int,
    *,
    expected_version: int | None = None,
    author: str | None = "model",
    predictors: PredictorCache = PREDICTORS,
    client_id: str | None = None,
    seq: int | None = None,
) -> RelationSuggestResult:
    """Relation suggestions between the document's confirmed entities, by the active model.

    Replaces only the document's open relation suggestions (reviewed relations, human ones and
    rejected suggestions stay, and a rejected one is not suggested again), keeps the schema's
    argument constraints, and is one undoable step. ``expected_version``: the version the page
    had (a stale one is a ``ConflictError``). Entities the model cannot score (discontinuous,
    wider than its span limit, not on word boundaries) get no relation suggestions.
    ``client_id``/``seq``: the page's operation, applied once (``Store.replace_suggestions``).
    """
    view = store.load_document(doc_id)
    active = store.active_model_version(view.project)
    if active is None:
        raise NoActiveModel(
            f"project {view.project!r} has no active model: train one (Model screen) first"
        )
    schema = store.project_schema(view.project)
    confirmed = confirmed_entities(view)
    simple = [e for e in confirmed if len(e.fragments) == 1]
    spans = [(e.fragments[0][0], e.fragments[0][1], e.type) for e in simple]
    predicted = []
    if len(spans) >= 2:
        predictor = predictors.get(active.path)
        predicted = predictor.suggest_relations([model_input(view)], [spans])[0]
    admits = _admits(schema, lambda i: simple[i].type)
    chosen = _best_relations([r for r in predicted if r.head != r.tail and admits(r)])
    used = sorted({i for r in chosen for i in (r.head, r.tail)})
    entities = [
        Entity(f"C{i}", simple[i].type, [tuple(f) for f in simple[i].fragments]) for i in used
    ]
    relations = [
        Relation(f"P{k}", r.type, f"C{r.head}", f"C{r.tail}", confidence=r.probability)
        for k, r in enumerate(chosen)
    ]
    result = store.replace_suggestions(
        doc_id,
        active.id,
        entities,
        relations,
        expected_version=view.version if expected_version is None else expected_version,
        author=author,
        relations_only=True,
        client_id=client_id,
        seq=seq,
    )
    stored = sum(
        1
        for r in store.load_document(doc_id).relations
        if r.review == "suggested" and r.source == "model"
    )
    return RelationSuggestResult(
        relations=stored,
        entities=len(simple),
        unscored=len(confirmed) - len(simple),
        model_version_id=active.id,
        edit=result,
    )
