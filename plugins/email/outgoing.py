"""A message ready to send: its envelope and its bytes, the payload of a rendered email piece.

Kept apart from the channel so the sending loop (:mod:`.delivery`) can name the type without
importing the channel that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .message import Content, Headers, build_message

__all__ = ["OutgoingMessage"]


@dataclass(slots=True)
class OutgoingMessage:
    """A message ready to send: envelope and bytes (the ``payload`` of a rendered piece).

    Everything that can go wrong was checked when it was rendered. A message the fast
    builder makes is kept as its headers and content and turned into bytes when first asked
    (:attr:`data`), which the sending loop does while it waits for the server: the bytes
    are the same whenever they are made (the Date was fixed at rendering).
    """

    #: The envelope sender (MAIL FROM).
    sender: str
    #: Envelope recipients: the contact first, then Cc, then Bcc.
    recipients: tuple[str, ...]
    #: The domain of each recipient (rate limits).
    domains: tuple[str, ...]
    message_id: str
    #: Names the message's file in the outbox.
    outbox_key: str
    #: A non-ASCII address: the server must offer SMTPUTF8.
    smtputf8: bool = False
    #: Why the message cannot be sent (contact data refused); nothing else is set then.
    refused: str | None = None
    _data: bytes | None = None
    _parts: tuple[Headers, Content] | None = None

    @classmethod
    def refusal(cls, outbox_key: str, reason: str) -> OutgoingMessage:
        """A message that cannot be sent, for ``reason`` (its delivery fails with it)."""
        return cls("", (), (), "", outbox_key, refused=reason, _data=b"")

    def with_content(self, headers: Headers, content: Content, *, build_now: bool) -> None:
        """Give the message its headers and content; ``build_now`` makes the bytes at once
        (attachments: any surprise from the email package surfaces before sending)."""
        if build_now:
            self._data = build_message(headers, content, utf8=self.smtputf8)
            self._parts = None
        else:
            self._parts = (headers, content)

    @property
    def data(self) -> bytes:
        """The whole message, as it is sent."""
        if self._data is None:
            assert self._parts is not None
            headers, content = self._parts
            self._data = build_message(headers, content, utf8=self.smtputf8)
            self._parts = None
        return self._data
