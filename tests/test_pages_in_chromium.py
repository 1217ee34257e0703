"""linkedin.html and review.html opened in headless Chromium, the way a user opens them.

One browser serves the whole module (starting it is the slow part). Screenshots are written
to ``$OUTREACH_SCREENSHOTS`` when set (to look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import csv
import functools
import http.server
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import make_contact
from headless import Chromium
from linkedin_helpers import (
    END_OF_CONTRACT,
    TODAY,
    linkedin_campaign,
    registered_thumbs,
    write_campaign,
    write_linkedin_export_book,
)
from outreach.plugins.linkedin.limits import count_chars

from outreach.contact import Address, Contact
from outreach.engine import Engine
from outreach.workspace import Workspace

AddContacts = Callable[..., list[Contact]]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    with Chromium() as browser:
        browser.grant_clipboard()
        yield browser


@pytest.fixture
def browser(chromium: Chromium) -> Chromium:
    """The module's browser, with the events of earlier tests forgotten."""
    chromium.events.clear()
    return chromium


def _shot(browser: Chromium, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("OUTREACH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = browser.screenshot(folder / name)
    assert path.read_bytes().startswith(b"\x89PNG")
    return path


def _assert_offline_and_clean(browser: Chromium, allowed: tuple[str, ...]) -> None:
    urls = browser.requested_urls()
    assert urls, "the page load itself is a request"
    assert all(u.startswith(allowed) for u in urls), urls
    assert browser.console_errors() == []


# -- the drafts page ------------------------------------------------------------------------

FIELDS_JS = """
Array.from(document.querySelectorAll('[data-limit]')).map(f => ({
  id: f.id,
  value: f.value,
  length: f.value.length,
  chars: Number(f.dataset.chars),
  limit: Number(f.dataset.limit),
  counter: document.getElementById(f.id + '-count').textContent,
  uid: f.closest('article').dataset.uid,
  kind: f.closest('article').dataset.kind,
}))
"""


def test_linkedin_page_counts_copy_and_live_update(
    browser: Chromium, workspace: Workspace, tmp_path: Path
) -> None:
    write_linkedin_export_book(workspace)
    engine = Engine(workspace, today=TODAY)
    engine.run(engine.load(END_OF_CONTRACT))
    out = workspace.out_dir("end-of-contract")
    with (out / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
        rows = {(r["uid"], r["kind"]): r for r in csv.DictReader(handle)}

    browser.open((out / "linkedin.html").as_uri())
    assert browser.evaluate("document.title") == "LinkedIn drafts: end-of-contract"
    fields = browser.evaluate(FIELDS_JS)
    assert len(fields) == len(rows) == 8
    for field in fields:
        row = rows[(field["uid"], field["kind"])]
        # The box holds exactly the CSV's text, and the browser's length is our count.
        assert field["value"] == row["text"]
        assert field["length"] == field["chars"] == int(row["chars"])
        assert field["counter"] == f"{row['chars']} / {row['limit']}"
    flagged = browser.evaluate(
        "Array.from(document.querySelectorAll('.flag')).map("
        "f => f.closest('article').querySelector('h2').textContent)"
    )
    assert flagged == ["Tomás García"]

    # Copy puts the draft on the clipboard, and selects it.
    first = fields[0]
    browser.click(f"button[data-target='{first['id']}']")
    assert browser.clipboard_text() == first["value"]
    button = f"document.querySelector('[data-target={first['id']}]').textContent"
    assert browser.evaluate(button) == "Copied"
    selection = browser.evaluate(
        f"(() => {{ const f = document.getElementById('{first['id']}');"
        "return [f.selectionStart, f.selectionEnd, document.activeElement === f]; })()"
    )
    assert selection == [0, first["length"], True]

    # Editing updates the count live: a space and an emoji are three more.
    browser.type_text(f"#{first['id']}", " \N{WAVING HAND SIGN}")
    counter = browser.evaluate(f"document.getElementById('{first['id']}-count').textContent")
    assert counter == f"{first['length'] + 3} / {first['limit']}"
    browser.click(f"button[data-target='{first['id']}']")
    assert browser.clipboard_text() == first["value"] + " \N{WAVING HAND SIGN}"

    _assert_offline_and_clean(browser, ("file://", "data:"))
    _shot(browser, tmp_path, "linkedin-drafts.png")


def test_linkedin_page_flags_an_edit_over_the_limit(
    browser: Chromium, workspace: Workspace, add_contacts: AddContacts, tmp_path: Path
) -> None:
    add_contacts(
        make_contact("ann", "Ann", "Lee", linkedin="https://www.linkedin.com/in/ann-lee"),
    )
    note = "Hi {{ greeting }}, " + "x" * 290  # 298: two short of the limit
    campaign = linkedin_campaign({"kind": "connection", "body": note}, name="notes")
    Engine(workspace, today=TODAY).run(campaign)
    browser.open((workspace.out_dir("notes") / "linkedin.html").as_uri())
    assert browser.evaluate("document.getElementById('text-1-count').textContent") == "298 / 300"

    browser.type_text("#text-1", "\N{WAVING HAND SIGN}")  # exactly at the limit
    state = browser.evaluate(
        "[document.getElementById('text-1-count').textContent,"
        " document.getElementById('text-1-count').classList.contains('over')]"
    )
    assert state == ["300 / 300", False]
    browser.type_text("#text-1", "\n")  # a line break is one more
    state = browser.evaluate(
        "[document.getElementById('text-1-count').textContent,"
        " document.getElementById('text-1-count').classList.contains('over'),"
        " document.getElementById('text-1').getAttribute('aria-invalid')]"
    )
    assert state == ["301 / 300 (1 over the limit)", True, "true"]
    _shot(browser, tmp_path, "linkedin-over-limit.png")


MAXLENGTH_PAGE = """<!doctype html><meta charset="utf-8">
<textarea id="box"></textarea>"""


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii",
        "Grüße, Ölmühle",
        "e\u0301t\u0301e\u0301",
        "\N{WAVING HAND SIGN} hi \N{THUMBS UP SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}",
        "\u200d".join(["\N{MAN}", "\N{WOMAN}", "\N{GIRL}"]) + " family",
        "line one\nline two\n\nline four",
        "日本語と\U00020bb7",
    ],
)
def test_count_agrees_with_chromium_maxlength(browser: Chromium, tmp_path: Path, text: str) -> None:
    """LinkedIn's boxes stop input at their limit as the browser measures it: so do we."""
    page = tmp_path / "box.html"
    page.write_text(MAXLENGTH_PAGE, encoding="utf-8")
    browser.open(page.as_uri())
    chars = count_chars(text)
    for limit, whole in ((chars, True), (chars - 1, False)):
        browser.evaluate(
            f"(() => {{ const b = document.getElementById('box'); b.value = '';"
            f"b.maxLength = {limit}; }})()"
        )
        browser.type_text("#box", text)
        value = browser.evaluate("document.getElementById('box').value")
        assert (value == text) is whole, (limit, value)
        assert count_chars(value) <= limit


# -- the review page ------------------------------------------------------------------------

REVIEW_CAMPAIGN = """\
name = "season"
[[part]]
id = "cards"
channels = ["thumbs"]
[[part]]
id = "notes"
deliver = "first"
channels = ["email", "linkedin"]
[part.email]
subject = "Hello {{ first_name }}"
body = "Dear {{ greeting }},\\nall the best for the new year.\\n{{ me.name }}"
[part.linkedin]
kind = "connection"
body = "Hi {{ greeting }}, all the best for the new year! \N{SPARKLES} {{ me.name }}"
"""


@pytest.fixture
def loopback_server() -> Iterator[Callable[[Path], str]]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(directory: Path) -> str:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
        handler.log_message = lambda *args: None  # type: ignore[method-assign]
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def test_review_page_renders_pieces_images_and_counts(
    browser: Chromium,
    workspace: Workspace,
    add_contacts: AddContacts,
    run_cli: Callable[..., object],
    loopback_server: Callable[[Path], str],
    tmp_path: Path,
) -> None:
    paris = Address(
        street=("1 Rue de la Paix",),
        locality="Paris",
        postal_code="75002",
        country="France",
        country_code="FR",
    )
    add_contacts(
        make_contact("ann", "Ann", "Lee", email="ann@example.com", address=paris),
        make_contact(
            "jo", "Jo", "Park", linkedin="https://www.linkedin.com/in/jo-park", address=paris
        ),
        make_contact("ren", "Ren", "Kato"),
    )
    file = write_campaign(workspace.root / "season.toml", REVIEW_CAMPAIGN)
    with registered_thumbs():
        result = run_cli("campaign", "preview", str(file), "--html")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]

    base = loopback_server(workspace.out_dir("season"))
    browser.open(base + "review.html")
    assert browser.evaluate("document.title") == "Review: season"
    images = browser.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    assert images == [[True, 41, 30], [True, 42, 30]]
    pieces = browser.evaluate(
        "Array.from(document.querySelectorAll('article.piece')).map(a => ({"
        " uid: a.dataset.uid, channel: a.dataset.channel,"
        " preview: a.querySelector('pre.preview').textContent,"
        " chars: (a.querySelector('dd[data-key=characters]') || {}).textContent }))"
    )
    assert [(p["uid"], p["channel"]) for p in pieces] == [
        ("ann", "thumbs"),
        ("jo", "thumbs"),
        ("ann", "email"),
        ("jo", "linkedin"),
        ("ren", "linkedin"),
    ]
    for piece in pieces:
        if piece["channel"] == "linkedin":
            # The count shown is the browser's own length of the draft shown.
            shown = browser.evaluate(f"{json.dumps(piece['preview'])}.length")
            assert piece["chars"] == f"{shown} of 300"
    assert "Subject: Hello Ann" in pieces[2]["preview"]
    left_out = browser.evaluate(
        "Array.from(document.querySelectorAll('#left-out tbody tr')).map(r => r.innerText)"
    )
    assert left_out == ["Ren Kato\tcards\tthumbs: no postal address"]
    visible = browser.evaluate(
        "document.querySelector('#images figure').getBoundingClientRect().height > 30"
    )
    assert visible
    _assert_offline_and_clean(browser, (base, "data:"))
    _shot(browser, tmp_path, "review.png")
