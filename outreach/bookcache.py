"""The address book's parse cache, stored as plain JSON.

Parsing vCard is the slow part of opening a large book, so the contacts parsed from each
book file are kept in ``.cache/book-<key>.json``, with the file's
:class:`~outreach.fsutil.FileSignature` and digest. The cache is data, never code: it is read
with :func:`orjson.loads` and rebuilt field by field into the model's dataclasses, so a file
planted by an archive, a sync tool or a shared folder can at worst be a cache miss. Anything
unexpected in it (another format or version, a different model layout, a wrong type, a
missing field) makes :func:`load_entries` return nothing and the book is parsed again.

Contacts are written as positional lists in the order of their dataclass fields; that order
is part of :data:`LAYOUT`, checked against :func:`~outreach.contact.model_layout` on every
read, so a changed model never reads an old cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import orjson

from .cadence import Cadence
from .contact import (
    Address,
    Birthday,
    Contact,
    Email,
    Name,
    PastJob,
    Phone,
    PropertyMeta,
    RawProperty,
    model_layout,
)
from .fsutil import FileSignature

__all__ = ["FORMAT", "LAYOUT", "CacheEntries", "dump_entries", "load_entries"]

FORMAT = "outreach-book-cache"
#: Bumped whenever the encoding below changes.
VERSION = 2
#: The model layout this codec was written for; a cache is used only while they match.
LAYOUT = (
    "Name:given,family,additional,prefix,suffix,formatted,nickname;"
    "Email:address,types,group,params;"
    "Phone:number,types,group,params,uri_params,uri;"
    "Address:street,locality,region,postal_code,country,country_code,po_box,extended,types,"
    "group,params,returned_for;"
    "Birthday:month,day,year;"
    "RawProperty:name,value,params,group;"
    "PropertyMeta:name,params,group;"
    "PastJob:org,title,until;"
    "Contact:uid,name,emails,phones,addresses,org,department,title,linkedin,tags,notes,"
    "relationship,cadence,birthday,snooze_until,card_note,extra,past_jobs,aliases,version,meta"
)

#: File name ("" for a single-file book) -> its signature, the digest of its bytes, and the
#: contacts parsed from it.
CacheEntries = dict[str, tuple[FileSignature, str, list[Contact]]]


# -- writing ----------------------------------------------------------------------------------


def _dump_params(params: tuple[tuple[str, tuple[str, ...]], ...]) -> list[Any]:
    return [[key, list(values)] for key, values in params]


class _Shared:
    """The distinct unmodelled properties and property parameters of a book, written once.

    Most cards of one exporter carry the same few (Apple's ``X-ABLabel``, a ``TYPE=pref`` on
    the profile URL): contacts refer to them by index, so the file holds each once and a load
    builds each once. They are frozen dataclasses, so contacts can share them.
    """

    def __init__(self) -> None:
        self.raw: dict[RawProperty, int] = {}
        self.meta: dict[PropertyMeta, int] = {}

    def raw_index(self, prop: RawProperty) -> int:
        return self.raw.setdefault(prop, len(self.raw))

    def meta_index(self, meta: PropertyMeta) -> int:
        return self.meta.setdefault(meta, len(self.meta))


def _contact(c: Contact, shared: _Shared) -> list[Any]:
    n = c.name
    cadence = c.cadence
    birthday = c.birthday
    return [
        c.uid,
        [n.given, n.family, n.additional, n.prefix, n.suffix, n.formatted, n.nickname],
        [[e.address, list(e.types), e.group, _dump_params(e.params)] for e in c.emails],
        [
            [p.number, list(p.types), p.group, _dump_params(p.params), p.uri_params, p.uri]
            for p in c.phones
        ],
        [
            [
                list(a.street),
                a.locality,
                a.region,
                a.postal_code,
                a.country,
                a.country_code,
                a.po_box,
                a.extended,
                list(a.types),
                a.group,
                _dump_params(a.params),
                a.returned_for,
            ]
            for a in c.addresses
        ],
        c.org,
        c.department,
        c.title,
        c.linkedin,
        list(c.tags),
        c.notes,
        c.relationship,
        None
        if cadence is None
        else [cadence.text, cadence.years, cadence.months, cadence.weeks, cadence.days],
        None if birthday is None else [birthday.month, birthday.day, birthday.year],
        None if c.snooze_until is None else c.snooze_until.isoformat(),
        c.card_note,
        [shared.raw_index(r) for r in c.extra],
        [[j.org, j.title, None if j.until is None else j.until.isoformat()] for j in c.past_jobs],
        list(c.aliases),
        c.version,
        {k: shared.meta_index(m) for k, m in c.meta.items()},
    ]


def dump_entries(book: str, entries: CacheEntries) -> bytes:
    """The cache file's bytes for ``entries`` of the book at ``book`` (its resolved path)."""
    shared = _Shared()
    files = {
        name: [
            [sig.size, sig.mtime_ns, sig.ctime_ns, sig.inode],
            digest,
            [_contact(c, shared) for c in contacts],
        ]
        for name, (sig, digest, contacts) in entries.items()
    }
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "layout": LAYOUT,
        "book": book,
        "raw": [[r.name, r.value, _dump_params(r.params), r.group] for r in shared.raw],
        "meta": [[m.name, _dump_params(m.params), m.group] for m in shared.meta],
        "entries": files,
    }
    # orjson writes compact UTF-8 (no indent, no ASCII escaping): the smallest file, and it
    # reads back three times faster than the standard library's parser.
    return orjson.dumps(payload)


