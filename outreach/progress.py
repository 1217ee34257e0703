"""Progress of long jobs: a bar on a terminal, a plain line every few seconds in a log.

Any code that loops over many things (sending, rendering, PDFs, imports, backups, mail sync)
wraps the loop in :func:`progress` and calls :meth:`Bar.advance`::

    from outreach.progress import progress

    with progress("sending", len(messages)) as bar:
        for message in messages:
            send(message)
            bar.advance()

While a rate limit holds the next message back, :meth:`Bar.waiting_until` shows when it may
go ("next send at 14:03:27"). Code further down (a channel, the sending loop) reaches the bar
of the job it runs in with :func:`current`, so it needs no extra argument.

Nothing is shown unless the program turned progress on with :func:`enable` (the command line
does, unless ``--quiet``): a library user's stderr stays theirs. When stderr is a terminal the
bar is click's; otherwise a line such as ``sending: 120/500 (24%)`` is written every
:data:`INTERVAL` seconds, and a job that ends sooner writes nothing at all.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TextIO

__all__ = ["INTERVAL", "Bar", "current", "enable", "enabled", "progress"]

#: Seconds between plain progress lines when stderr is not a terminal
#: (``$OUTREACH_PROGRESS_INTERVAL`` overrides it).
INTERVAL = 5.0
#: Jobs with fewer items than this show no terminal bar (it would only flicker).
MIN_ITEMS = 2
#: The terminal bar is redrawn at most this often (seconds): redrawing costs more than a send.
_REDRAW = 0.1


class _Settings:
    enabled = False
    stream: TextIO | None = None
    interval: float | None = None


_settings = _Settings()
_active: list[Bar] = []


def enable(
    on: bool = True, *, stream: TextIO | None = None, interval: float | None = None
) -> None:
    """Show progress (on ``stream``, default stderr) or, with ``on=False``, stop showing it."""
    _settings.enabled = on
    _settings.stream = stream
    _settings.interval = interval


def enabled() -> bool:
    """True when progress is shown."""
    return _settings.enabled


class Bar:
    """The progress of one job; made by :func:`progress`. Its methods are cheap to call."""

    def __init__(self, label: str, total: int, stream: TextIO | None, interval: float) -> None:
        self.label = label
        self.total = max(total, 0)
        #: Items finished so far.
        self.done = 0
        #: What the job is waiting for, shown after the bar ("next send at 14:03:27").
        self.note = ""
        self._stream = stream
        self._interval = interval
        self._started = time.monotonic()
        self._last_line = self._started
        self._last_draw = 0.0
        self._drawn = 0
        self._click: Any = None
        if stream is not None and _isatty(stream) and self.total >= MIN_ITEMS:
            import click

            self._click = click.progressbar(
                length=self.total,
                label=label,
                file=stream,
                show_eta=True,
                show_pos=True,
                item_show_func=lambda note: note or None,
            )
            self._click.__enter__()

    def advance(self, n: int = 1) -> None:
        """``n`` more items are finished (this clears a waiting note)."""
        self.done += n
        self.note = ""
        self._show(force=False)

    def waiting_until(self, when: float) -> None:
        """The job waits until ``when`` (a :func:`time.time` value) before the next item."""
        at = datetime.fromtimestamp(when).strftime("%H:%M:%S")
        self.say(f"next send at {at}", wait=max(when - time.time(), 0.0))

    def say(self, note: str, *, wait: float = 0.0) -> None:
        """Show ``note`` beside the bar until the next :meth:`advance`.

        ``wait`` is how long nothing else will happen: in a log, a wait longer than the
        interval is worth a line of its own.
        """
        self.note = note
        self._show(force=True, long_wait=wait >= self._interval)

    def _show(self, *, force: bool, long_wait: bool = False) -> None:
        if self._stream is None:
            return
        now = time.monotonic()
        if self._click is not None:
            if not force and now - self._last_draw < _REDRAW and self.done < self.total:
                return
            self._last_draw = now
            steps, self._drawn = self.done - self._drawn, self.done
            self._click.current_item = self.note
            if steps > 0:
                self._click.update(steps)  # click keeps the ETA from the steps it is told
            else:
                self._click.render_progress()
            return
        if long_wait or now - self._last_line >= self._interval:
            self._last_line = now
            self._line()

    def _line(self) -> None:
        assert self._stream is not None
        if self.total:
            text = f"{self.label}: {self.done}/{self.total} ({100 * self.done // self.total}%)"
        else:
            text = f"{self.label}: {self.done}"
        if self.note:
            text += f", {self.note}"
        self._stream.write(text + "\n")
        self._stream.flush()

    def _close(self) -> None:
        if self._click is not None:
            self.note = ""
            self._show(force=True)
            self._click.__exit__(None, None, None)
            self._click = None
        elif self._stream is not None and self._last_line != self._started:
            # A log that showed this job's progress also shows where it ended.
            elapsed = time.monotonic() - self._started
            self.note = f"done in {elapsed:.0f} s"
            self._line()


@contextmanager
def progress(label: str, total: int) -> Iterator[Bar]:
    """A :class:`Bar` for a job of ``total`` items, shown while the block runs."""
    stream = None
    if _settings.enabled:
        stream = _settings.stream or sys.stderr
    bar = Bar(label, total, stream, _interval())
    _active.append(bar)
    try:
        yield bar
    finally:
        _active.remove(bar)
        bar._close()


def current() -> Bar:
    """The bar of the innermost job running now, or one that shows nothing."""
    return _active[-1] if _active else _NOWHERE


#: What :func:`current` gives outside any job: a bar that shows nothing.
_NOWHERE = Bar("", 0, None, INTERVAL)


def _interval() -> float:
    if _settings.interval is not None:
        return _settings.interval
    try:
        return float(os.environ.get("OUTREACH_PROGRESS_INTERVAL", INTERVAL))
    except ValueError:
        return INTERVAL


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
