"""Read models: what the portal, desk, audit pages and API show; they read and never commit."""
