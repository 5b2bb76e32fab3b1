"""API bearer tokens are stored as SHA-256 digests; sign-in, tokens and sessions live in
`repair.services.security` (signin, sessions, throttle)."""

from __future__ import annotations

from repair.services.security.sessions import digest as token_digest

__all__ = ["token_digest"]
