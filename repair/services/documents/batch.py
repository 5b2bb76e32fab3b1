"""Paired delivery for many records at once: both cores, a progress bar, resumable without duplicates."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from tqdm import tqdm

from repair.domain.actors import Actor
from repair.errors import DomainError
from repair.services.setup.runtime import Runtime, local_now

_worker: dict = {}


def _init_worker(settings, actor: Actor, out_dir: Path | None, formats: tuple[str, ...] | None = None) -> None:
    _worker.update(runtime=Runtime(settings), actor=actor, out_dir=out_dir, formats=formats)


def _prepare_one(decision_no: str) -> tuple[str, str, str | None]:
    from repair.services.documents.deliveries import prepare, write_files

    runtime, formats = _worker["runtime"], _worker["formats"]
    try:
        already = _is_done(runtime, decision_no, formats or runtime.settings.document_formats)
        delivery = prepare(runtime, decision_no=decision_no, actor=_worker["actor"], now=local_now(), formats=formats)
        if _worker["out_dir"] is not None:
            write_files(runtime, delivery, _worker["out_dir"], formats or runtime.settings.document_formats)
        return decision_no, "skipped" if already else "done", None
    except DomainError as error:
        return decision_no, "failed", str(error)


def _is_done(runtime, decision_no: str, formats: tuple[str, ...]) -> bool:
    from repair.services.documents.deliveries import view

    try:
        delivery = view(runtime, decision_no)
    except DomainError:
        return False
    return len(delivery.documents) == 2 and all(
        info["status"] == "sealed" and ("ofd" not in formats or info["ofd_sha256"] is not None)
        for info in delivery.documents.values())


def prepare_batch(runtime, decision_numbers: list[str], *, actor: Actor, workers: int = 2,
                  out_dir: Path | None = None, progress: bool = True, formats: tuple[str, ...] | None = None) -> dict:
    """Prepare every listed delivery in `formats` (default REPAIR_DOCUMENT_FORMATS); a rerun skips finished
    ones and resumes interrupted ones."""
    numbers = list(dict.fromkeys(decision_numbers))  # a number listed twice is done once
    summary = {"done": 0, "skipped": 0, "failed": {}}
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker,
                      initargs=(runtime.settings, actor, out_dir, formats)) as pool, \
            tqdm(total=len(numbers), disable=not progress, unit="份", desc="两书同达") as bar:
        for number, outcome, error in pool.imap_unordered(_prepare_one, numbers):
            if outcome == "failed":
                summary["failed"][number] = error
            else:
                summary[outcome] += 1
            bar.update()
    return summary


def _produce_one(document_id: int) -> int:
    from repair.services.documents.issuing import produce

    produce(_worker["runtime"], document_id, now=local_now())
    return document_id


def produce_all_pending(runtime, *, workers: int = 2, progress: bool = True) -> int:
    """Render and seal every reserved document on `workers` processes; returns how many."""
    from sqlalchemy import select

    from repair.store.document_models import Document

    with runtime.uow(read_only=True) as uow:
        ids = list(uow.session.scalars(select(Document.id).where(Document.status == "reserved")
                                       .order_by(Document.id)))
    if not ids:
        return 0
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(runtime.settings, None, None)) as pool, \
            tqdm(total=len(ids), disable=not progress, unit="份", desc="制作文书") as bar:
        for _ in pool.imap_unordered(_produce_one, ids):
            bar.update()
    return len(ids)
