"""The officer desk's queue: order by due date, marks, filters, pages, and who may see it."""

from datetime import date

import pytest
from sqlalchemy import update

from repair.readmodels.desk import PAGE_SIZE, QueueFilters, queue
from repair.store.models import Case
from tests.conftest import actor, at


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    """The desk sees the fixed `now` (Thursday 2026-11-26) whatever day the suite runs."""
    monkeypatch.setattr("repair.web.desk.local_now", lambda: now)


def _rows(page_html: str) -> list[str]:
    import re

    return re.findall(r'<tr class="queue-row [^"]*" data-case="([^"]+)" data-mark="([^"]+)"', page_html)


def test_queue_orders_by_due_date_and_marks_each_case(web, login, make_case, fire):
    # Submitted on different days: acceptance is due 3 working days later (the day of receipt not counted).
    old = make_case(when=at("2026-11-18"))       # due 2026-11-23: overdue on 11-26
    soon = make_case(when=at("2026-11-24"))      # due 2026-11-27: the next working day
    fresh = make_case(when=at("2026-11-26"))     # due 2026-12-01: on track
    paused = make_case(when=at("2026-11-20"))
    fire(paused, "accept", "fgw_officer", at("2026-11-23"))
    fire(paused, "request_supplement", "fgw_officer", at("2026-11-24"), reason="缺少缴款凭证")
    other = make_case(when=at("2026-11-18"), authority_code="SCJG", channel="samr")
    page = login("fgw_officer").get("/desk/").get_data(as_text=True)
    rows = _rows(page)
    assert rows == [(old, "overdue"), (soon, "due_soon"), (fresh, "on_track"), (paused, "paused")]
    assert other not in page
    assert "2026-11-23" in page and "已超期" in page and "即将到期" in page and "已暂停" in page
    assert "上海示例贸易有限公司" in page and "沪浦发改罚〔2025〕1号" in page and "行政处罚信息信用修复" in page


def test_closed_cases_leave_the_queue(web, login, make_case, fire):
    kept = make_case(when=at("2026-11-20"))
    refused = make_case(when=at("2026-11-20"))
    fire(refused, "refuse", "fgw_officer", at("2026-11-23"), reason="材料不全")
    assert [c for c, _ in _rows(login("fgw_reviewer").get("/desk/").get_data(as_text=True))] == [kept]


def test_filters_state_workflow_assignee_and_overdue(web, world, login, make_case, fire, now):
    late = make_case(when=at("2026-11-18"))
    checked = make_case(when=at("2026-11-24"))
    fire(checked, "accept", "fgw_officer", at("2026-11-25"))
    mine = make_case(when=at("2026-11-25"))
    with world.uow() as uow:
        from repair.services.cases.desk_actions import assign_cases

        assign_cases(uow, [mine], "fgw_officer", actor("fgw_reviewer"), now)
        assign_cases(uow, [late], "fgw_officer2", actor("fgw_reviewer"), now)
    client = login("fgw_officer")

    def cases(query: str) -> list[str]:
        return [c for c, _ in _rows(client.get(f"/desk/?{query}").get_data(as_text=True))]

    assert cases("state=fulfilment_check") == [checked]
    assert cases("state=submitted") == [late, mine]
    assert cases("workflow=penalty_repair") == [late, mine, checked]
    assert cases("workflow=samr_penalty_repair") == []
    assert cases("assignee=mine") == [mine]
    assert cases("assignee=unassigned") == [checked]
    assert cases("assignee=fgw_officer2") == [late]
    assert cases("overdue=1") == [late]
    assert cases("overdue=1&assignee=mine") == []


def test_pagination_fifty_per_page(web, world, login, make_case, now):
    first = make_case(when=at("2026-11-20"))
    others = [make_case(when=at("2026-11-25")) for _ in range(PAGE_SIZE)]
    client = login("fgw_officer")
    page1 = client.get("/desk/").get_data(as_text=True)
    assert len(_rows(page1)) == PAGE_SIZE and _rows(page1)[0][0] == first
    assert 'id="page-next"' in page1 and 'id="page-prev"' not in page1
    page2 = client.get("/desk/?page=2").get_data(as_text=True)
    assert [c for c, _ in _rows(page2)] == [others[-1]]
    assert 'id="page-next"' not in page2 and 'id="page-prev"' in page2
    with world.uow(read_only=True) as uow:
        listed = queue(world, uow, actor("fgw_officer"), QueueFilters(page=2), today=now.date())
    assert [r.case_no for r in listed.rows] == [others[-1]] and not listed.has_next


def test_undated_cases_come_after_dated_ones(web, world, make_case, now):
    dated = make_case(when=at("2026-11-25"))
    undated = make_case(when=at("2026-11-18"))
    with world.uow() as uow:
        uow.session.execute(update(Case).where(Case.case_no == undated).values(due=None))
        uow.commit()
    with world.uow(read_only=True) as uow:
        rows = queue(world, uow, actor("fgw_officer"), QueueFilters(), today=now.date()).rows
    assert [(r.case_no, r.mark, r.due) for r in rows] == [(dated, "on_track", date(2026, 11, 30)),
                                                          (undated, "none", None)]


def test_enterprise_and_auditor_are_forbidden(web, login):
    for username in ("ent", "auditor"):
        client = login(username)
        assert client.get("/desk/").status_code == 403
    assert web.test_client().get("/desk/").status_code == 302


def test_sqlite_plan_walks_the_queue_index(tmp_path, now):
    from repair.readmodels.desk import queue_statement
    from repair.store.db import make_engine
    from repair.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    upgrade(engine)
    try:
        variants = (QueueFilters(), QueueFilters(page=400, assignee="mine"), QueueFilters(overdue_only=True))
        for filters in variants:
            statement = queue_statement("FGW", filters, username="fgw_officer", today=now.date())
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            with engine.connect() as conn:
                plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            assert any("USING" in step and "INDEX ix_cases_queue" in step for step in plan), plan
            assert not any(step.startswith("SCAN") for step in plan), plan
    finally:
        engine.dispose()
