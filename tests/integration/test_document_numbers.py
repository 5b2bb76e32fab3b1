"""Document numbers: per department and year, no gaps, no duplicates, also with parallel processes."""

import multiprocessing

from sqlalchemy import select

from repair.store.document_models import Document
from tests.conftest import at

WORKERS, PER_WORKER = 4, 5


def _accept_cases(settings, case_nos, barrier, results):
    from repair.domain.actors import Actor
    from repair.services.cases.verbs import fire
    from repair.services.setup.runtime import Runtime

    runtime = Runtime(settings)
    officer = Actor("fgw_officer", "officer", department="FGW")
    barrier.wait(timeout=60)
    for case_no in case_nos:
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, "accept", actor=officer, now=at("2026-11-03"))
    results.put(len(case_nos))
    runtime.dispose()


def test_parallel_acceptances_number_their_notices_without_gaps(world, make_case, settings):
    case_nos = [make_case(when=at("2026-11-02")) for _ in range(WORKERS * PER_WORKER)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [context.Process(target=_accept_cases,
                                 args=(settings, case_nos[i::WORKERS], barrier, results)) for i in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=180)
        assert process.exitcode == 0
    assert sum(results.get(timeout=5) for _ in range(WORKERS)) == WORKERS * PER_WORKER
    with world.uow(read_only=True) as uow:
        numbers = list(uow.session.scalars(select(Document.doc_no).where(Document.kind == "acceptance_notice")))
    assert sorted(numbers, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"FGW信受〔2026〕{n}号" for n in range(1, WORKERS * PER_WORKER + 1)]


def test_numbers_restart_each_year(world, make_case, fire):
    old = make_case(when=at("2026-12-28"))
    new = make_case(when=at("2026-12-28"))
    first = fire(old, "accept", "fgw_officer", at("2026-12-30"))
    second = fire(new, "accept", "fgw_officer", at("2027-01-04"))
    with world.uow(read_only=True) as uow:
        numbers = [uow.session.get(Document, r.documents[0]).doc_no for r in (first, second)]
    assert numbers == ["FGW信受〔2026〕1号", "FGW信受〔2027〕1号"]
