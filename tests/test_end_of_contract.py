"""The end-of-contract example on a book made from a LinkedIn export (few email addresses)."""

from __future__ import annotations

import csv
import html
import mailbox
from collections.abc import Callable

from click.testing import Result
from linkedin_helpers import END_OF_CONTRACT, TODAY, write_linkedin_export_book

from outreach.engine import Engine
from outreach.workspace import Workspace

RunCli = Callable[..., Result]

COLLEAGUES = {"li-01", "li-02", "li-03", "li-04", "li-05", "li-06", "li-09"}
RECOMMENDERS = {"li-01", "li-02", "li-07"}
WITH_EMAIL = {"li-02", "li-05"}


def test_farewell_by_email_where_possible_else_linkedin_and_recommendations_on_both(
    workspace: Workspace,
) -> None:
    write_linkedin_export_book(workspace)
    engine = Engine(workspace, today=TODAY)
    campaign = engine.load(END_OF_CONTRACT)
    assert campaign.name == "end-of-contract"
    result = engine.run(campaign)

    pieces = {(r.key.part, r.key.contact_uid, r.key.channel) for r in result.rendered}
    farewell = {(uid, channel) for part, uid, channel in pieces if part == "farewell"}
    # Every colleague gets exactly one farewell: email where they have one, else LinkedIn.
    assert farewell == {(uid, "email" if uid in WITH_EMAIL else "linkedin") for uid in COLLEAGUES}
    recommendation = {(uid, channel) for part, uid, channel in pieces if part == "recommendation"}
    assert recommendation == {(uid, "linkedin") for uid in RECOMMENDERS} | {
        (uid, "email") for uid in RECOMMENDERS & WITH_EMAIL
    }
    assert result.plan.left_out == []
    assert result.ok

    out = workspace.out_dir("end-of-contract")
    with (out / "linkedin.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["uid"], r["kind"]) for r in rows) == sorted(
        [(uid, "message") for uid in COLLEAGUES - WITH_EMAIL]
        + [(uid, "recommendation") for uid in RECOMMENDERS]
    )
    by_key = {(r["uid"], r["kind"]): r for r in rows}
    olafur = by_key[("li-03", "message")]
    assert olafur["text"].startswith("Hi Ólafur, June 27, 2025 is my last day at Northwind")
    assert olafur["profile_url"] == "https://is.linkedin.com/in/olafur-jonsson"
    tomas = by_key[("li-06", "message")]
    assert (
        "search/results/people/?keywords=Tom%C3%A1s+Garc%C3%ADa+Northwind" in tomas["profile_url"]
    )
    for row in rows:
        assert int(row["chars"]) == len(row["text"].encode("utf-16-le")) // 2
        assert int(row["chars"]) <= int(row["limit"])

    # Recommendation requests carry what LinkedIn's form asks for.
    drafts = {
        r.key.contact_uid: r.payload
        for r in result.rendered
        if r.key.part == "recommendation" and r.key.channel == "linkedin"
    }
    assert drafts["li-01"].relationship == "managed me directly"
    assert drafts["li-07"].relationship == "was my client at Contoso"
    assert drafts["li-02"].relationship == ""  # left for the user to choose on LinkedIn
    assert {d.position for d in drafts.values()} == {"Senior Data Engineer at Northwind Analytics"}

    outbox = mailbox.Maildir(out / "outbox", create=False)
    recipients = sorted(str(m["To"]) for m in outbox)
    assert recipients == sorted(
        ["Priya Natarajan <priya@example.in>"] + ["Wei Zhang <wei@example.cn>"] * 2
    )

    page = html.unescape((out / "linkedin.html").read_text(encoding="utf-8"))
    assert page.count("profile unknown: check it is the right person") == 1
    assert "Αλέξης Παπαδόπουλος" in page and "Product Manager at Northwind Analytics" in page


def test_example_review_page(workspace: Workspace, run_cli: RunCli) -> None:
    write_linkedin_export_book(workspace)
    result = run_cli("campaign", "preview", str(END_OF_CONTRACT), "--html", "--today", "2025-06-20")
    assert result.exit_code == 0, result.output
    page = html.unescape(
        (workspace.out_dir("end-of-contract") / "review.html").read_text(encoding="utf-8")
    )
    assert "Subject: Moving on from Northwind Analytics" in page
    assert "Subject: A favour before I leave Northwind Analytics" in page
    assert page.count('class="piece"') == 7 + 3 + 1  # farewells, LinkedIn and email requests
    assert "Relationship: managed me directly" in page
    assert "Nobody: every contact in the audience can be reached." in page
