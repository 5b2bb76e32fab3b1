"""申请表智能预填: the repair application's fields, each with the source it was taken from.

Contract (shared by the enterprise portal and the JSON API; no UI here):
`prefill_application(uow, record_id, actor)` returns an ordered dict `{field: {"value", "source",
"label", "editable"}}` where `value` is a string, `source` names where it came from in Chinese
("失信信息记录", "市场主体登记信息", "部门间履罚信息共享（<source>）", …), `label` is the Chinese field
name and `editable` is True only for the contact fields the applicant may correct (`CONTACT_FIELDS`).
Corrections go through `merge_contact` (which marks them "申请人更正") after `contact_errors` finds none.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from repair.domain import display
from repair.domain.actors import Actor
from repair.errors import NotFound, ValidationError
from repair.services.cases.facts import penalty_types
from repair.services.documents.letter_context import penalty_summary
from repair.store.models import Department, Enterprise, Fulfilment, Record
from repair.store.uow import UnitOfWork

RECORD_SOURCE = "失信信息记录"
REGISTRY_SOURCE = "市场主体登记信息"
NOT_SHARED = "市场主体登记信息未共享，请申请人填写"
DEFAULT_SOURCE = "系统默认文本，申请人可修改"
CORRECTED = "申请人更正"
CONTACT_FIELDS = ("handler_name", "handler_phone", "reason")
DEFAULT_REASON = "本单位已全面履行相关义务并满足信用修复条件，特申请信用修复。"
LIMITS = {"handler_name": 50, "handler_phone": 20, "reason": 500}
# Mainland mobile numbers, or a landline with area code and optional extension (021-12345678-123).
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")


def shared_source(source: str) -> str:
    """The source label of a fulfilment fact shared by another department."""
    return f"部门间履罚信息共享（{source or '未注明提供部门'}）"


def prefill_application(uow: UnitOfWork, record_id: int, actor: Actor) -> dict[str, dict]:
    """The application's fields for `record_id`, prefilled from the record, the registry and shared data.

    Raises NotFound when the record does not exist or is outside the actor's scope (never revealed).
    """
    record = uow.session.get(Record, record_id)
    if record is None or not actor.in_scope(record.authority_code, record.uscc):
        raise NotFound(f"记录不存在 / no record {record_id}")
    ent = uow.session.get(Enterprise, record.uscc)
    department = uow.session.get(Department, record.authority_code)
    fields: dict[str, dict] = {}

    def put(key: str, label: str, value, source: str) -> None:
        fields[key] = {"label": label, "value": "" if value is None else str(value), "source": source,
                       "editable": key in CONTACT_FIELDS}

    registry = REGISTRY_SOURCE if ent else NOT_SHARED
    put("applicant_name", "单位名称", ent.name if ent else record.party_name,
        REGISTRY_SOURCE if ent else RECORD_SOURCE)
    put("uscc", "统一社会信用代码", record.uscc, RECORD_SOURCE)
    put("address", "住所", ent.address if ent else "", registry)
    put("legal_representative", "法定代表人", ent.legal_representative if ent else "", registry)
    put("record_kind", "信息类别", display.name("record_kind", record.kind), RECORD_SOURCE)
    put("decision_no", "决定书文号", record.decision_no, RECORD_SOURCE)
    put("authority", "认定单位", department.name if department else record.authority_code, RECORD_SOURCE)
    put("decided_on", "决定日期", record.decided_on.isoformat(), RECORD_SOURCE)
    put("tier", "失信程度", display.name("tier", record.tier), RECORD_SOURCE)
    # Pages show amounts in one format (¥ and thousands separators); letters write them out in words.
    content = "；".join(f"罚款 {display.money(record.fine_amount)}" if t == "罚款" and record.fine_amount else t
                       for t in penalty_types(record)) or penalty_summary(record)
    put("content", "处罚内容", content, RECORD_SOURCE)
    rows = uow.session.scalars(select(Fulfilment).where(Fulfilment.record_id == record.id)
                               .order_by(Fulfilment.occurred_on, Fulfilment.id))
    for number, row in enumerate(rows, start=1):
        what = f"缴纳罚款 {display.money(row.amount)}" if row.kind == "fine_payment" else "整改到位并经核查"
        reference = f"，凭证号 {row.reference}" if row.reference else ""
        put(f"fulfilment_{number}", "履行情况", f"{row.occurred_on.isoformat()} {what}{reference}",
            shared_source(row.source))
    put("handler_name", "经办人", ent.legal_representative if ent else "", registry)
    put("handler_phone", "联系电话", ent.phone if ent else "", registry)
    put("reason", "申请理由", DEFAULT_REASON, DEFAULT_SOURCE)
    return fields


def contact_errors(values: dict[str, str]) -> dict[str, str]:
    """Problems with the applicant's contact fields, by field (Chinese first, then English); empty if none."""
    errors: dict[str, str] = {}
    name, phone, reason = (values.get(k, "").strip() for k in CONTACT_FIELDS)
    if not name:
        errors["handler_name"] = "请填写经办人姓名 / handler name is required"
    elif len(name) > LIMITS["handler_name"]:
        errors["handler_name"] = "经办人姓名不能超过 50 个字 / handler name is longer than 50 characters"
    if not PHONE.match(phone):
        errors["handler_phone"] = ("联系电话格式不正确，请填写 11 位手机号或带区号的座机号（如 021-12345678）/ "
                                   "invalid phone number")
    if not reason:
        errors["reason"] = "请填写申请理由 / reason is required"
    elif len(reason) > LIMITS["reason"]:
        errors["reason"] = "申请理由不能超过 500 个字 / reason is longer than 500 characters"
    return errors


def merge_contact(fields: dict[str, dict], values: dict[str, str]) -> dict[str, dict]:
    """The prefilled fields with the applicant's contact values; a changed value's source becomes 申请人更正."""
    merged = dict(fields)
    for key in CONTACT_FIELDS:
        if key in values:
            value = values[key].strip()
            field = fields[key]
            merged[key] = {**field, "value": value,
                           "source": field["source"] if value == field["value"] else CORRECTED}
    return merged


def check_contact(values: dict[str, str]) -> dict[str, str]:
    """The stripped contact values; raise ValidationError naming the first bad field."""
    errors = contact_errors(values)
    if errors:
        field = next(iter(errors))
        raise ValidationError(errors[field], field)
    return {key: values.get(key, "").strip() for key in CONTACT_FIELDS}
