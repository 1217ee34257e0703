"""Sending limits: per minute, per rolling day, and per recipient domain per minute.

Providers count recipients, so each envelope recipient counts once. The limiter starts from
the journal's ``sends`` log of the last 24 hours, so limits hold across runs (a second run
on the same day sees what the first one sent), and every send this run makes is logged there
too (by the delivery loop, in the same commit that marks the message as sending) while any
limit is set.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Sequence

__all__ = ["DAY", "MINUTE", "RateLimiter"]

MINUTE = 60.0
DAY = 86400.0


class RateLimiter:
    """Answers "how long until a message to these domains may go?" and records sends."""

    def __init__(
        self,
        *,
        per_minute: int = 0,
        per_day: int = 0,
        per_domain_per_minute: int = 0,
        history: Iterable[tuple[float, str]] = (),
    ) -> None:
        self.per_minute = per_minute
        self.per_day = per_day
        self.per_domain_per_minute = per_domain_per_minute
        self._day: deque[float] = deque()
        self._minute: deque[float] = deque()
        self._domains: dict[str, deque[float]] = {}
        for at, domain in sorted(history):
            self._add(at, domain)

    @property
    def active(self) -> bool:
        """True when any limit is set."""
        return bool(self.per_minute or self.per_day or self.per_domain_per_minute)

    def never_fits(self, domains: Sequence[str]) -> str | None:
        """The limit a message to ``domains`` exceeds on its own (so it can never go), or None."""
        if self.per_day and len(domains) > self.per_day:
            return f"per_day = {self.per_day}"
        if self.per_minute and len(domains) > self.per_minute:
            return f"per_minute = {self.per_minute}"
        if self.per_domain_per_minute and domains:
            most = max(domains.count(domain) for domain in set(domains))
            if most > self.per_domain_per_minute:
                return f"per_domain_per_minute = {self.per_domain_per_minute}"
        return None

    def _add(self, at: float, domain: str) -> None:
        self._day.append(at)
        self._minute.append(at)
        self._domains.setdefault(domain, deque()).append(at)

    @staticmethod
    def _prune(times: deque[float], since: float) -> None:
        while times and times[0] < since:
            times.popleft()

    @staticmethod
    def _wait(times: deque[float], limit: int, wanted: int, window: float, now: float) -> float:
        """Seconds until ``wanted`` more fit within ``limit`` per ``window``."""
        excess = len(times) + wanted - limit
        if excess <= 0:
            return 0.0
        if excess > len(times):
            return float("inf")
        return max(times[excess - 1] + window - now, 0.0)

    def wait(self, domains: Sequence[str], now: float) -> float:
        """Seconds to wait before sending to ``domains`` (one per recipient); 0: now.

        The daily limit's wait is returned like the others, so a caller can tell a short
        pause from "come back tomorrow" (see :meth:`day_wait`).
        """
        if not self.active:
            return 0.0
        wanted = len(domains)
        wait = self.day_wait(wanted, now)
        if self.per_minute:
            self._prune(self._minute, now - MINUTE)
            wait = max(wait, self._wait(self._minute, self.per_minute, wanted, MINUTE, now))
        if self.per_domain_per_minute:
            counts: dict[str, int] = {}
            for domain in domains:
                counts[domain] = counts.get(domain, 0) + 1
            for domain, count in counts.items():
                times = self._domains.get(domain)
                if times is None:
                    times = deque()
                self._prune(times, now - MINUTE)
                wait = max(wait, self._wait(times, self.per_domain_per_minute, count, MINUTE, now))
        return wait

    def day_wait(self, wanted: int, now: float) -> float:
        """Seconds until ``wanted`` more recipients fit in the rolling day's limit."""
        if not self.per_day:
            return 0.0
        self._prune(self._day, now - DAY)
        return self._wait(self._day, self.per_day, wanted, DAY, now)

    def record(self, domains: Sequence[str], now: float) -> None:
        """Count a message to ``domains`` sent at ``now``."""
        for domain in domains:
            if self._day and now < self._day[-1]:
                bisect.insort(self._day, now)
            else:
                self._day.append(now)
            self._minute.append(now)
            self._domains.setdefault(domain, deque()).append(now)
