"""The email channel: render personal messages, write the outbox, send with ``--send``.

:meth:`EmailChannel.render` turns one contact's piece into the exact bytes that will be sent
(checked by :mod:`.safety`, built by :mod:`.message`); :meth:`EmailChannel.deliver` writes them
to the Maildir outbox on a dry run, or hands them to :class:`~.delivery.Sender` with
``--send``. A contact whose data cannot go into a message safely (a line break in the name,
an invalid address ...) is refused: that one delivery fails with the reason, the rest go on.
"""

from __future__ import annotations

import csv
import gc
import io
import mimetypes
import re
import threading
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered, Requirement
from outreach.contact import Contact
from outreach.delivery import FAILED, SENT
from outreach.errors import ConfigError, InputError

from .message import Attachment, Content, Headers, current_date, message_id
from .options import EmailOptions, parse_options
from .outgoing import OutgoingMessage
from .safety import (
    Address,
    Refused,
    check_header_text,
    message_id_or_none,
    parse_mailbox,
    validate_address,
)
from .settings import ServerSettings, load_settings

if TYPE_CHECKING:
    from outreach.templating import Renderer
    from outreach.workspace import Workspace

    from .outbox import Outbox

__all__ = ["EmailChannel", "OutgoingMessage"]

_METHOD = re.compile(r"^METHOD:([A-Za-z-]+)\s*$", re.MULTILINE)


def _no_email(contact: Contact) -> str | None:
    return None if contact.emails else "no email address"


