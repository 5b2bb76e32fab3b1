"""`repair case …` and `repair records list`."""

from __future__ import annotations

import click

from repair.cli.common import OneOf, UsccFilter, department_codes, echo_json, now, runtime
from repair.domain.workflow_load import RECORD_KINDS
from repair.errors import DomainError
from repair.readmodels.cases import case_detail, list_cases, list_records
from repair.services.cases.fulfilment_check import after_step
from repair.services.cases.verbs import fire as fire_trigger
from repair.services.cases.verbs import local_date
from repair.services.documents.issuing import produce
from repair.services.security.users import load_actor


@click.group("case")
def case() -> None:
    """信用修复案件 / repair cases."""


def _states():
    return {state for wf in runtime().workflows.current.values() for state in wf.states}


def _workflows():
    return set(runtime().workflows.current)


@case.command("list")
@click.option("--state", type=OneOf(_states, "状态 / state"))
@click.option("--workflow", type=OneOf(_workflows, "流程 / workflow"))
@click.option("--department", type=OneOf(department_codes, "部门 / department", fold=str.upper))
@click.option("--limit", type=click.IntRange(1, 500))
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--json", "as_json", is_flag=True)
def list_(state, workflow, department, limit, offset, as_json) -> None:
    """按截止日排列的案件 / cases ordered by due date."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        rows = list_cases(uow, state=state, workflow=workflow, department=department, limit=limit, offset=offset)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['case_no']:<18} {r['state']:<20} v{r['version']:<3} {r['workflow']:<28} "
                   f"{r['department']:<6} {r['uscc']} due {r['due'] or '—'}")


@case.command("show")
@click.argument("case_no")
@click.option("--json", "as_json", is_flag=True)
def show(case_no: str, as_json: bool) -> None:
    """案件详情：状态、历史、时限 / case detail: state, history, deadlines."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        detail = case_detail(rt, uow, case_no, today=local_date(now()))
    if as_json:
        echo_json(detail)
        return
    click.echo(f"{detail['case_no']}  {detail['workflow_title']}  {detail['state_title']}（{detail['state']}）"
               f"  v{detail['version']}  规则 {detail['regime']}")
    for e in detail["events"]:
        click.echo(f"  #{e['seq']} {e['at']} {e['actor']}: {e['trigger']} {e['from'] or '—'} → {e['to']}"
                   + (f"（{e['reason']}）" if e["reason"] else ""))
    for d in detail["deadlines"]:
        click.echo(f"  [{d['status']}] {d['title']} 截止 {d['due']}{' 暂估' if d['provisional'] else ''}"
                   f"{' 已于 ' + d['met_on'] + ' 完成' if d['met_on'] else ''}")
        click.echo(f"      {d['derivation']}")
    if detail["favourable_regime"]:
        click.echo(f"  注意：新规则 {detail['favourable_regime']['regime']} 对申请人更有利（从旧兼从轻）")


@case.command("fire")
@click.argument("case_no")
@click.argument("trigger")
@click.option("--actor", required=True, help="操作人用户名 / acting username")
@click.option("--reason", help="理由 / reason")
@click.option("--expect-version", type=int, help="仅当案件版本等于此值时执行 / optimistic check")
def fire(case_no: str, trigger: str, actor: str, reason: str | None, expect_version: int | None) -> None:
    """触发流程动作；不允许时退出码 3，并发冲突时 4 / fire a trigger (exit 3 refused, 4 conflict)."""
    rt = runtime()
    with rt.uow() as uow:
        who = load_actor(uow, actor)
        result = fire_trigger(rt, uow, case_no, trigger, actor=who, now=now(), reason=reason,
                              expected_version=expect_version)
    click.echo(f"{result.case_no}: {result.trigger} {result.from_state} → {result.to_state} (version {result.version})")
    checked = after_step(rt, result, now())
    if checked is not None:
        click.echo(f"  自动履行核查 / fulfilment check: {checked.state}" + "".join(f"；{m}" for m in checked.missing))
    for document_id in result.documents:
        try:
            document = produce(rt, document_id, now=now())
        except DomainError as error:  # the step stands; the letter waits for `repair letters resume`
            click.echo(f"  警告 / warning: 文书 #{document_id} 未能制作 / not produced: {error}", err=True)
            continue
        click.echo(f"  {document.title} {document.doc_no or ''} {document.status} sha256={document.sha256}")


@click.group("records")
def records() -> None:
    """失信信息记录 / published records."""


@records.command("list")
@click.option("--kind", type=click.Choice(RECORD_KINDS))
@click.option("--uscc", type=UsccFilter())
@click.option("--authority", type=OneOf(department_codes, "认定单位 / authority", fold=str.upper))
@click.option("--limit", type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True)
def records_list(kind, uscc, authority, limit, as_json) -> None:
    """列出记录 / list records."""
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        rows = list_records(uow, kind=kind, uscc=uscc, authority=authority, limit=limit)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['authority']:<6} {r['decision_no']:<28} {r['kind']:<24} {r['tier']:<8} {r['uscc']} "
                   f"{r['party']} {r['decided_on']} {r['status']}")
