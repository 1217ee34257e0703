"""Returned mail through the CLI: flagged addresses stay off print runs until they change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from printing import campaign, configure, manifest, world

from outreach.workspace import Workspace


def printed_uids(out: Path) -> list[str]:
    return [row["uid"] for row in manifest(out)]


def left_out(run_cli: Callable[..., object], path: Path) -> dict[str, str]:
    result = run_cli("campaign", "status", str(path), "--json")
    assert result.exit_code == 0, result.output
    return {r["uid"]: r["error"] for r in json.loads(result.output) if r["status"] == "left-out"}


def test_returned_address_is_left_out_until_the_address_changes(
    workspace: Workspace, add_contacts: Callable[..., object], run_cli: Callable[..., object]
) -> None:
    configure(workspace)
    add_contacts(*world()[:3])
    path = campaign(workspace.root / "holiday", 'outputs = ["cards", "envelopes"]')
    out = workspace.out_dir("cards")

    result = run_cli("contacts", "set", "Jürgen Groß", "--address-returned")
    assert result.exit_code == 0, result.output
    assert "address marked returned: Hauptstraße 5" in result.output
    shown = run_cli("contacts", "show", "de")
    assert "(returned: fix address)" in shown.output

    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    assert "1 left out" in result.output
    assert printed_uids(out) == ["us", "fr"]
    assert "fix address" in left_out(run_cli, path)["de"]

    # The flag survives a round trip through the vCard file ...
    book_text = workspace.book_path.read_text(encoding="utf-8")
    assert "X-OUTREACH-RETURNED" in book_text
    # ... until the address is edited (as a contacts app would): then it is cleared.
    workspace.book_path.write_text(
        book_text.replace("Hauptstraße 5", "Hauptstraße 7"), encoding="utf-8"
    )
    assert "de" not in left_out(run_cli, path)
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    assert printed_uids(out) == ["us", "de", "fr"]
    assert "returned" not in run_cli("contacts", "show", "de").output


def test_a_new_address_from_an_import_is_used_while_the_old_stays_flagged(
    workspace: Workspace,
    add_contacts: Callable[..., object],
    run_cli: Callable[..., object],
    tmp_path: Path,
) -> None:
    configure(workspace)
    add_contacts(*world()[:2])
    path = campaign(workspace.root / "holiday", 'outputs = ["envelopes"]')
    assert run_cli("contacts", "set", "de", "--address-returned").exit_code == 0
    assert "fix address" in left_out(run_cli, path)["de"]

    moved = tmp_path / "moved.vcf"
    moved.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:de\r\nFN:Jürgen Groß\r\nN:Groß;Jürgen;;;\r\n"
        "ADR;TYPE=HOME:;;Lindenallee 3;München;;80331;Deutschland\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    result = run_cli("contacts", "import", str(moved))
    assert result.exit_code == 0, result.output
    assert left_out(run_cli, path) == {}
    result = run_cli("campaign", "run", str(path))
    assert result.exit_code == 0, result.output
    import pdfplumber

    with pdfplumber.open(workspace.out_dir("cards") / "envelopes.pdf") as pdf:
        text = pdf.pages[1].extract_text()
    assert "Lindenallee 3" in text and "80331 MÜNCHEN" in text
    assert "Hauptstraße" not in text
