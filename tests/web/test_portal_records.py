"""The enterprise's record list: windows, earliest dates, an apply button only when eligible now."""

from datetime import date

import pytest
from sqlalchemy import select

import repair.web.portal
from repair.store.models import Case
from tests.conftest import OTHER_USCC


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch, now):
    monkeypatch.setattr(repair.web.portal, "local_now", lambda: now)


def row_of(page: str, record_id: int) -> str:
    start = page.index(f'id="record-{record_id}"')
    return page[start:page.index("</tr>", start)]


def test_eligible_record_has_window_earliest_date_and_apply_button(web, login, make_record):
    record_id = make_record()
    page = login("ent").get("/portal/").get_data(as_text=True)
    row = row_of(page, record_id)
    # ndrc-2026 (in force 2026-11-26), general tier, decided 2026-03-02: 3 months to 1 year.
    assert '<td class="tier">一般</td>' in row
    assert '<td class="min-end">2026-06-02</td>' in row
    assert '<td class="max-end">2027-03-02</td>' in row
    assert '<td class="earliest">2026-06-02</td>' in row
    assert f'href="/portal/records/{record_id}/apply"' in row and 'class="reasons"' not in row


def test_too_recent_record_shows_reasons_and_the_date(web, login, make_record):
    recent = make_record(decided_on=date(2026, 10, 15), published_on=date(2026, 10, 20))
    row = row_of(login("ent").get("/portal/").get_data(as_text=True), recent)
    assert "/apply" not in row
    assert 'data-code="min_publicity_reached"' in row and "2027-01-15" in row
    assert '<span class="possible-from">可于 2027-01-15 起申请</span>' in row
    assert '<td class="earliest">2027-01-15</td>' in row


def test_unpaid_fine_does_not_hide_the_button(web, login, make_record):
    # Fulfilment is checked in its own stage after acceptance, not before applying.
    unpaid = make_record(paid=False)
    page = login("ent").get("/portal/").get_data(as_text=True)
    assert f"/portal/records/{unpaid}/apply" in row_of(page, unpaid)


def test_record_with_an_open_case_links_to_its_progress(web, login, make_case, world):
    case_no = make_case()
    with world.uow(read_only=True) as uow:
        record_id = uow.session.scalar(select(Case.record_id).where(Case.case_no == case_no))
    row = row_of(login("ent").get("/portal/").get_data(as_text=True), record_id)
    assert f'href="/portal/cases/{case_no}"' in row and "/apply" not in row


def test_only_own_records_and_pagination(web, login, make_record):
    mine = [make_record() for _ in range(23)]
    theirs = make_record(uscc=OTHER_USCC)
    client = login("ent")
    first, second = (client.get(f"/portal/?page={n}").get_data(as_text=True) for n in (1, 2))
    assert first.count('class="record"') == 20 and second.count('class="record"') == 3
    assert "第 2 / 2 页" in second and 'rel="prev"' in second
    shown = first + second
    assert all(f'id="record-{r}"' in shown for r in mine)
    assert f'id="record-{theirs}"' not in shown


def test_english_catalog_covers_every_portal_string(web, login, make_record, world):
    import json
    import re

    from repair.config import CHECKOUT
    from repair.services.exchange.prefill import prefill_application
    from tests.conftest import actor

    catalogs = CHECKOUT / "repair/web/translations/en"
    catalog = json.loads((catalogs / "portal.json").read_text(encoding="utf-8"))
    catalog.update(json.loads((catalogs / "common.json").read_text(encoding="utf-8")))
    used = {m for p in (CHECKOUT / "templates/portal").glob("*.html")
            for m in re.findall(r'_\("([^"]+)"', p.read_text(encoding="utf-8"))}
    record_id = make_record()
    with world.uow(read_only=True) as uow:
        used |= {f["label"] for f in prefill_application(uow, record_id, actor("ent")).values()}
    assert sorted(used - set(catalog)) == []
    client = login("ent")
    client.get("/lang/en")
    page = client.get(f"/portal/records/{record_id}/apply").get_data(as_text=True)
    assert "Organisation name" in page and "Submit application" in page and "单位名称" not in page
