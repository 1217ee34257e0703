"""Templates: sandboxed, strict, overridable, and errors that name template, line and contact."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.contact import Contact, Name
from outreach.errors import TemplateRenderError
from outreach.templating import Renderer, format_date, since, years_since
from outreach.workspace import Workspace

TODAY = date(2026, 11, 22)
ANN = Contact(uid="u1", name=Name(given="Annabel", family="Lee", nickname="Ann"))


@pytest.fixture
def renderer(workspace: Workspace) -> Renderer:
    return Renderer(workspace, today=TODAY)


def render(renderer: Renderer, source: str, **extra: object) -> str:
    context = renderer.context(ANN, last_touch=date(2022, 10, 1))
    context.update(extra)
    return renderer.render_string(source, context, name="inline", contact=ANN)


def test_core_variables(renderer: Renderer) -> None:
    text = render(renderer, "{{ greeting }}/{{ first_name }}/{{ me.name }}/{{ years_since }}")
    assert text == "Ann/Annabel/Alex Example/4"
    assert render(renderer, "It has been {{ since }}.") == "It has been four years."


def test_undefined_is_an_error_naming_line_and_contact(renderer: Renderer) -> None:
    with pytest.raises(TemplateRenderError) as caught:
        render(renderer, "Hi {{ greeting }},\n\n{{ nickname_typo }}")
    message = str(caught.value)
    assert "inline, line 3" in message
    assert "nickname_typo" in message
    assert "Annabel Lee <u1>" in message


def test_syntax_error_names_the_template_file(workspace: Workspace) -> None:
    (workspace.templates_dir / "email").mkdir(parents=True)
    (workspace.templates_dir / "email" / "bad.txt.j2").write_text("ok\n{% if %}\n")
    renderer = Renderer(workspace, today=TODAY)
    with pytest.raises(TemplateRenderError, match=r"email/bad.txt.j2, line 2"):
        renderer.render("email/bad.txt.j2", {}, contact=ANN)


def test_missing_template_is_a_clear_error(renderer: Renderer) -> None:
    with pytest.raises(TemplateRenderError, match="email/none.txt.j2: not found"):
        renderer.render("email/none.txt.j2", {}, contact=ANN)


def test_workspace_templates_override_built_ins(workspace: Workspace) -> None:
    builtin = Renderer(workspace, today=TODAY)
    context = builtin.context(ANN)
    assert "Ann" in builtin.render("email/catch-up.txt.j2", context, contact=ANN)
    (workspace.templates_dir / "email").mkdir(parents=True)
    (workspace.templates_dir / "email" / "catch-up.txt.j2").write_text("Mine, {{ greeting }}")
    mine = Renderer(workspace, today=TODAY)
    assert mine.render("email/catch-up.txt.j2", context, contact=ANN) == "Mine, Ann"


def test_campaign_folder_templates_come_first(workspace: Workspace, tmp_path) -> None:  # type: ignore[no-untyped-def]
    campaign_dir = tmp_path / "campaign"
    (campaign_dir / "email").mkdir(parents=True)
    (campaign_dir / "email" / "catch-up.txt.j2").write_text("Campaign's own")
    renderer = Renderer(workspace, campaign_dir=campaign_dir, today=TODAY)
    assert renderer.render("email/catch-up.txt.j2", {}, contact=ANN) == "Campaign's own"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ contact.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_sandbox_blocks_python_internals(renderer: Renderer, source: str) -> None:
    with pytest.raises(TemplateRenderError):
        render(renderer, source)


@pytest.mark.parametrize(
    "name", ["../../../etc/passwd", "/etc/passwd", "email/../../outreach.toml"]
)
def test_templates_cannot_reach_the_file_system(renderer: Renderer, name: str) -> None:
    with pytest.raises(TemplateRenderError):
        render(renderer, "{% include '" + name + "' %}")


def test_html_templates_escape_contact_data(workspace: Workspace) -> None:
    (workspace.templates_dir / "email").mkdir(parents=True)
    (workspace.templates_dir / "email" / "note.html.j2").write_text("<p>{{ name }}</p>")
    renderer = Renderer(workspace, today=TODAY)
    evil = Contact(uid="x", name=Name(formatted="<script>alert(1)</script>"))
    html = renderer.render("email/note.html.j2", renderer.context(evil), contact=evil)
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_filters() -> None:
    assert years_since(date(2020, 11, 23), TODAY) == 5
    assert years_since(date(2020, 11, 22), TODAY) == 6
    assert years_since(None, TODAY) is None
    assert since(date(2026, 11, 15), TODAY) == "a few days"
    assert since(date(2026, 10, 20), TODAY) == "a few weeks"
    assert since(date(2026, 3, 1), TODAY) == "eight months"
    assert since(date(2025, 6, 1), TODAY) == "a year"
    assert since(None, TODAY) == "a long time"
    assert format_date(date(2026, 12, 24), "long", "de") == "24. Dezember 2026"
    assert format_date("2026-12-24", "d MMM", "en") == "24 Dec"


def test_filters_in_templates(renderer: Renderer) -> None:
    text = render(renderer, "{{ contact | greeting }} {{ last_touch | date('yyyy') }}")
    assert text == "Ann 2022"
