"""Helpers for the LinkedIn and review-page tests: campaigns in code, one draft rendered."""

from __future__ import annotations

import contextlib
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from outreach import hookimpl
from outreach.campaign import Campaign
from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered
from outreach.contact import Contact
from outreach.engine import Engine
from outreach.journal import PRINTED
from outreach.pluginhost import get_host
from outreach.templating import Renderer
from outreach.workspace import Workspace

TODAY = date(2025, 6, 20)


def set_account(workspace: Workspace, account: str) -> Workspace:
    """The workspace with ``[linkedin] account`` set in its outreach.toml, reloaded."""
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(
        text + f'\n[linkedin]\naccount = "{account}"\n', encoding="utf-8"
    )
    return Workspace.load(workspace.root)


def linkedin_campaign(table: dict[str, Any], *, name: str = "drafts", **top: Any) -> Campaign:
    """A one-part campaign over the LinkedIn channel with ``table`` as its ``[linkedin]``."""
    data: dict[str, Any] = {"name": name, "linkedin": table, **top}
    return Campaign.from_dict(data, get_host(), source=f"{name}.toml")


def render_for(workspace: Workspace, contact: Contact, table: dict[str, Any]) -> Rendered:
    """Render the LinkedIn draft ``table`` describes for ``contact`` (who must be in the book)."""
    engine = Engine(workspace, today=TODAY)
    _, rendered = engine.preview(linkedin_campaign(table, audience={"contacts": [contact.uid]}))
    (item,) = rendered
    return item


def write_campaign(path: Path, text: str) -> Path:
    """Write a campaign file and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tiny_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG image of one colour (standard library only)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _card(uid: str, given: str, family: str, *lines: str) -> str:
    body = "\r\n".join(lines)
    return (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nN:{family};{given};;;\r\n"
        f"FN:{given} {family}\r\n{body}\r\nEND:VCARD\r\n"
    )


#: A book as a LinkedIn connections export makes it: names, companies, positions and profile
#: URLs for everyone, an email address for only the few who chose to share it.
LINKEDIN_EXPORT_VCF = "".join(
    [
        _card(
            "li-01",
            "Maria",
            "Rossi",
            "ORG:Northwind Analytics",
            "TITLE:Head of Data",
            "URL:https://www.linkedin.com/in/maria-rossi-42",
            "X-OUTREACH-RELATIONSHIP:managed me directly",
            "CATEGORIES:colleague,recommender",
        ),
        _card(
            "li-02",
            "Wei",
            "Zhang",
            "ORG:Northwind Analytics",
            "TITLE:Staff Engineer",
            "URL:https://www.linkedin.com/in/zhangwei",
            "EMAIL;TYPE=INTERNET:wei@example.cn",
            "CATEGORIES:colleague,recommender",
        ),
        _card(
            "li-03",
            "Ólafur",
            "Jónsson",
            "ORG:Northwind Analytics",
            "TITLE:Data Analyst",
            "URL:https://is.linkedin.com/in/olafur-jonsson",
            "CATEGORIES:colleague",
        ),
        _card(
            "li-04",
            "Αλέξης",
            "Παπαδόπουλος",
            "ORG:Northwind Analytics",
            "TITLE:Product Manager",
            "URL:https://www.linkedin.com/in/alexis-p",
            "CATEGORIES:colleague",
        ),
        _card(
            "li-05",
            "Priya",
            "Natarajan",
            "ORG:Northwind Analytics",
            "TITLE:Designer",
            "URL:https://www.linkedin.com/in/priya-n",
            "EMAIL;TYPE=INTERNET:priya@example.in",
            "CATEGORIES:colleague",
        ),
        # No profile URL: the drafts page searches LinkedIn by name, flagged.
        _card(
            "li-06",
            "Tomás",
            "García",
            "ORG:Northwind Analytics",
            "TITLE:Recruiter",
            "CATEGORIES:colleague",
        ),
        _card(
            "li-07",
            "Aisha",
            "Bello",
            "ORG:Contoso",
            "TITLE:CTO",
            "URL:https://www.linkedin.com/in/aisha-bello",
            "X-OUTREACH-RELATIONSHIP:was my client at Contoso",
            "CATEGORIES:recommender",
        ),
        _card(
            "li-08",
            "Kenji",
            "Sato",
            "ORG:Fabrikam",
            "TITLE:Engineer",
            "URL:https://www.linkedin.com/in/kenji-sato",
        ),
        _card(
            "li-09",
            "Lena",
            "Fischer",
            "ORG:Northwind Analytics",
            "TITLE:Security Guard",
            "URL:https://de.linkedin.com/in/lena-fischer",
            "CATEGORIES:colleague",
        ),
        _card(
            "li-10",
            "Sam",
            "O'Neil",
            "ORG:Tailspin",
            "TITLE:Sales",
            "URL:https://www.linkedin.com/in/sam-oneil",
        ),
    ]
)


def write_linkedin_export_book(workspace: Workspace) -> None:
    """Make ``LINKEDIN_EXPORT_VCF`` the workspace's address book."""
    workspace.book_path.write_text(LINKEDIN_EXPORT_VCF, encoding="utf-8")


