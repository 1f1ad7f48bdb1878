"""PySide6 views and the adapters that run core tasks and wrap edits for undo."""
