"""outreach: keep in touch with everyone you have worked with.

One vCard address book, a touch plan that says who is due, and campaigns delivered through
channel plugins (email, printed cards and envelopes, LinkedIn drafts).

Library use::

    from outreach import Engine, Workspace, build_plan

    workspace = Workspace.locate("~/network")
    engine = Engine(workspace)
    campaign = engine.load("holiday-cards/campaign.toml")
    result = engine.run(campaign)            # a dry run: outbox, PDFs, drafts

    plan = build_plan(workspace)             # what `outreach plan` shows
    for entry in plan.due_entries():
        print(entry.name, entry.overdue_days, entry.pick)

Plugins import :data:`hookimpl` from here. Names are loaded on first use, so importing the
package stays cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl

if TYPE_CHECKING:
    from .addressbook import AddressBook
    from .cadence import Cadence
    from .campaign import Audience, Campaign, Part
    from .channel import (
        Channel,
        DeliveryRun,
        Outcome,
        Piece,
        Reach,
        Rendered,
        SendLog,
    )
    from .contact import Address, Birthday, Contact, Email, Name, Phone, RawProperty
    from .delivery import DeliveryKey, Status
    from .engine import Engine, RunResult
    from .errors import (
        BookConflictError,
        ConfigError,
        ContactNotFound,
        InputError,
        OutreachError,
        TemplateRenderError,
    )
    from .importer import Exporter, ImportedRecord, Importer, ImportResult
    from .journal import Journal, Touch
    from .planinputs import PlanInputs
    from .pluginhost import PluginHost, get_host
    from .requirements import Requirement
    from .templating import LastTouch, Renderer
    from .touchplan import Plan, PlanEntry, PlanSettings, build_plan
    from .workspace import Workspace

__all__ = [
    "Address",
    "AddressBook",
    "Audience",
    "Birthday",
    "BookConflictError",
    "Cadence",
    "Campaign",
    "Channel",
    "ConfigError",
    "Contact",
    "ContactNotFound",
    "DeliveryKey",
    "DeliveryRun",
    "Email",
    "Engine",
    "Exporter",
    "ImportResult",
    "ImportedRecord",
    "Importer",
    "InputError",
    "Journal",
    "LastTouch",
    "Name",
    "Outcome",
    "OutreachError",
    "Part",
    "Phone",
    "Piece",
    "Plan",
    "PlanEntry",
    "PlanInputs",
    "PlanSettings",
    "PluginHost",
    "RawProperty",
    "Reach",
    "Renderer",
    "Rendered",
    "Requirement",
    "RunResult",
    "SendLog",
    "Status",
    "TemplateRenderError",
    "Touch",
    "Workspace",
    "__version__",
    "build_plan",
    "get_host",
    "hookimpl",
]

__version__ = "0.1.0"

_WHERE = {
    "AddressBook": "addressbook",
    "Cadence": "cadence",
    "Audience": "campaign",
    "Campaign": "campaign",
    "Part": "campaign",
    "Channel": "channel",
    "DeliveryRun": "channel",
    "Outcome": "channel",
    "Piece": "channel",
    "Reach": "channel",
    "Rendered": "channel",
    "Requirement": "requirements",
    "SendLog": "channel",
    "Address": "contact",
    "Birthday": "contact",
    "Contact": "contact",
    "Email": "contact",
    "Name": "contact",
    "Phone": "contact",
    "RawProperty": "contact",
    "Engine": "engine",
    "RunResult": "engine",
    "BookConflictError": "errors",
    "ConfigError": "errors",
    "ContactNotFound": "errors",
    "InputError": "errors",
    "OutreachError": "errors",
    "TemplateRenderError": "errors",
    "Exporter": "importer",
    "ImportedRecord": "importer",
    "Importer": "importer",
    "ImportResult": "importer",
    "DeliveryKey": "delivery",
    "Status": "delivery",
    "Journal": "journal",
    "Touch": "journal",
    "PlanInputs": "planinputs",
    "Plan": "touchplan",
    "PlanEntry": "touchplan",
    "PlanSettings": "touchplan",
    "build_plan": "touchplan",
    "LastTouch": "templating",
    "PluginHost": "pluginhost",
    "get_host": "pluginhost",
    "Renderer": "templating",
    "Workspace": "workspace",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'outreach' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
