"""Which exporter writes a file: the one named, or the one its extension says.

An extension no exporter knows is an error rather than a guess, so ``contacts export x.pdf``
never writes a vCard under a PDF's name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from .errors import InputError
from .importer import Exporter

__all__ = ["export_format"]

#: Extensions an exporter also answers to, beyond its own ``extension``.
_ALIASES = {".vcard": "vcard"}


def export_format(file: Path, fmt: str | None, exporters: Mapping[str, type[Exporter]]) -> str:
    """The exporter's name for writing ``file``: ``fmt`` when given, else from the extension.

    Raises :class:`~outreach.errors.InputError` for an unknown format (with a suggestion) or
    an extension that names none.
    """
    known = sorted(exporters)
    if fmt is not None:
        name = fmt.strip().lower()
        if name not in exporters:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(
                f"--format: unknown export format {fmt!r}{hint}; known: {', '.join(known)}"
            )
        return name
    by_extension = {e.extension.lower(): n for n, e in exporters.items() if e.extension}
    by_extension.update({k: v for k, v in _ALIASES.items() if v in exporters})
    suffix = file.suffix.lower()
    if suffix in by_extension:
        return by_extension[suffix]
    listed = ", ".join(f"{ext} ({name})" for ext, name in sorted(by_extension.items()))
    close = difflib.get_close_matches(suffix, list(by_extension), n=1) if suffix else []
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    what = f"the extension {file.suffix!r} names no export format" if suffix else "no extension"
    raise InputError(f"{file}: {what}{hint}; use {listed}, or give --format")
