"""The in-page entity/relation editor: a ``gr.HTML`` subclass whose JavaScript owns rendering.

``AnnotationEditor`` talks to any ``EditorBackend`` (load a document, apply one small operation);
``MemoryBackend`` is a complete in-process implementation used by the demo, tests and benchmark.
"""

from app.editor.backend import EditorBackend, MemoryBackend
from app.editor.editor import AnnotationEditor
from app.editor.ops import OpError, validate_op

__all__ = ["AnnotationEditor", "EditorBackend", "MemoryBackend", "OpError", "validate_op"]
