"""The Documents screen's annotation layers: the "layers" column, giving a share of
the listed documents to k annotators each, and the project's "annotators see each other's
layers" setting. Free of Gradio (``app.screens.documents_tab`` lays it out and wires it).

Assigning to k annotators (``assign_k``) is ``Store.assign_share`` on the listed documents
that have no layers yet: a document already annotated in layers is left as it is (pressing
the button twice never gives a document 2k annotators), and the share is a share of the
documents it may still give out. Which documents and who gets each is ``db.layers``'
``plan_assignment``: drawn at random (the same draw for the same documents and people), the
least loaded people first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.layer_routing import SETTING, show_other_layers
from db import Store

#: the column of the documents table
LAYERS_HEADER = "layers"
#: how many documents the result line names (then "and N more")
NAMED = 10


def layers_cells(store: Store, project: str) -> dict[int, str]:
    """The "layers" cell of each document annotated in layers (document id -> e.g.
    ``ann:done bob:in-progress``, owners in order); documents without layers are absent."""
    cells: dict[int, list[str]] = {}
    for layer in store.project_layers(project):
        cells.setdefault(layer.document_id, []).append(f"{layer.owner}:{layer.status}")
    return {doc_id: " ".join(parts) for doc_id, parts in cells.items()}


def people_choices(store: Store) -> list[str]:
    """The people the control offers: every active account (annotators first, then curators
    and managers, each by name)."""
    order = {"annotator": 0, "curator": 1, "manager": 2}
    active = [a for a in store.accounts() if not a.disabled]
    active.sort(key=lambda a: (order.get(a.role, 3), a.name))
    return [a.name for a in active]


def _people(people: Iterable[str] | str | None) -> list[str]:
    if isinstance(people, str):
        people = people.split(",")
    out = list(dict.fromkeys(p.strip() for p in (people or []) if p and p.strip()))
    for p in out:
        if len(p) > 200 or any(ord(ch) < 32 for ch in p):
            raise ValueError("a person's name has at most 200 characters and no control characters")
    return out


def _number(value: float | int | str | None, what: str, low: float, high: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number") from None
    if not low <= number <= high:
        raise ValueError(f"{what} must be between {low:g} and {high:g}")
    return number


@dataclass
class Assigned:
    """What ``assign_k`` did."""

    #: document name -> the people who got a layer of it
    plan: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the listed documents it could give out (no layers yet)
    candidates: int = 0
    #: listed documents left alone because they already have layers
    layered: int = 0
    k: int = 0
    percent: float = 100.0

    def line(self) -> str:
        """The result line (plain text: the screen escapes it)."""
        if not self.candidates:
            return (
                f"Every listed document ({self.layered}) already has layers: nothing assigned."
                if self.layered
                else "No document is listed."
            )
        named = [f"{name} ({', '.join(who)})" for name, who in list(self.plan.items())[:NAMED]]
        if len(self.plan) > NAMED:
            named.append(f"and {len(self.plan) - NAMED} more")
        text = (
            f"{len(self.plan)} of {self.candidates} listed document(s) without layers "
            f"({self.percent:g} %) given to {self.k} annotator(s) each"
        )
        if named:
            text += ": " + ", ".join(named)
        load: dict[str, int] = {}
        for who in self.plan.values():
            for person in who:
                load[person] = load.get(person, 0) + 1
        if load:
            text += "; new layers: " + ", ".join(f"{p} {n}" for p, n in sorted(load.items()))
        if self.layered:
            text += f"; {self.layered} listed document(s) already had layers, left as they were"
        return text + "."


def assign_k(
    store: Store,
    project: str,
    listed: Sequence[str],
    people: Iterable[str] | str | None,
    k: float | int | str | None,
    percent: float | int | str | None,
    *,
    author: str | None = None,
    seed: int = 0,
) -> Assigned:
    """Give ``percent`` % of the ``listed`` documents (names) that have no layers yet to ``k``
    of ``people`` each (``Store.assign_share``). ``ValueError`` or ``StoreError`` (a message
    for the person) for a bad input; nothing is assigned then."""
    who = _people(people)
    k_value = _number(k, "k (annotators per document)", 1, 1000)
    if k_value != int(k_value):
        raise ValueError("k (annotators per document) must be a whole number")
    share = _number(percent, "the share of the listed documents (%)", 0, 100)
    if not who:
        raise ValueError("choose the annotators first")
    if int(k_value) > len(who):
        raise ValueError(f"{int(k_value)} annotators per document, but only {len(who)} chosen")
    layered = set(layers_cells(store, project))
    names = set(listed)
    with_layers = {d.name for d in store.list_documents(project) if d.id in layered}
    candidates = [n for n in dict.fromkeys(listed) if n not in with_layers]
    out = Assigned(
        candidates=len(candidates),
        layered=len(names & with_layers),
        k=int(k_value),
        percent=share,
    )
    if candidates:
        out.plan = store.assign_share(
            project,
            who,
            int(k_value),
            names=candidates,
            share=share / 100,
            seed=seed,
            author=author,
        )
    return out


def set_show_other_layers(store: Store, project: str, on: bool) -> str:
    """Set the project's ``SETTING``; what it now means (plain text)."""
    store.update_project_settings(project, {SETTING: bool(on)})
    return (
        "Annotators now see each other's layers (read only)."
        if on
        else "Annotators now see only their own layers."
    )


def shows_other_layers(store: Store, project: str | None) -> bool:
    return bool(project) and show_other_layers(store.get_project(project).settings)
