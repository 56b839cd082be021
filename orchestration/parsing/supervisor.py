"""Parsing under supervision: every document is parsed in a worker process that the parent kills
when it runs past the document's time budget or past the memory cap.

A parser can spend minutes inside pdfminer or lxml on one hostile or pathological document (a
1.4 MB ruled PDF took 174 s, a bomb of nested elements takes gigabytes), and no Python-level
timeout interrupts C code. So the budget is enforced from outside: the parent watches each
worker's elapsed time and resident memory, kills it past either bound, reports that document as
``timeout`` or ``memory`` (it goes to quarantine; its bytes stay stored) and starts a fresh
worker for the rest of the batch.

Workers come from a fork server that has imported the parser once, so starting one (and
replacing a killed one) costs milliseconds, and no lock held by one of Dagster's threads is
copied into them. Each worker parses one document at a time, but holds the next one or two in
its pipe (``IN_FLIGHT``): while the parent writes a chunk to the warehouse, or reads another
worker's result, the workers go on with the documents they already have instead of waiting to
be handed one. The budget of a queued document starts when its worker starts it; when a worker
is stopped, the documents queued behind the one it was stopped on go back to the others.
"""
from __future__ import annotations

import multiprocessing
import os
import re
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Callable, Iterator

# The budget of one document (shared limits of the project): 60 s, plus 5 s per page, plus 15 s
# per page that needs OCR (an image, or a PDF page without a text layer).
BUDGET_BASE_SECONDS = 60.0
BUDGET_PER_PAGE_SECONDS = 5.0
BUDGET_PER_OCR_PAGE_SECONDS = 15.0
# Resident memory one worker may hold (not RLIMIT_AS: an address-space limit breaks onnxruntime
# and LibreOffice, which reserve far more than they use).
MEMORY_CAP_BYTES = int(float(os.environ.get("DISCLOSURE_PARSE_MEMORY_CAP_GB", "1.5")) * 1024 ** 3)
POLL_SECONDS = 0.2
# How often the workers' resident memory is read (/proc): reading it at every result, twice a
# document, was 6 % of the parent's CPU in a parse batch; a worker growing past the cap is still
# stopped within a twentieth of a second.
MEMORY_CHECK_SECONDS = 0.05
# Documents handed to a worker ahead of the one it parses (with that one): 1 is the old
# one-at-a-time hand-over, which left both workers idle while the parent wrote a chunk.
IN_FLIGHT = 3

_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*", b"BM")


def budget_seconds(data: bytes) -> float:
    """How long one document may take, from what its bytes say of its size in pages."""
    if data.startswith(_IMAGE_MAGIC):
        return BUDGET_BASE_SECONDS + BUDGET_PER_PAGE_SECONDS + BUDGET_PER_OCR_PAGE_SECONDS
    if data[:1024].lstrip().startswith(b"%PDF"):
        pages = max(1, len(_PDF_PAGE.findall(data)))
        # A PDF without fonts is image-only: every page will need OCR.
        ocr = pages if b"/Font" not in data else 0
        return BUDGET_BASE_SECONDS + BUDGET_PER_PAGE_SECONDS * pages + BUDGET_PER_OCR_PAGE_SECONDS * ocr
    return BUDGET_BASE_SECONDS + BUDGET_PER_PAGE_SECONDS


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):   # not Linux, or the process is gone
        return 0


@dataclass
class _Worker:
    process: multiprocessing.Process
    conn: object
    queued: deque = field(default_factory=deque)   # sent, not done; the first is being parsed
    deadline: float | None = None                  # of the first
    budget: float | None = None

    @property
    def task(self) -> tuple | None:
        """The task being parsed (None when idle)."""
        return self.queued[0] if self.queued else None


def _serve(conn, parse_one: Callable) -> None:
    """A worker's loop: a task in, ("started", budget) and ("done", result) out."""
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        conn.send(("done", parse_one(task, lambda budget: conn.send(("started", budget)))))


