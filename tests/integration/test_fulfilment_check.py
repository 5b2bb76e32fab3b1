"""The automatic fulfilment check: auto-advance on complete shared data with pinned evidence, missing items
recorded for the officer, later data advancing a waiting case, and grant refused when the evidence changed."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from repair.errors import TransitionRefused
from repair.services.cases import fulfilment_check as check_module
from repair.services.cases.evidence import current_evidence
from repair.services.cases.fulfilment_check import (
    AUTO_REASON,
    after_step,
    case_checks,
    check_fulfilment,
    check_records,
    supplement_reason,
)
from repair.services.exchange.imports import import_fulfilment, record_fulfilment
from repair.store.evidence_models import CaseEvidence, FulfilmentCheck
from repair.store.models import Case, CaseEvent, Fulfilment
from tests.conftest import actor, at

FINE_ROW = {"kind": "fine_payment", "amount": "5000.00", "occurred_on": "2026-03-20", "reference": "JK1",
            "source": "财政"}


def expected_digest(rows: list[dict]) -> str:
    """The documented canonical form, computed independently of the service."""
    ordered = sorted(rows, key=lambda r: (r["kind"], r["amount"] or "", r["occurred_on"], r["reference"],
                                          r["source"]))
    text = json.dumps(ordered, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def events(world, case_no: str) -> list[CaseEvent]:
    with world.uow(read_only=True) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_no == case_no))
        return list(uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                        .order_by(CaseEvent.seq)))


def state(world, case_no: str) -> tuple[str, int]:
    with world.uow(read_only=True) as uow:
        row = uow.session.execute(select(Case.state, Case.version).where(Case.case_no == case_no)).one()
        return row.state, row.version


def checks(world, case_no: str) -> list[dict]:
    with world.uow(read_only=True) as uow:
        return case_checks(uow, uow.session.scalar(select(Case.id).where(Case.case_no == case_no)))


def pins(world, case_no: str) -> list[CaseEvidence]:
    with world.uow(read_only=True) as uow:
        case_id = uow.session.scalar(select(Case.id).where(Case.case_no == case_no))
        return list(uow.session.scalars(select(CaseEvidence).where(CaseEvidence.case_id == case_id)))


def pay(world, record_decision: str, amount: str, reference: str, when, *, username: str = "fgw_officer"):
    with world.uow() as uow:
        return record_fulfilment(uow, authority_code="FGW", decision_no=record_decision, kind="fine_payment",
                                 amount=amount, occurred_on="2026-11-20", reference=reference, source="区财政局",
                                 actor=actor(username), now=when)


def decision_of(world, case_no: str) -> str:
    with world.uow(read_only=True) as uow:
        return uow.session.scalar(select(Case).where(Case.case_no == case_no)).record.decision_no


def test_accept_with_the_fine_already_paid_advances_as_system_and_pins_the_evidence(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    accepted = fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    assert state(world, case_no) == ("fulfilment_check", 2)  # the service `fire` is one transition only
    outcome = after_step(world, accepted, at("2026-11-23", 11))
    assert (outcome.complete, outcome.missing, outcome.state, outcome.advanced.seq) == (
        True, (), "under_review", 3)
    assert state(world, case_no) == ("under_review", 3)
    confirm = events(world, case_no)[-1]
    digest = expected_digest([FINE_ROW])
    assert (confirm.trigger, confirm.actor, confirm.reason) == ("confirm_fulfilment", "system", AUTO_REASON)
    assert confirm.payload["evidence"] == {"digest": digest, "sources": ["财政"], "rows": [FINE_ROW]}
    [pin] = pins(world, case_no)
    assert (pin.digest, pin.rows, pin.pinned_by, pin.event_seq) == (digest, [FINE_ROW], "system", 3)
    [check] = checks(world, case_no)
    assert (check["cause"], check["complete"], check["missing"], check["digest"], check["advanced_seq"]) == (
        "accept", True, [], digest, 3)


def test_partial_payment_records_what_is_missing_and_offers_it_as_the_supplement_reason(
        world, make_case, fire, make_record):
    record_id = make_record(paid=False)
    case_no = make_case(when=at("2026-11-20"), record_id=record_id)
    pay(world, decision_of(world, case_no), "3000", "JK-part", at("2026-11-20"))
    outcome = after_step(world, fire(case_no, "accept", "fgw_officer", at("2026-11-23")), at("2026-11-23"))
    missing = "罚款未缴清：应缴 5000.00 元，已缴 3000.00 元 / fine not fully paid"
    assert (outcome.complete, outcome.missing, outcome.advanced) == (False, (missing,), None)
    assert state(world, case_no) == ("fulfilment_check", 2)
    assert [(c["complete"], c["missing"]) for c in checks(world, case_no)] == [(False, [missing])]
    assert pins(world, case_no) == []
    with world.uow(read_only=True) as uow:
        reason = supplement_reason(uow, uow.session.scalar(select(Case.id).where(Case.case_no == case_no)))
    assert reason == "经核查部门间共享的履行信息，尚缺以下材料，请补正：1. 罚款未缴清：应缴 5000.00 元，已缴 3000.00 元"
    fire(case_no, "request_supplement", "fgw_officer", at("2026-11-24"), reason=reason)
    assert events(world, case_no)[-1].reason == reason


def test_payment_arriving_later_advances_the_waiting_case_and_supply_rechecks(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"), paid=False)
    after_step(world, fire(case_no, "accept", "fgw_officer", at("2026-11-23")), at("2026-11-23"))
    fire(case_no, "request_supplement", "fgw_officer", at("2026-11-24"), reason="请提供缴款凭证")
    # Data arriving while the case waits for the applicant checks nothing: the case is not in the stage.
    recorded = pay(world, decision_of(world, case_no), "5000", "JK9", at("2026-11-25"))
    assert check_records(world, [recorded.record_id], at("2026-11-25"), cause="fulfilment_api") == []
    outcome = after_step(world, fire(case_no, "supply", "ent", at("2026-11-26")), at("2026-11-26"))
    assert (outcome.cause, outcome.state, outcome.advanced.trigger) == ("supply", "under_review",
                                                                        "confirm_fulfilment")
    assert [e.trigger for e in events(world, case_no)] == ["submit", "accept", "request_supplement", "supply",
                                                           "confirm_fulfilment"]


def test_data_arrival_checks_only_when_the_rows_changed(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"), paid=False)
    after_step(world, fire(case_no, "accept", "fgw_officer", at("2026-11-23")), at("2026-11-23"))
    decision = decision_of(world, case_no)
    first = pay(world, decision, "1000", "JK-a", at("2026-11-24"))
    [partial] = check_records(world, [first.record_id], at("2026-11-24"), cause="fulfilment_api")
    assert (partial.complete, partial.state) == (False, "fulfilment_check")
    assert check_records(world, [first.record_id], at("2026-11-24"), cause="fulfilment_api") == []
    assert len(checks(world, case_no)) == 2  # accept, then the first payment; the repeat recorded nothing
    pay(world, decision, "4000", "JK-b", at("2026-11-25"))
    [done] = check_records(world, [first.record_id], at("2026-11-25"), cause="fulfilment_api")
    assert (done.complete, done.state) == (True, "under_review")
    [pin] = pins(world, case_no)
    assert [r["reference"] for r in pin.rows] == ["JK-a", "JK-b"] and pin.pinned_by == "system"


def test_a_fulfilment_import_advances_waiting_cases(world, make_case, fire, tmp_path):
    case_no = make_case(when=at("2026-11-20"), paid=False)
    after_step(world, fire(case_no, "accept", "fgw_officer", at("2026-11-23")), at("2026-11-23"))
    feed = tmp_path / "fulfilment.csv"
    feed.write_text("authority_code,decision_no,kind,amount,occurred_on,reference,source\n"
                    f"FGW,{decision_of(world, case_no)},fine_payment,5000.00,2026-11-20,CZ-77,区财政局\n",
                    encoding="utf-8")
    summary = import_fulfilment(world, feed, actor="system", now=at("2026-11-24"))
    assert summary.stored == 1
    assert state(world, case_no) == ("under_review", 3)
    assert [c["cause"] for c in checks(world, case_no)] == ["fulfilment_import", "accept"]


def test_an_officer_confirmation_pins_the_evidence_too(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    fire(case_no, "confirm_fulfilment", "fgw_officer", at("2026-11-24"))
    [pin] = pins(world, case_no)
    assert (pin.pinned_by, pin.event_seq, pin.digest) == ("fgw_officer", 3, expected_digest([FINE_ROW]))
    assert events(world, case_no)[-1].payload["evidence"]["digest"] == pin.digest


@pytest.mark.parametrize("change, detail, failed", [
    # An edited row that still pays the fine: only the evidence guard notices.
    ("amount", "罚款缴纳（凭证号 JK1）已变更：amount 5000.00→5500.00", ["evidence_unchanged"]),
    # A reversed payment: the case is no longer eligible either.
    ("reversed", "罚款缴纳（凭证号 JK1）已不在共享数据中", ["eligible", "evidence_unchanged"]),
])
def test_grant_is_refused_when_the_evidence_changed_after_confirmation(world, make_case, fire, change, detail,
                                                                       failed):
    case_no = make_case(when=at("2026-11-20"))
    after_step(world, fire(case_no, "accept", "fgw_officer", at("2026-11-23")), at("2026-11-23"))
    with world.uow() as uow:
        record_id = uow.session.scalar(select(Case.record_id).where(Case.case_no == case_no))
        if change == "amount":
            row = uow.session.scalar(select(Fulfilment).where(Fulfilment.record_id == record_id))
            row.amount = Decimal("5500.00")
        else:
            uow.session.execute(delete(Fulfilment).where(Fulfilment.record_id == record_id))
        uow.commit()
    with pytest.raises(TransitionRefused) as refused:
        fire(case_no, "grant", "fgw_reviewer", at("2026-11-25"))
    assert refused.value.failed == failed
    assert "确认履行时固定的履行证据未发生变化" in str(refused.value) and detail in str(refused.value)
    assert state(world, case_no) == ("under_review", 3)
    fire(case_no, "deny", "fgw_reviewer", at("2026-11-25"), reason="履行证据已变化")  # denial stays possible


def test_grant_passes_with_unchanged_evidence(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    after_step(world, fire(case_no, "accept", "fgw_officer", at("2026-11-23")), at("2026-11-23"))
    # Another record's payment changes nothing for this case.
    make_case(when=at("2026-11-20"))
    assert fire(case_no, "grant", "fgw_reviewer", at("2026-11-25")).to_state == "granted"


def test_the_digest_ignores_row_order_and_ids(world, make_record):
    first, second = make_record(paid=False), make_record(paid=False)
    rows = [("correction", None, "HC-1", "区生态环境局"), ("fine_payment", Decimal("10"), "JK-2", "区财政局"),
            ("fine_payment", Decimal("2.5"), "JK-1", "区财政局")]
    with world.uow() as uow:
        for record_id, ordered in ((first, rows), (second, rows[::-1])):
            for kind, amount, reference, source in ordered:
                uow.session.add(Fulfilment(record_id=record_id, kind=kind, amount=amount,
                                           occurred_on=date(2026, 4, 1), reference=reference, source=source,
                                           recorded_at=at("2026-11-20").replace(tzinfo=None)))
        uow.commit()
        a, b = current_evidence(uow, first), current_evidence(uow, second)
    assert a.digest == b.digest == expected_digest([
        {"kind": k, "amount": None if m is None else f"{m:.2f}", "occurred_on": "2026-04-01", "reference": r,
         "source": s} for k, m, r, s in rows])
    assert a.sources == ("区生态环境局", "区财政局")


def test_a_failing_check_leaves_the_committed_acceptance_alone(world, make_case, fire, monkeypatch):
    case_no = make_case(when=at("2026-11-20"))
    accepted = fire(case_no, "accept", "fgw_officer", at("2026-11-23"))

    def broken(uow, record):
        raise RuntimeError("shared-data view unavailable")

    monkeypatch.setattr(check_module, "fulfilment_of", broken)
    assert after_step(world, accepted, at("2026-11-23")) is None
    assert state(world, case_no) == ("fulfilment_check", 2) and checks(world, case_no) == []


def test_cases_outside_the_stage_or_of_other_kinds_are_not_checked(world, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    assert check_fulfilment(world, case_no, at("2026-11-20")) is None  # still submitted
    anomaly = make_case(when=at("2026-11-20"), kind="business_anomaly_list", authority_code="SCJG",
                        channel="samr", fine_amount=None, penalty_types="")
    accepted = fire(anomaly, "accept", "scjg_officer", at("2026-11-23"))
    assert after_step(world, accepted, at("2026-11-23")) is None
    assert state(world, anomaly) == ("fulfilment_check", 2)
    with world.uow(read_only=True) as uow:
        assert uow.session.scalar(select(FulfilmentCheck.id)) is None
