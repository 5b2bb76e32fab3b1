"""Second factor: TOTP (RFC 6238, pyotp) enrolled by QR code (segno, SVG), and one-time recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import select

from repair.errors import ValidationError
from repair.store.models import User
from repair.store.security_models import AccountSecurity, RecoveryCode
from repair.store.uow import UnitOfWork

RECOVERY_CODES = 10
STEP = 30  # seconds per TOTP code
BAD_CODE = "动态口令或恢复码错误 / wrong one-time code or recovery code"


def enrolled(state: AccountSecurity | None) -> bool:
    """True when the account has a confirmed TOTP secret."""
    return state is not None and state.totp_secret is not None and state.totp_enabled_at is not None


def pending_secret(uow: UnitOfWork, state: AccountSecurity) -> str:
    """The secret being enrolled (made once, kept until confirmed, so a reload shows the same QR code)."""
    if state.totp_secret is None or state.totp_enabled_at is not None:
        state.totp_secret = pyotp.random_base32()
        state.totp_enabled_at = None
        state.totp_last_step = None
    return state.totp_secret


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as an inline SVG element (no script, no external file)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True,
                                     title="TOTP", border=2)
    return buffer.getvalue().decode("utf-8")


def check_totp(state: AccountSecurity, code: str, now: datetime) -> bool:
    """Accept a 6-digit code of the previous, current or next step, once (a replayed step is refused)."""
    code = (code or "").strip().replace(" ", "")
    if state.totp_secret is None or len(code) != 6 or not code.isascii() or not code.isdigit():
        return False
    totp = pyotp.TOTP(state.totp_secret)
    current = int(now.timestamp()) // STEP
    for step in (current - 1, current, current + 1):
        if (state.totp_last_step is None or step > state.totp_last_step) and hmac.compare_digest(
                totp.generate_otp(step), code):
            state.totp_last_step = step
            return True
    return False


def confirm(uow: UnitOfWork, user: User, state: AccountSecurity, code: str, now: datetime) -> list[str]:
    """Confirm enrolment with a first code; returns fresh recovery codes (shown once). ValidationError if wrong."""
    if state.totp_secret is None or not check_totp(state, code, now):
        raise ValidationError(BAD_CODE, "code")
    state.totp_enabled_at = now.replace(tzinfo=None)
    return new_recovery_codes(uow, user)


def new_recovery_codes(uow: UnitOfWork, user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones; returns them in clear (once)."""
    for old in uow.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        uow.session.delete(old)
    codes = ["-".join(secrets.token_hex(3) for _ in range(2)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        uow.session.add(RecoveryCode(user_id=user.id, code_hash=_digest(code)))
    return codes


def use_recovery_code(uow: UnitOfWork, user: User, code: str, now: datetime) -> bool:
    """Spend a recovery code (each works once); True when it was a live one."""
    wanted = _digest((code or "").strip().lower())
    row = uow.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                        RecoveryCode.code_hash == wanted,
                                                        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = now.replace(tzinfo=None)
    return True


def reset(state: AccountSecurity) -> None:
    """Forget the second factor (security administrator, lost phone): the user enrols again at next sign-in."""
    state.totp_secret = None
    state.totp_enabled_at = None
    state.totp_last_step = None


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()
