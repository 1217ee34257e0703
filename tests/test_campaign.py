"""Campaign files: parsing, parts, defaults and clear errors for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.campaign import Campaign
from outreach.channel import Channel
from outreach.errors import ConfigError, InputError
from outreach.pluginhost import get_host


def load(tmp_path: Path, text: str, name: str = "campaign.toml") -> Campaign:
    folder = tmp_path / "spring-hello"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return Campaign.load(path, get_host())


def test_simple_campaign_is_one_part(tmp_path: Path, fake_channel: type[Channel]) -> None:
    campaign = load(
        tmp_path,
        '[audience]\ntags = ["colleague"]\nexclude_tags = ["no-email"]\n'
        '[fake]\nbody = "Hi {{ greeting }}"\n',
    )
    assert campaign.name == "spring-hello"  # from the folder of campaign.toml
    (part,) = campaign.parts
    assert part.id == "main"
    assert part.channels == ["fake"]
    assert part.audience.tags == ["colleague"]
    assert part.options["fake"].body == "Hi {{ greeting }}"


def test_parts_inherit_top_level_channel_tables(
    tmp_path: Path, fake_channel: type[Channel]
) -> None:
    campaign = load(
        tmp_path,
        'name = "farewell-2026"\n'
        '[fake]\nbody = "default"\n'
        '[[part]]\nid = "farewell"\ndeliver = "first"\nchannels = ["fake", "linkedin"]\n'
        '[part.audience]\ntags = ["colleague"]\n[part.linkedin]\nbody = "hi"\n'
        '[[part]]\nid = "ask"\n[part.audience]\ntags = ["recommender"]\n'
        '[part.fake]\nbody = "own"\n',
    )
    farewell, ask = campaign.parts
    assert campaign.name == "farewell-2026"
    assert farewell.deliver == "first"
    assert farewell.options["fake"].body == "default"
    assert ask.channels == ["fake"]
    assert ask.options["fake"].body == "own"
    assert campaign.channel_names == ["fake", "linkedin"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('nmae = "x"\n[fake]\n', r"unknown key 'nmae' \(did you mean 'name'\?\)"),
        ("[audience]\ntagz = []\n[fake]\n", r"\[audience\]: unknown key 'tagz'"),
        ('[fake]\nbdy = "x"\n', r"\[fake\]: unknown key 'bdy' \(did you mean 'body'\?\)"),
        ("[fake]\nbody = 3\n", r"\[fake\] body must be text"),
        ("[audience]\nrequire = ['fax']\n[fake]\n", r"no installed channel offers 'fax'"),
        (
            "[audience]\nrequire = ['emial']\n[fake]\n",
            r"require\[0\]: .*'emial' \(did you mean 'email'\?\)",
        ),
        ('name = "../etc"\n[fake]\n', "name must be letters"),
        ("[audience]\n", "has no channel"),
        ('deliver = "some"\n[fake]\n', "deliver must be 'all' or 'first'"),
        ('channels = ["fax"]\n', "unknown channel 'fax'"),
        ("[fake]\nhost = 'smtp.example.com'\n", "account setting; put it in outreach.toml"),
        ("[[part]]\nid = 'a'\n[part.fake]\n[[part]]\nid = 'a'\n[part.fake]\n", "two parts"),
        ("name = \n", "campaign.toml"),
    ],
)
def test_mistakes_are_clear_errors(
    tmp_path: Path, fake_channel: type[Channel], text: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load(tmp_path, text)
    assert "campaign.toml" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such campaign file"):
        Campaign.load(tmp_path / "nope.toml", get_host())


def test_vars_are_available(tmp_path: Path, fake_channel: type[Channel]) -> None:
    campaign = load(tmp_path, '[vars]\nlunch = "Friday"\n[fake]\n')
    assert campaign.vars == {"lunch": "Friday"}


def test_a_byte_order_mark_is_accepted(tmp_path: Path, fake_channel: type[Channel]) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    path = folder / "campaign.toml"
    path.write_bytes("\ufeff[fake]\nbody = 'Hi'\n".encode())
    assert Campaign.load(path, get_host()).parts[0].options["fake"].body == "Hi"
