"""The LinkedIn channel: drafts to paste, because LinkedIn has no API for sending messages.

* **reach**: anyone with a profile URL, or with a name to search for (flagged on the page);
* **render**: the draft of the campaign's kind, counted as LinkedIn counts and checked
  against its limit (over the limit is an error that stops the run, never a cut);
* **deliver**: ``linkedin.html`` and ``linkedin.csv`` in the campaign's output folder, every
  piece reported as ``drafted``. A draft becomes ``sent`` when the user says so, with
  ``outreach campaign mark-sent`` or ``outreach touch CONTACT --via linkedin``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered, Requirement
from outreach.contact import Contact
from outreach.delivery import DRAFTED
from outreach.fsutil import atomic_write
from outreach.workspace import Workspace

from .draft import Draft, render_draft
from .drafts_csv import FORMULA_STARTS, csv_rows, to_csv
from .options import LinkedInOptions, LinkedInSettings
from .page import build_page
from .profile import ProfileLink, find_profile

if TYPE_CHECKING:
    from outreach.templating import Renderer

__all__ = ["LinkedInChannel"]


def _summary(draft: Draft) -> str:
    first = draft.subject or draft.text.split("\n", 1)[0]
    if len(first) > 60:
        first = first[:59].rstrip() + "…"
    return f"LinkedIn {draft.label}: {first}"


def _preview(draft: Draft) -> str:
    if draft.kind == "inmail":
        return f"Subject: {draft.subject}\n\n{draft.text}"
    if draft.kind == "recommendation":
        relationship = draft.relationship or "(choose on LinkedIn)"
        return (
            f"Relationship: {relationship}\nPosition at the time: {draft.position}\n\n{draft.text}"
        )
    return draft.text


def _details(draft: Draft) -> dict[str, object]:
    details: dict[str, object] = {"kind": draft.label}
    if draft.profile.known:
        details["profile"] = draft.profile.url
    else:
        details["profile"] = "unknown: the link searches LinkedIn by name"
    if draft.kind == "inmail":
        details["subject characters"] = f"{draft.subject_chars} of {draft.subject_limit}"
    details["characters"] = f"{draft.chars} of {draft.limit}"
    if draft.kind == "recommendation":
        details["relationship"] = draft.relationship or "(choose on LinkedIn)"
        details["position at the time"] = draft.position
    return details


class LinkedInChannel(Channel):
    """LinkedIn drafts: connection notes, messages, InMail and recommendation requests."""

    name = "linkedin"
    description = "LinkedIn drafts to paste: linkedin.html and linkedin.csv"
    Options = LinkedInOptions
    Settings = LinkedInSettings
    requirements = (
        Requirement(
            "linkedin",
            "a LinkedIn profile address",
            lambda contact: None if contact.linkedin else "no LinkedIn profile",
        ),
    )

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.settings: LinkedInSettings = self.account_settings(workspace)

    def reach(self, contact: Contact, options: LinkedInOptions) -> Reach:
        link = find_profile(contact)
        if link is None:
            return Reach.no("no LinkedIn profile and no name to search for")
        return Reach.at(link.url)

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        options: LinkedInOptions = piece.options
        profile = find_profile(piece.contact) or ProfileLink(piece.address, False)
        draft = render_draft(
            options, piece.context, piece.contact, profile, renderer, self.settings.account
        )
        return Rendered(
            piece.key,
            piece.contact,
            piece.address,
            draft,
            summary=_summary(draft),
            preview=_preview(draft),
            details=_details(draft),
        )

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        drafts: list[tuple[Contact, str, Draft]] = [
            (item.contact, item.key.part, item.payload) for item in items
        ]
        page = build_page(
            run.campaign.name,
            drafts,
            account=self.settings.account,
            campaign_file=run.campaign.path,
        )
        table = to_csv(csv_rows((contact, draft) for contact, _, draft in drafts))
        html_path = run.out_dir / "linkedin.html"
        csv_path = run.out_dir / "linkedin.csv"
        # Both files hold personal data: readable by the user only (atomic_write's default).
        atomic_write(html_path, page.encode("utf-8"))
        atomic_write(csv_path, table.encode("utf-8"))
        run.artifact(html_path, "LinkedIn drafts page")
        run.artifact(csv_path, "LinkedIn drafts table")
        self._warn(drafts, run)
        run.finished_many([(item, Outcome(DRAFTED)) for item in items])

    def _warn(self, drafts: list[tuple[Contact, str, Draft]], run: DeliveryRun) -> None:
        searches = [c.display_name for c, _, d in drafts if not d.profile.known]
        if searches:
            run.warn(
                f"{len(searches)} LinkedIn draft(s) without a profile URL link to a people "
                f"search instead (flagged on the page): {', '.join(searches[:5])}"
                + (" ..." if len(searches) > 5 else "")
            )
        for contact, _, draft in drafts:
            if draft.text.startswith(FORMULA_STARTS):
                run.warn(
                    f"the LinkedIn draft for {contact.display_name} starts with "
                    f"{draft.text[:1]!r}: a spreadsheet opening linkedin.csv may read it as "
                    "a formula (the text is kept exactly as written)"
                )
        if self.settings.account == "free" and any(d.kind == "inmail" for _, _, d in drafts):
            run.warn("InMail needs a Premium account, and [linkedin] account is 'free'")
