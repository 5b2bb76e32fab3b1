"""Is a penalty fulfilled? Compares what the decision imposed with the shared fulfilment facts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

# Penalty types whose obligation is a correction verified by the authority, not a payment.
CORRECTION_TYPES = ("责令改正", "限期改正", "限期整改", "责令停止违法行为")


@dataclass(frozen=True)
class FulfilmentStatus:
    """Whether every obligation is met, and what is missing (Chinese)."""

    complete: bool
    missing: tuple[str, ...]


def assess_fulfilment(
    fine_amount: Decimal | None,
    penalty_types: Iterable[str],
    payments: Iterable[Decimal],
    corrections_verified: int,
) -> FulfilmentStatus:
    """Compare the decision's obligations with the payments and verified corrections on file."""
    missing = []
    fine = fine_amount or Decimal(0)
    paid = sum(payments, Decimal(0))
    if fine > 0 and paid < fine:
        missing.append(f"罚款未缴清：应缴 {fine} 元，已缴 {paid} 元 / fine not fully paid")
    if any(t.strip() in CORRECTION_TYPES for t in penalty_types) and corrections_verified == 0:
        missing.append("整改尚未经处罚机关核实 / correction not yet verified")
    return FulfilmentStatus(complete=not missing, missing=tuple(missing))
