"""Content hashes that bind a record to what a file sounds like, not to its tags: FLAC, MP3 frames, MIDI
events, and the dispatch over formats."""
