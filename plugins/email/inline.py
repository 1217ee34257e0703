"""Images the HTML body shows: attached files referred to by ``<img src="...">``.

A Markdown body with ``![](photo.jpg)`` and ``photo.jpg`` among the attachments (the way
mailmerge templates embed a picture) must show the picture, not a broken link to a file the
recipient does not have. Each such image gets a Content-ID, the ``src`` becomes
``cid:<that id>`` (RFC 2392), and the message carries the image inline beside the HTML
(multipart/related) instead of as an attachment to open.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html as html_module
import re
from collections.abc import Sequence
from pathlib import Path

from .message import Attachment

__all__ = ["embed_images"]

_IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def embed_images(
    html: str,
    attached: Sequence[tuple[Path, Attachment]],
    base: Path,
    key: str,
) -> tuple[str, list[Attachment]]:
    """``html`` with the ``src`` of every attached image turned into a ``cid:`` link, and
    the attachments, those images marked with their Content-ID.

    ``attached`` pairs each attachment with the file it was read from; ``base`` is the folder
    relative paths start from; ``key`` (the delivery's) makes the IDs the same every time the
    message is built, so the bytes do not change between a dry run and a send.
    """
    items = [attachment for _, attachment in attached]
    by_path = {path: index for index, (path, _) in enumerate(attached)}

    def link(found: re.Match[str]) -> str:
        source = html_module.unescape(found.group(3)).strip()
        if not source or _SCHEME.match(source):
            return found.group(0)  # http:, cid:, data: ... are not files of ours
        index = by_path.get((base / Path(source).expanduser()).resolve())
        if index is None or items[index].maintype != "image":
            return found.group(0)
        item = items[index]
        if not item.content_id:
            digest = hashlib.sha256(f"{key}\0{index}".encode()).hexdigest()[:24]
            item = dataclasses.replace(item, content_id=f"{digest}.{index}@outreach.invalid")
            items[index] = item
        return f"{found.group(1)}{found.group(2)}cid:{item.content_id}{found.group(2)}"

    return _IMG_SRC.sub(link, html), items
