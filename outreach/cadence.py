"""How often to be in touch with someone: keywords and ISO 8601 durations.

A cadence is stored in the address book as the user wrote it (``quarterly``, ``P6W``) and
turned into calendar arithmetic here. Months are added as calendar months (31 January plus one
month is the last day of February), because "once a quarter" means a date people recognise,
not a count of days.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Cadence", "KEYWORDS", "add_months"]

#: Cadence keywords and the duration each stands for.
KEYWORDS: dict[str, str] = {
    "weekly": "P1W",
    "fortnightly": "P2W",
    "monthly": "P1M",
    "quarterly": "P3M",
    "half-yearly": "P6M",
    "yearly": "P1Y",
    "never": "",
}

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?$"
)


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class Cadence:
    """A contact cadence: a keyword such as ``quarterly``, ``never``, or an ISO 8601 duration.

    ``text`` is the canonical spelling (a keyword in lower case, a duration in upper case); the
    other fields are the parsed duration, all zero for ``never``.
    """

    text: str
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """Parse a keyword or an ISO 8601 duration (``P6W``, ``P1Y6M``, ``P90D``).

        Raises :class:`ValueError` with a message that lists what is accepted.
        """
        raw = text.strip()
        key = raw.lower()
        if key in KEYWORDS:
            duration = KEYWORDS[key]
            if not duration:
                return cls(text=key)
            parsed = cls._parse_duration(duration)
            return cls(key, parsed.years, parsed.months, parsed.weeks, parsed.days)
        return cls._parse_duration(raw.upper())

    @classmethod
    def _parse_duration(cls, text: str) -> Cadence:
        match = _DURATION.match(text)
        if not match:
            raise ValueError(
                f"not a cadence: {text!r} (use {', '.join(KEYWORDS)} or an ISO 8601 duration "
                "such as P6W, P2M, P1Y)"
            )
        parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
        if not any(parts.values()):
            raise ValueError(f"not a cadence: {text!r} (the duration is zero)")
        return cls(text=text, **parts)

    @property
    def never(self) -> bool:
        """True when the contact has no cadence: never due."""
        return not (self.years or self.months or self.weeks or self.days)

    def after(self, day: date) -> date | None:
        """The date one cadence after ``day``, or ``None`` for ``never``."""
        if self.never:
            return None
        moved = add_months(day, self.years * 12 + self.months)
        return moved + timedelta(weeks=self.weeks, days=self.days)

    def approx_days(self) -> int:
        """The cadence's length in days, averaged (for sorting and thresholds)."""
        return round(self.years * 365.25 + self.months * 30.44 + self.weeks * 7 + self.days)

    def __str__(self) -> str:
        return self.text
