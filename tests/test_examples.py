"""The bundled examples: every campaign runs on the sample book and on a sparse one."""

from __future__ import annotations

import email
import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from email import policy
from pathlib import Path
from types import SimpleNamespace

import icalendar
import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from outreach.cli import cli
from outreach.contact import Contact, Name
from outreach.templating import Renderer
from outreach.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEMPLATES = EXAMPLES.parent / "templates"
CAMPAIGNS = ["holiday-cards", "annual-catch-up", "end-of-contract", "reunion-lunch"]

#: A book like one made from a LinkedIn export: profile URLs, almost no emails, no addresses.
SPARSE = """\
BEGIN:VCARD
VERSION:3.0
UID:li-1
FN:Ana Souza
N:Souza;Ana;;;
ORG:Ipê Tecnologia
X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/ana-souza-example
CATEGORIES:colleague,recommender
END:VCARD
BEGIN:VCARD
VERSION:3.0
UID:li-2
FN:Björn Ek
N:Ek;Björn;;;
EMAIL;TYPE=INTERNET:bjorn@example.se
X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/bjorn-ek-example
CATEGORIES:colleague
END:VCARD
"""


SOON = date.today() + timedelta(days=30)
#: What a user changes in each example before running it (the examples refuse their own).
OWN_VARS = {
    "end-of-contract": [
        ('company = "Northwind Analytics"', 'company = "Contoso Labs"'),
        ("last_day = 2025-06-27", f"last_day = {SOON.isoformat()}"),
        (
            'position = "Senior Data Engineer at Northwind Analytics"',
            'position = "Data Engineer at Contoso Labs"',
        ),
    ],
    "reunion-lunch": [
        ('group = "the old Northwind crowd"', 'group = "the old Contoso data team"'),
        ('place = "Lou Malnati\'s, 439 N Wells St, Chicago"', 'place = "Cafe Central, Vienna"'),
        (
            "dates = [2026-12-04, 2026-12-11, 2026-12-18]",
            f"dates = [{SOON.isoformat()}, {(SOON + timedelta(days=7)).isoformat()}]",
        ),
    ],
}


def own_copy(name: str, folder: Path) -> Path:
    """The example campaign ``name`` with its [vars] set to a user's own, in ``folder``."""
    text = (EXAMPLES / name / "campaign.toml").read_text(encoding="utf-8")
    for old, new in OWN_VARS.get(name, []):
        assert old in text, (name, old)
        head, checks, tail = text.partition("[checks]")
        # Only [vars] changes: the [checks] table keeps the example's values to compare with.
        text = head.replace(old, new) + checks + tail
    target = folder / name / "campaign.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def messages(outbox: Path) -> list[email.message.EmailMessage]:
    files = sorted(p for p in outbox.rglob("*") if p.is_file() and p.parent.name in ("new", "cur"))
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in files
    ]


@pytest.fixture
def demo(tmp_path: Path) -> Callable[..., Result]:
    """The README's demo workspace with the sample book imported."""
    root = tmp_path / "demo"
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["init", str(root), "--settings", str(EXAMPLES / "outreach.toml")]
        ).exit_code
        == 0
    )
    imported = runner.invoke(
        cli, ["--home", str(root), "contacts", "import", str(EXAMPLES / "contacts.vcf")]
    )
    assert imported.exit_code == 0, imported.output

    def run(*args: str) -> Result:
        return runner.invoke(cli, ["--home", str(root), *args])

    run.root = root  # type: ignore[attr-defined]
    return run


def test_sample_book_covers_countries_scripts_and_gaps(demo: Callable[..., Result]) -> None:
    contacts = json.loads(demo("contacts", "list", "--json").stdout)
    assert len(contacts) >= 25
    countries = {a["country_code"] for c in contacts for a in c["addresses"]}
    assert len(countries) >= 5
    names = "".join(c["name"] for c in contacts)
    assert any("\u0370" <= ch <= "\u03ff" for ch in names)  # Greek
    assert any("\u0400" <= ch <= "\u04ff" for ch in names)  # Cyrillic
    assert any("\u4e00" <= ch <= "\u9fff" for ch in names)  # CJK
    # Scripts the print channel must shape and lay out right to left.
    assert any("\u0600" <= ch <= "\u06ff" for ch in names)  # Arabic
    assert any("\u0590" <= ch <= "\u05ff" for ch in names)  # Hebrew
    assert any("\u0900" <= ch <= "\u097f" for ch in names)  # Devanagari
    assert any(not c["emails"] for c in contacts)
    assert any(not c["addresses"] for c in contacts)
    assert any(c["cadence"] for c in contacts)
    assert all(c["tags"] for c in contacts)


