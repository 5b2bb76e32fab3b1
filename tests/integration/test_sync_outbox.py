"""Conclusions enter the outbox in the conclusion's own transaction, one message per receiving portal;
the file-drop worker delivers them, records receipts and confirms the sync (the sharing clock stops)."""

import json
import random

import pytest
from sqlalchemy import select

from repair.errors import ConcurrencyConflict
from repair.services.exchange.delivery import backoff_delay, run_once
from repair.store.sync_models import OutboxMessage
from tests.conftest import at
from tests.fakeportal import conclude


def outbox(world):
    with world.uow(read_only=True) as uow:
        return uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_granted_case_queues_one_message_per_portal_at_conclusion(world, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    for trigger, who, day in (("accept", "fgw_officer", "2026-11-03"), ("confirm_fulfilment", "fgw_officer", "2026-11-04"),
                              ("grant", "fgw_reviewer", "2026-11-05")):
        fire(case_no, trigger, who, at(day))
    assert outbox(world) == []  # granted is not concluded yet: nothing goes out before the seal
    fire(case_no, "seal", "fgw_officer", at("2026-11-06"))
    rows = outbox(world)
    assert sorted(r.portal for r in rows) == ["creditchina", "shanghai"]  # GSXT takes SAMR items only
    assert len({r.message_id for r in rows}) == 2 and all(len(r.message_id) == 36 for r in rows)
    first = rows[0]
    assert (first.status, first.attempts, first.outcome, first.event_seq) == ("pending", 0, "granted", 5)
    assert first.payload["case_no"] == case_no
    assert first.payload["decision_no"] == "沪浦发改罚〔2025〕1号"
    assert (first.payload["authority"], first.payload["uscc"]) == ("FGW", "91310115MA1K4QWE8M")
    assert first.payload["workflow"] == "penalty_repair"
    assert first.payload["decided_at"] == "2026-11-06T10:00:00+08:00"


def test_samr_denial_goes_to_gsxt_only_and_ndrc_denial_nowhere(world, make_case, fire):
    ndrc = make_case(when=at("2026-11-02"))
    samr = make_case(when=at("2026-11-02"), authority_code="SCJG", channel="samr")
    for case_no, who in ((ndrc, "fgw"), (samr, "scjg")):
        fire(case_no, "accept", f"{who}_officer", at("2026-11-03"))
        fire(case_no, "confirm_fulfilment", f"{who}_officer", at("2026-11-04"))
        fire(case_no, "deny", f"{who}_reviewer", at("2026-11-05"), reason="履行证明不实")
    rows = outbox(world)
    assert [(r.payload["case_no"], r.portal, r.outcome) for r in rows] == [(samr, "gsxt", "denied")]


def test_samr_grant_goes_to_all_three_portals(world, make_case, fire):
    conclude(make_case, fire, samr=True)
    assert sorted(r.portal for r in outbox(world)) == ["creditchina", "gsxt", "shanghai"]


def test_revocation_queues_new_messages_and_internal_steps_queue_none(world, make_case, fire):
    case_no = conclude(make_case, fire)
    fire(case_no, "confirm_sync", "system", at("2026-11-09"))  # stays concluded: no new conclusion
    assert len(outbox(world)) == 2
    fire(case_no, "revoke", "fgw_reviewer", at("2026-11-20"), reason="发现申请材料虚假")
    revoked = [r for r in outbox(world) if r.outcome == "revoked"]
    assert sorted(r.portal for r in revoked) == ["creditchina", "shanghai"]
    assert all(r.payload["document_sha256"] is None for r in revoked)


def test_a_failed_conclusion_leaves_no_message(world, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    for trigger, who, day in (("accept", "fgw_officer", "2026-11-03"), ("confirm_fulfilment", "fgw_officer", "2026-11-04"),
                              ("grant", "fgw_reviewer", "2026-11-05")):
        fire(case_no, trigger, who, at(day))
    with pytest.raises(ConcurrencyConflict):
        fire(case_no, "seal", "fgw_officer", at("2026-11-06"), expected_version=1)
    assert outbox(world) == []


def test_file_drop_delivers_records_receipts_and_confirms_sync(world, make_case, fire, show):
    case_no = conclude(make_case, fire)
    summary = run_once(world, clock=lambda: at("2026-11-06", 11))
    assert (summary.sent, summary.retried, summary.dead, summary.confirmed) == (2, 0, 0, [case_no])
    rows = outbox(world)
    assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
    for row in rows:
        path = world.settings.outbox_dir / row.portal / "2026-11-06.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert [line["message_id"] for line in lines] == [row.message_id]
        assert lines[0]["outcome"] == "granted" and lines[0]["case_no"] == case_no
        assert row.receipt_id == "2026-11-06.jsonl@0"
    detail = show(case_no)
    assert detail["events"][-1]["trigger"] == "confirm_sync" and detail["events"][-1]["actor"] == "system"
    sharing = [d for d in detail["deadlines"] if d["stage"] == "sharing"]
    assert [(d["status"], d["met_on"]) for d in sharing] == [("met", "2026-11-06")]
    again = run_once(world, clock=lambda: at("2026-11-06", 12))
    assert (again.sent, again.confirmed) == (0, [])  # nothing due, nothing confirmed twice


def test_a_revocation_waits_behind_its_undelivered_grant(world, make_case, fire):
    case_no = conclude(make_case, fire)
    fire(case_no, "revoke", "fgw_reviewer", at("2026-11-07"), reason="发现申请材料虚假")
    with world.uow() as uow:  # the grant to 信用中国 is still in backoff
        grant = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.portal == "creditchina",
                                                                OutboxMessage.outcome == "granted")).one()
        grant.next_attempt_at = at("2026-11-10").replace(tzinfo=None)
        uow.commit()
    run_once(world, clock=lambda: at("2026-11-07", 11))
    sent = {(r.portal, r.outcome): r.status for r in outbox(world)}
    assert sent == {("creditchina", "granted"): "pending", ("creditchina", "revoked"): "pending",
                    ("shanghai", "granted"): "sent", ("shanghai", "revoked"): "sent"}


def test_backoff_doubles_up_to_the_cap_with_jitter():
    rng = random.Random(7)
    delays = [backoff_delay(n, base=30, cap=600, rng=rng) for n in range(1, 8)]
    ceilings = [30, 60, 120, 240, 480, 600, 600]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings))
    assert len({round(d, 6) for d in delays}) == 7  # jittered, not the bare ceilings
