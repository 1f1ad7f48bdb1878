"""Small helpers shared by tests (data converters, file builders)."""