def test_holiday_cards(demo: Callable[..., Result]) -> None:
    result = demo("campaign", "run", str(EXAMPLES / "holiday-cards" / "campaign.toml"))
    assert result.exit_code == 0, result.output
    out = demo.root / "out" / "holiday-cards"  # type: ignore[attr-defined]
    contacts = json.loads(demo("contacts", "list", "--json").stdout)
    carded = [c for c in contacts if c["addresses"] and "no-card" not in c["tags"]]
    emailed = [
        c for c in contacts if not c["addresses"] and c["emails"] and "no-card" not in c["tags"]
    ]
    envelopes = PdfReader(out / "envelopes.pdf")
    assert len(envelopes.pages) == len(carded)
    assert len(PdfReader(out / "cards.pdf").pages) == 2 * len(carded)  # outside and inside
    text = "\n".join(page.extract_text() for page in envelopes.pages)
    assert "Σοφία Παπαδοπούλου" in text and "佐藤 健二" in text
    # Shaped names (joined Arabic, Hebrew right to left, Devanagari conjuncts) read back as
    # typed, from the envelopes and from the insides of the cards.
    from printing import pdfium_texts

    def nfkc(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).split())

    shaped_envelopes = nfkc(" ".join(pdfium_texts(out / "envelopes.pdf")))
    shaped_cards = nfkc(" ".join(pdfium_texts(out / "cards.pdf")))
    for name in ("ليلى منصور", "נועה לוי", "अनीता देशपांडे"):
        assert nfkc(name) in shaped_envelopes, name
    assert nfkc("كل عام وأنتم بخير") in shaped_cards  # a note in Arabic, in the hand chain
    assert not any("no-card" in c["tags"] and c["name"] in text for c in contacts)
    greetings = messages(out / "outbox")
    assert sorted(m["To"].addresses[0].addr_spec for m in greetings) == sorted(
        c["emails"][0] for c in emailed
    )
    assert "as I do not have a postal address for you" in greetings[0].get_body().get_content()


def test_annual_catch_up(demo: Callable[..., Result]) -> None:
    result = demo("campaign", "run", str(EXAMPLES / "annual-catch-up" / "campaign.toml"))
    assert result.exit_code == 0, result.output
    contacts = json.loads(demo("contacts", "list", "--json").stdout)
    sent = messages(demo.root / "out" / "annual-catch-up" / "outbox")  # type: ignore[attr-defined]
    assert len(sent) == sum(1 for c in contacts if c["emails"])
    by_name = {m["To"].addresses[0].display_name: m.get_body().get_content() for m in sent}
    assert "Hi Maggie," in by_name["Margaret Okafor"]
    assert "your data platform team at Northwind" in by_name["Margaret Okafor"]


def test_examples_refuse_to_speak_for_the_demo_person(demo: Callable[..., Result]) -> None:
    before = sorted(p.name for p in demo.root.iterdir())  # type: ignore[attr-defined]
    example = EXAMPLES / "end-of-contract" / "campaign.toml"
    result = demo("campaign", "run", str(example))
    assert result.exit_code == 2
    lines = example.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("company ="))
    assert result.output.strip() == (
        f"outreach: error: {example} line {number}: vars.company is still the example's value "
        "('Northwind Analytics'); set it to your own (then vars.position, vars.last_day)"
    )
    assert sorted(p.name for p in demo.root.iterdir()) == before  # type: ignore[attr-defined]
    reunion = demo("campaign", "run", str(EXAMPLES / "reunion-lunch" / "campaign.toml"))
    assert reunion.exit_code == 2 and "vars.group is still the example's value" in reunion.output


def test_a_past_last_day_is_refused(demo: Callable[..., Result], tmp_path: Path) -> None:
    path = own_copy("end-of-contract", tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(f"last_day = {SOON.isoformat()}", "last_day = 2025-06-27"), encoding="utf-8"
    )
    result = demo("campaign", "run", str(path))
    assert result.exit_code == 2
    assert "vars.last_day is 2025-06-27, not after today" in result.output
    assert "set the date ahead" in result.output


def test_the_catch_up_skips_anyone_touched_in_the_last_30_days(
    demo: Callable[..., Result],
) -> None:
    today = date.today()
    assert demo("touch", "Margaret Okafor", "--via", "lunch", "--note", "her move").exit_code == 0
    earlier = (today - timedelta(days=31)).isoformat()
    assert demo("touch", "Daniel Reyes", "--via", "call", "--date", earlier).exit_code == 0
    campaign = str(EXAMPLES / "annual-catch-up" / "campaign.toml")
    shown = demo("campaign", "preview", campaign)
    assert shown.exit_code == 0, shown.output
    assert (
        "left out: Margaret Okafor (main): touched today "
        f"({today.isoformat()}; skip_touched_within = P30D)" in shown.output
    )
    assert "left out: Daniel Reyes" not in shown.output  # 31 days ago: due a hello
    result = demo("campaign", "run", campaign)
    assert result.exit_code == 0, result.output
    sent = messages(demo.root / "out" / "annual-catch-up" / "outbox")  # type: ignore[attr-defined]
    assert "Margaret Okafor" not in {m["To"].addresses[0].display_name for m in sent}


