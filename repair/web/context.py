"""The one accessor views use for the app's Runtime (settings, engine, workflows)."""

from flask import current_app


def runtime():
    """The Runtime built by `build_app` for this app."""
    return current_app.extensions["repair"]
