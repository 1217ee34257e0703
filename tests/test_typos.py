"""Typos a person makes in a campaign file or on the command line: each is exit 2, one line
naming the place, with a suggestion of what was meant, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_contact

EMAIL = '[email]\nsubject = "Hello"\nbody = "Hi {{ greeting }}"\n'

CAMPAIGN_TYPOS = [
    ('nmae = "x"\n' + EMAIL, "unknown key 'nmae' (did you mean 'name'?)"),
    ('[emial]\nsubject = "s"\nbody = "b"\n', "unknown key 'emial' (did you mean 'email'?)"),
    (
        '[email]\nsubjct = "s"\nbody = "b"\n',
        "[email]: unknown key 'subjct' (did you mean 'subject'?)",
    ),
    ('channels = ["emial"]\n' + EMAIL, "unknown channel 'emial' (did you mean 'email'?)"),
    ('[audience]\ntag = ["x"]\n' + EMAIL, "[audience]: unknown key 'tag' (did you mean 'tags'?)"),
    (
        '[[part]]\nid = "a"\nchanels = ["email"]\n[part.email]\nsubject = "s"\nbody = "b"\n',
        "[part]: unknown key 'chanels' (did you mean 'channels'?)",
    ),
    ('[print]\nlayuot = "single"\n', "[print]: unknown key 'layuot' (did you mean 'layout'?)"),
    ('[linkedin]\ntemplat = "x"\n', "[linkedin]: unknown key 'templat' (did you mean 'template'?)"),
]


@pytest.mark.parametrize(("text", "message"), CAMPAIGN_TYPOS)
def test_a_campaign_typo_is_exit_2_with_a_suggestion(
    run_cli, workspace, add_contacts, tmp_path: Path, text: str, message: str
) -> None:  # noqa: ANN001
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    path = tmp_path / "typo.toml"
    path.write_text(text, encoding="utf-8")
    for command in (["campaign", "preview", str(path)], ["campaign", "run", str(path)]):
        result = run_cli(*command)
        assert result.exit_code == 2, result.output
        (line,) = [ln for ln in result.output.splitlines() if ln.strip()]
        assert line.startswith(f"outreach: error: {path}") and message in line
    assert not (workspace.root / "out").exists() or not any((workspace.root / "out").iterdir())


EXPORT_TYPOS = [
    (["export", "{dir}/book.pdf"], "the extension '.pdf' names no export format"),
    (["export", "{dir}/book.vcd"], "(did you mean '.vcard'?)"),
    (["export", "{dir}/book"], "no extension"),
    (["export", "--format", "cvs", "{dir}/book.txt"], "(did you mean 'csv'?)"),
]


@pytest.mark.parametrize(("args", "message"), EXPORT_TYPOS)
def test_an_export_to_an_unknown_format_is_refused(
    run_cli, add_contacts, tmp_path: Path, args: list[str], message: str
) -> None:  # noqa: ANN001
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    out = tmp_path / "exports"
    out.mkdir()
    result = run_cli("contacts", *(a.format(dir=out) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.output and "outreach: error:" in result.output
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "fmt", "first"),
    [
        ("book.vcf", "vcard", b"BEGIN:VCARD"),
        ("book.VCARD", "vcard", b"BEGIN:VCARD"),
        ("book.csv", "csv", b"\xef\xbb\xbfFirst Name,"),
    ],
)
def test_a_known_extension_picks_the_format(
    run_cli, add_contacts, tmp_path: Path, name: str, fmt: str, first: bytes
) -> None:  # noqa: ANN001
    add_contacts(make_contact("u1", "Ann", "Lee", email="ann@example.org"))
    result = run_cli("contacts", "export", str(tmp_path / name))
    assert result.exit_code == 0, result.output
    assert f"({fmt})" in result.output
    assert (tmp_path / name).read_bytes().startswith(first)
