"""`repair demo`: departments, users, enterprises, records, fulfilment data and cases in every state."""

from __future__ import annotations

from collections import deque
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from repair.domain.actors import SYSTEM_ACTOR, Actor
from repair.domain.workflow import Workflow
from repair.errors import DomainError
from repair.services.cases.verbs import fire, submit_application
from repair.services.documents.batch import produce_all_pending
from repair.services.security.admin import console_enrol
from repair.services.security.users import add_user, list_users, load_actor
from repair.services.setup import demo_data
from repair.services.setup.init import ensure_keys
from repair.services.setup.runtime import LOCAL_TZ
from repair.store.models import Case, Department, Enterprise, Fulfilment, Record, User
from repair.store.security_models import AccountSecurity

PASSWORD = "demo-pass-2026"
REASONS = {"refuse": "申请材料不属于本部门受理范围", "request_supplement": "请补充罚款缴纳凭证",
           "deny": "经核查整改尚未完成", "withdraw": "企业主动撤回申请", "revoke": "发现申请材料虚假",
           "extend": "案情复杂需进一步核查", "cancel": "决定书需更正后重新送达"}


def load_demo(runtime, *, now: datetime, progress=print) -> dict:
    """Load the demo data set once (a second run only reports what is there)."""
    with runtime.uow() as uow:
        if uow.session.scalar(select(Enterprise.uscc).limit(1)) is not None:
            progress("演示数据已存在，跳过 / demo data already loaded")
            return _summary(uow, 0)
        companies = demo_data.enterprises()
        records = demo_data.records(companies)
        _departments_users_enterprises(uow, companies, now)
        for rec in records:
            _add_record(uow, rec, now)
        uow.flush()
        _enrol_second_factor(uow, runtime.settings.security.mfa_roles, now)
        uow.commit()
    ensure_keys(runtime, [(code, name) for code, name, _c, _s in demo_data.DEPARTMENTS])
    cases = _cases_in_every_state(runtime, now, progress)
    progress("制作并签章演示文书 / rendering and sealing the demo documents")
    produce_all_pending(runtime, progress=False)
    with runtime.uow(read_only=True) as uow:
        return _summary(uow, cases)


def _departments_users_enterprises(uow, companies, now) -> None:
    for code, name, channel, _sectors in demo_data.DEPARTMENTS:
        if uow.session.get(Department, code) is None:  # `repair init` made them from the department file
            uow.session.add(Department(code=code, name=name, channel=channel, address=f"上海市浦东新区{name}办公楼",
                                       phone="021-5000" + str(len(code)).zfill(4),
                                       doc_prefix=demo_data.DISTRICT_PREFIX + demo_data.SHORT[code]))
    uow.session.flush()
    for code, name, _channel, _sectors in demo_data.DEPARTMENTS:
        low = code.lower()
        for role, suffix in (("officer", "officer"), ("officer", "officer2"), ("reviewer", "reviewer")):
            add_user(uow, username=f"{low}_{suffix}", role=role, department=code, password=PASSWORD, now=now,
                     display_name=f"{name}{'审核员' if role == 'reviewer' else '经办人'}")
    add_user(uow, username="auditor", role="auditor", password=PASSWORD, now=now, display_name="区审计员")
    add_user(uow, username="admin", role="admin", password=PASSWORD, now=now, display_name="系统管理员")
    # 三员分立: the security and audit administrators are accounts of their own.
    add_user(uow, username="secadmin", role="security_admin", password=PASSWORD, now=now, display_name="安全管理员")
    add_user(uow, username="auditadmin", role="audit_admin", password=PASSWORD, now=now, display_name="安全审计员")
    for i, company in enumerate(companies):
        uow.session.add(Enterprise(uscc=company.uscc, name=company.name, address=company.address,
                                   legal_representative=company.legal_representative, phone="021-6000" + f"{i:04d}"))
        add_user(uow, username=f"ent{i + 1:02d}", role="enterprise", uscc=company.uscc, password=PASSWORD, now=now,
                 display_name=company.name)


def _add_record(uow, rec: demo_data.DemoRecord, now: datetime) -> None:
    stamp = now.replace(tzinfo=None)
    record = Record(kind=rec.kind, authority_code=rec.authority, decision_no=rec.decision_no, uscc=rec.uscc,
                    party_name=rec.party, channel=rec.channel, tier=rec.tier, sector=rec.sector,
                    decided_on=rec.decided_on, published_on=rec.published_on, penalty_types=rec.penalty_types,
                    fine_amount=rec.fine, legal_basis=rec.legal_basis, facts=rec.facts, status="published",
                    party_address=rec.party_address, legal_representative=rec.legal_representative,
                    violated_provision=rec.violated_provision, evidence=list(rec.evidence) or None,
                    penalty_content=rec.penalty_content, procedure=rec.procedure, served_on=rec.served_on,
                    created_at=stamp, updated_at=stamp)
    uow.session.add(record)
    uow.session.flush()
    if not rec.paid:
        return
    if rec.fine:
        uow.session.add(Fulfilment(record_id=record.id, kind="fine_payment", amount=rec.fine,
                                   occurred_on=rec.decided_on + timedelta(days=10),
                                   reference=f"JK{record.id:08d}", source="区财政非税收入系统", recorded_at=stamp))
    # Corrections and non-monetary penalties carried out are verified by the authority itself.
    if "责令改正" in rec.penalty_types or rec.kind != "administrative_penalty" or not rec.fine:
        uow.session.add(Fulfilment(record_id=record.id, kind="correction", amount=None,
                                   occurred_on=rec.decided_on + timedelta(days=20),
                                   reference=f"ZG{record.id:08d}", source=f"{rec.authority} 现场核查", recorded_at=stamp))


