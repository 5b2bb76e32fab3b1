"""Synthetic district for `bench/audit.py`: departments, records, cases, deadlines, suspensions and hash-chained
events for one year, written with bulk Core inserts (no services: generating 200,000 cases through the engine
would take hours). Distributions: departments weighted like a district (FGW and SCJG busiest), clocks met
after 1–5 working days for acceptance and 2–limit+3 for decisions, one case in five paused for a supplement,
one in twenty extended, about one in twelve still open (most of them overdue), sharing/push after grants.
The rows agree with their histories (each event carries the deadline changes the engine records), so the
integrity check (`bench/audit.py --integrity`) replays them without a difference.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from repair.calendar import WorkCalendar
from repair.config import CHECKOUT
from repair.domain.clocks import days_used
from repair.domain.history import GENESIS, EventFacts, chain_hash
from repair.services.cases.workflows import WorkflowRegistry
from repair.store.models import Base

T = Base.metadata.tables
DEPARTMENTS = (("FGW", "区发展改革委", "ndrc", 30), ("SCJG", "区市场监管局", "samr", 30), ("SWJ", "区税务局", "ndrc", 10),
               ("HBJ", "区生态环境局", "ndrc", 8), ("YJJ", "区应急管理局", "ndrc", 7), ("RSJ", "区人力资源社会保障局", "ndrc", 6),
               ("ZJW", "区建设和管理委员会", "ndrc", 5), ("WJW", "区卫生健康委员会", "ndrc", 4))
# workflow → (main stage, its limit, extension days, overall feedback limit or None, result stage)
WORKFLOWS = {"penalty_repair": ("decision", 7, 10, 10, "sharing"),
             "samr_penalty_repair": ("decision", 7, 0, None, "push"),
             "anomaly_list_removal": ("removal", 5, 0, None, "sharing")}
ACCEPTANCE = {"penalty_repair": 3, "samr_penalty_repair": 2, "anomaly_list_removal": None}
TITLES = {"acceptance": "受理审查", "decision": "修复决定", "feedback": "向申请人反馈结果", "sharing": "修复结果共享",
          "push": "跨省推送修复结果", "removal": "移出经营异常名录"}
CHUNK = 20_000


class Builder:
    """Accumulates the rows of one chunk of cases."""

    def __init__(self, calendar: WorkCalendar, today: date, rng: random.Random):
        self.calendar, self.today, self.rng = calendar, today, rng
        self.cases, self.records, self.deadlines, self.events, self.suspensions = [], [], [], [], []
        self.extensions: list[dict] = []
        self.versions: dict[str, int] = {}
        self.next_deadline = 1

    def wd(self, start: date, n: int) -> date:
        return self.calendar.add_workdays(start, n)

    def clock(self, case_id: int, stage: str, limit: int, start: date, *, steps: int | None, paused: int = 0,
              extended: int = 0) -> dict:
        """One deadline; `steps` working days to meet it (None: still open)."""
        due = self.wd(start, limit + paused + extended)
        met_on = self.wd(start, steps + paused) if steps is not None else None
        if met_on is not None and met_on > self.today:
            met_on = None
        row = {"id": self.next_deadline, "case_id": case_id, "stage": stage, "title": TITLES[stage],
               "limit_days": limit, "unit": "workdays", "basis": "bench", "confirmed": True, "started_on": start,
               "due": due, "provisional": False, "paused_days": paused, "extended_days": extended,
               "paused_since": None, "met_on": met_on, "status": "met" if met_on else "running",
               "days_used": days_used(self.calendar, "workdays", start, met_on, paused) if met_on else None,
               "derivation": f"{TITLES[stage]}时限 {limit} 个工作日 → 截止 {due}"}
        self.next_deadline += 1
        self.deadlines.append(row)
        return row

    def event(self, case: dict, trigger: str, to_state: str, day: date, changes: list, reason: str | None = None,
              **extra):
        """Append a chained event; like the engine, every step bumps the case's version."""
        seq = case["event_count"] + 1
        at = datetime.combine(day, datetime.min.time()).replace(hour=2)  # 10:00 in Shanghai, stored as UTC
        payload = {"deadlines": changes, **extra}
        facts = EventFacts(case_no=case["case_no"], seq=seq, trigger=trigger, from_state=case["state"],
                           to_state=to_state, actor="bench", at=at, reason=reason,
                           payload=payload, workflow_version=case["workflow_version"])
        digest = chain_hash(case["head_hash"], facts)
        self.events.append({"case_id": case["id"], "seq": seq, "trigger": trigger, "from_state": case["state"],
                            "to_state": to_state, "actor": "bench", "at": at, "reason": reason,
                            "payload": payload, "workflow_version": case["workflow_version"],
                            "prev_hash": case["head_hash"], "hash": digest})
        case.update(event_count=seq, version=seq, head_hash=digest, state=to_state)


    def add_case(self, case_id: int, department: tuple, workflow: str, submitted: date) -> None:
        rng, (code, _name, channel, _weight) = self.rng, department
        stage, limit, extension, feedback, result = WORKFLOWS[workflow]
        assignee = None if rng.random() < 0.3 else f"{code.lower()}_officer{rng.randint(1, 6)}"
        case = {"id": case_id, "case_no": f"{code}-B-{case_id:07d}", "record_id": case_id, "workflow": workflow,
                "workflow_version": self.versions[workflow], "state": None, "version": 1,
                "department_code": code, "uscc": f"91310000{case_id:010d}", "regime": None,
                "submitted_on": submitted, "applicant": "bench", "assigned_to": assignee,
                "commitment_signed_at": None, "is_open": True, "due": None, "head_hash": GENESIS,
                "event_count": 0, "created_at": datetime.combine(submitted, datetime.min.time()),
                "updated_at": datetime.combine(submitted, datetime.min.time())}
        self.records.append({"id": case_id, "kind": "administrative_penalty", "authority_code": code,
                             "decision_no": f"{code}罚〔2024〕{case_id}号", "uscc": case["uscc"],
                             "party_name": f"示例企业{case_id}", "channel": channel, "tier": "general",
                             "decided_on": submitted - timedelta(days=120), "status": "published",
                             "created_at": case["created_at"], "updated_at": case["created_at"]})
        acceptance = None
        if ACCEPTANCE[workflow]:
            acceptance = self.clock(case_id, "acceptance", ACCEPTANCE[workflow], submitted,
                                    steps=rng.choices((1, 2, 3, 4, 5), (40, 30, 20, 7, 3))[0])
        start = acceptance["met_on"] if acceptance else submitted
        paused = rng.randint(1, 10) if rng.random() < 0.2 else 0
        if paused and self.wd(start, paused) > self.today:
            paused = 0
        extended = extension if extension and rng.random() < 0.05 else 0
        steps = None if rng.random() < 0.08 else rng.randint(2, limit + 3 + extended)
        main = self.clock(case_id, stage, limit, start, steps=steps, paused=paused, extended=extended)
        back = None
        if feedback:
            back = self.clock(case_id, "feedback", feedback, submitted,
                              steps=None if main["met_on"] is None else self.calendar.count_workdays(
                                  submitted, main["met_on"]) - paused, paused=paused)
        # The history, step by step, with the deadline changes the engine would record.
        self.event(case, "submit", "submitted", submitted,
                   [_change(c, "started", self.wd(submitted, c["limit_days"]), started_on=submitted.isoformat())
                    for c in (acceptance, back) if c])
        if assignee:
            self.event(case, "assign", "submitted", submitted, [], assigned_to=assignee, previous=None)
        self.event(case, "accept", "fulfilment_check", start,
                   ([_change(acceptance, "met", met_on=start.isoformat())] if acceptance else [])
                   + [_change(main, "started", self.wd(start, limit), started_on=start.isoformat())])
        running = [c for c in (main, back) if c]
        if paused:
            supplied = self.wd(start, paused)
            for clock in running:
                self.suspensions.append({"deadline_id": clock["id"], "started_on": start, "ended_on": supplied,
                                         "workdays": paused, "reason": "补正材料", "actor": "bench"})
            self.event(case, "request_supplement", "awaiting_supplement", start,
                       [_change(c, "paused", self.wd(c["started_on"], c["limit_days"]), paused_on=start.isoformat())
                        for c in running], "补正材料")
            self.event(case, "supply", "fulfilment_check", supplied,
                       [_change(c, "resumed", self.wd(c["started_on"], c["limit_days"] + paused), paused_days=paused)
                        for c in running])
        if extended:
            day = self.wd(start, paused) if paused else start
            self.extensions.append({"deadline_id": main["id"], "days": extended, "reason": "案情复杂",
                                    "actor": "bench", "at": datetime.combine(day, datetime.min.time())})
            self.event(case, "extend", "fulfilment_check", day, [_change(main, "extended", days=extended)],
                       "案情复杂")
        if main["met_on"] is None:
            case["due"] = min(c["due"] for c in running)
            self.cases.append(case)
            return
        granted = rng.random() < 0.85
        self.event(case, "grant" if granted else "deny", "granted" if granted else "denied", main["met_on"],
                   [_change(c, "met", met_on=c["met_on"].isoformat()) for c in running])
        if granted:
            concluded = self.wd(main["met_on"], 1)
            if concluded <= self.today:
                sharing = self.clock(case_id, result, 3, concluded, steps=None if rng.random() < 0.03 else
                                     rng.choices((1, 2, 3, 4), (50, 30, 15, 5))[0])
                self.event(case, "seal", "concluded", concluded,
                           [_change(sharing, "started", started_on=concluded.isoformat())])
                if sharing["met_on"]:
                    self.event(case, "confirm_sync", "concluded", sharing["met_on"],
                               [_change(sharing, "met", met_on=sharing["met_on"].isoformat())])
                else:
                    case["due"] = sharing["due"]
                case["is_open"] = False
        else:
            case["is_open"] = False
        self.cases.append(case)


