"""Delivering over HTTP to a local fake portal under faults: refused connections, timeouts, 500s, slow
answers, 4xx dead letters, Retry-After, duplicate sends and a worker crash between sending and recording.
Afterwards no conclusion is lost, none is stored twice, and the outbox shows what happened."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from repair.config import PortalConfig
from repair.domain.actors import Actor
from repair.errors import TransitionRefused
from repair.services.cases.history import utc_naive
from repair.services.exchange.delivery import run_once
from repair.services.exchange.sync import outbox_rows, requeue_dead_letter
from repair.services.setup.runtime import Runtime
from repair.store.sync_models import OutboxMessage
from repair.sync.adapters import HttpAdapter, Message
from tests.conftest import at
from tests.fakeportal import FakePortal, closed_port, conclude

T0 = at("2026-11-06", 11)


def use_portal(world, url: str, secret: str = "portal-secret", **settings) -> None:
    values = dict(sync_read_timeout=0.5, sync_connect_timeout=0.5, sync_backoff_base=10, sync_backoff_cap=60,
                  sync_max_attempts=4)
    values.update(settings)
    world.settings = world.settings.with_overrides(
        sync_portals=(PortalConfig("creditchina", adapter="http", url=url, secret=secret),), **values)


@pytest.fixture
def portal(world):
    with FakePortal() as fake:
        use_portal(world, fake.url)
        yield fake


def only_row(world) -> OutboxMessage:
    with world.uow(read_only=True) as uow:
        return uow.session.scalars(select(OutboxMessage)).one()


def run(world, when):
    return run_once(world, clock=lambda: when)


def test_http_delivery_is_signed_idempotent_and_confirms(world, portal, make_case, fire, show):
    case_no = conclude(make_case, fire)
    summary = run(world, T0)
    row = only_row(world)
    assert (summary.sent, summary.confirmed) == (1, [case_no])
    assert portal.bad_signatures == 0 and list(portal.deliveries.items()) == [(row.message_id, 1)]
    body = portal.stored[row.message_id]
    assert (body["case_no"], body["outcome"], body["message_id"]) == (case_no, "granted", row.message_id)
    assert (row.status, row.attempts, row.receipt_id, row.receipt_at) == ("sent", 1, "ACK-0001",
                                                                          "2026-11-26T10:00:00+08:00")
    assert show(case_no)["events"][-1]["trigger"] == "confirm_sync"


def test_a_wrong_secret_is_rejected_and_kept_for_the_administrator(world, portal, make_case, fire):
    use_portal(world, portal.url, secret="not-the-portal-secret")
    conclude(make_case, fire)
    assert run(world, T0).dead == 1
    row = only_row(world)
    assert (row.status, portal.bad_signatures, portal.stored) == ("dead", 1, {})
    assert "HTTP 401" in row.last_error


def test_refused_connection_retries_with_backoff_then_delivers(world, portal, make_case, fire):
    use_portal(world, f"http://127.0.0.1:{closed_port()}")
    conclude(make_case, fire)
    assert run(world, T0).retried == 1
    row = only_row(world)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "无法连接门户" in row.last_error
    wait = (row.next_attempt_at - utc_naive(T0)).total_seconds()
    assert 5 <= wait <= 10  # base 10 s, first attempt: between half and all of it
    use_portal(world, portal.url)
    assert run(world, T0 + timedelta(seconds=4)).sent == 0  # not due yet
    assert run(world, T0 + timedelta(seconds=11)).sent == 1
    assert (only_row(world).status, only_row(world).attempts) == ("sent", 2)


def test_read_timeout_retries_and_the_portal_stores_it_once(world, portal, make_case, fire):
    conclude(make_case, fire)
    portal.fault({"delay": 1.5})  # the portal takes the message but answers after our 0.5 s read timeout
    assert run(world, T0).retried == 1
    row = only_row(world)
    assert "读取超时" in row.last_error and row.status == "pending"
    assert run(world, T0 + timedelta(seconds=11)).sent == 1
    assert portal.deliveries[row.message_id] == 2 and len(portal.stored) == 1
    assert only_row(world).receipt_id == "ACK-0001"  # the repeat got the first acknowledgement


def test_server_error_then_success(world, portal, make_case, fire):
    conclude(make_case, fire)
    portal.fault({"status": 500})
    assert run(world, T0).retried == 1
    assert "HTTP 500" in only_row(world).last_error and portal.stored == {}
    assert run(world, T0 + timedelta(seconds=11)).sent == 1
    assert (only_row(world).status, only_row(world).attempts) == ("sent", 2)


def test_slow_answer_within_the_timeout_is_fine(world, portal, make_case, fire):
    use_portal(world, portal.url, sync_read_timeout=3)
    conclude(make_case, fire)
    portal.fault({"delay": 0.3})
    assert run(world, T0).sent == 1
    assert only_row(world).attempts == 1


def test_retry_after_is_honoured(world, portal, make_case, fire):
    conclude(make_case, fire)
    portal.fault({"status": 429, "retry_after": 50})
    run(world, T0)
    row = only_row(world)
    assert row.status == "pending"
    assert (row.next_attempt_at - utc_naive(T0)).total_seconds() == 50  # above the 10 s backoff ceiling
    assert run(world, T0 + timedelta(seconds=49)).sent == 0
    assert run(world, T0 + timedelta(seconds=50)).sent == 1


def test_permanent_4xx_goes_to_dead_letters_and_an_admin_requeues(world, portal, make_case, fire):
    conclude(make_case, fire)
    portal.fault({"status": 422})
    assert run(world, T0).dead == 1
    dead = outbox_rows(world, status="dead")
    assert [(d["status"], d["attempts"]) for d in dead] == [("dead", 1)] and "HTTP 422" in dead[0]["last_error"]
    assert run(world, T0 + timedelta(hours=1)).sent == 0  # a dead letter is not retried by itself
    with pytest.raises(TransitionRefused):
        requeue_dead_letter(world, dead[0]["id"], actor=Actor("fgw_officer", "officer", department="FGW"), now=T0)
    requeued = requeue_dead_letter(world, dead[0]["id"], actor=Actor("admin", "admin"), now=T0)
    assert (requeued["status"], requeued["attempts"]) == ("pending", 0) and "requeued" in requeued["last_error"]
    assert run(world, T0 + timedelta(seconds=1)).sent == 1
    assert outbox_rows(world, status="dead") == []


def test_too_many_attempts_make_a_dead_letter(world, portal, make_case, fire):
    conclude(make_case, fire)
    portal.fault(*[{"status": 503}] * 4)
    for minute in range(4):
        run(world, T0 + timedelta(minutes=2 * minute))
    row = only_row(world)
    assert (row.status, row.attempts) == ("dead", 4)
    assert "attempt 4 failed" in row.last_error and portal.stored == {}


def test_the_same_message_sent_twice_is_stored_once(portal):
    adapter = HttpAdapter("creditchina", portal.url, "portal-secret", connect_timeout=1, read_timeout=1)
    message = Message("7f0c2f1e-0000-4000-8000-000000000001", "creditchina", {"case_no": "X-1", "outcome": "granted"})
    first, second = adapter.send(message), adapter.send(message)
    assert first.ack_id == second.ack_id == "ACK-0001"
    assert portal.deliveries[message.message_id] == 2 and len(portal.stored) == 1


def test_crash_between_sending_and_recording_loses_and_duplicates_nothing(world, portal, make_case, fire,
                                                                          monkeypatch):
    case_no = conclude(make_case, fire)

    def crash(*args, **kwargs):
        raise RuntimeError("worker died after the portal answered")

    with monkeypatch.context() as patch:
        patch.setattr("repair.store.outbox.mark_sent", crash)
        with pytest.raises(RuntimeError):
            run(world, T0)
    row = only_row(world)
    assert (row.status, row.attempts, row.lease_until is not None) == ("pending", 1, True)
    assert run(world, T0 + timedelta(minutes=1)).sent == 0  # its lease (300 s) still holds
    summary = run(world, T0 + timedelta(minutes=6))
    row = only_row(world)
    assert (summary.sent, summary.confirmed) == (1, [case_no])
    assert (row.status, row.attempts, row.receipt_id) == ("sent", 2, "ACK-0001")
    assert "interrupted" in row.last_error
    assert portal.deliveries[row.message_id] == 2 and len(portal.stored) == 1


def test_two_workers_never_send_the_same_message_at_once(world, portal, make_case, fire, settings, registry):
    cases = [conclude(make_case, fire) for _ in range(6)]
    portal.fault(*[{"delay": 0.05}] * 6)
    workers = []
    for _ in range(2):
        rt = Runtime(world.settings)
        rt.__dict__["workflows"] = registry
        workers.append(rt)
    barrier, results = threading.Barrier(2), []

    def work(rt):
        barrier.wait(timeout=30)
        results.append(run_once(rt, clock=lambda: T0))

    threads = [threading.Thread(target=work, args=(rt,)) for rt in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for rt in workers:
        rt.dispose()
    assert sum(r.sent for r in results) == 6
    assert sorted(sum((r.confirmed for r in results), [])) == sorted(cases)
    assert len(portal.stored) == 6 and set(portal.deliveries.values()) == {1}
