"""Harmony: chroma (chroma.py), key with confidence and runner-up (key.py), chords per beat (chords.py)."""
