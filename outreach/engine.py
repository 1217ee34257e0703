"""The campaign engine: plan -> render -> deliver -> record.

* **plan** picks the audience of each part from the book, asks each channel whether it can
  reach each contact, and leaves out what the journal says is already settled;
* **render** turns every planned piece into exactly what will be delivered, with no side
  effects; any error here (a template mistake, a draft over its limit) stops the run before
  anything is delivered;
* **deliver** hands each channel its batch; on a dry run (the default) channels write the
  outbox, PDFs and drafts but send nothing and the journal is not touched;
* **record**: with ``send=True``, every piece's status goes to the journal as it happens, and
  sent or printed pieces count as touches for the touch plan.

A run is idempotent per (campaign, part, contact, channel) and resumable after a crash: a
piece left ``sending`` by a killed run is reported as ``unknown`` and not sent again unless
the user asks for ``retry_unknown``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from .addressbook import AddressBook
from .bouncing import without_bouncing
from .campaign import Campaign, Part
from .channel import Channel, Outcome, Piece, Rendered
from .config_tables import check_settings
from .contact import Contact
from .delivery import (
    DRAFTED,
    FAILED,
    PENDING,
    PRINTED,
    REPLIED,
    SENDING,
    SENT,
    STATUSES,
    UNKNOWN,
    DeliveryKey,
)
from .errors import OutreachError
from .followup import follow_up_exclusion
from .journal import Delivery, Journal, Record, Touch
from .locks import Holder
from .mailstate import MailEvent, MailState
from .planinputs import PlanInputs
from .pluginhost import PluginHost, get_host
from .progress import Bar
from .progress import progress as progress_bar
from .recorder import Finished, record_finished
from .retry import settled_statuses
from .templating import Renderer
from .touchplan import plan_from_inputs
from .workspace import Workspace

__all__ = [
    "CampaignPlan",
    "Engine",
    "Exclusion",
    "PlannedItem",
    "Progress",
    "RunResult",
    "StatusRow",
    "summarise",
]


@dataclass(slots=True)
class PlannedItem:
    """One piece the campaign would deliver: a part, a contact, a channel and an address."""

    key: DeliveryKey
    contact: Contact
    part: Part
    channel: str
    address: str
    #: The journal's status before this run, or ``None`` when never attempted.
    status: str | None = None
    #: In a follow-up part: the message ID of the message it follows up (see
    #: :attr:`outreach.channel.Piece.follows`).
    follows: str | None = None


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A contact a part left out, and why (tagged no-card, no email address, ...)."""

    contact: Contact
    part: str
    reason: str


@dataclass(slots=True)
class CampaignPlan:
    """What a run would do."""

    campaign: Campaign
    #: Pieces to deliver in this run.
    todo: list[PlannedItem] = field(default_factory=list)
    #: Pieces the journal says are settled (sent, printed, failed, unknown).
    done: list[PlannedItem] = field(default_factory=list)
    #: Contacts a part's audience or channels could not include, with the reason.
    left_out: list[Exclusion] = field(default_factory=list)
    #: Contacts a follow-up part holds back: not due yet (status ``waiting``), or answered or
    #: bounced (status ``not-needed``); the reason says which.
    held: list[tuple[str, Exclusion]] = field(default_factory=list)
    #: Each contact's last touch (day, how, note), as the journal had it when the plan was made.
    last_touches: dict[str, Touch] = field(default_factory=dict)


class Progress(Protocol):
    """Something that shows how far a run has got (the CLI's progress bar)."""

    def start(self, total: int) -> None:
        """The run is about to deliver ``total`` pieces."""

    def advance(self, n: int = 1) -> None:
        """``n`` more pieces are finished."""

    def close(self) -> None:
        """The run has ended."""


