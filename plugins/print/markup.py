"""Text runs as reportlab paragraph markup, with the contact's text escaped.

reportlab's :class:`~reportlab.platypus.Paragraph` reads a small XML-like markup: a name such
as ``Smith & <Jones>`` would otherwise be taken for an entity and a tag, and either vanish or
stop the run. Everything that comes from a contact or a template goes through
:func:`escape` before it meets that parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .fonts import Run

__all__ = ["escape", "runs_markup"]

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str) -> str:
    """``text`` safe to put inside paragraph markup."""
    return text.translate(_ESCAPES)


def runs_markup(
    runs: Iterable[Run], sizes: Mapping[str, float] | None = None, default: str = ""
) -> str:
    """Markup that draws each run in its font; line breaks become ``<br/>``.

    ``sizes`` gives some fonts their own point size (a fallback font that looks larger than
    the handwriting beside it). Runs in ``default`` (the paragraph style's font) need no
    font tag, which spares reportlab's markup parser most of its work.
    """
    parts = []
    sizes = sizes or {}
    for run in runs:
        body = "<br/>".join(escape(piece) for piece in run.text.split("\n"))
        if run.font == default:
            parts.append(body)
            continue
        size = f' size="{sizes[run.font]:g}"' if run.font in sizes else ""
        parts.append(f'<font face="{run.font}"{size}>{body}</font>')
    return "".join(parts)
