"""The print channel: holiday cards, envelopes and label sheets as print-ready PDFs.

``render`` does everything that can fail: the template, the note, the address by the
destination's rules, the font check of every character and the fitting of every card,
envelope and label. An error names the contact and stops the run before any file is
written. ``deliver`` first numbers the Intelligent Mail barcodes (their serial numbers follow
the mailing's order, and running out of them names the contact before any file is written),
then only draws: ``cards.pdf``, ``envelopes.pdf`` (and ``envelope-flaps.pdf`` for return
addresses on the flap), ``labels.pdf``, ``manifest.csv`` pairing them page by page, and PNG
previews of the first pages under ``preview/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.channel import Channel, DeliveryRun, Outcome, Piece, Reach, Rendered, Requirement
from outreach.contact import Address, Contact
from outreach.delivery import PRINTED
from outreach.errors import ConfigError, InputError
from outreach.progress import progress

from .cardtext import CardText, parse_card_text
from .job import PrintJob
from .options import PrintOptions, PrintSettings
from .sizes import CARD_SIZES, ENVELOPE_SIZES, LABEL_SPECS, SHEETS

if TYPE_CHECKING:
    from outreach.addressbook import AddressBook
    from outreach.templating import Renderer
    from outreach.workspace import Workspace

    from .cards import CardLayout, Signature
    from .envelopes import EnvelopeLayout
    from .fontchoice import FontChoice
    from .imb import IMb
    from .manifest import ManifestRow
    from .postal import PostalAddress

__all__ = ["PrintChannel", "PrintError", "PrintJob"]


class PrintError(InputError):
    """Something about one contact's card, envelope or label cannot be printed."""


def _who(contact: Contact) -> str:
    return f"{contact.display_name} <{contact.uid}>"


def _usable(address: Address) -> bool:
    has_street = any(address.street_lines) or bool(address.po_box.strip())
    return has_street and bool(address.locality.strip() or address.postal_code.strip())


def _no_postal_address(contact: Contact) -> str | None:
    if contact.postal_address is not None:
        return None
    if contact.has_returned_address:
        return "postal address returned (fix address)"
    return "no postal address"


