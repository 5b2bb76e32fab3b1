"""Bulk upsert of checked fulfilment facts, idempotent by (record, kind, reference).

The record is found by (authority, decision number); a fact dated before the decision is refused. A
known fact whose amount, date or source differs is updated and the change recorded; an identical one
is only counted. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, update

from repair.exchange.records_import import CHANGES, RECORDS, BatchCounts, diff
from repair.exchange.validation import Reject
from repair.store.keyed import select_by_keys
from repair.store.models import Fulfilment

FULFILMENTS = Fulfilment.__table__
COMPARED = ("amount", "occurred_on", "source")
NO_RECORD = "该认定单位下没有此决定书编号的处罚记录 / no such record for this authority"
_UPDATE = (update(FULFILMENTS).where(FULFILMENTS.c.id == bindparam("b_id"))
           .values({name: bindparam(f"b_{name}") for name in COMPARED}))


def write_fulfilments(connection: Connection, rows: list[tuple[int, dict]], *, run_id: int | None, actor: str,
                      stamp: datetime) -> tuple[BatchCounts, list[tuple[int, int]]]:
    """Insert new facts and update changed ones (recording the change); returns (fact id, record id) pairs."""
    counts, ids = BatchCounts(), []
    rows = _attach_records(connection, rows, counts)
    if not rows:
        return counts, ids
    keys = [(values["record_id"], values["kind"], values["reference"]) for _, values in rows]
    found = select_by_keys(connection, (FULFILMENTS.c.id, FULFILMENTS.c.record_id, FULFILMENTS.c.kind,
                                        FULFILMENTS.c.reference, *(FULFILMENTS.c[name] for name in COMPARED)),
                           (FULFILMENTS.c.record_id, FULFILMENTS.c.kind, FULFILMENTS.c.reference), keys)
    existing = {(row.record_id, row.kind, row.reference): row for row in found}
    updates, changes, inserts, new_at = [], [], [], []
    for (_, values), key in zip(rows, keys):
        old = existing.get(key)
        if old is None:  # (the row checks refuse a key repeated in the file)
            new_at.append((len(ids), len(inserts)))
            inserts.append({"record_id": values["record_id"], "kind": values["kind"], "amount": values["amount"],
                            "occurred_on": values["occurred_on"], "reference": values["reference"],
                            "source": values["source"], "recorded_at": stamp})
            ids.append((None, values["record_id"]))
            continue
        ids.append((old.id, values["record_id"]))
        changed = diff(old, values, COMPARED)
        if not changed:
            counts.unchanged += 1
            continue
        updates.append({"b_id": old.id, **{f"b_{name}": values[name] for name in COMPARED}})
        changes.append({"record_id": values["record_id"], "entity": "fulfilment", "entity_id": old.id,
                        "import_run_id": run_id, "actor": actor, "changed_at": stamp, "changes": changed})
    if inserts:  # one multi-row INSERT … RETURNING, ids in parameter order
        new_ids = list(connection.execute(
            insert(FULFILMENTS).returning(FULFILMENTS.c.id, sort_by_parameter_order=True), inserts).scalars())
        for position, index in new_at:
            ids[position] = (new_ids[index], ids[position][1])
        counts.stored = len(inserts)
    if updates:
        connection.execute(_UPDATE, updates)
        connection.execute(insert(CHANGES), changes)
    counts.updated = len(updates)
    return counts, ids


def _attach_records(connection: Connection, rows: list[tuple[int, dict]], counts: BatchCounts):
    """Rows whose record exists, with `record_id` added; the others become rejects."""
    keys = {(values["authority_code"], values["decision_no"]) for _, values in rows}
    if not keys:
        return []
    found = select_by_keys(connection, (RECORDS.c.id, RECORDS.c.authority_code, RECORDS.c.decision_no,
                                        RECORDS.c.decided_on), (RECORDS.c.authority_code, RECORDS.c.decision_no),
                           list(keys))
    records = {(row.authority_code, row.decision_no): row for row in found}
    kept = []
    for number, values in rows:
        record = records.get((values["authority_code"], values["decision_no"]))
        if record is None:
            counts.rejects.append(Reject(number, "decision_no", values["decision_no"], NO_RECORD))
        elif values["occurred_on"] < record.decided_on:
            reason = f"早于处罚决定日期 {record.decided_on.isoformat()} / before the decision date"
            counts.rejects.append(Reject(number, "occurred_on", values["occurred_on"].isoformat(), reason))
        else:
            kept.append((number, {**values, "record_id": record.id}))
    return kept
