"""One true book: distinct people stay distinct, cards of one person can be joined."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bookgen import distinct_cards
from conftest import make_contact
from filetree import tree_digest

from outreach.addressbook import AddressBook
from outreach.contact import Contact, Phone
from outreach.importer import ImportedRecord
from outreach.merge import find_duplicates, merge_records


def record(contact: Contact, line: int = 2, source: str = "a.vcf", given: bool = True):
    return ImportedRecord(contact, line, source=source, uid_given=given)


def test_two_thousand_distinct_cards_with_common_names_give_two_thousand_contacts(
    run_cli, workspace, tmp_path: Path
) -> None:
    cards = tmp_path / "big.vcf"
    cards.write_text(distinct_cards(2000), encoding="utf-8")
    result = run_cli("contacts", "import", str(cards))
    assert result.exit_code == 0, result.output
    assert "2000 records read: 2000 added, 0 merged, 0 unchanged, 0 skipped; 0 conflicts" in (
        result.output
    )
    listing = json.loads(run_cli("contacts", "list", "--json").output)
    assert len(listing) == 2000
    # Every contact holds exactly the one address its card had.
    assert all(len(c["emails"]) == 1 for c in listing)
    # The names really are common and shared with employers: the rule was put to the test.
    pairs = Counter((c["name"], c["org"]) for c in listing)
    assert max(pairs.values()) >= 3 and sum(n for n in pairs.values() if n > 1) > 500
    again = run_cli("contacts", "import", str(cards))
    assert "2000 records read: 0 added, 0 merged, 2000 unchanged, 0 skipped" in again.output


def test_cards_without_uids_or_with_them_merge_only_on_strong_identity(tmp_path: Path) -> None:
    from outreach.vcard import parse_vcards

    book = AddressBook.open(tmp_path / "book.vcf")
    cards = parse_vcards(distinct_cards(600, seed=3, with_uids=False))
    report = merge_records(book, [record(c.contact, c.line, given=False) for c in cards])
    assert len(book) == 600 and len(report.added) == 600
    assert len(report.added) + report.merged_records + report.unchanged_records == 600


def test_distinct_uids_in_one_file_are_two_people_even_without_any_address(
    tmp_path: Path,
) -> None:
    book = AddressBook.open(tmp_path / "book.vcf")
    one = make_contact("a-1", "John", "Smith", org="Acme")
    two = make_contact("a-2", "John", "Smith", org="Acme")
    report = merge_records(book, [record(one), record(two, 9)])
    assert len(book) == 2 and report.merged_records == 0
    assert [d.uids for d in report.duplicates] == [("a-1", "a-2")]
    assert report.duplicates[0].reason == "same name and organisation"


def test_name_and_org_join_a_card_from_another_source_when_nothing_contradicts(
    tmp_path: Path,
) -> None:
    book = AddressBook.open(tmp_path / "book.vcf")
    book.add(make_contact("b-1", "Mary", "Jones", org="Globex", email="mary@globex.example"))
    no_email = make_contact("x-1", "Mary", "Jones", org="Globex")
    no_email.phones.append(Phone("+44 20 7946 0000", ("CELL",)))
    other_email = make_contact("x-2", "Mary", "Jones", org="Globex", email="mj@home.example")
    report = merge_records(book, [record(no_email, 2, "g.csv", False), record(other_email, 3)])
    # The first has nothing that says otherwise; the second has another address: another Mary.
    assert book.get("b-1").phones[0].number == "+44 20 7946 0000"
    assert [c.uid for c in report.added] == ["x-2"]
    # Told apart by their addresses: not news after the import, but listed on demand.
    assert report.duplicates == []
    (pair,) = find_duplicates(book)
    assert (
        pair.apart and pair.reason == "same name and organisation (but different email addresses)"
    )


def test_a_shared_address_or_switchboard_names_nobody(tmp_path: Path) -> None:
    book = AddressBook.open(tmp_path / "book.vcf")
    one = make_contact("c-1", "Ana", "Lima", email="info@lima.example")
    two = make_contact("c-2", "Rui", "Lima", email="info@lima.example")
    one.phones.append(Phone("+351 21 000 0000", ("WORK", "MAIN")))
    book.add(one)
    book.add(two)
    third = make_contact("x-3", "Eva", "Lima", email="INFO@lima.example")
    fourth = make_contact("x-4", "Ines", "Costa")
    fourth.phones.append(Phone("+351 21 000 0000", ("WORK", "MAIN")))
    report = merge_records(book, [record(third, source="s.csv"), record(fourth, 3, "s.csv")])
    assert sorted(c.uid for c in report.added) == ["x-3", "x-4"]
    groups = {d.uids for d in find_duplicates(book)}
    assert ("c-1", "c-2", "x-3") in groups


def test_merge_joins_cards_and_later_imports_of_either_match(run_cli, workspace, tmp_path) -> None:
    first = tmp_path / "phone.vcf"
    first.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-1\r\nFN:Daniel Reyes\r\nN:Reyes;Daniel;;;\r\n"
        "TEL;TYPE=CELL:+1 303 555 0142\r\nCATEGORIES:friend\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:work-7\r\nFN:Daniel Reyes\r\nN:Reyes;Daniel;;;\r\n"
        "ORG:Northwind Analytics\r\nEMAIL:dan.reyes@example.com\r\nNOTE:desk 4\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    assert run_cli("contacts", "import", str(first)).exit_code == 0
    ambiguous = run_cli("contacts", "show", "Daniel Reyes")
    assert ambiguous.exit_code == 2
    assert "'Daniel Reyes' matches 2 contacts: Daniel Reyes <phone-1>; Daniel Reyes <work-7, " in (
        ambiguous.output
    )
    assert "Name one by its UID or email address" in ambiguous.output
    listed = json.loads(run_cli("contacts", "duplicates", "--json").output)
    assert listed == [
        {
            "uids": ["phone-1", "work-7"],
            "names": ["Daniel Reyes"] * 2,
            "reason": "same name",
            "apart": False,
        }
    ]
    merged = run_cli("contacts", "merge", "work-7", "phone-1")
    assert merged.exit_code == 0, merged.output
    assert "merged Daniel Reyes <phone-1> into Daniel Reyes <work-7>" in merged.output
    (dan,) = json.loads(run_cli("contacts", "list", "--json").output)
    assert dan["uid"] == "work-7" and dan["phones"] == ["+1 303 555 0142"]
    assert dan["tags"] == ["friend"] and dan["emails"] == ["dan.reyes@example.com"]
    assert run_cli("contacts", "show", "phone-1").exit_code == 0
    before = tree_digest(workspace.root)
    again = run_cli("contacts", "import", str(first))
    assert "2 records read: 0 added, 0 merged, 2 unchanged" in again.output
    assert tree_digest(workspace.root) == before
    assert "X-OUTREACH-ALIAS:phone-1" in workspace.book_path.read_text(encoding="utf-8")


def test_merge_keeps_what_differs_and_remove_keeps_the_journal(run_cli, workspace, add_contacts):
    one = make_contact("m-1", "Li", "Wang", email="li@acme.example", org="Acme")
    one.title = "CIO"
    two = make_contact("m-2", "Li", "Wang", email="li@lumen.example", org="Lumen Labs")
    two.notes = "met at PyCon"
    add_contacts(one, two, make_contact("m-3", "Ola", "Nordmann", email="ola@example.no"))
    merged = run_cli("contacts", "merge", "li@acme.example", "m-2")
    assert merged.exit_code == 0, merged.output
    assert "Li Wang: org kept 'Acme'; 'Lumen Labs' is kept as a past job" in merged.output
    li = workspace.open_book().get("m-1")
    assert [e.address for e in li.emails] == ["li@acme.example", "li@lumen.example"]
    assert [(j.org, j.title) for j in li.past_jobs] == [("Lumen Labs", "")]
    assert li.notes == "met at PyCon" and li.aliases == ["m-2"]
    assert run_cli("contacts", "merge", "m-1").exit_code == 2
    same = run_cli("contacts", "merge", "m-1", "li@lumen.example")
    assert same.exit_code == 2 and "twice" in same.output
    run_cli("touch", "Ola Nordmann", "--via", "call", "--date", "2024-05-01")
    removed = run_cli("contacts", "remove", "Ola Nordmann")
    assert removed.exit_code == 0 and "removed Ola Nordmann <m-3>" in removed.output
    assert workspace.open_book().get("m-3") is None
    with workspace.open_journal() as journal:
        assert [t.contact_uid for t in journal.touches()] == ["m-3"]
    nobody = run_cli("contacts", "remove", "Ola Nordman")
    assert nobody.exit_code == 2 and "did you mean" not in nobody.output
    near = run_cli("contacts", "show", "Li Wnag")
    assert near.exit_code == 2 and "no contact matches 'Li Wnag'; did you mean 'Li Wang'?" in (
        near.output
    )


def test_set_edits_name_job_emails_and_address(run_cli, workspace, add_contacts) -> None:
    joan = make_contact("j-1", "Joan", "Doe", email="joan@acme.example", org="Acme Corp")
    joan.title = "CIO"
    add_contacts(joan)
    before = tree_digest(workspace.root)
    bad = run_cli("contacts", "set", "Joan Doe", "--org", "X", "--email", "not-an-address")
    assert bad.exit_code == 2 and "--email: 'not-an-address' is not an email address" in bad.output
    missing = run_cli("contacts", "set", "Joan Doe", "--remove-email", "joan@else.example")
    assert missing.exit_code == 2 and "has no email address 'joan@else.example'" in missing.output
    assert tree_digest(workspace.root) == before
    result = run_cli(
        "contacts", "set", "Joan Doe",
        "--org", "Lumen Labs", "--title", "VP Engineering",
        "--email", "joan@lumen.example", "--remove-email", "joan@acme.example",
        "--name", "Dr. Joan M. Doe",
        "--street", "12 Rue de la Paix", "--street", "Bât. B",
        "--locality", "Paris", "--postal-code", "75002", "--country", "France",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "job Acme Corp, CIO -> Lumen Labs, VP Engineering" in result.output
    shown = json.loads(run_cli("contacts", "show", "joan@lumen.example", "--json").output)
    assert shown["emails"] == ["joan@lumen.example"]
    assert (shown["org"], shown["title"]) == ("Lumen Labs", "VP Engineering")
    assert shown["past_jobs"][0]["org"] == "Acme Corp" and shown["past_jobs"][0]["until"]
    assert shown["name"] == "Dr. Joan M. Doe" and shown["given"] == "Joan M."
    (address,) = shown["addresses"]
    assert address["street_lines"] == ["12 Rue de la Paix", "Bât. B"]
    assert (address["locality"], address["country_code"]) == ("Paris", "FR")
    plan = json.loads(run_cli("plan", "--json").output)
    assert [e["section"] for e in plan if e["uid"] == "j-1"].count("job-change") == 1


def test_after_a_merge_nothing_already_sent_goes_out_again(
    run_cli, workspace, add_contacts, fake_channel
) -> None:
    from conftest import read_fake_log

    # The card kept has no address yet: the campaign reaches only the other one.
    home = make_contact("h-1", "Ada", "Lovelace")
    work = make_contact("w-1", "Ada", "Lovelace", email="ada@work.example")
    add_contacts(home, work)
    campaign = workspace.root / "hello.toml"
    campaign.write_text('[fake]\nbody = "Hi {{ greeting }}"\n')
    assert run_cli("campaign", "run", str(campaign), "--send").exit_code == 0
    run_cli("touch", "w-1", "--via", "call", "--date", "2026-01-05")
    assert [d["uid"] for d in read_fake_log(workspace, "hello")] == ["w-1"]
    merged = run_cli("contacts", "merge", "h-1", "w-1")
    assert merged.exit_code == 0, merged.output
    assert "touches and " in merged.output and "now count for this contact" in merged.output
    again = run_cli("campaign", "run", str(campaign), "--send")
    assert again.exit_code == 0, again.output
    # The merged Ada has the address the campaign already reached: nothing goes out again.
    assert [d["uid"] for d in read_fake_log(workspace, "hello")] == ["w-1"]
    (ada,) = json.loads(run_cli("contacts", "list", "--json").output)
    assert ada["uid"] == "h-1" and ada["last_touch"] is not None
    with workspace.open_journal() as journal:
        assert "2026-01-05" in {t.day.isoformat() for t in journal.touches("h-1")}


def test_remove_and_merge_in_a_vdir_book(tmp_path: Path) -> None:
    from outreach.bookedit import merge_contacts, remove_contact

    folder = tmp_path / "vdir"
    book = AddressBook.open(folder)
    for uid in ("v-1", "v-2", "v-3"):
        book.add(make_contact(uid, "Eun-ji", f"Park {uid}", email=f"{uid}@example.kr"))
    book.save()
    book = AddressBook.open(folder)
    merge_contacts(book, ["v-1", "v-2"])
    remove_contact(book, "v-3@example.kr")
    book.save()
    assert sorted(p.name for p in folder.iterdir()) == ["v-1.vcf"]
    (kept,) = AddressBook.open(folder)
    assert kept.aliases == ["v-2"] and len(kept.emails) == 2


def test_a_shared_address_does_not_join_two_linkedin_profiles(tmp_path: Path) -> None:
    book = AddressBook.open(tmp_path / "book.vcf")
    ana = make_contact("a-1", "Ana", "Lima", email="lima@family.example")
    ana.linkedin = "https://www.linkedin.com/in/ana-lima"
    book.add(ana)
    rui = make_contact("r-1", "Rui", "Lima", email="lima@family.example")
    rui.linkedin = "https://www.linkedin.com/in/rui-lima"
    report = merge_records(book, [record(rui, source="linkedin.csv", given=False)])
    assert [c.uid for c in report.added] == ["r-1"] and len(book) == 2
    (pair,) = find_duplicates(book)
    assert pair.reason == "same email lima@family.example (but different LinkedIn profiles)"


def test_merging_a_card_whose_mail_was_answered_or_bounced_carries_it(
    run_cli, workspace, add_contacts
) -> None:
    from outreach.bookedit import _RANK
    from outreach.delivery import STATUSES, DeliveryKey

    # Mail sync marks deliveries replied and bounced; a merge must carry those too.
    assert set(_RANK) == set(STATUSES)
    add_contacts(
        make_contact("h-1", "Ada", "Lovelace"),
        make_contact("w-1", "Ada", "Lovelace", email="ada@work.example"),
        make_contact("o-1", "Ada", "Lovelace", email="ada@old.example"),
    )
    with workspace.open_journal() as journal:
        journal.record(DeliveryKey("hello", "main", "w-1", "email"), "replied", message_id="<1@x>")
        journal.record(DeliveryKey("bye", "main", "o-1", "email"), "bounced", message_id="<2@x>")
    merged = run_cli("contacts", "merge", "h-1", "w-1", "o-1")
    assert merged.exit_code == 0, merged.output
    with workspace.open_journal() as journal:
        rows = journal.deliveries()
    carried = {(d.key.campaign, d.status) for d in rows if d.key.contact_uid == "h-1"}
    assert carried == {("hello", "replied"), ("bye", "bounced")}


def test_a_merge_whose_history_cannot_be_carried_leaves_the_book_as_it_was(
    run_cli, workspace, add_contacts, monkeypatch
) -> None:
    import outreach.bookedit
    from outreach.errors import InputError

    add_contacts(
        make_contact("h-1", "Ada", "Lovelace"),
        make_contact("w-1", "Ada", "Lovelace", email="ada@work.example"),
    )
    run_cli("touch", "w-1", "--via", "call", "--date", "2026-01-05")
    before = workspace.book_path.read_bytes()

    def journal_fails(journal, merged):  # noqa: ANN001, ANN202
        raise InputError(f"{workspace.journal_path}: the disk is full")

    monkeypatch.setattr(outreach.bookedit, "carry_history", journal_fails)
    merged = run_cli("contacts", "merge", "h-1", "w-1")
    assert merged.exit_code == 2 and "the disk is full" in merged.output
    # Both cards are still there: the merge can be run again once the journal is writable.
    assert workspace.book_path.read_bytes() == before
