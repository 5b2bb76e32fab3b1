"""Inbound mutual recognition (互认): a record repaired on another portal is marked repaired here.

The source is recorded in the history: a `recognitions` row always (unique on (source, reference), which
makes every import idempotent and is the record's history when it has no case), plus a `recognised`
event on the record's case if it has one. A case still open here is flagged to its officer with a `flag`
event (shown by `repair case show`).

Portal clients authenticate as a dedicated user per portal, `portal-<name>`, with the `system` role and
no password (it cannot sign in on the web; it holds only tokens issued by `repair sync portal-token`).
That is the least privilege the fixed role set offers: `admin` could manage users and seals, `auditor`
could read every case, while `system` acts only in steps a workflow grants to the engine.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from repair.errors import NotFound, ValidationError
from repair.services.cases.history import append_event, utc_naive
from repair.services.cases.verbs import local_date
from repair.services.security.sessions import digest as token_digest
from repair.store.case_repo import load_case, save_case, set_record_status
from repair.store.models import ApiToken, Case, Record, User
from repair.store.sync_models import Recognition
from repair.store.uow import UnitOfWork

PORTAL_USER_PREFIX = "portal-"


def portal_names(runtime) -> list[str]:
    """The configured portals."""
    return [p.name for p in runtime.settings.sync_portals]


def portal_of(runtime, username: str) -> str | None:
    """The portal a `portal-<name>` API user speaks for, or None."""
    name = username[len(PORTAL_USER_PREFIX):] if username.startswith(PORTAL_USER_PREFIX) else None
    return name if name in portal_names(runtime) else None


def issue_portal_token(runtime, portal: str, *, days: int, now: datetime) -> tuple[str, str, datetime]:
    """Create the portal's client user if needed and issue it a bearer token: (token, username, expiry)."""
    if portal not in portal_names(runtime):
        raise ValidationError(f"未配置的门户 / unknown portal {portal!r}", "portal")
    username = PORTAL_USER_PREFIX + portal
    local = now.replace(tzinfo=None)  # token times are naive local, as in repair.services.security.sessions
    with runtime.uow() as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, role="system", display_name=f"{portal} 门户客户端", active=True,
                        created_at=local)
            uow.session.add(user)
            uow.session.flush()
        token = "rpr_" + secrets.token_urlsafe(32)
        expires = local + timedelta(days=days)
        uow.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), created_at=local,
                                 expires_at=expires))
        uow.commit()
    return token, username, expires


def parse_recognition(data: dict, *, today: date) -> tuple[dict, list[dict]]:
    """Clean an inbound recognition; returns (values, errors as {"field", "message"}).

    The conclusion is a past event: a date after `today` (the receiving district's date) is refused.
    """
    errors, values = [], {}
    for name, required, limit in (("reference", True, 100), ("decision_no", True, 100),
                                  ("authority", False, 16), ("uscc", False, 18)):
        value = data.get(name)
        if value is None and not required:
            continue
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            errors.append({"field": name, "message": f"须为 1–{limit} 字的字符串 / string of 1..{limit} characters"})
        else:
            values[name] = value.strip()
    try:
        raw = data.get("concluded_on")
        if not isinstance(raw, str) or len(raw) != 10:
            raise ValueError(raw)
        values["concluded_on"] = date.fromisoformat(raw)
    except ValueError:
        errors.append({"field": "concluded_on", "message": "日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD"})
    else:
        if values["concluded_on"] > today:
            errors.append({"field": "concluded_on",
                           "message": "办结日期不能晚于今天 / the conclusion date cannot be in the future"})
    if data.get("outcome", "granted") != "granted":
        errors.append({"field": "outcome", "message": "只接受准予修复的结论 / only granted repairs are recognised"})
    return values, errors


def recognise(runtime, *, source: str, values: dict, actor: str, now: datetime) -> dict:
    """Record one recognition (values from `parse_recognition`); idempotent on (source, reference)."""
    try:
        with runtime.uow() as uow:
            found = _existing(uow, source, values["reference"])
            if found is not None:
                return _result("duplicate", uow, found.record_id, found.case_id, found.flagged)
            record = _find_record(uow, values)
            case_id, flagged = _note_on_case(uow, record.id, source, values, actor, now)
            if record.status != "repaired":
                set_record_status(uow, record.id, "repaired", utc_naive(now))
            uow.connection.execute(insert(Recognition), {
                "record_id": record.id, "case_id": case_id, "source": source,
                "reference": values["reference"], "concluded_on": values["concluded_on"],
                "received_at": utc_naive(now), "received_by": actor,
                "flagged": flagged})
            result = _result("recorded", uow, record.id, case_id, flagged)
            uow.commit()
            return result
    except IntegrityError:  # the same recognition arrived twice at once: the other one recorded it
        with runtime.uow(read_only=True) as uow:
            found = _existing(uow, source, values["reference"])
            return _result("duplicate", uow, found.record_id, found.case_id, found.flagged)


