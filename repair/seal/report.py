"""What a seal verification found, for any sealed format (PDF/PAdES here, OFD/SM2 elsewhere).

One `VerificationReport` per file, with one `SignatureReport` per signature in file order. Both the CLI
(`repair seal verify FILE [--json]`), `/verify` and the API render this type, so every format answers
with the same JSON keys:

top level   signed, signer, department, signing_time, intact, trusted, coverage, summary_zh, ok,
            format, level, modified_after_signing, signatures
signature   index, field, kind ("signature" | "timestamp"), signer, department, signed_at, timestamped,
            level ("B-B" | "B-T" | "B-LT" | "B-LTA" | null for a document timestamp), intact, trusted,
            coverage, modified_after, revoked_at, problems

Rules a producer must keep: `signer` is the certificate's name only when the chain is trusted, otherwise
`UNKNOWN_SIGNER`; `department` likewise (None when untrusted); `signed_at` is the trusted timestamp's time
when there is one, else the signer's own claim; `modified_after` is true when anything but later
signatures, timestamps and validation data was added after that signature. `ok` is true only when
every signature is intact and trusted and nothing was modified after the last one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
UNKNOWN_SIGNER = "未知签章人 / unknown signer"
LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")


@dataclass(frozen=True)
class SignatureReport:
    """One signature (or document timestamp) of a file, judged on its own."""

    index: int
    field: str
    kind: str  # "signature" | "timestamp"
    signer: str
    department: str | None
    signed_at: datetime | None
    timestamped: bool
    level: str | None
    intact: bool
    trusted: bool
    coverage: str
    modified_after: bool
    revoked_at: datetime | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Intact, trusted and nothing but signatures, timestamps and validation data added after it."""
        return self.intact and self.trusted and not self.modified_after

    def as_dict(self) -> dict:
        """JSON-ready dict (times as ISO 8601 in Beijing time)."""
        data = asdict(self)
        data["signed_at"] = _iso(self.signed_at)
        data["revoked_at"] = _iso(self.revoked_at)
        data["problems"] = list(self.problems)
        return data


@dataclass(frozen=True)
class VerificationReport:
    """The verdict on a whole file; `signatures` holds the details, the top level the summary."""

    signed: bool
    signer: str
    department: str | None
    signing_time: datetime | None
    intact: bool
    trusted: bool
    coverage: str
    summary_zh: str
    signatures: tuple[SignatureReport, ...] = ()
    modified_after_signing: bool = False
    format: str = "pdf"
    level: str | None = None

    @property
    def ok(self) -> bool:
        """Signed, every signature intact and trusted, nothing modified after the last one."""
        return (self.signed and self.intact and self.trusted and not self.modified_after_signing
                and all(s.ok for s in self.signatures if s.kind == "signature"))

    def as_dict(self) -> dict:
        """JSON-ready dict with the documented keys."""
        return {
            "signed": self.signed, "signer": self.signer, "department": self.department,
            "signing_time": _iso(self.signing_time), "intact": self.intact, "trusted": self.trusted,
            "coverage": self.coverage, "summary_zh": self.summary_zh, "ok": self.ok, "format": self.format,
            "level": self.level, "modified_after_signing": self.modified_after_signing,
            "signatures": [s.as_dict() for s in self.signatures],
        }

    def as_json(self) -> str:
        """The report as a JSON object (UTF-8 text, Chinese kept readable)."""
        return json.dumps(self.as_dict(), ensure_ascii=False)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(BEIJING).isoformat() if value else None


def unsigned_report(fmt: str = "pdf") -> VerificationReport:
    """The report for a well-formed file that carries no signature at all."""
    return VerificationReport(False, "", None, None, False, False, "none",
                              "该文件没有电子印章（未签章），无法证明其来源和完整性。", format=fmt)


def summarise(signatures: list[SignatureReport], fmt: str = "pdf", coverage: str = "entire_file") -> VerificationReport:
    """Fold per-signature reports (file order) into the file's verdict and its plain-Chinese summary."""
    seals = [s for s in signatures if s.kind == "signature"]
    if not seals:
        return unsigned_report(fmt)
    modified = any(s.modified_after for s in signatures)
    # `intact` at file level answers "is what I see what was sealed?": a later change is not intact.
    intact = all(s.intact for s in signatures) and not modified
    trusted = all(s.trusted for s in signatures)
    names = list(dict.fromkeys(s.signer for s in seals))
    departments = [s.department for s in seals if s.department]
    levels = [s.level for s in seals if s.level in LEVELS]
    level = min(levels, key=LEVELS.index) if len(levels) == len(seals) else None
    last = seals[-1]
    report = VerificationReport(
        signed=True, signer="、".join(names), department=",".join(dict.fromkeys(departments)) or None,
        signing_time=last.signed_at, intact=intact, trusted=trusted, coverage=coverage, summary_zh="",
        signatures=tuple(signatures), modified_after_signing=modified, format=fmt, level=level,
    )
    return VerificationReport(**{**report.__dict__, "summary_zh": _summary(report, seals)})


def _summary(report: VerificationReport, seals: list[SignatureReport]) -> str:
    signer = report.signer
    if not all(s.intact for s in seals):
        return f"文件在签章后被修改过，“{signer}”的电子印章已失效，内容不可信。"
    if report.modified_after_signing:
        return f"签章后文件又被改动（内容、批注或表单），“{signer}”签章时的文书与现在看到的不同，请勿采信，并向出具机关核实。"
    revoked = [s for s in seals if s.revoked_at is not None]
    if not report.trusted:
        if any(s.revoked_at is not None and not s.trusted for s in seals):
            return "签章证书在签章前已被吊销，该电子印章无效，请勿作为正式文书使用。"
        if any(s.signer == UNKNOWN_SIGNER for s in seals):
            return ("文件中有签章人的证书不受信任（不是本系统认可的签章机构），无法确认签章人身份，"
                    "请勿作为正式文书使用。")
        return "签章证书无法验证（如证书已过期而签章没有可信时间戳），请勿作为正式文书使用。"
    when = report.signing_time
    stamp = f"于{when.astimezone(BEIJING):%Y年%m月%d日 %H:%M}" if when else ""
    count = f"共 {len(seals)} 个电子印章均有效，" if len(seals) > 1 else ""
    note = ""
    if revoked:
        first = min(s.revoked_at for s in revoked)
        note = f"（签章证书已于{first.astimezone(BEIJING):%Y年%m月%d日 %H:%M}吊销，但签章在吊销前已加盖并有可信时间戳，仍然有效）"
    return f"该文书由“{signer}”{stamp}加盖电子印章，{count}签章后未被修改，签章证书受信任，文书真实有效{note}。"
