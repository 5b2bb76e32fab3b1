"""Verifying that nothing was edited behind the engine's back: `repair audit verify` runs a list of checks.

Each check names what it found wrong (a case and field, a document, an upload); the case check recomputes every
hash chain and compares every case row, deadline, suspension and extension with the replay of its history.

Every check takes the runtime and a read-only unit of work and returns a CheckResult; `verify_all` runs the
registered checks in order. A new check (e.g. a security-log chain) is one more entry in CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone

from sqlalchemy import bindparam, select

from repair.blobs.base import BlobCorrupt, BlobMissing
from repair.domain.history import EventFacts, StoredEvent, chain_problems
from repair.domain.integrity import ReplayEvent, row_problems
from repair.errors import NotFound
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.models import Base
from repair.store.uow import UnitOfWork

BATCH = 2000
T = Base.metadata.tables
CASES, EVENTS, DEADLINES = T["cases"], T["case_events"], T["deadlines"]
SUSPENSIONS, EXTENSIONS, DOCUMENTS, UPLOADS = (T["deadline_suspensions"], T["deadline_extensions"], T["documents"],
                                               T["uploads"])


@dataclass
class CheckResult:
    """One check's outcome: how many things it looked at, and the problems of each subject it found wrong."""

    name: str
    checked: dict[str, int] = field(default_factory=dict)
    broken: dict[str, list[str]] = field(default_factory=dict)  # subject (case no, "document 12") -> problems


@dataclass
class IntegrityReport:
    """The results of every check."""

    results: list[CheckResult]

    @property
    def intact(self) -> bool:
        return not any(r.broken for r in self.results)

    @property
    def broken(self) -> dict[str, list[str]]:
        return {subject: problems for r in self.results for subject, problems in r.broken.items()}

    def checked(self, what: str) -> int:
        return sum(r.checked.get(what, 0) for r in self.results)


Check = Callable[..., CheckResult]


def _local_day(moment):
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_TZ).date()


_CASE_COLUMNS = ("id", "case_no", "workflow", "workflow_version", "state", "version", "event_count", "head_hash",
                 "is_open", "assigned_to", "due")
_EVENTS = (select(EVENTS.c.case_id, EVENTS.c.seq, EVENTS.c.trigger, EVENTS.c.from_state, EVENTS.c.to_state,
                  EVENTS.c.actor, EVENTS.c.at, EVENTS.c.reason, EVENTS.c.payload, EVENTS.c.workflow_version,
                  EVENTS.c.prev_hash, EVENTS.c.hash)
           .where(EVENTS.c.case_id.in_(bindparam("ids", expanding=True)))
           .order_by(EVENTS.c.case_id, EVENTS.c.seq, EVENTS.c.id))
_DEADLINES = (select(DEADLINES).where(DEADLINES.c.case_id.in_(bindparam("ids", expanding=True)))
              .order_by(DEADLINES.c.case_id, DEADLINES.c.id))
_SUSPENSIONS = (select(SUSPENSIONS.c.deadline_id, SUSPENSIONS.c.started_on, SUSPENSIONS.c.ended_on,
                       SUSPENSIONS.c.workdays).join(DEADLINES, DEADLINES.c.id == SUSPENSIONS.c.deadline_id)
                .where(DEADLINES.c.case_id.in_(bindparam("ids", expanding=True)))
                .order_by(SUSPENSIONS.c.deadline_id, SUSPENSIONS.c.started_on, SUSPENSIONS.c.id))
_EXTENSIONS = (select(EXTENSIONS.c.deadline_id, EXTENSIONS.c.days)
               .join(DEADLINES, DEADLINES.c.id == EXTENSIONS.c.deadline_id)
               .where(DEADLINES.c.case_id.in_(bindparam("ids", expanding=True))))


def check_cases(runtime, uow: UnitOfWork, progress=None) -> CheckResult:
    """Each case's hash chain, and its case row, deadlines, suspensions and extensions against the replay.

    Streamed in batches of BATCH cases (memory stays flat); every event is read once for both checks."""
    result = CheckResult("cases", {"cases": 0, "events": 0})
    connection = uow.connection
    open_states: dict[tuple[str, int], Callable[[str], bool] | None] = {}
    last_id = 0
    while True:
        cases = connection.execute(select(*(CASES.c[n] for n in _CASE_COLUMNS)).where(CASES.c.id > last_id)
                                   .order_by(CASES.c.id).limit(BATCH)).all()
        if not cases:
            break
        last_id = cases[-1].id
        ids = {"ids": [c.id for c in cases]}
        events: dict[int, list] = {c.id: [] for c in cases}
        for row in connection.execute(_EVENTS, ids):
            events[row.case_id].append(row)
        deadlines: dict[int, list] = {c.id: [] for c in cases}
        for row in connection.execute(_DEADLINES, ids):
            deadlines[row.case_id].append(row._mapping)
        suspensions: dict[int, list] = {}
        for row in connection.execute(_SUSPENSIONS, ids):
            suspensions.setdefault(row.deadline_id, []).append(row._mapping)
        extensions: dict[int, list] = {}
        for row in connection.execute(_EXTENSIONS, ids):
            extensions.setdefault(row.deadline_id, []).append(row.days)
        for case in cases:
            rows = events[case.id]
            problems = chain_problems((_stored(r, case.case_no) for r in rows), case.head_hash, case.event_count)
            key = (case.workflow, case.workflow_version)
            if key not in open_states:
                open_states[key] = _open_states(runtime, uow, *key)
            replayed = [ReplayEvent(seq=r.seq, trigger=r.trigger, to_state=r.to_state, day=_local_day(r.at),
                                    payload=r.payload or {}, workflow_version=r.workflow_version, hash=r.hash)
                        for r in rows]
            problems += row_problems(case._mapping, replayed, deadlines[case.id], suspensions, extensions,
                                     open_states[key])
            if problems:
                result.broken[case.case_no] = problems
            result.checked["events"] += len(rows)
        result.checked["cases"] += len(cases)
        if progress is not None:
            progress(len(cases))
    return result