def paths_to_states(wf: Workflow) -> dict[str, list[str]]:
    """Shortest trigger sequence from the initial state to every state (breadth first)."""
    paths = {wf.initial: []}
    queue = deque([wf.initial])
    while queue:
        state = queue.popleft()
        for t in wf.transitions:
            if t.dest is not None and state in t.sources and t.dest not in paths:
                paths[t.dest] = paths[state] + [t.trigger]
                queue.append(t.dest)
    return paths


def _cases_in_every_state(runtime, now: datetime, progress) -> int:
    """Drive eligible records through each repair workflow to each of its states, on past dates."""
    made = 0
    with runtime.uow(read_only=True) as uow:
        candidates = uow.session.execute(
            select(Record.id, Record.kind, Record.channel, Record.authority_code, Record.uscc)
            .join(Fulfilment, Fulfilment.record_id == Record.id).distinct().order_by(Record.id)
        ).all()
        users = {u: load_actor(uow, u) for u in uow.session.scalars(select(User.username))}
    used: set[int] = set()
    for wf in sorted(runtime.workflows.current.values(), key=lambda w: w.name):
        if wf.name == "paired_delivery":
            continue
        for state, path in sorted(paths_to_states(wf).items()):
            for copy in range(2 if wf.name == "penalty_repair" else 1):
                made += _drive(runtime, wf, path, candidates, used, users, now, offset=copy * 9 + len(path))
    progress(f"已生成 {made} 个演示案件 / {made} demo cases created")
    return made


def _drive(runtime, wf, path, candidates, used, users, now, offset) -> int:
    for rec in candidates:
        if rec.id in used or rec.kind not in wf.applies_to or wf.channel not in (None, rec.channel):
            continue
        used.add(rec.id)
        moment = datetime.combine((now - timedelta(days=4 + 2 * offset)).date(), time(9, 30), LOCAL_TZ)
        enterprise = next(a for a in users.values() if a.role == "enterprise" and a.uscc == rec.uscc)
        try:
            with runtime.uow() as uow:
                case = submit_application(runtime, uow, record_id=rec.id, actor=enterprise, now=moment,
                                          commitment_signed=True)
            for step, trigger in enumerate(path, 1):
                transition = next(t for t in wf.transitions if t.trigger == trigger)
                actor = _pick(transition.roles, users, rec.authority_code, enterprise)
                with runtime.uow() as uow:
                    fire(runtime, uow, case.case_no, trigger, actor=actor, now=moment + timedelta(days=step),
                         reason=REASONS.get(trigger))
        except DomainError:
            continue  # this record is not eligible for that path; try the next one
        return 1
    return 0


def _pick(roles, users, department, enterprise) -> Actor:
    if "enterprise" in roles:
        return enterprise
    if "reviewer" in roles:
        return users[f"{department.lower()}_reviewer"]
    if "officer" in roles:
        return users[f"{department.lower()}_officer"]
    return SYSTEM_ACTOR


def _enrol_second_factor(uow, roles, now: datetime) -> None:
    """Every demo account whose role needs a second factor shares one TOTP secret (printed by `repair demo`)."""
    secret = None
    for username in uow.session.scalars(select(User.username).where(User.role.in_(roles)).order_by(User.id)):
        secret = console_enrol(uow, username, now=now, secret=secret)


def _demo_totp_secret(uow) -> str | None:
    return uow.session.scalar(select(AccountSecurity.totp_secret).join(User, User.id == AccountSecurity.user_id)
                              .where(User.username == "admin"))


def _summary(uow, cases: int) -> dict:
    logins = [u for u in list_users(uow) if u["role"] != "enterprise" or u["username"] in ("ent01", "ent02")]
    return {"enterprises": uow.session.scalar(select(func.count()).select_from(Enterprise)),
            "records": uow.session.scalar(select(func.count()).select_from(Record)),
            "cases": uow.session.scalar(select(func.count()).select_from(Case)),
            "password": PASSWORD, "logins": logins, "created": cases, "totp_secret": _demo_totp_secret(uow)}
