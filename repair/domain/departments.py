"""Departments (认定单位) as configuration: who signs, seals and is named in the remedies of every letter.

One YAML file (default `instance/departments.yaml`, see `demo_departments_yaml`) holds, per department,
its full name, unified social credit code, district, reconsideration body, court, fine-payment account
and the seal text per letter kind. The file is checked strictly once at load time (unknown keys, bad
USCC, unknown channel) so that letters and certificates can trust every value they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from repair.domain.uscc import check_uscc
from repair.errors import DomainError

CHANNELS = ("ndrc", "samr")
# The letter kinds whose seal text may be configured; anything else uses `default`.
SEAL_KINDS = ("penalty_decision", "rights_notice", "acceptance_notice", "refusal_notice",
              "supplement_notice", "repair_decision", "audit_report", "default")
DEFAULT_SEAL_TEXT = "信用修复专用章"
_DEPARTMENT_KEYS = {"code", "name", "full_name", "uscc", "channel", "district", "address", "phone",
                    "doc_prefix", "reconsideration_body", "court", "payment", "seals", "placeholder"}
_REQUIRED = {"code", "name", "full_name", "uscc", "channel", "district", "reconsideration_body", "court"}
_PAYMENT_KEYS = {"manner", "account_name", "bank", "account"}


class DepartmentConfigError(DomainError):
    """The department file is invalid; names the file and the key."""

    def __init__(self, path: str, key: str, message: str):
        super().__init__(f"{path}: {key}: {message}")
        self.path = path
        self.key = key


@dataclass(frozen=True)
class Payment:
    """Where and how a fine is paid (printed on penalty decisions that impose a fine)."""

    manner: str
    account_name: str = ""
    bank: str = ""
    account: str = ""


@dataclass(frozen=True)
class DepartmentProfile:
    """One department as the letters and the seal certificates name it.

    `name` is the short display name (区市场监管局), `full_name` the legal name signed under a letter and
    carried by its seal (上海市浦东新区市场监督管理局). `placeholder` is true while the values are the demo ones.
    """

    code: str
    name: str
    full_name: str
    uscc: str
    channel: str
    district: str
    reconsideration_body: str
    court: str
    address: str = ""
    phone: str = ""
    doc_prefix: str = ""
    payment: Payment | None = None
    seals: tuple[tuple[str, str], ...] = ()
    placeholder: bool = False

    def seal_text(self, letter_kind: str) -> str:
        """The text under the star of this department's seal on letter `letter_kind` (e.g. 行政处罚专用章)."""
        table = dict(self.seals)
        return table.get(letter_kind) or table.get("default") or DEFAULT_SEAL_TEXT


