"""A simulated year of keeping the touch plan.

300 contacts on mixed cadences (their own, by tag, by relationship, the default, never),
some with an old history, some snoozed, all new to the plan on day one. Every week the user
runs ``outreach plan --json --today`` and touches everyone it picks that week. What the test
checks is worked out here from the contacts as generated, not from the plan's own answers:

* nobody is picked more than 7 days before they are due (last touch plus cadence, or the
  end of a snooze), and everybody is picked within their cadence plus 7 days of their last
  touch (for the fresh import, of the day they entered the book);
* nobody is picked twice in a row without cause (touched, so not due again a week later);
* ``due`` and ``overdue_days`` in the JSON are the true ones, week after week;
* ``outreach contacts list --overdue`` agrees with the plan's due contacts.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from outreach.cadence import Cadence
from outreach.contact import Contact, Email, Name
from outreach.touchplan import DUE_SECTIONS, build_plan
from outreach.workspace import Workspace

START = date(2025, 1, 6)  # a Monday
WEEKS = 60
PEOPLE = 300
#: Defaults written to outreach.toml for this simulation.
CONFIG = """
[me]
name = "Alex Example"
email = "alex@example.com"

[plan]
default_cadence = "yearly"
# About twice the book's steady weekly load (many short cadences), well below the crowd that
# is due on the first day: the budget binds for the first weeks.
per_week = 60

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
    for i in range(PEOPLE):
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
        if i % 30 == 7:
            snooze = START + timedelta(days=rng.randrange(20, 200))
            contact.snooze_until = snooze
        contacts.append(contact)
        expected[uid] = Expected(cadence, last, snooze)
    return contacts, expected


def _true_due(exp: Expected, entered: date) -> date:
    due = exp.cadence.after(exp.last) if exp.last is not None else entered
    assert due is not None
    if exp.snooze is not None and exp.snooze > due:
        return exp.snooze
    return due


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
    # The day of the import, the user looks at the plan: it notes who it has seen.
    build_plan(workspace, START, record=True)

    planned = {u for u, e in expected.items() if not e.cadence.never}
    fresh = {u for u in planned if expected[u].last is None}
    assert len(fresh) > 150
    # When each contact's clock started: their last touch, or, for anyone already due when
    # they entered the book (never touched, or touched long ago), that day.
    started = {}
    for uid in planned:
        last = expected[uid].last
        natural = expected[uid].cadence.after(last) if last is not None else None
        started[uid] = last if natural is not None and natural >= START else START
    picked_weeks: dict[str, list[int]] = {u: [] for u in planned}
    for week in range(WEEKS):
        today = START + timedelta(weeks=week)
        shown = run_cli("plan", "--json", "--today", str(today), home=root)
        assert shown.exit_code == 0, shown.output
        rows = json.loads(shown.output)
        picks = {r["uid"] for r in rows if r["pick"]}
        due = {r["uid"] for r in rows if r["section"] in DUE_SECTIONS}
        # Picks are due, or due before the week is out (picked early when there is room).
        this_week = {r["uid"] for r in rows if -7 < r["overdue_days"] < 0}
        assert picks <= due | this_week and len(picks) <= 60
        for row in rows:
            exp = expected[row["uid"]]
            true_due = _true_due(exp, START)
            assert row["due"] == true_due.isoformat(), row
            assert row["overdue_days"] == (today - true_due).days, row
        for uid in planned:
            exp = expected[uid]
            earliest = _true_due(exp, START) - timedelta(days=7)
            deadline = exp.cadence.after(started[uid]) + timedelta(days=7)
            if exp.snooze is not None:
                deadline = max(deadline, exp.snooze + timedelta(days=7))
            if uid in picks:
                assert today >= earliest, f"{uid} picked on {today}, over 7 days early"
                assert today <= deadline, f"{uid} picked on {today}, after {deadline}"
                picked_weeks[uid].append(week)
            else:
                assert today < deadline, f"{uid} not picked by {deadline} (today {today})"
        assert not any(uid in expected and expected[uid].cadence.never for uid in due)
        if week in (0, 17, 40):
            listed = run_cli(
                "contacts", "list", "--overdue", "--json", "--today", str(today), home=root
            )
            assert listed.exit_code == 0, listed.output
            assert {r["uid"] for r in json.loads(listed.output)} == due
        # Touch everyone the plan picked; their clocks restart today.
        with workspace.open_journal() as journal, journal.transaction():
            for uid in sorted(picks):
                journal.add_touch(uid, today, "call", "weekly plan")
                expected[uid].last = today
                expected[uid].snooze = None  # a touch after the snooze ends it in effect
                started[uid] = today

    assert all(picked_weeks[u] for u in planned), "someone was never picked"
    # Picked twice in a row only with cause: never here, the shortest cadence is two weeks.
    for uid, weeks in picked_weeks.items():
        assert all(b - a > 1 for a, b in zip(weeks, weeks[1:], strict=False)), (uid, weeks)
    # Short cadences come round many times in a year; yearly ones about once.
    fortnightly = [u for u, e in expected.items() if e.cadence.text == "P2W"]
    assert fortnightly and min(len(picked_weeks[u]) for u in fortnightly) >= 20
    # The fresh import is worked through at the weekly pace, not dumped on week one.
    first_week = Counter(picked_weeks[u][0] for u in fresh)
    assert max(first_week.values()) <= 60 and len(first_week) >= 4
