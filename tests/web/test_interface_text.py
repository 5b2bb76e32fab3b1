"""Issue 14 at the HTTP level: every page says what is true, in one language, with display names.

Failed conditions are shown by their finding; a stopped record reads 已停止公示; bilingual messages show one
half; desk, audit and portal use display names (no `penalty_repair`, `submit`, `FGW`); amounts read ¥5,000.00;
the English mode names workflows, states and durations; the fulfilment checks are shown on the desk and the
portal; auditors open uploaded materials (logged); a favicon and a larger-text mode exist.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from repair.services.cases.fulfilment_check import check_fulfilment
from repair.services.documents.uploads import IncomingFile, add_uploads
from repair.services.security.log import list_events
from repair.store.models import Case
from tests.conftest import actor, at
from tests.web.test_portal_records import frozen_clock, row_of  # noqa: F401  (frozen_clock: autouse fixture)

PDF = b"%PDF-1.4\n%%EOF\n"
LATIN = re.compile(r"[A-Za-z]{3,}")


def visible_text(page: str) -> str:
    """The text a reader sees: no tags, attributes, scripts, styles or templates."""
    body = page.split("<body>", 1)[-1]
    body = re.sub(r"<(script|style|template|noscript)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_stopped_record_reads_stopped_and_needs_no_repair(web, login, make_record):
    stopped = make_record(decided_on=date(2020, 1, 2), published_on=date(2020, 1, 9))
    row = row_of(login("ent").get("/portal/").get_data(as_text=True), stopped)
    assert 'data-status="stopped">已停止公示<' in row and "公示中" not in row
    assert "无需修复" in row and "停止公示" in row
    assert "信息仍在公示期内" not in row and "暂不能申请" not in row and "/apply" not in row


def test_failed_condition_is_shown_by_its_finding(web, login, make_record):
    recent = make_record(decided_on=date(2026, 10, 15), published_on=date(2026, 10, 20))
    row = row_of(login("ent").get("/portal/").get_data(as_text=True), recent)
    reason = re.search(r'<li data-code="min_publicity_reached">(.*?)</li>', row).group(1)
    assert reason.startswith("最短公示期至 2027-01-15 届满") and "已届满" not in reason


def test_system_reason_and_checks_in_one_language_on_desk_and_portal(web, login, make_case, fire, now):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    outcome = check_fulfilment(web.extensions["repair"], case_no, at("2026-11-23", 11), cause="accept")
    assert outcome.complete
    for client, path in ((login("ent"), f"/portal/cases/{case_no}"), (login("fgw_officer"), f"/desk/cases/{case_no}")):
        page = client.get(path).get_data(as_text=True)
        text = visible_text(page)
        assert "系统自动确认" in text and "shared fulfilment data" not in text, path
        checks = page.split('id="fulfilment-checks"')[1].split("</table>")[0]
        assert 'data-complete="1"' in checks and "受理后自动核查" in checks and "已履行完毕" in checks
        assert "2026-11-23 11:00" in checks and "¥5,000.00" in checks


def test_missing_items_are_listed_in_the_check_history(web, login, make_case, fire):
    case_no = make_case(when=at("2026-11-20"), paid=False)
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    outcome = check_fulfilment(web.extensions["repair"], case_no, at("2026-11-23", 11), cause="accept")
    assert not outcome.complete and outcome.missing
    page = login("fgw_officer").get(f"/desk/cases/{case_no}").get_data(as_text=True)
    checks = page.split('id="fulfilment-checks"')[1].split("</table>")[0]
    assert 'data-complete="0"' in checks and "尚缺" in checks
    assert " / " not in visible_text(checks)


def test_desk_uses_department_names_display_names_and_one_amount_format(web, login, make_case):
    case_no = make_case()
    client = login("fgw_officer")
    queue = client.get("/desk/").get_data(as_text=True)
    assert '<span id="desk-department">区发展改革委</span>' in queue and "· FGW" not in queue
    assert "区发展改革委" in queue.split('class="who"')[1].split("</span>")[0] + queue
    page = client.get(f"/desk/cases/{case_no}").get_data(as_text=True)
    assert '<dd class="amount" id="fine-amount">¥5,000.00</dd>' in page
    text = visible_text(page)
    assert "5000.00" not in text and "5,000.00元" not in text
    assert "penalty_repair" not in text and "submit" not in text


def test_audit_case_page_uses_display_names_and_opens_uploads(web, login, make_case, fire, now):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    world = web.extensions["repair"]
    with world.uow() as uow:
        case = uow.session.scalar(select(Case).where(Case.case_no == case_no))
        [upload] = add_uploads(world, uow, [IncomingFile("证明.pdf", PDF)], record_id=case.record_id,
                               uscc=case.uscc, purpose="application", actor=actor("ent"), now=now, case_id=case.id)
        uow.commit()
        upload_id = upload.id
    auditor = login("auditor")
    page = auditor.get(f"/audit/cases/{case_no}").get_data(as_text=True)
    text = visible_text(page)
    for raw in ("penalty_repair", "submit", "accepted", "fulfilment_check", "→ FGW", " FGW "):
        assert raw not in text, raw
    assert '<td id="department">区发展改革委</td>' in page
    assert "行政处罚信息信用修复" in text and "区发展改革委" in text and "受理" in text and "履行核查" in text
    assert f'href="/audit/uploads/{upload_id}"' in page
    with auditor.get(f"/audit/uploads/{upload_id}") as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
    with world.uow(read_only=True) as uow:
        logged = list_events(uow, page=1, per_page=50, kind="upload_downloaded")
    assert logged["rows"] if isinstance(logged, dict) else logged
    assert login("fgw_officer").get(f"/audit/uploads/{upload_id}").status_code == 403
    assert auditor.get("/audit/uploads/999999").status_code == 404


def test_english_mode_names_workflows_states_and_durations(web, login, make_case, fire):
    case_no = make_case(when=at("2026-11-20"))
    fire(case_no, "accept", "fgw_officer", at("2026-11-23"))
    officer = login("fgw_officer")
    officer.get("/lang/en")
    queue = visible_text(officer.get("/desk/").get_data(as_text=True))
    assert "Credit repair of an administrative penalty" in queue and "Fulfilment check" in queue
    assert "行政处罚信息信用修复" not in queue and "履行核查" not in queue
    page = officer.get(f"/desk/cases/{case_no}").get_data(as_text=True)
    # The stored derivation of a due date is a Chinese record of the computation, marked lang="zh-CN".
    page = visible_text(re.sub(r'<td colspan="7" class="derivation" lang="zh-CN">.*?</td>', "", page, flags=re.S))
    assert "3 working days" in page and "个工作日" not in page and "Accept" in page
    ent = login("ent")
    ent.get("/lang/en")
    progress = visible_text(ent.get(f"/portal/cases/{case_no}").get_data(as_text=True))
    assert "Credit repair of an administrative penalty" in progress and "Fulfilment check" in progress
    assert "受理审查" not in progress and "working days" in progress


def test_bilingual_messages_are_split_even_without_the_space(web):
    with web.test_request_context("/"):
        half = web.jinja_env.filters["half"]
        assert half("请更正最新版本（第 2 版）/ correct the latest version") == "请更正最新版本（第 2 版）"
        assert half("该地址登录失败次数过多，请 60 秒后再试 / too many failed sign-ins") == \
            "该地址登录失败次数过多，请 60 秒后再试"
        assert half("仅支持 PDF/JPEG") == "仅支持 PDF/JPEG"


def test_favicon_and_larger_text_mode(web):
    client = web.test_client()
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page and 'class="large-text"' not in page and 'id="text-large"' in page
    switched = client.get("/text/large?next=/")
    assert switched.status_code == 302 and "text_size=large" in switched.headers["Set-Cookie"]
    page = client.get("/").get_data(as_text=True)
    assert 'class="large-text"' in page and 'id="text-normal"' in page
    client.get("/text/normal?next=/")
    assert 'class="large-text"' not in client.get("/").get_data(as_text=True)
