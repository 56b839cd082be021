"""How often a long loop says how far it is."""
from __future__ import annotations

import time
from typing import Callable


class Throttle:
    """True at most once every ``seconds``: a progress line per so many documents, but not more
    often than that. Each line is an event in the Dagster run's log (a database write, with the
    log handlers' work around it, in the loop's own thread): every 50th of 100,000 fetches and
    every 100th parse made 3,000 of them."""

    def __init__(self, seconds: float = 2.0, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self.last: float | None = None

    def __call__(self) -> bool:
        now = self.clock()
        if self.last is not None and now - self.last < self.seconds:
            return False
        self.last = now
        return True