class Supervisor:
    """Runs ``parse_one(task, started)`` for each task in ``workers`` supervised processes.
    ``parse_one`` must be a module-level function (it is sent to the workers by reference); it
    calls ``started(budget_seconds)`` once it knows the document's budget, and returns
    ``(key, result)``. ``failed(task, code, message)`` makes the result of a task whose worker
    was killed or died. ``budget_scale`` shrinks or stretches every budget (tests, slow machines)."""

    def __init__(self, parse_one: Callable, failed: Callable, workers: int,
                 memory_cap: int = MEMORY_CAP_BYTES, default_budget: float = BUDGET_BASE_SECONDS,
                 budget_scale: float = 1.0, in_flight: int = IN_FLIGHT):
        self.parse_one, self.failed, self.budget_scale = parse_one, failed, budget_scale
        self.in_flight = max(1, in_flight)
        self.size, self.memory_cap, self.default_budget = max(1, workers), memory_cap, default_budget
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["orchestration.parsing"])
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_serve, args=(child, self.parse_one), daemon=True,
                                       name="parse-worker")
        process.start()
        child.close()
        return _Worker(process, parent)

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def run(self, tasks: list[tuple]) -> Iterator[tuple]:
        """Results as they finish (not in task order)."""
        self.todo = todo = deque(tasks)
        self.workers = [self._start() for _ in range(min(self.size, len(todo)) or 1)]
        memory_due = 0.0
        try:
            while todo or any(w.queued for w in self.workers):
                for i, worker in enumerate(self.workers):
                    while len(worker.queued) < self.in_flight and todo:
                        task = todo.popleft()
                        if not worker.queued:
                            self._starts(worker)
                        worker.queued.append(task)
                        try:
                            worker.conn.send(task)
                        except OSError:   # the worker died since its last result (BrokenPipeError)
                            worker.queued.pop()
                            todo.appendleft(task)
                            if not worker.queued:   # idle: nothing of its own to report, replace it
                                self._kill(worker)
                                self.workers[i] = self._start()
                            break   # else its death is read with its results, below
                busy = [w for w in self.workers if w.queued]
                ready = wait([w.conn for w in busy], timeout=POLL_SECONDS)
                for worker in busy:
                    if worker.conn in ready:
                        yield from self._receive(worker)
                now = time.monotonic()
                check_memory = self.memory_cap and now >= memory_due
                if check_memory:
                    memory_due = now + MEMORY_CHECK_SECONDS
                for i, worker in enumerate(self.workers):
                    if worker.task is None:
                        continue
                    # Memory first: a document past both bounds is named by the cause (a worker
                    # filling memory is slowed by it, and on a loaded machine past its time too).
                    if check_memory and _rss_bytes(worker.process.pid) > self.memory_cap:
                        yield self._replace(i, "memory", f"parsing needed more than "
                                                         f"{self.memory_cap / 1024 ** 3:.1f} GB of memory; "
                                                         "the worker was stopped")
                    elif now > worker.deadline:
                        yield self._replace(i, "timeout", f"parsing took longer than its budget of "
                                                          f"{worker.budget:.0f} s; the worker was stopped")
        finally:
            for worker in self.workers:
                if not worker.queued and worker.process.is_alive():
                    try:
                        worker.conn.send(None)
                    except OSError:
                        pass
                    worker.process.join(2)
                if worker.process.is_alive():
                    self._kill(worker)

    def _starts(self, worker: _Worker) -> None:
        """The worker starts its first queued task now: the default budget until it says its own."""
        worker.budget = self.default_budget * self.budget_scale
        worker.deadline = time.monotonic() + worker.budget

    def _receive(self, worker: _Worker) -> Iterator[tuple]:
        try:
            while worker.queued and worker.conn.poll():
                kind, payload = worker.conn.recv()
                if kind == "started":
                    worker.budget = max(float(payload) * self.budget_scale, 0.5)
                    worker.deadline = time.monotonic() + worker.budget
                else:
                    worker.queued.popleft()
                    if worker.queued:       # it goes straight on with the next
                        self._starts(worker)
                    yield payload
        except (EOFError, OSError):   # the worker died (a crash in C code, killed from outside)
            index = self.workers.index(worker)
            worker.process.join(1)
            code = worker.process.exitcode
            yield self._replace(index, "parser_error", f"the parse worker died (exit code {code})")

    def _replace(self, index: int, code: str, message: str) -> tuple:
        """Stop the worker on its current task (that task's result says why), give the tasks
        queued behind it back to the others, and start a fresh worker in its place."""
        worker = self.workers[index]
        task = worker.queued.popleft()
        self.todo.extendleft(reversed(worker.queued))
        worker.queued.clear()
        self._kill(worker)
        self.workers[index] = self._start()
        return self.failed(task, code, message)
