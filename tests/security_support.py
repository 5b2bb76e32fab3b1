"""Second-factor helpers for tests: enrol `world` users with known TOTP secrets and produce a fresh code per
use (a TOTP step is accepted once, so repeated sign-ins move to the next step or spend a recovery code)."""

from __future__ import annotations

import hashlib
import time

import pyotp

from repair.store.models import User
from repair.store.security_models import AccountSecurity, RecoveryCode

RECOVERY = tuple(f"test-code-{i:02d}" for i in range(10))


def enrol_all(runtime, roles: tuple[str, ...], now) -> dict[str, dict]:
    """Give every user of `roles` a confirmed TOTP secret and ten recovery codes; returns their state."""
    state: dict[str, dict] = {}
    with runtime.uow() as uow:
        for user in uow.session.query(User).filter(User.role.in_(roles)):
            secret = pyotp.random_base32()
            uow.session.merge(AccountSecurity(user_id=user.id, must_change_password=False, failed_count=0,
                                              totp_secret=secret, totp_enabled_at=now.replace(tzinfo=None)))
            for code in RECOVERY:
                uow.session.add(RecoveryCode(user_id=user.id, code_hash=hashlib.sha256(code.encode()).hexdigest()))
            state[user.username] = {"secret": secret, "last": None, "codes": list(RECOVERY)}
        uow.commit()
    return state


def one_time_code(state: dict[str, dict], username: str, at: float | None = None) -> str:
    """A code the server accepts now and has not seen: the next unused TOTP step, else a recovery code."""
    entry = state[username]
    current = int(at if at is not None else time.time()) // 30
    step = current if entry["last"] is None else max(current, entry["last"] + 1)
    if step <= current + 1:
        entry["last"] = step
        return pyotp.TOTP(entry["secret"]).generate_otp(step)
    return entry["codes"].pop()
