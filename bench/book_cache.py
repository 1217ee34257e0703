"""The parse cache's format: loading 10,000 cached contacts from JSON, beside pickle.

The cache used to be a pickle, which runs code when loaded; it is now JSON rebuilt field by
field (:mod:`outreach.bookcache`). pickle (protocol 5, model objects reduced to their field
values by position, as the old cache wrote them) is the fast format to beat: this loads the
same 10,000 contacts (the import benchmark's generated book) both ways, alternating, in one
process, with the cycle collector paused as the address book does, and prints the ratio.

    python bench/book_cache.py [--cards 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import pickle
import statistics
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from outreach import contact as model
from outreach.addressbook import AddressBook
from outreach.bookcache import dump_entries, load_entries
from outreach.fsutil import FileSignature


def _make_vcards(count: int) -> str:
    path = Path(__file__).resolve().parent / "import" / "run.py"
    spec = importlib.util.spec_from_file_location("outreach_bench_import", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.make_vcards(count))


def _positional(cls: type) -> None:
    """Pickle ``cls`` as its field values by position, the old cache's form."""
    names = tuple(f.name for f in fields(cls))

    def reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
        return (cls, tuple(getattr(self, name) for name in names))

    cls.__reduce__ = reduce  # type: ignore[method-assign,assignment]


def _timed(load: Any) -> float:
    gc.unfreeze()
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    load()
    took = time.perf_counter() - started
    gc.freeze()
    gc.enable()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="outreach-cache-bench-") as scratch:
        book_path = Path(scratch) / "contacts.vcf"
        book_path.write_text(_make_vcards(args.cards), encoding="utf-8")
        contacts = AddressBook.open(book_path).contacts
        signature = FileSignature.of(book_path)
        assert signature is not None
        entries = {"": (signature, "digest", contacts)}
        as_json = dump_entries(str(book_path), entries)
        for cls in (
            model.Name,
            model.Email,
            model.Phone,
            model.Address,
            model.RawProperty,
            model.PropertyMeta,
            model.PastJob,
            model.Contact,
        ):
            _positional(cls)
        as_pickle = pickle.dumps((1, entries), protocol=pickle.HIGHEST_PROTOCOL)
        assert load_entries(as_json, str(book_path)) == entries
        json_s, pickle_s = [], []
        for _ in range(args.rounds):
            json_s.append(_timed(lambda: load_entries(as_json, str(book_path))))
            pickle_s.append(_timed(lambda: pickle.loads(as_pickle)))
    j, p = statistics.median(json_s), statistics.median(pickle_s)
    print(f"{len(contacts)} contacts, median of {args.rounds} alternating loads")
    print(f"  JSON cache (outreach)   {j * 1000:7.0f} ms  {len(as_json) / 1e6:5.1f} MB")
    print(f"  pickle (the old cache)  {p * 1000:7.0f} ms  {len(as_pickle) / 1e6:5.1f} MB")
    print(f"  ratio JSON / pickle     {j / p:7.2f}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  load average {load}; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
