"""A simulated year of keeping the touch plan.

1,000 contacts on mixed cadences (their own, by tag, by relationship, the default, never),
some with an old history, some snoozed, all new to the plan on day one. The plan is consulted
every week and every contact it says is due is touched that day. What the test checks is
worked out here from the contacts as generated, not from the plan's own answers:

* nobody is surfaced before they are due (last touch plus cadence, or the end of a snooze);
* everybody is surfaced within their cadence plus a week, counted from their last touch or,
  for those already due when the plan first saw them, from that first day;
* the freshly imported crowd is spread out, not dumped on the first week;
* ``outreach contacts list --overdue`` and ``outreach plan --json`` agree along the way.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from outreach.cadence import Cadence
from outreach.contact import Contact, Email, Name
from outreach.planstate import workspace_plan
from outreach.touchplan import DUE_SECTIONS
from outreach.workspace import Workspace

START = date(2025, 1, 6)  # a Monday
WEEKS = 53
#: Defaults written to outreach.toml for this simulation.
CONFIG = """
[me]
name = "Alex Example"
email = "alex@example.com"

[plan]
default_cadence = "yearly"

[plan.cadence]
former-boss = "quarterly"
mentor = "P6W"
"met at a conference" = "half-yearly"
"""


@dataclass(slots=True)
class Expected:
    """What the test knows about one simulated contact, independently of the plan."""

    cadence: Cadence
    last: date | None
    snooze: date | None = None


def _population(rng: random.Random) -> tuple[list[Contact], dict[str, Expected]]:
    contacts = []
    expected = {}
    own = ["monthly", "quarterly", "yearly", "P2W", "P10W", "never"]
    for i in range(1000):
        uid = f"sim-{i:04d}"
        contact = Contact(
            uid=uid,
            name=Name(given=f"Given{i}", family=f"Family{i}", formatted=f"Given{i} Family{i}"),
            emails=[Email(f"person{i}@example.com")],
        )
        kind = i % 5
        if kind == 0:
            contact.cadence = Cadence.parse(own[i // 5 % len(own)])
            cadence = contact.cadence
        elif kind == 1:
            contact.tags = ["colleague", "former-boss"]
            cadence = Cadence.parse("quarterly")
        elif kind == 2:
            contact.tags = ["mentor"]
            cadence = Cadence.parse("P6W")
        elif kind == 3:
            contact.relationship = "Met at a conference"
            cadence = Cadence.parse("half-yearly")
        else:
            cadence = Cadence.parse("yearly")
        # A third have some history: a recent call, or a LinkedIn connection years ago.
        history = rng.random()
        last = None
        if history < 0.2:
            last = START - timedelta(days=rng.randrange(1, 400))
        elif history < 0.33:
            last = START - timedelta(days=rng.randrange(700, 3000))
        snooze = None
        if i % 50 == 7:
            snooze = START + timedelta(days=rng.randrange(20, 200))
            contact.snooze_until = snooze
        contacts.append(contact)
        expected[uid] = Expected(cadence, last, snooze)
    return contacts, expected


def _clock_start(exp: Expected) -> tuple[date, bool]:
    """Where this contact's clock starts, and whether it was already due on day one."""
    if exp.last is not None:
        natural = exp.cadence.after(exp.last)
        assert natural is not None
        if natural >= START:
            return exp.last, False
    return START, True


def test_a_year_of_weekly_plans(tmp_path, run_cli) -> None:
    root = tmp_path / "sim"
    root.mkdir()
    (root / "outreach.toml").write_text(CONFIG, encoding="utf-8")
    workspace = Workspace.load(root)
    rng = random.Random(20250106)
    contacts, expected = _population(rng)
    book = workspace.open_book()
    for contact in contacts:
        book.add(contact)
    book.save()
    with workspace.open_journal() as journal, journal.transaction():
        for uid, exp in expected.items():
            if exp.last is not None:
                journal.add_touch(uid, exp.last, "linkedin", "connected")

    planned = [u for u, e in expected.items() if not e.cadence.never]
    day_one = sum(1 for u in planned if _clock_start(expected[u])[1])
    spread_yearly = {
        u
        for u in planned
        if _clock_start(expected[u])[1]
        and expected[u].cadence.text == "yearly"
        and expected[u].snooze is None
    }
    assert day_one > 500  # most of the book is new to the plan and already due
    surfaced_first: dict[str, date] = {}
    times_surfaced: Counter[str] = Counter()
    weekly_new = []
    for week in range(WEEKS):
        today = START + timedelta(weeks=week)
        plan = workspace_plan(workspace, today)
        due = {e.uid for e in plan.entries if e.section in DUE_SECTIONS}
        assert len(due) == sum(1 for e in plan.entries if e.section in DUE_SECTIONS)
        new_this_week = 0
        for uid, exp in expected.items():
            if exp.cadence.never:
                assert uid not in due, f"{uid} has cadence never but was surfaced"
                continue
            start, spread = _clock_start(exp)
            earliest = start if spread else exp.cadence.after(start)
            deadline = exp.cadence.after(start) + timedelta(days=7)
            if exp.snooze is not None and exp.snooze > earliest:
                earliest = exp.snooze
                deadline = max(deadline, exp.snooze + timedelta(days=7))
            if uid in due:
                assert today >= earliest, f"{uid} surfaced on {today}, before it was due"
                assert today <= deadline, f"{uid} surfaced on {today}, after {deadline}"
                if uid not in surfaced_first:
                    surfaced_first[uid] = today
                    new_this_week += 1
                times_surfaced[uid] += 1
            else:
                assert today < deadline, f"{uid} not surfaced by {deadline} (today {today})"
        weekly_new.append(new_this_week)
        if week in (0, 17, 40):
            shown = run_cli("plan", "--json", "--today", str(today), home=root)
            assert shown.exit_code == 0, shown.output
            rows = json.loads(shown.output)
            listed = run_cli(
                "contacts", "list", "--overdue", "--json", "--today", str(today), home=root
            )
            assert listed.exit_code == 0, listed.output
            assert {r["uid"] for r in json.loads(listed.output)} == due
            assert {r["uid"] for r in rows if r["overdue_days"] >= 0} == due
            assert {r["uid"] for r in rows if r["section"] in DUE_SECTIONS} == due
        # Touch everyone the plan surfaced; their clocks restart today.
        with workspace.open_journal() as journal, journal.transaction():
            for uid in sorted(due):
                journal.add_touch(uid, today, "call", "weekly plan")
                expected[uid].last = today
                expected[uid].snooze = None  # a touch after the snooze ends it in effect

    assert set(surfaced_first) == set(planned), "someone was never surfaced in a year"
    # Short cadences come round many times in a year; yearly ones about once.
    fortnightly = [u for u, e in expected.items() if e.cadence.text == "P2W"]
    assert fortnightly and min(times_surfaced[u] for u in fortnightly) >= 20
    # The crowd that was already due on day one is spread over its cadence, not dumped on
    # the first week: the yearly ones come up a few a week all through the year.
    assert weekly_new[0] < day_one / 10, weekly_new
    yearly_new = [u for u in planned if u in spread_yearly]
    weeks = Counter((surfaced_first[u] - START).days // 7 for u in yearly_new)
    assert len(yearly_new) > 150
    assert len(weeks) >= 45
    assert max(weeks.values()) <= len(yearly_new) * 0.05, weeks
