"""Fictional contacts for benchmarks: realistic vCard 3.0 cards in several scripts."""

from __future__ import annotations

import random

GIVEN = ["Ann", "Jürgen", "Zoë", "Łukasz", "Σοφία", "Иван", "Kenji", "María", "Olu", "Priya"]
FAMILY = ["Lee", "Müller", "O'Brien", "Kowalski", "Παπαδοπούλου", "Петров", "Sato", "García"]
CITIES = [
    ("Springfield", "IL", "62701", "USA"),
    ("Berlin", "", "10115", "Germany"),
    ("Paris", "", "75002", "France"),
    ("Athens", "", "105 57", "Greece"),
    ("Tokyo", "Tokyo", "100-0005", "Japan"),
]
TAGS = ["colleague", "friend", "former-boss", "recommender", "vendor", "no-card"]


def vcard(i: int, rng: random.Random) -> str:
    """One card with the fields a real export has."""
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    city, region, code, country = rng.choice(CITIES)
    tags = ",".join(sorted(set(rng.sample(TAGS, rng.randint(0, 3)))))
    lines = [
        "BEGIN:VCARD",
        "VERSION:3.0",
        f"UID:bench-{i:06d}",
        f"FN:{given} {family}",
        f"N:{family};{given};;;",
        f"EMAIL;TYPE=INTERNET,WORK:{given.lower()}.{i}@example.com",
        f"TEL;TYPE=CELL:+1 555 {i:07d}",
        f"ADR;TYPE=HOME:;;{i} Main Street;{city};{region};{code};{country}",
        f"ORG:Company {i}",
        "TITLE:Engineer",
        f"X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/person-{i}",
        f"NOTE:Met at conference {i % 13}\\, talked about tea",
    ]
    if tags:
        lines.append(f"CATEGORIES:{tags}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def vcards(count: int, seed: int = 7) -> str:
    """``count`` cards as one file's text (deterministic for a seed)."""
    rng = random.Random(seed)
    return "".join(vcard(i, rng) for i in range(count))
