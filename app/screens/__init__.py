"""The logic behind each screen of the app, free of Gradio so it can be tested and reused.

``app.ui`` lays the screens out and wires events to these functions.
"""
