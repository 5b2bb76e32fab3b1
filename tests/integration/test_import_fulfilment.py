"""`repair import fulfilment` and `record_fulfilment`: idempotent by (record, kind, reference), rows
naming missing records or impossible dates rejected, changes recorded, feeds the fulfilment check."""

from __future__ import annotations

import csv
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from repair.domain.actors import SYSTEM_ACTOR
from repair.errors import NotFound, TransitionRefused, ValidationError
from repair.exchange.validation import FULFILMENT_FIELDS
from repair.services.cases.facts import fulfilment_of
from repair.services.exchange.imports import import_fulfilment, record_fulfilment
from repair.store.import_models import RecordChange
from repair.store.models import Fulfilment, Record
from tests.conftest import actor


@pytest.fixture
def records(make_record):
    """Two unpaid FGW penalties decided on 2026-03-02 (fines 5,000 and 800)."""
    first = make_record(paid=False, decision_no="沪浦发改罚〔2026〕11号")
    second = make_record(paid=False, decision_no="沪浦发改罚〔2026〕12号", fine_amount=Decimal("800"),
                         penalty_types="罚款;责令改正")
    return first, second


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FULFILMENT_FIELDS)
        writer.writerows(rows)
    return path


ROWS = [
    ["FGW", "沪浦发改罚〔2026〕11号", "fine_payment", "5000", "2026-03-20", "JK20260320001", "区财政非税收入系统"],
    ["FGW", "沪浦发改罚〔2026〕12号", "fine_payment", "800.00", "2026-03-25", "JK20260325007", "区财政非税收入系统"],
    ["FGW", "沪浦发改罚〔2026〕12号", "correction", "", "2026-04-02", "ZG-12", "现场核查"],
    ["FGW", "沪浦发改罚〔2026〕99号", "fine_payment", "100", "2026-03-20", "JK1", ""],       # row 5: no record
    ["FGW", "沪浦发改罚〔2026〕11号", "refund", "100", "2026-03-20", "JK2", ""],             # row 6: bad kind
    ["FGW", "沪浦发改罚〔2026〕11号", "fine_payment", "", "2026-03-20", "JK3", ""],          # row 7: no amount
    ["FGW", "沪浦发改罚〔2026〕11号", "fine_payment", "10", "2026-02-01", "JK4", ""],        # row 8: before decision
    ["FGW", "沪浦发改罚〔2026〕11号", "fine_payment", "5000", "2026-03-20", "JK20260320001", "重复"],  # row 9: dup
]