def test_end_of_contract(demo: Callable[..., Result], tmp_path: Path) -> None:
    result = demo("campaign", "run", str(own_copy("end-of-contract", tmp_path)))
    assert result.exit_code == 0, result.output
    out = demo.root / "out" / "end-of-contract"  # type: ignore[attr-defined]
    drafts = (out / "linkedin.csv").read_text(encoding="utf-8")
    assert "Tom Fischer" in drafts  # a colleague without email: a LinkedIn farewell
    assert "recommendation" in drafts
    assert (out / "linkedin.html").exists()


def test_reunion_lunch_attaches_the_candidate_dates(
    demo: Callable[..., Result], tmp_path: Path
) -> None:
    for person in ("Margaret Okafor", "Tom Fischer"):
        assert demo("contacts", "set", person, "--tag", "reunion").exit_code == 0
    result = demo("campaign", "run", str(own_copy("reunion-lunch", tmp_path)))
    assert result.exit_code == 0, result.output
    sent = messages(demo.root / "out" / "reunion-lunch" / "outbox")  # type: ignore[attr-defined]
    # Only the people tagged for the reunion, and only those with an email address.
    tagged = json.loads(demo("contacts", "list", "--json", "--tag", "reunion").stdout)
    assert sorted(m["To"].addresses[0].display_name for m in sent) == sorted(
        c["name"] for c in tagged if c["emails"]
    )
    assert "I miss the old Contoso data team" in sent[0].get_body().get_content()
    (ics,) = [
        part for part in sent[0].iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    events = [e for e in calendar.walk("VEVENT")]
    assert [str(e["DTSTART"].dt) for e in events] == [
        f"{SOON.isoformat()} 12:30:00",
        f"{(SOON + timedelta(days=7)).isoformat()} 12:30:00",
    ]
    assert events[0]["LOCATION"] == "Cafe Central, Vienna"


@pytest.mark.parametrize("name", CAMPAIGNS)
def test_every_campaign_runs_on_a_sparse_book(name: str, tmp_path: Path) -> None:
    root = tmp_path / "sparse"
    Workspace.init(root, settings=EXAMPLES / "outreach.toml")
    source = tmp_path / "linkedin-like.vcf"
    source.write_text(SPARSE, encoding="utf-8")
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["--home", str(root), "contacts", "import", str(source)]).exit_code == 0
    )
    result = runner.invoke(
        cli, ["--home", str(root), "campaign", "run", str(own_copy(name, tmp_path / "mine"))]
    )
    assert result.exit_code == 0, result.output


def test_library_usage_example_runs() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "library_usage.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "imported 31 contacts" in done.stdout
    assert re.search(r"plan: \d+ of \d+ due contacts picked this week", done.stdout)
    assert "Hi Dan," in done.stdout


TEMPLATE_VARS = {
    "company": "Northwind Analytics",
    "last_day": date(2026, 12, 18),
    "keep_in_touch": "alex@example.org",
    "thanks_for": "the introduction to Priya",
    "group": "the old Northwind crowd",
    "place": "Lou Malnati's, Chicago",
    "time": "12:30",
    "dates": [date(2026, 12, 4), date(2026, 12, 11)],
    "occasion": "the new role",
    "my_news": "",
}


@pytest.mark.parametrize(
    "name",
    sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.j2")),
)
def test_every_built_in_template_renders(name: str, tmp_path: Path) -> None:
    workspace = Workspace.init(tmp_path / "ws", settings=EXAMPLES / "outreach.toml")
    campaign = SimpleNamespace(name="templates", vars=TEMPLATE_VARS, parts=[])
    renderer = Renderer(workspace, today=date(2026, 11, 22))
    for contact, last in [
        (
            Contact(
                uid="a",
                name=Name(given="Annabel", family="Lee", nickname="Ann"),
                org="Lumen Health",
                relationship="the Tokyo integration project",
            ),
            None,
        ),
        (Contact(uid="b", name=Name(given="Bo", formatted="Bo Chen")), date(2021, 5, 1)),
    ]:
        context = renderer.context(contact, campaign=campaign, last_touch=last)
        text = renderer.render(name, context, contact=contact)
        assert contact.greeting_name in text or name.endswith(".ics.j2")
        # Conditional phrases leave no doubled spaces behind.
        assert all("  " not in line.strip() for line in text.splitlines()), text
