"""`repair letters …`: 两书同达 paired delivery, documents, corrections."""

from __future__ import annotations

import json
from pathlib import Path

import click

from repair.cli.common import OutDir, OutFile, echo_json, now, read_text_file, runtime
from repair.errors import ValidationError
from repair.services.security.users import load_actor


@click.group("letters")
def letters() -> None:
    """文书与两书同达 / documents and paired delivery."""


FORMAT_CHOICES = {"pdf": ("pdf",), "ofd": ("ofd",), "both": ("pdf", "ofd")}


def _formats(rt, choice: str | None) -> tuple[str, ...]:
    """--format, else REPAIR_DOCUMENT_FORMATS (pdf unless set)."""
    return FORMAT_CHOICES[choice] if choice else rt.settings.document_formats


@letters.command("paired")
@click.argument("decision_no", required=False)
@click.option("--authority", help="部门代码（文号重复时）/ department code when decision numbers clash")
@click.option("--format", "fmt", type=click.Choice(list(FORMAT_CHOICES)), default=None,
              help="文书格式：pdf、ofd（SM2 电子印章）或 both；默认取 REPAIR_DOCUMENT_FORMATS（未设置为 pdf）"
                   " / pdf, ofd (SM2-sealed) or both; default REPAIR_DOCUMENT_FORMATS, pdf unless set")
@click.option("--out", "out_dir", type=OutDir(), help="把两书（所选格式）写入此目录 / write both documents here")
@click.option("--batch", type=click.Path(dir_okay=False, allow_dash=True), help="每行一个文号的文件，- 为标准输入")
@click.option("--workers", type=click.IntRange(1, 8), default=2, show_default=True, help="批量时的进程数")
@click.option("--actor", default="system", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def paired(decision_no, authority, fmt, out_dir, batch, workers, actor, as_json) -> None:
    """制作并签章两书（行政处罚决定书 + 信用修复权益告知书）/ prepare and seal a paired delivery."""
    rt = runtime()
    formats = _formats(rt, fmt)
    with rt.uow(read_only=True) as uow:
        who = load_actor(uow, actor)
    if batch is not None:
        if decision_no:
            raise ValidationError("--batch 与 DECISION_NO 不能同时使用 / use either --batch or DECISION_NO")
        from repair.services.documents.batch import prepare_batch

        numbers = [line.strip() for line in read_text_file(batch).splitlines()
                   if line.strip() and not line.startswith("#")]
        summary = prepare_batch(rt, numbers, actor=who, workers=workers, out_dir=out_dir, formats=formats,
                                progress=click.get_text_stream("stderr").isatty())
        click.echo(json.dumps(summary, ensure_ascii=False) if as_json else
                   f"完成 {summary['done']} 份，已存在跳过 {summary['skipped']} 份，失败 {len(summary['failed'])} 份 / "
                   f"{summary['done']} prepared, {summary['skipped']} already done, {len(summary['failed'])} failed")
        for number, error in summary["failed"].items():
            click.echo(f"  {number}: {error}", err=True)
        if summary["failed"]:
            raise SystemExit(1)
        return
    if not decision_no:
        raise ValidationError("需要 DECISION_NO 或 --batch / DECISION_NO or --batch is required")
    from repair.services.documents.deliveries import prepare, write_files

    delivery = prepare(rt, decision_no=decision_no, actor=who, now=now(), authority=authority, formats=formats)
    written = write_files(rt, delivery, out_dir, formats) if out_dir else []
    if as_json:
        echo_json({**delivery.__dict__, "formats": list(formats), "files": [str(p) for p in written]})
        return
    click.echo(f"{delivery.decision_no}: {delivery.case_no} {delivery.state}")
    for kind, info in delivery.documents.items():
        ofd = f" ofd_sha256={info['ofd_sha256']}" if "ofd" in formats and info["ofd_sha256"] else ""
        click.echo(f"  {kind}: {info['doc_no']} v{info['version']} {info['status']} sha256={info['sha256']}{ofd}")
    for path in written:
        click.echo(f"  → {path}")


@letters.command("serve")
@click.argument("decision_no")
@click.option("--method", type=click.Choice(["on_spot", "postal", "electronic", "acknowledge"]), required=True)
@click.option("--absent", is_flag=True, help="当事人不在场（开始 7 个工作日送达时限）")
@click.option("--consent", is_flag=True, help="当事人已同意电子送达")
@click.option("--authority")
@click.option("--actor", required=True)
def serve_cmd(decision_no, method, absent, consent, authority, actor) -> None:
    """送达两书 / serve both documents."""
    from repair.services.documents.deliveries import serve

    rt = runtime()
    with rt.uow(read_only=True) as uow:
        who = load_actor(uow, actor)
    delivery = serve(rt, decision_no=decision_no, method=method, actor=who, now=now(), authority=authority,
                     party_absent=absent, electronic_consent=consent)
    click.echo(f"{delivery.decision_no}: {delivery.state}" + (f"（送达期限 {delivery.due}）" if delivery.due else ""))


@letters.command("list")
@click.option("--case", "case_no")
@click.option("--json", "as_json", is_flag=True)
def list_(case_no, as_json) -> None:
    """列出文书（全部版本）/ list documents, every version."""
    from repair.readmodels.documents import list_documents

    rt = runtime()
    with rt.uow(read_only=True) as uow:
        rows = list_documents(uow, case_no=case_no)
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"#{r['id']:<5} {r['kind']:<18} {r['doc_no'] or '—':<26} v{r['version']} {r['status']:<9} "
                   f"{r['sha256'] or ''}{' +ofd' if r['ofd_sha256'] else ''}")


@letters.command("get")
@click.argument("document_id", type=int)
@click.option("--out", type=OutFile(), required=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "ofd"]), default=None,
              help="pdf 或 ofd（默认按 --out 的扩展名，否则 pdf）/ pdf or ofd (default: from --out's suffix, else pdf)")
def get(document_id: int, out: Path, fmt: str | None) -> None:
    """导出文书 PDF 或 OFD / write a stored document to a file."""
    from repair.services.documents.issuing import document_file

    fmt = fmt or ("ofd" if out.suffix.lower() == ".ofd" else "pdf")
    document, data = document_file(runtime(), document_id, fmt)
    out.write_bytes(data)
    click.echo(f"{document.title} {document.doc_no or ''} v{document.version} → {out}")


@letters.command("correct")
@click.argument("document_id", type=int)
@click.option("--set", "assignments", multiple=True, help="字段=JSON值，例如 facts='[\"…\"]'")
@click.option("--reason", required=True)
@click.option("--actor", required=True)
def correct(document_id: int, assignments: tuple[str, ...], reason: str, actor: str) -> None:
    """更正文书：生成新版本并保留旧版本 / issue a corrected version."""
    from repair.services.documents.issuing import correct_document

    changes = {}
    for item in assignments:
        key, _, raw = item.partition("=")
        try:
            changes[key] = json.loads(raw)
        except json.JSONDecodeError:
            changes[key] = raw
    rt = runtime()
    with rt.uow(read_only=True) as uow:
        load_actor(uow, actor)
    document = correct_document(rt, document_id, changes=changes, reason=reason, actor=actor, now=now())
    click.echo(f"新版本 / new version: #{document.id} {document.doc_no or ''} v{document.version} {document.sha256}")


@letters.command("resume")
def resume() -> None:
    """完成因中断而未制作的文书 / finish documents an interruption left reserved."""
    from repair.services.documents.issuing import produce_pending

    done = produce_pending(runtime(), now=now())
    click.echo(f"已完成 {len(done)} 份 / {len(done)} documents produced")
