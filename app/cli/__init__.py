"""Headless command-line interface over the same core."""
