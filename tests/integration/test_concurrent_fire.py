"""Several processes fire the same trigger on the same case at once: exactly one wins, one event is written."""

import multiprocessing
import subprocess

from sqlalchemy import func, select

from repair.store.models import CaseEvent
from tests.conftest import at

WORKERS = 6


def _fire_in_process(settings, case_no, barrier, results):
    # Each process builds its own runtime (engine, pool), as separate CLI or web processes would.
    from repair.domain.actors import Actor
    from repair.errors import ConcurrencyConflict, TransitionRefused
    from repair.services.cases.verbs import fire
    from repair.services.setup.runtime import Runtime

    runtime = Runtime(settings)
    officer = Actor("fgw_officer", "officer", department="FGW")
    barrier.wait(timeout=60)
    try:
        with runtime.uow() as uow:
            fire(runtime, uow, case_no, "accept", actor=officer, now=at("2026-11-03"))
        results.put("ok")
    except TransitionRefused:
        results.put("refused")
    except ConcurrencyConflict:
        results.put("conflict")
    finally:
        runtime.dispose()


def count_accepts(runtime, case_no):
    from repair.store.models import Case

    with runtime.uow(read_only=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(CaseEvent).join(Case)
                                  .where(Case.case_no == case_no, CaseEvent.trigger == "accept"))


def test_parallel_processes_one_success_one_event(world, make_case, settings):
    case_no = make_case(when=at("2026-11-02"))
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WORKERS), context.Queue()
    processes = [context.Process(target=_fire_in_process, args=(settings, case_no, barrier, results))
                 for _ in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in range(WORKERS))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "refused", "conflict"}
    assert count_accepts(world, case_no) == 1


def test_parallel_cli_invocations_exit_0_once_and_3_or_4_otherwise(world, make_case, cli_env):
    case_no = make_case(when=at("2026-11-02"))
    command = [".venv/bin/repair", "case", "fire", case_no, "accept", "--actor", "fgw_officer"]
    running = [subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    messages = [p.communicate(timeout=120)[1] for p in running]
    codes = sorted(p.returncode for p in running)
    assert codes[0] == 0 and codes.count(0) == 1, (codes, messages)
    assert set(codes[1:]) <= {3, 4}
    assert all("Traceback" not in m for m in messages)
    assert count_accepts(world, case_no) == 1
