"""两书同达: one delivery, two sealed documents, served together within the legal time limit."""

import io
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from repair.errors import TransitionRefused
from repair.seal import verify_pdf
from repair.services.documents import deliveries
from repair.services.documents.issuing import document_pdf
from repair.store.document_models import Delivery, Document
from tests.conftest import USCC, actor, at

DECISION = "沪浦发改罚〔2026〕1号"


@pytest.fixture
def prepared(sealing, make_record):
    make_record(decision_no=DECISION)
    return deliveries.prepare(sealing, decision_no=DECISION, actor=actor("fgw_officer"), now=at("2026-03-02"))


def test_prepare_seals_both_documents_in_one_delivery(sealing, prepared):
    assert prepared.state == "prepared"
    assert set(prepared.documents) == {"penalty_decision", "rights_notice"}
    decision, notice = prepared.documents["penalty_decision"], prepared.documents["rights_notice"]
    assert decision["doc_no"] == DECISION and notice["doc_no"] == "FGW信告〔2026〕1号"
    for info in (decision, notice):
        document, data = document_pdf(sealing, info["id"])
        report = verify_pdf(data, sealing.settings)
        assert report.intact and report.trusted and report.department == "FGW"
    _doc, data = document_pdf(sealing, notice["id"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for expected in (USCC, DECISION, "FGW信告〔2026〕1号", "2026年6月2日", "2029年3月2日", "不收取任何费用"):
        assert expected in text.replace("\n", ""), expected
    with sealing.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Delivery)) == 1


def test_preparing_again_resumes_without_duplicates(sealing, prepared):
    again = deliveries.prepare(sealing, decision_no=DECISION, actor=actor("fgw_officer"), now=at("2026-03-03"))
    assert again.documents == prepared.documents
    with sealing.uow(read_only=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Document)) == 2


def test_served_on_the_spot(sealing, prepared):
    served = deliveries.serve(sealing, decision_no=DECISION, method="on_spot", actor=actor("fgw_officer"),
                              now=at("2026-03-02", 15))
    assert (served.state, served.method, served.served_on) == ("served", "on_spot", "2026-03-02")
    assert served.acknowledged_at is not None


def test_absent_party_starts_the_seven_working_day_clock(sealing, prepared):
    absent = deliveries.serve(sealing, decision_no=DECISION, method="on_spot", party_absent=True,
                              actor=actor("fgw_officer"), now=at("2026-09-29"))
    assert absent.state == "awaiting_service"
    # 7 WD after 09-29: 09-30, (National Day 10-01..07), 10-08, 10-09, 10-10 make-up Saturday, 10-12, 10-13, 10-14
    assert absent.due == "2026-10-14"
    with pytest.raises(TransitionRefused) as refused:
        deliveries.serve(sealing, decision_no=DECISION, method="electronic", actor=actor("fgw_officer"),
                         now=at("2026-09-30"))
    assert refused.value.failed == ["electronic_consent"]
    served = deliveries.serve(sealing, decision_no=DECISION, method="electronic", electronic_consent=True,
                              actor=actor("fgw_officer"), now=at("2026-09-30"))
    assert (served.state, served.method) == ("served", "electronic")


def test_cannot_be_served_unless_both_documents_are_sealed(sealing, prepared):
    with sealing.uow() as uow:
        uow.session.execute(update(Document).where(Document.kind == "rights_notice").values(status="reserved"))
        uow.commit()
    with pytest.raises(TransitionRefused) as refused:
        deliveries.serve(sealing, decision_no=DECISION, method="on_spot", actor=actor("fgw_officer"),
                         now=at("2026-03-02"))
    assert refused.value.failed == ["documents_sealed"]


def test_another_department_cannot_prepare(sealing, make_record):
    make_record(decision_no="沪浦发改罚〔2026〕9号")
    with pytest.raises(TransitionRefused):
        deliveries.prepare(sealing, decision_no="沪浦发改罚〔2026〕9号", actor=actor("scjg_officer"),
                           now=at("2026-03-02"))


def test_cli_paired_writes_both_pdfs(sealing, make_record, cli_env, tmp_path):
    make_record(decision_no=DECISION)
    out = tmp_path / "out"
    result = subprocess.run([".venv/bin/repair", "letters", "paired", DECISION, "--out", str(out), "--actor",
                             "fgw_officer"], capture_output=True, text=True, env=cli_env, timeout=180)
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and files[0].endswith("penalty_decision.pdf") and files[1].endswith("rights_notice.pdf")
    for name in files:
        check = subprocess.run([".venv/bin/repair", "seal", "verify", str(out / name)], capture_output=True,
                               text=True, env=cli_env, timeout=120)
        assert check.returncode == 0, check.stdout
