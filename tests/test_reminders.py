"""``outreach reminders``: the iCalendar file, read back with an independent library.

The file is written with vobject and read here with ``icalendar``. "Importing" is modelled the
way calendar clients apply RFC 5546: an item replaces the one with the same UID when its
SEQUENCE is higher, or equal with a later DTSTAMP; anything else is a new item.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
import vobject
from dateutil.rrule import rrulestr

from outreach.cadence import Cadence
from outreach.contact import Contact, Email, Name
from outreach.errors import ConfigError
from outreach.reminders import PRODID, cadence_rrule, fold_line, write_reminders
from outreach.workspace import Workspace
from tests.conftest import make_contact

TODAY = date(2025, 6, 4)  # a Wednesday
NOW = datetime(2025, 6, 4, 8, 30, tzinfo=UTC)


def _book(workspace, add_contacts) -> None:
    """Three due contacts (overdue, slipping away, soon) and one who is not due."""
    quarterly = make_contact("q", "Quinn", "Quarterly", email="quinn@example.com")
    quarterly.cadence = Cadence.parse("quarterly")
    quarterly.linkedin = "https://www.linkedin.com/in/quinn"
    quarterly.relationship = "my manager at Acme"
    yearly = make_contact("y", "Yann", "Yearly", email="yann@example.com")
    soon = make_contact("s", "Sam", "Soon", email="sam@example.com")
    fine = make_contact("f", "Fay", "Fine", email="fay@example.com")
    add_contacts(quarterly, yearly, soon, fine)
    with workspace.open_journal() as journal:
        for uid in "qysf":
            journal.set_meta(f"plan.first-seen.{uid}", "2024-01-01")
        journal.add_touch("q", date(2025, 2, 20), "call")
        journal.add_touch("y", date(2024, 3, 1), "lunch")
        journal.add_touch("s", date(2024, 6, 12), "email")
        journal.add_touch("f", date(2025, 5, 1), "call")


def _read(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def _items(cal: icalendar.Calendar, kind: str) -> dict[str, icalendar.cal.Component]:
    found = {str(c["UID"]): c for c in cal.walk(kind)}
    assert len(found) == len(cal.walk(kind)), "two items share a UID"
    return found


def _export(workspace, today=TODAY, now=NOW, **kwargs) -> icalendar.Calendar:
    report = write_reminders(workspace, None, today=today, now=now, **kwargs)
    return _read(report.data)


class CalendarStore:
    """What a calendar client keeps after importing files (RFC 5546 revision rules)."""

    def __init__(self) -> None:
        self.items: dict[str, icalendar.cal.Component] = {}

    def import_file(self, cal: icalendar.Calendar) -> None:
        for comp in [*cal.walk("VTODO"), *cal.walk("VEVENT")]:
            uid = str(comp["UID"])
            new = (int(comp["SEQUENCE"]), comp.decoded("DTSTAMP"))
            old = self.items.get(uid)
            if old is None or new > (int(old["SEQUENCE"]), old.decoded("DTSTAMP")):
                self.items[uid] = comp

    def todo(self, summary_start: str) -> icalendar.cal.Component:
        (found,) = [
            c
            for c in self.items.values()
            if c.name == "VTODO" and str(c["SUMMARY"]).startswith(summary_start)
        ]
        return found


def test_due_contacts_become_todos(workspace, add_contacts, run_cli, tmp_path) -> None:
    _book(workspace, add_contacts)
    target = tmp_path / "cal" / "outreach.ics"
    result = run_cli("reminders", "--ics", str(target), "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "3 to-dos, 4 recurring reminders" in result.output
    cal = _read(target.read_bytes())
    assert str(cal["PRODID"]) == PRODID and str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"
    todos = _items(cal, "VTODO")
    by_summary = {str(t["SUMMARY"]): t for t in todos.values()}
    assert set(by_summary) == {
        "Get in touch with Quinn Quarterly",
        "Get in touch with Yann Yearly (slipping away)",
        "Get in touch with Sam Soon",
    }
    quinn = by_summary["Get in touch with Quinn Quarterly"]
    assert quinn.decoded("DUE") == date(2025, 5, 20)
    assert str(quinn["STATUS"]) == "NEEDS-ACTION" and int(quinn["PRIORITY"]) == 5
    description = str(quinn["DESCRIPTION"])
    assert description.splitlines() == [
        "15 days overdue (quarterly cadence; last touch 2025-02-20)",
        "How you know each other: my manager at Acme",
        "Email: quinn@example.com",
        "LinkedIn: https://www.linkedin.com/in/quinn",
        'When done: outreach touch q --via call --note "..."',
    ]
    assert by_summary["Get in touch with Sam Soon"].decoded("DUE") == date(2025, 6, 12)
    assert int(by_summary["Get in touch with Yann Yearly (slipping away)"]["PRIORITY"]) == 1
    for todo in todos.values():
        assert int(todo["SEQUENCE"]) == 0
        assert todo.decoded("DTSTAMP").tzinfo is not None
        assert str(todo["UID"]).startswith("todo-") and str(todo["UID"]).endswith("@outreach")
    # The same workspace always gives a contact the same UID.
    again = _items(_export(workspace, now=NOW + timedelta(hours=1)), "VTODO")
    assert set(again) == set(todos)


def test_habits_recur(workspace, add_contacts) -> None:
    _book(workspace, add_contacts)
    events = _items(_export(workspace), "VEVENT")
    assert set(events) == {
        "habit-connections@outreach",
        "habit-backup@outreach",
        "habit-catch-up@outreach",
        "habit-holiday-cards@outreach",
    }

    def occurrences(uid: str, n: int) -> list[date]:
        event = events[uid]
        start = event.decoded("DTSTART")
        assert event.decoded("DTEND") == start + timedelta(days=1)  # all day
        assert str(event["TRANSP"]) == "TRANSPARENT"
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == timedelta(hours=9)
        first = datetime.combine(start, NOW.time())
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=first)
        return [d.date() for d in rule[:n]]

    connections = occurrences("habit-connections@outreach", 4)
    assert connections[0] == date(2025, 6, 9)  # the Monday after the first export
    assert [(b - a).days for a, b in zip(connections, connections[1:], strict=False)] == [14] * 3
    assert occurrences("habit-backup@outreach", 3) == [
        date(2025, 7, 1),
        date(2025, 8, 1),
        date(2025, 9, 1),
    ]
    assert occurrences("habit-catch-up@outreach", 2) == [date(2026, 1, 15), date(2027, 1, 15)]
    assert occurrences("habit-holiday-cards@outreach", 2) == [
        date(2025, 11, 15),
        date(2026, 11, 15),
    ]
    summary = str(events["habit-connections@outreach"]["SUMMARY"])
    assert summary == "Add two new LinkedIn connections"


def test_importing_again_updates_and_never_duplicates(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    store = CalendarStore()
    first = _export(workspace)
    store.import_file(first)
    assert len(store.items) == 7

    # The same file a day later: same UIDs and SEQUENCEs, a later DTSTAMP, nothing new.
    second = _export(workspace, now=NOW + timedelta(days=1))
    assert set(_items(second, "VTODO")) == set(_items(first, "VTODO"))
    for uid, comp in {**_items(second, "VTODO"), **_items(second, "VEVENT")}.items():
        before = {**_items(first, "VTODO"), **_items(first, "VEVENT")}[uid]
        assert int(comp["SEQUENCE"]) == int(before["SEQUENCE"])
        assert comp.decoded("DTSTAMP") > before.decoded("DTSTAMP")
    store.import_file(second)
    assert len(store.items) == 7

    # Quinn gets a call: the to-do comes back COMPLETED with a higher SEQUENCE.
    assert run_cli("touch", "q", "--via", "call", "--date", "2025-06-05").exit_code == 0
    third = _export(workspace, today=date(2025, 6, 6), now=NOW + timedelta(days=2))
    store.import_file(third)
    assert len(store.items) == 7
    quinn = store.todo("Get in touch with Quinn")
    assert str(quinn["STATUS"]) == "COMPLETED" and int(quinn["SEQUENCE"]) == 1
    assert quinn.decoded("COMPLETED").date() == date(2025, 6, 5)
    assert int(quinn["PERCENT-COMPLETE"]) == 100

    # Sam is snoozed: the to-do is CANCELLED, not completed.
    assert run_cli("snooze", "s", "--until", "2025-08-01", "--today", "2025-06-06").exit_code == 0
    fourth = _export(workspace, today=date(2025, 6, 6), now=NOW + timedelta(days=3))
    store.import_file(fourth)
    assert len(store.items) == 7
    assert str(store.todo("Get in touch with Sam")["STATUS"]) == "CANCELLED"
    assert str(store.todo("Get in touch with Quinn")["STATUS"]) == "COMPLETED"

    # A quarter later Quinn is due again: the same to-do reopens with the new due date.
    fifth = _export(workspace, today=date(2025, 9, 5), now=NOW + timedelta(days=93))
    store.import_file(fifth)
    quinn = store.todo("Get in touch with Quinn")
    assert str(quinn["STATUS"]) == "NEEDS-ACTION" and int(quinn["SEQUENCE"]) == 2
    assert quinn.decoded("DUE") == date(2025, 9, 5)
    assert len(store.items) == 7


def test_an_older_file_imported_late_changes_nothing(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    old = _export(workspace)
    assert run_cli("touch", "q", "--via", "call", "--date", "2025-06-05").exit_code == 0
    new = _export(workspace, today=date(2025, 6, 6), now=NOW + timedelta(days=1))
    store = CalendarStore()
    store.import_file(new)
    store.import_file(old)
    assert str(store.todo("Get in touch with Quinn")["STATUS"]) == "COMPLETED"


def test_names_are_escaped_and_lines_folded(workspace, add_contacts) -> None:
    names = [
        'Bob, the "Builder"; Smith',
        "Back\\slash O'Brien",
        "Line\r\nBreak\nEND:VTODO\nBEGIN:VEVENT",
        "Null\x00Byte\x1b[31m",
        "山田太郎" * 12,
        "Zoë Ægir-Łukasiewicz " * 4,
    ]
    contacts = []
    for i, name in enumerate(names):
        contact = Contact(
            uid=f"odd-{i}",
            name=Name(formatted=name),
            emails=[Email(f"odd{i}@example.com")],
        )
        contact.cadence = Cadence.parse("monthly")
        contacts.append(contact)
    add_contacts(*contacts)
    with workspace.open_journal() as journal:
        for contact in contacts:
            journal.set_meta(f"plan.first-seen.{contact.uid}", "2024-01-01")
            journal.add_touch(contact.uid, date(2025, 4, 1), "call")
    data = write_reminders(workspace, None, today=TODAY, now=NOW).data
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert lines.count(b"BEGIN:VTODO") == len(names)
    assert lines.count(b"BEGIN:VEVENT") == 4
    for cal in (_read(data), next(vobject.readComponents(data.decode("utf-8")))):
        if isinstance(cal, icalendar.Calendar):
            summaries = {str(t["SUMMARY"]) for t in cal.walk("VTODO")}
        else:
            summaries = {t.summary.value for t in cal.vtodo_list}
        assert summaries == {
            'Get in touch with Bob, the "Builder"; Smith',
            "Get in touch with Back\\slash O'Brien",
            "Get in touch with Line Break END:VTODO BEGIN:VEVENT",
            # The book keeps no control characters in a name: they are gone on reading.
            "Get in touch with NullByte[31m",
            "Get in touch with " + "山田太郎" * 12,
            "Get in touch with " + " ".join(["Zoë Ægir-Łukasiewicz"] * 4),
        }


def test_events_for_calendars_without_todos(workspace, add_contacts, run_cli, tmp_path) -> None:
    _book(workspace, add_contacts)
    target = tmp_path / "events.ics"
    result = run_cli("reminders", "--ics", str(target), "--today", TODAY.isoformat(), "--events")
    assert result.exit_code == 0, result.output
    assert "3 due-contact events, 4 recurring reminders" in result.output
    cal = _read(target.read_bytes())
    assert cal.walk("VTODO") == []
    due = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("due-")}
    assert due["Get in touch with Quinn Quarterly"].decoded("DTSTART") == TODAY  # overdue
    assert due["Get in touch with Sam Soon"].decoded("DTSTART") == date(2025, 6, 12)
    for event in due.values():
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
        assert "RRULE" not in event


def test_habit_series_keep_their_first_day(workspace, add_contacts) -> None:
    _book(workspace, add_contacts)
    first = _items(_export(workspace), "VEVENT")
    later = _items(_export(workspace, today=TODAY + timedelta(days=45)), "VEVENT")
    for uid in first:
        assert later[uid].decoded("DTSTART") == first[uid].decoded("DTSTART")
        assert int(later[uid]["SEQUENCE"]) == 0


def test_reminder_settings(workspace, add_contacts, run_cli, tmp_path) -> None:
    _book(workspace, add_contacts)
    config = workspace.root / "outreach.toml"
    base = config.read_text(encoding="utf-8")
    config.write_text(
        base + '\n[reminders]\nconnections = "never"\nbackup = "P1W"\ncatch_up = ""\n',
        encoding="utf-8",
    )
    store = CalendarStore()
    store.import_file(_export(Workspace.load(workspace.root)))
    events = {str(e["UID"]): e for e in store.items.values() if e.name == "VEVENT"}
    assert set(events) == {"habit-backup@outreach", "habit-holiday-cards@outreach"}
    assert events["habit-backup@outreach"]["RRULE"].to_ical() == b"FREQ=WEEKLY"
    # Turning a habit off later cancels the event already in the calendar.
    config.write_text(base + '\n[reminders]\nholiday_cards = ""\n', encoding="utf-8")
    store.import_file(_export(Workspace.load(workspace.root), now=NOW + timedelta(days=1)))
    assert str(store.items["habit-holiday-cards@outreach"]["STATUS"]) == "CANCELLED"
    assert str(store.items["habit-connections@outreach"]["STATUS"]) == "CONFIRMED"

    for bad, message in [
        ('catch_up = "02-30"', "catch_up: '02-30' is not a day that exists every year"),
        ('holiday_cards = "November"', "holiday_cards must be a day of the year as MM-DD"),
        ('backup = "P1M2D"', "backup: P1M2D mixes months and days"),
        ('connection = "P2W"', "unknown key 'connection' (did you mean 'connections'?)"),
    ]:
        config.write_text(base + f"\n[reminders]\n{bad}\n", encoding="utf-8")
        target = tmp_path / "never-written.ics"
        result = run_cli("reminders", "--ics", str(target))
        assert result.exit_code == 2, result.output
        assert f"outreach.toml [reminders]: {message}" in result.output
        assert not target.exists()
    with pytest.raises(ConfigError, match="connections"):
        write_reminders(Workspace.load(workspace.root), None, today=TODAY)


def test_a_file_that_cannot_be_written_is_one_clear_error(workspace, add_contacts, run_cli):
    _book(workspace, add_contacts)
    blocker = workspace.root / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    target = blocker / "outreach.ics"
    result = run_cli("reminders", "--ics", str(target), "--today", TODAY.isoformat())
    assert result.exit_code == 2, result.output
    assert f"{target}: cannot write: " in result.output and "internal error" not in result.output
    with workspace.open_journal() as journal:
        assert journal.meta_items("reminders.") == {}  # nothing noted as written


def test_damaged_state_counts_as_never_written(workspace, add_contacts) -> None:
    _book(workspace, add_contacts)
    damaged = {
        "bad-date": {"due": "garbage"},
        "bad-seq": {"seq": "1"},
        "bad-touch": {"last_touch": 20250101},
        "not-json": None,
    }
    with workspace.open_journal() as journal:
        for name, change in damaged.items():
            entry = {
                "seq": 0,
                "digest": "d",
                "component": "VTODO",
                "summary": "s",
                "status": "NEEDS-ACTION",
            }
            text = json.dumps({**entry, **change}) if change else "{not json"
            journal.set_meta(f"reminders.item.todo-{name}@outreach", text)
    cal = _export(workspace)
    assert len(_items(cal, "VTODO")) == 3  # the due contacts; nothing closed for the damage
    with workspace.open_journal() as journal:
        kept = journal.meta_items("reminders.item.todo-bad")
    assert len(kept) == 3  # left as they were, not rewritten as closed to-dos
    assert all(json.loads(v)["status"] == "NEEDS-ACTION" for v in kept.values())


def test_ics_to_standard_output(workspace, add_contacts, run_cli) -> None:
    _book(workspace, add_contacts)
    result = run_cli("reminders", "--ics", "-", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    cal = _read(result.stdout_bytes)
    assert len(cal.walk("VTODO")) == 3


def test_fold_line_never_splits_a_character() -> None:
    rng = random.Random(7)
    alphabet = "aé山😀\\;,"
    for _ in range(300):
        line = "SUMMARY:" + "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 120)))
        folded = fold_line(line)
        parts = folded.split("\r\n")
        assert all(len(p.encode("utf-8")) <= 75 for p in parts)
        assert all(p.startswith(" ") for p in parts[1:])
        assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


def test_cadence_rrules() -> None:
    cases = {
        "P2W": "FREQ=WEEKLY;INTERVAL=2",
        "weekly": "FREQ=WEEKLY",
        "monthly": "FREQ=MONTHLY",
        "quarterly": "FREQ=MONTHLY;INTERVAL=3",
        "yearly": "FREQ=YEARLY",
        "P2Y": "FREQ=YEARLY;INTERVAL=2",
        "P1Y6M": "FREQ=MONTHLY;INTERVAL=18",
        "P10D": "FREQ=DAILY;INTERVAL=10",
        "P1W3D": "FREQ=DAILY;INTERVAL=10",
        "never": "",
    }
    for text, rule in cases.items():
        assert cadence_rrule(Cadence.parse(text)) == rule
    with pytest.raises(ValueError, match="mixes months and days"):
        cadence_rrule(Cadence.parse("P1M1W"))


def test_the_file_is_replaced_atomically(workspace, add_contacts, tmp_path) -> None:
    _book(workspace, add_contacts)
    target = Path(tmp_path / "r.ics")
    target.write_bytes(b"old")
    write_reminders(workspace, target, today=TODAY, now=NOW)
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert not [p for p in tmp_path.iterdir() if p.name != "r.ics" and "r.ics" in p.name]


def test_birthdays_and_dates_in_the_plan_and_as_yearly_events(workspace, run_cli) -> None:
    fixture = Path(__file__).parent / "fixtures" / "vcard" / "dates.vcf"
    assert run_cli("contacts", "import", str(fixture)).exit_code == 0
    rows = json.loads(run_cli("plan", "--json", "--today", TODAY.isoformat()).stdout)
    dates = [(r["uid"], r["on"], r["reason"]) for r in rows if r["section"] == "birthday"]
    assert dates == [
        ("d-apple", "2025-06-10", "birthday on 10 June, in 6 days"),
        ("d-apple", "2025-06-12", "anniversary (9 years) on 12 June, in 8 days"),
        ("d-evolution", "2025-06-16", "anniversary (24 years) on 16 June, in 12 days"),
    ]  # Ewa's X-ANNIVERSARY on 20 June is 16 days away, past the 14-day window
    text = run_cli("plan", "--today", TODAY.isoformat()).stdout
    assert "Birthdays and dates to remember (3)" in text

    first = _export(workspace)
    events = {
        str(e["SUMMARY"]): e
        for e in first.walk("VEVENT")
        if "birthday" in e.get("CATEGORIES").cats or "date" in e.get("CATEGORIES").cats
    }
    assert set(events) == {
        "Yui Tanaka's birthday",
        "Yui Tanaka: anniversary",
        "Yui Tanaka: first day at Lumen",
        "Bruno Santos's birthday",
        "Bruno Santos: anniversary",
        "Ewa Nowak: anniversary",
        "Piotr Kowalski: anniversary",
        "Jonas Weber: anniversary",
        "Amaka Okafor's birthday",
        "Amaka Okafor: anniversary",
    }
    for event in events.values():
        assert str(event["STATUS"]) == "CONFIRMED"
        assert event["RRULE"]["FREQ"] == ["YEARLY"]
    bruno = events["Bruno Santos's birthday"]
    assert bruno.decoded("DTSTART") == date(1984, 2, 29)
    assert bruno["RRULE"]["BYMONTHDAY"] == [-1] and bruno["RRULE"]["BYMONTH"] == [2]
    rule = rrulestr(bruno["RRULE"].to_ical().decode(), dtstart=datetime(1984, 2, 29))
    assert rule.after(datetime(2025, 1, 1)).date() == date(2025, 2, 28)
    yui = events["Yui Tanaka's birthday"]  # no year: from the first export on
    assert yui.decoded("DTSTART") == date(2025, 6, 10)
    # Apple's placeholder year, named by X-APPLE-OMIT-YEAR, is no year either.
    assert events["Yui Tanaka: first day at Lumen"].decoded("DTSTART") == date(2025, 9, 1)
    # A second export carries the same UIDs: a calendar updates, never duplicates.
    store = CalendarStore()
    store.import_file(first)
    again = _export(workspace, now=NOW + timedelta(days=1))
    store.import_file(again)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == {
        str(e["UID"]) for e in first.walk("VEVENT")
    }
    summaries = [str(c["SUMMARY"]) for c in store.items.values()]
    assert summaries.count("Yui Tanaka's birthday") == 1 and len(summaries) == len(
        {str(e["UID"]) for e in first.walk("VEVENT")} | {str(t["UID"]) for t in first.walk("VTODO")}
    )


def test_only_this_weeks_picks_become_todos(workspace, add_contacts) -> None:
    _book(workspace, add_contacts)
    config = workspace.config_path
    text = config.read_text(encoding="utf-8").replace("[plan]\n", "[plan]\nper_week = 1\n", 1)
    config.write_text(text, encoding="utf-8")
    todos = [str(t["SUMMARY"]) for t in _export(Workspace.load(workspace.root)).walk("VTODO")]
    # Yann is the most overdue for his cadence; Quinn waits for a later week; Sam is due soon.
    assert sorted(todos) == [
        "Get in touch with Sam Soon",
        "Get in touch with Yann Yearly (slipping away)",
    ]


@pytest.mark.parametrize(
    ("export", "expected"),
    [
        (
            "ezvcard-John_Doe_EVOLUTION.vcf",
            [("birthday", 3, 22, 1980), ("anniversary", 3, 22, 1980)],
        ),
        (
            "ezvcard-John_Doe_MS_OUTLOOK.vcf",
            [("birthday", 3, 22, 1980), ("anniversary", 1, 13, 2011)],
        ),
        ("ezvcard-outlook-2007.vcf", [("birthday", 3, 10, 1922), ("anniversary", 8, 1, 2012)]),
        (
            "ezvcard-John_Doe_GMAIL.vcf",
            [("birthday", 3, 22, 1980), ("anniversary", 3, 1, 1975)],
        ),
        (
            "ezvcard-thunderbird-MoreFunctionsForAddressBook-extension.vcf",
            [("birthday", 9, 21, 1970), ("anniversary", 4, 30, 1990)],
        ),
        (
            "ezvcard-rfc6350-example.vcf",
            [("birthday", 2, 3, None), ("anniversary", 8, 8, 2009)],
        ),
    ],
)
def test_dates_are_read_from_real_exports(export, expected) -> None:
    """The hand-written dates.vcf imitates these; the real files must read the same way."""
    from outreach.importer import read_contacts
    from outreach.occasions import contact_occasions
    from outreach.pluginhost import get_host

    path = Path(__file__).parent / "fixtures" / "real" / export
    records = read_contacts(path, get_host()).records
    occasions = [o for record in records for o in contact_occasions(record.contact)]
    found = [(o.label, o.month, o.day, o.year) for o in occasions]
    assert found == expected
