"""Worker processes with a per-task time limit.

Each worker (spawned, so JAX's threads are never forked) generates the
program for a seed, checks it at each precision, and optionally minimizes
a failure. Inside the worker SIGALRM bounds each check; the parent kills a
worker that exceeds the hard limit (a hang inside native code) and
records a timeout. A worker whose resident memory has grown past
`WORKER_RSS_LIMIT` (JAX and coremltools keep caches: a worker reached 3.9
GB after 250 seeds) is replaced by a fresh one between tasks. SIGTERM
stops the workers too.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from multiprocessing.connection import wait

from .runner import Result


# Resident memory (bytes) past which a worker is replaced between tasks.
WORKER_RSS_LIMIT = 2 * 2**30


def rss_bytes(pid: int) -> int | None:
    """Resident set size of process `pid` (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class CheckTimeout(BaseException):
    """Raised by SIGALRM; a BaseException so that the runner's `except
    Exception` (which classifies JAX and compile failures) cannot swallow it."""


def _alarm(signum, frame):
    raise CheckTimeout()


def _quiet():
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("coremltools").setLevel(logging.ERROR)
    from hlo_coreml.coreml import coremltools

    coremltools()


def run_task(task: dict) -> list:
    """Results (as dicts) of one task: {'seed', 'precisions', 'timeout',
    'minimize', 'families'}."""
    from .generator import generate
    from .minimize import minimize
    from .runner import check

    seed = task["seed"]
    program = generate(seed, families=task.get("families"))
    out = []
    for precision in task["precisions"]:
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(task["timeout"]))
        try:
            result = check(program, precision)
        except CheckTimeout:
            result = Result(seed, precision, "timeout", key=f"timeout > {task['timeout']} s",
                            families=program.families(), ops=program.ops_used(), n_ops=len(program.ops))
        finally:
            signal.alarm(0)
        if result.cls in ("crash", "mismatch", "timeout", "invalid"):
            result.repro = program.to_repro(precision=precision)
            if task.get("minimize") and result.cls in ("crash", "mismatch"):
                def bounded(p, prec):
                    signal.alarm(int(task["timeout"]))
                    try:
                        return check(p, prec)
                    except CheckTimeout:
                        return Result(p.seed, prec, "timeout")
                    finally:
                        signal.alarm(0)

                small = minimize(program, precision, result, deadline_s=task.get("minimize_s", 240), checker=bounded)
                result.repro = small.to_repro(precision=precision)
        out.append(result.to_json())
    return out


def _worker(conn):
    _quiet()
    while True:
        task = conn.recv()
        if task is None:
            return
        try:
            conn.send(run_task(task))
        except Exception as e:  # noqa: BLE001 - report harness failures instead of dying
            conn.send([Result(task["seed"], p, "invalid", key=f"harness {type(e).__name__}: {e}"[:200]).to_json()
                       for p in task["precisions"]])


class Pool:
    def __init__(self, jobs: int, rss_limit: int = WORKER_RSS_LIMIT):
        self.ctx = mp.get_context("spawn")
        self.jobs = max(1, jobs)
        self.rss_limit = rss_limit

    def _start(self):
        parent, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(child,), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def run(self, tasks: list, hard_limit, on_result=None) -> list:
        """Run `tasks`; `hard_limit(task)` seconds before a worker is killed.
        Returns every result dict, calling `on_result(dict)` as they come."""
        pending = list(tasks)[::-1]
        workers = [self._start() for _ in range(min(self.jobs, len(pending)) or 1)]
        busy: dict = {}  # conn -> (task, started, proc)
        results = []
        previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None

        def emit(items):
            for item in items:
                results.append(item)
                if on_result:
                    on_result(item)

        try:
            while pending or busy:
                for proc, conn in list(workers):
                    if conn not in busy and pending:
                        task = pending.pop()
                        conn.send(task)
                        busy[conn] = (task, time.monotonic(), proc)
                ready = wait(list(busy), timeout=1.0)
                for conn in ready:
                    task, _, proc = busy.pop(conn)
                    try:
                        emit(conn.recv())
                    except EOFError:  # the worker died (e.g. a native crash)
                        emit([Result(task["seed"], p, "crash", key="worker process died").to_json() for p in task["precisions"]])
                        workers = self._replace(workers, conn)
                        continue
                    if pending and (rss_bytes(proc.pid) or 0) > self.rss_limit:
                        workers = self._replace(workers, conn, graceful=True)
                now = time.monotonic()
                for conn, (task, started, proc) in list(busy.items()):
                    if now - started > hard_limit(task):
                        busy.pop(conn)
                        emit([Result(task["seed"], p, "timeout", key="killed after the hard time limit").to_json()
                              for p in task["precisions"]])
                        workers = self._replace(workers, conn)
        finally:
            for proc, conn in workers:
                try:
                    conn.send(None)
                except (BrokenPipeError, OSError):
                    pass
            for proc, _ in workers:
                proc.join(timeout=5)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return results

    def _replace(self, workers, conn, graceful: bool = False):
        """A fresh worker in place of the one at `conn` (killed, or asked to
        stop if `graceful`: it is idle)."""
        out = []
        for proc, c in workers:
            if c is conn:
                if graceful:
                    try:
                        conn.send(None)
                    except (BrokenPipeError, OSError):
                        pass
                    proc.join(timeout=10)
                if proc.is_alive():
                    proc.kill()
                proc.join()
                out.append(self._start())
            else:
                out.append((proc, c))
        return out


def _terminate(signum, frame):
    # SIGTERM: unwind through Pool.run's `finally`, which stops the workers.
    raise SystemExit(128 + signum)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
