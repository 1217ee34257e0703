"""Which fonts each part of a card, envelope and label is set in: the user's, then ours.

``[print] fonts = [...]`` in ``outreach.toml`` (every campaign) and in a campaign's
``[print]`` (that campaign, tried first) put fonts of the user's own in front of the bundled
fallback chains, per role: ``text`` (the printed message and the front), ``note`` (the
handwritten note: a font made from the user's own handwriting belongs here), ``signature``
(the sign-off, the message's last paragraph) and ``address`` (envelopes and labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from outreach.errors import ConfigError

from .fonts import CHAINS, FontFileError, add_font
from .options import FONT_ROLES, FontEntry

__all__ = ["DEFAULT_CHOICE", "FontChoice", "font_choice"]


@dataclass(frozen=True, slots=True)
class FontChoice:
    """The fallback chain (face roles, in order) for each part of the printed pieces."""

    text: tuple[str, ...] = CHAINS["text"]
    title: tuple[str, ...] = CHAINS["title"]
    note: tuple[str, ...] = CHAINS["hand"]
    signature: tuple[str, ...] = CHAINS["text"]
    address: tuple[str, ...] = CHAINS["text"]


#: The bundled fonts alone.
DEFAULT_CHOICE = FontChoice()


def _font_file(root: Path, name: str, where: str) -> Path:
    """``name`` relative to the workspace; it must exist and stay inside it."""
    base = root.resolve()
    path = (base / Path(name).expanduser()).resolve()
    if not path.is_relative_to(base):
        raise ConfigError(f"{where}: font {name} is outside the workspace {base}")
    if not path.is_file():
        raise ConfigError(f"{where}: font {name} not found ({path})")
    return path


def font_choice(groups: Sequence[tuple[Sequence[FontEntry], str]], root: Path) -> FontChoice:
    """The chains with the user's fonts in front; ``groups`` are (entries, where) pairs,
    first tried first, ``where`` naming the setting for error messages."""
    user: dict[str, list[str]] = {role: [] for role in FONT_ROLES}
    for entries, where in groups:
        for entry in entries:
            try:
                role = add_font(_font_file(root, entry.file, where))
            except FontFileError as exc:
                raise ConfigError(f"{where}: {exc}") from None
            for part in entry.roles:
                if role not in user[part]:
                    user[part].append(role)
    if not any(user.values()):
        return DEFAULT_CHOICE
    return FontChoice(
        text=(*user["text"], *CHAINS["text"]),
        title=(*user["text"], *CHAINS["title"]),
        note=(*user["note"], *CHAINS["hand"]),
        signature=(*user["signature"], *CHAINS["text"]),
        address=(*user["address"], *CHAINS["text"]),
    )
