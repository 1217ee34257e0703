"""A quick congratulations: a short note by email or as a LinkedIn draft, recorded as a touch.

When something reminds you of someone (a new role, a launch, a child's acceptance) the advice
is to say so at once and keep it brief. This is a one-contact campaign run by the ordinary
engine, so the channels do the delivering and the journal keeps it from being sent twice:

* campaign ``congrats`` (outputs under ``out/congrats/``), one part per day and occasion, whose
  audience is the one contact;
* channel ``email`` (templates ``email/congrats.txt.j2``), ``linkedin``
  (``linkedin/congrats.txt.j2``), or ``auto``: email where they have an address, else LinkedIn;
* without ``send`` a dry run: the message lands in the outbox or the drafts, nothing is
  recorded; with ``send`` the email goes out and the engine records the touch, or the LinkedIn
  draft is recorded and, since the user is about to paste it, so is the touch.

The occasion reaches templates as ``vars.occasion``; override the wording by putting a
template of the same name in the workspace's ``templates/``. A birthday (``--for "your
birthday"``, the greeting the plan's ``birthday`` section and the reminders suggest) takes
``email/birthday.txt.j2`` and ``linkedin/birthday.txt.j2`` instead: "well deserved" does not
fit a birthday.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .campaign import Campaign
from .contact import Contact
from .delivery import DRAFTED, SENT
from .engine import Engine, RunResult
from .errors import InputError
from .locks import Holder
from .pluginhost import PluginHost, get_host
from .recorder import record_touch_once
from .workspace import Workspace

__all__ = [
    "CAMPAIGN_NAME",
    "CongratsResult",
    "Via",
    "check_occasion",
    "congrats_campaign",
    "congratulate",
]

CAMPAIGN_NAME = "congrats"
#: The subject line (a template).
SUBJECT = "Congratulations on {{ vars.occasion }}"
EMAIL_TEMPLATE = "email/congrats.txt.j2"
LINKEDIN_TEMPLATE = "linkedin/congrats.txt.j2"
BIRTHDAY_SUBJECT = "Happy birthday, {{ greeting }}"
BIRTHDAY_EMAIL_TEMPLATE = "email/birthday.txt.j2"
BIRTHDAY_LINKEDIN_TEMPLATE = "linkedin/birthday.txt.j2"
_BIRTHDAY = re.compile(r"\bbirthday\b", re.IGNORECASE)
#: Longer than this is no longer a quick note's occasion.
MAX_OCCASION = 120

Via = Literal["auto", "email", "linkedin"]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_occasion(text: str) -> str:
    """The occasion on one line, or :class:`InputError` saying what is wrong with it."""
    if _CONTROL.search(text.strip()):
        raise InputError("--for must be one line of text (no line breaks or control characters)")
    occasion = " ".join(text.split())
    if not occasion:
        raise InputError('--for is empty; say what to congratulate on, e.g. --for "the new role"')
    if len(occasion) > MAX_OCCASION:
        raise InputError(
            f"--for is {len(occasion)} characters; keep it under {MAX_OCCASION} "
            "(a few words such as 'the new role')"
        )
    return occasion


def congrats_campaign(
    contact_uid: str, occasion: str, via: Via, host: PluginHost, today: date
) -> Campaign:
    """The one-contact campaign for a congratulations note."""
    digest = hashlib.sha256(occasion.casefold().encode("utf-8")).hexdigest()[:8]
    channels = ["email", "linkedin"] if via == "auto" else [via]
    part: dict[str, object] = {
        "id": f"{today:%Y%m%d}-{digest}",
        "audience": {"contacts": [contact_uid]},
        "deliver": "first",
        "channels": channels,
    }
    birthday = bool(_BIRTHDAY.search(occasion))
    if "email" in channels:
        subject, template = (
            (BIRTHDAY_SUBJECT, BIRTHDAY_EMAIL_TEMPLATE) if birthday else (SUBJECT, EMAIL_TEMPLATE)
        )
        part["email"] = {"subject": subject, "template": template}
    if "linkedin" in channels:
        template = BIRTHDAY_LINKEDIN_TEMPLATE if birthday else LINKEDIN_TEMPLATE
        part["linkedin"] = {"kind": "message", "template": template}
    data = {
        "name": CAMPAIGN_NAME,
        "description": "a quick congratulations",
        "vars": {"occasion": occasion},
        "part": [part],
    }
    return Campaign.from_dict(data, host, source="congrats")


@dataclass(slots=True)
class CongratsResult:
    """What ``congratulate`` did."""

    contact: Contact
    occasion: str
    #: The channel that carried it.
    channel: str
    #: The note as rendered ("" when it was already sent earlier).
    preview: str
    #: ``sent``, ``drafted``, ``dry-run``, ``already-done``, ``failed``, or ``stopped`` (a
    #: sending limit held it back: run again later).
    status: str
    #: True when this call recorded a touch (itself or through the engine).
    touched: bool
    run: RunResult


def congratulate(
    workspace: Workspace,
    query: str,
    occasion: str,
    *,
    via: Via = "auto",
    send: bool = False,
    today: date | None = None,
    host: PluginHost | None = None,
    wait: bool = True,
    on_wait: Callable[[Holder], None] | None = None,
) -> CongratsResult:
    """Write (and with ``send`` deliver and record) a congratulations note to one contact.

    ``query`` is a UID, an email address or a name matching one contact. Raises
    :class:`InputError` when the occasion is not one short line or the chosen channel cannot
    reach the contact. With ``send`` it is a sending run like any other: it waits for the
    workspace's send lock (``on_wait`` is told whom for; with ``wait=False`` it raises
    :class:`~outreach.locks.LockBusy` instead), and a sending limit can hold the note back
    (status ``stopped``).
    """
    if via not in ("auto", "email", "linkedin"):
        raise InputError(f"--via must be email, linkedin or auto, not {via!r}")
    occasion = check_occasion(occasion)
    day = today or date.today()
    host = host or get_host()
    contact = workspace.open_book().find(query)
    campaign = congrats_campaign(contact.uid, occasion, via, host, day)
    engine = Engine(workspace, host=host, today=day)
    run = engine.run(campaign, send=send, wait=wait, on_wait=on_wait)
    if run.plan.left_out:
        reasons = "; ".join(e.reason for e in run.plan.left_out)
        other = " (try --via linkedin)" if via == "email" else ""
        raise InputError(f"{contact.display_name}: cannot congratulate by {via}: {reasons}{other}")
    if not run.rendered:
        done = run.plan.done[0] if run.plan.done else None
        channel = done.channel if done else via
        return CongratsResult(contact, occasion, channel, "", "already-done", False, run)
    piece = run.rendered[0]
    channel = piece.key.channel
    statuses = {status for (name, status) in run.counts if name == channel}
    touched = False
    if not run.ok:
        status = "failed"
    elif not send:
        status = "dry-run"
    elif run.not_finished:
        status = "stopped"
    elif SENT in statuses:
        status, touched = "sent", True  # the engine recorded the touch
    elif DRAFTED in statuses:
        status = "drafted"
        with workspace.open_journal() as journal:
            # The user is about to paste the draft: count it as a touch, once.
            note = f"congratulations on {occasion}"
            touched = record_touch_once(journal, contact.uid, day, "linkedin", note, CAMPAIGN_NAME)
    else:
        status = ", ".join(sorted(statuses)) or "not delivered"
    return CongratsResult(contact, occasion, channel, piece.preview, status, touched, run)
