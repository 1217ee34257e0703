"""The touch plan as a library: cadences, due dates, first-touch spreading and sections."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from outreach.cadence import Cadence
from outreach.campaign import Campaign
from outreach.contact import Address, Contact, Phone
from outreach.engine import Engine
from outreach.errors import ConfigError
from outreach.planstate import (
    FIRST_SEEN_PREFIX,
    load_first_seen,
    note_first_seen,
    workspace_plan,
)
from outreach.pluginhost import get_host
from outreach.touchplan import (
    DUE_SECTIONS,
    FIX_ADDRESS,
    OVERDUE,
    SLIPPING,
    SOON,
    UNREACHABLE,
    PlanSettings,
    build_plan,
    due_date,
    effective_cadence,
    next_due,
    overdue_uids,
    spread_offset,
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
    assert due_date(contact, date(2025, 1, 31), settings(), TODAY, seen) == date(2025, 2, 28)
    contact.cadence = Cadence.parse("P10D")
    assert due_date(contact, date(2025, 1, 31), settings(), TODAY, seen) == date(2025, 2, 10)


def test_never_touched_contacts_are_spread_over_one_cadence_stably() -> None:
    seen = date(2025, 3, 1)
    dues = []
    for i in range(300):
        contact = reachable(f"p{i}")
        due = due_date(contact, None, settings(), seen, seen)
        assert due is not None and seen <= due < date(2026, 3, 1)
        assert due == due_date(contact, None, settings(), seen + timedelta(days=40), seen)
        dues.append(due)
    months = {d.month for d in dues}
    assert len(months) == 12  # spread across the year, not piled on one day
    assert dues.count(seen) < 5


def test_a_contact_overdue_when_first_seen_is_spread_too() -> None:
    contact = reachable("ann")
    contact.cadence = Cadence.parse("quarterly")
    seen = date(2025, 3, 1)
    due = due_date(contact, LONG_AGO, settings(), seen, seen)
    assert due is not None and seen <= due < date(2025, 6, 1)
    assert due == seen + timedelta(days=spread_offset("ann", 92))


def test_spreading_can_be_turned_off() -> None:
    contact = reachable("ann")
    seen = date(2025, 3, 1)
    off = settings(spread_first_touches=False)
    assert due_date(contact, None, off, seen, seen) == seen
    assert due_date(contact, LONG_AGO, off, seen, seen) == date(2021, 1, 1)


def test_a_touch_after_first_sight_restarts_the_clock() -> None:
    contact = reachable("ann")
    seen = date(2025, 3, 1)
    assert due_date(contact, date(2025, 4, 2), settings(), TODAY, seen) == date(2026, 4, 2)


def test_snooze_moves_the_due_date_but_never_earlier() -> None:
    contact = reachable("ann")
    contact.snooze_until = date(2025, 9, 1)
    seen = date(2024, 1, 1)
    assert due_date(contact, date(2024, 3, 1), settings(), TODAY, seen) == date(2025, 9, 1)
    assert due_date(contact, date(2025, 5, 1), settings(), TODAY, seen) == date(2026, 5, 1)


def test_spread_offset_is_stable_and_within_range() -> None:
    assert spread_offset("x", 1) == 0
    assert spread_offset("x", 0) == 0
    values = {spread_offset(f"uid-{i}", 30) for i in range(500)}
    assert values == set(range(30))
    assert spread_offset("uid-7", 30) == spread_offset("uid-7", 30)


# -- sections --------------------------------------------------------------------------------


def _plan(contacts, touches, **kwargs):
    seen = {c.uid: date(2024, 1, 1) for c in contacts}
    return build_plan(contacts, touches, settings(**kwargs), TODAY, seen)


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
    entries = _plan([later, soon, today, late, silent, returned, lost], touches)
    assert [(e.uid, e.section) for e in entries] == [
        ("late", OVERDUE),
        ("today", OVERDUE),
        ("soon", SOON),
        ("silent", SLIPPING),
        ("moved", FIX_ADDRESS),
        ("lost", UNREACHABLE),
    ]
    by_uid = {e.uid: e for e in entries}
    assert by_uid["late"].overdue_days == 31
    assert by_uid["late"].reason == "31 days overdue (quarterly cadence; last touch 2025-02-02)"
    assert by_uid["today"].overdue_days == 0 and by_uid["today"].reason.startswith("due today")
    assert by_uid["soon"].overdue_days == -14 and by_uid["soon"].reason.startswith("due in 14")
    assert by_uid["silent"].reason.startswith("no touch for 763 days; ")
    assert "1 Old Rd, Berlin" in by_uid["moved"].reason
    assert by_uid["lost"].reason.endswith("phone +1 555 0100")
    seen = dict.fromkeys(touches, date(2024, 1, 1))
    everyone = [later, soon, today, late, silent, returned, lost]
    assert overdue_uids(everyone, touches, settings(), TODAY, seen) == {"late", "today", "silent"}
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


def test_a_good_second_address_means_nothing_to_fix() -> None:
    contact = make_contact("c", "Cee", "Dee", address=Address(street=("2 Gone St",)))
    contact.addresses[0].returned = True
    contact.addresses.append(Address(street=("3 New St",), locality="Paris"))
    assert sections(_plan([contact], {"c": date(2025, 5, 1)}), "c") == []


def test_never_keeps_a_contact_out_of_every_section() -> None:
    contact = make_contact("c", "Cee", "Dee")
    contact.cadence = Cadence.parse("never")
    assert _plan([contact], {}) == []


def test_snoozed_contacts_leave_every_section_until_the_snooze_ends() -> None:
    contact = make_contact("c", "Cee", "Dee")
    contact.snooze_until = TODAY + timedelta(days=30)
    assert _plan([contact], {"c": LONG_AGO}) == []
    assert overdue_uids([contact], {"c": LONG_AGO}, settings(), TODAY) == set()
    contact.snooze_until = TODAY + timedelta(days=3)
    entries = _plan([contact], {"c": LONG_AGO})
    assert [e.section for e in entries] == [SOON]
    assert "snoozed until then" in entries[0].reason
    contact.snooze_until = TODAY
    assert sections(_plan([contact], {"c": LONG_AGO}), "c") == [SLIPPING, UNREACHABLE]
    seen = {"c": date(2024, 1, 1)}
    assert overdue_uids([contact], {"c": LONG_AGO}, settings(), TODAY, seen) == {"c"}


def test_never_touched_contacts_slip_away_only_a_year_after_the_plan_met_them() -> None:
    contact = reachable("new")
    contact.cadence = Cadence.parse("monthly")
    seen = {"new": TODAY - timedelta(days=400)}
    entries = build_plan([contact], {}, settings(), TODAY, seen)
    assert [e.section for e in entries] == [SLIPPING]
    assert entries[0].reason.startswith("no touch in the 400 days since the plan first saw them")
    seen = {"new": TODAY - timedelta(days=100)}
    assert [e.section for e in build_plan([contact], {}, settings(), TODAY, seen)] == [OVERDUE]


def test_a_yearly_contact_overdue_has_had_no_touch_for_over_a_year() -> None:
    entry = _plan([reachable("late")], {"late": date(2024, 5, 2)})[0]
    assert entry.section == SLIPPING and entry.overdue_days == 31
    assert entry.reason.startswith("no touch for 396 days; 31 days overdue (yearly cadence")


def test_entries_as_json() -> None:
    late = reachable("late")
    late.cadence = Cadence.parse("P2M")
    entry = _plan([late], {"late": date(2025, 3, 2)})[0]
    data = json.loads(json.dumps(entry.as_json()))
    assert data == {
        "uid": "late",
        "name": "Late Example",
        "section": "overdue",
        "due": "2025-05-02",
        "overdue_days": 31,
        "reason": entry.reason,
        "cadence": "P2M",
        "last_touch": "2025-03-02",
        "first_seen": "2024-01-01",
    }


def test_next_due_finds_the_earliest_date_after_today() -> None:
    a, b, c = reachable("a"), reachable("b"), reachable("c")
    touches = {"a": date(2024, 9, 1), "b": date(2024, 7, 1), "c": date(2024, 1, 1)}
    seen = dict.fromkeys(touches, date(2024, 1, 1))
    found = next_due([a, b, c], touches, settings(), TODAY, seen)
    assert found is not None and found[0] == date(2025, 7, 1) and found[1].uid == "b"
    assert next_due([], {}, settings(), TODAY) is None


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


def test_workspace_plan_without_record_writes_nothing(workspace, add_contacts) -> None:
    add_contacts(reachable("ann"))
    plan = workspace_plan(workspace, TODAY, record=False)
    assert plan.first_seen == {} and not workspace.journal_path.exists()
    plan = workspace_plan(workspace, TODAY)
    assert plan.first_seen == {"ann": TODAY}
    later = workspace_plan(workspace, TODAY + timedelta(days=9), record=False)
    assert later.first_seen == {"ann": TODAY}


def test_the_engine_overdue_audience_follows_the_plan(workspace, add_contacts, fake_channel):
    contacts = [reachable(f"p{i}") for i in range(40)]
    add_contacts(*contacts)
    seen_day = date(2025, 1, 1)
    workspace_plan(workspace, seen_day)
    day = date(2025, 4, 1)
    expected = workspace_plan(workspace, day)
    due = {e.uid for e in expected.entries if e.section in (OVERDUE, SLIPPING)}
    assert 0 < len(due) < 40
    campaign = Campaign.from_dict(
        {"name": "due-only", "audience": {"overdue_only": True}, "fake": {}}, get_host()
    )
    Engine(workspace, today=day).run(campaign, send=True)
    assert {row["uid"] for row in read_fake_log(workspace, "due-only")} == due
    # The engine's sends are touches: the same contacts are no longer due.
    after = workspace_plan(workspace, day)
    assert not {e.uid for e in after.entries if e.section in (OVERDUE, SLIPPING)}
