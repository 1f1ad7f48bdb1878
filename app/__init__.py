"""Accord: an artist-first co-creation studio."""

__version__ = "0.1.0"
