"""Making the PDFs: deterministic canvases that embed only the bundled fonts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from outreach.fsutil import atomic_write

from .fonts import FACES, register

__all__ = ["PdfFile"]


class PdfFile:
    """One PDF being drawn into memory and written atomically when done.

    ``invariant=1`` fixes the creation date and document ID, so the same input gives the
    same bytes. The canvas starts in the bundled serif, not reportlab's default Helvetica,
    so no unembedded standard font ever appears in a page's resources.
    """

    def __init__(self, path: Path, pagesize: tuple[float, float], title: str, author: str) -> None:
        from reportlab.pdfgen.canvas import Canvas

        serif = FACES["serif"].name
        register([serif])
        self.path = path
        self.buffer = io.BytesIO()
        self.canvas: Any = Canvas(
            self.buffer,
            pagesize=pagesize,
            invariant=1,
            pageCompression=1,
            initialFontName=serif,
            initialFontSize=10,
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setCreator("outreach")
        self.pages = 0

    def page(self, pagesize: tuple[float, float]) -> Any:
        """Start drawing a page of ``pagesize``; returns the canvas."""
        self.canvas.setPageSize(pagesize)
        return self.canvas

    def end_page(self) -> int:
        """Finish the page; returns its number (1-based)."""
        self.canvas.showPage()
        self.pages += 1
        return self.pages

    def save(self) -> Path:
        """Write the file (atomically: readers see the old file or the new one)."""
        self.canvas.save()
        atomic_write(self.path, self.buffer.getvalue(), mode=0o644)
        return self.path
