"""The Gradio annotation app: the in-page editor lives in ``app.editor``."""