def test_import_stores_valid_facts_and_rejects_the_rest(world, records, cli_env, tmp_path):
    source = write_csv(tmp_path / "payments.csv", ROWS)
    result = subprocess.run([".venv/bin/repair", "import", "fulfilment", str(source)], capture_output=True,
                            text=True, env=cli_env, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "stored 3" in result.stdout and "rejected 5" in result.stdout
    with (tmp_path / "payments.csv.rejects.csv").open(encoding="utf-8-sig") as handle:
        rejects = [(int(r["row"]), r["field"]) for r in csv.DictReader(handle)]
    assert rejects == [(5, "decision_no"), (6, "kind"), (7, "amount"), (8, "occurred_on"), (9, "reference")]

    first, second = records
    with world.uow(read_only=True) as uow:
        facts = uow.session.execute(select(Fulfilment.record_id, Fulfilment.kind, Fulfilment.amount,
                                           Fulfilment.occurred_on).order_by(Fulfilment.id)).all()
        statuses = [fulfilment_of(uow, uow.session.get(Record, rid)) for rid in records]
    assert facts == [(first, "fine_payment", Decimal("5000.00"), date(2026, 3, 20)),
                     (second, "fine_payment", Decimal("800.00"), date(2026, 3, 25)),
                     (second, "correction", None, date(2026, 4, 2))]
    assert [s.complete for s in statuses] == [True, True]


def test_reimport_is_idempotent_and_a_changed_fact_is_recorded(world, records, now, tmp_path):
    source = write_csv(tmp_path / "payments.csv", ROWS[:3])
    first = import_fulfilment(world, source, actor="finance", now=now)
    again = import_fulfilment(world, source, actor="finance", now=now)
    assert (first.stored, first.unchanged, first.rejected) == (3, 0, 0)
    assert (again.stored, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)

    changed = [list(r) for r in ROWS[:3]]
    changed[1][3] = "700"
    write_csv(source, changed)
    third = import_fulfilment(world, source, actor="finance", now=now)
    assert (third.stored, third.updated, third.unchanged) == (0, 1, 2)
    with world.uow(read_only=True) as uow:
        count = len(uow.session.scalars(select(Fulfilment.id)).all())
        change = uow.session.scalars(select(RecordChange)).one()
        status = fulfilment_of(uow, uow.session.get(Record, records[1]))
    assert count == 3
    assert (change.record_id, change.entity, change.import_run_id, change.changes) == (
        records[1], "fulfilment", third.run_id, {"amount": ["800.00", "700"]})
    assert not status.complete and "800" in status.missing[0]


def test_record_fulfilment_service_is_idempotent(world, records, now):
    officer = actor("fgw_officer")
    fact = dict(authority_code="FGW", decision_no="沪浦发改罚〔2026〕11号", kind="fine_payment",
                amount=Decimal("5000"), occurred_on=date(2026, 3, 20), reference="JK-API-1", source="财政")
    with world.uow() as uow:
        created = record_fulfilment(uow, **fact, actor=officer, now=now)
    with world.uow() as uow:
        repeated = record_fulfilment(uow, **fact, actor=SYSTEM_ACTOR, now=now)
    with world.uow() as uow:
        changed = record_fulfilment(uow, **{**fact, "amount": "4000", "occurred_on": "2026-03-21"},
                                    actor=officer, now=now)
    assert (created.outcome, repeated.outcome, changed.outcome) == ("created", "unchanged", "updated")
    assert created.fulfilment_id == repeated.fulfilment_id == changed.fulfilment_id
    assert created.record_id == records[0]
    with world.uow(read_only=True) as uow:
        stored = uow.session.get(Fulfilment, created.fulfilment_id)
        change = uow.session.scalars(select(RecordChange)).one()
    assert (stored.amount, stored.occurred_on) == (Decimal("4000.00"), date(2026, 3, 21))
    assert (change.import_run_id, change.actor, change.changes) == (
        None, "fgw_officer", {"amount": ["5000.00", "4000"], "occurred_on": ["2026-03-20", "2026-03-21"]})


def test_record_fulfilment_refusals(world, records, now):
    fact = dict(authority_code="FGW", decision_no="沪浦发改罚〔2026〕11号", kind="fine_payment", amount="5000",
                occurred_on="2026-03-20", reference="JK-API-2", source="")
    with world.uow() as uow, pytest.raises(TransitionRefused) as refused:
        record_fulfilment(uow, **fact, actor=actor("scjg_officer"), now=now)
    assert refused.value.failed == ["scope"]
    with world.uow() as uow, pytest.raises(TransitionRefused):
        record_fulfilment(uow, **fact, actor=actor("ent"), now=now)
    with world.uow() as uow, pytest.raises(NotFound):
        record_fulfilment(uow, **{**fact, "decision_no": "无此号"}, actor=SYSTEM_ACTOR, now=now)
    with world.uow() as uow, pytest.raises(ValidationError) as invalid:
        record_fulfilment(uow, **{**fact, "occurred_on": "2026-12-01"}, actor=SYSTEM_ACTOR, now=now)
    assert invalid.value.field == "occurred_on" and "future" in str(invalid.value)
    with world.uow() as uow, pytest.raises(ValidationError) as invalid:
        record_fulfilment(uow, **{**fact, "amount": "-5"}, actor=SYSTEM_ACTOR, now=now)
    assert invalid.value.field == "amount"
    with world.uow(read_only=True) as uow:
        assert uow.session.scalars(select(Fulfilment)).all() == []
