"""``outreach plan``, ``outreach snooze`` and the plan's agreement with ``contacts list``."""

from __future__ import annotations

import json
from datetime import date, timedelta

from outreach.cadence import Cadence
from outreach.contact import Address
from tests.conftest import make_contact

TODAY = date(2025, 6, 2)


def _book(workspace, add_contacts) -> None:
    """A small book: everyone known to the plan since 2024-01-01, with a history."""
    quarterly = make_contact("q", "Quinn", "Quarterly", email="quinn@example.com")
    quarterly.cadence = Cadence.parse("quarterly")
    yearly = make_contact("y", "Yann", "Yearly", email="yann@example.com", tags=["mentor"])
    soon = make_contact("s", "Sam", "Soon", email="sam@example.com")
    moved = make_contact(
        "m", "Mia", "Moved", address=Address(street=("1 Old Road",), locality="Leeds")
    )
    moved.addresses[0].returned = True
    moved.linkedin = "https://www.linkedin.com/in/mia-moved"
    nobody = make_contact("n", "Nils", "Nowhere")
    private = make_contact("p", "Pia", "Private", email="pia@example.com", tags=["private"])
    add_contacts(quarterly, yearly, soon, moved, nobody, private)
    (workspace.root / "outreach.toml").write_text(
        '[me]\nname = "Alex Example"\nemail = "alex@example.com"\n'
        '[plan]\ndefault_cadence = "yearly"\n[plan.cadence]\nmentor = "P6M"\nprivate = "never"\n',
        encoding="utf-8",
    )
    with workspace.open_journal() as journal:
        for uid in "qysmnp":
            journal.set_meta(f"plan.first-seen.{uid}", "2024-01-01")
        journal.add_touch("q", date(2025, 2, 20), "call")  # quarterly: due 2025-05-20
        journal.add_touch("y", date(2024, 5, 1), "lunch")  # 6 months: due 2024-11-01
        journal.add_touch("s", date(2024, 6, 10), "email")  # yearly: due in 8 days
        journal.add_touch("m", date(2025, 5, 1), "card")
        journal.add_touch("n", date(2025, 5, 1), "call")


