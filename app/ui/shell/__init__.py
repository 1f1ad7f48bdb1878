"""The studio's frame: main window, File menu documents, autosave, status bar, transport, playback, loading stems."""