class PrintChannel(Channel):
    """Cards, envelopes and labels."""

    name = "print"
    description = "printed cards, envelopes and labels: cards.pdf, envelopes.pdf, labels.pdf"
    Options = PrintOptions
    Settings = PrintSettings
    requirements = (
        Requirement("postal", "a postal address that has not come back", _no_postal_address),
    )

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(workspace)
        self.settings: PrintSettings = self.account_settings(workspace)
        self._book: AddressBook | None = None
        self._notes: dict[Path, dict[str, str]] = {}
        #: Front pictures already found readable (a campaign has one for every card).
        self._front_images: set[Path] = set()
        #: The return address by (USPS style, domestic): the same for most envelopes.
        self._return_lines: dict[tuple[bool, bool], tuple[str, ...]] = {}
        #: The font chains by the campaign's own ``fonts`` (usually one per run).
        self._choices: dict[tuple[str, ...], FontChoice] = {}

    def _fonts(self, options: PrintOptions) -> FontChoice:
        """The font chains for a campaign part: its fonts, then outreach.toml's, then ours."""
        from .fontchoice import font_choice
        from .options import font_entries

        entries = font_entries(options.fonts)
        key = tuple(f"{e.file}\0{','.join(e.roles)}" for e in entries)
        if key not in self._choices:
            groups = [
                (entries, "the campaign's [print] fonts"),
                (font_entries(self.settings.fonts), f"{self.workspace.config_path} [print] fonts"),
            ]
            self._choices[key] = font_choice(groups, self.workspace.root)
        return self._choices[key]

    def _romanise(self, options: PrintOptions) -> bool:
        """Whether words no font can draw print transliterated (``fallback = "romanise"``)."""
        fallback = options.fallback or self.settings.fallback
        return fallback in ("romanise", "romanize")

    # -- reach ----------------------------------------------------------------------------

    def reach(self, contact: Contact, options: PrintOptions) -> Reach:
        """Reachable at the first postal address that is complete and not returned."""
        address = contact.postal_address
        if address is None:
            if contact.has_returned_address:
                return Reach.no("postal address returned (fix address)")
            return Reach.no("no postal address")
        if not _usable(address):
            return Reach.no("incomplete postal address (fix address)")
        if options.skip_unprintable and not self._romanise(options):
            problem = self._unprintable(contact, address, options)
            if problem:
                return Reach.no(f"unprintable: no font can draw {problem}")
        return Reach.at(address.one_line())

    def _unprintable(self, contact: Contact, address: Address, options: PrintOptions) -> str:
        """What in the contact's name, address or card note no font can draw ("" if all)."""
        from .fonts import clean_text, describe_chars, missing_chars

        fonts = self._fonts(options)
        fields = [
            ("name", contact.display_name, fonts.address),
            ("organisation", contact.org, fonts.address),
            ("address", address.one_line(), fonts.address),
            ("card note", contact.card_note, fonts.note),
        ]
        if "cards" in options.outputs:
            # The card's message greets them in the text fonts, which a font of the user's
            # for addresses only does not reach.
            fields.append(("name", contact.display_name, fonts.text))
        for what, text, chain in fields:
            missing = missing_chars(clean_text(text), chain)
            if missing:
                return f"{describe_chars(sorted(missing))} in the {what}"
        return ""

    # -- render ---------------------------------------------------------------------------

    def render(self, piece: Piece, renderer: Renderer) -> Rendered:
        """Lay out the card, envelope and label for one contact; errors name the contact."""
        from .cards import LayoutError
        from .fonts import MissingGlyphs, describe_chars

        options: PrintOptions = piece.options
        contact = piece.contact
        fonts = self._fonts(options)
        own_note = self._note_for(piece)
        context = dict(piece.context, card_note=own_note)
        text = parse_card_text(renderer.render(options.template, context, contact=contact))
        note = own_note or text.note
        address = contact.postal_address
        if address is None:  # reach() already left such contacts out
            raise PrintError(f"{_who(contact)}: no postal address")
        part = piece.key.part
        stage = "card"
        try:
            postal = self._postal(contact, address, options)
            if self._romanise(options):
                text, note, postal = _romanised(text, note, postal, fonts)
            job = PrintJob(options, part, text, note, postal)
            if "cards" in options.outputs:
                job.card = self._card(piece, text, note, fonts)
            stage = "envelope"
            if "envelopes" in options.outputs:
                job.envelope = self._envelope(job.postal, options, fonts)
            stage = "label"
            if "labels" in options.outputs:
                from .labels import layout_label

                job.label = layout_label(
                    job.postal.lines, LABEL_SPECS[options.label_sheet], fonts.address
                )
        except MissingGlyphs as exc:
            raise PrintError(
                f"{_who(contact)}: no font can draw {describe_chars(exc.chars)} on the "
                f"{stage}; add a font that has it ([print] fonts = [...] in outreach.toml or "
                'the campaign), print a transliteration (fallback = "romanise" in the '
                "campaign's [print]), or leave the contact out (campaign run "
                "--skip-unprintable)"
            ) from None
        except LayoutError as exc:
            raise PrintError(f"{_who(contact)}: {stage}: {exc}") from None
        job.details = {
            "card": CARD_SIZES[options.card].name if job.card else "",
            "envelope": ENVELOPE_SIZES[options.envelope_size].name if job.envelope else "",
            "note": note,
            "address_lines": list(job.postal.lines),
            "message_pt": job.card.message_size if job.card else 0.0,
        }
        preview = "\n".join(
            [
                *(f"[front] {line}" for line in text.front.splitlines() if line.strip()),
                text.inside,
                *([f"[note] {note}"] if note else []),
                "",
                *job.postal.lines,
            ]
        )
        summary = next((line for line in text.inside.splitlines() if line.strip()), "")
        return Rendered(piece.key, contact, piece.address, job, summary, preview, dict(job.details))

    def _note_for(self, piece: Piece) -> str:
        options: PrintOptions = piece.options
        if options.notes:
            notes = self._campaign_notes(piece, options.notes)
            if piece.contact.uid in notes:
                return notes[piece.contact.uid]
        return piece.contact.card_note.strip()

    def _campaign_file(self, piece: Piece, name: str) -> Path:
        """A file the campaign names, relative to the campaign's folder."""
        return (piece.campaign.directory or self.workspace.root) / name

    def _campaign_notes(self, piece: Piece, name: str) -> dict[str, str]:
        from .notes import read_notes

        path = self._campaign_file(piece, name).resolve()
        if path not in self._notes:
            if self._book is None:
                self._book = self.workspace.open_book()
            self._notes[path] = read_notes(path, self._book)
        return self._notes[path]

    def _postal(self, contact: Contact, address: Address, options: PrintOptions) -> PostalAddress:
        from .postal import format_postal

        me = self.workspace.me
        return format_postal(
            contact.display_name,
            address,
            home_country=me.country,
            language=me.language,
            organisation=contact.org if address.kind == "work" else "",
            usps_style=options.usps_style,
        )

    @cached_property
    def _signature(self) -> Signature | None:
        """The ``[me] signature`` image, if one is set; read once per run."""
        from .cards import Signature

        me = self.workspace.me
        if not me.signature:
            return None
        path = Path(me.signature).expanduser()
        path = path if path.is_absolute() else self.workspace.root / path
        width, height = _image_size(path, f"{self.workspace.config_path} [me] signature")
        return Signature(path, width, height)

    def _card(self, piece: Piece, text: CardText, note: str, fonts: FontChoice) -> CardLayout:
        from .cards import layout_card

        options: PrintOptions = piece.options
        front_image = None
        if options.front_image:
            front_image = self._campaign_file(piece, options.front_image).resolve()
            if front_image not in self._front_images:
                where = f"{piece.campaign.path or piece.campaign.name} [print] front_image"
                _image_size(front_image, where)
                self._front_images.add(front_image)
        signature = self._signature if options.signature else None
        card = layout_card(
            text,
            note,
            CARD_SIZES[options.card],
            options.fold,
            signature=signature,
            front_image=front_image,
            fonts=fonts,
        )
        if options.layout == "n-up":
            from .impose import plan_grid

            plan_grid(card.unit, SHEETS[options.sheet], options.crop_marks)
        return card

    def _envelope(
        self, postal: PostalAddress, options: PrintOptions, fonts: FontChoice
    ) -> EnvelopeLayout:
        from .envelopes import layout_envelope
        from .postal import format_postal

        me = self.workspace.me
        return_lines: tuple[str, ...] = ()
        if options.return_address != "none":
            usps = options.usps_style and postal.country_code == "US"
            key = (usps, postal.domestic)
            if key not in self._return_lines:
                sender = me.postal_address
                if sender is None:
                    raise ConfigError(
                        f"{self.workspace.config_path}: [me.address] is empty but the campaign "
                        f'prints a return address; fill it in or set return_address = "none"'
                    )
                self._return_lines[key] = format_postal(
                    me.name,
                    sender,
                    home_country=me.country,
                    language=me.language,
                    usps_style=usps,
                    country_line=not postal.domestic,
                ).lines
            return_lines = self._return_lines[key]
        us_mail = postal.country_code == "US"
        barcode = options.barcode and us_mail
        if barcode and not self.settings.mailer_id:
            raise ConfigError(
                f"{self.workspace.config_path}: [print] mailer_id is needed for the "
                "Intelligent Mail barcode (barcode = true)"
            )
        return layout_envelope(
            ENVELOPE_SIZES[options.envelope_size],
            postal.lines,
            return_lines=return_lines,
            return_on=options.return_address,
            us_mail=us_mail,
            barcode=barcode,
            chain=fonts.address,
        )

    # -- deliver --------------------------------------------------------------------------

    def deliver(self, items: Sequence[Rendered], run: DeliveryRun) -> None:
        """Draw every PDF, the manifest and the previews; then report each piece printed."""
        from .manifest import ManifestRow, write_manifest

        jobs: list[PrintJob] = [item.payload for item in items]
        barcodes = self._barcodes(items)  # before anything is written: it may fail
        rows = [
            ManifestRow(
                n + 1,
                item.contact.uid,
                item.contact.display_name,
                address=" / ".join(job.postal.lines),
            )
            for n, (item, job) in enumerate(zip(items, jobs, strict=True))
        ]
        out = run.out_dir
        title = run.campaign.name
        author = self.workspace.me.name
        made: list[tuple[Path, str, str]] = []
        drawn = sum(bool(j.card) + bool(j.envelope) + bool(j.label) for j in jobs)
        with progress("drawing PDFs", drawn):
            self._draw(out, jobs, rows, barcodes, made, title, author)
        manifest = write_manifest(out / "manifest.csv", rows)
        for path, description, _ in made:
            run.artifact(path, description)
        run.artifact(manifest, "manifest: pages by contact")
        pages = max((job.options.previews for job in jobs), default=0)
        if pages:
            from .preview import thumbnails

            preview_dir = out / "preview"
            for path, _, preview in made:
                if preview:
                    for png in thumbnails(path, preview_dir, path.stem, pages):
                        run.artifact(png, preview)
        run.finished_many([(item, Outcome(PRINTED)) for item in items])

    def _draw(
        self,
        out: Path,
        jobs: list[PrintJob],
        rows: list[ManifestRow],
        barcodes: list[IMb | None],
        made: list[tuple[Path, str, str]],
        title: str,
        author: str,
    ) -> None:
        """Write cards.pdf, envelopes.pdf and labels.pdf as the jobs need, noting each in
        ``made`` (path, description, preview description)."""
        if any(job.card for job in jobs):
            from .render_pdf import write_cards

            path = write_cards(out / "cards.pdf", jobs, rows, self.settings, title, author)
            made.append((path, "cards", "card preview"))
        if any(job.envelope for job in jobs):
            from .render_pdf import write_envelopes

            paths = write_envelopes(out, jobs, rows, barcodes, self.settings, title, author)
            made.append((paths[0], "envelopes", "envelope preview"))
            for extra in paths[1:]:
                made.append((extra, "envelope flaps", ""))
        if any(job.label for job in jobs):
            from .render_pdf import write_labels

            path = write_labels(out / "labels.pdf", jobs, rows, self.settings, title, author)
            made.append((path, "labels", "label preview"))

    def _barcodes(self, items: Sequence[Rendered]) -> list[IMb | None]:
        """Each envelope's Intelligent Mail barcode (``None`` without one); serial numbers
        count up from the part's ``barcode_serial_start`` in the order of the mailing."""
        from .imb import IMb, IMbError, tracking_code

        settings = self.settings
        serials: dict[str, int] = {}
        barcodes: list[IMb | None] = []
        for item in items:
            job: PrintJob = item.payload
            if job.envelope is None or job.envelope.barcode_at is None:
                barcodes.append(None)
                continue
            serial = serials.get(job.part, job.options.barcode_serial_start)
            serials[job.part] = serial + 1
            try:
                code = tracking_code(
                    settings.barcode_id, settings.service_type, settings.mailer_id, serial
                )
            except IMbError as exc:
                raise PrintError(
                    f"{_who(item.contact)}: envelope: {exc}; choose a lower barcode_serial_start"
                ) from None
            barcodes.append(IMb(code, job.postal.routing))
        return barcodes


def _romanised(
    text: CardText, note: str, postal: PostalAddress, fonts: FontChoice
) -> tuple[CardText, str, PostalAddress]:
    """The card text, note and address with the words no font can draw transliterated."""
    from dataclasses import replace

    from .fonts import clean_text, romanise

    card = CardText(
        front=romanise(clean_text(text.front), fonts.text),
        inside=romanise(clean_text(text.inside), fonts.text),
        note=romanise(clean_text(text.note), fonts.note),
    )
    lines = tuple(romanise(clean_text(line), fonts.address) for line in postal.lines)
    return card, romanise(clean_text(note), fonts.note), replace(postal, lines=lines)


def _image_size(path: Path, where: str) -> tuple[int, int]:
    """The pixel size of an image file; a clear error when it is missing or unreadable."""
    from reportlab.lib.utils import ImageReader

    if not path.is_file():
        raise ConfigError(f"{where}: image {path} not found")
    try:
        width, height = ImageReader(str(path)).getSize()
    except Exception as exc:  # noqa: BLE001 - PIL raises many kinds for a bad image
        raise ConfigError(f"{where}: cannot read image {path}: {exc}") from None
    return int(width), int(height)
