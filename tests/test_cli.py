"""The command line through click's runner: commands, JSON shapes and exit statuses."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from filetree import tree_digest

from outreach.cli import cli
from outreach.workspace import Workspace

CARDS = """\
BEGIN:VCARD
VERSION:3.0
UID:ann-uid
FN:Ann Lee
N:Lee;Ann;;;
EMAIL;TYPE=INTERNET:ann@example.com
ORG:Acme
TITLE:CTO
ADR;TYPE=HOME:;;1 Main St;Springfield;IL;62701;USA
CATEGORIES:colleague
X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/ann-lee
END:VCARD
BEGIN:VCARD
VERSION:3.0
UID:bo-uid
FN:Bo Chen
N:Chen;Bo;;;
END:VCARD
"""


@pytest.fixture
def imported(workspace: Workspace, run_cli: Callable[..., Result], tmp_path: Path) -> Workspace:
    source = tmp_path / "cards.vcf"
    source.write_text(CARDS, encoding="utf-8")
    result = run_cli("contacts", "import", str(source))
    assert result.exit_code == 0, result.output
    return workspace


def test_init_creates_a_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "net"), "--name", "Alex"])
    assert result.exit_code == 0, result.output
    assert Workspace.load(tmp_path / "net").me.name == "Alex"
    again = CliRunner().invoke(cli, ["init", str(tmp_path / "net")])
    assert "already exists" in again.output


def test_home_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.init(tmp_path / "env-home")
    monkeypatch.setenv("OUTREACH_HOME", str(tmp_path / "env-home"))
    result = CliRunner().invoke(cli, ["contacts", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_list_json_shape(imported: Workspace, run_cli: Callable[..., Result]) -> None:
    result = run_cli("contacts", "list", "--json")
    assert result.exit_code == 0, result.output
    ann, bo = json.loads(result.stdout)
    for key in (
        "uid",
        "name",
        "given",
        "family",
        "emails",
        "org",
        "title",
        "linkedin",
        "tags",
        "addresses",
        "cadence",
        "last_touch",
    ):
        assert key in ann
    assert ann["uid"] == "ann-uid"
    assert ann["emails"] == ["ann@example.com"]
    assert ann["linkedin"] == "https://www.linkedin.com/in/ann-lee"
    assert ann["addresses"][0]["postal_code"] == "62701"
    assert ann["addresses"][0]["country_code"] == "US"
    assert ann["cadence"] is None and ann["last_touch"] is None
    assert bo["emails"] == [] and bo["addresses"] == []


def test_reimport_changes_nothing(
    imported: Workspace, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    before = tree_digest(imported.root)
    result = run_cli("contacts", "import", str(tmp_path / "cards.vcf"))
    assert result.exit_code == 0
    assert "0 added, 0 merged, 2 unchanged" in result.output
    assert tree_digest(imported.root) == before


def test_set_and_touch(imported: Workspace, run_cli: Callable[..., Result]) -> None:
    assert (
        run_cli(
            "contacts",
            "set",
            "Ann Lee",
            "--cadence",
            "quarterly",
            "--tag",
            "boss",
            "--untag",
            "colleague",
        ).exit_code
        == 0
    )
    assert (
        run_cli(
            "touch", "ann@example.com", "--via", "lunch", "--date", "2026-10-01", "--note", "tapas"
        ).exit_code
        == 0
    )
    (ann,) = [
        c for c in json.loads(run_cli("contacts", "list", "--json").stdout) if c["uid"] == "ann-uid"
    ]
    assert ann["cadence"] == "quarterly"
    assert ann["tags"] == ["boss"]
    assert ann["last_touch"] == "2026-10-01"
    shown = json.loads(run_cli("contacts", "show", "ann-uid", "--json").stdout)
    assert shown["touches"] == [
        {"date": "2026-10-01", "via": "lunch", "note": "tapas", "campaign": None}
    ]
    tagged = json.loads(run_cli("contacts", "list", "--json", "--tag", "boss").stdout)
    assert [c["uid"] for c in tagged] == ["ann-uid"]


def test_address_returned_then_fixed(imported: Workspace, run_cli: Callable[..., Result]) -> None:
    assert run_cli("contacts", "set", "Ann", "--address-returned").exit_code == 0
    (ann, _) = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert ann["addresses"][0]["returned"] is True
    book = imported.open_book()
    contact = book.get("ann-uid")
    assert contact is not None
    contact.addresses[0].street = ("22 Oak Ave",)
    book.update(contact)
    book.save()
    (ann, _) = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert ann["addresses"][0]["returned"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contacts", "set", "Zed", "--cadence", "yearly"], "no contact matches 'Zed'"),
        (["contacts", "set", "Ann", "--cadence", "often"], "not a cadence"),
        (["touch", "Bo", "--via", "call", "--date", "2026-13-01"], "is not a date"),
        (["contacts", "set", "Bo", "--address-returned"], "has no postal address"),
        (["campaign", "run", "missing.toml"], "no such campaign file"),
        (["contacts", "import", "nothing.vcf"], "nothing.vcf: no such file"),
        (["contacts", "import", "--format", "fax", "{cards}"], "unknown import format 'fax'"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_changes_nothing(
    imported: Workspace,
    run_cli: Callable[..., Result],
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    before = tree_digest(imported.root)
    result = run_cli(*[a.format(cards=tmp_path / "cards.vcf") for a in args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 3  # click usage errors add a hint line
    assert "Traceback" not in result.output
    assert tree_digest(imported.root) == before


def test_malformed_vcard_import_leaves_the_book_alone(
    imported: Workspace, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    before = tree_digest(imported.root)
    broken = tmp_path / "broken.vcf"
    broken.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:New Person\nnonsense line\nEND:VCARD\n")
    result = run_cli("contacts", "import", str(broken))
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == f"outreach: error: {broken}:4: not a vCard line: 'nonsense line'"
    )
    assert tree_digest(imported.root) == before


def test_not_a_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "nowhere"), "contacts", "list"])
    assert result.exit_code == 2
    assert "not an outreach workspace" in result.stderr
    assert "outreach init" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(tmp_path), "--debug", "contacts", "list"])
    assert result.exit_code != 0
    assert result.exception is not None


def test_campaign_run_status_and_exit_codes(
    imported: Workspace, run_cli: Callable[..., Result], fake_channel: object
) -> None:
    path = imported.root / "hello.toml"
    path.write_text(
        textwrap.dedent("""
        [fake]
        body = "Hi {{ greeting }}"
        fail = ["bo-uid"]
    """)
    )
    dry = run_cli("campaign", "run", str(path))
    assert dry.exit_code == 0, dry.output  # a dry run reports what would fail only when sending
    preview = run_cli("campaign", "preview", str(path))
    assert "Hi Ann" in preview.output and "left out: Bo Chen" in preview.output
    sent = run_cli("campaign", "run", str(path), "--send")
    assert sent.exit_code == 0  # Bo has no email: left out, not failed
    rows = json.loads(run_cli("campaign", "status", str(path), "--json").stdout)
    assert {(r["uid"], r["status"]) for r in rows} == {("ann-uid", "sent"), ("bo-uid", "left-out")}
    assert rows[0]["channel"] == "fake"


def test_failed_delivery_exits_1(
    imported: Workspace, run_cli: Callable[..., Result], fake_channel: object
) -> None:
    path = imported.root / "fail.toml"
    path.write_text('[fake]\nfail = ["ann-uid"]\n')
    result = run_cli("campaign", "run", str(path), "--send")
    assert result.exit_code == 1
    assert "550 5.1.1 no such user" in result.output
    rows = json.loads(run_cli("campaign", "status", str(path), "--json").stdout)
    (ann,) = [r for r in rows if r["uid"] == "ann-uid"]
    assert ann["status"] == "failed" and ann["error"] == "550 5.1.1 no such user"


def test_export_vcard_round_trip(
    imported: Workspace, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "out.vcf"
    assert run_cli("contacts", "export", str(out)).exit_code == 0
    fresh = Workspace.init(tmp_path / "fresh")
    assert (
        CliRunner()
        .invoke(cli, ["--home", str(fresh.root), "contacts", "import", str(out)])
        .exit_code
        == 0
    )
    assert [c.uid for c in fresh.open_book()] == ["ann-uid", "bo-uid"]
    assert fresh.open_book().get("ann-uid") == imported.open_book().get("ann-uid")


def test_unwritable_output_is_one_line_naming_the_file(
    imported: Workspace, run_cli: Callable[..., Result], tmp_path: Path
) -> None:
    folder = tmp_path / "a-folder.vcf"
    folder.mkdir()
    result = run_cli("contacts", "export", str(folder))
    assert result.exit_code == 2
    assert result.stderr.startswith("outreach: error: ")
    assert "a-folder.vcf" in result.stderr and "Traceback" not in result.stderr
