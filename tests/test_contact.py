"""The contact model's derived values."""

from __future__ import annotations

import pytest

from outreach.contact import Address, Birthday, Contact, Email, Name, normalise_linkedin


def test_display_and_greeting_names_fall_back_sensibly() -> None:
    bob = Contact(name=Name(given="Robert", family="Smith", nickname="Bob"))
    assert bob.display_name == "Robert Smith"
    assert bob.greeting_name == "Bob"
    company = Contact(org="Acme GmbH")
    assert company.display_name == "Acme GmbH"
    only_email = Contact(emails=[Email("x@example.com")])
    assert only_email.display_name == "x@example.com"
    assert only_email.greeting_name == "x@example.com"


def test_preferred_email_wins() -> None:
    contact = Contact(emails=[Email("a@example.com"), Email("b@example.com", ("INTERNET", "pref"))])
    assert contact.primary_email == "b@example.com"
    assert contact.has_email("B@Example.COM")


def test_tags_are_case_insensitive_and_unique() -> None:
    contact = Contact(tags=["Colleague"])
    assert contact.has_tag("colleague")
    assert not contact.add_tag("COLLEAGUE")
    assert contact.add_tag("recommender")
    assert contact.remove_tag("colleague")
    assert contact.tags == ["recommender"]


def test_returned_address_is_not_a_postal_address() -> None:
    home = Address(street=("1 Main St",), locality="Springfield", country_code="US")
    contact = Contact(addresses=[home])
    assert contact.postal_address is home
    home.returned = True
    assert contact.postal_address is None
    assert contact.has_returned_address


def test_address_fingerprint_follows_content() -> None:
    a = Address(street=("1 Main St",), locality="Springfield")
    b = Address(street=("1 main st",), locality="SPRINGFIELD", types=("HOME",))
    c = Address(street=("2 Main St",), locality="Springfield")
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()


def test_birthday_without_year() -> None:
    assert Birthday(2, 29).iso() == "--02-29"
    assert Birthday(5, 17, 1980).iso() == "1980-05-17"
    with pytest.raises(ValueError):
        Birthday(2, 30)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jane-doe/",
        "http://linkedin.com/in/Jane-Doe",
        "www.linkedin.com/in/jane-doe?trk=public_profile",
        "https://de.linkedin.com/in/jane-doe#about",
    ],
)
def test_linkedin_urls_normalise_to_one_key(url: str) -> None:
    assert normalise_linkedin(url) == "linkedin.com/in/jane-doe"
