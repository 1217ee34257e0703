"""The review page: every piece of a campaign on one page, before anything is sent.

``outreach campaign preview FILE --html`` does a dry run (outputs are written, nothing is sent
or recorded) and turns its :class:`~outreach.engine.RunResult` into one self-contained HTML
file: each piece as its channel renders it (:attr:`Rendered.summary`, :attr:`Rendered.preview`
and :attr:`Rendered.details`, so a new channel shows up with no change here), every PNG
image a channel reported as an artifact (card and envelope thumbnails) embedded as a
``data:`` URI, the other files written, who was left out and why, and what earlier runs
already settled. The page knows no channel by name.
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .channel import Rendered
from .engine import RunResult
from .errors import InputError
from .fsutil import atomic_write
from .htmlpage import render_page

__all__ = ["Figure", "FileLink", "build_review_page", "write_review_page"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class Figure:
    """A PNG artifact, embedded in the page."""

    description: str
    name: str
    data_uri: str


@dataclass(frozen=True, slots=True)
class FileLink:
    """A file a channel wrote, linked relative to the page."""

    description: str
    name: str
    href: str
    #: Why it is listed rather than shown ("missing", "not a PNG image" ...), or "".
    note: str = ""


@dataclass(slots=True)
class _ChannelGroup:
    name: str
    pieces: list[dict[str, Any]] = field(default_factory=list)


def _asset(name: str) -> str:
    return resources.files("outreach").joinpath(name).read_text(encoding="utf-8")


def _detail_value(value: Any) -> str:
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def _piece(item: Rendered) -> dict[str, Any]:
    details: Mapping[str, Any] = item.details or {}
    return {
        "uid": item.contact.uid,
        "name": item.contact.display_name,
        "address": item.address,
        "channel": item.key.channel,
        "summary": item.summary,
        "preview": item.preview.rstrip(),
        "details": [(str(k), _detail_value(v)) for k, v in details.items()],
    }


def _href(path: Path, page_dir: Path) -> str:
    try:
        relative = Path(os.path.relpath(path.resolve(), page_dir))
    except ValueError:  # another drive on Windows
        return path.resolve().as_uri()
    return quote(relative.as_posix())


def _artifacts(
    artifacts: list[tuple[Path, str]], page_dir: Path
) -> tuple[list[Figure], list[FileLink]]:
    figures: list[Figure] = []
    files: list[FileLink] = []
    seen: set[Path] = set()
    for path, description in artifacts:
        path = Path(path)
        if path in seen:
            continue
        seen.add(path)
        note = ""
        if path.suffix.lower() == ".png":
            try:
                data = path.read_bytes()
            except OSError as exc:
                note = f"cannot be read: {exc.strerror or exc}"
            else:
                if data.startswith(_PNG_SIGNATURE):
                    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
                    figures.append(Figure(description, path.name, uri))
                    continue
                note = "not a PNG image"
        elif not path.exists():
            note = "missing"
        files.append(FileLink(description, path.name, _href(path, page_dir), note))
    return figures, files


def build_review_page(result: RunResult, *, page_dir: Path, today: date | None = None) -> str:
    """The review page for a (dry) run; links to output files are relative to ``page_dir``."""
    campaign = result.campaign
    by_part: dict[str, dict[str, _ChannelGroup]] = {
        part.id: {name: _ChannelGroup(name) for name in part.channels} for part in campaign.parts
    }
    for item in result.rendered:
        groups = by_part.setdefault(item.key.part, {})
        group = groups.setdefault(item.key.channel, _ChannelGroup(item.key.channel))
        group.pieces.append(_piece(item))
    left_out_by_part = Counter(excluded.part for excluded in result.plan.left_out)
    done_by_part = Counter(planned.key.part for planned in result.plan.done)
    parts = [
        {
            "id": part.id,
            "description": part.description,
            "deliver": part.deliver,
            "channels": list(by_part[part.id].values()),
            "left_out": left_out_by_part[part.id],
            "done": done_by_part[part.id],
        }
        for part in campaign.parts
    ]
    figures, files = _artifacts(result.artifacts, page_dir)
    problems = [f"channel error: {e}" for e in result.channel_errors]
    problems += [
        f"{outcome.status}: {item.contact.display_name} on {item.key.channel}: "
        f"{outcome.error or 'no reason given'}"
        for item, outcome in result.failures
    ]
    return render_page(
        _asset("review.html.j2"),
        style=_asset("review.css"),
        campaign=campaign.name,
        description=campaign.description,
        single_part=len(campaign.parts) == 1,
        today=(today or date.today()).isoformat(),
        sent=result.send,
        total=len(result.rendered),
        parts=parts,
        figures=figures,
        files=files,
        left_out=[
            {
                "name": e.contact.display_name,
                "uid": e.contact.uid,
                "part": e.part,
                "reason": e.reason,
            }
            for e in result.plan.left_out
        ],
        done=[
            {
                "name": p.contact.display_name,
                "part": p.part.id,
                "channel": p.channel,
                "status": p.status or "",
            }
            for p in result.plan.done
        ],
        warnings=list(result.warnings),
        problems=problems,
    )


def write_review_page(result: RunResult, path: Path, *, today: date | None = None) -> Path:
    """Write the review page to ``path`` atomically (readable by the user only).

    Raises :class:`~outreach.errors.InputError` naming ``path`` when it cannot be written.
    """
    path = Path(path)
    page = build_review_page(result, page_dir=path.parent.resolve(), today=today)
    try:
        atomic_write(path, page.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot write the review page: {exc.strerror or exc}") from None
    return path
