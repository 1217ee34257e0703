"""``contacts move-book``: one file to a folder and back, every card byte for byte; a book path
switched by hand to an empty folder is an error, not an empty book; ``--skip-bad`` on vCards.

The book is what a user brings: foreign exports from ``tests/fixtures/vcard`` (Apple, vCard
2.1 quoted-printable, photos, a byte-order mark, unknown properties) and the sample book,
followed by 3,000 generated cards with common names and shared employers.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from outreach.bookmove import split_cards

FIXTURES = Path(__file__).parent / "fixtures" / "vcard"
EXAMPLES = Path(__file__).parent.parent / "examples"
FOREIGN = [
    "apple-company.vcf",
    "apple-groups.vcf",
    "birthday-no-year.vcf",
    "bom.vcf",
    "data-uri-40.vcf",
    "escaped.vcf",
    "line-separators.vcf",
    "nameless-params.vcf",
    "photo.vcf",
    "qp-21.vcf",
    "unescaped-commas.vcf",
    "unknown-props.vcf",
]
GIVEN = ["James", "Mary", "Wei", "Maria", "Mohammed", "Anna", "David", "Olga", "José", "Priya"]
FAMILY = ["Smith", "Wang", "García", "Müller", "Kim", "Nguyen", "Jones", "Rossi", "Khan", "Lee"]
ORGS = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries"]


def _generated(count: int) -> bytes:
    rnd = random.Random(7)
    cards = []
    for i in range(count):
        given, family = rnd.choice(GIVEN), rnd.choice(FAMILY)
        cards.append(
            "BEGIN:VCARD\r\nVERSION:3.0\r\n"
            f"N:{family};{given};;;\r\nFN:{given} {family}\r\nORG:{rnd.choice(ORGS)}\r\n"
            f"EMAIL;TYPE=INTERNET:{given.lower()}.{i}@example.com\r\n"
            f"UID:gen-{i:05d}\r\nEND:VCARD\r\n"
        )
    return "".join(cards).encode("utf-8")


@pytest.fixture
def real_book(workspace, request: pytest.FixtureRequest) -> bytes:  # noqa: ANN001
    """The workspace's book file written as a user's own: foreign cards, then many more
    (3,000 generated ones, or the number a test marks with ``@pytest.mark.cards(N)``)."""
    marker = request.node.get_closest_marker("cards")
    count = marker.args[0] if marker else 3000
    parts = []
    for name in FOREIGN:
        data = (FIXTURES / name).read_bytes()
        parts.append(data.removeprefix(b"\xef\xbb\xbf"))
    parts.append((EXAMPLES / "contacts.vcf").read_bytes())
    parts.append(_generated(count))
    data = b"".join(p if p.endswith(b"\n") else p + b"\r\n" for p in parts)
    workspace.book_path.write_bytes(data)
    return data


def _listing(run_cli) -> list[dict]:  # noqa: ANN001
    result = run_cli("contacts", "list", "--json")
    assert result.exit_code == 0, result.output
    return sorted(
        json.loads(result.output[: result.output.rindex("]") + 1]), key=lambda c: c["uid"]
    )


def test_file_to_folder_and_back_keeps_every_card_byte_for_byte(
    run_cli, workspace, real_book: bytes
) -> None:  # noqa: ANN001
    before = _listing(run_cli)
    cards = split_cards(real_book, "book")
    assert len(before) == len(cards) > 3000
    folder = workspace.root / "book"
    result = run_cli("contacts", "move-book", str(folder))
    assert result.exit_code == 0, result.output
    assert f"moved {len(cards)} contacts" in result.output
    assert 'path = "book"' in (workspace.root / "outreach.toml").read_text()
    assert not workspace.book_path.exists()  # the old file goes once the folder reads back
    stored = sorted(p.read_bytes() for p in folder.glob("*.vcf"))
    assert stored == sorted(cards)
    assert _listing(run_cli) == before
    # An edit in the folder (as khard makes) is kept on the way back.
    result = run_cli("contacts", "move-book", str(workspace.root / "contacts.vcf"))
    assert result.exit_code == 0, result.output
    assert not folder.exists()
    back = (workspace.root / "contacts.vcf").read_bytes()
    assert sorted(split_cards(back, "back")) == sorted(cards)
    assert _listing(run_cli) == before


@pytest.mark.cards(300)
def test_the_comments_of_outreach_toml_are_kept(run_cli, workspace, real_book: bytes) -> None:  # noqa: ANN001
    config = workspace.root / "outreach.toml"
    text = config.read_text()
    assert "# or a folder, for one .vcf per contact" in text
    run_cli("contacts", "move-book", str(workspace.root / "people"))
    after = config.read_text()
    assert after.replace('path = "people"', 'path = "contacts.vcf"') == text


@pytest.mark.cards(300)
def test_an_edit_that_waited_for_a_move_lands_in_the_moved_book(
    run_cli, workspace, real_book: bytes
) -> None:  # noqa: ANN001
    from conftest import make_contact

    from outreach.workspace import Workspace

    # A command that read outreach.toml before the move and got the book lock after it (it
    # waited for move-book) must save into the book where it now is, not where it was.
    waited = Workspace.load(workspace.root)
    result = run_cli("contacts", "move-book", str(workspace.root / "people"))
    assert result.exit_code == 0, result.output
    with waited.edit_book() as book:
        book.add(make_contact("late-1", "Late", "Comer", email="late@example.org"))
    assert not (workspace.root / "contacts.vcf").exists()
    assert "late-1" in Workspace.load(workspace.root).open_book()
    assert waited.book_path == workspace.root / "people"


@pytest.mark.cards(300)
def test_a_book_path_switched_to_an_empty_folder_is_an_error_naming_move_book(
    run_cli, workspace, real_book: bytes
) -> None:  # noqa: ANN001
    config = workspace.root / "outreach.toml"
    config.write_text(config.read_text().replace('path = "contacts.vcf"', 'path = "cards"'))
    (workspace.root / "cards").mkdir()
    for command in (("contacts", "list"), ("plan",)):
        result = run_cli(*command)
        assert result.exit_code == 2, result.output
        assert "contacts.vcf holds the contacts" in result.output
        assert "outreach contacts move-book" in result.output
    assert (workspace.root / "contacts.vcf").read_bytes() == real_book
    # The command it names does the move.
    result = run_cli("contacts", "move-book", str(workspace.root / "cards"))
    assert result.exit_code == 0, result.output
    assert len(_listing(run_cli)) == len(split_cards(real_book, "book"))


@pytest.mark.cards(300)
def test_a_taken_target_or_the_same_layout_is_refused(run_cli, workspace, real_book: bytes) -> None:  # noqa: ANN001
    taken = workspace.root / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    for target, message in (
        (taken, "already exists"),
        (workspace.root / "other.vcf", "already a single .vcf file"),
    ):
        result = run_cli("contacts", "move-book", str(target))
        assert result.exit_code == 2 and message in result.output, result.output
    assert workspace.book_path.read_bytes() == real_book
    assert (taken / "notes.txt").read_text() == "mine"


def test_skip_bad_leaves_malformed_cards_out_and_lists_each(run_cli, workspace) -> None:  # noqa: ANN001
    files = [str(FIXTURES / "broken-bad-line.vcf"), str(FIXTURES / "broken-no-end.vcf")]
    strict = run_cli("contacts", "import", *files)
    assert strict.exit_code == 2 and "broken-bad-line.vcf:9: not a vCard line" in strict.output
    assert not workspace.book_path.exists()
    result = run_cli("contacts", "import", "--skip-bad", *files)
    assert result.exit_code == 0, result.output
    assert "skipped " + files[0] + ":6: line 9: not a vCard line" in result.output
    assert "skipped " + files[1] + ":7: " in result.output and "never ends" in result.output
    assert "2 added" in result.output and "2 skipped" in result.output
    names = {c["name"] for c in _listing(run_cli)}
    assert names == {"Alma Good", "Card Good"}


def test_skip_bad_counts_a_stretch_of_text_between_cards_as_one_record(
    run_cli, workspace, tmp_path: Path  # noqa: ANN001
) -> None:
    # Phones and hand edits leave notes between cards: one stretch of such lines is one
    # skipped record, so the summary's counts still add up to the records read.
    book = tmp_path / "with-notes.vcf"
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{family};{given};;;\r\nEND:VCARD\r\n"
    book.write_text(
        card.format(uid="s-1", name="Alma Good", family="Good", given="Alma")
        + "Forwarded from my old phone\r\nplease keep these\r\nthanks\r\n"
        + card.format(uid="s-2", name="Card Good", family="Good", given="Card")
        + "one more note\r\n",
        encoding="utf-8",
    )
    result = run_cli("contacts", "import", "--skip-bad", str(book))
    assert result.exit_code == 0, result.output
    assert "4 records read: 2 added" in result.output and "2 skipped" in result.output
    assert result.output.count("skipped " + str(book)) == 2