# -- reading ----------------------------------------------------------------------------------
#
# Values are taken as the JSON holds them, without a type check per field: the file is data
# that cannot run code whatever it holds, it is used only when its book path and every file's
# signature (size, times to the nanosecond, inode) match the book on disk, which a planted
# file cannot know in advance, and checking each of a large book's 400,000 values would cost
# more than the cache saves. A file of the wrong shape fails to unpack and is a miss.


def _params(values: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((key, tuple(items)) for key, items in values) if values else ()


def _address(raw: Any) -> Address:
    (
        street,
        locality,
        region,
        postal,
        country,
        code,
        box,
        extended,
        types,
        group,
        params,
        returned,
    ) = raw
    return Address(
        tuple(street),
        locality,
        region,
        postal,
        country,
        code,
        box,
        extended,
        tuple(types),
        group,
        _params(params) if params else (),
        returned,
    )


def _read_contact(raw: Any, props: list[RawProperty], metas: list[PropertyMeta]) -> Contact:
    (
        uid,
        name,
        emails,
        phones,
        addresses,
        org,
        department,
        title,
        linkedin,
        tags,
        notes,
        relationship,
        cadence,
        birthday,
        snooze,
        card_note,
        extra,
        past_jobs,
        aliases,
        version,
        meta,
    ) = raw
    return Contact(
        uid,
        Name(*name),
        [Email(a, tuple(t), g, _params(p) if p else ()) for a, t, g, p in emails],
        [Phone(n, tuple(t), g, _params(p) if p else (), u, v) for n, t, g, p, u, v in phones],
        [_address(a) for a in addresses],
        org,
        department,
        title,
        linkedin,
        tags,
        notes,
        relationship,
        None if cadence is None else Cadence(*cadence),
        None if birthday is None else Birthday(*birthday),
        None if snooze is None else date.fromisoformat(snooze),
        card_note,
        [props[i] for i in extra],
        [PastJob(o, t, None if u is None else date.fromisoformat(u)) for o, t, u in past_jobs],
        aliases,
        version,
        {k: metas[i] for k, i in meta.items()},
    )


def _read_entries(
    raw: Any, props: list[RawProperty], metas: list[PropertyMeta]
) -> Iterable[tuple[str, tuple[FileSignature, str, list[Contact]]]]:
    for name, (signature, digest, contacts) in raw.items():
        size, mtime_ns, ctime_ns, inode = signature
        yield (
            name,
            (
                FileSignature(size, mtime_ns, ctime_ns, inode),
                digest,
                [_read_contact(c, props, metas) for c in contacts],
            ),
        )


def load_entries(data: bytes, book: str) -> CacheEntries:
    """The entries of a cache file for the book at ``book``; empty when the file is not a
    current cache of that book, or holds anything this module did not write."""
    try:
        payload = orjson.loads(data)
        if (
            type(payload) is not dict
            or payload.get("format") != FORMAT
            or payload.get("version") != VERSION
            or payload.get("layout") != LAYOUT
            or model_layout() != LAYOUT
            or payload.get("book") != book
            or type(payload.get("entries")) is not dict
        ):
            return {}
        props = [RawProperty(n, v, _params(p), g) for n, v, p, g in payload["raw"]]
        metas = [PropertyMeta(n, _params(p), g) for n, p, g in payload["meta"]]
        return dict(_read_entries(payload["entries"], props, metas))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
        # Damaged, planted or written by another version: parse the book instead.
        return {}
