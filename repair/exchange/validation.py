"""Row checks for imported penalty records and fulfilment facts: pure Python, no database, no clock.

Each check returns the row's typed values, or every problem found in it as `Reject`s (row, field,
value, reason in Chinese then English). The checkers remember the keys of the valid rows they passed,
so a key repeated later in the same file is rejected instead of silently overwriting the first row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from repair.domain.penalties import ORDERS, PENALTY_TYPES, canonical, split_penalties
from repair.domain.regimes import TIERS, RegimeCatalog, default_catalog
from repair.domain.uscc import check_uscc
from repair.exchange.formats import WHOLE_ROW, ColumnSet, RawRow
from repair.exchange.national import NATIONAL_COLUMNS, NATIONAL_KEY, national_values

RECORD_FIELDS = ("authority_code", "decision_no", "uscc", "party_name", "decided_on", "published_on",
                 "penalty_types", "fine_amount", "tier", "sector", "legal_basis", "facts")
# Optional columns (APL Art. 59 details); a file without them is read exactly as before.
RECORD_OPTIONAL = ("party_address", "legal_representative", "violated_provision", "evidence", "penalty_content",
                   "procedure", "served_on")
HEARING = ("held", "waived", "not_requested", "not_applicable")
# The column sets `repair import records` accepts, chosen by the file's header.
RECORD_COLUMNS = (ColumnSet("records", RECORD_FIELDS, RECORD_OPTIONAL), NATIONAL_COLUMNS)
FULFILMENT_FIELDS = ("authority_code", "decision_no", "kind", "amount", "occurred_on", "reference", "source")
FULFILMENT_KINDS = ("fine_payment", "correction")
# Column widths of the tables (String(n)); legal_basis and facts are TEXT, capped to keep rows sane.
MAX_LENGTH = {"authority_code": 16, "decision_no": 100, "uscc": 18, "party_name": 200, "penalty_types": 200,
              "legal_basis": 2000, "facts": 10000, "reference": 100, "source": 100, "party_address": 300,
              "legal_representative": 100, "violated_provision": 2000, "evidence": 5000, "penalty_content": 5000,
              "procedure": 200}
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
        value = self.raw.get(field, "").strip()
        if required and not value:
            self.fail(field, "必填项为空 / required field is empty")
        elif len(value) > MAX_LENGTH.get(field, len(value)):
            self.fail(field, f"长度超过 {MAX_LENGTH[field]} 个字符 / longer than {MAX_LENGTH[field]} characters")
        return value

    def date(self, field: str, today: date, *, required: bool) -> date | None:
        value = self.raw.get(field, "").strip()
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


def _json_object(text: str) -> dict | None:
    """A JSON object written in a cell (JSON Lines files may carry objects), else None."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


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

    def __init__(self, departments: Mapping[str, str], today: date, catalog: RegimeCatalog | None = None, *,
                 authorities: Mapping[str, str] | None = None, tier_map: Mapping[str, str] | None = None):
        super().__init__(departments, today)
        # 双公示 rows name the authority by USCC or name: key → department code (codes always match).
        self.authorities = {**{code: code for code in departments}, **(authorities or {})}
        self.tier_map = tier_map
        catalog = catalog or default_catalog()
        self.sectors = tuple(code for code, _ in catalog.sectors)
        # Channels whose publicity period runs from publication cannot do without a publication date.
        self.needs_publication = {r.channel for r in catalog.regimes if r.period_runs_from == "published_on"}

    def check(self, row: RawRow) -> tuple[dict | None, list[Reject]]:
        """Typed values of a valid row (with `channel` and `kind`), else (None, its rejects)."""
        if row.values is None:
            return None, _unreadable(row)
        if NATIONAL_KEY in row.values:
            return self._check_national(row)
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
        values.update(self._details(r))
        self._penalty_types(r, values["penalty_types"])
        decided, published = values["decided_on"], values["published_on"]
        if decided and published and published < decided:
            r.fail("published_on", f"公示日期早于处罚决定日期 {decided.isoformat()} / published_on is before decided_on")
        if decided and values.get("served_on") and values["served_on"] < decided:
            r.fail("served_on", f"送达日期早于处罚决定日期 {decided.isoformat()} / served_on is before decided_on")
        return self._accept(r, (authority, decision_no), "decision_no", values)

    def _details(self, r: _Row) -> dict:
        """The optional APL Art. 59 fields (None when absent)."""
        evidence = [e.strip() for e in re.split(r"[;；\n]", r.text("evidence")) if e.strip()]
        details = {
            "party_address": r.text("party_address") or None,
            "legal_representative": r.text("legal_representative") or None,
            "violated_provision": r.text("violated_provision") or None,
            "evidence": evidence or None,
            "penalty_content": self._content(r),
            "procedure": self._procedure(r),
            "served_on": r.date("served_on", self.today, required=False),
        }
        # A column the file does not have leaves the stored value alone (old files stay valid as they are).
        return {name: value for name, value in details.items() if name in r.raw}

    @staticmethod
    def _content(r: _Row) -> dict | None:
        """`类型:内容;类型:内容` (or a JSON object, or free text kept under "*")."""
        text = r.text("penalty_content")
        if not text:
            return None
        if text.startswith("{"):
            data = _json_object(text)
            if data is None or not all(isinstance(v, str) for v in data.values()):
                r.fail("penalty_content", "应为 {处罚种类: 内容} 的 JSON 对象 / must map penalty types to text")
                return None
            items = list(data.items())
        else:
            items = []
            for part in filter(None, (p.strip() for p in text.split(";"))):
                match = re.match(r"([^:：]+)[:：](.*)", part, re.S)
                items.append((match.group(1).strip(), match.group(2).strip()) if match else ("*", part))
        content = {}
        for name, detail in items:
            key = "*" if name == "*" else canonical(name)
            known = key == "*" or key in PENALTY_TYPES or key in ORDERS or key == "吊销营业执照"
            if not known:
                # A colon inside free text (e.g. a time) is not a type: keep the whole part as text.
                content["*"] = "；".join(filter(None, (content.get("*"), f"{name}：{detail}")))
                continue
            content[key] = detail
        return content or None

    def _procedure(self, r: _Row) -> dict | None:
        """`YYYY-MM-DD;held[:YYYY-MM-DD]` (notice date; hearing held, waived, not_requested, not_applicable)."""
        text = r.text("procedure")
        if not text:
            return None
        if text.startswith("{"):
            data = _json_object(text)
            if data is None:
                r.fail("procedure", "应为 JSON 对象 / must be a JSON object")
                return None
            notified, hearing, hearing_on = (str(data.get(k) or "") for k in ("notified_on", "hearing", "hearing_on"))
        else:
            notified, _, rest = text.partition(";")
            hearing, _, hearing_on = rest.strip().partition(":")
        result = {"notified_on": None, "hearing": hearing.strip() or None, "hearing_on": None}
        for key, value in (("notified_on", notified.strip()), ("hearing_on", hearing_on.strip())):
            if value:
                try:
                    if not _DATE.fullmatch(value):
                        raise ValueError(value)
                    day = date.fromisoformat(value)
                except ValueError:
                    r.fail("procedure", "日期格式错误，应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD")
                    return None
                if day > self.today:
                    r.fail("procedure", f"日期晚于今天 {self.today.isoformat()} / date is in the future")
                    return None
                result[key] = day.isoformat()
        if result["hearing"] is not None and result["hearing"] not in HEARING:
            r.fail("procedure", f"听证情况应为 {'|'.join(HEARING)} 之一 / hearing must be one of {'|'.join(HEARING)}")
            return None
        if result["hearing_on"] and result["hearing"] != "held":
            r.fail("procedure", "只有举行了听证（held）才有听证日期 / a hearing date needs hearing=held")
            return None
        return result

    def _check_national(self, row: RawRow) -> tuple[dict | None, list[Reject]]:
        """A row of the national 双公示 column set, read into the same values (rejects name its columns)."""
        r = _Row(row.number, row.values)

        def find(uscc: str, name: str) -> str | None:
            return self.authorities.get(uscc) or self.authorities.get(name)

        values, problems = national_values(row.values, find_authority=find, channels=self.departments,
                                           today=self.today, tier_map=self.tier_map,
                                           needs_publication=self.needs_publication)
        for column, reason in problems:
            r.fail(column, reason)
        uscc_column = "行政相对人代码_1(统一社会信用代码)"
        if values["uscc"]:
            result = check_uscc(values["uscc"])
            values["uscc"] = result.code
            if not result.valid:
                r.fail(uscc_column, f"统一社会信用代码无效：{result.reason}")
        for field, column in (("decision_no", NATIONAL_KEY), ("party_name", "行政相对人名称"),
                              ("legal_basis", "处罚依据"), ("facts", "违法事实")):
            limit = MAX_LENGTH[field]
            if len(values[field]) > limit:
                r.fail(column, f"长度超过 {limit} 个字符 / longer than {limit} characters")
        decided, published = values["decided_on"], values["published_on"]
        if decided and published and published < decided:
            r.fail("公示日期", f"公示日期早于处罚决定日期 {decided.isoformat()} / published before decided")
        return self._accept(r, (values["authority_code"], values["decision_no"]), NATIONAL_KEY, values)

    @staticmethod
    def _penalty_types(r: _Row, joined: str) -> None:
        out_of_scope = split_penalties(joined).out_of_scope
        if out_of_scope:
            r.fail("penalty_types", f"{'、'.join(out_of_scope)}不属于本系统处理范围（仅适用于自然人） / out of scope")
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
