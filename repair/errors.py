"""Named errors shared by every layer (so it imports nothing): every refusal is one of these, never a silent False."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class ValidationError(DomainError):
    """Input is malformed: a field is missing or has a bad value (CLI exit 2, HTTP 422)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    """The named case, record, user or department does not exist."""


class WorkflowConfigError(DomainError):
    """A workflow file is invalid; names the file and the key."""

    def __init__(self, path: str, key: str, message: str):
        super().__init__(f"{path}: {key}: {message}")
        self.path = path
        self.key = key


class UnknownTrigger(DomainError):
    """The trigger is not declared in the case's workflow."""


class TransitionRefused(DomainError):
    """The transition exists but is not allowed now; `failed` names what failed."""

    def __init__(self, message: str, failed: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.failed = list(failed)


class ConcurrencyConflict(DomainError):
    """Someone else changed the case first; reload and try again."""


class NotEligible(DomainError):
    """An application cannot be made; `failed` lists every failed condition."""

    def __init__(self, message: str, failed: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.failed = list(failed)


class CalendarDataError(DomainError):
    """Calendar override data is malformed (names the line)."""


class RegimeConfigError(DomainError):
    """The publicity-regime data file is invalid; names the file and the key."""

    def __init__(self, path: str, key: str, message: str):
        super().__init__(f"{path}: {key}: {message}")
        self.path = path
        self.key = key


class LetterError(DomainError):
    """A letter cannot be rendered: unknown key, missing field, or no CJK font / HarfBuzz subsetting."""


class SealError(DomainError):
    """A document cannot be sealed or verified: missing key material, bad PKCS#12, not a PDF."""


class AuthenticationFailed(DomainError):
    """Sign-in or bearer token refused; one message for every cause so nothing leaks."""


class RateLimited(DomainError):
    """Too many failed sign-ins; `retry_after` is the wait in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class StaleVersion(ConcurrencyConflict):
    """The caller's copy is out of date (its expected version differs); nothing was attempted."""


class NotReady(DomainError):
    """The thing exists but is not available yet (e.g. a document whose PDF is still being produced)."""


class IneligibleApplication(NotEligible):
    """NotEligible with each failed condition explained as {"field", "code", "message"} (HTTP 422 details)."""

    def __init__(self, message: str, failed: list[str] | tuple[str, ...], details: list[dict]):
        super().__init__(message, failed)
        self.details = details


class UnsafeInput(ValidationError):
    """Input carries a refused character or is out of bounds (HTTP 400): control, unassigned, bidi override."""


class PasswordPolicyViolation(ValidationError):
    """A new password breaks the password policy; `problems` lists every rule it breaks."""

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message, "password")
        self.problems = list(problems)




class SecondFactorRequired(AuthenticationFailed):
    """The password was right but this account needs a TOTP or recovery code as well."""


class SeparationOfDuties(ValidationError):
    """三员分立: the change would let one account (or the actor itself) hold two administrator duties."""


class SessionEnded(AuthenticationFailed):
    """The server-side session was revoked, has been idle too long or reached its absolute lifetime."""


class AccountLocked(RateLimited):
    """The account is locked after repeated failures until `retry_after` seconds have passed (HTTP 429)."""
