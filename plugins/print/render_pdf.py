"""Drawing the laid-out jobs into cards.pdf, envelopes.pdf and labels.pdf.

Jobs are drawn in the order given, which is the order of the manifest: the n-th card, the
n-th envelope and the n-th label belong to the same contact. Each function fills in its
columns of the manifest rows. Each reports every contact drawn to the current progress bar.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outreach.progress import current as current_progress

from .sizes import LABEL_SPECS, MM, SHEETS

if TYPE_CHECKING:
    from .imb import IMb
    from .job import PrintJob
    from .manifest import ManifestRow
    from .options import Offset, PrintSettings

__all__ = ["write_cards", "write_envelopes", "write_labels"]


def _groups(
    jobs: Sequence[PrintJob], rows: Sequence[ManifestRow], attribute: str
) -> Iterator[list[tuple[PrintJob, ManifestRow]]]:
    """Consecutive jobs of the same campaign part that have ``attribute`` laid out."""
    pairs = [(j, r) for j, r in zip(jobs, rows, strict=True) if getattr(j, attribute)]
    for _, group in groupby(pairs, key=lambda pair: pair[0].part):
        yield list(group)


def _shift(canvas: Any, offset: Offset) -> None:
    """Apply a printer calibration (positive y moves printing down the page)."""
    if offset.x_mm or offset.y_mm:
        canvas.translate(offset.x_mm * MM, -offset.y_mm * MM)


def write_cards(
    path: Path,
    jobs: Sequence[PrintJob],
    rows: Sequence[ManifestRow],
    settings: PrintSettings,
    title: str,
    author: str,
) -> Path:
    """cards.pdf: each card's outside then inside, one per page or n-up with crop marks."""
    from .cards import draw_inside, draw_outside
    from .impose import crop_marks, placed, plan_grid
    from .pdf import PdfFile

    offset = settings.calibration.cards
    first = next(j.card for j in jobs if j.card is not None)
    pdf = PdfFile(path, first.unit, f"{title}: cards", author)
    for group in _groups(jobs, rows, "card"):
        options = group[0][0].options
        if options.layout == "single":
            for job, row in group:
                card = job.card
                assert card is not None
                canvas = pdf.page(card.unit)
                _shift(canvas, offset)
                draw_outside(canvas, card)
                outside = pdf.end_page()
                canvas = pdf.page(card.unit)
                _shift(canvas, offset)
                draw_inside(canvas, card)
                row.card_pages = f"{outside}-{pdf.end_page()}"
                current_progress().advance()
            continue
        sheet = SHEETS[options.sheet]
        grid = plan_grid(group[0][0].card.unit, sheet, options.crop_marks)  # type: ignore[union-attr]
        for start in range(0, len(group), grid.per_sheet):
            chunk = group[start : start + grid.per_sheet]
            for back in (False, True):
                canvas = pdf.page((sheet.width, sheet.height))
                _shift(canvas, offset)
                for index, (job, _) in enumerate(chunk):
                    with placed(canvas, grid, index, back):
                        assert job.card is not None
                        (draw_inside if back else draw_outside)(canvas, job.card)
                if options.crop_marks:
                    crop_marks(canvas, grid, back)
                page = pdf.end_page()
                for index, (_, row) in enumerate(chunk):
                    row.card_pages = f"{page}" if not back else f"{row.card_pages}-{page}"
                    row.card_position = str(index + 1)
            current_progress().advance(len(chunk))
    return pdf.save()


def write_envelopes(
    out: Path,
    jobs: Sequence[PrintJob],
    rows: Sequence[ManifestRow],
    barcodes: Sequence[IMb | None],
    settings: PrintSettings,
    title: str,
    author: str,
) -> list[Path]:
    """envelopes.pdf, plus envelope-flaps.pdf when return addresses go on the flap.

    ``barcodes`` holds each job's Intelligent Mail barcode, already numbered (or ``None``).
    """
    from .envelopes import draw_envelope, draw_flap
    from .pdf import PdfFile

    offset = settings.calibration.envelopes
    first = next(j.envelope for j in jobs if j.envelope is not None)
    size = first.size
    fronts = PdfFile(
        out / "envelopes.pdf", (size.width, size.height), f"{title}: envelopes", author
    )
    flaps: PdfFile | None = None
    for job, row, imb in zip(jobs, rows, barcodes, strict=True):
        layout = job.envelope
        if layout is None:
            continue
        pagesize = (layout.size.width, layout.size.height)
        canvas = fronts.page(pagesize)
        _shift(canvas, offset)
        draw_envelope(canvas, layout, imb)
        row.envelope_page = str(fronts.end_page())
        if layout.flap is not None:
            if flaps is None:
                flaps = PdfFile(out / "envelope-flaps.pdf", pagesize, f"{title}: flaps", author)
            canvas = flaps.page(pagesize)
            _shift(canvas, offset)
            draw_flap(canvas, layout)
            flaps.end_page()
        current_progress().advance()
    written = [fronts.save()]
    if flaps is not None:
        written.append(flaps.save())
    return written


def write_labels(
    path: Path,
    jobs: Sequence[PrintJob],
    rows: Sequence[ManifestRow],
    settings: PrintSettings,
    title: str,
    author: str,
) -> Path:
    """labels.pdf: addresses on label sheets, starting at each part's ``label_start``."""
    from .labels import draw_label, slot
    from .pdf import PdfFile

    offset = settings.calibration.labels
    pdf: PdfFile | None = None
    for group in _groups(jobs, rows, "label"):
        options = group[0][0].options
        spec = LABEL_SPECS[options.label_sheet]
        pagesize = (spec.sheet.width, spec.sheet.height)
        if pdf is None:
            pdf = PdfFile(path, pagesize, f"{title}: labels", author)
        current = -1
        canvas = None
        for index, (job, row) in enumerate(group):
            sheet, position = slot(index, options.label_start, spec)
            if sheet != current:
                if canvas is not None:
                    pdf.end_page()
                canvas = pdf.page(pagesize)
                _shift(canvas, offset)
                current = sheet
            assert job.label is not None
            draw_label(canvas, job.label, spec, position)
            row.label_page = str(pdf.pages + 1)
            row.label_position = str(position + 1)
            current_progress().advance()
        pdf.end_page()
    assert pdf is not None
    return pdf.save()