@dataclass(slots=True)
class RunResult:
    """What a run did, for the summary and the exit status."""

    campaign: Campaign
    send: bool
    plan: CampaignPlan
    #: Every piece rendered for this run, in delivery order (the review page shows them).
    rendered: list[Rendered] = field(default_factory=list)
    #: (channel, status) -> number of pieces.
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[tuple[Rendered, Outcome]] = field(default_factory=list)
    #: Pieces found ``sending`` from a crashed run, now ``unknown``.
    interrupted: list[Delivery] = field(default_factory=list)
    #: Pieces handed to a channel that never reported an outcome (a limit was reached).
    not_finished: list[Rendered] = field(default_factory=list)
    artifacts: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Channels that crashed outright, with the error.
    channel_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures and not self.channel_errors


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One row of ``campaign status``: a contact on a channel and where it stands."""

    uid: str
    name: str
    part: str
    channel: str
    status: str
    address: str = ""
    attempts: int = 0
    error: str | None = None
    message_id: str | None = None
    updated_at: str | None = None
    #: When the reply or the bounce arrived (statuses replied and bounced), as an ISO date.
    event_date: str | None = None


class _Run:
    """The :class:`~outreach.channel.DeliveryRun` the engine hands to channels."""

    def __init__(
        self,
        engine: Engine,
        campaign: Campaign,
        send: bool,
        journal: Journal | None,
        result: RunResult,
        progress: Progress | Bar | None,
        claimable: frozenset[str] = frozenset({PENDING, DRAFTED}),
    ) -> None:
        self.workspace = engine.workspace
        self.campaign = campaign
        self.send = send
        self.today = engine.today
        self.out_dir = engine.workspace.out_dir(campaign.name)
        # Written only with --send; a dry run may still read it (the send log).
        self._journal = journal if send else None
        self._reader = journal
        self._result = result
        self._progress = progress
        self._finished: set[DeliveryKey] = set()
        self._batching = False
        #: Statuses this run may claim a delivery from (see :meth:`Journal.claim`).
        self._claimable = claimable
        #: A journal write that failed (a claim lost to another run, the journal replaced,
        #: the disk full or read-only): the run must stop with exit status 2 and that one
        #: line, whatever the channel made of the exception.
        self.fatal: OutreachError | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group the journal writes made inside (sending, finished, the send log) into one
        commit. A piece marked ``sending`` inside a batch is durable only once the batch has
        ended: the channel starts the irreversible step after that."""
        if self._journal is None or self._batching:
            yield
            return
        self._batching = True
        try:
            with self._journal.transaction():
                yield
        except OutreachError as exc:
            self.fatal = self.fatal or exc
            raise
        finally:
            self._batching = False
        if self.fatal is not None:
            # A claim failed inside the batch (lost to another run, or not writable): the
            # rest of it (outcomes of messages already sent) is committed above, but leaving
            # the batch fails, so the channel never starts the irreversible step of its marks.
            raise self.fatal

    def sending(self, item: Rendered) -> None:
        self.sending_many([item])

    def sending_many(self, items: Sequence[Rendered]) -> None:
        """:meth:`sending` for several items: claimed in one transaction, all or none.

        A lost claim stops the run; inside :meth:`batch` it is raised when the batch ends,
        so what else the batch records still reaches the journal.
        """
        if self._journal is None or not items:
            return
        if self.fatal is not None:
            if self._batching:
                return  # raised when the batch ends; nothing more is claimed meanwhile
            raise self.fatal
        try:
            self._journal.claim(
                [Record(i.key, SENDING, address=i.address, attempt=True) for i in items],
                self._claimable,
            )
        except OutreachError as exc:
            self.fatal = exc
            if not self._batching:
                raise

    def reopen(self, item: Rendered, error: str) -> None:
        self.reopen_many([(item, error)])

    def reopen_many(self, items: Sequence[tuple[Rendered, str]]) -> None:
        """:meth:`reopen` for several items, in one statement."""
        if self._journal is not None and items:
            self._journal.record_many(
                [Record(item.key, PENDING, error=error) for item, error in items]
            )

    def send_log(self, channel: str) -> _SendLog:
        return _SendLog(self._reader, channel, writable=self._journal is not None)

    def finished(self, item: Rendered, outcome: Outcome) -> None:
        self.finished_many([(item, outcome)])

    def finished_many(self, outcomes: Sequence[tuple[Rendered, Outcome]]) -> None:
        """:meth:`finished` for several items, recorded in one commit."""
        records = []
        fresh = []
        for item, outcome in outcomes:
            if item.key in self._finished:
                continue
            self._finished.add(item.key)
            fresh.append((item, outcome))
            records.append(Finished(item.key, outcome, item.address, item.summary))
        if self._journal is not None and records:
            try:
                with nullcontext() if self._batching else self._journal.transaction():
                    record_finished(self._journal, records, self.today)
            except BaseException as exc:
                # Not recorded, so not finished: the run reports them as not delivered.
                self._finished.difference_update(item.key for item, _ in fresh)
                if isinstance(exc, OutreachError):
                    self.fatal = self.fatal or exc
                raise
        # Counted only once recorded, so the summary never claims what the journal lacks.
        for item, outcome in fresh:
            self._result.counts[(item.key.channel, outcome.status)] += 1
            if outcome.status in (FAILED, UNKNOWN):
                self._result.failures.append((item, outcome))
        if self._progress is not None and records:
            self._progress.advance(len(records))

    def artifact(self, path: Path, description: str) -> None:
        self._result.artifacts.append((path, description))

    def warn(self, message: str) -> None:
        self._result.warnings.append(message)

    def was_finished(self, item: Rendered) -> bool:
        return item.key in self._finished

    def checkpoints_deferred(self) -> AbstractContextManager[None]:
        """The journal's WAL checkpoints held back while the channels deliver."""
        if self._journal is None:
            return nullcontext()
        return self._journal.checkpoints_deferred()


