"""A mailmerge folder converted to outreach sends what mailmerge itself sends.

Each case is a template of the kinds mailmerge's own tests exercise (Markdown with an attached
image shown in the body, Markdown with hard line breaks, a plain message, no SUBJECT). The
same folder is rendered by mailmerge's ``TemplateMessage`` and, converted with
``campaign from-mailmerge``, by an outreach dry run; the two messages must agree on what a
recipient sees.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

mailmerge = pytest.importorskip("mailmerge.template_message")

ROW = {"email": "myself@mydomain.com", "name": "Myself", "number": "17"}
SERVER = "[smtp_server]\nhost = 127.0.0.1\nport = 25\nsecurity = STARTTLS\nusername = me\n"


def _photo(path: Path) -> bytes:
    from PIL import Image

    Image.new("RGB", (48, 32), (200, 40, 40)).save(path, "JPEG")
    return path.read_bytes()


def _both(run_cli, tmp_path: Path, template: str) -> tuple[EmailMessage, EmailMessage, str]:  # noqa: ANN001
    """(mailmerge's message, outreach's message, the conversion's output) for ``template``."""
    folder = tmp_path / "mm"
    folder.mkdir(exist_ok=True)
    (folder / "mailmerge_template.txt").write_text(template, encoding="utf-8")
    (folder / "mailmerge_database.csv").write_text(
        "email,name,number\n" + ",".join(ROW.values()) + "\n", encoding="utf-8"
    )
    (folder / "mailmerge_server.conf").write_text(SERVER, encoding="utf-8")
    _, _, theirs = mailmerge.TemplateMessage(folder / "mailmerge_template.txt").render(dict(ROW))
    theirs = email.message_from_bytes(theirs.as_bytes(), policy=email.policy.default)
    converted = run_cli("campaign", "from-mailmerge", str(folder), "--name", "mm")
    assert converted.exit_code == 0, converted.output
    ran = run_cli("campaign", "run", str(folder / "campaign.toml"))
    assert ran.exit_code == 0, ran.output
    outbox = next(p for p in (tmp_path / "ws" / "out" / "mm" / "outbox" / "new").iterdir())
    ours = email.message_from_bytes(outbox.read_bytes(), policy=email.policy.default)
    return theirs, ours, converted.output + ran.output


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def _body_html(html: str) -> str:
    """The inside of <body>, with layout whitespace and self-closing slashes evened out."""
    inner = re.search(r"<body>(.*)</body>", html, re.S)
    assert inner
    text = re.sub(r"\s*/>", ">", inner.group(1))
    return re.sub(r">\s+<", "><", text).strip()


def _images(message: EmailMessage) -> dict[str, bytes]:
    """Content-ID (without brackets) -> bytes of every part that has one (mailmerge sends
    its images as application/octet-stream, outreach as image/jpeg)."""
    found = {}
    for part in message.walk():
        if part["Content-ID"] is not None:
            found[str(part["Content-ID"]).strip("<>")] = part.get_payload(decode=True)
    return found


def test_an_image_in_markdown_is_embedded_with_a_cid_link(run_cli, tmp_path: Path) -> None:  # noqa: ANN001
    (tmp_path / "mm").mkdir()
    data = _photo(tmp_path / "mm" / "team-photo.jpg")
    theirs, ours, _ = _both(
        run_cli,
        tmp_path,
        "TO: {{email}}\nSUBJECT: Our team\nFROM: My Self <myself@mydomain.com>\n"
        "ATTACHMENT: team-photo.jpg\nCONTENT-TYPE: text/markdown\n\n"
        "Hi {{name}}, here we are:\n\n![](./team-photo.jpg)\n",
    )
    for message in (theirs, ours):
        html = _html(message)
        (source,) = re.findall(r'<img[^>]*src="([^"]+)"', html)
        assert source.startswith("cid:") and "team-photo.jpg" not in html
        assert _images(message) == {source[4:]: data}
    # outreach shows it in the body rather than also offering it as a file to open.
    (image,) = [p for p in ours.walk() if p.get_content_maintype() == "image"]
    assert image.get_content_disposition() == "inline"
    related = next(p for p in ours.walk() if p.get_content_type() == "multipart/related")
    assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/jpeg"]


def test_hard_line_breaks_render_as_mailmerge_renders_them(run_cli, tmp_path: Path) -> None:  # noqa: ANN001
    theirs, ours, _ = _both(
        run_cli,
        tmp_path,
        "TO: {{email}}\nSUBJECT: Thanks\nFROM: My Self <myself@mydomain.com>\n"
        "CONTENT-TYPE: text/markdown\n\n"
        "Dear {{name}},\nthanks for lunch\nat Luigi's on *Friday*.\n\n"
        "- one\n- two\n\nBest,\nMe\n",
    )
    assert _body_html(_html(ours)) == _body_html(_html(theirs))
    assert _body_html(_html(ours)).count("<br>") == 3
    assert ours.get_body(("plain",)).get_content().strip() == (
        theirs.get_body(("plain",)).get_content().strip()
    )


def test_a_plain_template_gives_the_same_text(run_cli, tmp_path: Path) -> None:  # noqa: ANN001
    theirs, ours, _ = _both(
        run_cli,
        tmp_path,
        'TO: "{{name}}" <{{email}}>\nSUBJECT: Your number is {{number}}\n'
        "FROM: My Self <myself@mydomain.com>\n\n"
        "Hi, {{name}},\n\nYour number is {{number}}.\n",
    )
    assert ours["Subject"] == theirs["Subject"] == "Your number is 17"
    assert ours.get_content().strip() == theirs.get_content().strip()


def test_a_template_without_subject_is_sent_without_one_with_a_warning(
    run_cli, tmp_path: Path
) -> None:  # noqa: ANN001
    theirs, ours, output = _both(
        run_cli,
        tmp_path,
        "TO: {{email}}\nFROM: My Self <myself@mydomain.com>\n\nHi {{name}}\n",
    )
    assert theirs["Subject"] is None and ours["Subject"] is None
    assert "no SUBJECT header" in output and "without a subject" in output
    assert ours.get_content().strip() == theirs.get_content().strip() == "Hi Myself"
