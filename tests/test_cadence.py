"""Cadences: keywords, ISO 8601 durations and calendar arithmetic."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.cadence import Cadence, add_months


@pytest.mark.parametrize(
    ("text", "canonical", "after"),
    [
        ("monthly", "monthly", date(2026, 2, 28)),
        ("Quarterly", "quarterly", date(2026, 4, 30)),
        ("yearly", "yearly", date(2027, 1, 31)),
        ("P6W", "P6W", date(2026, 3, 14)),
        ("p2m", "P2M", date(2026, 3, 31)),
        ("P1Y6M", "P1Y6M", date(2027, 7, 31)),
        ("P90D", "P90D", date(2026, 5, 1)),
    ],
)
def test_parse_and_step(text: str, canonical: str, after: date) -> None:
    cadence = Cadence.parse(text)
    assert str(cadence) == canonical
    assert cadence.after(date(2026, 1, 31)) == after


def test_never_has_no_due_date() -> None:
    cadence = Cadence.parse("never")
    assert cadence.never
    assert cadence.after(date(2026, 1, 1)) is None


@pytest.mark.parametrize("bad", ["", "often", "P", "P0D", "6W", "PT5H", "P1.5Y"])
def test_rejects_what_it_cannot_schedule(bad: str) -> None:
    with pytest.raises(ValueError, match="cadence"):
        Cadence.parse(bad)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
