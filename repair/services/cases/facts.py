"""Gathering the plain facts that rules and guards read, from the stored case and record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from repair.domain.actors import Actor
from repair.domain.casefile import CaseState
from repair.domain.eligibility import EligibilityInput, Verdict, assess
from repair.domain.fulfilment import FulfilmentStatus, assess_fulfilment
from repair.domain.guards import CaseFacts
from repair.domain.rules import PublicityWindow, RegimeChoice, applicable_window, get_regime, publicity_window
from repair.domain.workflow import Workflow
from repair.services.cases.evidence import evidence_drift
from repair.store.document_models import Delivery, Document
from repair.store.models import Case, CaseEvent, Fulfilment, Record
from repair.store.uow import UnitOfWork


def penalty_types(record: Record) -> tuple[str, ...]:
    """The record's penalty types as a tuple (stored `;`-separated)."""
    return tuple(t.strip() for t in record.penalty_types.split(";") if t.strip())


PAIRED_KINDS = ("penalty_decision", "rights_notice")
# Kinds whose publicity follows the penalty regimes; the others may be repaired once obligations are met.
WINDOWED_KINDS = ("administrative_penalty", "serious_dishonesty_list")


def regime_choice(record: Record, regime_id: str | None = None, *, as_of: date | None = None) -> RegimeChoice | None:
    """Which regime applies to the record on `as_of` and why (从旧兼从轻; see `applicable_window`).

    `regime_id` is a case's regime pinned at submission. None for kinds whose publicity no regime governs.
    """
    if record.kind not in WINDOWED_KINDS:
        return None
    return applicable_window(record.channel, as_of=as_of, tier=record.tier, decided_on=record.decided_on,
                             published_on=record.published_on, sector=record.sector,
                             penalty_types=penalty_types(record), pinned=regime_id)


def window_for(record: Record, regime_id: str | None = None, *, as_of: date | None = None) -> PublicityWindow:
    """The record's publicity window applied on `as_of` (a pinned regime alone when no date is given)."""
    if record.kind not in WINDOWED_KINDS:
        start = record.published_on or record.decided_on
        return PublicityWindow(
            regime="", channel=record.channel, tier=record.tier, period_from=start, published=True,
            auto_stop=False, repairable=True, min_publicity_end=start, max_publicity_end=None,
            earliest_application=start, basis="",
            notes=("此类信息无最短公示期，履行义务后即可申请修复 / repairable once obligations are met",),
        )
    if as_of is None:
        return publicity_window(get_regime(regime_id), tier=record.tier, decided_on=record.decided_on,
                                published_on=record.published_on, sector=record.sector,
                                penalty_types=penalty_types(record))
    return regime_choice(record, regime_id, as_of=as_of).applied


def fulfilment_of(uow: UnitOfWork, record: Record) -> FulfilmentStatus:
    """Compare the record's obligations with the shared fulfilment facts."""
    rows = uow.session.execute(
        select(Fulfilment.kind, Fulfilment.amount).where(Fulfilment.record_id == record.id)
    ).all()
    payments = [Decimal(r.amount or 0) for r in rows if r.kind == "fine_payment"]
    corrections = sum(1 for r in rows if r.kind == "correction")
    return assess_fulfilment(record.fine_amount, penalty_types(record), payments, corrections)


def eligibility(uow: UnitOfWork, record: Record, *, as_of: date, commitment_signed: bool,
                regime_id: str | None = None, repeat_window_months: int | None = None,
                repeat_basis: str | None = None, repairable_kinds: frozenset[str] | None = None) -> Verdict:
    """The eligibility verdict for applying to repair `record` on `as_of`."""
    status = fulfilment_of(uow, record)
    last_granted = uow.session.scalar(
        select(Case.submitted_on).where(Case.uscc == record.uscc, Case.state == "concluded",
                                        Case.record_id != record.id)
        .order_by(Case.submitted_on.desc()).limit(1)
    )
    extra = {"repairable_kinds": repairable_kinds} if repairable_kinds is not None else {}
    return assess(EligibilityInput(
        window=window_for(record, regime_id, as_of=as_of), as_of=as_of, record_kind=record.kind,
        fulfilment_complete=status.complete, fulfilment_missing=status.missing,
        commitment_signed=commitment_signed, last_granted_repair_on=last_granted,
        repeat_window_months=repeat_window_months, repeat_basis=repeat_basis, **extra,
    ))


def case_facts(uow: UnitOfWork, wf: Workflow, case: CaseState, actor: Actor, *, reason: str | None,
               guards: frozenset[str], today: date, repeat_window_months: int | None = None,
               repeat_basis: str | None = None) -> CaseFacts:
    """Facts for one firing; costly facts are gathered only when a guard of the trigger reads them."""
    checkers: frozenset[str] = frozenset()
    if "four_eyes" in guards:
        check_triggers = [t.trigger for t in wf.transitions if t.check]
        checkers = frozenset(uow.session.scalars(
            select(CaseEvent.actor).where(CaseEvent.case_id == case.id, CaseEvent.trigger.in_(check_triggers))))
    record = uow.session.get(Record, case.record_id) if guards & {"penalty_fulfilled", "eligible"} else None
    status = fulfilment_of(uow, record) if "penalty_fulfilled" in guards else None
    failures: tuple[str, ...] = ()
    if "eligible" in guards:
        verdict = eligibility(uow, record, as_of=today, regime_id=case.regime,
                              commitment_signed=case.commitment_signed_at is not None,
                              repeat_window_months=repeat_window_months, repeat_basis=repeat_basis)
        failures = tuple(c.title for c in verdict.failed)
    drift = evidence_drift(uow, case.id, case.record_id) if "evidence_unchanged" in guards else None
    used = {}
    for clock in wf.clocks:
        extended = sum(d.extended_days for d in case.deadlines if d.stage == clock.stage)
        if clock.extension is not None and extended:
            used[clock.stage] = extended // clock.extension.limit
    return CaseFacts(
        actor=actor.username, actor_role=actor.role,
        actor_in_scope=actor.in_scope(case.department_code, case.uscc), reason=reason,
        checkers=checkers,
        fulfilment_complete=bool(status and status.complete),
        fulfilment_missing=status.missing if status else (),
        commitment_signed=case.commitment_signed_at is not None,
        eligibility_failures=failures,
        documents_sealed=documents_sealed(uow, case) if "documents_sealed" in guards else False,
        electronic_consent=electronic_consent(uow, case) if "electronic_consent" in guards else False,
        evidence_unchanged=drift == (), evidence_changes=drift or (),
        extensions_used=used,
    )


def documents_sealed(uow: UnitOfWork, case: CaseState) -> bool:
    """Paired delivery: the latest penalty decision and rights notice of the case are both sealed."""
    rows = uow.session.execute(
        select(Document.kind, Document.status).where(Document.case_id == case.id,
                                                     Document.kind.in_(PAIRED_KINDS))
        .order_by(Document.kind, Document.version)).all()
    latest = {row.kind: row.status for row in rows}
    return all(latest.get(kind) == "sealed" for kind in PAIRED_KINDS)


def electronic_consent(uow: UnitOfWork, case: CaseState) -> bool:
    """Paired delivery: the party agreed to be served electronically."""
    return bool(uow.session.scalar(select(Delivery.electronic_consent).where(Delivery.case_id == case.id)))
