"""Generated vCard files shaped like real books: common names, shared employers.

Every card is a distinct person with its own UID and email address, but names come from a
short list of the commonest ones and employers from a dozen, so many cards share a name and
an employer: what a merge rule must not take for one person.
"""

from __future__ import annotations

import random

GIVEN = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "Maria",
    "Wei",
    "Mohammed",
    "Anna",
    "José",
    "Priya",
    "Daniel",
    "Sarah",
]
FAMILY = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Wang",
    "Kim",
    "Nguyen",
    "Müller",
    "Singh",
    "Reyes",
]
EMPLOYERS = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Northwind Analytics",
    "Lumen Labs",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Industries",
    "Contoso",
    "Fabrikam",
]
TITLES = ["Engineer", "Senior Engineer", "Product Manager", "Director", "Analyst", "Designer"]


def distinct_cards(count: int, seed: int = 11, *, with_uids: bool = True) -> str:
    """``count`` vCard 3.0 cards of distinct people (text with CRLF line ends)."""
    rng = random.Random(seed)
    cards = []
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        org = rng.choice(EMPLOYERS)
        domain = org.lower().replace(" ", "") + ".example"
        lines = ["BEGIN:VCARD", "VERSION:3.0"]
        if with_uids:
            lines.append(f"UID:gen-{n:05d}")
        lines += [
            f"FN:{given} {family}",
            f"N:{family};{given};;;",
            f"ORG:{org}",
            f"TITLE:{rng.choice(TITLES)}",
            f"EMAIL;TYPE=INTERNET,WORK:{given.lower()}.{family.lower()}.{n}@{domain}",
        ]
        if n % 3 == 0:
            lines.append(f"TEL;TYPE=CELL:+1 555 {n // 10000 % 10:01d}{n % 10000:04d}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines) + "\r\n")
    return "".join(cards)
