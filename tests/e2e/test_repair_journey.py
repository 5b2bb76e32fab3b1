"""One repair from application to sealed decision, in a real browser against the real server: the
enterprise applies from its record with the prefilled form and the signed commitment, the FGW officer
accepts and confirms fulfilment, the reviewer grants, the officer seals, and the enterprise downloads a
decision whose seal verifies.
Screenshots of the four main pages (full page, 1280 px wide) go to a temporary folder, or to docs/screenshots/
when REPAIR_UPDATE_SCREENSHOTS=1 (how the committed README images are refreshed)."""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.conftest import cli, screenshot

pytestmark = pytest.mark.e2e


def open_case(page, server: dict, case_no: str) -> None:
    page.goto(f"{server['base']}/desk/cases/{case_no}")
    page.wait_for_selector("#case-state")


def act(page, trigger: str, expected: tuple[str, ...]) -> None:
    """Click an action button of the desk's case page; the reloaded page shows one of the expected states."""
    with page.expect_navigation():
        page.click(f"#action-{trigger}")
    assert page.locator("#action-error").count() == 0, page.locator("#action-error").inner_text()
    assert page.get_attribute("#case-state", "data-state") in expected


def test_enterprise_applies_officers_decide_and_the_sealed_decision_verifies(server, sign_in, tmp_path):
    record = server["record_id"]

    # The enterprise: its records, the prefilled application, the commitment, submission.
    enterprise = sign_in("e2e_ent")
    assert enterprise.url.endswith("/portal/")
    row = enterprise.locator(f"#record-{record}")
    assert server["decision_no"] in row.inner_text()
    screenshot(enterprise, "portal-records", tmp_path)
    with enterprise.expect_navigation():
        row.locator("a.apply").click()
    assert "上海示例贸易有限公司" in enterprise.inner_text("#prefill")
    assert enterprise.input_value("input[name=handler_phone]") is not None
    enterprise.fill("input[name=handler_name]", "王晓明")
    enterprise.fill("input[name=handler_phone]", "13912345678")
    enterprise.check("#commitment")
    screenshot(enterprise, "application-form", tmp_path)
    with enterprise.expect_navigation():
        enterprise.click("#submit-application")
    found = re.search(r"/portal/cases/([^/?#]+)$", enterprise.url)
    assert found, (enterprise.url, enterprise.inner_text("main"))
    case_no = found.group(1)
    assert enterprise.get_attribute("#case-state", "data-state") == "submitted"

    # The officer: the queue, then accept and confirm fulfilment on the case page.
    officer = sign_in("e2e_officer")
    assert officer.url.endswith("/desk/")
    assert officer.locator("#queue").get_by_text(case_no).count() == 1
    screenshot(officer, "officer-queue", tmp_path)
    with officer.expect_navigation():
        officer.locator("#queue").get_by_text(case_no).click()
    act(officer, "accept", ("fulfilment_check", "under_review"))
    # The fine payment is shared data (区财政局): the automatic fulfilment check may already have confirmed it;
    # otherwise the officer confirms it here.
    if officer.get_attribute("#case-state", "data-state") == "fulfilment_check":
        act(officer, "confirm_fulfilment", ("under_review",))

    # The reviewer (another person: four eyes) grants.
    reviewer = sign_in("e2e_reviewer")
    open_case(reviewer, server, case_no)
    act(reviewer, "grant", ("granted",))

    # The officer seals; the case page shows the whole timeline, documents and the drawn workflow diagram.
    open_case(officer, server, case_no)
    act(officer, "seal", ("concluded",))
    officer.wait_for_selector("#workflow-diagram[data-rendered='1'] svg")
    assert [e.get_attribute("data-trigger") for e in officer.locator("#timeline tr.event").all()][:5] == [
        "submit", "accept", "confirm_fulfilment", "grant", "seal"]
    screenshot(officer, "case-page", tmp_path)

    # The enterprise downloads the sealed decision; its seal is intact and trusted.
    enterprise.goto(f"{server['base']}/portal/cases/{case_no}")
    assert enterprise.get_attribute("#case-state", "data-state") == "concluded"
    decision = enterprise.locator("#documents tr.document[data-kind='repair_decision'] a")
    with enterprise.expect_download() as download_info:
        decision.click()
    target = tmp_path / "decision.pdf"
    download_info.value.save_as(target)
    # `repair seal verify` in its own process: pyHanko's validation runs its own asyncio loop, which cannot
    # start inside the loop Playwright's sync API keeps running in this thread.
    report = json.loads(cli(server["env"], "seal", "verify", str(target), "--json"))
    assert report["intact"] and report["trusted"] and report["department"] == "FGW", report
