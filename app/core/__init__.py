"""Headless domain: never imports Qt, app.ui or app.cli."""
