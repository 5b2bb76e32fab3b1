"""Tamper-evident case history: canonical serialisation and SHA-256 chaining per case."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

GENESIS = "0" * 64


@dataclass(frozen=True)
class EventFacts:
    """The fields of one history event that the chain protects."""

    case_no: str
    seq: int
    trigger: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    reason: str | None
    payload: Mapping[str, Any]
    workflow_version: int


def utc_naive(moment: datetime) -> datetime:
    """Times are stored as naive UTC (portable across SQLite and PostgreSQL)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def canonical(event: EventFacts) -> str:
    """Serialise an event deterministically (sorted keys, no spaces, UTF-8, microsecond times)."""
    body = {
        "case_no": event.case_no,
        "seq": event.seq,
        "trigger": event.trigger,
        "from": event.from_state,
        "to": event.to_state,
        "actor": event.actor,
        "at": event.at.isoformat(timespec="microseconds"),
        "reason": event.reason,
        "payload": event.payload,
        "workflow_version": event.workflow_version,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def link(prev_hash: str, canonical_text: str) -> str:
    """SHA-256 of a predecessor's hash and a record's canonical text: one link of a chain."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_text.encode("utf-8"))
    return digest.hexdigest()


def chain_hash(prev_hash: str, event: EventFacts) -> str:
    """Hash of an event chained to its predecessor's hash."""
    return link(prev_hash, canonical(event))


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back from storage, with the hashes stored beside it."""

    facts: EventFacts
    prev_hash: str
    hash: str


def chain_problems(events: Iterable[StoredEvent], head_hash: str, event_count: int) -> list[str]:
    """Check one case's chain (events in seq order); return human-readable problems, empty if intact."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_seq = 1
    seen = 0
    for stored in events:
        seen += 1
        seq = stored.facts.seq
        if seq != expected_seq:
            problems.append(f"序号 {seq} 处应为 {expected_seq}（事件缺失或顺序被改）/ seq {seq}, expected {expected_seq}")
        if stored.prev_hash != expected_prev:
            problems.append(f"事件 {seq} 的前序哈希不符（删除或重排）/ event {seq}: previous hash mismatch")
        if chain_hash(stored.prev_hash, stored.facts) != stored.hash:
            problems.append(f"事件 {seq} 内容被修改 / event {seq}: content does not match its hash")
        expected_prev = stored.hash
        expected_seq = seq + 1
    if seen != event_count or expected_prev != head_hash:
        problems.append(
            f"案件记录的事件数 {event_count} 或链头与历史不符（末尾事件被删除？）/ head or count mismatch"
        )
    return problems