def _open_states(runtime, uow: UnitOfWork, name: str, version: int) -> Callable[[str], bool] | None:
    try:
        return runtime.workflows.get(uow, name, version).is_open
    except NotFound:
        return None


def _stored(row, case_no: str) -> StoredEvent:
    facts = EventFacts(case_no=case_no, seq=row.seq, trigger=row.trigger, from_state=row.from_state,
                       to_state=row.to_state, actor=row.actor, at=row.at, reason=row.reason,
                       payload=row.payload or {}, workflow_version=row.workflow_version)
    return StoredEvent(facts=facts, prev_hash=row.prev_hash, hash=row.hash)


def _blob_problem(stores: list, digest: str, size: int | None) -> str | None:
    """What is wrong with a stored blob (missing, bytes not matching the digest or the size), else None."""
    for store in stores:  # the configured store first; files not yet moved into it are still stored
        try:
            data = store.read(digest)
        except BlobMissing:
            continue
        except BlobCorrupt:
            return f"sha256: 存储内容与记录的 SHA-256 {digest} 不符 / stored bytes do not match their SHA-256"
        except OSError as error:
            return f"sha256: 文件无法读取（{error.strerror}）/ stored file unreadable"
        if size is not None and len(data) != size:
            return f"size: 文件 {len(data)} 字节，记录为 {size} / stored file is {len(data)} bytes, row says {size}"
        return None
    return f"sha256: 文件缺失（{digest}）/ stored file missing"


def check_blobs(runtime, uow: UnitOfWork, progress=None) -> CheckResult:
    """Each produced document and each upload: its stored bytes hash to the SHA-256 its row records."""
    from repair.services.cluster.blobs import blob_store

    result = CheckResult("files", {"documents": 0, "uploads": 0})
    for label, area, table in (("document", "documents", DOCUMENTS), ("upload", "uploads", UPLOADS)):
        stores = [blob_store(runtime, area)]
        if stores[0].kind != "fs":
            stores.append(blob_store(runtime, area, "fs"))
        files = [("", table.c.sha256, table.c.size)]
        if table is DOCUMENTS:  # the OFD issued beside a document's PDF (issue 16), in the same store
            files.append(("ofd_", table.c.ofd_sha256, table.c.ofd_size))
        for prefix, digest, size in files:
            query = (select(table.c.id, digest.label("digest"), size.label("size")).where(digest.is_not(None))
                     .order_by(table.c.id))
            for row in uow.connection.execute(query):
                result.checked[area] += 1
                problem = _blob_problem(stores, row.digest, row.size)
                if problem:
                    result.broken.setdefault(f"{label} {row.id}", []).append(prefix + problem)
    return result

@dataclass(frozen=True)
class ChainReport:
    """The result of verifying every case's chain."""

    cases_checked: int
    events_checked: int
    broken: dict[str, list[str]]  # case_no -> problems

    @property
    def intact(self) -> bool:
        return not self.broken


def verify_history(uow: UnitOfWork, progress=None) -> ChainReport:
    """Only the hash chains (no row check): recompute every chain case by case, streamed in batches."""
    broken: dict[str, list[str]] = {}
    cases_checked = events_checked = 0
    last_id = 0
    while True:
        cases = uow.connection.execute(
            select(CASES.c.id, CASES.c.case_no, CASES.c.head_hash, CASES.c.event_count)
            .where(CASES.c.id > last_id).order_by(CASES.c.id).limit(BATCH)).all()
        if not cases:
            break
        last_id = cases[-1].id
        ids = [c.id for c in cases]
        events: dict[int, list] = {i: [] for i in ids}
        for row in uow.connection.execute(_EVENTS, {"ids": ids}):
            events[row.case_id].append(row)
        for case in cases:
            rows = events[case.id]
            problems = chain_problems((_stored(r, case.case_no) for r in rows), case.head_hash, case.event_count)
            if problems:
                broken[case.case_no] = problems
            events_checked += len(rows)
        cases_checked += len(cases)
        if progress is not None:
            progress(len(cases))
    return ChainReport(cases_checked=cases_checked, events_checked=events_checked, broken=broken)


CHECKS: list[Check] = [check_cases, check_blobs]


def verify_all(runtime, uow: UnitOfWork, checks: list[Check] | None = None, progress=None) -> IntegrityReport:
    """Run every registered integrity check (or the given ones) and collect their results."""
    return IntegrityReport([check(runtime, uow, progress=progress) for check in (checks or CHECKS)])
