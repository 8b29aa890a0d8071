"""Persistence: the workspace database (SQLite by default)."""