#: The end-of-contract example campaign shipped with the project.
END_OF_CONTRACT = Path(__file__).resolve().parents[1] / "examples/end-of-contract/campaign.toml"


def own_end_of_contract(folder: Path, last_day: date | None = None) -> Path:
    """The end-of-contract example as a user makes it their own before ``campaign run``:
    their company and position, a last day ahead (default: 60 days from now)."""
    day = last_day or date.today() + timedelta(days=60)
    text = END_OF_CONTRACT.read_text(encoding="utf-8")
    head, checks, tail = text.partition("[checks]")
    head = head.replace('company = "Northwind Analytics"', 'company = "Contoso Labs"')
    head = head.replace(
        'position = "Senior Data Engineer at Northwind Analytics"',
        'position = "Data Engineer at Contoso Labs"',
    )
    head = head.replace("last_day = 2025-06-27", f"last_day = {day.isoformat()}")
    target = folder / "end-of-contract" / "campaign.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(head + checks + tail, encoding="utf-8")
    return target


@dataclass(slots=True)
class ThumbOptions:
    """The thumbnail channel's campaign table."""

    #: Also report a ".png" artifact that is not a PNG, and a PDF.
    odd_files: bool = False


class ThumbChannel(Channel):
    """A stand-in for a print channel: one PNG thumbnail per card, reported as artifacts."""

    name = "thumbs"
    description = "test double reporting PNG previews"
    Options = ThumbOptions

    def reach(self, contact: Contact, options: ThumbOptions) -> Reach:
        address = contact.postal_address
        return Reach.at(address.one_line()) if address else Reach.no("no postal address")

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        text = f"Season's greetings, {piece.contact.greeting_name}!"
        return Rendered(
            piece.key, piece.contact, piece.address, text, text, text, {"page": 1, "tags": ["a"]}
        )

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        folder = run.out_dir / "previews"
        folder.mkdir(exist_ok=True)
        for number, item in enumerate(items, 1):
            path = folder / f"card-{number}.png"
            path.write_bytes(tiny_png(40 + number, 30, (200, 30 * number % 256, 60)))
            run.artifact(path, f"card preview, page {number}")
            run.finished(item, Outcome(PRINTED))
        part = next(p for p in run.campaign.parts if p.channels == ["thumbs"])
        if part.options["thumbs"].odd_files:
            fake = folder / "envelopes.png"
            fake.write_bytes(b"%PDF-1.4 not an image")
            run.artifact(fake, "envelope preview")
            pdf = run.out_dir / "cards.pdf"
            pdf.write_bytes(b"%PDF-1.4")
            run.artifact(pdf, "cards")


class _ThumbPlugin:
    @hookimpl
    def register_channels(self, register: Callable[[type[Channel]], None]) -> None:
        register(ThumbChannel)


@contextlib.contextmanager
def registered_thumbs() -> Iterator[None]:
    """Register the thumbnail channel for the duration of a ``with`` block."""
    host = get_host()
    host.register(_ThumbPlugin(), name="thumbs-channel")
    try:
        yield
    finally:
        host.unregister(name="thumbs-channel")
