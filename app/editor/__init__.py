"""The in-page entity/relation editor: a ``gr.HTML`` subclass whose JavaScript owns rendering.

``AnnotationEditor`` talks to an ``EditorBackend`` (load a document, apply one small operation);
the app's is ``app.store_backend.StoreBackend`` over the database store.
"""

from app.editor.backend import EditorBackend
from app.editor.editor import AnnotationEditor
from app.editor.ops import OpError, validate_op

__all__ = ["AnnotationEditor", "EditorBackend", "OpError", "validate_op"]