class _SendLog:
    """The :class:`~outreach.channel.SendLog` of one channel in one run."""

    def __init__(self, journal: Journal | None, channel: str, *, writable: bool) -> None:
        self._journal = journal
        self._channel = channel
        self._writable = writable

    def times(self, since: float) -> list[tuple[float, str]]:
        if self._journal is None:
            return []
        return self._journal.send_times(self._channel, since)

    def note(self, domains: Sequence[str], at: float) -> None:
        if self._writable and self._journal is not None and domains:
            self._journal.log_sends(self._channel, domains, at)


class Engine:
    """Runs campaigns against one workspace.

    ``today`` fixes the date (tests, ``--today``); ``host`` defaults to the process-wide
    plugin host.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        host: PluginHost | None = None,
        today: date | None = None,
    ) -> None:
        self.workspace = workspace
        self.host = host or get_host()
        self.today = today or date.today()
        self._channels: dict[str, Channel] = {}

    def load(self, path: str | Path) -> Campaign:
        """Read and check a campaign file against the installed channels, and the
        workspace's ``outreach.toml`` against what they and the core declare."""
        campaign = Campaign.load(path, self.host)
        check_settings(self.workspace, self.host)
        return campaign

    def channel(self, name: str) -> Channel:
        """This run's instance of the channel called ``name``."""
        if name not in self._channels:
            self._channels[name] = self.host.channel(name)(self.workspace)
        return self._channels[name]

    # -- plan -----------------------------------------------------------------------------

    def _journal_if_any(self) -> Journal | None:
        return self.workspace.open_journal() if self.workspace.journal_path.exists() else None

    def plan(
        self,
        campaign: Campaign,
        *,
        book: AddressBook | None = None,
        journal: Journal | None = None,
        retry_failed: bool = False,
        retry_unknown: bool = False,
    ) -> CampaignPlan:
        """Work out who gets what on which channel, and what is already done."""
        book = book if book is not None else self.workspace.open_book()
        owned = journal is None
        journal = journal if journal is not None else self._journal_if_any()
        try:
            statuses = journal.statuses(campaign.name) if journal else {}
            # The plan's own inputs, so overdue_only reaches exactly who `outreach plan` lists.
            inputs = PlanInputs.load(
                self.workspace, self.today, record=False, contacts=book.contacts, journal=journal
            )
            earlier = self._followed(campaign, journal)
        finally:
            if owned and journal is not None:
                journal.close()
        touches = inputs.touches
        bounced = inputs.bounced  # read once, with the plan's inputs
        overdue: set[str] | None = None
        if any(p.audience.overdue_only for p in campaign.parts):
            overdue = plan_from_inputs(inputs, self.today).due_uids()
        settled = settled_statuses(retry_failed=retry_failed, retry_unknown=retry_unknown)
        plan = CampaignPlan(campaign, last_touches=touches)
        for part in campaign.parts:
            only = self._named_contacts(book, part)
            for contact in book:
                if only is not None and contact.uid not in only:
                    continue
                if not part.audience.wants(contact):
                    continue  # never a candidate: not worth listing as left out
                # Channels and filters see the contact without the addresses that bounce.
                contact = without_bouncing(contact, bounced)
                reason = part.audience.excludes(contact, overdue)
                touch = touches.get(contact.uid)
                if reason is None and touch is not None and touch.campaign != campaign.name:
                    reason = part.audience.touched_recently(touch.day, self.today)
                followed: Sequence[Delivery] = ()
                held = None
                if reason is None and part.follow is not None:
                    followed = earlier.get((part.follow.part, contact.uid), ())
                    held = follow_up_exclusion(part.follow, followed, self.today)
                if reason is not None or held is not None:
                    # Delivered in an earlier run: done, whatever today's filters say (the
                    # address bounced since, the contact is no longer due, a reply came).
                    earlier_done = _settled_pieces(campaign, part, contact, statuses, settled)
                    if earlier_done:
                        plan.done.extend(earlier_done)
                        continue
                if held is not None:
                    plan.held.append((held[0], Exclusion(contact, part.id, held[1])))
                    continue
                if reason is not None:
                    plan.left_out.append(Exclusion(contact, part.id, reason))
                    continue
                reasons = []
                chosen = 0
                for name in part.channels:
                    reach = self.channel(name).reach(contact, part.options[name])
                    key = DeliveryKey(campaign.name, part.id, contact.uid, name)
                    status = statuses.get(key)
                    if not reach.ok and status not in settled:
                        reasons.append(f"{name}: {reach.reason}")
                        continue
                    # A settled piece stays done even when its address has gone (bounced).
                    chosen += 1
                    follows = _message_followed(followed, name)
                    address = reach.address or ""
                    item = PlannedItem(key, contact, part, name, address, status, follows)
                    (plan.done if status in settled else plan.todo).append(item)
                    if part.deliver == "first":
                        break
                if not chosen:
                    plan.left_out.append(Exclusion(contact, part.id, "; ".join(reasons)))
        return plan

    @staticmethod
    def _followed(
        campaign: Campaign, journal: Journal | None
    ) -> dict[tuple[str, str], list[Delivery]]:
        """(part, contact) -> deliveries, for the parts that follow-up parts follow."""
        targets = {p.follow.part for p in campaign.parts if p.follow is not None}
        found: dict[tuple[str, str], list[Delivery]] = {}
        if not targets or journal is None:
            return found
        for d in journal.deliveries(campaign.name):
            if d.key.part in targets:
                found.setdefault((d.key.part, d.key.contact_uid), []).append(d)
        return found

    def _named_contacts(self, book: AddressBook, part: Part) -> set[str] | None:
        if not part.audience.contacts:
            return None
        return {book.find(query).uid for query in part.audience.contacts}

    # -- render ---------------------------------------------------------------------------

    def renderer(self, campaign: Campaign) -> Renderer:
        """The template renderer for a campaign (its folder's templates come first)."""
        return Renderer(
            self.workspace, campaign_dir=campaign.directory, today=self.today, host=self.host
        )

    def render(
        self,
        campaign: Campaign,
        items: Sequence[PlannedItem],
        *,
        last_touches: Mapping[str, Touch | date] | None = None,
        renderer: Renderer | None = None,
    ) -> list[Rendered]:
        """Render every item; the first error stops it (nothing has been delivered yet)."""
        renderer = renderer or self.renderer(campaign)
        touches = last_touches or {}
        rendered = []
        with progress_bar("rendering", len(items)) as bar:
            for item in items:
                rendered.append(self._render_one(campaign, item, renderer, touches))
                bar.advance()
        return rendered

    def _render_one(
        self,
        campaign: Campaign,
        item: PlannedItem,
        renderer: Renderer,
        touches: Mapping[str, Touch | date],
    ) -> Rendered:
        context = renderer.context(
            item.contact,
            campaign=campaign,
            part=item.part.id,
            channel=item.channel,
            last_touch=touches.get(item.contact.uid),
        )
        piece = Piece(
            item.key,
            item.contact,
            item.address,
            item.part.options[item.channel],
            context,
            campaign,
            item.follows,
        )
        return self.channel(item.channel).render(piece, renderer)

    def preview(self, campaign: Campaign) -> tuple[CampaignPlan, list[Rendered]]:
        """Plan and render without delivering or recording anything."""
        plan = self.plan(campaign)
        return plan, self.render(campaign, plan.todo, last_touches=plan.last_touches)

    # -- run ------------------------------------------------------------------------------

    def run(
        self,
        campaign: Campaign,
        *,
        send: bool = False,
        limit: int | None = None,
        retry_failed: bool = False,
        retry_unknown: bool = False,
        progress: Progress | None = None,
        wait: bool = True,
        on_wait: Callable[[Holder], None] | None = None,
    ) -> RunResult:
        """Plan, render and deliver a campaign; with ``send`` record everything.

        A sending run holds the workspace's send lock from before it reads the journal to
        its end; when another sending run holds it, this one waits (``on_wait`` is told who
        it waits for), or with ``wait=False`` raises :class:`~outreach.locks.LockBusy`.
        """
        lock = self.workspace.send_lock(wait=wait, on_wait=on_wait) if send else nullcontext()
        with lock:
            return self._run(campaign, send, limit, retry_failed, retry_unknown, progress)

    def _run(
        self,
        campaign: Campaign,
        send: bool,
        limit: int | None,
        retry_failed: bool,
        retry_unknown: bool,
        progress: Progress | None,
    ) -> RunResult:
        book = self.workspace.open_book()
        journal = self.workspace.open_journal() if send else self._journal_if_any()
        try:
            interrupted: list[Delivery] = []
            if send and journal is not None:
                interrupted = journal.settle_in_flight(campaign.name)
            plan = self.plan(
                campaign,
                book=book,
                journal=journal,
                retry_failed=retry_failed,
                retry_unknown=retry_unknown,
            )
            todo = plan.todo if limit is None else plan.todo[: max(limit, 0)]
            rendered = self.render(campaign, todo, last_touches=plan.last_touches)
            result = RunResult(campaign, send, plan, rendered=rendered, interrupted=interrupted)
            # What this run may take over: pending, and what the flags reopen.
            settled = settled_statuses(retry_failed=retry_failed, retry_unknown=retry_unknown)
            claimable = frozenset(STATUSES) - settled - {SENDING}
            self._deliver(campaign, rendered, send, journal, result, progress, claimable)
            return result
        finally:
            if journal is not None:
                journal.close()

    def _deliver(
        self,
        campaign: Campaign,
        rendered: list[Rendered],
        send: bool,
        journal: Journal | None,
        result: RunResult,
        progress: Progress | None,
        claimable: frozenset[str] = frozenset({PENDING, DRAFTED}),
    ) -> None:
        by_channel: dict[str, list[Rendered]] = {}
        for item in rendered:
            by_channel.setdefault(item.key.channel, []).append(item)
        # Without a progress of the caller's own, the one outreach.progress shows (if on).
        shown = progress_bar("sending" if send else "writing", len(rendered))
        with nullcontext(progress) if progress is not None else shown as bar:
            run = _Run(self, campaign, send, journal, result, bar, claimable)
            run.out_dir.mkdir(parents=True, exist_ok=True)
            if progress is not None:
                progress.start(len(rendered))
            try:
                with run.checkpoints_deferred():
                    self._deliver_each(by_channel, run, result)
            finally:
                if progress is not None:
                    progress.close()

    def _deliver_each(
        self, by_channel: dict[str, list[Rendered]], run: _Run, result: RunResult
    ) -> None:
        for name, items in by_channel.items():
            try:
                self.channel(name).deliver(items, run)
            except OutreachError:
                # Bad input found only while delivering (an unwritable output folder, a
                # barcode range used up): the user must fix it; stop with exit status 2.
                raise
            except Exception as exc:  # noqa: BLE001 - one channel must not stop the others
                if run.fatal is None:
                    result.channel_errors.append(f"{name}: {type(exc).__name__}: {exc}")
            result.not_finished.extend(i for i in items if not run.was_finished(i))
            if run.fatal is not None:
                # Another run has this campaign's deliveries, or the journal is gone or
                # cannot be written: no channel may go on sending.
                raise run.fatal

    # -- status ---------------------------------------------------------------------------

    def status(self, campaign: Campaign) -> list[StatusRow]:
        """Where every piece of the campaign stands: journal rows, then what is still planned."""
        book = self.workspace.open_book()
        journal = self._journal_if_any()
        rows: list[StatusRow] = []
        try:
            deliveries = journal.deliveries(campaign.name) if journal else []
            events = MailState(journal).events(campaign.name) if journal else {}
            plan = self.plan(campaign, book=book, journal=journal)
        finally:
            if journal is not None:
                journal.close()
        recorded = set()
        for d in deliveries:
            contact = book.get(d.key.contact_uid)
            name = contact.display_name if contact else d.key.contact_uid
            recorded.add(d.key)
            rows.append(
                StatusRow(
                    d.key.contact_uid,
                    name,
                    d.key.part,
                    d.key.channel,
                    d.status,
                    d.address,
                    d.attempts,
                    d.last_error,
                    d.message_id,
                    d.updated_at,
                    _event_day(events.get(d.key), d.status),
                )
            )
        for item in plan.todo:
            if item.key not in recorded:
                rows.append(
                    StatusRow(
                        item.contact.uid,
                        item.contact.display_name,
                        item.part.id,
                        item.channel,
                        "planned",
                        item.address,
                    )
                )
        recorded_parts = {(k.part, k.contact_uid) for k in recorded}
        for held_status, held in plan.held:
            if (held.part, held.contact.uid) not in recorded_parts:
                rows.append(
                    StatusRow(
                        held.contact.uid,
                        held.contact.display_name,
                        held.part,
                        "",
                        held_status,
                        error=held.reason,
                    )
                )
        for excluded in plan.left_out:
            rows.append(
                StatusRow(
                    excluded.contact.uid,
                    excluded.contact.display_name,
                    excluded.part,
                    "",
                    "left-out",
                    error=excluded.reason,
                )
            )
        return rows