def _change(clock: dict, what: str, due: date | None = None, **extra) -> dict:
    """A deadline change as the engine writes it into the event payload (see repair.domain.clocks.change)."""
    return {"stage": clock["stage"], "change": what, "due": (due or clock["due"]).isoformat(),
            "provisional": False, **extra}

def _register_workflows(engine: Engine) -> dict[str, int]:
    """Store the current workflow files (as `repair init` does) so the integrity check knows their states."""
    registry = WorkflowRegistry(CHECKOUT / "workflows", CHECKOUT / "letters")
    rows = []
    for wf in registry.current.values():
        source = Path(wf.path).read_text(encoding="utf-8")
        rows.append({"name": wf.name, "version": wf.version, "source": source, "registered_at": datetime(2025, 1, 1),
                     "digest": hashlib.sha256(source.encode("utf-8")).hexdigest()})
    with engine.begin() as conn:
        conn.execute(insert(T["workflow_versions"]), rows)
    return {wf.name: wf.version for wf in registry.current.values()}


def generate(engine: Engine, *, cases: int, year: int, today: date, seed: int = 2025) -> dict:
    """Write the data set; returns counts of the rows written."""
    rng = random.Random(seed)
    calendar = WorkCalendar()
    weights = [d[3] for d in DEPARTMENTS]
    counts = dict.fromkeys(("cases", "deadlines", "case_events", "deadline_suspensions"), 0)
    with engine.begin() as conn:
        conn.execute(insert(T["departments"]), [{"code": c, "name": n, "channel": ch} for c, n, ch, _ in DEPARTMENTS])
    first = date(year, 1, 1)
    builder = Builder(calendar, today, rng)
    builder.versions = _register_workflows(engine)
    for start in range(1, cases + 1, CHUNK):
        builder.cases, builder.records, builder.deadlines, builder.events, builder.suspensions = [], [], [], [], []
        builder.extensions = []
        for case_id in range(start, min(start + CHUNK, cases + 1)):
            department = rng.choices(DEPARTMENTS, weights)[0]
            workflow = ("samr_penalty_repair" if rng.random() < 0.8 else "anomaly_list_removal") \
                if department[2] == "samr" else "penalty_repair"
            builder.add_case(case_id, department, workflow, first + timedelta(days=rng.randrange(365)))
        with engine.begin() as conn:
            for table, rows in (("records", builder.records), ("cases", builder.cases),
                                ("deadlines", builder.deadlines), ("case_events", builder.events),
                                ("deadline_suspensions", builder.suspensions),
                                ("deadline_extensions", builder.extensions)):
                if rows:
                    conn.execute(insert(T[table]), rows)
                if table in counts:
                    counts[table] += len(rows)
    return counts
