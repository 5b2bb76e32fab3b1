"""Named guards: pure predicates over `CaseFacts` that workflow transitions list by name.

Guards read only the plain facts the service gathered for one firing, so every rule is testable
without a database; a refusal names each guard that failed (see `Workflow.fire`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class CaseFacts:
    """Plain data about one case and one actor, built by the service for a single firing."""

    actor: str
    actor_role: str
    actor_in_scope: bool
    reason: str | None = None
    checkers: frozenset[str] = frozenset()
    fulfilment_complete: bool = False
    fulfilment_missing: tuple[str, ...] = ()
    commitment_signed: bool = False
    eligibility_failures: tuple[str, ...] = ()
    documents_sealed: bool = False
    electronic_consent: bool = False            # the party agreed to electronic service (行政处罚法第61条)
    evidence_unchanged: bool = False            # the fulfilment rows still match the evidence pinned on the case
    evidence_changes: tuple[str, ...] = ()      # how they differ, in Chinese
    extensions_used: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Guard:
    """A named condition; `title` says in Chinese what must hold, `detail` explains a failure."""

    name: str
    title: str
    check: Callable[[CaseFacts], bool]
    detail: Callable[[CaseFacts], str] | None = None

    def describe(self, facts: CaseFacts) -> str:
        """Return "<Chinese title>[（detail）] / <name>" for a refusal message."""
        extra = self.detail(facts) if self.detail else ""
        return f"{self.title}{f'（{extra}）' if extra else ''} / {self.name}"


def _listing(label: str, items: tuple[str, ...]) -> str:
    return f"{label}：{'、'.join(items)}" if items else ""


GUARDS: Mapping[str, Guard] = MappingProxyType({g.name: g for g in (
    Guard("four_eyes", "四眼原则：审核人不得为核查人",
          lambda f: f.actor not in f.checkers),
    Guard("penalty_fulfilled", "处罚或义务已履行完毕",
          lambda f: f.fulfilment_complete,
          lambda f: _listing("尚缺", f.fulfilment_missing)),
    Guard("commitment_signed", "已签署信用承诺书",
          lambda f: f.commitment_signed),
    Guard("eligible", "符合信用修复条件",
          lambda f: not f.eligibility_failures,
          lambda f: _listing("不符合", f.eligibility_failures)),
    Guard("documents_sealed", "行政处罚决定书与信用修复权益告知书均已签章",
          lambda f: f.documents_sealed),
    Guard("electronic_consent", "当事人已同意电子送达",
          lambda f: f.electronic_consent),
    Guard("evidence_unchanged", "确认履行时固定的履行证据未发生变化",
          lambda f: f.evidence_unchanged,
          lambda f: "；".join(f.evidence_changes)),
)})

EXTENSION_AVAILABLE = "extension_available"


def extension_available(stage: str, max_extensions: int) -> Guard:
    """Build the guard injected on `extends:` transitions: the clock may still be extended."""
    return Guard(
        EXTENSION_AVAILABLE,
        f"延期次数未达上限（{max_extensions}次）",
        lambda f: f.extensions_used.get(stage, 0) < max_extensions,
        lambda f: f"时限「{stage}」已延期{f.extensions_used.get(stage, 0)}次",
    )