def _settled_pieces(
    campaign: Campaign,
    part: Part,
    contact: Contact,
    statuses: Mapping[DeliveryKey, str],
    settled: frozenset[str],
) -> list[PlannedItem]:
    """The part's pieces for ``contact`` that an earlier run settled."""
    found = []
    for name in part.channels:
        key = DeliveryKey(campaign.name, part.id, contact.uid, name)
        status = statuses.get(key)
        if status in settled:
            found.append(PlannedItem(key, contact, part, name, "", status))
    return found


def _message_followed(followed: Sequence[Delivery], channel: str) -> str | None:
    """The message ID of the followed part's message that reached the contact on ``channel``."""
    for delivery in followed:
        if delivery.key.channel == channel and delivery.status in (SENT, REPLIED):
            return delivery.message_id
    return None


def _event_day(event: MailEvent | None, status: str) -> str | None:
    """The date of the reply or bounce that gave a delivery its status."""
    return event.day.isoformat() if event is not None and event.kind == status else None


#: How a dry run words the statuses channels report.
_DRY_RUN_WORDS: dict[str, str] = {
    SENT: "ready to send",
    PRINTED: "ready to print",
    DRAFTED: "drafted",
}


def summarise(result: RunResult) -> list[str]:
    """Human-readable summary lines for a run."""
    lines = []
    verb = "delivered" if result.send else "dry run: outputs written, nothing sent or recorded"
    by_channel: dict[str, Counter[str]] = {}
    for (channel, status), n in sorted(result.counts.items()):
        by_channel.setdefault(channel, Counter())[status] += n
    for channel, counts in by_channel.items():
        parts = ", ".join(
            f"{n} {status if result.send else _DRY_RUN_WORDS.get(status, status)}"
            for status, n in sorted(counts.items())
        )
        lines.append(f"{channel}: {parts}")
    if not by_channel:
        lines.append("nothing to deliver")
    if result.plan.done:
        lines.append(f"{len(result.plan.done)} already settled in earlier runs (skipped)")
    if result.plan.left_out:
        lines.append(f"{len(result.plan.left_out)} left out (see campaign status)")
    if result.plan.held:
        lines.append(
            f"{len(result.plan.held)} follow-up(s) not due yet or not needed (see campaign status)"
        )
    for delivery in result.interrupted:
        lines.append(
            f"unknown: {delivery.key.contact_uid} on {delivery.key.channel} was being sent when "
            "an earlier run stopped; not resent (use --retry-unknown to send it again)"
        )
    for item, outcome in result.failures:
        lines.append(
            f"{outcome.status}: {item.contact.display_name} <{item.address}> on "
            f"{item.key.channel}: {outcome.error or 'no reason given'}"
        )
    if result.not_finished:
        lines.append(f"{len(result.not_finished)} not delivered in this run; run again to continue")
    lines.extend(f"warning: {w}" for w in result.warnings)
    lines.extend(f"channel error: {e}" for e in result.channel_errors)
    for path, description in result.artifacts:
        lines.append(f"{description}: {path}")
    lines.insert(0, f"campaign {result.campaign.name}: {verb}")
    return lines
