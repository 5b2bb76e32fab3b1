"""Bulk upsert of checked penalty records: one preload query per batch, then executemany statements.

A row whose (authority, decision number) is new is inserted; a known row whose values differ updates
the record and appends a `record_changes` row with the old and new values; an identical row is only
counted. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, update

from repair.exchange.validation import Reject
from repair.store.import_models import RecordChange
from repair.store.keyed import select_by_keys
from repair.store.models import Record

RECORDS = Record.__table__
CHANGES = RecordChange.__table__
# Columns an import may set or change (kind, status and the timestamps are not the file's to change).
COMPARED = ("uscc", "party_name", "channel", "tier", "sector", "decided_on", "published_on", "penalty_types",
            "fine_amount", "legal_basis", "facts", "party_address", "legal_representative", "violated_provision",
            "evidence", "penalty_content", "procedure", "served_on")
# Optional columns: a file without one leaves the stored value as it is.
OPTIONAL = ("party_address", "legal_representative", "violated_provision", "evidence", "penalty_content",
            "procedure", "served_on")
_UPDATE = (update(RECORDS).where(RECORDS.c.id == bindparam("b_id"))
           .values({name: bindparam(f"b_{name}") for name in (*COMPARED, "updated_at")}))


@dataclass
class BatchCounts:
    """What one batch did; `rejects` are rows refused only once the database was consulted."""

    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)


def plain(value):
    """A value as JSON-ready data for the change history (dates ISO, amounts as written by the DB)."""
    if value is None or isinstance(value, (dict, list)):
        return value
    return str(value)


def diff(old, new: dict, names: tuple[str, ...]) -> dict[str, list]:
    """{field: [old, new]} for every named field whose value differs."""
    return {name: [plain(getattr(old, name)), plain(new[name])] for name in names
            if getattr(old, name) != new[name]}


def write_records(connection: Connection, rows: list[tuple[int, dict]], *, run_id: int | None, actor: str,
                  stamp: datetime) -> BatchCounts:
    """Insert new records, update changed ones (recording the change), count identical ones."""
    counts = BatchCounts()
    if not rows:
        return counts
    keys = [(values["authority_code"], values["decision_no"]) for _, values in rows]
    found = select_by_keys(connection, (RECORDS.c.id, RECORDS.c.kind, RECORDS.c.authority_code,
                                        RECORDS.c.decision_no, *(RECORDS.c[name] for name in COMPARED)),
                           (RECORDS.c.authority_code, RECORDS.c.decision_no), keys)
    existing = {(row.authority_code, row.decision_no): row for row in found}
    inserts, updates, changes = [], [], []
    for (number, values), key in zip(rows, keys):
        old = existing.get(key)
        if old is None:
            inserts.append({**dict.fromkeys(OPTIONAL), **values, "status": "published", "created_at": stamp,
                            "updated_at": stamp})
            continue
        values = {**{name: getattr(old, name) for name in OPTIONAL}, **values}
        if old.kind != values["kind"]:
            reason = f"该决定书编号已用于 {old.kind} 类记录 / the number belongs to a {old.kind} record"
            counts.rejects.append(Reject(number, "decision_no", key[1], reason))
            continue
        changed = diff(old, values, COMPARED)
        if not changed:
            counts.unchanged += 1
            continue
        updates.append({"b_id": old.id, "b_updated_at": stamp,
                        **{f"b_{name}": values[name] for name in COMPARED}})
        changes.append({"record_id": old.id, "entity": "record", "entity_id": old.id, "import_run_id": run_id,
                        "actor": actor, "changed_at": stamp, "changes": changed})
    if inserts:
        connection.execute(insert(RECORDS), inserts)
    if updates:
        connection.execute(_UPDATE, updates)
        connection.execute(insert(CHANGES), changes)
    counts.stored, counts.updated = len(inserts), len(updates)
    return counts
