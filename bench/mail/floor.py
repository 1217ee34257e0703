"""The header-reading floor: what a plain script spends to read every message's headers.

* ``maildir DIR``: Python's ``mailbox.Maildir`` over every folder under DIR, reading each
  message file up to the blank line and parsing that header block (``BytesHeaderParser``);
* ``imap HOST PORT USER CAFILE FOLDER...``: ``imaplib`` over TLS (password in
  ``$OUTREACH_IMAP_PASSWORD``), each folder EXAMINEd and its headers fetched with
  ``UID FETCH n:m BODY.PEEK[HEADER]`` 500 at a time, each header block parsed.

No journal, no address book, no classification: the least a Python program must do to look
at the same mail. It prints how many messages it read.

    python bench/mail/floor.py maildir DIR
    python bench/mail/floor.py imap HOST PORT USER CAFILE FOLDER...
"""

from __future__ import annotations

import imaplib
import mailbox
import os
import re
import ssl
import sys
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path


def read_maildirs(root: Path) -> int:
    parser = BytesHeaderParser(policy=compat32)
    count = 0
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if not ((folder / "cur").is_dir() and (folder / "new").is_dir()):
            continue
        box = mailbox.Maildir(folder, factory=None, create=False)
        for key in box.iterkeys():
            with box.get_file(key) as handle:
                lines = []
                for line in handle:
                    if line in (b"\n", b"\r\n"):
                        break
                    lines.append(line)
            parser.parsebytes(b"".join(lines))
            count += 1
    return count


def read_imap(host: str, port: int, user: str, ca_file: str, folders: list[str]) -> int:
    parser = BytesHeaderParser(policy=compat32)
    context = ssl.create_default_context(cafile=ca_file)
    imap = imaplib.IMAP4_SSL(host, port, ssl_context=context)
    imap.login(user, os.environ["OUTREACH_IMAP_PASSWORD"])
    count = 0
    try:
        for folder in folders:
            imap.select(f'"{folder}"', readonly=True)
            _, data = imap.uid("SEARCH", "ALL")
            uids = [int(u) for u in data[0].split()]
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                _, fetched = imap.uid("FETCH", f"{chunk[0]}:{chunk[-1]}", "(UID BODY.PEEK[HEADER])")
                for item in fetched:
                    if isinstance(item, tuple) and re.search(rb"BODY\[HEADER\]", item[0]):
                        parser.parsebytes(item[1])
                        count += 1
    finally:
        imap.logout()
    return count


def main() -> None:
    if sys.argv[1] == "maildir":
        print(read_maildirs(Path(sys.argv[2])))
    else:
        host, port, user, ca_file, *folders = sys.argv[2:]
        print(read_imap(host, int(port), user, ca_file, folders))


if __name__ == "__main__":
    main()