def _run_coroutine(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` to the end, even when called from inside a running event loop."""
    import asyncio  # only to send; importing it costs every command a noticeable moment

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coroutine)
        return
    # A library user calling from async code: run in a thread with its own loop.
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            errors.append(exc)

    thread = threading.Thread(target=target, name="outreach-email")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


class EmailChannel(Channel):
    """Personal email: one message per contact, a Maildir outbox, SMTP with ``--send``."""

    name = "email"
    description = "personal email: a Maildir outbox, or SMTP with --send"
    Options = EmailOptions
    Settings = ServerSettings
    requirements = (Requirement("email", "an email address", _no_email),)

    def __init__(self, workspace: Any) -> None:
        super().__init__(workspace)
        self._where = f"{workspace.config_path} [email]"
        self._sender: tuple[str, Address] | None = None
        self._files: dict[Path, bytes] = {}
        self._tables: dict[Path, dict[str, dict[str, str]]] = {}

    @classmethod
    def parse_options(cls, table: Any, where: str) -> EmailOptions:
        return parse_options(table, where)

    @classmethod
    def account_keys(cls) -> frozenset[str]:
        # A password never belongs in a file at all, but in a campaign it is also misplaced.
        return super().account_keys() | {"password"}

    @classmethod
    def account_settings(cls, workspace: Workspace) -> ServerSettings:
        """The ``[email]`` table, with a ``preset`` applied."""
        where = f"{workspace.config_path} [{cls.account_table()}]"
        return load_settings(workspace.section(cls.account_table()), where)

    # -- settings -------------------------------------------------------------------------

    def settings(self) -> ServerSettings:
        """The account's ``[email]`` settings (parsed when first needed)."""
        return self.account_settings(self.workspace)

    def _default_sender(self) -> tuple[str, Address]:
        if self._sender is None:
            me = self.workspace.me
            if not me.email:
                raise ConfigError(
                    f"{self.workspace.config_path}: [me] email is needed to send email"
                )
            try:
                check_header_text(me.name, "[me] name")
                self._sender = (me.name, validate_address(me.email))
            except Refused as exc:
                raise ConfigError(f"{self.workspace.config_path}: [me] {exc}") from None
        return self._sender

    # -- the channel contract ---------------------------------------------------------------

    def reach(self, contact: Contact, options: EmailOptions) -> Reach:
        address = contact.primary_email
        return Reach.at(address) if address else Reach.no("no email address")

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        options: EmailOptions = piece.options
        contact = piece.contact
        context = piece.context
        base = None
        if options.data or options.attachments:
            base = piece.campaign.directory or self.workspace.root
        if options.data:
            assert base is not None
            # A copy: render leaves the piece it was given as it was.
            row = self._row(base / options.data, options.data_key, piece.address)
            context = {**context, "row": row}

        def text(source: str, what: str) -> str:
            if "{" not in source:
                return source
            return renderer.render_string(source, context, name=f"[email] {what}", contact=contact)

        subject = " ".join(text(options.subject, "subject").split())
        if options.template:
            body = renderer.render(options.template, context, contact=contact)
        else:
            body = text(options.body, "body")
        html = None
        if options.html_template:
            html = renderer.render(options.html_template, context, contact=contact)
        elif options.markdown:
            html = _markdown(body)
        attached = [
            self._attachment(text(path, f"attachments[{i}]"), path, base, contact)
            for i, path in enumerate(options.attachments)
            if base is not None
        ]
        attachments = [attachment for _, attachment in attached]
        key = piece.key
        outbox_key = f"{key.campaign}/{key.part}/{key.contact_uid}/{key.channel}"
        if html is not None and attached and base is not None:
            from .inline import embed_images

            html, attachments = embed_images(html, attached, base, outbox_key)
        if options.ics:
            attachments.append(
                _invitation(
                    renderer.render(options.ics, context, contact=contact), options.ics_name
                )
            )
        try:
            message = self._build(options, contact, piece.address, subject, text, outbox_key)
            message.headers.in_reply_to = message_id_or_none(piece.follows) or ""
        except Refused as exc:
            reason = f"refused: {exc}"
            refused = OutgoingMessage.refusal(outbox_key, reason)
            return Rendered(
                key, contact, piece.address, refused, subject, f"REFUSED ({reason})", {}
            )
        preview = _preview(message, subject, body, html, attachments)
        outgoing = OutgoingMessage(
            message.sender,
            message.recipients,
            message.domains,
            message.headers.message_id,
            outbox_key,
            message.smtputf8,
        )
        # With attachments the email package builds it: any surprise surfaces now.
        outgoing.with_content(
            message.headers, Content(body, html, attachments), build_now=bool(attachments)
        )
        details = {
            "message_id": outgoing.message_id,
            "attachments": [a.filename for a in attachments],
            "bcc": list(message.bcc),
        }
        return Rendered(key, contact, piece.address, outgoing, subject, preview, details)

    def _build(
        self,
        options: EmailOptions,
        contact: Contact,
        address: str,
        subject: str,
        text: Any,
        outbox_key: str,
    ) -> _Draft:
        name = contact.display_name
        check_header_text(name, "the contact's name")
        check_header_text(subject, "the subject")
        to = validate_address(address)
        if options.sender:
            sender_name, sender = parse_mailbox(text(options.sender, "from"), "from")
        else:
            sender_name, sender = self._default_sender()
        headers = Headers(
            (sender_name, sender.address),
            [(name, to.address)],
            subject,
            message_id(f"{outbox_key}/{sender.address}", sender.domain),
            current_date(),
        )
        if not (options.cc or options.bcc or options.reply_to):
            # The usual case: one recipient, nothing more to check.
            return _Draft(
                headers,
                sender.address,
                (to.address,),
                (to.domain,),
                sender.smtputf8 or to.smtputf8,
                (),
            )
        cc = [parse_mailbox(text(v, f"cc[{i}]"), "cc") for i, v in enumerate(options.cc)]
        bcc = [parse_mailbox(text(v, f"bcc[{i}]"), "bcc") for i, v in enumerate(options.bcc)]
        reply_to = (
            [parse_mailbox(text(options.reply_to, "reply_to"), "reply_to")]
            if options.reply_to
            else []
        )
        headers.cc = [(n, a.address) for n, a in cc]
        headers.reply_to = [(n, a.address) for n, a in reply_to]
        everyone = [to, *(a for _, a in cc), *(a for _, a in bcc)]
        utf8 = any(a.smtputf8 for a in [sender, *everyone, *(a for _, a in reply_to)])
        # The same address twice (a Bcc to the contact) gets one copy.
        recipients: dict[str, Address] = {}
        for a in everyone:
            recipients.setdefault(a.address.lower(), a)
        return _Draft(
            headers,
            sender.address,
            tuple(a.address for a in recipients.values()),
            tuple(a.domain for a in recipients.values()),
            utf8,
            tuple(a.address for _, a in bcc),
        )

    def _attachment(
        self, rendered: str, source: str, base: Path, contact: Contact
    ) -> tuple[Path, Attachment]:
        who = f"{contact.display_name} <{contact.uid}>"
        try:
            check_header_text(rendered, "the attachment path")
        except Refused as exc:
            raise InputError(f"[email] attachments {source!r}: {exc} (contact: {who})") from None
        path = (base / Path(rendered).expanduser()).resolve()
        if "{" in source and not path.is_relative_to(base.resolve()):
            # The path came from contact data through a template: keep it in the folder.
            raise InputError(
                f"[email] attachments {source!r} became {rendered!r}, outside the campaign "
                f"folder {base} (contact: {who})"
            )
        data = self._files.get(path)
        if data is None:
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                raise InputError(f"{path}: attachment not found (contact: {who})") from None
            except OSError as exc:
                raise InputError(f"{path}: cannot read the attachment: {exc.strerror}") from None
            self._files[path] = data
        kind, encoding = mimetypes.guess_type(path.name)
        if kind is None or encoding is not None:
            kind = "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        return path, Attachment(path.name, data, maintype, subtype)

    def _row(self, path: Path, key: str, address: str) -> dict[str, str]:
        table = self._tables.get(path)
        if table is None:
            table = _read_table(path, key)
            self._tables[path] = table
        return table.get(address.strip().lower(), {})

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        from .outbox import Outbox

        outbox = Outbox(run.out_dir / "outbox")
        ready: list[tuple[Rendered, OutgoingMessage]] = []
        for item in items:
            message: OutgoingMessage = item.payload
            if message.refused:
                run.finished(item, Outcome(FAILED, error=message.refused))
            else:
                ready.append((item, message))
        untitled = sum(1 for item, _ in ready if not item.summary)
        if untitled:
            run.warn(f'{untitled} message(s) go without a subject (subject = "" in the campaign)')
        try:
            if not run.send:
                for item, message in ready:
                    outbox.put(message.outbox_key, message.data)
                    run.finished(item, Outcome(SENT, message.message_id))
            elif ready:
                self._send(ready, run, outbox)
        finally:
            for problem in outbox.close():
                run.warn(problem)
        what = "the messages sent" if run.send else "messages as they would be sent"
        run.artifact(outbox.path, f"outbox (Maildir, {what})")

    def _send(
        self, ready: list[tuple[Rendered, OutgoingMessage]], run: DeliveryRun, outbox: Outbox
    ) -> None:
        import time

        from .delivery import Sender
        from .ratelimit import DAY, RateLimiter
        from .secrets import Redactor, load_credentials
        from .smtp import make_tls_context

        settings = self.settings()
        if not settings.host:
            raise ConfigError(f"{self._where}: host is not set; it is needed to --send")
        credentials = load_credentials(settings, self._where, self.workspace.root)
        history = run.send_log(self.name).times(time.time() - DAY)
        limiter = RateLimiter(
            per_minute=settings.per_minute,
            per_day=settings.per_day,
            per_domain_per_minute=settings.per_domain_per_minute,
            history=history,
        )
        sender = Sender(
            settings,
            credentials,
            Redactor.for_credentials(credentials),
            run,
            outbox,
            tls_context=make_tls_context(settings) if settings.security != "none" else None,
            limiter=limiter,
        )
        # Everything alive now (the book, the rendered messages) lives until the run ends;
        # frozen, the cyclic collector does not walk it over and over while sending.
        gc.freeze()
        try:
            _run_coroutine(sender.send_all(ready))
        finally:
            gc.unfreeze()


@dataclass(slots=True)
class _Draft:
    headers: Headers
    sender: str
    recipients: tuple[str, ...]
    domains: tuple[str, ...]
    smtputf8: bool
    bcc: tuple[str, ...]


def _markdown(text: str) -> str:
    """The HTML alternative of a Markdown body.

    Raw HTML in the Markdown is shown as text, never passed through: the body holds contact
    data (names, notes, relationships), and none of it may add markup, links or images to a
    message. Templates that want real HTML use ``html_template``, which is autoescaped.
    """
    import markdown

    # nl2br: a line break in the text is one in the HTML too, as the text part shows it
    # (and as mailmerge renders Markdown).
    converter = markdown.Markdown(extensions=["extra", "sane_lists", "nl2br"])
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    body = converter.convert(text)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f"<body>\n{body}\n</body></html>\n"
    )


def _invitation(text: str, filename: str) -> Attachment:
    # Calendar files want CRLF line endings (RFC 5545).
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    found = _METHOD.search(text)
    params = (("method", found.group(1).upper()),) if found else ()
    return Attachment(filename, data, "text", "calendar", params)


def _read_table(path: Path, key: str) -> dict[str, dict[str, str]]:
    from outreach.importer import decode_text

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such data file ([email] data)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the data file: {exc.strerror}") from None
    # Spreadsheets export Windows-1252 as often as UTF-8: read it as the CSV importer does.
    reader = csv.DictReader(
        io.StringIO(decode_text(data, path, hint="save it as UTF-8"), newline="")
    )
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    if key.strip().lower() not in fields:
        raise InputError(f"{path}: the data file has no column {key!r} (data_key)")
    column = fields[key.strip().lower()]
    table: dict[str, dict[str, str]] = {}
    try:
        for row in reader:
            address = (row.get(column) or "").strip().lower()
            if address:
                table.setdefault(address, {k.strip(): v or "" for k, v in row.items() if k})
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: {exc}") from None
    return table


def _preview(
    message: _Draft, subject: str, body: str, html: str | None, attachments: list[Attachment]
) -> str:
    headers = message.headers
    lines = [
        f"From: {_show(headers.sender)}",
        f"To: {', '.join(_show(m) for m in headers.to)}",
    ]
    if headers.cc:
        lines.append(f"Cc: {', '.join(_show(m) for m in headers.cc)}")
    if message.bcc:
        lines.append(f"Bcc (envelope only): {', '.join(message.bcc)}")
    if headers.reply_to:
        lines.append(f"Reply-To: {', '.join(_show(m) for m in headers.reply_to)}")
    lines.append(f"Subject: {subject}")
    if headers.in_reply_to:
        lines.append(f"In-Reply-To: {headers.in_reply_to}")
    if html is not None:
        lines.append("(with an HTML version)")
    if attachments:
        lines.append(f"Attachments: {', '.join(a.filename for a in attachments)}")
    return "\n".join(lines) + "\n\n" + body


def _show(mailbox: tuple[str, str]) -> str:
    name, address = mailbox
    return f"{name} <{address}>" if name else address
