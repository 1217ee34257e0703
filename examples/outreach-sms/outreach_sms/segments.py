"""How many SMS segments a text needs: GSM-7 when every character fits, else UCS-2."""

from __future__ import annotations

import math

__all__ = ["segments"]

# The GSM 03.38 default alphabet; the extension characters cost two septets each.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€\f")


def segments(text: str) -> tuple[int, str]:
    """(number of segments, ``"GSM-7"`` or ``"UCS-2"``) for ``text``."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text):
        septets = sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)
        return (1 if septets <= 160 else math.ceil(septets / 153)), "GSM-7"
    units = len(text.encode("utf-16-le")) // 2
    return (1 if units <= 70 else math.ceil(units / 67)), "UCS-2"
