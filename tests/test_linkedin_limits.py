"""LinkedIn's limits: counted as its web UI counts, enforced exactly at the boundary."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import make_contact
from linkedin_helpers import render_for, set_account
from outreach.plugins.linkedin.draft import DraftError, DraftTooLong
from outreach.plugins.linkedin.limits import count_chars, limits_for, normalise_newlines

from outreach.contact import Contact
from outreach.errors import OutreachError
from outreach.workspace import Workspace

WAVE = "\N{WAVING HAND SIGN}"  # outside the BMP: two UTF-16 code units
THUMB_MEDIUM = "\N{THUMBS UP SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}"  # 2 + 2
FAMILY = "\u200d".join(["\N{MAN}", "\N{WOMAN}", "\N{GIRL}", "\N{BOY}"])  # 4 x 2 + 3 joiners
FLAG_DE = "\N{REGIONAL INDICATOR SYMBOL LETTER D}\N{REGIONAL INDICATOR SYMBOL LETTER E}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("Hello", 5),
        ("Grüße aus Köln", 14),  # precomposed letters are one code unit each
        ("e\u0301", 2),  # a letter and a combining accent: two
        ("日本語", 3),  # BMP ideographs: one each
        ("\U00020bb7", 2),  # an ideograph outside the BMP (Extension B): two
        (WAVE, 2),
        (THUMB_MEDIUM, 4),
        (FAMILY, 11),
        (FLAG_DE, 4),
        ("\N{HEAVY BLACK HEART}\ufe0f", 2),  # a BMP symbol plus a variation selector
        ("a\nb", 3),
        ("a\r\nb", 3),  # CRLF is one line break in a browser's text box
        ("a\rb", 3),
        ("\n\n", 2),
    ],
)
def test_count_chars_matches_javascript_string_length(text: str, expected: int) -> None:
    assert count_chars(text) == expected
    # The same number as UTF-16 code units after the browser's line-break normalisation.
    assert count_chars(text) == len(normalise_newlines(text).encode("utf-16-le")) // 2


def test_limits_for_each_kind_and_account() -> None:
    assert limits_for("connection").text == 300
    assert limits_for("connection", "free").text == 200
    assert limits_for("message").text == 8000
    assert limits_for("message", "free").text == 8000
    inmail = limits_for("inmail")
    assert (inmail.subject, inmail.text) == (200, 1900)
    assert limits_for("recommendation").text == 3000


@pytest.fixture
def jane(add_contacts: Callable[..., list[Contact]]) -> Contact:
    (contact,) = add_contacts(
        make_contact("jane", "Jane", "Doe", linkedin="https://www.linkedin.com/in/jane-doe")
    )
    return contact


def _note(text: str) -> dict[str, str]:
    # A literal body: no template syntax, so the draft is exactly ``text``.
    return {"kind": "connection", "body": "{% raw %}" + text + "{% endraw %}"}


@pytest.mark.parametrize(
    "text",
    [
        "a" * 300,
        "a" * 298 + WAVE,  # the emoji's two units land exactly on the limit
        "é" * 300,  # multi-byte in UTF-8, one unit each in UTF-16
        "a" * 149 + "\n" + "b" * 150,  # the line break counts one
        "a" * 149 + "\r\n" + "b" * 150,  # ... also when the template has CRLF
        FAMILY * 27 + "abc",  # 297 + 3
    ],
)
def test_connection_note_at_the_limit_is_accepted(
    workspace: Workspace, jane: Contact, text: str
) -> None:
    item = render_for(workspace, jane, _note(text))
    draft = item.payload
    assert draft.text == normalise_newlines(text)
    assert (draft.chars, draft.limit) == (300, 300)
    assert item.details["characters"] == "300 of 300"


@pytest.mark.parametrize(
    "text",
    [
        "a" * 301,
        "a" * 299 + WAVE,  # 301: an emoji is never counted as one
        "a" * 297 + THUMB_MEDIUM,  # 301
        "a" * 150 + "\n" + "b" * 150,
        "e\u0301" * 150 + "x",  # 301: combining accents count
    ],
)
def test_connection_note_one_over_is_an_error_naming_contact_and_length(
    workspace: Workspace, jane: Contact, text: str
) -> None:
    with pytest.raises(DraftTooLong) as caught:
        render_for(workspace, jane, _note(text))
    message = str(caught.value)
    assert "Jane Doe <jane>" in message
    assert "is 301 characters" in message
    assert "limit of 300" in message
    assert isinstance(caught.value, OutreachError)


def test_free_account_connection_note_limit_is_200(workspace: Workspace, jane: Contact) -> None:
    free = set_account(workspace, "free")
    assert render_for(free, jane, _note("x" * 200)).payload.limit == 200
    with pytest.raises(DraftTooLong, match=r"is 201 characters.*limit of 200.*free account"):
        render_for(free, jane, _note("x" * 199 + "\n" + "y"))
    # Messages are not affected by the account.
    message = render_for(free, jane, {"kind": "message", "body": "z" * 8000}).payload
    assert (message.chars, message.limit) == (8000, 8000)


def test_inmail_subject_and_body_limits(workspace: Workspace, jane: Contact) -> None:
    ok = render_for(
        workspace, jane, {"kind": "inmail", "subject": "s" * 198 + WAVE, "body": "b" * 1900}
    ).payload
    assert (ok.subject_chars, ok.subject_limit, ok.chars, ok.limit) == (200, 200, 1900, 1900)
    with pytest.raises(DraftTooLong, match=r"InMail subject for Jane Doe <jane> is 201"):
        render_for(workspace, jane, {"kind": "inmail", "subject": "s" * 201, "body": "b"})
    with pytest.raises(DraftTooLong, match=r"InMail for Jane Doe <jane> is 1901 characters"):
        render_for(workspace, jane, {"kind": "inmail", "subject": "s", "body": "b" * 1901})


def test_message_and_recommendation_limits(workspace: Workspace, jane: Contact) -> None:
    with pytest.raises(DraftTooLong, match="8001 characters"):
        render_for(workspace, jane, {"kind": "message", "body": "m" * 8001})
    table = {"kind": "recommendation", "position": "Engineer", "body": "r" * 3000}
    assert render_for(workspace, jane, table).payload.chars == 3000
    with pytest.raises(DraftTooLong, match="recommendation request for Jane Doe <jane> is 3001"):
        render_for(workspace, jane, {**table, "body": "r" * 3001})


def test_surrounding_whitespace_is_not_counted_but_inner_text_is_kept(
    workspace: Workspace, jane: Contact
) -> None:
    draft = render_for(workspace, jane, _note("\n\n  " + "a" * 300 + "  \n")).payload
    assert draft.text == "a" * 300


def test_an_empty_draft_is_an_error(workspace: Workspace, jane: Contact) -> None:
    with pytest.raises(DraftError, match="connection request note for Jane Doe <jane> is empty"):
        render_for(workspace, jane, {"kind": "connection", "body": "{{ '' }}  "})
