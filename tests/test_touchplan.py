"""The touch plan as a library: cadences, true due dates, weekly picks and sections."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from outreach.cadence import Cadence
from outreach.campaign import Campaign
from outreach.contact import Address, Birthday, Contact, Email, PastJob, Phone, RawProperty
from outreach.engine import Engine
from outreach.errors import ConfigError
from outreach.journal import Touch
from outreach.planinputs import PlanInputs
from outreach.planstate import FIRST_SEEN_PREFIX, load_first_seen, note_first_seen
from outreach.pluginhost import get_host
from outreach.touchplan import (
    BIRTHDAY,
    DUE_SECTIONS,
    FIX_ADDRESS,
    JOB_CHANGE,
    OVERDUE,
    SLIPPING,
    SOON,
    UNREACHABLE,
    PlanSettings,
    build_plan,
    due_date,
    effective_cadence,
)
from tests.conftest import make_contact, read_fake_log

TODAY = date(2025, 6, 2)
LONG_AGO = date(2020, 1, 1)


def settings(**kwargs) -> PlanSettings:
    return PlanSettings(**kwargs)


def reachable(uid: str, **kwargs) -> Contact:
    return make_contact(uid, uid.title(), "Example", email=f"{uid}@example.com", **kwargs)


def sections(entries, uid: str) -> list[str]:
    return [e.section for e in entries if e.uid == uid]


# -- cadences --------------------------------------------------------------------------------


def test_own_cadence_beats_defaults() -> None:
    contact = reachable("ann", tags=["former-boss"])
    contact.cadence = Cadence.parse("P6W")
    plan = settings(cadence={"former-boss": "quarterly"})
    assert str(effective_cadence(contact, plan)) == "P6W"


def test_shortest_matching_default_wins_and_case_is_ignored() -> None:
    contact = reachable("ann", tags=["Colleague", "FORMER-BOSS"])
    contact.relationship = "Met at PyCon"
    plan = settings(
        cadence={"colleague": "yearly", "former-boss": "quarterly", "met at pycon": "monthly"}
    )
    assert str(effective_cadence(contact, plan)) == "monthly"
    contact.relationship = ""
    assert str(effective_cadence(contact, plan)) == "quarterly"
    contact.tags = ["friend"]
    assert str(effective_cadence(contact, plan)) == "yearly"  # the default


def test_a_never_default_applies_only_when_nothing_else_matches() -> None:
    plan = settings(cadence={"private": "never", "mentor": "quarterly"})
    assert effective_cadence(reachable("a", tags=["private"]), plan).never
    assert str(effective_cadence(reachable("b", tags=["private", "mentor"]), plan)) == "quarterly"


def test_settings_reject_bad_cadences_and_unknown_keys() -> None:
    with pytest.raises(ConfigError, match=r"outreach.toml \[plan\]: cadence.mentor: not a cadence"):
        PlanSettings.from_config({"cadence": {"mentor": "sometimes"}}, "outreach.toml [plan]")
    with pytest.raises(ConfigError, match="unknown key 'soon_day'.*did you mean 'soon_days'"):
        PlanSettings.from_config({"soon_day": 3}, "outreach.toml [plan]")
    with pytest.raises(ConfigError, match="slipping_days must be 1 or more"):
        PlanSettings.from_config({"slipping_days": 0}, "outreach.toml [plan]")


# -- due dates -------------------------------------------------------------------------------


def test_due_is_last_touch_plus_cadence_in_calendar_months() -> None:
    contact = reachable("ann")
    contact.cadence = Cadence.parse("monthly")
    seen = date(2025, 1, 1)
    assert due_date(contact, date(2025, 1, 31), settings(), seen) == date(2025, 2, 28)
    contact.cadence = Cadence.parse("P10D")
    assert due_date(contact, date(2025, 1, 31), settings(), seen) == date(2025, 2, 10)


def test_never_touched_contacts_are_due_from_the_day_they_entered_the_book() -> None:
    contact = reachable("new")
    assert due_date(contact, None, settings(), date(2025, 3, 1)) == date(2025, 3, 1)
    entry = _plan([contact], {}, seen=date(2025, 3, 1))[0]
    assert entry.due == date(2025, 3, 1) and entry.overdue_days == (TODAY - date(2025, 3, 1)).days


def test_a_recorded_touch_is_never_overridden_by_first_sight() -> None:
    # The plan met Chidi only today, but the recorded call says he is 113 days overdue.
    chidi = reachable("chidi")
    chidi.cadence = Cadence.parse("quarterly")
    last = TODAY - timedelta(days=205)
    entry = _plan([chidi], {"chidi": last}, seen=TODAY)[0]
    assert entry.section == OVERDUE and entry.due == Cadence.parse("quarterly").after(last)
    assert entry.overdue_days == (TODAY - entry.due).days > 100
    assert entry.pick


# -- sections --------------------------------------------------------------------------------


def _inputs(contacts, touches, seen=date(2024, 1, 1), **kwargs) -> PlanInputs:
    records = {
        uid: value if isinstance(value, Touch) else Touch(uid, value, "call")
        for uid, value in touches.items()
    }
    return PlanInputs(list(contacts), records, {c.uid: seen for c in contacts}, settings(**kwargs))


def _plan(contacts, touches, seen=date(2024, 1, 1), today=TODAY, **kwargs):
    return build_plan(_inputs(contacts, touches, seen, **kwargs), today).entries


def test_sections_and_their_order() -> None:
    late = reachable("late")  # quarterly, due a month ago
    late.cadence = Cadence.parse("quarterly")
    silent = reachable("silent")  # due, and no word for two years
    silent.cadence = Cadence.parse("quarterly")
    today = reachable("today")
    soon = reachable("soon")
    later = reachable("later")
    returned = make_contact(
        "moved", "Moe", "Ved", address=Address(street=("1 Old Rd",), locality="Berlin")
    )
    returned.addresses[0].returned = True
    returned.linkedin = "https://www.linkedin.com/in/moved"
    lost = make_contact("lost", "Lo", "St")
    lost.phones = [Phone("+1 555 0100")]
    touches = {
        "late": date(2025, 2, 2),
        "silent": date(2023, 5, 1),
        "today": date(2024, 6, 2),
        "soon": date(2024, 6, 16),
        "later": date(2024, 6, 17),
        "moved": date(2025, 1, 1),
        "lost": date(2025, 2, 1),
    }
    everyone = [later, soon, today, late, silent, returned, lost]
    entries = _plan(everyone, touches)
    assert [(e.uid, e.section) for e in entries] == [
        ("late", OVERDUE),
        ("today", OVERDUE),
        ("silent", SLIPPING),
        ("soon", SOON),
        ("moved", FIX_ADDRESS),
        ("lost", UNREACHABLE),
    ]
    by_uid = {e.uid: e for e in entries}
    assert by_uid["late"].overdue_days == 31 and by_uid["late"].reason == "31 days overdue"
    assert by_uid["today"].overdue_days == 0 and by_uid["today"].reason == "due today"
    assert by_uid["soon"].overdue_days == -14 and by_uid["soon"].reason == "due in 14 days"
    assert by_uid["silent"].reason == "no touch for 2 years; 671 days overdue"
    assert "1 Old Rd, Berlin" in by_uid["moved"].reason
    assert by_uid["lost"].reason.endswith("phone +1 555 0100")
    plan = build_plan(_inputs(everyone, touches), TODAY)
    assert plan.due_uids() == {"late", "today", "silent"}
    assert {e.uid for e in entries if e.section in DUE_SECTIONS} == {"late", "today", "silent"}


def test_soon_days_bounds_the_soon_section() -> None:
    soon = reachable("soon")
    touches = {"soon": date(2024, 6, 9)}  # due in 7 days
    assert sections(_plan([soon], touches, soon_days=7), "soon") == [SOON]
    assert sections(_plan([soon], touches, soon_days=6), "soon") == []


def test_a_contact_can_be_due_and_need_an_address_fixed() -> None:
    contact = make_contact(
        "c", "Cee", "Dee", address=Address(street=("2 Gone St",), locality="Paris")
    )
    contact.addresses[0].returned = True
    contact.cadence = Cadence.parse("quarterly")
    entries = _plan([contact], {"c": date(2025, 1, 1)})
    assert sections(entries, "c") == [OVERDUE, FIX_ADDRESS, UNREACHABLE]
    assert len({(e.due, e.overdue_days) for e in entries}) == 1
    assert "the postal address came back" in entries[-1].reason


def test_fix_address_takes_reasons_from_the_card_and_from_the_journal() -> None:
    contact = make_contact("c", "Cee", "Dee", address=Address(street=("2 Gone St",)))
    contact.emails = []
    contact.linkedin = "https://www.linkedin.com/in/cee"
    contact.addresses[0].returned = True
    inputs = _inputs([contact], {"c": date(2025, 5, 1)})
    inputs.fix_reasons["c"] = ["mail to cee@old.example bounced"]
    [entry] = [e for e in build_plan(inputs, TODAY).entries if e.section == FIX_ADDRESS]
    assert entry.reason == "mail to 2 Gone St came back; mail to cee@old.example bounced"


def test_a_good_second_address_means_nothing_to_fix() -> None:
    contact = make_contact("c", "Cee", "Dee", address=Address(street=("2 Gone St",)))
    contact.addresses[0].returned = True
    contact.addresses.append(Address(street=("3 New St",), locality="Paris"))
    assert sections(_plan([contact], {"c": date(2025, 5, 1)}), "c") == []


def test_never_keeps_a_contact_out_of_every_section() -> None:
    contact = make_contact("c", "Cee", "Dee")
    contact.cadence = Cadence.parse("never")
    contact.birthday = Birthday(TODAY.month, TODAY.day)
    assert _plan([contact], {}) == []


def test_snoozed_contacts_leave_every_section_until_the_snooze_ends() -> None:
    contact = make_contact("c", "Cee", "Dee")
    contact.snooze_until = TODAY + timedelta(days=30)
    assert _plan([contact], {"c": LONG_AGO}) == []
    contact.snooze_until = TODAY + timedelta(days=3)
    entries = _plan([contact], {"c": LONG_AGO})
    assert [e.section for e in entries] == [SOON] and entries[0].due == contact.snooze_until
    contact.snooze_until = TODAY
    assert sections(_plan([contact], {"c": LONG_AGO}), "c") == [SLIPPING, UNREACHABLE]


def test_never_touched_contacts_slip_away_a_year_after_they_entered_the_book() -> None:
    contact = reachable("new")
    contact.cadence = Cadence.parse("monthly")
    entries = _plan([contact], {}, seen=TODAY - timedelta(days=400))
    assert [e.section for e in entries] == [SLIPPING]
    assert entries[0].reason.startswith("never touched in 13 months")
    assert [e.section for e in _plan([contact], {}, seen=TODAY - timedelta(days=100))] == [OVERDUE]


def test_entries_as_json() -> None:
    late = reachable("late")
    late.cadence = Cadence.parse("P2M")
    touch = Touch("late", date(2025, 3, 2), "lunch", "new job at Lumen")
    entry = _plan([late], {"late": touch})[0]
    data = json.loads(json.dumps(entry.as_json()))
    assert data == {
        "uid": "late",
        "name": "Late Example",
        "section": "overdue",
        "pick": True,
        "due": "2025-05-02",
        "overdue_days": 31,
        "reason": "31 days overdue",
        "cadence": "P2M",
        "last_touch": "2025-03-02",
        "last_via": "lunch",
        "last_note": "new job at Lumen",
        "first_seen": "2024-01-01",
        "on": None,
    }


def test_next_due_finds_the_earliest_date_after_today() -> None:
    a, b, c = reachable("a"), reachable("b"), reachable("c")
    touches = {"a": date(2024, 9, 1), "b": date(2024, 7, 1), "c": date(2024, 1, 1)}
    found = build_plan(_inputs([a, b, c], touches), TODAY).next_due()
    assert found == (date(2025, 7, 1), "B Example")
    assert build_plan(_inputs([], {}), TODAY).next_due() is None


# -- this week's picks -----------------------------------------------------------------------


def test_room_left_in_the_budget_goes_to_who_falls_due_this_week() -> None:
    people = [reachable(f"p{i}") for i in range(4)]
    touches = {
        "p0": TODAY - timedelta(days=400),  # due
        "p1": TODAY - timedelta(days=362),  # due in 3 days: picked early
        "p2": TODAY - timedelta(days=358),  # due in 7 days: next week
        "p3": TODAY - timedelta(days=364),  # due tomorrow
    }
    plan = build_plan(_inputs(people, touches, per_week=5), TODAY)
    assert plan.picks == ["p0", "p3", "p1"]
    assert [(e.uid, e.section, e.pick) for e in plan.entries if e.section == SOON] == [
        ("p3", SOON, True),
        ("p1", SOON, True),
        ("p2", SOON, False),
    ]
    assert build_plan(_inputs(people, touches, per_week=1), TODAY).picks == ["p0"]


def test_picks_follow_the_weekly_budget_and_never_drop_anyone() -> None:
    people = [reachable(f"p{i:02d}") for i in range(40)]
    plan = build_plan(_inputs(people, {}, per_week=10), TODAY)
    assert len(plan.picks) == 10 and len(plan.due_uids()) == 40
    assert sum(e.pick for e in plan.entries) == 10


def test_picks_put_the_most_overdue_for_their_cadence_first() -> None:
    monthly = reachable("monthly")  # 40 days late on a monthly cadence
    monthly.cadence = Cadence.parse("monthly")
    yearly = reachable("yearly")  # 100 days late on a yearly one
    yearly.cadence = Cadence.parse("yearly")
    quarterly = reachable("quarterly")  # 10 days late
    quarterly.cadence = Cadence.parse("quarterly")
    touches = {
        "monthly": date(2025, 3, 23),
        "yearly": date(2024, 2, 23),
        "quarterly": date(2025, 2, 21),
    }
    plan = build_plan(_inputs([yearly, quarterly, monthly], touches, per_week=2), TODAY)
    assert plan.picks == ["monthly", "yearly"]
    assert [e.uid for e in plan.due_entries()] == ["monthly", "yearly", "quarterly"]


def test_this_weeks_touches_use_up_the_budget() -> None:
    people = [reachable(f"p{i}") for i in range(6)]
    touches = {"p0": TODAY - timedelta(days=2), "p1": TODAY}  # touched this week: not due
    plan = build_plan(_inputs(people, touches, per_week=3), TODAY)
    assert plan.touched_this_week == 2 and plan.budget == 1 and len(plan.picks) == 1


def test_news_moves_a_due_contact_up() -> None:
    a, b = reachable("a"), reachable("b")
    b.past_jobs = [PastJob("Northwind", "Analyst", TODAY - timedelta(days=3))]
    plan = build_plan(_inputs([a, b], {}, per_week=1), TODAY)
    assert plan.picks == ["b"]


# -- news: job changes and dates people remember ---------------------------------------------


def test_a_recent_job_change_is_news_until_touched_or_thirty_days_on() -> None:
    contact = reachable("moved", org="Lumen")
    contact.title = "Head of Data"
    contact.past_jobs = [PastJob("Northwind", "Analyst", TODAY - timedelta(days=12))]
    before = {"moved": TODAY - timedelta(days=40)}
    [entry] = [e for e in _plan([contact], before) if e.section == JOB_CHANGE]
    assert entry.reason.startswith("new job: Northwind, Analyst -> Lumen, Head of Data")
    assert JOB_CHANGE not in sections(_plan([contact], {"moved": TODAY}), "moved")  # congratulated
    contact.past_jobs = [PastJob("Northwind", "Analyst", TODAY - timedelta(days=31))]
    assert JOB_CHANGE not in sections(_plan([contact], before), "moved")
    contact.past_jobs = [PastJob("Northwind", "Analyst", None)]
    assert JOB_CHANGE not in sections(_plan([contact], before), "moved")


def test_birthdays_and_anniversaries_show_in_the_fourteen_days_before() -> None:
    ann = reachable("ann")
    ann.birthday = Birthday(6, 9, 1980)  # in 7 days, turning 45
    ann.extra = [
        RawProperty("X-ABDATE", "2015-06-14", (), "item1"),
        RawProperty("X-ABLabel", "_$!<Anniversary>!$_", (), "item1"),
        RawProperty("ANNIVERSARY", "--0620"),  # 18 days away: not yet
    ]
    bob = reachable("bob")
    bob.birthday = Birthday(6, 2)  # today, year unknown
    entries = [e for e in _plan([ann, bob], {"ann": TODAY, "bob": TODAY}) if e.section == BIRTHDAY]
    assert [(e.uid, e.on, e.reason) for e in entries] == [
        ("bob", date(2025, 6, 2), "birthday on 2 June, today"),
        ("ann", date(2025, 6, 9), "birthday (45) on 9 June, in 7 days"),
        ("ann", date(2025, 6, 14), "anniversary (10 years) on 14 June, in 12 days"),
    ]


def test_a_29_february_birthday_falls_on_28_february_in_other_years() -> None:
    leap = reachable("leap")
    leap.birthday = Birthday(2, 29)
    entries = _plan([leap], {"leap": date(2026, 2, 20)}, today=date(2026, 2, 20))
    assert [e.on for e in entries if e.section == BIRTHDAY] == [date(2026, 2, 28)]


# -- what the plan remembers -----------------------------------------------------------------


def test_first_seen_is_written_once_and_never_moved(workspace) -> None:
    with workspace.open_journal() as journal:
        first = note_first_seen(journal, ["a", "b"], date(2025, 1, 1))
        again = note_first_seen(journal, ["a", "c"], date(2025, 9, 1))
        assert first == {"a": date(2025, 1, 1), "b": date(2025, 1, 1)}
        assert again == {"a": date(2025, 1, 1), "b": date(2025, 1, 1), "c": date(2025, 9, 1)}
        journal.set_meta("PLAN.first-seen.x", "2020-01-01")
        journal.set_meta(FIRST_SEEN_PREFIX[:-1] + "Xy", "2020-01-01")
        journal.set_meta(FIRST_SEEN_PREFIX + "bad", "not a date")
        assert load_first_seen(journal) == again


def test_a_pretend_today_writes_nothing(workspace, add_contacts) -> None:
    add_contacts(reachable("ann"))
    plan = build_plan(workspace, TODAY)
    assert plan.inputs.first_seen == {} and not workspace.journal_path.exists()
    plan = build_plan(workspace, TODAY, record=True)
    assert plan.inputs.first_seen == {"ann": TODAY}
    later = build_plan(workspace, TODAY + timedelta(days=9))
    assert later.inputs.first_seen == {"ann": TODAY}
    assert later.section(OVERDUE)[0].overdue_days == 9


def test_build_plan_on_a_workspace_is_the_plan_the_cli_prints(workspace, add_contacts, run_cli):
    contacts = [reachable(f"p{i:02d}") for i in range(30)]
    add_contacts(*contacts)
    with workspace.open_journal() as journal:
        for i, contact in enumerate(contacts[:10]):
            journal.add_touch(contact.uid, TODAY - timedelta(days=300 + i * 10), "call", "hi")
    shown = run_cli("plan", "--json", "--today", TODAY.isoformat(), home=workspace.root)
    assert shown.exit_code == 0, shown.output
    library = [e.as_json() for e in build_plan(workspace, TODAY).entries]
    assert json.loads(shown.output) == library
    never_touched = {c.uid for c in contacts[10:]}
    assert never_touched <= {e["uid"] for e in library if e["section"] == OVERDUE}
    due = {e["uid"] for e in library if e["section"] in DUE_SECTIONS}
    this_week = {e["uid"] for e in library if -7 < e["overdue_days"] < 0}
    # 23 due, within the budget of 25; the room left goes to who falls due this week.
    assert {e["uid"] for e in library if e["pick"]} == due | this_week
    assert len(due) == 23 and this_week == {"p06"}


def test_the_engine_overdue_audience_follows_the_plan(workspace, add_contacts, fake_channel):
    contacts = [reachable(f"p{i}") for i in range(40)]
    add_contacts(*contacts)
    with workspace.open_journal() as journal:
        for i, contact in enumerate(contacts):
            journal.add_touch(contact.uid, date(2024, 1, 1) + timedelta(days=9 * i), "call")
    day = date(2025, 4, 1)
    expected = build_plan(workspace, day).due_uids()
    assert 0 < len(expected) < 40
    campaign = Campaign.from_dict(
        {"name": "due-only", "audience": {"overdue_only": True}, "fake": {}}, get_host()
    )
    Engine(workspace, today=day).run(campaign, send=True)
    assert {row["uid"] for row in read_fake_log(workspace, "due-only")} == expected
    # The engine's sends are touches: the same contacts are no longer due.
    assert not build_plan(workspace, day).due_uids()


def test_a_contact_whose_only_email_bounces_is_unreachable() -> None:
    from outreach.mailstate import BouncedAddress

    # As the book writes it; bounces are kept in lower case.
    contact = make_contact("c", "Cee", "Dee", email="Cee@Old.example")
    bounce = BouncedAddress("cee@old.example", "c", date(2025, 5, 2), "5.1.1 gone")
    inputs = _inputs([contact], {"c": date(2025, 5, 1)})
    assert UNREACHABLE not in sections(build_plan(inputs, TODAY).entries, "c")
    inputs.bounced = {"cee@old.example": bounce}
    [entry] = [e for e in build_plan(inputs, TODAY).entries if e.section == UNREACHABLE]
    assert entry.reason == (
        "no email address, postal address or LinkedIn profile (the email address bounces)"
    )
    # A second address that works is a way to reach them.
    contact.emails.append(Email("cee@new.example"))
    assert UNREACHABLE not in sections(build_plan(inputs, TODAY).entries, "c")


def test_the_engine_reads_the_bouncing_addresses_once_with_the_plan(
    workspace, add_contacts, fake_channel, monkeypatch
):
    from outreach.mailstate import MailState

    add_contacts(reachable("a"), reachable("b"))
    with workspace.open_journal() as journal:
        journal.add_touch("a", date(2024, 1, 1), "call")
    reads = []
    original = MailState.bounced
    monkeypatch.setattr(MailState, "bounced", lambda self: reads.append(1) or original(self))
    campaign = Campaign.from_dict(
        {"name": "due-only", "audience": {"overdue_only": True}, "fake": {}}, get_host()
    )
    Engine(workspace, today=TODAY).plan(campaign)
    assert len(reads) == 1


def test_every_pick_is_listed_even_with_a_short_soon_window() -> None:
    # Due in five days, with "due soon" looking only three ahead: not picked early, since
    # the plan would then suggest someone it lists nowhere.
    early = reachable("early")
    early.cadence = Cadence.parse("P4W")
    touches = {"early": TODAY - timedelta(days=23)}  # due on TODAY + 5
    plan = build_plan(_inputs([early], touches, soon_days=3), TODAY)
    assert set(plan.picks) <= {e.uid for e in plan.entries}
    assert plan.picks == []
    plan = build_plan(_inputs([early], touches), TODAY)  # soon_days 14: picked early, listed
    assert plan.picks == ["early"] and sections(plan.entries, "early") == [SOON]
