"""Helpers for the LinkedIn and review-page tests: campaigns in code, one draft rendered."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from outreach.campaign import Campaign
from outreach.channel import Rendered
from outreach.contact import Contact
from outreach.engine import Engine
from outreach.pluginhost import get_host
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
