"""The SMS channel: reach a contact's mobile number, render a text, post it to the provider."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from outreach import Channel, ConfigError, Outcome, Reach, Rendered, Requirement, Status
from outreach.fsutil import atomic_write

from .segments import segments

if TYPE_CHECKING:
    from outreach import Contact, DeliveryRun, Piece, Renderer, Workspace

#: Calling codes for the default country of numbers written without one.
_CALLING_CODES = {"US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "JP": "81"}


@dataclass(slots=True)
class SmsOptions:
    """A campaign's ``[sms]`` table."""

    #: The message (a template).
    body: str
    #: Refuse messages longer than this many segments (each segment is billed).
    max_segments: int = 3


@dataclass(slots=True)
class SmsSettings:
    """The account's ``[sms]`` table in ``outreach.toml``."""

    #: The number messages come from, in E.164 (+15555550100).
    sender: str = ""
    #: The provider's endpoint; without it requests are only written to files.
    api_url: str = ""
    #: The environment variable holding the API token (never the token itself).
    token_env: str = "OUTREACH_SMS_TOKEN"
    timeout: float = 10.0


def e164(number: str, country: str) -> str | None:
    """``number`` in E.164 form (+4930123456), or ``None`` when it cannot be one."""
    digits = re.sub(r"[^\d+]", "", number)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        code = _CALLING_CODES.get(country.upper())
        if code is None:
            return None
        digits = "+" + code + digits.lstrip("0")
    return digits if re.fullmatch(r"\+[1-9]\d{6,14}", digits) else None


def _no_mobile(contact: Contact) -> str | None:
    if any(phone.kind == "cell" for phone in contact.phones):
        return None
    return "no mobile number"


class SmsChannel(Channel):
    """Text messages through a provider's HTTP API."""

    name = "sms"
    description = "text messages through an SMS provider's HTTP API (example plugin)"
    Options = SmsOptions
    #: The account table ``[sms]`` of outreach.toml: checked when a campaign is loaded.
    Settings = SmsSettings
    #: ``[audience] require = ["mobile"]``: only contacts with a mobile number.
    requirements = (Requirement("mobile", "a mobile phone number", _no_mobile),)

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.settings: SmsSettings = self.account_settings(workspace)

    def reach(self, contact: Contact, options: SmsOptions) -> Reach:
        for phone in contact.phones:
            if phone.kind == "cell":
                number = e164(phone.number, self.workspace.me.country)
                if number:
                    return Reach.at(number)
                return Reach.no(f"mobile number {phone.number!r} is not a full number")
        return Reach.no("no mobile number")

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        options: SmsOptions = piece.options
        text = renderer.render_string(
            options.body, piece.context, name="[sms] body", contact=piece.contact
        ).strip()
        count, encoding = segments(text)
        if count > options.max_segments:
            raise ConfigError(
                f"{piece.contact.display_name}: the text needs {count} SMS segments "
                f"({encoding}), more than max_segments = {options.max_segments}"
            )
        request = {"from": self.settings.sender, "to": piece.address, "text": text}
        return Rendered(
            piece.key,
            piece.contact,
            piece.address,
            request,
            summary=text[:60],
            preview=f"To: {piece.address}\n\n{text}",
            details={"segments": count, "encoding": encoding},
        )

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        folder = run.out_dir / "sms"
        token = os.environ.get(self.settings.token_env, "")
        for item in items:
            body = json.dumps(item.payload, ensure_ascii=False, indent=2).encode("utf-8")
            path = folder / f"{item.key.part}-{item.contact.uid}.json"
            atomic_write(path, body, mode=0o644)
            if not run.send:
                # A dry run: the file is what would go.
                run.finished(item, Outcome(Status.SENT))
                continue
            if not self.settings.api_url:
                # No provider configured: the request stays pending for a later run.
                run.finished(item, Outcome(Status.PENDING))
                continue
            if not token:
                missing = f"${self.settings.token_env} is not set"
                run.finished(item, Outcome(Status.FAILED, error=missing))
                continue
            run.sending(item)
            run.finished(item, self._post(body, token))
        run.artifact(folder, "SMS requests")
        if run.send and not self.settings.api_url:
            run.warn("no [sms] api_url in outreach.toml: requests written, nothing sent")

    def _post(self, body: bytes, token: str) -> Outcome:
        request = urllib.request.Request(
            self.settings.api_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                answer: dict[str, Any] = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            # The provider's words, never our request (it carries the token).
            reply = exc.read()[:200].decode("utf-8", errors="replace")
            return Outcome(Status.FAILED, error=f"HTTP {exc.code}: {reply}")
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
            reason = getattr(exc, "reason", exc)
            return Outcome(Status.FAILED, error=f"provider unreachable: {reason}")
        return Outcome(Status.SENT, message_id=str(answer.get("id", "")) or None)
