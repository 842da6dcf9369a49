"""Time spent inside task bodies, per stage: what a benchmark sets against a run's wall time.

A timed body emits one DEBUG record on the `nyhetsflyt.stage_time` logger, carrying the stage,
the items it handled and its seconds. Nothing listens unless a benchmark attaches a handler, and
then the cost is a clock read; time outside these bodies is orchestration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGE_TIME_LOGGER = "nyhetsflyt.stage_time"
_log = logging.getLogger(STAGE_TIME_LOGGER)


@contextmanager
def stage_time(stage: str, items: int) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        record_stage_time(stage, items, time.perf_counter() - started)


def record_stage_time(stage: str, items: int, seconds: float) -> None:
    """A time measured inside a stage's body; a name with a dot (`load.stories`) is part of another's."""
    if _log.isEnabledFor(logging.DEBUG):
        _log.debug("%s: %d items in %.3f s", stage, items, seconds,
                   extra={"stage": stage, "items": items, "seconds": seconds})
