"""The names ``import outreach`` offers a library user, and that each of them resolves."""

from __future__ import annotations

import importlib

import outreach


def test_every_exported_name_resolves_and_every_lazy_name_is_exported() -> None:
    lazy = set(outreach._WHERE)
    assert lazy <= set(outreach.__all__)
    assert set(outreach.__all__) - lazy == {"__version__", "hookimpl"}
    for name in outreach.__all__:
        assert getattr(outreach, name) is not None, name
    namespace: dict[str, object] = {}
    exec("from outreach import *", namespace)
    assert set(outreach.__all__) <= set(namespace)


def test_the_plan_is_offered_at_the_top_level() -> None:
    from outreach import LastTouch, Plan, PlanEntry, PlanInputs, PlanSettings, Touch, build_plan

    touchplan = importlib.import_module("outreach.touchplan")
    assert build_plan is touchplan.build_plan
    assert (Plan, PlanEntry, PlanSettings) == (
        touchplan.Plan,
        touchplan.PlanEntry,
        touchplan.PlanSettings,
    )
    assert PlanInputs is importlib.import_module("outreach.planinputs").PlanInputs
    assert Touch is importlib.import_module("outreach.journal").Touch
    assert LastTouch is importlib.import_module("outreach.templating").LastTouch
