"""Workflows declare the letters their transitions produce; the seal transition signs the repair decision."""

import io

import pytest
from pypdf import PdfReader

from repair.errors import ValidationError
from repair.seal import verify_pdf
from repair.services.cluster.blobs import blob_store
from repair.services.documents.issuing import correct_document, document_pdf, produce, read_blob
from tests.conftest import USCC, at


def text_of(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")


def test_submission_prefills_application_and_commitment(sealing, make_case, show):
    from sqlalchemy import select

    from repair.store.document_models import Document

    case_no = make_case(when=at("2026-11-02"))
    with sealing.uow(read_only=True) as uow:
        ids = list(uow.session.scalars(select(Document.id).order_by(Document.id)))
    kinds = []
    for document_id in ids:
        document = produce(sealing, document_id, now=at("2026-11-02"))
        kinds.append((document.kind, document.status))
        _doc, data = document_pdf(sealing, document_id)
        assert USCC in text_of(data) and case_no not in ("",)
    assert kinds == [("application_form", "rendered"), ("commitment_letter", "rendered")]


def test_each_step_issues_its_sealed_letter(sealing, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    steps = [("accept", "fgw_officer", "2026-11-03", None, "受理通知书"),
             ("request_supplement", "fgw_officer", "2026-11-04", "缺少缴款凭证", "补正通知书"),
             ("supply", "ent", "2026-11-05", None, None),
             ("confirm_fulfilment", "fgw_officer", "2026-11-06", None, None),
             ("grant", "fgw_reviewer", "2026-11-09", None, None),
             ("seal", "fgw_officer", "2026-11-10", None, "信用修复决定书")]
    numbers = []
    for trigger, who, day, reason, title in steps:
        result = fire(case_no, trigger, who, at(day), reason=reason)
        assert bool(result.documents) == bool(title), trigger
        for document_id in result.documents:
            document = produce(sealing, document_id, now=at(day))
            _doc, data = document_pdf(sealing, document_id)
            text = text_of(data)
            assert title in text and case_no in text and document.doc_no in text
            report = verify_pdf(data, sealing.settings)
            assert report.intact and report.trusted
            numbers.append(document.doc_no)
    assert numbers == ["FGW信受〔2026〕1号", "FGW信补〔2026〕2号", "FGW信修〔2026〕3号"]
    assert "准予" in text and "缺少缴款凭证" not in text


def test_a_correction_is_a_new_version_and_both_remain(sealing, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    result = fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    original = produce(sealing, result.documents[0], now=at("2026-11-03"))
    corrected = correct_document(sealing, original.id, changes={"tracking_channel": "本机关信用修复窗口（咨询热线）"},
                                 reason="查询渠道表述有误", actor="fgw_officer", now=at("2026-11-04"))
    assert (corrected.version, corrected.supersedes_id, corrected.doc_no) == (2, original.id, original.doc_no)
    assert corrected.sha256 != original.sha256
    old_bytes = read_blob(sealing, original.sha256)
    new_bytes = read_blob(sealing, corrected.sha256)
    assert "咨询热线" in text_of(new_bytes) and "咨询热线" not in text_of(old_bytes)
    with pytest.raises(ValidationError):
        correct_document(sealing, original.id, changes={"tracking_channel": "x"}, reason="再改旧版",
                         actor="fgw_officer", now=at("2026-11-05"))


def test_a_stored_document_that_changed_on_disk_is_refused(sealing, make_case, fire):
    case_no = make_case(when=at("2026-11-02"))
    result = fire(case_no, "accept", "fgw_officer", at("2026-11-03"))
    document = produce(sealing, result.documents[0], now=at("2026-11-03"))
    store = blob_store(sealing, "documents")
    data = bytearray(store.read(document.sha256))
    data[len(data) // 2] ^= 0x01
    if store.kind == "fs":
        store.path(document.sha256).write_bytes(bytes(data))
    else:
        with sealing.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE blob_chunks SET data = %(b)s WHERE sha256 = %(d)s AND seq = 0",
                                 {"b": bytes(data), "d": document.sha256})
    with pytest.raises(ValidationError, match="哈希不符"):
        document_pdf(sealing, document.id)
