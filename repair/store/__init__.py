"""Persistence: the only package importing SQLAlchemy. Importing it registers the whole schema."""

from repair.store import schema  # noqa: F401
