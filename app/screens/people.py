"""People tab: the accounts that may sign in, their roles, and each one's progress.

Managers add an account (name, role, a first password they hand over), change a role
(manager, curator or annotator: ``ROLE_HELP`` says what each does, the rules are
``app.permissions``), disable or enable an account (a disabled one cannot sign in and its
sessions end within seconds: ``app.access.Sessions``), and reset a password (a new random one,
shown once). The rules (first account is a manager, the last active manager stays) live in
``db.accounts``; who may press these buttons in ``app.permissions``. Everyone sees the table.

Without sign-in (``make run`` on loopback) the app is open and the people added here sign in
from the next start; the tab says so.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr
import pandas as pd

from app.permissions import refuse
from app.screens import code, esc
from db import StoreError
from db.models import ANNOTATOR, CURATOR, MANAGER, ROLES
from db.wording import a_or_an

if TYPE_CHECKING:
    from app.ui import Page, SpanrelApp

HEADERS = ["name", "role", "state", "documents assigned", "done"]
ACTIONS = (*(f"make {role}" for role in ROLES), "disable", "enable", "reset password")
#: what each role does, under the role choice (the rules themselves: ``app.permissions``)
ROLE_HELP = {
    MANAGER: "everything: schema, imports, exports, models, assignment, people",
    CURATOR: "merges the annotators' layers of a document into the curated document (which "
    "export and training use), edits any curated document and sees every layer; annotates too",
    ANNOTATOR: "annotates the documents assigned to them or open to all; of a document "
    "annotated in layers, only their own layer",
}


@dataclass
class PeopleTab:
    tab: gr.Tab
    note: gr.Markdown
    table: gr.Dataframe
    name: gr.Textbox
    role: gr.Radio
    password: gr.Textbox
    add: gr.Button
    who: gr.Dropdown
    action: gr.Radio
    apply: gr.Button
    msg: gr.Markdown


def people_frame(app: SpanrelApp, project: str | None) -> pd.DataFrame:
    """One row per account, with its documents in the chosen project (assigned / done: the
    figures of the Documents screen's progress, ``Store.progress``)."""
    counts: dict[str, tuple[int, int]] = {}
    if project:
        for row in app.store.progress(project).people:
            if row.person is not None:
                counts[row.person] = (row.assigned, row.done)
    rows = [
        [a.name, a.role, "disabled" if a.disabled else "active", *counts.get(a.name, (0, 0))]
        for a in app.store.accounts()
    ]
    return pd.DataFrame(rows, columns=HEADERS)


def build(app: SpanrelApp) -> PeopleTab:
    with gr.Tab("People", id="people") as people_tab:
        note = gr.Markdown(
            ""
            if app.config.signing_in
            else "This app runs without sign-in (open to this computer only), as "
            f"**{esc(app.config.default_user)}**. People added here sign in from the next "
            "start: add yourself as a manager first.",
            elem_id="sr-people-note",
        )
        table = gr.Dataframe(
            pd.DataFrame([], columns=HEADERS),
            label="People",
            interactive=False,
            datatype="str",
            elem_id="sr-people",
        )
        with gr.Row():
            with gr.Column():
                gr.Markdown("**Add a person** (managers)")
                name = gr.Textbox(label="Name", elem_id="sr-person-name")
                role = gr.Radio(
                    list(ROLES),
                    value=ANNOTATOR,
                    label="Role",
                    info="; ".join(f"{r}: {ROLE_HELP[r]}" for r in ROLES),
                    elem_id="sr-person-role",
                )
                password = gr.Textbox(
                    label="First password (at least 8 characters; hand it over)",
                    type="password",
                    elem_id="sr-person-password",
                )
                add = gr.Button("Add", variant="primary", elem_id="sr-person-add")
            with gr.Column():
                gr.Markdown("**Change an account** (managers)")
                who = gr.Dropdown([], label="Person", interactive=True, elem_id="sr-person-who")
                action = gr.Radio(list(ACTIONS), value="disable", label="Change")
                apply = gr.Button("Apply", elem_id="sr-person-apply")
        msg = gr.Markdown("", elem_id="sr-people-msg")
    return PeopleTab(people_tab, note, table, name, role, password, add, who, action, apply, msg)


def wire(app: SpanrelApp, page: Page, tab: PeopleTab) -> None:
    def shown(project: str | None) -> tuple[pd.DataFrame, dict]:
        names = [a.name for a in app.store.accounts()]
        return people_frame(app, project), gr.update(choices=names, value=None)

    def list_people(project):
        return shown(project)

    def add_person(project, name, role, password):
        try:
            made = app.store.add_user((name or "").strip(), password or "", role)
        except StoreError as exc:
            refuse(f"Not added: {exc}")
        return (
            f"Added **{esc(name.strip())}** as {made}.",
            "",
            "",
            *shown(project),
        )

    def change_person(project, name, action):
        if not name:
            refuse("Choose a person first.")
        try:
            if action == "reset password":
                fresh = secrets.token_urlsafe(9)
                app.store.set_password(name, fresh)
                text = (
                    f"New password for **{esc(name)}**: {code(fresh)} (shown once: hand it "
                    "over; their open sessions end)."
                )
            elif action.startswith("make "):
                role = action.removeprefix("make ")
                app.store.set_role(name, role)
                text = f"**{esc(name)}** is now {a_or_an(role)}."
            else:
                app.store.set_disabled(name, action == "disable")
                text = f"**{esc(name)}** is {action}d."
        except StoreError as exc:
            refuse(f"Not changed: {exc}")
        return (text, *shown(project))

    tab.add.click(
        add_person,
        [page.project, tab.name, tab.role, tab.password],
        [tab.msg, tab.name, tab.password, tab.table, tab.who],
    )
    tab.apply.click(
        change_person, [page.project, tab.who, tab.action], [tab.msg, tab.table, tab.who]
    )
    tab.tab.select(list_people, [page.project], [tab.table, tab.who])