def import_lines(runtime, lines: Iterable[str], *, now: datetime) -> dict:
    """Import JSON Lines of recognitions, each naming its `source` portal; bad lines are reported."""
    summary = {"recorded": 0, "duplicates": 0, "flagged": 0, "errors": []}
    known = portal_names(runtime)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValidationError("每行须为 JSON 对象 / each line must be a JSON object")
            if data.get("source") not in known:
                raise ValidationError(f"来源门户无效 / source must be one of {', '.join(known)}", "source")
            values, errors = parse_recognition(data, today=local_date(now))
            if errors:
                raise ValidationError("；".join(f"{e['field']}: {e['message']}" for e in errors))
            result = recognise(runtime, source=data["source"], values=values, actor="system", now=now)
        except json.JSONDecodeError as error:
            summary["errors"].append(f"第 {number} 行 / line {number}: JSON 格式错误 / {error.msg}")
            continue
        except (ValidationError, NotFound) as error:
            summary["errors"].append(f"第 {number} 行 / line {number}: {error}")
            continue
        summary["recorded" if result["status"] == "recorded" else "duplicates"] += 1
        summary["flagged"] += int(result["status"] == "recorded" and result["flagged"])
    return summary


def _find_record(uow: UnitOfWork, values: dict) -> Record:
    query = select(Record).where(Record.decision_no == values["decision_no"])
    if "authority" in values:
        query = query.where(Record.authority_code == values["authority"])
    records = uow.session.scalars(query.limit(2)).all()
    if not records:
        raise NotFound(f"没有文号为 {values['decision_no']} 的记录 / no record {values['decision_no']!r}")
    if len(records) > 1:
        raise ValidationError("文号对应多条记录，请提供认定单位 / several records match: give the authority",
                              "authority")
    if "uscc" in values and records[0].uscc != values["uscc"]:
        raise ValidationError("统一社会信用代码与记录不符 / the USCC does not match the record", "uscc")
    return records[0]


def _note_on_case(uow: UnitOfWork, record_id: int, source: str, values: dict, actor: str,
                  now: datetime) -> tuple[int | None, bool]:
    """Append the recognition (and a flag if the case is still open) to the record's latest repair case."""
    row = uow.session.execute(
        select(Case.case_no, Case.is_open)
        .where(Case.record_id == record_id, Case.workflow != "paired_delivery")
        .order_by(Case.is_open.desc(), Case.id.desc()).limit(1)).first()
    if row is None:
        return None, False
    case = load_case(uow, row.case_no)
    loaded, day = case.version, values["concluded_on"].isoformat()
    payload = {"source": source, "reference": values["reference"], "concluded_on": day}
    same = {"from_state": case.state, "to_state": case.state, "actor": actor, "at": now}
    append_event(uow, case, trigger="recognised", **same,
                 reason=f"{source} 已于 {day} 认定修复（{values['reference']}）/ repair recognised from {source}",
                 payload=payload)
    if case.is_open:
        officer = case.assigned_to or f"{case.department_code} 经办人"
        append_event(uow, case, trigger="flag", **same,
                     reason=f"本案仍在办理，但 {source} 已认定修复，请 {officer} 核查 / open case conflicts with "
                            f"a repair recognised from {source}",
                     payload={"flag": "recognition_conflict", "officer": case.assigned_to,
                              "department": case.department_code, **payload})
    case.version += 1
    save_case(uow, case, expected_version=loaded, updated_at=utc_naive(now))
    return case.id, case.is_open


def _existing(uow: UnitOfWork, source: str, reference: str) -> Recognition | None:
    return uow.session.scalar(select(Recognition).where(Recognition.source == source,
                                                        Recognition.reference == reference))


def _result(status: str, uow: UnitOfWork, record_id: int, case_id: int | None, flagged: bool) -> dict:
    case_no = uow.session.scalar(select(Case.case_no).where(Case.id == case_id)) if case_id else None
    return {"status": status, "record_id": record_id, "case_no": case_no, "flagged": flagged}
