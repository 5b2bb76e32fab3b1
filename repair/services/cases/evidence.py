"""Fulfilment evidence of a case: the canonical rows, their SHA-256, pinning at confirmation, drift before grant.

The digest is SHA-256 over the UTF-8 of a canonical JSON serialisation: the record's fulfilment rows as
objects with exactly the keys kind, amount (two decimals or null), occurred_on (ISO date), reference and
source, sorted by those values, serialised with sorted keys, no whitespace and unescaped Chinese. It
depends on the facts only, never on row ids, insertion order or the database's collation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select

from repair.domain.casefile import CaseState
from repair.domain.history import utc_naive
from repair.store.evidence_models import CaseEvidence
from repair.store.models import Fulfilment
from repair.store.uow import UnitOfWork

EVIDENCE_FIELDS = ("kind", "amount", "occurred_on", "reference", "source")
KIND_TITLES = {"fine_payment": "罚款缴纳", "correction": "整改核实"}
NOTHING_PINNED = "未找到确认履行时固定的证据 / no fulfilment evidence was pinned at confirmation"


@dataclass(frozen=True)
class Evidence:
    """A record's fulfilment rows in canonical form and their digest."""

    rows: tuple[dict, ...]
    digest: str

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct sources (providing departments) of the rows."""
        return tuple(sorted({row["source"] for row in self.rows}))

    def payload(self) -> dict:
        """The evidence as stored in an event payload and a pin."""
        return {"digest": self.digest, "sources": list(self.sources), "rows": [dict(r) for r in self.rows]}


def _amount(value) -> str | None:
    return None if value is None else format(Decimal(value).quantize(Decimal("0.01")), "f")


def _canonical(rows) -> tuple[dict, ...]:
    items = [{"kind": r.kind, "amount": _amount(r.amount), "occurred_on": r.occurred_on.isoformat(),
              "reference": r.reference or "", "source": r.source or ""} for r in rows]
    return tuple(sorted(items, key=lambda item: tuple(item[k] or "" for k in EVIDENCE_FIELDS)))


def digest_of(rows: tuple[dict, ...] | list[dict]) -> str:
    """SHA-256 (hex) of canonical fulfilment rows."""
    text = json.dumps(list(rows), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def current_evidence(uow: UnitOfWork, record_id: int) -> Evidence:
    """The record's fulfilment rows as they are now."""
    rows = _canonical(uow.session.execute(
        select(*(getattr(Fulfilment, name) for name in EVIDENCE_FIELDS)).where(Fulfilment.record_id == record_id)))
    return Evidence(rows=rows, digest=digest_of(rows))


def pin_evidence(uow: UnitOfWork, case: CaseState, seq: int, evidence: Evidence, actor: str,
                 now: datetime) -> None:
    """Store the evidence a confirmation (event `seq`) relied on; the caller commits."""
    uow.connection.execute(insert(CaseEvidence).values(
        case_id=case.id, event_seq=seq, pinned_at=utc_naive(now), pinned_by=actor, digest=evidence.digest,
        rows=[dict(r) for r in evidence.rows]))


def pinned_evidence(uow: UnitOfWork, case_id: int) -> CaseEvidence | None:
    """The latest evidence pinned on the case, or None."""
    return uow.session.scalar(select(CaseEvidence).where(CaseEvidence.case_id == case_id)
                              .order_by(CaseEvidence.id.desc()).limit(1))


def _label(row: dict) -> str:
    return f"{KIND_TITLES.get(row['kind'], row['kind'])}（凭证号 {row['reference'] or '无'}）"


def evidence_drift(uow: UnitOfWork, case_id: int, record_id: int) -> tuple[str, ...]:
    """How the record's fulfilment rows differ from the evidence pinned on the case (Chinese); empty if equal.

    A case with nothing pinned counts as changed: a grant must rest on pinned evidence.
    """
    pinned = pinned_evidence(uow, case_id)
    if pinned is None:
        return (NOTHING_PINNED,)
    current = current_evidence(uow, record_id)
    if current.digest == pinned.digest:
        return ()
    before = {(r["kind"], r["reference"]): r for r in pinned.rows}
    after = {(r["kind"], r["reference"]): r for r in current.rows}
    changes = [f"{_label(r)}已不在共享数据中" for key, r in before.items() if key not in after]
    changes += [f"新增{_label(r)}" for key, r in after.items() if key not in before]
    for key in before.keys() & after.keys():
        fields = [f"{name} {before[key][name]}→{after[key][name]}" for name in ("amount", "occurred_on", "source")
                  if before[key][name] != after[key][name]]
        if fields:
            changes.append(f"{_label(after[key])}已变更：{'，'.join(fields)}")
    summary = f"证据摘要 {pinned.digest[:12]}… 现为 {current.digest[:12]}…"
    return (summary, *sorted(changes))
