"""Audit: the integrity checks, compliance figures, replay and the audit reports."""
