"""The sync worker: deliver due outbox messages with retries, then confirm fully acknowledged cases.

Each message goes through three short transactions: claim (lease + attempt count), send outside any
transaction, record (receipt, or error and next attempt). A crash after sending and before recording
leaves the message pending with its lease; when the lease runs out it is sent again under the same
idempotency key, so a portal that honours the key stores it once and nothing is lost.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from repair.domain.actors import SYSTEM_ACTOR
from repair.errors import ConcurrencyConflict, DomainError
from repair.services.cases.history import utc_naive
from repair.services.cases.verbs import fire
from repair.services.exchange.sync import decision_digest, portal_adapters
from repair.store import outbox
from repair.sync.adapters import DeliveryFailed, Message, PortalAdapter

Clock = Callable[[], datetime]


@dataclass
class RunSummary:
    """What one pass did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    skipped: int = 0  # taken by another worker between listing and claiming
    confirmed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: "RunSummary") -> None:
        """Accumulate another pass."""
        self.sent, self.retried = self.sent + other.sent, self.retried + other.retried
        self.dead, self.skipped = self.dead + other.dead, self.skipped + other.skipped
        self.confirmed += other.confirmed
        self.errors += other.errors


def default_worker_id() -> str:
    """Host, process and a random suffix: unique per worker even for threads of one process."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def backoff_delay(attempts: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Seconds before the next try: uniformly between half and all of min(cap, base·2^(attempts−1))."""
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return rng.uniform(ceiling / 2, ceiling)


def run_once(runtime, *, clock: Clock, portal: str | None = None, worker: str | None = None,
             adapters: list[PortalAdapter] | None = None, rng: random.Random | None = None,
             limit: int = 1000) -> RunSummary:
    """One pass: deliver every message due now (at most `limit` attempts), then fire `confirm_sync` where all
    portals acknowledged."""
    chosen = {a.name: a for a in (adapters or portal_adapters(runtime, clock, portal))}
    worker = worker or default_worker_id()
    rng = rng or random.Random()
    summary = RunSummary()
    attempted: set[int] = set()
    while len(attempted) < limit:  # list again after each round: a delivery may unblock the next message
        with runtime.uow(read_only=True) as uow:
            due = [i for i in outbox.due_ids(uow, utc_naive(clock()), portals=list(chosen), limit=limit)
                   if i not in attempted][:limit - len(attempted)]
        if not due:
            break
        for row_id in due:
            attempted.add(row_id)
            _deliver(runtime, row_id, chosen, worker=worker, clock=clock, rng=rng, summary=summary)
    confirm_acknowledged(runtime, now=clock(), summary=summary)
    return summary


def run_loop(runtime, *, clock: Clock, interval: float, max_seconds: float | None, portal: str | None = None,
             sleep: Callable[[float], None] = time.sleep) -> RunSummary:
    """Repeat passes, pausing `interval` seconds after each, until `max_seconds` passed (None: forever)."""
    started, total, worker = time.monotonic(), RunSummary(), default_worker_id()
    while max_seconds is None or time.monotonic() - started < max_seconds:
        total.add(run_once(runtime, clock=clock, portal=portal, worker=worker))
        sleep(interval)
    return total


def confirm_acknowledged(runtime, *, now: datetime, summary: RunSummary) -> None:
    """Fire `confirm_sync` as the system on cases every portal has acknowledged (stops the sharing clock)."""
    with runtime.uow(read_only=True) as uow:
        ready = outbox.cases_to_confirm(uow)
    for case_no, version in ready:
        try:
            with runtime.uow() as uow:
                fire(runtime, uow, case_no, "confirm_sync", actor=SYSTEM_ACTOR, now=now,
                     expected_version=version,
                     reason="各门户均已确认接收修复结论 / every portal acknowledged the conclusion")
        except ConcurrencyConflict:
            continue  # another worker confirmed it, or the case moved on: the next pass looks again
        except DomainError as error:
            summary.errors.append(f"{case_no}: {error}")
            continue
        summary.confirmed.append(case_no)


def _deliver(runtime, row_id: int, adapters: dict[str, PortalAdapter], *, worker: str, clock: Clock,
             rng: random.Random, summary: RunSummary) -> None:
    settings = runtime.settings
    row = _claim(runtime, row_id, worker=worker, now=utc_naive(clock()))
    if row is None:
        summary.skipped += 1
        return
    message = Message(row["message_id"], row["portal"], row["payload"])
    try:
        receipt = adapters[row["portal"]].send(message)
    except DeliveryFailed as error:
        failure = error
    except Exception as error:  # an adapter defect must not stall the queue: retry, and say what happened
        failure = DeliveryFailed(f"{type(error).__name__}: {error}")
    else:
        with runtime.uow() as uow:
            recorded = outbox.mark_sent(uow, row_id, worker=worker, now=utc_naive(clock()),
                                        receipt_id=receipt.ack_id, receipt_at=receipt.acked_at)
            uow.commit()
        if recorded:
            summary.sent += 1
        else:
            summary.skipped += 1
        return
    attempts = row["attempts"]
    dead = failure.permanent or attempts >= settings.sync_max_attempts
    delay = backoff_delay(attempts, base=settings.sync_backoff_base, cap=settings.sync_backoff_cap, rng=rng)
    if failure.retry_after is not None:
        delay = max(delay, min(failure.retry_after, settings.sync_backoff_cap))
    verdict = "转入死信 / dead letter" if dead else f"{delay:.0f} 秒后重试 / retry in {delay:.0f}s"
    with runtime.uow() as uow:
        now = utc_naive(clock())
        outbox.mark_failed(uow, row_id, worker=worker, dead=dead,
                           next_attempt_at=now + timedelta(seconds=delay),
                           error=f"第 {attempts} 次投递失败 / attempt {attempts} failed: {failure}（{verdict}）")
        uow.commit()
    if dead:
        summary.dead += 1
    else:
        summary.retried += 1
    summary.errors.append(f"{row['portal']} {row['payload'].get('case_no')}: {failure}")


def _claim(runtime, row_id: int, *, worker: str, now: datetime) -> dict | None:
    """Lease the row, note an interrupted earlier attempt, complete the payload; None if someone has it."""
    lease_until = now + timedelta(seconds=runtime.settings.sync_lease_seconds)
    with runtime.uow() as uow:
        before = outbox.load(uow, row_id)
        if not outbox.claim(uow, row_id, worker=worker, now=now, lease_until=lease_until):
            return None
        if before["lease_until"] is not None:  # its worker died between claiming and recording
            attempt, owner = before["attempts"], before["claimed_by"]
            outbox.set_error(uow, row_id, f"第 {attempt} 次投递（{owner}）中断，结果未记录 / "
                                          f"attempt {attempt} by {owner} was interrupted")
        row = outbox.load(uow, row_id)
        if row["payload"].get("document_sha256") is None and row["outcome"] != "revoked":
            digest = decision_digest(uow, row["case_id"])
            if digest is not None:
                row["payload"] = {**row["payload"], "document_sha256": digest}
                outbox.set_payload(uow, row_id, row["payload"])
        uow.commit()
    return row
