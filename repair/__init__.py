"""repair: credit-repair (信用修复) case management for a district government."""

__version__ = "0.1.0"


def create_app(config=None):
    """Build the Flask application (the only place an app is built)."""
    from repair.web import build_app

    return build_app(config)
