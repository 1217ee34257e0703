"""The review page: every piece of a campaign on one self-contained page, before sending."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import make_contact
from linkedin_helpers import TODAY, registered_thumbs, write_campaign

from outreach.contact import Address, Contact
from outreach.engine import Engine
from outreach.review import build_review_page
from outreach.workspace import Workspace

AddContacts = Callable[..., list[Contact]]
RunCli = Callable[..., Result]


@pytest.fixture
def thumbs() -> Iterator[None]:
    with registered_thumbs():
        yield


ADDRESS = Address(
    street=("1 Rue de la Paix",),
    locality="Paris",
    postal_code="75002",
    country="France",
    country_code="FR",
)

CAMPAIGN = """\
name = "season"
description = "Cards & notes <for everyone>"

[[part]]
id = "cards"
channels = ["thumbs"]
[part.thumbs]
odd_files = true

[[part]]
id = "notes"
deliver = "first"
channels = ["email", "linkedin"]
[part.audience]
tags = ["colleague"]
[part.email]
subject = "Hello {{ first_name }}"
body = "Dear {{ greeting }},\\nall the best for the new year.\\n{{ me.name }}"
[part.linkedin]
kind = "connection"
body = "Hi {{ greeting }}, all the best for the new year! {{ me.name }}"
"""


def _book(add_contacts: AddContacts) -> list[Contact]:
    evil = make_contact("evil", "Mallory", "X", tags=["colleague"])
    evil.name.formatted = "Mallory <img src=x onerror=alert(1)>"
    return add_contacts(
        make_contact(
            "ann", "Ann", "Lee", email="ann@example.com", tags=["colleague"], address=ADDRESS
        ),
        make_contact(
            "jo",
            "Jo",
            "Park",
            linkedin="https://www.linkedin.com/in/jo-park",
            tags=["colleague"],
            address=ADDRESS,
        ),
        evil,
        make_contact("max", "Max", "Nobody", tags=["friend"]),
    )


def test_review_page_shows_every_piece_images_and_who_was_left_out(
    workspace: Workspace, add_contacts: AddContacts, thumbs: None, tmp_path: Path
) -> None:
    _book(add_contacts)
    file = write_campaign(workspace.root / "season.toml", CAMPAIGN)
    engine = Engine(workspace, today=TODAY)
    result = engine.run(engine.load(file), send=False)
    page = build_review_page(result, page_dir=workspace.out_dir("season"), today=TODAY)
    text = html.unescape(page)

    # Every email, with its headers and body, as the email channel previews it.
    assert "Subject: Hello Ann" in text and "Dear Ann,\nall the best" in text
    # The LinkedIn drafts, with their counts.
    assert "Hi Jo, all the best for the new year! Alex Example" in text
    assert "characters" in text and "of 300" in text
    # Cards: every PNG artifact embedded as a data: URI, byte for byte.
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(uris) == 2
    on_disk = sorted((workspace.out_dir("season") / "previews").glob("card-*.png"))
    assert [base64.b64decode(u) for u in uris] == [p.read_bytes() for p in on_disk]
    assert "card preview, page 1" in text
    # A ".png" that is not an image, and other files, are listed, linked relative to the page.
    assert 'href="previews/envelopes.png"' in page and "not a PNG image" in text
    assert 'href="cards.pdf"' in page
    # Who was left out and why: no postal address for two, nothing for Max's notes (not
    # in the audience, so not listed).
    left_out = re.findall(r'<tr data-uid="([^"]+)"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)', page)
    assert ("evil", "cards", "thumbs: no postal address") in left_out
    assert ("max", "cards", "thumbs: no postal address") in left_out
    assert all(uid != "max" or part == "cards" for uid, part, _ in left_out)
    # Contact data and the campaign's own text are escaped; the policy forbids the rest.
    assert "<img src=x" not in page
    assert "Cards &amp; notes &lt;for everyone&gt;" in page
    assert "default-src 'none'" in text and "script-src 'none'" in text
    assert "Nothing has been sent or recorded" in text


def test_review_page_without_images(workspace: Workspace, add_contacts: AddContacts) -> None:
    add_contacts(make_contact("ann", "Ann", "Lee", email="ann@example.com"))
    file = write_campaign(
        workspace.root / "hello.toml",
        'name = "hello"\n[email]\nsubject = "Hi"\nbody = "Hello {{ greeting }}"\n',
    )
    engine = Engine(workspace, today=TODAY)
    result = engine.run(engine.load(file))
    page = build_review_page(result, page_dir=workspace.out_dir("hello"), today=TODAY)
    assert "No channel of this campaign made preview images." in page
    assert "data:image" not in page
    assert "Nobody: every contact in the audience can be reached." in page


def test_preview_html_cli_writes_the_page_and_records_nothing(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli, thumbs: None
) -> None:
    _book(add_contacts)
    file = write_campaign(workspace.root / "season.toml", CAMPAIGN)

    result = run_cli("campaign", "preview", str(file), "--html")
    assert result.exit_code == 0, result.output
    default = workspace.out_dir("season") / "review.html"
    assert f"review page: {default}" in result.output
    assert "Subject: Hello Ann" in html.unescape(default.read_text(encoding="utf-8"))
    with workspace.open_journal() as journal:
        assert journal.deliveries() == [] and journal.touches() == []

    chosen = workspace.root / "elsewhere" / "check.html"
    result = run_cli("campaign", "preview", str(file), "--html", str(chosen))
    assert result.exit_code == 0, result.output
    page = chosen.read_text(encoding="utf-8")
    assert 'href="../out/season/cards.pdf"' in page  # links still find the outputs

    plain = run_cli("campaign", "preview", str(file))
    assert plain.exit_code == 0 and "review page" not in plain.output

    folder = workspace.root / "a-folder"
    folder.mkdir()
    clash = run_cli("campaign", "preview", str(file), "--html", str(folder))
    assert clash.exit_code == 2
    assert f"{folder}: cannot write the review page: Is a directory" in clash.output


def test_review_page_lists_what_earlier_runs_settled(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli, fake_channel: object
) -> None:
    add_contacts(
        make_contact("ann", "Ann", "Lee", email="ann@example.com"),
        make_contact("bo", "Bo", "Kim", email="bo@example.com"),
    )
    file = write_campaign(
        workspace.root / "hello.toml",
        'name = "hello"\n[fake]\nbody = "Hello {{ greeting }}"\n',
    )
    engine = Engine(workspace, today=TODAY)
    campaign = engine.load(file)
    engine.run(campaign, send=True, limit=1)
    result = run_cli("campaign", "preview", str(file), "--html")
    assert result.exit_code == 0, result.output
    page = (workspace.out_dir("hello") / "review.html").read_text(encoding="utf-8")
    assert "Already done in earlier runs" in page
    assert "<td>Ann Lee</td><td>main</td><td>fake</td><td>sent</td>" in page
    assert "Hello Bo" in page
