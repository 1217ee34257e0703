"""The sending loop: a pool of connections, retries, rate limits and the journal.

What happens to a message:

* ``MAIL``, ``RCPT`` and ``DATA`` first, written together to a server that offers
  PIPELINING (RFC 2920; two round trips a message instead of four), one by one to one that
  does not. When a pipelined group is refused part way, the server may already wait for the
  message after its 354: the connection is dropped then, so nothing reaches anyone.
  A 5xx for the contact's address is a permanent failure (recorded with the server's code
  and text); a 5xx for a Cc or Bcc only drops that recipient (a warning says so); a 4xx is
  tried again later with capped exponential backoff and jitter (the policy, and what
  happens across runs: :mod:`outreach.retry`).
* The message is marked ``sending`` in the journal when its transaction starts, and the
  message itself follows the server's 354 reply to ``DATA`` only once that mark is
  committed (a mark waits one turn of the event loop, so the connections answered at the
  same moment share the commit). After a crash, a message left ``sending`` may or may not
  have arrived; the engine reports it as ``unknown`` and never sends it again on its own.
* A 250 after the message is ``sent``; a 4xx or 5xx there is a retry or a failure (the
  server said it did not take the message). A timeout or a dropped connection *after* the
  message was handed over is ``unknown``.
* A 421 or a dropped connection before that reconnects and carries on.

Journal writes are grouped ("group commit"): a mark is queued when the transaction starts and
committed, with everything else queued by then (other connections' marks, outcomes), when
its 354 arrives and the message is about to go, unless another connection's commit took it
along already; a timer commits what is left. So a mark is always committed before its
message is sent, and a run commits far fewer times than it sends. An outcome may be
committed a moment after it happened, which after a crash can only turn a ``sent`` into
``unknown``, never cause a second send. A commit that fails stops the run: the marks it
held are lost, so no message waiting for one may go out.

One contact's failure never stops the others. What stops the loop: a setup error (TLS,
certificate, login: every message would fail the same way), the server staying unreachable,
the daily limit, or the deadline; messages not started are then left for the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from outreach.channel import DeliveryRun, Outcome, Rendered
from outreach.delivery import FAILED, SENT, UNKNOWN
from outreach.progress import current as current_progress

from .ratelimit import RateLimiter
from .secrets import Credentials, Redactor
from .settings import ServerSettings
from .smtp import (
    Connection,
    Reply,
    ServerUnavailable,
    SetupError,
    TransferLost,
    check_arguments,
)

if TYPE_CHECKING:
    import ssl

    from .outbox import Outbox
    from .outgoing import OutgoingMessage

__all__ = ["DeliveryStopped", "Sender"]

CHANNEL = "email"


class DeliveryStopped(Exception):
    """Sending stopped for a reason that concerns every message (the message says which)."""


@dataclass(slots=True)
class _Job:
    item: Rendered
    message: OutgoingMessage
    attempts: int = 0
    last: str = ""
    #: The ``sending`` mark of the current attempt is committed.
    committed: bool = False


@dataclass(order=True, slots=True)
class _Later:
    at: float
    seq: int
    job: _Job = field(compare=False)


class _JournalPump:
    """Group commit of the run's journal writes (see the module docstring)."""

    def __init__(self, run: DeliveryRun, limiter: RateLimiter) -> None:
        self.run = run
        self.limiter = limiter
        self.log = run.send_log(CHANNEL)
        self._ops: list[tuple[str, _Job, Any]] = []
        #: The timer that commits what waits longer than a moment (outcomes, mostly).
        self._timer: asyncio.TimerHandle | None = None
        self._failure: DeliveryStopped | None = None
        self._loop = asyncio.get_running_loop()

    def mark(self, job: _Job) -> None:
        """Queue ``job``'s sending mark (see :meth:`commit_mark`)."""
        job.committed = False
        self._ops.append(("mark", job, None))
        self._schedule()

    async def commit_mark(self, job: _Job) -> None:
        """Make sure ``job``'s mark is committed: commit everything queued if it is not.

        Raises DeliveryStopped when it cannot be (this or an earlier commit failed).
        """
        if not job.committed:
            # One turn of the event loop first: the other connections whose replies came in
            # at the same moment queue their marks, and one commit takes them all.
            await asyncio.sleep(0)
        if not job.committed:
            self.flush()

    def finish(self, job: _Job, outcome: Outcome) -> None:
        """Queue ``job``'s outcome."""
        self._ops.append(("finish", job, outcome))
        self._schedule()

    def reopen(self, job: _Job, error: str) -> None:
        """Queue putting a marked job back to pending (the server refused it before taking it)."""
        self._ops.append(("reopen", job, error))
        self._schedule()

    def _schedule(self) -> None:
        # Armed by the first operation queued after a commit: a 354 usually commits before it
        # fires, and cancels it, so the commits a run makes are the ones its marks need.
        if self._timer is None:
            self._timer = self._loop.call_later(0.05, self._flush_later)

    def _flush_later(self) -> None:
        # A failure is kept: the next commit_mark or flush raises it where it can stop the run.
        with contextlib.suppress(DeliveryStopped):
            self.flush()

    def flush(self) -> None:
        """Commit everything queued, in order, as one transaction.

        Once a commit has failed, every later call raises the same DeliveryStopped: the
        marks that commit held are lost, and nothing waiting for them may be sent.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._failure is not None:
            raise self._failure
        ops, self._ops = self._ops, []
        if not ops:
            return
        run = self.run
        try:
            with run.batch():
                for kind, entries in _grouped(ops):
                    if not entries:
                        continue
                    if kind == "finish":
                        run.finished_many([(job.item, outcome) for _, job, outcome in entries])
                    elif kind == "mark":
                        run.sending_many([job.item for _, job, _ in entries])
                        if self.limiter.active:
                            now = time.time()
                            for _, job, _ in entries:
                                self.log.note(job.message.domains, now)
                    else:
                        run.reopen_many([(job.item, why) for _, job, why in entries])
        except Exception as exc:
            self._failure = DeliveryStopped(f"the journal cannot be written: {exc}")
            raise self._failure from exc
        for kind, job, _ in ops:
            if kind == "mark":
                job.committed = True


def _grouped(ops: list[tuple[str, _Job, Any]]) -> list[tuple[str, list[tuple[str, _Job, Any]]]]:
    """The queued operations grouped by kind, so each kind is one statement.

    Marks, then reopenings, then outcomes: each job's operations keep their order (a mark
    comes before its job's outcome or reopening). A job queued twice (reopened and marked
    again in one flush) keeps the exact order instead.
    """
    jobs = {id(job) for _, job, _ in ops}
    if len(jobs) < len(ops):
        return [(kind, list(group)) for kind, group in itertools.groupby(ops, key=_kind)]
    return [(kind, [op for op in ops if op[0] == kind]) for kind in ("mark", "reopen", "finish")]


def _kind(op: tuple[str, _Job, Any]) -> str:
    return op[0]


class Sender:
    """Sends a batch of rendered messages over a pool of connections."""

    def __init__(
        self,
        settings: ServerSettings,
        credentials: Credentials | None,
        redactor: Redactor,
        run: DeliveryRun,
        outbox: Outbox,
        *,
        tls_context: ssl.SSLContext | None = None,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.redactor = redactor
        self.run = run
        self.outbox = outbox
        self.tls_context = tls_context
        self.limiter = limiter or RateLimiter()
        self.retry = settings.retry_policy
        self.rng = rng or random.Random()
        self.clock = clock
        self._ready: deque[_Job] = deque()
        self._later: list[_Later] = []
        self._seq = 0
        self._open = 0  # jobs neither finished nor given up
        self._stop: str | None = None
        self._wake: asyncio.Event | None = None
        self._deadline = float("inf")

    # -- the queue ----------------------------------------------------------------------

    def _put_later(self, job: _Job, delay: float) -> None:
        self._seq += 1
        heapq.heappush(self._later, _Later(self.clock() + delay, self._seq, job))
        self._kick()

    def _kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _done(self) -> None:
        self._open -= 1
        if self._open <= 0:
            self._kick()

    async def _next(self) -> _Job | None:
        """The next job that may go now, waiting for retries and rate limits as needed."""
        while True:
            if self._stop is not None or self._open <= 0:
                return None
            now = self.clock()
            if now >= self._deadline:
                self._halt(
                    f"the deadline of {self.settings.deadline:g} s was reached; "
                    "run the campaign again to send the rest"
                )
                return None
            while self._later and self._later[0].at <= now:
                self._ready.append(heapq.heappop(self._later).job)
            wait = float("inf")
            if self._ready:
                job, wait = self._pick(now)
                if job is not None:
                    return job
                if 1.0 <= wait < float("inf"):
                    # A rate limit holds every ready message back: say until when.
                    current_progress().waiting_until(time.time() + wait)
            if self._later:
                wait = min(wait, self._later[0].at - now)
            if wait == float("inf") and not self._ready and not self._later:
                # Everything left is in flight on other connections; wait for news.
                wait = 1.0
            if wait == float("inf"):
                return None  # _pick halted the run (the daily limit)
            assert self._wake is not None
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(wait, 0.001))

    def _pick(self, now: float) -> tuple[_Job | None, float]:
        limiter = self.limiter
        if not limiter.active:
            return self._ready.popleft(), 0.0
        shortest = float("inf")
        # Look a little way down the queue for a message whose domain is not throttled.
        for index in range(min(len(self._ready), 64)):
            job = self._ready[index]
            domains = job.message.domains
            day = limiter.day_wait(len(domains), now)
            if day > 0:
                self._halt_daily(now + day)
                return None, float("inf")
            wait = limiter.wait(domains, now)
            if wait <= 0:
                del self._ready[index]
                limiter.record(domains, now)
                return job, 0.0
            shortest = min(shortest, wait)
        return None, shortest

    def _halt(self, reason: str) -> None:
        """Stop starting messages, and tell the user why."""
        if self._stop is None:
            self.run.warn(reason)
        self._abort(reason)

    def _abort(self, reason: str) -> None:
        """Stop starting messages; the caller raises DeliveryStopped, which says why."""
        self._stop = self._stop or reason
        self._kick()

    def _halt_daily(self, resume_at: float) -> None:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(resume_at))
        left = len(self._ready) + len(self._later)
        self._halt(
            f"the daily sending limit (per_day = {self.settings.per_day}) is reached; "
            f"{left} message{'s' if left != 1 else ''} not sent: run the campaign again "
            f"after {when}"
        )

    # -- the run ------------------------------------------------------------------------

    async def send_all(self, items: Sequence[tuple[Rendered, OutgoingMessage]]) -> None:
        """Send every item; raises DeliveryStopped when the whole run has to stop."""
        self._wake = asyncio.Event()
        self.pump = _JournalPump(self.run, self.limiter)
        self._open = len(items)
        for item, message in items:
            job = _Job(item, message)
            limit = self.limiter.never_fits(message.domains)
            if limit is None:
                self._ready.append(job)
            else:
                count = len(message.domains)
                self._fail(
                    job,
                    f"{count} recipients, more than {limit} allows: it can never be sent "
                    "(permanent; raise the limit or send fewer copies)",
                )
        if self.settings.deadline:
            self._deadline = self.clock() + self.settings.deadline
        workers = [
            asyncio.ensure_future(self._worker())
            for _ in range(min(self.settings.pool_size, max(self._open, 1)))
        ]
        try:
            results = await asyncio.gather(*workers, return_exceptions=True)
        finally:
            for worker in workers:
                worker.cancel()
            self.pump.flush()
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _connect(self) -> Connection:
        attempt = 0
        while True:
            try:
                return await Connection.open(
                    self.settings, self.credentials, self.tls_context, self.redactor
                )
            except SetupError as exc:
                self._abort(str(exc))
                raise DeliveryStopped(str(exc)) from None
            except ServerUnavailable as exc:
                attempt += 1
                if self.retry.gives_up(attempt) or self._stop is not None:
                    self._abort(str(exc))
                    raise DeliveryStopped(
                        f"cannot reach the server after {attempt} attempts: {exc}"
                    ) from None
                delay = self.retry.delay(attempt, self.rng)
                await asyncio.sleep(delay)

    async def _worker(self) -> None:
        connection: Connection | None = None
        try:
            while True:
                job = await self._next()
                if job is None:
                    return
                if connection is None or not connection.is_connected:
                    try:
                        connection = await self._connect()
                    except DeliveryStopped:
                        self._ready.appendleft(job)
                        raise
                await self._attempt(connection, job)
        finally:
            if connection is not None:
                await connection.quit()

    # -- one attempt --------------------------------------------------------------------

    async def _attempt(self, connection: Connection, job: _Job) -> None:
        job.attempts += 1
        message = job.message
        clean = self.redactor.clean
        try:
            options = []
            if message.smtputf8:
                if not connection.supports("smtputf8"):
                    self._fail(
                        job,
                        "the server does not support SMTPUTF8, which the non-ASCII address "
                        f"{message.recipients[0]} needs (permanent)",
                    )
                    return
                options += [b"SMTPUTF8", b"BODY=8BITMIME"]
            if connection.supports("size"):
                options.append(b"SIZE=%d" % len(message.data))
            sender = b"FROM:<" + message.sender.encode("utf-8") + b">"
            if options:
                sender = b" ".join([sender, *options])
            recipients = [recipient.encode("utf-8") for recipient in message.recipients]
            try:
                check_arguments(sender, *recipients)
            except ValueError as exc:
                self._fail(job, f"{clean(str(exc))} (permanent)")
                return
            # Queued now, committed by the time the server says 354 (see commit_mark): by
            # then other connections have usually committed it along with theirs.
            self.pump.mark(job)
            replies = await connection.start(sender, recipients)
            if not await self._started(connection, job, replies):
                return
            refused = [
                (recipient, reply)
                for recipient, reply in zip(message.recipients[1:], replies[2:-1], strict=False)
                if not reply.ok
            ]
            try:
                await self.pump.commit_mark(job)
            except DeliveryStopped as exc:
                connection.close()  # mid-DATA: the message must not go out unrecorded
                self._abort(str(exc))
                raise
            reply = await connection.transfer(message.data, self.settings.data_timeout)
        except ServerUnavailable as exc:
            self._lost(job, clean(str(exc)))
            return
        except TransferLost as exc:
            self._finish(
                job,
                Outcome(
                    UNKNOWN,
                    message.message_id,
                    clean(
                        f"{exc} after the whole message was sent: it may or may not have "
                        "arrived (not resent; --retry-unknown sends it again)"
                    ),
                ),
            )
            return
        if not reply.ok:
            await self._refused(connection, job, reply, "end of data")
            return
        for recipient, why in refused:
            self.run.warn(
                clean(
                    f"{job.item.contact.display_name}: the copy to {recipient} was refused "
                    f"({why}); the message went to the others"
                )
            )
        self.outbox.put(message.outbox_key, message.data, sent=True)
        self._finish(job, Outcome(SENT, message.message_id))

    async def _started(self, connection: Connection, job: _Job, replies: list[Reply]) -> bool:
        """Whether the transaction began (MAIL, the contact's RCPT and DATA all accepted);
        otherwise the refusal is handled and False returned."""
        message = job.message
        steps = ["MAIL FROM", *(f"RCPT TO:<{r}>" for r in message.recipients), "DATA"]
        last = len(steps) - 1
        for index, reply in enumerate(replies):
            if index == last and reply.ok and reply.code != 354:
                # Success at DATA that is not "start the message": the server is not
                # following the protocol; nothing was handed over, so try again later.
                connection.close()
                self._lost(job, f"the server answered DATA with {reply}, not 354")
                return False
            refused = reply.code != 354 if index == last else not reply.ok
            # A copy's refusal (a Cc or Bcc) only drops that copy, unless the server is
            # closing the connection with it.
            if refused and (index in (0, 1, last) or reply.closing):
                if len(replies) == len(steps) and replies[last].code == 354:
                    # Pipelined: the server is waiting for the message now, and only
                    # dropping the connection ends that without sending anything.
                    connection.close()
                await self._refused(connection, job, reply, steps[index])
                return False
        if len(replies) < len(steps):
            # The connection ended after a copy's refusal, before the other replies came.
            connection.close()
            self._lost(job, "the server did not answer every command")
            return False
        return True

    async def _refused(self, connection: Connection, job: _Job, reply: Reply, step: str) -> None:
        text = self.redactor.clean(f"{reply} (at {step})")
        if connection.is_connected and not reply.closing:
            await connection.reset()
        if reply.temporary:
            self._retry(job, text, immediately=reply.closing and job.attempts == 1)
        else:
            self._fail(job, text)

    def _lost(self, job: _Job, why: str) -> None:
        self._retry(job, f"connection lost ({why})", immediately=job.attempts == 1)

    def _retry(self, job: _Job, why: str, *, immediately: bool) -> None:
        job.last = why
        if self.retry.gives_up(job.attempts):
            self._fail(job, f"{why}; gave up after {job.attempts} attempts")
            return
        # Refused (or cut off) before the message went: back to pending in the journal.
        self.pump.reopen(job, why)
        delay = 0.0 if immediately else self.retry.delay(job.attempts, self.rng)
        self._put_later(job, delay)

    def _fail(self, job: _Job, why: str) -> None:
        self._finish(job, Outcome(FAILED, None, why))

    def _finish(self, job: _Job, outcome: Outcome) -> None:
        self.pump.finish(job, outcome)
        if outcome.status == UNKNOWN:
            self.outbox.put(job.message.outbox_key, job.message.data)
        self._done()
