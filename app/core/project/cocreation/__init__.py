"""Co-creation state: ideas and kept tracks, their undoable edits and note operations, the request to the
model with the song's context and constraints, switching between ideas while the song plays."""
