"""Indexes for the audit figures (repair/services/audit/compliance.py), kept beside the models they serve.

- deadlines (case_id, stage, started_on, status, due, met_on, paused_days, unit, limit_days, days_used): the
  figures walk the cases of each (department, workflow) and read their clocks from this index alone; clocks
  restarted in the same case are found in its (case, stage) order without sorting;
- cases (department_code, workflow): that walk, and the department filter;
- deadlines (status, due): the overdue open clocks;
- case_events (trigger, at): the calendar drift report reads the rare `recompute_deadline` events.
"""

from sqlalchemy import Index

from repair.store.models import Case, CaseEvent, Deadline

Index("ix_deadlines_audit", Deadline.case_id, Deadline.stage, Deadline.started_on, Deadline.status, Deadline.due,
      Deadline.met_on, Deadline.paused_days, Deadline.unit, Deadline.limit_days, Deadline.days_used)
Index("ix_cases_department_workflow", Case.department_code, Case.workflow)
Index("ix_deadlines_status_due", Deadline.status, Deadline.due)
Index("ix_case_events_trigger_at", CaseEvent.trigger, CaseEvent.at)
