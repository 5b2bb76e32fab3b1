"""Verbs: each use case takes `uow`, `actor` and `now` explicitly and commits once; grouped by capability."""
