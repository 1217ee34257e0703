"""``linkedin.csv``: the drafts as a table, for scripts and spreadsheets.

Columns are exactly ``uid,name,profile_url,kind,text,chars,limit``; one row per text box to
fill in on LinkedIn. An InMail has two boxes, so it gets a row of kind ``inmail-subject``
(the subject and its limit) before its ``inmail`` row (the body). The file is UTF-8 without a
byte-order mark (so the first column is ``uid`` to every CSV reader), fields are quoted as
RFC 4180 asks, and a draft's line breaks stay inside its quoted field.

**Spreadsheet formulas.** A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return may be run as a formula when the file is opened in a spreadsheet, and
contact data comes from address books anyone can write to. The columns that come from the
book but are never pasted (``uid``, ``name``) get a leading apostrophe in that case, which
spreadsheets read as "this is text" (the OWASP advice). The ``text`` column is what people
copy into LinkedIn, and ``chars`` is its length, so it is written exactly as rendered and
never prefixed; the channel warns when a draft starts with such a character instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from outreach.contact import Contact

from .draft import Draft

__all__ = ["COLUMNS", "CsvRow", "FORMULA_STARTS", "csv_rows", "guard_formula", "to_csv"]

COLUMNS = ("uid", "name", "profile_url", "kind", "text", "chars", "limit")
#: First characters that make a spreadsheet cell a formula (with their full-width forms,
#: which some spreadsheets treat the same way).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One row of ``linkedin.csv``."""

    uid: str
    name: str
    profile_url: str
    kind: str
    text: str
    chars: int
    limit: int


def guard_formula(value: str) -> str:
    """``value`` made inert for spreadsheets: an apostrophe before a formula character."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_rows(drafts: Iterable[tuple[Contact, Draft]]) -> list[CsvRow]:
    """The rows for ``(contact, draft)`` pairs, in order."""
    rows = []
    for contact, draft in drafts:
        base = (contact.uid, contact.display_name, draft.profile.url)
        if draft.kind == "inmail" and draft.subject_limit is not None:
            rows.append(
                CsvRow(
                    *base, "inmail-subject", draft.subject, draft.subject_chars, draft.subject_limit
                )
            )
        rows.append(CsvRow(*base, draft.kind, draft.text, draft.chars, draft.limit))
    return rows


def to_csv(rows: Iterable[CsvRow]) -> str:
    """The CSV text (header first), with CRLF between records as RFC 4180 has it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                guard_formula(row.uid),
                guard_formula(row.name),
                guard_formula(row.profile_url),
                row.kind,
                row.text,
                row.chars,
                row.limit,
            ]
        )
    return buffer.getvalue()
