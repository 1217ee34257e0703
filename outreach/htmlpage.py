"""Self-contained HTML pages: one file, nothing fetched, nothing run but the page's own code.

The review page and the LinkedIn drafts page are opened from disk and hold contact data from
address books anyone can write to. Everything is escaped by Jinja2's autoescaping, and as a
second line of defence the page carries a Content Security Policy that allows no network
access at all, images only as ``data:`` URIs, and no script or style but the page's own,
pinned by hash: even an injected ``<script>`` would not run.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["content_security_policy", "render_page"]


def _sha256(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(*, script: str = "", style: str = "") -> str:
    """A policy allowing only this inline ``script`` and ``style`` and ``data:`` images."""
    directives = [
        "default-src 'none'",
        f"script-src {_sha256(script)}" if script else "script-src 'none'",
        f"style-src {_sha256(style)}" if style else "style-src 'none'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    return "; ".join(directives)


def render_page(template: str, *, script: str = "", style: str = "", **context: Any) -> str:
    """Render page ``template`` (Jinja2 source, autoescaped) with its inline script and style.

    The template gets ``csp``, ``script`` and ``style`` (already marked safe: they are the
    page's own code, hashed into the policy byte for byte) besides ``context``.
    """
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    values: Mapping[str, Any] = {
        **context,
        "csp": content_security_policy(script=script, style=style),
        "script": Markup(script),
        "style": Markup(style),
    }
    return env.from_string(template).render(values)
