"""The LinkedIn channel: options, profile links, linkedin.csv, linkedin.html and the journal."""

from __future__ import annotations

import csv
import html
import re
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import make_contact
from linkedin_helpers import TODAY, linkedin_campaign, render_for, set_account, write_campaign
from outreach.plugins.linkedin.drafts_csv import COLUMNS, guard_formula
from outreach.plugins.linkedin.profile import find_profile

from outreach.contact import Contact
from outreach.drafts import MarkResult, mark_campaign_sent
from outreach.engine import Engine
from outreach.errors import ConfigError
from outreach.journal import DRAFTED, SENT
from outreach.touchplan import PlanSettings, due_date
from outreach.workspace import Workspace

AddContacts = Callable[..., list[Contact]]
RunCli = Callable[..., Result]


# -- options ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "letter"}, r"\[linkedin\] kind must be 'connection' or 'message'"),
        ({"kind": "message", "subjet": "x"}, r"unknown key 'subjet' \(did you mean 'subject'"),
        ({"kind": "inmail"}, "an InMail needs a subject"),
        ({"kind": "message", "subject": "Hi"}, "subject is only for kind = 'inmail'"),
        ({"kind": "recommendation"}, "needs position"),
        ({"kind": "message", "position": "CTO"}, "only for kind = 'recommendation'"),
        ({"template": "a.j2", "body": "b"}, "give template or body, not both"),
    ],
)
def test_bad_campaign_options_name_the_table(table: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        linkedin_campaign(table)
    assert str(caught.value).startswith("drafts.toml [linkedin]")


def test_bad_account_setting_names_outreach_toml(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    (jane,) = add_contacts(make_contact("jane", "Jane", "Doe"))
    broken = set_account(workspace, "gold")
    with pytest.raises(ConfigError, match=r"outreach.toml \[linkedin\] account must be 'premium'"):
        render_for(broken, jane, {"kind": "message"})


def test_each_kind_has_a_warm_default_template(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    (jane,) = add_contacts(make_contact("jane", "Jane", "Doe", org="Northwind"))
    tables = [
        {"kind": "connection"},
        {"kind": "message"},
        {"kind": "inmail", "subject": "Catching up, {{ first_name }}"},
        {"kind": "recommendation", "position": "Analyst at {{ contact.org }}"},
    ]
    for table in tables:
        draft = render_for(workspace, jane, table).payload
        assert draft.text.startswith("Hi Jane"), draft.text
        assert draft.text.endswith("Alex Example"), draft.text
        assert draft.chars <= draft.limit
    inmail = render_for(workspace, jane, tables[2]).payload
    assert inmail.subject == "Catching up, Jane"
    recommendation = render_for(workspace, jane, tables[3]).payload
    assert recommendation.position == "Analyst at Northwind"


def test_recommendation_relationship_defaults_to_how_we_know_each_other(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    boss = make_contact("boss", "Maria", "Rossi")
    boss.relationship = "managed me directly"
    (boss,) = add_contacts(boss)
    item = render_for(workspace, boss, {"kind": "recommendation", "position": "Engineer"})
    assert item.payload.relationship == "managed me directly"
    assert item.preview.startswith("Relationship: managed me directly\nPosition at the time:")
    override = {"kind": "recommendation", "position": "Engineer", "relationship": "peer"}
    assert render_for(workspace, boss, override).payload.relationship == "peer"


# -- profile links --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.linkedin.com/in/jane-doe/", "https://www.linkedin.com/in/jane-doe/"),
        ("http://linkedin.com/in/jane", "https://linkedin.com/in/jane"),
        ("www.linkedin.com/in/jane-doe", "https://www.linkedin.com/in/jane-doe"),
        ("https://de.linkedin.com/in/jürgen", "https://de.linkedin.com/in/jürgen"),
    ],
)
def test_profile_urls_from_the_book_are_used(url: str, expected: str) -> None:
    link = find_profile(make_contact("u", "Jane", "Doe", linkedin=url))
    assert link is not None
    assert (link.url, link.known) == (expected, True)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)//linkedin.com/in/x",
        "https://linkedin.com.evil.example/in/jane",
        "https://evil.example/?linkedin.com/in/jane",
        "https://user:pw@www.linkedin.com/in/jane",
        "https://www.linkedin.com/",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_anything_else_is_replaced_by_a_flagged_search(url: str) -> None:
    link = find_profile(make_contact("u", "Jane", "Doe", linkedin=url, org="Acme & Co"))
    assert link is not None
    assert not link.known
    assert link.url == (
        "https://www.linkedin.com/search/results/people/?keywords=Jane+Doe+Acme+%26+Co"
    )
    assert "not a linkedin.com profile" in link.note


def test_a_contact_with_nothing_to_search_for_is_left_out(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    nameless = Contact(uid="nameless")
    nameless.emails = []
    add_contacts(nameless, make_contact("ann", "Ann", "Lee"))
    plan = Engine(workspace, today=TODAY).plan(linkedin_campaign({"kind": "message"}))
    assert [i.contact.uid for i in plan.todo] == ["ann"]
    assert [(e.contact.uid, e.reason) for e in plan.left_out] == [
        ("nameless", "linkedin: no LinkedIn profile and no name to search for")
    ]


# -- outputs --------------------------------------------------------------------------------


def _book(add_contacts: AddContacts) -> list[Contact]:
    evil = make_contact("evil", "Eve", "Formula", org="Acme")
    evil.name.formatted = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>'
    return add_contacts(
        make_contact("jane", "Jane", "Doe", linkedin="linkedin.com/in/jane-doe", org="Northwind"),
        make_contact("raj", "Rajesh", "Iyer"),
        evil,
        make_contact("plus", "+Plus", "Sign", linkedin="https://www.linkedin.com/in/plus"),
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no byte-order mark: the first column is uid"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return list(reader)


def test_linkedin_csv_columns_text_and_counts(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    _book(add_contacts)
    body = "{{ greeting }},\nshall we meet? 👋 — {{ me.name }}"
    engine = Engine(workspace, today=TODAY)
    result = engine.run(linkedin_campaign({"kind": "message", "body": body}, name="hello"))
    rows = _read_csv(workspace.out_dir("hello") / "linkedin.csv")
    by_uid = {r["uid"]: r for r in rows}
    assert list(by_uid) == ["jane", "raj", "evil", "plus"]
    jane = by_uid["jane"]
    assert jane["name"] == "Jane Doe"
    assert jane["profile_url"] == "https://linkedin.com/in/jane-doe"
    assert jane["kind"] == "message"
    assert jane["text"] == "Jane,\nshall we meet? 👋 — Alex Example"
    assert int(jane["chars"]) == len(jane["text"].encode("utf-16-le")) // 2 == 38
    assert jane["limit"] == "8000"
    assert by_uid["raj"]["profile_url"].startswith(
        "https://www.linkedin.com/search/results/people/?keywords=Rajesh+Iyer"
    )
    # Contact data that is never pasted is made inert for spreadsheets ...
    assert by_uid["evil"]["name"].startswith("'=HYPERLINK(")
    assert by_uid["plus"]["name"] == "'+Plus Sign"
    # ... while the text people paste stays exactly as rendered, with a warning when it
    # starts with a formula character.
    assert by_uid["plus"]["text"] == "+Plus,\nshall we meet? 👋 — Alex Example"
    assert result.rendered[3].payload.text == by_uid["plus"]["text"]
    assert any("+Plus Sign starts with '+'" in w for w in result.warnings)
    assert any("search" in w and "Rajesh Iyer" in w for w in result.warnings)


def test_formula_guard() -> None:
    for risky in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\uff1d1"):
        assert guard_formula(risky) == "'" + risky
    for safe in ("Jane", "", "1-2", "'quoted", " =x"):
        assert guard_formula(safe) == safe


def test_inmail_gets_a_subject_row_before_its_body(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    add_contacts(make_contact("jane", "Jane", "Doe"))
    table = {"kind": "inmail", "subject": "Hello {{ first_name }} 👋", "body": "Body text"}
    Engine(workspace, today=TODAY).run(linkedin_campaign(table, name="inmail"))
    rows = _read_csv(workspace.out_dir("inmail") / "linkedin.csv")
    assert [(r["kind"], r["text"], r["chars"], r["limit"]) for r in rows] == [
        ("inmail-subject", "Hello Jane 👋", "13", "200"),
        ("inmail", "Body text", "9", "1900"),
    ]


def test_linkedin_html_escapes_contact_data_and_is_self_contained(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    _book(add_contacts)
    Engine(workspace, today=TODAY).run(linkedin_campaign({"kind": "connection"}, name="notes"))
    page = (workspace.out_dir("notes") / "linkedin.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Nothing is loaded from anywhere: no src or stylesheet links, and a policy forbidding it.
    assert not re.search(r"<(img|script|link|iframe)[^>]+(src|href)=", page)
    assert "default-src 'none'" in html.unescape(page)
    assert page.count("profile unknown") == 2  # Rajesh and the formula contact
    assert 'href="https://linkedin.com/in/jane-doe"' in page
    assert page.count('class="copy"') == 4


def test_a_draft_over_its_limit_stops_the_run_before_anything_is_written(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli
) -> None:
    add_contacts(
        make_contact("ann", "Ann", "Lee", email="ann@example.com"),
        make_contact("bob", "Bob", "Longname-" + "x" * 300),
    )
    campaign = write_campaign(
        workspace.root / "over.toml",
        'name = "over"\nchannels = ["email", "linkedin"]\n'
        '[email]\nsubject = "Hi"\nbody = "Hello {{ greeting }}"\n'
        '[linkedin]\nkind = "connection"\nbody = "Hi {{ name }}, let us connect."\n',
    )
    result = run_cli("campaign", "run", str(campaign), "--send")
    assert result.exit_code == 2
    assert "Bob Longname-" in result.output and "<bob>" in result.output
    assert "is 333 characters, over the limit of 300 by 33" in result.output
    assert not workspace.out_dir("over").exists()
    with workspace.open_journal() as journal:
        assert journal.deliveries("over") == []


# -- journal, mark-sent, touch ------------------------------------------------------------


CAMPAIGN = """\
name = "hello"
[audience]
tags = ["friend"]
[linkedin]
kind = "message"
"""


def _statuses(workspace: Workspace, campaign: str) -> dict[str, str]:
    with workspace.open_journal() as journal:
        return {d.key.contact_uid: d.status for d in journal.deliveries(campaign)}


def _touches(workspace: Workspace) -> list[tuple[str, str, str | None]]:
    with workspace.open_journal() as journal:
        return [(t.contact_uid, t.via, t.campaign) for t in journal.touches()]


def test_drafts_are_recorded_as_drafted_then_marked_sent_once(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli
) -> None:
    add_contacts(*(make_contact(u, u.title(), "X", tags=["friend"]) for u in ("ann", "bob", "cy")))
    file = write_campaign(workspace.root / "hello.toml", CAMPAIGN)

    dry = run_cli("campaign", "run", str(file))
    assert dry.exit_code == 0, dry.output
    assert "linkedin: 3 drafted" in dry.output
    assert not workspace.journal_path.exists() or _statuses(workspace, "hello") == {}

    sent = run_cli("campaign", "run", str(file), "--send")
    assert sent.exit_code == 0, sent.output
    assert _statuses(workspace, "hello") == {"ann": DRAFTED, "bob": DRAFTED, "cy": DRAFTED}
    assert _touches(workspace) == []  # a draft is not a touch

    marked = run_cli("campaign", "mark-sent", str(file), "Ann X", "bob", "--date", "2025-06-21")
    assert marked.exit_code == 0, marked.output
    assert "2 linkedin draft(s) marked sent, 0 already were" in marked.output
    assert _statuses(workspace, "hello") == {"ann": SENT, "bob": SENT, "cy": DRAFTED}
    assert _touches(workspace) == [("ann", "linkedin", "hello"), ("bob", "linkedin", "hello")]

    again = run_cli("campaign", "mark-sent", str(file), "--all")
    assert again.exit_code == 0, again.output
    assert "sent: Cy X (main)" in again.output
    assert "already marked sent: Ann X (main)" in again.output
    assert "1 linkedin draft(s) marked sent, 2 already were" in again.output
    assert len(_touches(workspace)) == 3  # nothing twice

    # A sent draft is settled: the next run leaves it alone.
    rerun = run_cli("campaign", "run", str(file), "--send")
    assert "nothing to deliver" in rerun.output
    assert "3 already settled" in rerun.output


def test_two_marks_at_once_touch_each_contact_once(
    workspace: Workspace,
    add_contacts: AddContacts,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_contacts(*(make_contact(u, u.title(), "X", tags=["friend"]) for u in ("ann", "bob", "cy")))
    file = write_campaign(workspace.root / "hello.toml", CAMPAIGN)
    assert run_cli("campaign", "run", str(file), "--send").exit_code == 0
    day = date(2025, 6, 21)

    def mark() -> MarkResult:
        engine = Engine(workspace, today=day)
        return mark_campaign_sent(engine, engine.load(file), None, channel="linkedin", day=day)

    # The second mark (its own connection, as another process has) starts while the first
    # has read the journal and not yet written: the moment both used to see three drafts.
    second: list[MarkResult] = []
    other = threading.Thread(target=lambda: second.append(mark()))
    real_plan = Engine.plan

    def plan_then_let_the_other_in(self: Engine, *args: Any, **kwargs: Any) -> Any:
        plan = real_plan(self, *args, **kwargs)
        if not other.is_alive() and not second:
            other.start()
            other.join(timeout=1.0)  # with the read in the write lock it waits for us
        return plan

    monkeypatch.setattr(Engine, "plan", plan_then_let_the_other_in)
    first = mark()
    other.join(timeout=60)
    assert not other.is_alive()
    (then,) = second
    assert len(first.marked) + len(then.marked) == 3
    assert len(first.already) + len(then.already) == 3
    assert sorted(_touches(workspace)) == [
        ("ann", "linkedin", "hello"),
        ("bob", "linkedin", "hello"),
        ("cy", "linkedin", "hello"),
    ]


def test_marking_sent_feeds_the_touch_plan(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli
) -> None:
    add_contacts(make_contact("ann", "Ann", "Lee", tags=["friend"]))
    file = write_campaign(workspace.root / "hello.toml", CAMPAIGN)
    settings = PlanSettings(default_cadence="quarterly")

    def due() -> date | None:
        with workspace.open_journal() as journal:
            touches = journal.last_touches()
        ann = workspace.open_book().get("ann")
        assert ann is not None
        return due_date(ann, touches.get("ann"), settings, date(2025, 7, 1))

    run_cli("campaign", "run", str(file), "--send")
    assert due() == date(2025, 7, 1)  # never touched: due now
    result = run_cli("campaign", "mark-sent", str(file), "ann", "--date", "2025-06-21")
    assert result.exit_code == 0, result.output
    assert due() == date(2025, 9, 21)


def test_mark_sent_after_a_dry_run_and_its_errors(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli
) -> None:
    add_contacts(
        make_contact("ann", "Ann", "Lee", tags=["friend"]),
        make_contact("zed", "Zed", "Other"),
    )
    file = write_campaign(workspace.root / "hello.toml", CAMPAIGN)
    run_cli("campaign", "run", str(file))  # drafts written, nothing recorded

    neither = run_cli("campaign", "mark-sent", str(file))
    assert neither.exit_code == 2 and "name the contacts" in neither.output
    both = run_cli("campaign", "mark-sent", str(file), "ann", "--all")
    assert both.exit_code == 2 and "name the contacts" in both.output
    wrong = run_cli("campaign", "mark-sent", str(file), "ann", "zed")
    assert wrong.exit_code == 2
    assert "Zed Other <zed> has no linkedin draft in campaign hello" in wrong.output
    assert _statuses(workspace, "hello") == {}  # nothing recorded by the failed command
    unknown = run_cli("campaign", "mark-sent", str(file), "nobody-at-all")
    assert unknown.exit_code == 2 and "no contact matches" in unknown.output

    ok = run_cli("campaign", "mark-sent", str(file), "ann")
    assert ok.exit_code == 0, ok.output
    assert _statuses(workspace, "hello") == {"ann": SENT}


def test_touch_via_linkedin_marks_that_contacts_drafts_sent(
    workspace: Workspace, add_contacts: AddContacts, run_cli: RunCli
) -> None:
    add_contacts(
        make_contact("ann", "Ann", "Lee", tags=["friend"]),
        make_contact("bob", "Bob", "Ray", tags=["friend"]),
    )
    file = write_campaign(workspace.root / "hello.toml", CAMPAIGN)
    run_cli("campaign", "run", str(file), "--send")

    email_touch = run_cli("touch", "ann", "--via", "email")
    assert email_touch.exit_code == 0
    assert _statuses(workspace, "hello")["ann"] == DRAFTED

    result = run_cli("touch", "ann", "--via", "LinkedIn", "--date", "2025-06-22")
    assert result.exit_code == 0, result.output
    assert "marked sent: hello (main) linkedin draft" in result.output
    assert _statuses(workspace, "hello") == {"ann": SENT, "bob": DRAFTED}
    assert [t for t in _touches(workspace) if t[1] == "linkedin"] == [("ann", "linkedin", None)]


def test_inmail_on_a_free_account_is_drafted_with_a_warning(
    workspace: Workspace, add_contacts: AddContacts
) -> None:
    add_contacts(make_contact("jane", "Jane", "Doe"))
    free = set_account(workspace, "free")
    table = {"kind": "inmail", "subject": "Hello", "body": "Hi {{ greeting }}"}
    result = Engine(free, today=TODAY).run(linkedin_campaign(table, name="inmail"))
    assert result.counts[("linkedin", DRAFTED)] == 1
    assert "InMail needs a Premium account, and [linkedin] account is 'free'" in result.warnings
    page = (free.out_dir("inmail") / "linkedin.html").read_text(encoding="utf-8")
    assert 'value="Hello"' in page and 'data-limit="200"' in page
