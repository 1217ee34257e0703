"""``outreach campaign from-mailmerge``: a mailmerge folder becomes campaign, book, settings."""

from __future__ import annotations

import tomllib
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from outreach.plugins.email.mailmerge import rewrite_columns
from smtp_servers import Recorder, aiosmtpd_server

from outreach.workspace import Workspace

TEMPLATE = """\
TO: "{{name}}" <{{email}}>
SUBJECT: Your number is {{number}}
FROM: My Self <myself@mydomain.com>
BCC: myself@mydomain.com
ATTACHMENT: files/{{number}}.txt

Hi, {{name}},

Your number is {{number}}{% if number|int > 20 %} (a big one){% endif %}.
"""


def _folder(tmp_path: Path, server: str) -> Path:
    folder = tmp_path / "mm"
    (folder / "files").mkdir(parents=True)
    (folder / "mailmerge_template.txt").write_text(TEMPLATE, encoding="utf-8")
    (folder / "mailmerge_database.csv").write_text(
        'email,name,number\nmyself@mydomain.com,"Myself",17\nbob@bobdomain.com,"Bob Bobson",42\n',
        encoding="utf-8",
    )
    (folder / "mailmerge_server.conf").write_text(server, encoding="utf-8")
    for number in (17, 42):
        (folder / "files" / f"{number}.txt").write_text(f"file {number}\n")
    return folder


def test_rewrite_reads_columns_from_row() -> None:
    source = "{{name}} {{ number|default('x') }} {% if x.number %}{{ row.name }}{% endif %}"
    assert rewrite_columns(source, {"name", "number"}) == (
        "{{row.name}} {{ row.number|default('x') }} {% if x.number %}{{ row.name }}{% endif %}"
    )


def test_from_mailmerge_converts_and_sends(workspace: Workspace, tmp_path: Path, run_cli) -> None:  # noqa: ANN001
    recorder = Recorder()
    with aiosmtpd_server(recorder) as port:
        folder = _folder(
            tmp_path,
            f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nratelimit = 30\n",
        )
        converted = run_cli("campaign", "from-mailmerge", str(folder), "--name", "numbers")
        assert converted.exit_code == 0, converted.output
        assert "2 added" in converted.output
        settings = tomllib.loads(workspace.config_path.read_text())["email"]
        assert settings == {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "per_minute": 30,
        }
        book = Workspace.load(workspace.root).open_book()
        bob = book.find("bob@bobdomain.com")
        assert (bob.name.given, bob.name.family, bob.tags) == ("Bob", "Bobson", ["numbers"])
        campaign = folder / "campaign.toml"
        preview = run_cli("campaign", "preview", str(campaign))
        assert "Subject: Your number is 42" in preview.output
        assert "Your number is 42 (a big one)." in preview.output
        assert "Bcc (envelope only): myself@mydomain.com" in preview.output
        sent = run_cli("campaign", "run", str(campaign), "--send")
        assert sent.exit_code == 0, sent.output
        again = run_cli("campaign", "from-mailmerge", str(folder))
        assert again.exit_code == 2 and "already exists" in again.output
    by_to = {r.recipients[0]: r for r in recorder.received}
    assert set(by_to) == {"myself@mydomain.com", "bob@bobdomain.com"}
    assert by_to["bob@bobdomain.com"].recipients == ["bob@bobdomain.com", "myself@mydomain.com"]
    message = message_from_bytes(by_to["bob@bobdomain.com"].data, policy=default)
    assert message["From"] == "My Self <myself@mydomain.com>"
    assert message["To"] == "Bob Bobson <bob@bobdomain.com>"
    (attachment,) = message.iter_attachments()
    assert (
        attachment.get_filename() == "42.txt"
        and attachment.get_content().replace("\r\n", "\n") == "file 42\n"
    )


def test_plain_security_becomes_starttls_with_a_warning(
    workspace: Workspace,
    tmp_path: Path,
    run_cli,  # noqa: ANN001
) -> None:
    folder = _folder(
        tmp_path,
        "[smtp_server]\nhost = smtp.example.com\nport = 25\nsecurity = PLAIN\nusername = me\n",
    )
    result = run_cli("campaign", "from-mailmerge", str(folder), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "without encryption" in result.output
    assert not (folder / "campaign.toml").exists()
    assert "[email]" not in workspace.config_path.read_text().replace("# [email]", "")


def test_a_template_without_a_recipient_column_is_refused(
    workspace: Workspace,
    tmp_path: Path,
    run_cli,  # noqa: ANN001
) -> None:
    folder = _folder(tmp_path, "[smtp_server]\nhost = h\nport = 25\n")
    (folder / "mailmerge_template.txt").write_text("TO: fixed@example.com\nSUBJECT: x\n\nhi\n")
    result = run_cli("campaign", "from-mailmerge", str(folder))
    assert result.exit_code == 2
    assert "mailmerge_template.txt: the TO header must be a database column" in result.output
    assert len(Workspace.load(workspace.root).open_book()) == 0
