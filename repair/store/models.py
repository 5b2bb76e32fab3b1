"""SQLAlchemy 2.x models. History (`case_events`) is append-only and hash-chained per case."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from repair.store.base import Base


class Department(Base):
    """A district department (认定单位); `channel` says which repair regime family applies."""

    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # Issuing-authority abbreviation in document numbers, e.g. 沪浦发改 in 沪浦发改信修〔2026〕12号.
    doc_prefix: Mapped[str] = mapped_column(String(16), default="", server_default="")


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Enterprise(Base):
    """Enterprise registry data (used for prefill)."""

    __tablename__ = "enterprises"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class Record(Base):
    """A published dishonesty record (e.g. an administrative penalty)."""

    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("authority_code", "decision_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    decision_no: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    party_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))
    tier: Mapped[str] = mapped_column(String(16))
    sector: Mapped[str | None] = mapped_column(String(32))
    decided_on: Mapped[date] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    penalty_types: Mapped[str] = mapped_column(String(200), default="")
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[str] = mapped_column(Text, default="")
    # APL Art. 59 details (all optional; letters print what is known and no more). `legal_basis` is the
    # penalty basis (处罚依据), `violated_provision` the provision violated (违反的条款).
    party_address: Mapped[str | None] = mapped_column(String(300))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    violated_provision: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list | None] = mapped_column(JSON)  # ["现场检查笔录", …]
    penalty_content: Mapped[dict | None] = mapped_column(JSON)  # {penalty type: detail, "*": free text}
    procedure: Mapped[dict | None] = mapped_column(JSON)  # {"notified_on", "hearing", "hearing_on"}
    served_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="published")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Fulfilment(Base):
    """Shared penalty-fulfilment fact: a fine payment or a verified correction."""

    __tablename__ = "fulfilments"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # fine_payment | correction
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    occurred_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class Case(Base):
    """One application (or delivery) driven through a workflow; `version` guards concurrent writes."""

    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_queue", "department_code", "is_open", "due"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    workflow: Mapped[str] = mapped_column(String(64))
    workflow_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    regime: Mapped[str | None] = mapped_column(String(32))
    submitted_on: Mapped[date] = mapped_column(Date)
    applicant: Mapped[str | None] = mapped_column(String(64))
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    commitment_signed_at: Mapped[datetime | None] = mapped_column(DateTime)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    due: Mapped[date | None] = mapped_column(Date)  # the earliest running deadline, for queues
    head_hash: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    record: Mapped[Record] = relationship(lazy="joined")
    deadlines: Mapped[list["Deadline"]] = relationship(
        back_populates="case", order_by="Deadline.id", lazy="selectin"
    )
    events: WriteOnlyMapped["CaseEvent"] = relationship(order_by="CaseEvent.seq")

    __mapper_args__ = {"version_id_col": version}


class CaseEvent(Base):
    """Append-only history row; `hash` chains it to the previous event of the same case."""

    __tablename__ = "case_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)
    workflow_version: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Deadline(Base):
    """A stage clock of a case: due date, pauses (补正), extensions and its derivation."""

    __tablename__ = "deadlines"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100))
    limit_days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(String(300))
    confirmed: Mapped[bool] = mapped_column(Boolean)
    started_on: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date, index=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_days: Mapped[int] = mapped_column(Integer, default=0)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    paused_since: Mapped[date | None] = mapped_column(Date)
    met_on: Mapped[date | None] = mapped_column(Date)
    # Days the clock ran when met, in its unit, net of pauses (for the audit figures; see clocks.days_used).
    days_used: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # running | paused | met | cancelled
    derivation: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="deadlines")


class Suspension(Base):
    """A period in which a stage clock stood still (补正), with its reason and actor."""

    __tablename__ = "deadline_suspensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    workdays: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))


class Extension(Base):
    """An extension of a stage clock (延期), with its reason and actor."""

    __tablename__ = "deadline_extensions"
    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class CalendarOverride(Base):
    """Administrator calendar data: a holiday or a make-up working day."""

    __tablename__ = "calendar_overrides"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    loaded_by: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Gapless per-key sequences (case numbers, document numbers)."""

    __tablename__ = "counters"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class WorkflowVersion(Base):
    """The source of every workflow version a case was started on (cases stay on their version)."""

    __tablename__ = "workflow_versions"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(DateTime)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored, never the token itself."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttempt(Base):
    """Audit trail of sign-ins and token issues; recent failures drive the rate limit."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_recent", "username", "ip", "at"),
                      Index("ix_login_attempts_ip", "ip", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45))
    channel: Mapped[str] = mapped_column(String(8))  # web | api
    success: Mapped[bool] = mapped_column(Boolean)
    # signed_in | token_issued | bad_credentials | inactive | throttled
    outcome: Mapped[str] = mapped_column(String(16))