def test_plan_text_lists_each_section(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    result = run_cli("plan", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    text = result.output
    headings = [
        "Overdue (1)",
        "Due soon (1)",
        "Slipping away: due, and no touch for over a year (1)",
        "Fix address: mail came back (1)",
        "No way to reach: no email, postal address or LinkedIn (1)",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "Quinn Quarterly  13 days overdue (quarterly cadence; last touch 2025-02-20)" in text
    assert "Sam Soon" in text and "due in 8 days" in text
    assert "Yann Yearly" in text and "no touch for 397 days; 213 days overdue" in text
    assert "mail to 1 Old Road, Leeds came back" in text
    assert "Nils Nowhere" in text
    assert "Pia Private" not in text  # cadence never
    assert "5 of 6 contacts in the plan on 2025-06-02" in result.stderr


def test_plan_json(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    result = run_cli("plan", "--json", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["uid"], r["section"]) for r in rows] == [
        ("q", "overdue"),
        ("s", "soon"),
        ("y", "slipping-away"),
        ("m", "fix-address"),
        ("n", "unreachable"),
    ]
    by_uid = {r["uid"]: r for r in rows}
    assert by_uid["q"]["due"] == "2025-05-20" and by_uid["q"]["overdue_days"] == 13
    assert by_uid["s"]["due"] == "2025-06-10" and by_uid["s"]["overdue_days"] == -8
    for row in rows:
        assert date.fromisoformat(row["due"])
        assert isinstance(row["overdue_days"], int) and row["reason"]
        assert {"uid", "name", "due", "overdue_days", "reason", "section"} <= set(row)


def test_touch_restarts_the_clock(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    result = run_cli("touch", "quinn@example.com", "--via", "call", "--date", "2025-06-01")
    assert result.exit_code == 0, result.output
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    assert "q" not in {r["uid"] for r in rows}


def test_a_cadence_set_on_the_contact_changes_the_plan(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    assert run_cli("contacts", "set", "Sam Soon", "--cadence", "P6W").exit_code == 0
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    sam = [r for r in rows if r["uid"] == "s"]
    assert [r["section"] for r in sam] == ["overdue"] and sam[0]["cadence"] == "P6W"


def test_contacts_list_overdue_agrees_with_the_plan(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    for day in (TODAY, TODAY + timedelta(days=10), TODAY + timedelta(days=200)):
        rows = json.loads(run_cli("plan", "--json", "--today", day.isoformat()).stdout)
        listed = run_cli("contacts", "list", "--overdue", "--json", "--today", day.isoformat())
        assert listed.exit_code == 0, listed.output
        due = {r["uid"] for r in rows if r["overdue_days"] >= 0}
        assert {c["uid"] for c in json.loads(listed.stdout)} == due
        assert due  # each of these days has someone due
    assert {r["uid"] for r in rows if r["overdue_days"] >= 0} == {"q", "y", "s"}


def test_a_fresh_import_is_not_all_due_at_once(workspace, run_cli, tmp_path) -> None:
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:imp-{i}\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n"
        f"EMAIL:person{i}@example.com\r\nEND:VCARD\r\n"
        for i in range(500)
    )
    export = tmp_path / "export.vcf"
    export.write_text(cards, encoding="utf-8")
    assert run_cli("contacts", "import", str(export)).exit_code == 0
    first = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    due_now = [r for r in first if r["overdue_days"] >= 0]
    assert len(due_now) < 10
    # A month later about a month's share is due, and they are all still within the year.
    later = TODAY + timedelta(days=30)
    rows = json.loads(run_cli("plan", "--json", "--today", later.isoformat()).stdout)
    assert 20 < len([r for r in rows if r["overdue_days"] >= 0]) < 70
    year = json.loads(run_cli("plan", "--json", "--today", "2026-06-01").stdout)
    assert len(year) == 500 and all(r["overdue_days"] >= 0 for r in year)
    assert all(r["first_seen"] == TODAY.isoformat() for r in year)


def test_nobody_due_says_who_is_next(workspace, add_contacts, run_cli) -> None:
    contact = make_contact("a", "Ann", "Able", email="ann@example.com")
    add_contacts(contact)
    with workspace.open_journal() as journal:
        journal.add_touch("a", date(2025, 5, 1), "call")
    result = run_cli("plan", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "Nobody is due in the next 14 days." in result.output
    assert "Next due: Ann Able on 2026-05-01" in result.output


def test_bad_plan_settings_are_one_clear_error(workspace, add_contacts, run_cli) -> None:
    add_contacts(make_contact("a", "Ann", "Able", email="ann@example.com"))
    config = workspace.root / "outreach.toml"
    config.write_text('[plan]\ndefault_cadence = "every now and then"\n', encoding="utf-8")
    result = run_cli("plan")
    assert result.exit_code == 2
    assert "outreach.toml [plan]: default_cadence: not a cadence" in result.output
    assert "Traceback" not in result.output


# -- snooze ----------------------------------------------------------------------------------


def test_snooze_until_a_date_and_clear(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    book_file = workspace.book_path
    result = run_cli("snooze", "Quinn", "--until", "2025-07-01", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "Quinn Quarterly: snoozed until 2025-07-01" in result.output
    assert "X-OUTREACH-SNOOZE:2025-07-01" in book_file.read_text(encoding="utf-8")
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    assert "q" not in {r["uid"] for r in rows}
    rows = json.loads(run_cli("plan", "--json", "--today", "2025-06-20").stdout)
    assert [(r["section"], r["due"]) for r in rows if r["uid"] == "q"] == [("soon", "2025-07-01")]
    rows = json.loads(run_cli("plan", "--json", "--today", "2025-07-01").stdout)
    assert [(r["section"], r["overdue_days"]) for r in rows if r["uid"] == "q"] == [("overdue", 0)]
    result = run_cli("snooze", "q", "--clear")
    assert result.exit_code == 0 and "snooze ended" in result.output
    assert "X-OUTREACH-SNOOZE" not in book_file.read_text(encoding="utf-8")
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    assert [r["section"] for r in rows if r["uid"] == "q"] == ["overdue"]


def test_snooze_mistakes_change_nothing(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    before = workspace.book_path.read_bytes()
    cases = [
        (("snooze", "q", "--until", "2025-06-01", "--today", "2025-06-02"), "is not after today"),
        (("snooze", "q"), "give either --until YYYY-MM-DD or --clear"),
        (("snooze", "q", "--until", "2025-09-01", "--clear"), "give either"),
        (("snooze", "nobody@example.com", "--until", "2099-01-01"), "no contact matches"),
        (("snooze", "q", "--until", "next week"), "'next week' is not a date"),
    ]
    for args, message in cases:
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output
    assert workspace.book_path.read_bytes() == before
