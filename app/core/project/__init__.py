"""The song in progress: stems and their mix settings, musical facts, undoable edits, save/load, demo."""
