"""The format version of the database tables a generation is written in."""

FORMAT_VERSION = 4
"""Recorded in each generation's catalogue row and ``meta.json``; another is refused."""
