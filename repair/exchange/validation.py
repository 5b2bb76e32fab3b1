"""Row checks for imported penalty records and fulfilment facts: pure Python, no database, no clock.

Each check returns the row's typed values, or every problem found in it as `Reject`s (row, field,
value, reason in Chinese then English). The checkers remember the keys of the valid rows they passed,
so a key repeated later in the same file is rejected instead of silently overwriting the first row.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from repair.domain.regimes import TIERS, RegimeCatalog, default_catalog
from repair.domain.uscc import check_uscc
from repair.exchange.formats import WHOLE_ROW, RawRow

RECORD_FIELDS = ("authority_code", "decision_no", "uscc", "party_name", "decided_on", "published_on",
                 "penalty_types", "fine_amount", "tier", "sector", "legal_basis", "facts")
FULFILMENT_FIELDS = ("authority_code", "decision_no", "kind", "amount", "occurred_on", "reference", "source")
FULFILMENT_KINDS = ("fine_payment", "correction")
# Column widths of the tables (String(n)); legal_basis and facts are TEXT, capped to keep rows sane.
MAX_LENGTH = {"authority_code": 16, "decision_no": 100, "uscc": 18, "party_name": 200, "penalty_types": 200,
              "legal_basis": 2000, "facts": 10000, "reference": 100, "source": 100}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Numeric(14, 2): up to 12 digits before the point and 2 after.
_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")


@dataclass(frozen=True)
class Reject:
    """Why one field of one row was refused."""

    row: int
    field: str
    value: str
    reason: str


class _Row:
    """One row under inspection: reads fields as typed values and collects what is wrong."""

    __slots__ = ("number", "raw", "rejects")

    def __init__(self, number: int, raw: Mapping[str, str]):
        self.number, self.raw, self.rejects = number, raw, []

    def fail(self, field: str, reason: str) -> None:
        self.rejects.append(Reject(self.number, field, self.raw.get(field, ""), reason))

    def text(self, field: str, *, required: bool = False) -> str:
        value = self.raw[field].strip()
        if required and not value:
            self.fail(field, "必填项为空 / required field is empty")
        elif len(value) > MAX_LENGTH.get(field, len(value)):
            self.fail(field, f"长度超过 {MAX_LENGTH[field]} 个字符 / longer than {MAX_LENGTH[field]} characters")
        return value

    def date(self, field: str, today: date, *, required: bool) -> date | None:
        value = self.raw[field].strip()
        if not value:
            if required:
                self.fail(field, "必填项为空 / required field is empty")
            return None
        try:
            if not _DATE.fullmatch(value):
                raise ValueError(value)
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(field, "日期格式错误，应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD")
            return None
        if day > today:
            self.fail(field, f"日期晚于今天 {today.isoformat()} / date is in the future")
            return None
        return day

    def amount(self, field: str, *, required: bool) -> Decimal | None:
        value = self.raw[field].strip()
        if not value:
            if required:
                self.fail(field, "必填项为空 / required field is empty")
            return None
        if _AMOUNT.fullmatch(value):
            return Decimal(value)
        if value.startswith("-") and _AMOUNT.fullmatch(value[1:]):
            self.fail(field, "金额不得为负 / amount must not be negative")
        else:
            self.fail(field, "金额格式错误（应为数字，最多两位小数） / invalid amount: digits with at most 2 decimals")
        return None

    def choice(self, field: str, allowed: Collection[str], *, required: bool) -> str | None:
        value = self.raw[field].strip()
        if not value:
            if required:
                self.fail(field, "必填项为空 / required field is empty")
            return None
        if value not in allowed:
            self.fail(field, f"取值无效，应为 {'|'.join(allowed)} 之一 / must be one of {'|'.join(allowed)}")
            return None
        return value


def _unreadable(row: RawRow) -> list[Reject]:
    return [Reject(row.number, WHOLE_ROW, "", row.problem or "")]


class _Rules:
    """What every row checker shares: the departments (code → channel), today, and the keys seen."""

    def __init__(self, departments: Mapping[str, str], today: date):
        self.departments = dict(departments)
        self.today = today
        self._seen: dict[tuple, int] = {}

    def _accept(self, r: _Row, key: tuple, field: str, values: dict) -> tuple[dict | None, list[Reject]]:
        if r.rejects:
            return None, r.rejects
        first = self._seen.setdefault(key, r.number)
        if first != r.number:
            r.fail(field, f"与第 {first} 行重复 / duplicate of row {first}")
            return None, r.rejects
        return values, []


class RecordRules(_Rules):
    """Checks penalty-record rows against the departments (code → channel) and the date `today`."""

    def __init__(self, departments: Mapping[str, str], today: date, catalog: RegimeCatalog | None = None):
        super().__init__(departments, today)
        catalog = catalog or default_catalog()
        self.sectors = tuple(code for code, _ in catalog.sectors)
        # Channels whose publicity period runs from publication cannot do without a publication date.
        self.needs_publication = {r.channel for r in catalog.regimes if r.period_runs_from == "published_on"}

    def check(self, row: RawRow) -> tuple[dict | None, list[Reject]]:
        """Typed values of a valid row (with `channel` and `kind`), else (None, its rejects)."""
        if row.values is None:
            return None, _unreadable(row)
        r = _Row(row.number, row.values)
        authority = r.text("authority_code", required=True)
        channel = self.departments.get(authority)
        if authority and channel is None:
            r.fail("authority_code", "认定单位不存在 / unknown authority (department code)")
        decision_no = r.text("decision_no", required=True)
        uscc = r.text("uscc", required=True)
        if uscc:
            result = check_uscc(uscc)
            uscc = result.code
            if not result.valid:
                r.fail("uscc", f"统一社会信用代码无效：{result.reason}")
        values = {
            "kind": "administrative_penalty", "authority_code": authority, "decision_no": decision_no,
            "uscc": uscc, "channel": channel, "party_name": r.text("party_name", required=True),
            "decided_on": r.date("decided_on", self.today, required=True),
            "published_on": r.date("published_on", self.today, required=channel in self.needs_publication),
            "penalty_types": ";".join(t.strip() for t in r.raw["penalty_types"].split(";") if t.strip()),
            "fine_amount": r.amount("fine_amount", required=False),
            "tier": r.choice("tier", TIERS, required=True),
            "sector": r.choice("sector", self.sectors, required=False),
            "legal_basis": r.text("legal_basis"), "facts": r.text("facts"),
        }
        self._penalty_types(r, values["penalty_types"])
        decided, published = values["decided_on"], values["published_on"]
        if decided and published and published < decided:
            r.fail("published_on", f"公示日期早于处罚决定日期 {decided.isoformat()} / published_on is before decided_on")
        return self._accept(r, (authority, decision_no), "decision_no", values)

    @staticmethod
    def _penalty_types(r: _Row, joined: str) -> None:
        if not joined:
            r.fail("penalty_types", "必填项为空 / required field is empty")
        elif len(joined) > MAX_LENGTH["penalty_types"]:
            r.fail("penalty_types", f"长度超过 {MAX_LENGTH['penalty_types']} 个字符 / too long")


class FulfilmentRules(_Rules):
    """Checks fulfilment rows; whether the record exists is settled later, against the database."""

    def check(self, row: RawRow) -> tuple[dict | None, list[Reject]]:
        """Typed values of a valid row, else (None, its rejects)."""
        if row.values is None:
            return None, _unreadable(row)
        r = _Row(row.number, row.values)
        authority = r.text("authority_code", required=True)
        if authority and authority not in self.departments:
            r.fail("authority_code", "认定单位不存在 / unknown authority (department code)")
        kind = r.choice("kind", FULFILMENT_KINDS, required=True)
        values = {
            "authority_code": authority, "decision_no": r.text("decision_no", required=True), "kind": kind,
            # A payment has an amount; a verified correction may have none.
            "amount": r.amount("amount", required=kind == "fine_payment"),
            "occurred_on": r.date("occurred_on", self.today, required=True),
            "reference": r.text("reference", required=True), "source": r.text("source"),
        }
        if kind == "fine_payment" and values["amount"] == 0:
            r.fail("amount", "缴款金额应大于零 / a payment must be greater than zero")
        key = (authority, values["decision_no"], kind, values["reference"])
        return self._accept(r, key, "reference", values)
