"""Curation tab's logic (Gradio-free): agreement figures, the documents to curate, one
document's layers aligned, and the curator's choices.

The one name the tab (``app.screens.curation_tab``), the bench scripts and the tests import
the logic through, so they need not know how it is divided; each part lives in a module of
its own, whose docstring says what it does:

- ``curation_agreement``: the Agreement section (``agreement_html``, ``agreement_view``);
- ``curation_documents``: the Documents-to-curate table (``documents_frame``,
  ``patch_frame``), its rows kept between listings by ``curation_rows`` (``row_cache``);
- ``curation_view``: the aligned view of one document (``aligned_view``, ``render_view``) and
  the HTML escape ``h``;
- ``curation_commands``: the curator's commands (``parse_command``, ``run_command``), the
  project-wide merge (``merge_project``) and the policy (``policy_of``, ``set_policy``).
"""

from __future__ import annotations

from app.screens.curation_agreement import agreement_html, agreement_view, f1_cell
from app.screens.curation_commands import (
    MERGE,
    NONE,
    OPS,
    PICK,
    UNDO,
    Command,
    MayEdit,
    Outcome,
    ProjectMerge,
    command_refusal,
    conflict_message,
    merge_project,
    parse_command,
    policy_of,
    run_command,
    set_policy,
)
from app.screens.curation_documents import (
    DOC_HEADERS,
    MAX_ROWS,
    DocumentRow,
    document_row,
    documents_frame,
    patch_frame,
    remembered_row,
)
from app.screens.curation_rows import RowCache, row_cache
from app.screens.curation_view import (
    ENTITY_GREY,
    QUOTE,
    SEGMENT,
    LayerRowData,
    Mark,
    Shown,
    aligned_view,
    edit_link,
    fills_of,
    h,
    render_view,
    segments,
)
from db.curation import DEFAULT_POLICY

__all__ = [
    "DEFAULT_POLICY",
    "DOC_HEADERS",
    "ENTITY_GREY",
    "MAX_ROWS",
    "MERGE",
    "NONE",
    "OPS",
    "PICK",
    "QUOTE",
    "SEGMENT",
    "UNDO",
    "Command",
    "DocumentRow",
    "LayerRowData",
    "Mark",
    "MayEdit",
    "Outcome",
    "ProjectMerge",
    "RowCache",
    "Shown",
    "agreement_html",
    "agreement_view",
    "aligned_view",
    "command_refusal",
    "conflict_message",
    "document_row",
    "documents_frame",
    "edit_link",
    "f1_cell",
    "fills_of",
    "h",
    "merge_project",
    "parse_command",
    "patch_frame",
    "policy_of",
    "remembered_row",
    "render_view",
    "row_cache",
    "run_command",
    "segments",
    "set_policy",
]
