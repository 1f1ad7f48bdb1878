"""Putting a signed record into a file and finding every record it holds: ID3 (WAV, AIFF, MP3), Vorbis
comments (FLAC, Ogg), Standard MIDI meta events, and the optional C2PA manifest."""
