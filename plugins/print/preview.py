"""PNG thumbnails of a PDF's first pages, for the campaign review page."""

from __future__ import annotations

from pathlib import Path

from outreach.fsutil import atomic_write

__all__ = ["thumbnails"]

#: Thumbnail width in pixels.
WIDTH = 480


def thumbnails(pdf: Path, out_dir: Path, stem: str, pages: int) -> list[Path]:
    """Render up to ``pages`` pages of ``pdf`` to ``out_dir/<stem>-<n>.png`` (pypdfium2)."""
    import io

    import pypdfium2

    written = []
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for index in range(min(pages, len(document))):
            page = document[index]
            scale = WIDTH / page.get_width()
            image = page.render(scale=scale).to_pil()
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            target = out_dir / f"{stem}-{index + 1}.png"
            atomic_write(target, buffer.getvalue(), mode=0o644)
            written.append(target)
            page.close()
    finally:
        document.close()
    return written
