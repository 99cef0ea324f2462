"""The Projects screen's schema editor: one change at a time to the selected project's types.

Add, rename (the annotations follow), recolour, re-key, hide and show entity, relation, event
and attribute types; set a relation's argument types or widen it by one pair or to any pair;
set or remove an event role. The form only gathers the change: what it does and whether the
data allows it is ``converters.schema_changes`` and ``Store.change_schema``'s, which refuse a
narrowing that annotations violate and name them.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from app.editor.page_schema import RESERVED_KEYS
from app.screens import esc
from converters.schema_changes import CARDINALITIES, KINDS, SchemaChange, SchemaChangeError
from db import Store, StoreError

#: the form's choices: label -> action
ACTIONS = {
    "Add a type": "add",
    "Rename (its annotations follow)": "rename",
    "Set the colour": "color",
    "Set the key": "key",
    "Hide (not offered for new annotations)": "hide",
    "Show again": "show",
    "Relation: set its argument types": "arguments",
    "Relation: allow one more pair": "allow_pair",
    "Relation: allow any two entities": "allow_any",
    "Event: set a role (types, cardinality)": "role",
    "Event: remove a role": "remove_role",
}
CARDINALITY_LABELS = {
    "exactly one": "",
    "at most one (?)": "?",
    "any number (*)": "*",
    "one or more (+)": "+",
}
assert set(CARDINALITY_LABELS.values()) == set(CARDINALITIES)


@dataclass
class SchemaEditor:
    action: gr.Dropdown
    kind: gr.Dropdown
    name: gr.Textbox
    value: gr.Textbox
    arg1: gr.Textbox
    arg2: gr.Textbox
    role: gr.Textbox
    cardinality: gr.Dropdown
    apply: gr.Button
    msg: gr.Markdown

    def inputs(self) -> list[gr.components.Component]:
        return [
            self.action,
            self.kind,
            self.name,
            self.value,
            self.arg1,
            self.arg2,
            self.role,
            self.cardinality,
        ]


def _types(text: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (text or "").replace("|", ",").split(",") if t.strip())


def apply_schema_change(
    store: Store,
    project: str | None,
    action_label: str,
    kind: str,
    name: str,
    value: str = "",
    arg1: str = "",
    arg2: str = "",
    role: str = "",
    cardinality_label: str = "exactly one",
) -> str:
    """Make the change the form describes; the message to show (a refusal says why)."""
    if not project:
        return "\u26a0 Choose a project first."
    action = ACTIONS.get(action_label)
    if action is None:
        return "\u26a0 Choose what to change."
    name = (name or "").strip()
    if action == "key" and (value or "").strip().lower() in RESERVED_KEYS:
        return (
            f"\u26a0 Key {esc(value)} is the editor's own (undo, redo, fragments, relation pass)."
        )
    try:
        change = SchemaChange(
            action,
            kind,
            name,
            value=(value or "").strip() or None,
            arg1=_types(arg1) if action != "role" else (),
            arg2=_types(arg2),
            role=(role or "").strip() or None,
            types=_types(arg1) if action == "role" else (),
            cardinality=CARDINALITY_LABELS.get(cardinality_label, ""),
            values=_types(value) if action == "add" and kind == "attribute" else (),
        )
        result = store.change_schema(project, change)
    except (SchemaChangeError, StoreError) as exc:
        return f"\u26a0 {esc(exc)}"
    done = f"\u2713 {esc(action_label)}: {kind} type **{esc(name)}**"
    if action == "rename":
        done += (
            f" is now **{esc(change.value)}**; {result.renamed} annotation(s) in "
            f"{result.documents} document(s) renamed"
        )
    return done + "."


def build_schema_editor() -> SchemaEditor:
    gr.Markdown("### Change the schema")
    with gr.Row():
        action = gr.Dropdown(
            list(ACTIONS), value="Add a type", label="Change", elem_id="sr-schema-action"
        )
        kind = gr.Dropdown(list(KINDS), value="entity", label="Kind", elem_id="sr-schema-kind")
        name = gr.Textbox(label="Type", max_length=200, elem_id="sr-schema-name")
    value = gr.Textbox(
        label="New name / colour (#rrggbb) / key / attribute values (comma-separated)",
        max_length=500,
        elem_id="sr-schema-value",
    )
    with gr.Row():
        arg1 = gr.Textbox(
            label="Arg1 types (relation) or the role's types (event), comma-separated",
            elem_id="sr-schema-arg1",
        )
        arg2 = gr.Textbox(label="Arg2 types (relation)", elem_id="sr-schema-arg2")
    with gr.Row():
        role = gr.Textbox(label="Role (event)", max_length=100, elem_id="sr-schema-role")
        cardinality = gr.Dropdown(
            list(CARDINALITY_LABELS),
            value="exactly one",
            label="How many (event role)",
            elem_id="sr-schema-cardinality",
        )
    apply = gr.Button("Apply the change", elem_id="sr-schema-apply")
    msg = gr.Markdown("", elem_id="sr-schema-msg")
    return SchemaEditor(action, kind, name, value, arg1, arg2, role, cardinality, apply, msg)