@dataclass(frozen=True)
class DepartmentDirectory:
    """All configured departments, in file order; `path` is where they were read from ('' = none)."""

    departments: tuple[DepartmentProfile, ...] = ()
    path: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def get(self, code: str) -> DepartmentProfile | None:
        """The department with this code, or None."""
        return next((d for d in self.departments if d.code == code), None)

    def by_uscc_or_name(self, key: str) -> DepartmentProfile | None:
        """The department whose USCC, full name or short name is `key` (for 双公示 处罚机关 columns)."""
        key = (key or "").strip()
        if not key:
            return None
        return next((d for d in self.departments if key in (d.uscc, d.full_name, d.name, d.code)), None)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Codes of departments still carrying demo values."""
        return tuple(d.code for d in self.departments if d.placeholder)


def parse_departments(text: str, path: str = "departments.yaml") -> DepartmentDirectory:
    """Parse and validate the department file; DepartmentConfigError names file and key on any problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DepartmentConfigError(path, "-", f"YAML 语法错误 / YAML syntax error: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("departments"), list):
        raise DepartmentConfigError(path, "departments", "应有 departments 列表 / must hold a `departments` list")
    unknown = set(data) - {"departments"}
    if unknown:
        raise DepartmentConfigError(path, sorted(unknown)[0], "未知字段 / unknown key")
    departments = tuple(_department(path, raw, i) for i, raw in enumerate(data["departments"]))
    codes = [d.code for d in departments]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise DepartmentConfigError(path, "departments", f"部门代码重复 / duplicate code: {', '.join(repeated)}")
    return DepartmentDirectory(departments, path)


def _department(path: str, raw: Any, index: int) -> DepartmentProfile:
    key = f"departments[{index}]"
    if not isinstance(raw, dict):
        raise DepartmentConfigError(path, key, "应为映射 / must be a mapping")
    key = f"departments[{raw.get('code', index)}]"
    missing, unknown = _REQUIRED - raw.keys(), raw.keys() - _DEPARTMENT_KEYS
    if missing:
        raise DepartmentConfigError(path, f"{key}.{sorted(missing)[0]}", "缺少必填项 / missing required key")
    if unknown:
        raise DepartmentConfigError(path, f"{key}.{sorted(unknown)[0]}", "未知字段 / unknown key")
    texts = {}
    for name in _DEPARTMENT_KEYS - {"payment", "seals", "placeholder"}:
        value = raw.get(name, "")
        if not isinstance(value, str) or (name in _REQUIRED and not value.strip()):
            raise DepartmentConfigError(path, f"{key}.{name}", "应为非空文本 / must be non-empty text")
        texts[name] = value.strip()
    if texts["channel"] not in CHANNELS:
        raise DepartmentConfigError(path, f"{key}.channel", f"应为 {' / '.join(CHANNELS)} 之一 / must be ndrc or samr")
    result = check_uscc(texts["uscc"])
    if not result.valid:
        raise DepartmentConfigError(path, f"{key}.uscc", f"统一社会信用代码无效 / invalid USCC: {result.reason}")
    return DepartmentProfile(
        **{**texts, "uscc": result.code},
        payment=_payment(path, key, raw.get("payment")),
        seals=_seals(path, key, raw.get("seals") or {}),
        placeholder=_flag(path, f"{key}.placeholder", raw.get("placeholder", False)),
    )


def _payment(path: str, key: str, raw: Any) -> Payment | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "manner" not in raw or raw.keys() - _PAYMENT_KEYS:
        raise DepartmentConfigError(path, f"{key}.payment",
                                    f"应为含 manner 的映射，字段限 {sorted(_PAYMENT_KEYS)} / "
                                    "must be a mapping with `manner`")
    if not all(isinstance(v, str) for v in raw.values()):
        raise DepartmentConfigError(path, f"{key}.payment", "各项应为文本 / values must be text")
    return Payment(**{k: v.strip() for k, v in raw.items()})


def _seals(path: str, key: str, raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise DepartmentConfigError(path, f"{key}.seals", "应为映射 / must be a mapping")
    for kind, text in raw.items():
        if kind not in SEAL_KINDS:
            raise DepartmentConfigError(path, f"{key}.seals.{kind}",
                                        f"未知文书类型 / unknown letter kind (expected {', '.join(SEAL_KINDS)})")
        if not isinstance(text, str) or not text.strip():
            raise DepartmentConfigError(path, f"{key}.seals.{kind}", "应为非空文本 / must be non-empty text")
    return tuple(sorted((k, v.strip()) for k, v in raw.items()))


def _flag(path: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise DepartmentConfigError(path, key, "应为 true 或 false / must be a boolean")
    return value


def load_departments(path: Path | str) -> DepartmentDirectory:
    """The departments of file `path` (an absent file gives an empty directory); cached per file version."""
    file = Path(path)
    try:
        stat = file.stat()
    except FileNotFoundError:
        return DepartmentDirectory((), "")
    return _load_cached(str(file.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int, _size: int) -> DepartmentDirectory:
    return parse_departments(Path(path).read_text(encoding="utf-8"), path)


# The demo file written by `repair init`: the five demo departments of a Shanghai district. Every value
# marked placeholder must be replaced by the department's real data before production use.
DEMO_DISTRICT = "上海市浦东新区"
_DEMO = (
    # code, short name, full name, channel, USCC (synthetic, valid), document prefix
    ("FGW", "区发展改革委", "上海市浦东新区发展和改革委员会", "ndrc", "113101150025000171", "沪浦发改"),
    ("SCJG", "区市场监管局", "上海市浦东新区市场监督管理局", "samr", "11310115002500025U", "沪浦市监"),
    ("YJJ", "区应急局", "上海市浦东新区应急管理局", "ndrc", "11310115002500033N", "沪浦应急"),
    ("SWW", "区商务委", "上海市浦东新区商务委员会", "ndrc", "11310115002500041H", "沪浦商务"),
    ("RSJ", "区人社局", "上海市浦东新区人力资源和社会保障局", "ndrc", "1131011500250005X9", "沪浦人社"),
)
_DEMO_HEADER = """\
# 认定单位配置 / departments (domain.md §6, issue 10 point 8).
# 演示文件：以下数值均为示例（placeholder: true），正式使用前须逐项替换为本单位的真实信息，
# 然后删除 placeholder 一行。  This is a DEMO file: replace every value, then remove `placeholder`.
#
# Per department:
#   code                  部门代码（文号、密钥、导入文件中的 authority_code）
#   name / full_name      简称（界面）/ 全称（文书落款、印章、证书）
#   uscc                  统一社会信用代码（GB 32100-2015，校验位须正确）
#   channel               ndrc（信用中国）| samr（国家企业信用信息公示系统）
#   district              所在行政区
#   reconsideration_body  行政复议机关（《行政复议法》（2023）第二十四条：县级以上地方人民政府管辖本级政府工作部门）
#   court                 行政诉讼管辖法院（按本地集中管辖规定填写）
#   payment               罚款缴纳方式与账户（《行政处罚法》第六十七条）
#   seals                 各类文书所用印章的印文（default 为其余文书；penalty_decision 用行政处罚专用章或单位公章）
"""


def demo_departments_yaml() -> str:
    """The demo department file `repair init` writes when none exists (every department marked placeholder)."""
    government = f"{DEMO_DISTRICT}人民政府"
    court = f"{DEMO_DISTRICT}人民法院"
    items = []
    for code, short, full, channel, uscc, prefix in _DEMO:
        items.append({
            "code": code, "name": short, "full_name": full, "uscc": uscc, "channel": channel,
            "district": DEMO_DISTRICT, "address": f"{DEMO_DISTRICT}（示例地址）{short}办公楼",
            "phone": "021-5000" + str(len(code)).zfill(4), "doc_prefix": prefix,
            "reconsideration_body": government, "court": court,
            "payment": {"manner": "通过“一网通办”非税收入缴款平台或者到代收银行缴纳",
                        "account_name": f"{DEMO_DISTRICT}财政局（示例）", "bank": "示例银行浦东分行",
                        "account": "310000000000000000000（示例）"},
            "seals": {"penalty_decision": "行政处罚专用章", "default": "信用修复专用章"},
            "placeholder": True,
        })
    body = yaml.safe_dump({"departments": items}, allow_unicode=True, sort_keys=False, width=200)
    return _DEMO_HEADER + body


def placeholder_warning(directory: DepartmentDirectory) -> str | None:
    """The bilingual warning printed while demo values are in use, else None."""
    if not directory.placeholders:
        return None
    return (f"警告：{directory.path} 中的认定单位信息为示例数据（{', '.join(directory.placeholders)}），"
            f"文书所载机关全称、信用代码、复议机关和法院须替换为真实信息 / warning: departments "
            f"{', '.join(directory.placeholders)} in {directory.path} still carry demo values")
