"""The ``outreach`` command line: a thin layer over the library.

Errors a user can fix are one line on stderr and exit status 2; ``--debug`` shows the
traceback instead. Plugins add commands through the ``register_commands`` hook.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from ..errors import OutreachError
from .context import AppContext

__all__ = ["cli", "main"]


class OutreachGroup(click.Group):
    """The top-level group: turns outreach errors into one clear line and an exit status."""

    _plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if not OutreachGroup._plugins_loaded:
            OutreachGroup._plugins_loaded = True
            from ..pluginhost import get_host

            get_host().add_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugin_commands()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OutreachError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            click.echo(f"outreach: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("outreach: interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            click.echo(
                f"outreach: internal error: {type(exc).__name__}: {exc} "
                "(run with --debug for the traceback)",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=OutreachGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="The workspace directory (default: $OUTREACH_HOME, else the current directory).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="outreach")
@click.pass_context
def cli(ctx: click.Context, home: str | None, debug: bool) -> None:
    """Keep in touch with everyone you have worked with.

    One vCard address book, a touch plan that says who is due, and campaigns by email,
    printed cards and LinkedIn drafts.
    """
    ctx.obj = AppContext(home=home, debug=debug)


def main() -> None:
    """The console-script entry point."""
    try:
        cli(prog_name="outreach")
    except OutreachError as exc:  # raised past the group only with --debug
        traceback.print_exc()
        sys.exit(exc.exit_code)


def _register_builtin_commands() -> None:
    from . import backup, campaign, contacts, core

    for module in (core, contacts, campaign, backup):
        module.register(cli)


_register_builtin_commands()
