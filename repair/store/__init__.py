"""Persistence: the only package importing SQLAlchemy."""
