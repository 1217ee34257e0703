"""The retry policy: when a delivery is tried again, within one run and across runs.

Two places decide whether a piece is tried again, and both live here:

* **Within a run**, a channel retries a *temporary* failure (an SMTP 4xx, a dropped
  connection before the message was handed over) up to :attr:`RetryPolicy.attempts` times,
  waiting :meth:`RetryPolicy.delay` between attempts: doubling from ``backoff`` up to
  ``backoff_max``, with jitter so many messages retrying at once spread out. The email
  channel builds its policy from the ``retries``, ``backoff`` and ``backoff_max`` keys of
  ``[email]`` in ``outreach.toml`` (:meth:`RetryPolicy.from_settings`). A permanent failure
  (a 5xx) is never retried: it is recorded ``failed`` with the server's words.
* **Across runs**, the engine leaves alone every piece whose status is settled
  (:func:`settled_statuses`): sent, printed, replied and bounced pieces are done; ``failed``
  ones come back only with ``--retry-failed``, and ``unknown`` ones (perhaps delivered, after
  a crash or a timeout) only with ``--retry-unknown``, because sending those again may send
  twice. ``pending`` and ``drafted`` pieces are always delivered again by the next run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .delivery import SETTLED, Status

__all__ = ["RetryPolicy", "settled_statuses"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a channel retries a temporary failure within one run."""

    #: Attempts in all (the first one included) before a temporary failure counts as failed.
    attempts: int = 5
    #: Seconds before the first retry; doubles with every further one.
    backoff: float = 5.0
    #: The longest wait between two attempts, in seconds.
    backoff_max: float = 300.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("retries must be at least 1")
        if self.backoff < 0 or self.backoff_max < 0:
            raise ValueError("backoff and backoff_max cannot be negative")

    @classmethod
    def from_settings(cls, settings: Any) -> RetryPolicy:
        """The policy of an account table with ``retries``, ``backoff`` and ``backoff_max``."""
        return cls(settings.retries, settings.backoff, settings.backoff_max)

    def gives_up(self, attempts: int) -> bool:
        """True when ``attempts`` attempts are all this policy allows."""
        return attempts >= self.attempts

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before attempt ``attempt + 1``.

        Doubling from ``backoff``, at most ``backoff_max``, with "equal jitter" (between half
        and all of it) so that retries from many messages do not arrive together.
        """
        full = min(self.backoff_max, self.backoff * (2 ** max(attempt - 1, 0)))
        return full / 2 + rng.uniform(0, full / 2)


def settled_statuses(*, retry_failed: bool = False, retry_unknown: bool = False) -> frozenset[str]:
    """The statuses a new run leaves alone; the two flags reopen ``failed`` and ``unknown``."""
    reopened: set[str] = set()
    if retry_failed:
        reopened.add(Status.FAILED)
    if retry_unknown:
        reopened.add(Status.UNKNOWN)
    return frozenset(SETTLED - reopened)
