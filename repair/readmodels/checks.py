"""The automatic fulfilment checks (履行核查) of a case, for the desk case page and the enterprise's progress page.

Each check says when it ran, why (the step or the data arrival), which shared data it saw (the digest of the
fulfilment rows, and those rows as they stand now) and whether it found the obligations complete or which
items were missing. Reads only.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from repair.services.setup.runtime import LOCAL_TZ
from repair.store.evidence_models import FulfilmentCheck
from repair.store.models import Fulfilment
from repair.store.uow import UnitOfWork


def _local(stored: datetime) -> str:
    # Stored as naive UTC; people read the district's time.
    return stored.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def fulfilment_checks(uow: UnitOfWork, case_id: int) -> list[dict]:
    """The case's automatic fulfilment checks, oldest first, as plain data."""
    rows = uow.session.scalars(select(FulfilmentCheck).where(FulfilmentCheck.case_id == case_id)
                               .order_by(FulfilmentCheck.id))
    return [{"at": _local(c.checked_at), "cause": c.cause, "complete": c.complete,
             "missing": list(c.missing or []), "digest": c.digest, "digest_short": (c.digest or "")[:12],
             "advanced_seq": c.advanced_seq} for c in rows]


def shared_fulfilment(uow: UnitOfWork, record_id: int) -> list[dict]:
    """The fulfilment data shared between departments for a record (fine payments, verified corrections)."""
    rows = uow.session.scalars(select(Fulfilment).where(Fulfilment.record_id == record_id)
                               .order_by(Fulfilment.occurred_on, Fulfilment.id))
    return [{"kind": f.kind, "source": f.source, "amount": f.amount, "occurred_on": f.occurred_on.isoformat(),
             "reference": f.reference} for f in rows]
