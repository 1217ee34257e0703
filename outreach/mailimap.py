"""The ``imap`` mail source: the ``[imap]`` account read through :mod:`outreach.imapsource`.

Each folder's state in the journal is its UIDVALIDITY and the last UID read, written with every
batch, so a connection dropped part way (:class:`~outreach.errors.MailConnectionLost`, exit
status 3) leaves everything up to the last committed batch counted, and the next sync goes on
from there. When the server's UIDVALIDITY changed, the folder is read again from the start;
Message-IDs keep that from counting anything twice.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError
from .mailsources import Batch, Incoming
from .mailstate import MailState

if TYPE_CHECKING:
    from .imapsource import ImapSettings, ImapSource
    from .workspace import Workspace

__all__ = ["ImapMailSource", "imap_source"]


class ImapMailSource:
    """The folders of the ``[imap]`` account (those configured, and the Sent folder)."""

    def __init__(
        self,
        settings: ImapSettings,
        environ: Mapping[str, str] = os.environ,
        *,
        workdir: Path | None = None,
    ) -> None:
        self.settings = settings
        self.environ = environ
        #: Where token_command runs: the workspace, like every program outreach.toml names.
        self.workdir = workdir
        self._source: ImapSource | None = None
        self.label = f"imap {settings.username}@{settings.host}"
        self._account = f"imap:{settings.username}@{settings.host}:{settings.port}"

    def count(self, state: MailState) -> int | None:
        """The messages to read, from each folder's STATUS (at most: UIDs may have gaps).

        The session it opens is the one :meth:`batches` then reads over.
        """
        source = self._open()
        total = 0
        for folder, _ in source.folders():
            status = source.status(folder)
            known = self._state(state, folder)
            if known is None or known[0] != status.uidvalidity:
                total += status.messages
            else:
                total += max(0, min(status.messages, status.uidnext - 1 - known[1]))
        return total

    def _open(self) -> ImapSource:
        from .imapsource import ImapSource

        if self._source is None:
            source = ImapSource(self.settings, self.environ, workdir=self.workdir)
            self._source = source.__enter__()
        return self._source

    def _state_key(self, folder: str) -> str:
        return f"{self._account}/{folder}"

    def _state(self, state: MailState, folder: str) -> tuple[int, int] | None:
        text = state.source_state(self._state_key(folder))
        if text is None:
            return None
        validity, _, last = text.partition(":")
        return int(validity), int(last)

    def batches(self, state: MailState) -> Iterator[Batch]:
        """Each folder's messages past the recorded UID (all of them after a UIDVALIDITY
        change), :data:`~outreach.mailsources.BATCH` at a time, over one connection."""
        from .mailsources import BATCH

        source = self._open()
        try:
            for folder, _ in source.folders():
                key = self._state_key(folder)
                chunk: list[Incoming] = []
                last: tuple[int, int] | None = None
                for fetched in source.fetch_new(folder, self._state(state, folder)):
                    chunk.append(
                        Incoming(
                            f"{self.label}/{folder}",
                            fetched.is_sent,
                            fetched.header,
                            partial(source.fetch_body, folder, fetched.uid),
                        )
                    )
                    last = (fetched.uidvalidity, fetched.uid)
                    if len(chunk) >= BATCH:
                        yield Batch(chunk, _recorder(key, last))
                        chunk = []
                if chunk and last is not None:
                    yield Batch(chunk, _recorder(key, last))
        finally:
            self._source = None
            source.__exit__(None, None, None)


def _recorder(key: str, position: tuple[int, int]) -> Callable[[MailState], None]:
    def record(state: MailState) -> None:
        state.set_source_state(key, f"{position[0]}:{position[1]}")

    return record


def imap_source(workspace: Workspace, environ: Mapping[str, str] = os.environ) -> ImapMailSource:
    """The ``imap`` source of a workspace, from its ``[imap]`` table."""
    from .imapsource import ImapSettings

    section = workspace.section("imap")
    where = f"{workspace.config_path} [imap]"
    if not section:
        raise ConfigError(f"{where}: there is no [imap] table; add one to read mail over IMAP")
    settings = ImapSettings.from_section(section, where)
    if settings.ca_file:
        # Like every path in outreach.toml, a relative ca_file is the workspace's.
        ca_file = workspace.root / Path(settings.ca_file).expanduser()
        settings = dataclasses.replace(settings, ca_file=str(ca_file))
    return ImapMailSource(settings, environ, workdir=workspace.root)
