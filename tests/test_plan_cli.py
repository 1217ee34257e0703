"""``outreach plan``, ``outreach snooze`` and the plan's agreement with ``contacts list``."""

from __future__ import annotations

import json
from datetime import date, timedelta

from outreach.cadence import Cadence
from outreach.contact import Address
from outreach.planstate import load_first_seen
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
    with workspace.open_journal() as journal:
        journal.add_touch("q", date(2025, 2, 20), "call", "new job at Lumen")
    result = run_cli("plan", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    text = result.stdout
    headings = [
        "This week: 2 to get in touch with (2 of 2 due; per_week 25)",
        "Due soon (1)",
        "Fix address: a way to reach them failed (1)",
        "No way to reach: no email, postal address or LinkedIn (1)",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    lines = text.splitlines()
    # One line per contact: name, how overdue, cadence, last touch and its note.
    quinn = next(line for line in lines if "Quinn Quarterly" in line)
    words = 'Quinn Quarterly 13 days overdue quarterly last 2025-02-20 call: "new job at Lumen"'
    assert quinn.split() == words.split(" ")
    yann = next(line for line in lines if "Yann Yearly" in line)
    assert "no touch for 13 months; 213 days overdue" in yann and "P6M" in yann
    assert lines.index(yann) < lines.index(quinn)  # the most overdue for the cadence first
    assert text.count("Due one cadence after the last touch") == 1  # the explanation, once
    assert text.count("never touched") == 1
    assert "Sam Soon" in text and "due in 8 days" in text
    assert "mail to 1 Old Road, Leeds came back" in text
    assert "Nils Nowhere" in text
    assert "Pia Private" not in text  # cadence never
    assert text.endswith("\n") and result.stderr.endswith("\n")
    assert result.stderr == "5 of 6 contacts in the plan on 2025-06-02\n"


def test_plan_shows_this_weeks_picks_and_counts_the_rest(workspace, add_contacts, run_cli):
    people = [
        make_contact(f"c{i:02d}", f"Pat{i:02d}", "Lee", email=f"c{i}@x.org") for i in range(12)
    ]
    add_contacts(*people)
    (workspace.root / "outreach.toml").write_text("[plan]\nper_week = 5\n", encoding="utf-8")
    text = run_cli("plan", "--today", TODAY.isoformat()).stdout
    assert "This week: 5 to get in touch with (5 of 12 due; per_week 5)" in text
    assert sum("Pat" in line for line in text.splitlines()) == 5
    assert "and 7 more due; outreach plan --all lists them" in text
    everyone = run_cli("plan", "--all", "--today", TODAY.isoformat()).stdout
    assert sum("Pat" in line for line in everyone.splitlines()) == 12
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    assert len(rows) == 12 and sum(r["pick"] for r in rows) == 5


def test_plan_json(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    result = run_cli("plan", "--json", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["uid"], r["section"], r["pick"]) for r in rows] == [
        ("q", "overdue", True),
        ("y", "slipping-away", True),
        ("s", "soon", False),
        ("m", "fix-address", False),
        ("n", "unreachable", False),
    ]
    by_uid = {r["uid"]: r for r in rows}
    assert by_uid["q"]["due"] == "2025-05-20" and by_uid["q"]["overdue_days"] == 13
    assert by_uid["s"]["due"] == "2025-06-10" and by_uid["s"]["overdue_days"] == -8
    for row in rows:
        assert date.fromisoformat(row["due"])
        assert isinstance(row["overdue_days"], int) and row["reason"]
        assert {"uid", "name", "due", "overdue_days", "reason", "section", "pick"} <= set(row)


def test_a_user_recorded_touch_beats_first_sight(workspace, add_contacts, run_cli) -> None:
    add_contacts(make_contact("chidi", "Chidi", "Anagonye", email="chidi@example.com"))
    assert run_cli("contacts", "set", "Chidi", "--cadence", "quarterly").exit_code == 0
    long_ago = (date.today() - timedelta(days=205)).isoformat()
    assert run_cli("touch", "Chidi", "--via", "call", "--date", long_ago).exit_code == 0
    rows = json.loads(run_cli("plan", "--json").stdout)
    [row] = [r for r in rows if r["uid"] == "chidi"]
    due = Cadence.parse("quarterly").after(date.fromisoformat(long_ago))
    assert row["section"] == "overdue" and row["pick"] is True
    assert row["overdue_days"] == (date.today() - due).days > 100


def test_a_pretend_today_writes_nothing(workspace, add_contacts, run_cli) -> None:
    add_contacts(make_contact("a", "Ann", "Able", email="ann@example.com"))
    assert run_cli("plan", "--today", "2030-01-01").exit_code == 0
    assert run_cli("plan", "--json", "--today", "2030-01-01").exit_code == 0
    assert not workspace.journal_path.exists()
    assert run_cli("plan").exit_code == 0  # the real today notes who the plan has seen
    assert workspace.journal_path.exists()


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


def test_a_fresh_import_is_due_at_once_and_paced_by_the_picks(workspace, run_cli, tmp_path):
    cards = "".join(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:imp-{i}\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n"
        f"EMAIL:person{i}@example.com\r\nEND:VCARD\r\n"
        for i in range(500)
    )
    export = tmp_path / "export.vcf"
    export.write_text(cards, encoding="utf-8")
    assert run_cli("contacts", "import", str(export)).exit_code == 0
    # The import notes the day they entered the book; a later real-day plan counts from it.
    with workspace.open_journal() as journal:
        assert set(load_first_seen(journal).values()) == {date.today()}
    later = (date.today() + timedelta(days=9)).isoformat()
    rows = json.loads(run_cli("plan", "--json", "--today", later).stdout)
    assert {r["overdue_days"] for r in rows} == {9}
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    # The true figures: never touched, so due from the day they entered the book...
    assert len(rows) == 500 and all(r["overdue_days"] == 0 for r in rows)
    # ... and only a week's share suggested, the rest counted.
    assert sum(r["pick"] for r in rows) == 25
    text = run_cli("plan", "--today", TODAY.isoformat()).stdout
    assert "This week: 25 to get in touch with (25 of 500 due; per_week 25)" in text
    assert "and 475 more due; outreach plan --all lists them" in text
    assert "first due spread" not in text


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
