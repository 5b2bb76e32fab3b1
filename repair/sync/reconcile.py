"""Reconciliation: what a portal reports for our conclusions against what we concluded last."""

from __future__ import annotations

from dataclasses import asdict, dataclass

KINDS = {
    "missing_there": "门户无此结论 / missing on the portal",
    "different_outcome": "结论不一致 / different outcome",
    "unknown_there": "门户有而本地无 / unknown here",
}


@dataclass(frozen=True)
class Difference:
    """One case on which a portal and we disagree; `our_status` says whether our message went out."""

    portal: str
    case_no: str
    kind: str
    ours: str | None
    theirs: str | None
    our_status: str | None = None
    message_id: str | None = None

    @property
    def title(self) -> str:
        """The kind in words (Chinese first)."""
        return KINDS[self.kind]

    def as_json(self) -> dict:
        """Plain data for `--json` output."""
        return {**asdict(self), "title": self.title}


def compare(portal: str, ours: list[dict], theirs: list[dict]) -> list[Difference]:
    """Differences between our latest conclusion per case and the portal's report (its last line wins)."""
    reported: dict[str, str | None] = {}
    for entry in theirs:
        case_no = str(entry.get("case_no") or "").strip()
        if case_no:
            reported[case_no] = entry.get("outcome")
    found: list[Difference] = []
    known = set()
    for row in ours:
        case_no = row["case_no"]
        known.add(case_no)
        common = dict(portal=portal, case_no=case_no, ours=row["outcome"], our_status=row["status"],
                      message_id=row["message_id"])
        if case_no not in reported:
            found.append(Difference(kind="missing_there", theirs=None, **common))
        elif reported[case_no] != row["outcome"]:
            found.append(Difference(kind="different_outcome", theirs=reported[case_no], **common))
    found.extend(Difference(portal=portal, case_no=case_no, kind="unknown_there", ours=None, theirs=outcome)
                 for case_no, outcome in reported.items() if case_no not in known)
    return found
