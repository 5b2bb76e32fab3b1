"""Batch 两书同达: both cores, resumable after a hard interruption, never a duplicate."""

import os
import signal
import subprocess
import time

from sqlalchemy import func, select

from repair.store.document_models import Delivery, Document

COUNT = 8


def counts(runtime):
    with runtime.uow(read_only=True) as uow:
        deliveries = uow.session.scalar(select(func.count()).select_from(Delivery))
        sealed = uow.session.scalar(select(func.count()).select_from(Document).where(Document.status == "sealed"))
        numbers = list(uow.session.scalars(select(Document.doc_no).where(Document.kind == "rights_notice")))
    return deliveries, sealed, numbers


def test_batch_survives_a_kill_and_completes_without_duplicates(sealing, make_record, cli_env, tmp_path):
    numbers = [f"沪浦发改罚〔2026〕{i}号" for i in range(1, COUNT + 1)]
    for number in numbers:
        make_record(decision_no=number)
    listing = tmp_path / "decisions.txt"
    listing.write_text("\n".join(numbers + numbers[:2]) + "\n", encoding="utf-8")  # duplicates in the input
    command = [".venv/bin/repair", "letters", "paired", "--batch", str(listing), "--actor", "fgw_officer"]
    first = subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while counts(sealing)[0] < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)  # the whole process group: the batch and its workers
    first.communicate(timeout=30)
    interrupted = counts(sealing)
    assert 2 <= interrupted[0] < COUNT or interrupted[1] < 2 * COUNT
    second = subprocess.run(command + ["--json"], env=cli_env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    deliveries, sealed, notice_numbers = counts(sealing)
    assert (deliveries, sealed) == (COUNT, 2 * COUNT)
    assert sorted(notice_numbers, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"FGW信告〔2026〕{n}号" for n in range(1, COUNT + 1)]
