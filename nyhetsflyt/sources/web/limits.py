"""Per-host politeness shared by every worker through Prefect global concurrency limits.

One rate limit per host (`nyhetsflyt-host:<host>`, created on first use, one request start per
`min_interval_s`) and one cap on requests in flight (`nyhetsflyt-host-slots:<host>`). Without a
Prefect API, or when it does not answer, the in-process IntervalHostLimiter keeps the same pace
within the process, and the shared limit is tried again after `retry_shared_after_s`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.logging import get_logger

from nyhetsflyt.sources.web.fetch import IntervalHostLimiter

HOST_LIMIT_PREFIX = "nyhetsflyt-host:"  # the pace: one request start per interval
HOST_SLOTS_PREFIX = "nyhetsflyt-host-slots:"  # the cap: requests in flight at once
_BANNED_IN_NAMES = str.maketrans({c: "_" for c in "/%&><"})  # Prefect refuses these in names


def prefect_api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def host_limit_name(host: str) -> str:
    return HOST_LIMIT_PREFIX + host.translate(_BANNED_IN_NAMES)


def host_slots_name(host: str) -> str:
    return HOST_SLOTS_PREFIX + host.translate(_BANNED_IN_NAMES)


class PrefectHostLimiter:
    """A Prefect rate limit per host, so every worker keeps to the same pace for that host.

    The limit holds one slot that decays in `min_interval_s`: one request may start per
    interval, whichever worker makes it. A limit is created (or its pace updated) the first
    time this process needs it. If the Prefect API fails, the in-process limiter takes over
    for that host, so an API outage slows nothing down and breaks no fetch.
    """

    def __init__(self, min_interval_s: float, acquire_timeout_s: float = 120.0, max_in_flight: int = 2,
                 retry_shared_after_s: float = 60.0):
        if min_interval_s <= 0:
            raise ValueError("a shared rate limit needs a positive interval")
        self.min_interval_s = min_interval_s
        self.max_in_flight = max_in_flight
        self.acquire_timeout_s = max(acquire_timeout_s, 10 * min_interval_s)
        self.fallback = IntervalHostLimiter(min_interval_s, max_in_flight=max_in_flight)
        self._ready: set[str] = set()
        self.retry_shared_after_s = retry_shared_after_s
        self._broken_until: dict[str, float] = {}  # limit name -> when to try the API again
        self._lock = threading.Lock()
        self._log = get_logger("nyhetsflyt.fetch")

    @property
    def fallen_back(self) -> set[str]:
        """The limits now kept in this process only, because the Prefect API failed."""
        now = time.monotonic()
        return {name for name, until in self._broken_until.items() if until > now}

    def _shared(self, name: str) -> bool:
        """Whether to use the shared limit: yes, unless it failed less than a while ago."""
        return time.monotonic() >= self._broken_until.get(name, 0.0)

    def _fall_back(self, name: str) -> None:
        # A busy or restarting API should not split the pace for good: try it again later.
        self._broken_until[name] = time.monotonic() + self.retry_shared_after_s
        self._ready.discard(name)

    def _ensure(self, name: str, limit: int = 1, decay: bool = True) -> None:
        from prefect.client.orchestration import get_client
        from prefect.exceptions import ObjectAlreadyExists

        with self._lock:
            if name in self._ready:
                return
            with get_client(sync_client=True) as client:
                try:
                    client.upsert_global_concurrency_limit_by_name(
                        name, limit=limit,
                        slot_decay_per_second=1.0 / self.min_interval_s if decay else None)
                except ObjectAlreadyExists:
                    pass  # another worker created it a moment ago
            self._ready.add(name)

    def acquire(self, host: str) -> None:
        from prefect.concurrency.sync import rate_limit

        name = host_limit_name(host)
        if self._shared(name):
            try:
                self._ensure(name)
                rate_limit(name, occupy=1, timeout_seconds=self.acquire_timeout_s, strict=True)
                return
            except Exception as error:  # the API is away or refuses: keep the pace locally
                self._fall_back(name)
                self._log.warning("Shared rate limit %s unavailable (%s); pacing %s in this "
                                  "process only", name, error, host)
        self.fallback.acquire(host)

    @contextmanager
    def hold(self, host: str) -> Iterator[None]:
        from prefect.concurrency.sync import concurrency

        name = host_slots_name(host)
        if self._shared(name):
            try:
                self._ensure(name, limit=self.max_in_flight, decay=False)
                slot = concurrency(name, occupy=1, timeout_seconds=self.acquire_timeout_s, strict=True)
                slot.__enter__()
            except Exception as error:  # the API is away or refuses: cap locally
                self._fall_back(name)
                self._log.warning("Shared concurrency limit %s unavailable (%s); capping %s in "
                                  "this process only", name, error, host)
            else:
                try:
                    yield
                finally:
                    slot.__exit__(None, None, None)
                return
        with self.fallback.hold(host):
            yield

